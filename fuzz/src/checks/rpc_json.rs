//! JSON from the RPC: headers (against Tempo's own header type) and certified blocks in
//! every shape an RPC answers with.

use std::sync::OnceLock;

use alloy_primitives::B256;
use tempo_light::{CertifiedBlock, Network, TempoHeader};

use super::*;

// ---- JSON from the RPC ---------------------------------------------------------------------------

/// Header JSON: parsing never panics; a parsed header serializes to JSON that parses back to
/// the same header (and so the same hash); wherever Tempo's own header type
/// (`tempo_primitives::TempoHeader` 1.11.0, read by serde, hashed by `Sealable::hash_slow`)
/// also reads the JSON, the two hashes are equal.
pub fn header_json(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(header) = TempoHeader::from_json(text) else {
        return;
    };
    let hash = header.hash();
    let _ = (
        header.number(),
        header.timestamp_millis(),
        header.extra_data(),
    );
    let again = serde_json::to_value(&header).expect("a header serializes");
    let reparsed = TempoHeader::from_value(again).expect("a serialized header parses");
    assert_eq!(reparsed, header, "header JSON does not round-trip");
    assert_eq!(reparsed.hash(), hash);
    if let Ok(theirs) = serde_json::from_str::<tempo_primitives::TempoHeader>(text) {
        use alloy_consensus::Sealable;
        assert_eq!(
            hash,
            theirs.hash_slow(),
            "our header hash differs from tempo-primitives'"
        );
    }
}

/// The hash of the real mainnet block (`tests/fixtures`), computed once.
pub(super) fn fixture_hash() -> B256 {
    static HASH: OnceLock<B256> = OnceLock::new();
    *HASH.get_or_init(|| {
        CertifiedBlock::from_json(tempo_light_testkit::MAINNET_BLOCK)
            .expect("the fixture parses")
            .header
            .hash()
    })
}

/// A CertifiedBlock in any accepted shape (JSON-RPC response, event, notification,
/// `consensus_getLatest`, header beside certificate): parsing never panics; verification on
/// mainnet, testnet and the devnet never panics and accepts only blocks really finalized
/// there (the real mainnet fixture, the devnet's blocks).
pub fn certified_block(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(block) = CertifiedBlock::from_json(text) else {
        return;
    };
    for d in block.discrepancies() {
        let _ = (d.field(), d.claimed(), d.actual());
    }
    let hash = block.header.hash();
    if let Ok(v) = tempo_light::verify_with_network(&Network::mainnet(), &block) {
        assert_eq!(
            v.hash,
            fixture_hash(),
            "mainnet accepted a block never finalized"
        );
        assert_eq!(v.hash, hash);
    }
    if let Ok(v) = tempo_light::verify_with_network(&Network::testnet(), &block) {
        panic!("testnet accepted a block of ours: {:#x}", v.hash);
    }
    let d = devnet();
    if let Ok(v) = tempo_light::verify_with_network(&d.network(), &block) {
        assert!(
            d.finalized(v.height, v.hash).is_some(),
            "the devnet's network accepted a block it never finalized"
        );
    }
    let _ = tempo_light::provenance(&Network::mainnet(), &block);
    let _ = tempo_light::provenance(&d.network(), &block);
}
