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

#[test]
fn accepts_a_whole_consensus_event_notification() {
    // What a node pushes over WebSocket for `consensus_subscribe` (Tempo's
    // `crates/node/src/rpc/consensus/mod.rs`: method `consensus_event`, the event in
    // `params.result`, tagged `finalized`, with the certificate as hex without `0x`).
    let mut event = mainnet_certified_block();
    event["type"] = json!("finalized");
    event["seen"] = json!(1_785_582_411_000u64);
    let hex = event["certificate"]
        .as_str()
        .unwrap()
        .trim_start_matches("0x")
        .to_string();
    event["certificate"] = json!(hex);
    let notification = json!({
        "jsonrpc": "2.0",
        "method": "consensus_event",
        "params": {"subscription": "0x5b1d6e3c7f6a2b10", "result": event},
    });
    let block = CertifiedBlock::from_value(notification.clone()).unwrap();
    assert_eq!(block.claimed.seen, Some(1_785_582_411_000));
    verifies(notification);
}

#[test]
fn an_unknown_header_field_that_is_not_hashed_leaves_a_valid_block_valid() {
    let mut v = mainnet_certified_block();
    v["block"]["header"]["totallyNewInformationalField"] = json!("0x1234");
    v["block"]["header"]["size"] = json!("0x2a1");
    let block = CertifiedBlock::from_value(v.clone()).unwrap();
    assert_eq!(
        block.claimed.unknown_header_fields,
        ["totallyNewInformationalField"],
        "size is a field nodes send and is known not to be hashed"
    );
    verifies(v);
}

#[test]
fn an_unknown_header_field_with_a_mismatched_hash_names_the_field_and_the_upgrade() {
    // A later fork adds a hashed field: this version cannot include it in the hash, so the
    // digest cannot match.
    let block = CertifiedBlock::from_value(common::later_fork_block()).unwrap();
    let err = verify_with_network(&Network::mainnet(), &block).unwrap_err();
    assert_eq!(err.code(), "UnsupportedHeader");
    let message = err.to_string();
    assert!(message.contains("futureForkRoot"), "{message}");
    assert!(
        message.contains("the network may have upgraded"),
        "{message}"
    );

    // Without an unknown field the same mismatch is a plain DigestMismatch (a lying server).
    let mut v = mainnet_certified_block();
    v["block"]["header"]["gasUsed"] = json!("0x1");
    let block = CertifiedBlock::from_value(v).unwrap();
    let err = verify_with_network(&Network::mainnet(), &block).unwrap_err();
    assert_eq!(err.code(), "DigestMismatch");
}

/// The genuine block's header with its timestamp and state root changed: what a lying node
/// would like a reader to take beside the genuine certified block.
fn forged_header() -> serde_json::Value {
    let mut header = mainnet_certified_block()["block"]["header"].clone();
    header["timestamp"] = json!("0x1");
    header["stateRoot"] = json!(format!("0x{}", "ee".repeat(32)));
    header
}

#[test]
fn refuses_an_answer_with_two_candidate_blocks_as_ambiguous() {
    let real = mainnet_certified_block();
    let f = fixture();
    let forged = forged_header();
    let mut beside_block = real.clone();
    beside_block["header"] = forged.clone();
    let mut array_beside = real.clone();
    array_beside["block"] = json!([real["block"]["header"]]);
    array_beside["header"] = forged.clone();
    let mut latest_beside = json!({"finalized": real, "block": {"header": forged}});
    let cases = [
        // A certified block as `result`, another block beside the envelope.
        json!({"jsonrpc": "2.0", "id": 1, "result": real, "block": {"header": forged}}),
        json!({"result": real, "header": forged, "certificate": real["certificate"]}),
        // A certified block and a second header beside it (the object and array forms).
        beside_block,
        array_beside,
        // consensus_getLatest's `finalized` beside another block.
        latest_beside.take(),
        json!({"finalized": real, "header": forged, "certificate": real["certificate"]}),
        // The fixture shape with both a certificate and a finalization.
        json!({"header": f["header"], "certificate": f["finalization"]["certificate"], "finalization": f["finalization"]}),
        // A notification whose params hold a block beside the result.
        json!({"jsonrpc": "2.0", "method": "consensus_event", "params": {"subscription": "0x1", "result": real, "block": {"header": forged}}}),
        json!({"jsonrpc": "2.0", "method": "consensus_event", "params": {"subscription": "0x1", "result": real}, "result": real}),
        // An envelope inside the envelope.
        json!({"jsonrpc": "2.0", "id": 1, "result": {"result": real, "block": real["block"], "certificate": real["certificate"]}}),
    ];
    for (i, case) in cases.iter().enumerate() {
        let error = CertifiedBlock::from_value(case.clone()).unwrap_err();
        assert_eq!(error.code(), "AmbiguousAnswer", "case {i}: {error}");
        assert!(
            error.to_string().starts_with("ambiguous answer"),
            "case {i}: {error}"
        );
    }
    println!("ambiguous answers: {} shapes refused", cases.len());
}
