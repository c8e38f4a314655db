//! Our header reading and hashing against Tempo's own header type: `tempo_primitives::TempoHeader`
//! 1.11.0 (the crate Tempo publishes from `crates/primitives/src/header.rs`), which reads the
//! same JSON with serde and hashes it with `Sealable::hash_slow` (keccak256 of its RLP).
//!
//! Cases: the real mainnet header, every header of a devnet chain (with and without the
//! consensus context, transactions and receipts of real payments in their roots), and
//! variants of each with one hashed field changed, an optional field removed, or the
//! consensus context dropped. Wherever both accept a header, the hashes must be equal;
//! wherever one refuses it, so must the other.
#![cfg(not(target_arch = "wasm32"))]

use alloy_consensus::Sealable;
use serde_json::{json, Value};
use tempo_light::TempoHeader;
use tempo_light_devnet::{Chain, DevnetConfig};
use tempo_light_testkit::fixture;

/// Hashed fields whose value can be changed without changing its JSON type: `(name, value)`.
const CHANGES: [(&str, &str); 14] = [
    (
        "parentHash",
        "0x1111111111111111111111111111111111111111111111111111111111111111",
    ),
    (
        "stateRoot",
        "0x2222222222222222222222222222222222222222222222222222222222222222",
    ),
    (
        "transactionsRoot",
        "0x3333333333333333333333333333333333333333333333333333333333333333",
    ),
    (
        "receiptsRoot",
        "0x4444444444444444444444444444444444444444444444444444444444444444",
    ),
    ("miner", "0x5555555555555555555555555555555555555555"),
    ("number", "0x7"),
    ("gasLimit", "0x1c9c380"),
    ("gasUsed", "0x5208"),
    ("timestamp", "0x6553f100"),
    ("extraData", "0xdeadbeef"),
    ("baseFeePerGas", "0x3b9aca00"),
    ("mainBlockGeneralGasLimit", "0x1"),
    ("sharedGasLimit", "0x2"),
    ("timestampMillisPart", "0x3e7"),
];

/// Optional trailing fields of the Ethereum header (and the Tempo consensus context).
const OPTIONAL: [&str; 8] = [
    "baseFeePerGas",
    "withdrawalsRoot",
    "blobGasUsed",
    "excessBlobGas",
    "parentBeaconBlockRoot",
    "requestsHash",
    "consensusContext",
    "hash",
];

fn variants(header: &Value) -> Vec<Value> {
    let mut out = vec![header.clone()];
    for (field, value) in CHANGES {
        let mut v = header.clone();
        v[field] = json!(value);
        out.push(v);
    }
    for field in OPTIONAL {
        if header.get(field).is_some() {
            let mut v = header.clone();
            v.as_object_mut().unwrap().remove(field);
            out.push(v);
        }
    }
    if header.get("consensusContext").is_some() {
        for (key, value) in [
            ("epoch", json!(9)),
            ("view", json!(10)),
            ("parentView", json!(8)),
        ] {
            let mut v = header.clone();
            v["consensusContext"][key] = value;
            out.push(v);
        }
    }
    out
}

#[test]
fn header_hashes_match_tempo_primitives() {
    let mut bases = vec![fixture()["header"].clone()];
    let mut chain = Chain::new(DevnetConfig {
        epoch_length: 5,
        full_dkg_every: 2,
        ..Default::default()
    });
    for _ in 0..120 {
        chain.produce();
    }
    for height in 0..=chain.tip().height() {
        if let Some(block) = chain.block(height) {
            bases.push(serde_json::to_value(&block.header).unwrap());
        }
    }
    let with_context = bases
        .iter()
        .filter(|h| h.get("consensusContext").is_some())
        .count();

    let (mut compared, mut both_refused, mut mismatches) = (0usize, 0usize, Vec::new());
    for base in &bases {
        for case in variants(base) {
            let ours = TempoHeader::from_value(case.clone()).map(|h| h.hash());
            let theirs = serde_json::from_value::<tempo_primitives::TempoHeader>(case.clone())
                .map(|h| h.hash_slow());
            match (ours, theirs) {
                (Ok(a), Ok(b)) if a == b => compared += 1,
                (Err(_), Err(_)) => both_refused += 1,
                (ours, theirs) => mismatches.push(format!("{ours:?} vs {theirs:?} on {case}")),
            }
        }
    }
    println!(
        "differential: header hash: compared {compared} headers with tempo-primitives 1.11.0 \
         ({} bases: the mainnet header and {} devnet headers, {with_context} with a consensus \
         context; the rest variants), {both_refused} refused by both, {} mismatches",
        bases.len(),
        bases.len() - 1,
        mismatches.len()
    );
    assert!(
        mismatches.is_empty(),
        "{}",
        mismatches[..mismatches.len().min(5)].join("\n")
    );
    assert!(compared > 1_000);
}
