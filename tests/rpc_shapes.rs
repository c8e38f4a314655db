//! Every JSON shape a Tempo RPC answers with carries the same verifiable block.
#![cfg(not(target_arch = "wasm32"))]

use tempo_light_testkit as common;

use common::{fixture, mainnet_certified_block};
use serde_json::json;
use tempo_light::{verify_with_network, CertifiedBlock, Network};

fn verifies(value: serde_json::Value) {
    let block = CertifiedBlock::from_value(value).unwrap();
    let verified = verify_with_network(&Network::mainnet(), &block).unwrap();
    assert_eq!(verified.height, 32_724_390);
}

#[test]
fn accepts_a_bare_certified_block() {
    verifies(mainnet_certified_block());
}

#[test]
fn accepts_a_certified_block_without_body() {
    let mut v = mainnet_certified_block();
    v["block"].as_object_mut().unwrap().remove("body");
    verifies(v);
}

#[test]
fn accepts_a_json_rpc_response() {
    verifies(json!({"jsonrpc": "2.0", "id": 1, "result": mainnet_certified_block()}));
}

#[test]
fn accepts_a_get_latest_result() {
    verifies(
        json!({"jsonrpc": "2.0", "id": 7, "result": {"finalized": mainnet_certified_block(), "notarized": null}}),
    );
}

#[test]
fn accepts_a_subscription_event() {
    let mut v = mainnet_certified_block();
    v["type"] = json!("finalized");
    v["seen"] = json!(1_785_582_411_000u64);
    let block = CertifiedBlock::from_value(v.clone()).unwrap();
    assert_eq!(block.claimed.seen, Some(1_785_582_411_000));
    verifies(v);
}

#[test]
fn accepts_a_header_beside_its_certificate() {
    verifies(fixture());
    let f = fixture();
    verifies(json!({"header": f["header"], "certificate": f["finalization"]["certificate"]}));
}

#[test]
fn accepts_a_header_without_the_fields_eth_get_block_adds() {
    let mut v = mainnet_certified_block();
    let header = v["block"]["header"].as_object_mut().unwrap();
    header.remove("hash");
    header.remove("timestampMillis");
    verifies(v);
}

#[test]
fn claimed_fields_are_kept_for_display_only() {
    let block = CertifiedBlock::from_value(mainnet_certified_block()).unwrap();
    assert_eq!(block.claimed.epoch, Some(1515));
    assert_eq!(block.claimed.view, Some(391));
}
