//! Real mainnet data from `tests/fixtures/` (copied from the shared mainnet fixtures): a finalized block and the genesis DKG outcome.
#![cfg(not(target_arch = "wasm32"))]

use tempo_light::{
    wire::certificate::Certificate, CertifiedBlock, DkgOutcome, Error, Network, VerifyError,
};

const BLOCK: &str = include_str!("fixtures/mainnet-block-32724390.json");
const GENESIS: &str = include_str!("fixtures/mainnet-genesis-dkg-outcome.json");

fn fixture(text: &str) -> serde_json::Value {
    serde_json::from_str(text).expect("fixture is JSON")
}

#[test]
fn real_mainnet_block_verifies_under_the_mainnet_preset() {
    let block = CertifiedBlock::from_json(BLOCK).unwrap();
    let verified = tempo_light::verify_with_network(&Network::mainnet(), &block).unwrap();
    let f = fixture(BLOCK);
    assert_eq!(verified.height, 32_724_390);
    assert_eq!(verified.epoch, 1515);
    assert_eq!(verified.view, 391);
    assert_eq!(verified.parent_view, 390);
    assert_eq!(
        format!("{:#x}", verified.hash),
        f["header"]["hash"].as_str().unwrap()
    );
    assert!(verified.next_epoch.is_none());
}

#[test]
fn header_hash_matches_the_real_block_hash() {
    let f = fixture(BLOCK);
    let header = tempo_light::TempoHeader::from_value(f["header"].clone()).unwrap();
    assert_eq!(
        format!("{:#x}", header.hash()),
        f["header"]["hash"].as_str().unwrap()
    );
    assert!(header.consensus_context.is_some());
}

#[test]
fn real_certificate_reencodes_to_the_same_bytes() {
    let f = fixture(BLOCK);
    let hex = f["finalization"]["certificate"].as_str().unwrap();
    let certificate = Certificate::from_hex(hex).unwrap();
    assert_eq!(
        alloy_primitives::hex::encode_prefixed(certificate.encode()),
        hex
    );
    assert_eq!(certificate.epoch, 1515);
}

#[test]
fn real_mainnet_block_fails_under_the_testnet_preset() {
    let block = CertifiedBlock::from_json(BLOCK).unwrap();
    let err = tempo_light::verify_with_network(&Network::testnet(), &block).unwrap_err();
    assert_eq!(
        err,
        Error::Verify(VerifyError::BadSignature { epoch: 1515 })
    );
}

#[test]
fn real_genesis_extra_data_decodes_to_the_mainnet_identity() {
    let f = fixture(GENESIS);
    let outcome = DkgOutcome::from_hex(f["genesisExtraData"].as_str().unwrap()).unwrap();
    assert_eq!(outcome.epoch, 0);
    assert_eq!(
        alloy_primitives::hex::encode_prefixed(outcome.identity().to_bytes()),
        f["expected"]["networkIdentity"].as_str().unwrap()
    );
    assert_eq!(
        outcome.identity(),
        &Network::mainnet().identities()[0].identity
    );
    // What was decoded re-encodes to the same bytes.
    assert_eq!(
        alloy_primitives::hex::encode_prefixed(outcome.encode()),
        f["genesisExtraData"].as_str().unwrap()
    );
}

#[test]
fn presets_decode() {
    for network in [Network::mainnet(), Network::testnet()] {
        assert!(!network.identities().is_empty());
        assert_eq!(network.epoch_length().get(), 21_600);
    }
}
