//! The light client step by step: a script of answers (honest, faulty, hostile) and the
//! invariants every step keeps.

use tempo_light::{
    wire::certificate::Certificate, CertifiedBlock, ClientError, Event, LightClient, TempoHeader,
};
use tempo_light_devnet::DevBlock;

use super::*;

// ---- the light client, step by step --------------------------------------------------------------

/// Most operations run per input (each may verify a certificate: ~1 ms).
pub const MAX_STEPS: usize = 48;

struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn byte(&mut self) -> Option<u8> {
        let (&b, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(b)
    }
    fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.byte().unwrap_or(0), self.byte().unwrap_or(0)])
    }
    fn height(&mut self) -> u64 {
        1 + u64::from(self.byte().unwrap_or(0)) % DEVNET_BLOCKS
    }
}

/// A sequence of operations on a light client of a devnet (first byte: the honest devnet,
/// with a valid equivocation, or the one that rotates its identity unannounced; operations:
/// single finalizations, mutated ones, honest answers, header chunks, runs of boundaries,
/// replays, saves and reloads), each followed
/// by the invariants: the head never moves back; every block accepted as final is one the chain
/// finalized and its certificate verifies under the identity the client holds for its epoch;
/// every identity the client registers is the chain's, and one that changes does so only where
/// the previous outcome announced a full DKG; a refused step leaves the state byte for byte
/// unchanged; a frozen client stays frozen; saved state restores to itself.
pub fn light_client(data: &[u8]) {
    let mut input = Bytes(data);
    let d = match input.byte() {
        Some(b) if b % 2 == 1 => faulty_devnet(),
        _ => devnet(),
    };
    let mut client = LightClient::new(d.network());
    let mut every_header = false;
    let mut last: Option<CertifiedBlock> = None;
    for _ in 0..MAX_STEPS {
        let Some(op) = input.byte() else { break };
        let before = client.to_json();
        let before_head = client.head();
        let was_frozen = client.is_frozen();
        let mut fed: Option<CertifiedBlock> = None;
        let result: Option<Result<Vec<Event>, ClientError>> = match op % 9 {
            // A finalization of height h, as is.
            0 => {
                let block = d.certified(input.height());
                fed = Some(block.clone());
                Some(client.on_finalization(block))
            }
            // A finalization with one byte changed: of its JSON text, or of its certificate.
            1 => {
                let dev = d.block(input.height());
                let at = usize::from(input.u16());
                let value = input.byte().unwrap_or(0);
                let mutated = if at % 2 == 0 {
                    let mut text = certified_json(dev).to_string().into_bytes();
                    let i = (at / 2) % text.len();
                    text[i] = value;
                    std::str::from_utf8(&text)
                        .ok()
                        .and_then(|t| CertifiedBlock::from_json(t).ok())
                } else {
                    let mut bytes = dev.certificate.as_ref().expect("certified").encode();
                    let i = (at / 2) % bytes.len();
                    bytes[i] ^= value.max(1);
                    Certificate::decode(&bytes)
                        .ok()
                        .map(|certificate| CertifiedBlock {
                            certificate,
                            ..dev.certified().expect("certified")
                        })
                };
                mutated.map(|block| {
                    fed = Some(block.clone());
                    client.on_finalization(block)
                })
            }
            // What the client asks for, answered honestly.
            2 => match client.next_request() {
                None => None,
                Some(tempo_light::Request::LatestFinalization) => {
                    let block = d.certified(DEVNET_BLOCKS);
                    fed = Some(block.clone());
                    Some(client.on_finalization(block))
                }
                Some(tempo_light::Request::Finalization { height }) => d
                    .chain
                    .block(height)
                    .and_then(DevBlock::certified)
                    .map(|b| {
                        fed = Some(b.clone());
                        client.on_finalization(b)
                    }),
                Some(tempo_light::Request::Headers { from, to }) => {
                    let headers = (from..=to.min(from + 300))
                        .filter_map(|h| d.chain.block(h).map(|b| b.header.clone()))
                        .collect();
                    Some(client.on_headers(headers))
                }
            },
            // A chunk of headers the fuzzer picks, possibly with one changed.
            3 => {
                let from = u64::from(input.byte().unwrap_or(0)) % (DEVNET_BLOCKS + 1);
                let len = u64::from(input.byte().unwrap_or(0) % 16);
                let tamper = input.byte().unwrap_or(0);
                let mut headers: Vec<TempoHeader> = (from..=(from + len).min(DEVNET_BLOCKS))
                    .map(|h| d.chain.block(h).expect("retained").header.clone())
                    .collect();
                if tamper % 4 == 1 {
                    let i = usize::from(tamper / 4) % headers.len();
                    headers[i].inner.gas_used ^= 1;
                } else if tamper % 4 == 2 {
                    headers.reverse();
                }
                Some(client.on_headers(headers))
            }
            // Save and reload.
            4 => {
                let saved = client.to_json();
                let mut restored = LightClient::from_json(&saved).expect("saved state restores");
                assert_eq!(restored.to_json(), saved, "saved state does not round-trip");
                restored.set_every_header(every_header);
                client = restored;
                None
            }
            // A replay of the last block fed.
            5 => last.clone().map(|block| {
                fed = Some(block.clone());
                client.on_finalization(block)
            }),
            // Every-header mode on or off.
            6 => {
                every_header = input.byte().unwrap_or(0) % 2 == 1;
                client.set_every_header(every_header);
                None
            }
            // The equivocating twin (honest devnet), or a block of the other devnet.
            7 => {
                let block = match d.chain.equivocation(EQUIVOCATION_AT) {
                    Some(twin) => twin.certified().expect("certified"),
                    None => devnet().certified(input.height()),
                };
                fed = Some(block.clone());
                Some(client.on_finalization(block))
            }
            // The boundaries the client wants as one run (`on_boundaries`: several identities
            // in one multi-pairing), as the chain has them or with one of them spoilt: a
            // certificate byte changed, the other devnet's block in its place, or the run
            // reversed.
            _ => {
                let max = usize::from(input.byte().unwrap_or(0) % 12) + 1;
                let spoil = input.byte().unwrap_or(0);
                let wanted = client.boundaries_wanted(max);
                let mut run: Vec<CertifiedBlock> = wanted.iter().map(|&h| d.certified(h)).collect();
                if !run.is_empty() {
                    let i = usize::from(spoil / 4) % run.len();
                    match spoil % 4 {
                        1 => {
                            let mut bytes = run[i].certificate.encode();
                            let at = usize::from(input.byte().unwrap_or(0)) % bytes.len();
                            bytes[at] ^= input.byte().unwrap_or(0).max(1);
                            match Certificate::decode(&bytes) {
                                Ok(certificate) => run[i].certificate = certificate,
                                Err(_) => run.truncate(i),
                            }
                        }
                        2 => {
                            let other = if std::ptr::eq(d, devnet()) {
                                faulty_devnet()
                            } else {
                                devnet()
                            };
                            run[i] = other.certified(run[i].header.number());
                        }
                        3 => run.reverse(),
                        _ => {}
                    }
                }
                (!run.is_empty()).then(|| client.on_boundaries(run))
            }
        };
        if let Some(block) = fed {
            last = Some(block);
        }
        check_step(d, &client, &before, before_head, was_frozen, result);
    }
}

fn check_step(
    d: &Devnet,
    client: &LightClient,
    before: &str,
    before_head: Option<tempo_light::client::Head>,
    was_frozen: bool,
    result: Option<Result<Vec<Event>, ClientError>>,
) {
    let state = client.state();
    assert!(!was_frozen || client.is_frozen(), "a frozen client thawed");
    if let (Some(old), Some(new)) = (before_head, client.head()) {
        assert!(new.height >= old.height, "the head moved back");
    }
    assert!(
        before_head.is_none() || client.head().is_some(),
        "the head was lost"
    );
    if let Some(head) = client.head() {
        let block = d
            .finalized(head.height, head.hash)
            .expect("the head is a block the chain finalized");
        assert_eq!(head.state_root, Some(block.header.state_root()));
    }
    match result {
        None => {}
        Some(Err(_)) => assert_eq!(client.to_json(), before, "a refused step changed the state"),
        Some(Ok(events)) => {
            for event in events {
                match event {
                    Event::Finalized {
                        height,
                        hash,
                        epoch,
                        ..
                    } => {
                        let block = d
                            .finalized(height, hash)
                            .expect("accepted a block the chain never finalized");
                        let identity = state
                            .identity_for(epoch)
                            .expect("an accepted block's epoch has an identity");
                        block
                            .certificate
                            .as_ref()
                            .expect("certified")
                            .verify(&identity)
                            .expect("an accepted block verifies under the held identity");
                    }
                    Event::EpochTransition {
                        epoch, identity, ..
                    } => {
                        assert_eq!(
                            Some(&identity),
                            d.chain.identity(epoch).as_ref(),
                            "registered an identity the chain never had"
                        );
                        let previous = epoch.checked_sub(1).and_then(|e| d.chain.identity(e));
                        if epoch > 0 && previous.as_ref() != Some(&identity) {
                            assert!(
                                d.chain
                                    .outcome(epoch - 1)
                                    .is_some_and(|o| o.is_next_full_dkg),
                                "the identity changed at epoch {epoch} without an announced full DKG"
                            );
                        }
                    }
                    Event::Headers(run) => {
                        for h in run {
                            let number = h.header.number();
                            assert!(
                                d.finalized(number, h.hash).is_some(),
                                "yielded a header the chain never finalized"
                            );
                        }
                    }
                    Event::PresetIdentityDiffers { .. } | Event::Equivocation(_) => {}
                }
            }
        }
    }
}
