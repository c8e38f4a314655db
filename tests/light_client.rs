//! The light-client state machine driven over generated chains: it keeps up through
//! reshares and rotations, and every adversarial answer ends in its own error with the
//! state exactly as it was.
#![cfg(not(target_arch = "wasm32"))]

use tempo_light_testkit as common;

use tempo_light::{
    client::{Head, LightClient, Request},
    CertifiedBlock, ClientError, DecodeError, Error, Event, Network, TempoHeader, VerifyError,
};
use tempo_light_devnet::{Chain, ChainFaults, DevBlock, DevnetConfig};

const L: u64 = 10;

fn chain(seed: u64, blocks: u64, faults: ChainFaults) -> Chain {
    let config = DevnetConfig {
        epoch_length: L,
        full_dkg_every: 3,
        seed,
        faults,
        ..Default::default()
    };
    let mut chain = Chain::new(config);
    for _ in 0..blocks {
        chain.produce();
    }
    chain
}

fn network_of(chain: &Chain) -> Network {
    Network::custom(chain.config().chain_id, L, chain.genesis_identity(), 0).unwrap()
}

fn certified(block: &DevBlock) -> CertifiedBlock {
    block.certified().expect("not genesis")
}

fn headers(chain: &Chain, from: u64, to: u64) -> Vec<TempoHeader> {
    (from..=to)
        .map(|h| chain.block(h).unwrap().header.clone())
        .collect()
}

/// Answers one request from `chain`; `None` when the client is up to date.
fn step(client: &mut LightClient, chain: &Chain) -> Option<Result<Vec<Event>, ClientError>> {
    Some(match client.next_request()? {
        Request::LatestFinalization => {
            if client
                .head()
                .is_some_and(|h| h.height >= chain.tip().height())
            {
                return None;
            }
            client.on_finalization(certified(chain.tip()))
        }
        Request::Finalization { height } => client.on_finalization(certified(chain.block(height)?)),
        Request::Headers { from, to } => client.on_headers(headers(chain, from, to)),
    })
}

/// Drives the client to the chain's tip; returns (requests answered, events).
fn sync(client: &mut LightClient, chain: &Chain) -> (usize, Vec<Event>) {
    let mut events = Vec::new();
    let mut requests = 0;
    while let Some(result) = step(client, chain) {
        events.extend(result.unwrap());
        requests += 1;
        assert!(requests < 10_000, "no progress");
    }
    (requests, events)
}

fn transitions(events: &[Event]) -> Vec<(u64, bool)> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::EpochTransition { epoch, rotated, .. } => Some((*epoch, *rotated)),
            _ => None,
        })
        .collect()
}

#[test]
fn follows_to_the_tip_through_reshares_and_two_rotations() {
    let chain = chain(1, 75, ChainFaults::default()); // epochs 0..=7, rotations at 3 and 6
    let mut client = LightClient::new(network_of(&chain));
    let (requests, events) = sync(&mut client, &chain);
    let tip = chain.tip();
    assert_eq!(
        client.head(),
        Some(Head {
            height: tip.height(),
            hash: tip.hash,
            epoch: 7,
            state_root: Some(tip.header.state_root()),
        })
    );
    // The genesis identity does not sign epoch 7: the client walks back to a boundary it can
    // verify and bridges forward, registering every epoch on the way.
    let t = transitions(&events);
    assert_eq!(t.iter().filter(|(_, rotated)| *rotated).count(), 2, "{t:?}");
    assert!(t.contains(&(3, true)) && t.contains(&(6, true)), "{t:?}");
    for e in 3..=7 {
        assert_eq!(
            client.state().identity_for(e).unwrap(),
            chain.identity(e).unwrap(),
            "epoch {e}"
        );
    }
    // It jumped: far fewer requests than blocks.
    assert!(requests < 25, "{requests} requests");
}

#[test]
fn follows_incrementally_from_genesis_and_registers_every_boundary() {
    let mut chain = chain(2, 0, ChainFaults::default());
    let mut client = LightClient::new(network_of(&chain));
    let mut all = Vec::new();
    for _ in 0..80 {
        chain.produce();
        all.extend(sync(&mut client, &chain).1);
        assert_eq!(client.head().unwrap().hash, chain.tip().hash);
    }
    let t = transitions(&all);
    assert_eq!(
        t.iter().map(|(e, _)| *e).collect::<Vec<_>>(),
        (1..=8).collect::<Vec<_>>()
    );
    assert_eq!(
        t.iter()
            .filter(|(_, r)| *r)
            .map(|(e, _)| *e)
            .collect::<Vec<_>>(),
        vec![3, 6]
    );
    for e in 0..=8 {
        assert_eq!(
            client.state().identity_for(e).unwrap(),
            chain.identity(e).unwrap()
        );
    }
    let finalized = all
        .iter()
        .filter(|e| matches!(e, Event::Finalized { .. }))
        .count();
    assert_eq!(finalized, 80, "one new head per produced block");
}

#[test]
fn every_header_mode_yields_each_header_once_in_order() {
    let chain = chain(3, 64, ChainFaults::default());
    let (mut client, _) = LightClient::from_trusted_block(
        network_of(&chain),
        chain.block(0).unwrap().hash,
        &headers(&chain, 0, 0),
    )
    .unwrap();
    client.set_every_header(true);
    let (_, events) = sync(&mut client, &chain);
    let heights: Vec<u64> = events
        .iter()
        .flat_map(|e| match e {
            Event::Headers(run) => run.iter().map(|h| h.header.number()).collect(),
            _ => vec![],
        })
        .collect();
    // Heads arrive by certificate; every header strictly between heads arrives in a run.
    let heads: Vec<u64> = events
        .iter()
        .filter_map(|e| match e {
            Event::Finalized { height, .. } => Some(*height),
            _ => None,
        })
        .collect();
    let mut all: Vec<u64> = heights.iter().chain(heads.iter()).copied().collect();
    all.sort_unstable();
    all.dedup();
    assert_eq!(all, (1..=64).collect::<Vec<_>>());
    assert!(heights.windows(2).all(|w| w[0] < w[1]), "ascending");
    assert_eq!(client.head().unwrap().height, 64);
}

#[test]
fn starts_from_a_trusted_block_and_its_boundary() {
    let chain = chain(4, 70, ChainFaults::default());
    let (mut client, events) = LightClient::from_trusted_block(
        network_of(&chain),
        chain.block(55).unwrap().hash,
        &headers(&chain, 49, 55),
    )
    .unwrap();
    assert_eq!(transitions(&events), vec![(5, false)]);
    assert_eq!(client.head().unwrap().height, 55);
    assert_eq!(
        client.state().identity_for(5).unwrap(),
        chain.identity(5).unwrap()
    );
    sync(&mut client, &chain);
    assert_eq!(client.head().unwrap().height, 70);
    assert_eq!(
        client.state().identity_for(7).unwrap(),
        chain.identity(7).unwrap()
    );
    // The run must start at the latest boundary and end at the trusted hash.
    let err = LightClient::from_trusted_block(
        network_of(&chain),
        chain.block(55).unwrap().hash,
        &headers(&chain, 50, 55),
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            ClientError::HeaderNumberMismatch {
                expected: 49,
                actual: 50
            }
        ),
        "{err:?}"
    );
    let err = LightClient::from_trusted_block(
        network_of(&chain),
        chain.block(56).unwrap().hash,
        &headers(&chain, 49, 55),
    )
    .unwrap_err();
    assert!(
        matches!(err, ClientError::TipHashMismatch { .. }),
        "{err:?}"
    );
}

#[test]
fn save_and_restore_at_every_step_changes_nothing() {
    let chain = chain(5, 73, ChainFaults::default());
    let mut plain = LightClient::new(network_of(&chain));
    let mut restored = LightClient::new(network_of(&chain));
    for _ in 0..200 {
        // Restore from JSON whenever the plan is empty (the saved state is the trust state).
        if restored.is_idle() {
            restored = LightClient::from_json(&restored.to_json()).unwrap();
        }
        assert_eq!(plain.next_request(), restored.next_request());
        let a = step(&mut plain, &chain);
        let b = step(&mut restored, &chain);
        assert_eq!(a, b);
        assert_eq!(plain.to_json(), restored.to_json());
        if a.is_none() {
            break;
        }
    }
    assert_eq!(restored.head().unwrap().hash, chain.tip().hash);
    let json = restored.to_json();
    assert!(json.starts_with("{\"version\":1,"), "{json}");
    assert!(json.len() < 2_000, "compact: {} bytes", json.len());
}

/// Runs `f` on the client and asserts it fails with `expected` and changes nothing.
fn rejects(
    client: &mut LightClient,
    f: impl FnOnce(&mut LightClient) -> Result<Vec<Event>, ClientError>,
    expected: impl Fn(&ClientError) -> bool,
) {
    let before = (client.to_json(), client.next_request(), client.is_idle());
    let err = f(client).unwrap_err();
    assert!(expected(&err), "unexpected error {err:?}");
    assert_eq!(
        (client.to_json(), client.next_request(), client.is_idle()),
        before,
        "state changed"
    );
}

/// A client anchored at genesis and synced to the tip (every epoch registered on the way).
fn synced(chain: &Chain) -> LightClient {
    let genesis = chain.block(0).unwrap();
    let (mut client, _) = LightClient::from_trusted_block(
        network_of(chain),
        genesis.hash,
        std::slice::from_ref(&genesis.header),
    )
    .unwrap();
    sync(&mut client, chain);
    client
}

#[test]
fn rejects_unannounced_rotation() {
    let faults = ChainFaults {
        unannounced_rotation_at_epoch: Some(2),
        ..Default::default()
    };
    let chain = chain(6, 35, faults);
    let mut client = LightClient::new(network_of(&chain));
    // The boundary of epoch 0 registers epoch 1, whose outcome announces no full DKG.
    client
        .on_finalization(certified(chain.block(9).unwrap()))
        .unwrap();
    assert!(!client.state().announced().unwrap().next_full_dkg);
    // A tip in epoch 3 makes the client bridge through the boundary of epoch 1, which
    // changes the identity anyway: a valid signature, an invalid transition.
    client
        .on_finalization(certified(chain.block(35).unwrap()))
        .unwrap();
    assert_eq!(
        client.next_request(),
        Some(Request::Finalization { height: 19 })
    );
    rejects(
        &mut client,
        |c| c.on_finalization(certified(chain.block(19).unwrap())),
        |e| matches!(e, ClientError::UnannouncedRotation { epoch: 2 }),
    );
}

#[test]
fn rejects_an_answer_that_skips_the_rotation_boundary() {
    let chain = chain(7, 45, ChainFaults::default());
    let mut client = LightClient::new(network_of(&chain));
    client
        .on_finalization(certified(chain.block(15).unwrap()))
        .unwrap();
    client
        .on_finalization(certified(chain.block(45).unwrap()))
        .unwrap();
    // Anchored by the built-in identity at epoch 1, it first learns epoch 1's own outcome.
    assert_eq!(
        client.next_request(),
        Some(Request::Finalization { height: 9 })
    );
    client
        .on_finalization(certified(chain.block(9).unwrap()))
        .unwrap();
    assert_eq!(
        client.next_request(),
        Some(Request::Finalization { height: 19 })
    );
    client
        .on_finalization(certified(chain.block(19).unwrap()))
        .unwrap();
    assert_eq!(
        client.next_request(),
        Some(Request::Finalization { height: 29 })
    );
    // The server answers the boundary of epoch 2 with the block after the rotation instead.
    rejects(
        &mut client,
        |c| c.on_finalization(certified(chain.block(39).unwrap())),
        |e| matches!(e, ClientError::Unexpected(_)),
    );
    // And a block signed by the rotated identity does not verify under epoch 2's.
    let mut forged = certified(chain.block(29).unwrap());
    forged.certificate = chain.block(39).unwrap().certificate.clone().unwrap();
    rejects(
        &mut client,
        |c| c.on_finalization(forged.clone()),
        |e| {
            matches!(
                e,
                ClientError::Block(Error::Verify(VerifyError::DigestMismatch { .. }))
            )
        },
    );
}

#[test]
fn refuses_a_retired_preset_past_the_learnt_epochs() {
    // The same validators and genesis key; one chain rotates it by a full DKG at epoch 3, the
    // other never does: its blocks are what the retired (preset) key signs at any epoch.
    let rotating = chain(1, 45, ChainFaults::default());
    let mut steady = Chain::new(DevnetConfig {
        epoch_length: L,
        full_dkg_every: 0,
        seed: 1,
        ..Default::default()
    });
    for _ in 0..100 {
        steady.produce();
    }
    assert_eq!(steady.genesis_identity(), rotating.genesis_identity());
    let mut client = LightClient::new(network_of(&rotating));
    sync(&mut client, &rotating);
    assert_eq!(client.state().registered_through(), Some(4));
    assert_ne!(rotating.identity(4), Some(rotating.genesis_identity()));
    let before = client.to_json();
    for height in [55, 95] {
        let forged = certified(steady.block(height).unwrap());
        let epoch = height / L;
        assert_eq!(
            client.verify(&forged).unwrap_err(),
            Error::Verify(VerifyError::IdentityNotBridged { epoch, through: 4 }),
            "block {height}"
        );
        assert!(client
            .verify_batch(core::slice::from_ref(&forged))
            .iter()
            .all(|r| r.as_ref().is_err_and(|e| e.code() == "IdentityNotBridged")));
    }
    assert_eq!(client.to_json(), before);
    // A client that has learnt nothing still trusts its preset, as it was configured to.
    let fresh = LightClient::new(network_of(&rotating));
    assert_eq!(
        fresh
            .verify(&certified(steady.block(95).unwrap()))
            .unwrap()
            .height,
        95
    );
}

#[test]
fn refuses_an_epoch_older_than_the_identities_it_keeps_without_calling_it_forged() {
    // A rotation every epoch of 4 blocks: past 64 rotations the oldest identities are dropped.
    let mut rotating = Chain::new(DevnetConfig {
        epoch_length: 4,
        full_dkg_every: 1,
        seed: 7,
        ..Default::default()
    });
    for _ in 0..300 {
        rotating.produce();
    }
    let network = Network::custom(
        rotating.config().chain_id,
        4,
        rotating.genesis_identity(),
        0,
    )
    .unwrap();
    let mut client = LightClient::new(network);
    sync(&mut client, &rotating);
    let before = client.to_json();
    let mut refused = 0;
    for height in 1..=300u64 {
        let block = certified(rotating.block(height).unwrap());
        match client.verify(&block) {
            Ok(verified) => assert_eq!(verified.height, height),
            Err(e) => {
                // Never a verdict on a genuine block: only "no longer known", for old epochs.
                let Error::Verify(VerifyError::IdentityForgotten { epoch, oldest }) = e else {
                    panic!("block {height}: {e}");
                };
                assert_eq!(epoch, height / 4);
                assert!(
                    epoch < oldest,
                    "block {height}: epoch {epoch}, oldest {oldest}"
                );
                // Epoch 0 is certain: the genesis identity signs it.
                assert_ne!(epoch, 0, "block {height}");
                assert_eq!(e.code(), "IdentityForgotten");
                refused += 1;
            }
        }
    }
    assert!(
        refused > 0,
        "no identity was dropped: the chain is too short"
    );
    assert!(
        refused < 150,
        "the newest identities are kept ({refused} refused)"
    );
    assert_eq!(client.to_json(), before);
}

#[test]
fn rejects_certificate_for_an_epoch_before_the_identity() {
    let chain = chain(8, 30, ChainFaults::default());
    let network = Network::custom(1, L, chain.identity(2).unwrap(), 2).unwrap();
    let mut client = LightClient::new(network);
    rejects(
        &mut client,
        |c| c.on_finalization(certified(chain.block(15).unwrap())),
        |e| {
            matches!(
                e,
                ClientError::Block(Error::Verify(VerifyError::IdentityUnavailable {
                    epoch: 1,
                    from_epoch: 2
                }))
            )
        },
    );
    client
        .on_finalization(certified(chain.block(25).unwrap()))
        .unwrap();
    assert_eq!(client.head().unwrap().height, 25);
}

fn every_header_client(chain: &Chain, trusted: u64) -> LightClient {
    let boundary = tempo_light::client::latest_boundary_at_or_before(L, trusted).unwrap();
    let (mut client, _) = LightClient::from_trusted_block(
        network_of(chain),
        chain.block(trusted).unwrap().hash,
        &headers(chain, boundary, trusted),
    )
    .unwrap();
    client.set_every_header(true);
    client
}

#[test]
fn rejects_header_run_with_a_broken_parent_link() {
    let chain = chain(9, 18, ChainFaults::default());
    let mut client = every_header_client(&chain, 11);
    client
        .on_finalization(certified(chain.block(18).unwrap()))
        .unwrap();
    assert_eq!(
        client.next_request(),
        Some(Request::Headers { from: 12, to: 18 })
    );
    let mut run = headers(&chain, 12, 18);
    run[2].inner.gas_used += 1; // block 14 no longer hashes to what block 15 names as parent
    rejects(
        &mut client,
        |c| c.on_headers(run.clone()),
        |e| matches!(e, ClientError::BrokenParentLink { height: 15, .. }),
    );
    let mut run = headers(&chain, 12, 18);
    run.swap(1, 2);
    rejects(
        &mut client,
        |c| c.on_headers(run.clone()),
        |e| matches!(e, ClientError::HeaderNumberMismatch { .. }),
    );
    rejects(
        &mut client,
        |c| c.on_headers(headers(&chain, 12, 17)),
        |e| matches!(e, ClientError::HeaderNumberMismatch { .. }),
    );
    client.on_headers(headers(&chain, 12, 18)).unwrap();
    assert_eq!(client.head().unwrap().height, 18);
}

#[test]
fn rejects_header_run_that_ends_at_another_block() {
    let faults = ChainFaults {
        equivocation_at: Some(18),
        ..Default::default()
    };
    let chain = chain(10, 18, faults);
    let mut client = every_header_client(&chain, 11);
    client
        .on_finalization(certified(chain.block(18).unwrap()))
        .unwrap();
    let mut run = headers(&chain, 12, 18);
    run[6] = chain.equivocation(18).unwrap().header.clone();
    rejects(
        &mut client,
        |c| c.on_headers(run.clone()),
        |e| matches!(e, ClientError::TipHashMismatch { .. }),
    );
}

#[test]
fn rejects_replay_of_an_old_finalization() {
    let chain = chain(11, 25, ChainFaults::default());
    let mut client = synced(&chain);
    for h in [25, 24, 3] {
        rejects(
            &mut client,
            |c| c.on_finalization(certified(chain.block(h).unwrap())),
            |e| matches!(e, ClientError::NotNewer { .. }),
        );
    }
}

#[test]
fn rejects_a_certificate_from_another_network() {
    let ours = chain(12, 25, ChainFaults::default());
    let theirs = chain(13, 28, ChainFaults::default());
    let mut client = synced(&ours);
    rejects(
        &mut client,
        |c| c.on_finalization(certified(theirs.block(27).unwrap())),
        |e| {
            matches!(
                e,
                ClientError::Block(Error::Verify(VerifyError::BadSignature { epoch: 2 }))
            )
        },
    );
}

#[test]
fn equivocation_freezes_the_client_until_reset() {
    let faults = ChainFaults {
        equivocation_at: Some(22),
        ..Default::default()
    };
    let chain = chain(14, 24, faults);
    // Following block by block, the client finalizes block 22 itself.
    let mut client2 = LightClient::new(network_of(&chain));
    for h in 1..=24 {
        client2
            .on_finalization(certified(chain.block(h).unwrap()))
            .unwrap();
        while let Some(Request::Finalization { height }) = client2.next_request() {
            client2
                .on_finalization(certified(chain.block(height).unwrap()))
                .unwrap();
        }
    }
    let twin = certified(chain.equivocation(22).unwrap());
    let events = client2.on_finalization(twin.clone()).unwrap();
    assert!(matches!(&events[..], [Event::Equivocation(e)] if e.height == 22));
    assert!(client2.is_frozen());
    assert_eq!(client2.next_request(), None);
    // No balance is proven against the state of a network that finalized two blocks.
    let token = tempo_light::state::tip20::PATH_USD;
    assert!(matches!(
        client2.balance_query(token, token),
        Err(tempo_light::state::state_proof::ProofError::Frozen { height: 22 })
    ));
    // Nor is any block final to it: verify, alone or in a batch, refuses with Frozen.
    let genuine = certified(chain.block(23).unwrap());
    assert_eq!(client2.verify(&genuine).unwrap_err().code(), "Frozen");
    assert!(client2
        .verify_batch(core::slice::from_ref(&genuine))
        .iter()
        .all(|r| r.as_ref().is_err_and(|e| e.code() == "Frozen")));
    let frozen_json = client2.to_json();
    rejects(
        &mut client2,
        |c| c.on_finalization(certified(chain.block(24).unwrap())),
        |e| matches!(e, ClientError::Frozen { height: 22 }),
    );
    // The evidence survives a restart.
    assert!(LightClient::from_json(&frozen_json).unwrap().is_frozen());
    client2.reset();
    assert!(!client2.is_frozen());
    assert_eq!(client2.verify(&genuine).unwrap().height, 23);
    let query = client2.balance_query(token, token).unwrap();
    assert_eq!(query.height, 24);
    assert_eq!(
        query.state_root,
        chain.block(24).unwrap().header.state_root()
    );
    // A client that only jumped to the tip never saw block 22: the twin is no evidence to it.
    let mut jumper = synced(&chain);
    rejects(
        &mut jumper,
        |c| c.on_finalization(twin.clone()),
        |e| matches!(e, ClientError::NotNewer { .. }),
    );
}

#[test]
fn walks_back_when_the_preset_identity_is_stale() {
    let chain = chain(15, 75, ChainFaults::default()); // tip epoch 7, identities rotate at 3, 6
    let mut client = LightClient::new(network_of(&chain)); // preset: the genesis identity only
    client.on_finalization(certified(chain.tip())).unwrap();
    let mut probes = Vec::new();
    while let Some(Request::Finalization { height }) = client.next_request() {
        probes.push(height);
        client
            .on_finalization(certified(chain.block(height).unwrap()))
            .unwrap();
    }
    // Probes 69, 59, 49, 39 fail (rotated identities), 29 verifies under the genesis identity;
    // 19 is read to learn epoch 2's announcement; then it bridges forward 29..69 (each checked
    // against the announcement before it) and verifies the tip.
    assert_eq!(probes, vec![69, 59, 49, 39, 29, 19, 29, 39, 49, 59, 69]);
    assert_eq!(client.head().unwrap().hash, chain.tip().hash);
}

#[test]
fn warns_when_the_onchain_identity_differs_from_the_preset() {
    let chain = chain(16, 35, ChainFaults::default());
    let mut client = LightClient::new(network_of(&chain));
    let (_, events) = sync(&mut client, &chain);
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Event::PresetIdentityDiffers { epoch: 3, .. })),
        "{events:?}"
    );
}

#[test]
fn verifies_batches_and_finds_the_bad_ones() {
    let chain = chain(17, 60, ChainFaults::default());
    let client = synced(&chain);
    let mut blocks: Vec<CertifiedBlock> = (1..=60)
        .map(|h| certified(chain.block(h).unwrap()))
        .collect();
    let good = client.verify_batch(&blocks);
    assert!(good.iter().all(|r| r.is_ok()));
    blocks[17].certificate.seed_signature = blocks[18].certificate.seed_signature;
    blocks[44].header.inner.gas_used = 1;
    let results = client.verify_batch(&blocks);
    for (i, r) in results.iter().enumerate() {
        match i {
            17 => assert!(
                matches!(r, Err(Error::Verify(VerifyError::BadSignature { .. }))),
                "{r:?}"
            ),
            44 => assert!(
                matches!(r, Err(Error::Verify(VerifyError::DigestMismatch { .. }))),
                "{r:?}"
            ),
            _ => assert_eq!(r.as_ref().unwrap().height, i as u64 + 1),
        }
    }
}

#[test]
fn real_mainnet_block_verifies_through_the_mainnet_preset() {
    let mut client = LightClient::new(Network::mainnet());
    let block = CertifiedBlock::from_json(common::MAINNET_BLOCK).unwrap();
    let events = client.on_finalization(block).unwrap();
    assert!(matches!(
        events[..],
        [Event::Finalized {
            height: 32_724_390,
            epoch: 1515,
            ..
        }]
    ));
    assert_eq!(client.head().unwrap().height, 32_724_390);
}

#[test]
fn the_head_state_root_survives_a_restart_and_old_state_asks_to_move_on() {
    let chain = chain(3, 12, ChainFaults::default());
    let client = synced(&chain);
    let token = tempo_light::state::tip20::PATH_USD;
    let saved = client.to_json();
    let restored = LightClient::from_json(&saved).unwrap();
    assert_eq!(
        restored.balance_query(token, token).unwrap().state_root,
        chain.tip().header.state_root()
    );
    // State saved before heads kept their state root: restored, but no proof until the head moves.
    let mut old: serde_json::Value = serde_json::from_str(&saved).unwrap();
    old["head"].as_object_mut().unwrap().remove("stateRoot");
    let old = LightClient::from_json(&old.to_string()).unwrap();
    assert!(matches!(
        old.balance_query(token, token),
        Err(tempo_light::state::state_proof::ProofError::NoStateRoot(_))
    ));
    // Before anything is final there is nothing to prove against.
    assert!(matches!(
        LightClient::new(network_of(&chain)).balance_query(token, token),
        Err(tempo_light::state::state_proof::ProofError::NoStateRoot(_))
    ));
}

#[test]
fn bridges_forward_from_its_anchor_when_the_key_rotated_beyond_walking_back() {
    // A new identity every 2 epochs for 100 epochs: the genesis identity last signed epoch 1,
    // far more than MAX_PROBE_EPOCHS before the tip, so walking back cannot reach it.
    let config = DevnetConfig {
        epoch_length: 5,
        full_dkg_every: 2,
        seed: 7,
        ..Default::default()
    };
    let mut chain = Chain::new(config);
    for _ in 0..500 {
        chain.produce();
    }
    let tip_epoch = chain.tip().certificate.as_ref().unwrap().epoch;
    assert!(tip_epoch > tempo_light::client::MAX_PROBE_EPOCHS + 2);
    let network = Network::custom(chain.config().chain_id, 5, chain.genesis_identity(), 0).unwrap();
    let mut client = LightClient::new(network);
    let mut events = Vec::new();
    let mut requests = 0;
    while let Some(request) = client.next_request() {
        let answer = match request {
            Request::LatestFinalization if client.head().is_some() => break,
            Request::LatestFinalization => certified(chain.tip()),
            Request::Finalization { height } => certified(chain.block(height).unwrap()),
            Request::Headers { .. } => unreachable!("headers are asked only in every-header mode"),
        };
        events.extend(client.on_finalization(answer).unwrap());
        requests += 1;
        assert!(requests < 1_000, "no progress");
    }
    assert_eq!(client.head().unwrap().height, chain.tip().height());
    // Every boundary from the anchor's was verified: one epoch transition per epoch, and a
    // rotation every second one.
    let learnt = transitions(&events);
    assert_eq!(learnt.len() as u64, tip_epoch);
    assert_eq!(
        learnt.iter().filter(|(_, rotated)| *rotated).count() as u64,
        tip_epoch / 2
    );
    assert_eq!(
        client.state().identity_for(tip_epoch).unwrap(),
        chain.identity(tip_epoch).unwrap(),
        "the identity learnt for the tip's epoch is the chain's"
    );
}

/// A fresh client driven to the tip of `chain`, bridging with runs of boundaries whose sizes
/// come from `sizes` (cycled; 0 means one by one through `on_finalization`). Returns the
/// events and the number of runs handed over.
fn sync_in_runs(client: &mut LightClient, chain: &Chain, sizes: &[usize]) -> (Vec<Event>, usize) {
    let mut events = Vec::new();
    let mut runs = 0;
    for turn in 0.. {
        assert!(turn < 10_000, "no progress");
        let size = sizes[turn % sizes.len()];
        let wanted = client.boundaries_wanted(size);
        if size > 0 && !wanted.is_empty() {
            let run = wanted
                .iter()
                .map(|&h| certified(chain.block(h).unwrap()))
                .collect();
            events.extend(client.on_boundaries(run).unwrap());
            runs += 1;
            continue;
        }
        match step(client, chain) {
            Some(result) => events.extend(result.unwrap()),
            None => break,
        }
    }
    (events, runs)
}

/// A chain whose tip is out of reach of walking back from genesis (more than
/// MAX_PROBE_EPOCHS epochs, a new identity every third epoch), so a fresh client bridges.
fn long_chain(seed: u64, faults: ChainFaults) -> Chain {
    let config = DevnetConfig {
        epoch_length: 2,
        full_dkg_every: 3,
        seed,
        faults,
        retain: 1_000,
        ..Default::default()
    };
    let mut chain = Chain::new(config);
    for _ in 0..2 * (tempo_light::client::MAX_PROBE_EPOCHS + 30) {
        chain.produce();
    }
    chain
}

fn fresh_client(chain: &Chain) -> LightClient {
    let network = Network::custom(chain.config().chain_id, 2, chain.genesis_identity(), 0).unwrap();
    LightClient::new(network)
}

#[test]
fn a_run_of_boundaries_is_taken_as_each_one_in_turn() {
    let chain = long_chain(21, ChainFaults::default());
    let mut one_by_one = fresh_client(&chain);
    let (expected, _) = sync_in_runs(&mut one_by_one, &chain, &[0]);
    assert_eq!(one_by_one.head().unwrap().height, chain.tip().height());
    let mut compared = 0;
    for sizes in [&[1][..], &[2], &[7], &[64], &[1000], &[3, 0, 5, 1, 0, 9, 2]] {
        let mut batched = fresh_client(&chain);
        let (events, runs) = sync_in_runs(&mut batched, &chain, sizes);
        assert!(runs > 0, "runs of {sizes:?} were used");
        assert_eq!(events, expected, "runs of {sizes:?}: the same events");
        assert_eq!(batched.to_json(), one_by_one.to_json(), "runs of {sizes:?}");
        compared += 1;
    }
    println!(
        "on_boundaries: {compared} ways of cutting {} events into runs, the same as one by one",
        expected.len()
    );
}

/// A client bridging through `chain` after `taken` boundaries, and the next `n` it wants.
fn bridging(chain: &Chain, taken: usize, n: usize) -> (LightClient, Vec<CertifiedBlock>) {
    let mut client = fresh_client(chain);
    while client.boundaries_wanted(1).is_empty() {
        step(&mut client, chain).unwrap().unwrap();
    }
    for _ in 0..taken {
        let height = client.boundaries_wanted(1)[0];
        client
            .on_finalization(certified(chain.block(height).unwrap()))
            .unwrap();
    }
    let run = client
        .boundaries_wanted(n)
        .iter()
        .map(|&h| certified(chain.block(h).unwrap()))
        .collect();
    (client, run)
}

#[test]
fn refuses_a_boundary_whose_extra_data_exceeds_the_nodes_bound() {
    let chain = long_chain(21, ChainFaults::default());
    let (client, run) = bridging(&chain, 1, 3);
    // The boundary re-signed by its own committee with its outcome padded to `len` bytes.
    let padded = |len: usize| -> Vec<CertifiedBlock> {
        let mut run = run.clone();
        let mut header = run[1].header.clone();
        let mut bytes = header.extra_data().to_vec();
        bytes.resize(len, 0);
        header.inner.extra_data = bytes.into();
        run[1] = chain.certify_header(&header).unwrap();
        run
    };
    // Bytes after the outcome are accepted, as Tempo accepts them, up to the node's own bound.
    let mut accepted = client.clone();
    accepted
        .on_boundaries(padded(tempo_light::wire::dkg::MAX_EXTRA_DATA_BYTES))
        .unwrap();
    let over = padded(tempo_light::wire::dkg::MAX_EXTRA_DATA_BYTES + 1);
    let mut refused = client.clone();
    let error = refused.on_boundaries(over.clone()).unwrap_err();
    assert!(
        matches!(
            error,
            ClientError::Block(Error::Decode(DecodeError::LengthOutOfRange {
                field: "extraData",
                ..
            }))
        ),
        "{error:?}"
    );
    assert_eq!(first_refusal(&client, &over), error);
    assert_eq!(refused.to_json(), client.to_json());
}

/// The refusal of the first bad boundary in `run`, as answering one by one gives it.
fn first_refusal(client: &LightClient, run: &[CertifiedBlock]) -> ClientError {
    let mut client = client.clone();
    for block in run {
        if let Err(e) = client.on_finalization(block.clone()) {
            return e;
        }
    }
    panic!("every boundary of the run was accepted one by one");
}

#[test]
fn a_run_with_a_bad_boundary_is_refused_whole_with_the_first_refusal() {
    let chain = long_chain(22, ChainFaults::default());
    let foreign = long_chain(23, ChainFaults::default());
    type Fault = fn(&mut Vec<CertifiedBlock>, usize, &Chain);
    let faults: [(&str, Fault); 6] = [
        ("vote signature of another boundary", |run, j, _| {
            let other = run[(j + 1) % run.len()].certificate.vote_signature;
            run[j].certificate.vote_signature = other;
        }),
        ("seed signature of another boundary", |run, j, _| {
            let other = run[(j + 1) % run.len()].certificate.seed_signature;
            run[j].certificate.seed_signature = other;
        }),
        ("the same boundary on another chain", |run, j, foreign| {
            run[j] = certified(foreign.block(run[j].header.number()).unwrap());
        }),
        ("a boundary skipped", |run, j, _| {
            run.remove(j);
        }),
        ("a boundary twice", |run, j, _| {
            let again = run[j].clone();
            run.insert(j, again);
        }),
        ("a block that is not a boundary", |run, j, chain| {
            let height = run[j].header.number() - 1;
            run[j] = certified(chain.block(height).unwrap());
        }),
    ];
    let mut compared = 0;
    for (name, fault) in faults {
        for j in [0, 3, 6] {
            let (mut client, mut run) = bridging(&chain, 5 + j, 8);
            assert_eq!(run.len(), 8);
            fault(&mut run, j, &foreign);
            let expected = first_refusal(&client, &run);
            rejects(
                &mut client,
                |c| c.on_boundaries(run),
                |e| {
                    assert_eq!(*e, expected, "{name} at {j}");
                    true
                },
            );
            compared += 1;
        }
    }
    // A run that goes on past the tip it bridges to.
    let (mut client, mut run) = bridging(&chain, 0, 1000);
    run.push(run.last().unwrap().clone());
    rejects(
        &mut client,
        |c| c.on_boundaries(run),
        |e| {
            matches!(
                e,
                ClientError::Unexpected(tempo_light::Unexpected::AnotherHeight)
            )
        },
    );
    println!("on_boundaries: {compared} bad runs refused whole, each with its first refusal");
}

#[test]
fn a_run_through_an_unannounced_rotation_is_refused_whole() {
    let faults = ChainFaults {
        unannounced_rotation_at_epoch: Some(80),
        ..Default::default()
    };
    let chain = long_chain(24, faults);
    let mut client = fresh_client(&chain);
    while client.boundaries_wanted(1).is_empty() {
        step(&mut client, &chain).unwrap().unwrap();
    }
    let run: Vec<CertifiedBlock> = client
        .boundaries_wanted(1000)
        .iter()
        .map(|&h| certified(chain.block(h).unwrap()))
        .collect();
    let expected = first_refusal(&client, &run);
    assert!(
        matches!(expected, ClientError::UnannouncedRotation { epoch: 80 }),
        "{expected:?}"
    );
    rejects(&mut client, |c| c.on_boundaries(run), |e| *e == expected);
}

/// A later fork's header (a hashed field this version does not know, so the digest cannot
/// match) is refused by the client as `UnsupportedHeader` naming the field, as verifying the
/// block alone and in a batch refuse it, not as a lie about the digest; the state is unchanged.
#[test]
fn names_a_later_forks_header_unsupported() {
    let block = CertifiedBlock::from_value(common::later_fork_block())
        .expect("the fixture with two fields changed reads");
    let unsupported = |e: &Error| matches!(e, Error::Verify(VerifyError::UnsupportedHeader { fields }) if fields == &["futureForkRoot"]);
    let mut client = LightClient::new(Network::mainnet());
    let before = client.state().clone();
    match client.on_finalization(block.clone()) {
        Err(ClientError::Block(e)) => assert!(unsupported(&e), "{e:?}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(client.state(), &before);
    let alone = client.verify(&block).unwrap_err();
    assert!(unsupported(&alone), "{alone:?}");
    let batch = client.verify_batch(core::slice::from_ref(&block));
    assert!(matches!(&batch[0], Err(e) if unsupported(e)), "{batch:?}");
}
