//! The devnet's chain generator: what it writes, the reference reads identically, and its
//! epochs, reshares and rotations follow the schedule it promises.
#![cfg(not(target_arch = "wasm32"))]

use tempo_light_testkit as common;

use common::reference;
use tempo_light::{finality::epoch, verify_block, CertifiedBlock, DkgOutcome};
use tempo_light_devnet::{Chain, ChainFaults, DevnetConfig};

fn certified(block: &tempo_light_devnet::DevBlock) -> CertifiedBlock {
    block.certified().expect("not genesis")
}

#[test]
fn every_block_verifies_and_the_reference_agrees() {
    let config = DevnetConfig {
        epoch_length: 10,
        full_dkg_every: 3,
        seed: 1,
        ..Default::default()
    };
    let mut chain = Chain::new(config);
    let mut parent = chain.tip().hash;
    let mut compared = 0;
    for _ in 0..70 {
        let block = chain.produce().clone();
        assert_eq!(
            block.header.parent_hash(),
            parent,
            "parent link at {}",
            block.height()
        );
        parent = block.hash;
        let e = block.height() / 10;
        let identity = chain.identity(e).unwrap();
        let verified = verify_block(&identity, 10, &certified(&block)).unwrap();
        assert_eq!(verified.epoch, e);
        // The reference accepts the same certificate under the same identity...
        let bytes = block.certificate.as_ref().unwrap().encode();
        assert!(reference::certificate_verifies(
            &bytes,
            &identity.to_bytes()
        ));
        // ...and no other epoch's identity, when it differs.
        if let Some(other) = chain.identity(e + 1).filter(|o| *o != identity) {
            assert!(!reference::certificate_verifies(&bytes, &other.to_bytes()));
            assert!(verify_block(&other, 10, &certified(&block)).is_err());
        }
        compared += 1;
    }
    println!("devnet: {compared} certificates verified by tempo-light and the reference alike");
}

#[test]
fn boundaries_carry_outcomes_the_reference_reads_identically() {
    let config = DevnetConfig {
        epoch_length: 10,
        full_dkg_every: 3,
        seed: 2,
        ..Default::default()
    };
    let mut chain = Chain::new(config);
    let genesis = chain.block(0).unwrap().header.extra_data().clone();
    let mut outcomes = vec![genesis];
    for _ in 0..69 {
        let block = chain.produce().clone();
        if epoch::is_boundary(10, block.height()) {
            outcomes.push(block.header.extra_data().clone());
        } else {
            assert!(block.header.extra_data().is_empty());
        }
    }
    assert_eq!(outcomes.len(), 8, "genesis + boundaries of epochs 0..=6");
    let mut previous: Option<DkgOutcome> = None;
    for (e, bytes) in outcomes.iter().enumerate() {
        let e = e as u64;
        let ours = DkgOutcome::decode(bytes).unwrap();
        let theirs = reference::read_outcome(bytes).expect("the reference reads it");
        assert_eq!(theirs.0, ours.epoch);
        assert_eq!(theirs.1, ours.identity().to_bytes().to_vec());
        assert_eq!(
            theirs.2,
            ours.players.iter().map(|p| p.to_vec()).collect::<Vec<_>>()
        );
        assert_eq!(
            theirs.3,
            ours.next_players
                .iter()
                .map(|p| p.to_vec())
                .collect::<Vec<_>>()
        );
        assert_eq!(theirs.4, ours.is_next_full_dkg);
        assert_eq!(ours.epoch, e);
        assert_eq!(
            ours.is_next_full_dkg,
            (e + 1).is_multiple_of(3),
            "announced one epoch ahead"
        );
        if let Some(prev) = &previous {
            let rotated = ours.identity() != prev.identity();
            assert_eq!(
                rotated,
                e.is_multiple_of(3),
                "epoch {e}: rotates exactly after an announcement"
            );
            assert_eq!(rotated, prev.is_next_full_dkg);
            assert_eq!(
                prev.next_players, ours.players,
                "next players become players"
            );
            assert_ne!(
                ours.sharing.coefficients(),
                prev.sharing.coefficients(),
                "fresh polynomial"
            );
        }
        previous = Some(ours);
    }
}

#[test]
fn is_deterministic_given_the_seed() {
    let run = |seed| {
        let mut chain = Chain::new(DevnetConfig {
            seed,
            ..Default::default()
        });
        (0..45).map(|_| chain.produce().hash).collect::<Vec<_>>()
    };
    assert_eq!(run(5), run(5));
    assert_ne!(run(5), run(6));
}

#[test]
fn unannounced_rotation_fault_changes_the_identity_without_announcement() {
    let faults = ChainFaults {
        unannounced_rotation_at_epoch: Some(2),
        ..Default::default()
    };
    let config = DevnetConfig {
        epoch_length: 10,
        full_dkg_every: 0,
        faults,
        ..Default::default()
    };
    let mut chain = Chain::new(config);
    for _ in 0..30 {
        chain.produce();
    }
    let announced = chain.outcome(1).unwrap();
    assert!(!announced.is_next_full_dkg);
    assert_ne!(chain.identity(2), chain.identity(1));
    // The boundary announcing it is validly signed by epoch 1's identity.
    let boundary = chain.block(19).unwrap();
    verify_block(&chain.identity(1).unwrap(), 10, &certified(boundary)).unwrap();
}

#[test]
fn equivocation_fault_finalizes_two_blocks_at_one_height() {
    let faults = ChainFaults {
        equivocation_at: Some(5),
        ..Default::default()
    };
    let mut chain = Chain::new(DevnetConfig {
        faults,
        ..Default::default()
    });
    for _ in 0..8 {
        chain.produce();
    }
    let a = chain.block(5).unwrap();
    let b = chain.equivocation(5).unwrap();
    assert_ne!(a.hash, b.hash);
    let identity = chain.identity(0).unwrap();
    verify_block(&identity, 20, &certified(a)).unwrap();
    verify_block(&identity, 20, &certified(b)).unwrap();
}

#[test]
fn keeps_memory_bounded_but_keeps_boundaries() {
    let mut chain = Chain::new(DevnetConfig {
        epoch_length: 10,
        retain: 15,
        ..Default::default()
    });
    for _ in 0..100 {
        chain.produce();
    }
    assert!(chain.block(50).is_none(), "pruned");
    assert!(chain.block(49).is_some(), "boundary kept");
    assert!(chain.block(0).is_some(), "genesis kept");
    assert!(chain.block(95).is_some());
}
