//! `tempo-light devnet` end to end: started on a free loopback port, asked over HTTP and
//! WebSocket; shapes checked against the real mainnet sample, blocks verified by tempo-light
//! and the reference, and every fault mode shown to be present in what is served.
#![cfg(not(target_arch = "wasm32"))]

mod support;
use tempo_light_testkit as common;

use serde_json::{json, Value};
use std::{collections::BTreeSet, time::Duration};
use support::{post_raw, Devnet};
use tempo_light::{
    verify_block, verify_with_network, CertifiedBlock, DkgOutcome, Error, Network, PublicKey,
    TempoHeader, VerifyError,
};

fn identity(devnet: &Devnet) -> PublicKey {
    PublicKey::from_slice(&alloy_primitives::hex::decode(&devnet.identity).unwrap()).unwrap()
}

fn finalization(devnet: &Devnet, height: u64) -> Value {
    devnet.call("consensus_getFinalization", json!([{"height": height}]))
}

fn verify_served(devnet: &Devnet, response: &Value) -> Result<tempo_light::VerifiedBlock, Error> {
    let block = CertifiedBlock::from_value(response.clone()).map_err(Error::from)?;
    verify_block(&identity(devnet), devnet.epoch_length, &block)
}

fn keys(value: &Value) -> BTreeSet<String> {
    value.as_object().unwrap().keys().cloned().collect()
}

#[test]
fn serves_certified_blocks_shaped_like_a_tempo_node() {
    let devnet = Devnet::start(&[
        "--epoch-length",
        "10",
        "--block-time-ms",
        "30",
        "--full-dkg-every",
        "0",
    ]);
    devnet.wait_for(12);
    let fixture = common::fixture();
    let response = devnet.call("consensus_getFinalization", json!(["latest"]));
    let result = &response["result"];
    assert_eq!(
        keys(result),
        ["block", "certificate", "digest", "epoch", "view"]
            .map(String::from)
            .into()
    );
    assert_eq!(
        keys(&result["block"]),
        ["body", "header"].map(String::from).into()
    );
    // The CertifiedBlock header carries the TempoHeader's fields: the fixture's, minus what only
    // eth_getBlockByNumber adds.
    let mut expected = keys(&fixture["header"]);
    expected.remove("hash");
    expected.remove("timestampMillis");
    assert_eq!(keys(&result["block"]["header"]), expected);
    assert!(result["epoch"].is_u64() && result["view"].is_u64());
    // Same encodings: the certificate decodes with the same codec (131 bytes with one-byte varints).
    let certificate =
        alloy_primitives::hex::decode(result["certificate"].as_str().unwrap()).unwrap();
    assert!((tempo_light::wire::certificate::MIN_LENGTH
        ..=tempo_light::wire::certificate::MAX_LENGTH)
        .contains(&certificate.len()));
    let verified = verify_served(&devnet, &response).unwrap();
    assert_eq!(
        format!("{:#x}", verified.hash),
        result["digest"].as_str().unwrap()
    );
    assert!(common::reference::certificate_verifies(
        &certificate,
        &identity(&devnet).to_bytes()
    ));
    // Not mainnet's: the mainnet preset refuses it.
    let block = CertifiedBlock::from_value(response).unwrap();
    assert!(verify_with_network(&Network::mainnet(), &block).is_err());
}

#[test]
fn eth_methods_agree_with_the_consensus_methods() {
    // No rotation: the latest block is verified below under the genesis identity however far
    // the chain has got (a slow machine reached epoch 4, past the default rotation at 3).
    let devnet = Devnet::start(&[
        "--epoch-length",
        "10",
        "--block-time-ms",
        "30",
        "--full-dkg-every",
        "0",
        "--chain-id",
        "4242",
    ]);
    devnet.wait_for(12);
    assert_eq!(devnet.call("eth_chainId", json!([]))["result"], "0x1092");
    let fixture = common::fixture();
    let header = devnet.call("eth_getBlockByNumber", json!(["0x9", false]))["result"].clone();
    for key in keys(&fixture["header"]) {
        assert!(
            header.get(&key).is_some(),
            "eth_getBlockByNumber lacks {key}"
        );
    }
    let parsed = TempoHeader::from_value(header.clone()).unwrap();
    assert_eq!(
        format!("{:#x}", parsed.hash()),
        header["hash"].as_str().unwrap()
    );
    let by_hash =
        devnet.call("eth_getBlockByHash", json!([header["hash"], false]))["result"].clone();
    assert_eq!(by_hash, header);
    let certified = finalization(&devnet, 9);
    assert_eq!(certified["result"]["digest"], header["hash"]);
    // Block 9 is the boundary of epoch 0: its extraData is epoch 1's DKG outcome, read alike by
    // tempo-light and the reference.
    let outcome = DkgOutcome::decode(parsed.extra_data()).unwrap();
    assert_eq!(outcome.epoch, 1);
    let reference = common::reference::read_outcome(parsed.extra_data()).unwrap();
    assert_eq!(reference.1, outcome.identity().to_bytes().to_vec());
    assert!(devnet.call("eth_getBlockByNumber", json!(["0xffffff", false]))["result"].is_null());
    let latest = devnet.call("consensus_getLatest", json!([]))["result"].clone();
    assert!(latest["notarized"].is_null());
    verify_served(&devnet, &json!({"result": latest["finalized"]})).unwrap();
}

#[test]
fn answers_errors_with_the_node_codes() {
    let devnet = Devnet::start(&["--block-time-ms", "50"]);
    devnet.wait_for(1);
    let future = finalization(&devnet, 1_000_000);
    assert_eq!(future["error"]["code"], 204);
    assert_eq!(
        future["error"]["message"],
        "the requested content was not available"
    );
    let genesis = finalization(&devnet, 0);
    assert_eq!(genesis["error"]["code"], 503);
    assert!(genesis["error"]["data"].is_string());
    assert_eq!(
        devnet.call("eth_frobnicate", json!([]))["error"]["code"],
        -32601
    );
    assert_eq!(
        devnet.call("consensus_getFinalization", json!([{"h": 1}]))["error"]["code"],
        -32602
    );
    let parse = devnet.post("{not json").unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(&parse).unwrap()["error"]["code"],
        -32700
    );
    let batch = devnet.post(r#"[{"jsonrpc":"2.0","id":1,"method":"eth_chainId"},{"jsonrpc":"2.0","id":2,"method":"eth_blockNumber"}]"#).unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(&batch)
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[test]
fn streams_events_over_websocket() {
    let devnet = Devnet::start(&["--epoch-length", "5", "--block-time-ms", "20"]);
    let (mut socket, _) = tungstenite::connect(devnet.ws_url()).unwrap();
    // Calls work over the socket too.
    socket
        .send(tungstenite::Message::text(
            json!({"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}).to_string(),
        ))
        .unwrap();
    let answer: Value = serde_json::from_str(socket.read().unwrap().to_text().unwrap()).unwrap();
    assert_eq!(answer["result"], "0x539");
    socket
        .send(tungstenite::Message::text(
            json!({"jsonrpc":"2.0","id":2,"method":"consensus_subscribe","params":[]}).to_string(),
        ))
        .unwrap();
    let answer: Value = serde_json::from_str(socket.read().unwrap().to_text().unwrap()).unwrap();
    let subscription = answer["result"].clone();
    let mut kinds = BTreeSet::new();
    let mut finalized = Vec::new();
    while finalized.len() < 30 {
        let message: Value =
            serde_json::from_str(socket.read().unwrap().to_text().unwrap()).unwrap();
        assert_eq!(message["method"], "consensus_event");
        assert_eq!(message["params"]["subscription"], subscription);
        let event = &message["params"]["result"];
        assert!(event["seen"].as_u64().unwrap() > 1_700_000_000_000);
        let kind = event["type"].as_str().unwrap().to_string();
        if kind == "finalized" {
            let verified = verify_served(&devnet, event);
            finalized.push(verified.map(|v| v.height));
        }
        kinds.insert(kind);
    }
    // A node's feed emits only finalizations (`crates/node/src/rpc/consensus/mod.rs`).
    assert_eq!(kinds, ["finalized"].map(String::from).into());
    // Events arrive in order; every one before the first rotation verifies under the genesis key.
    let heights: Vec<u64> = finalized
        .iter()
        .filter_map(|r| r.as_ref().ok().copied())
        .collect();
    assert!(heights.windows(2).all(|w| w[0] < w[1]));
    assert!(finalized
        .iter()
        .take(10)
        .all(|r| r.is_ok() || matches!(r, Err(Error::Verify(VerifyError::BadSignature { .. })))));
}

#[test]
fn fault_corrupt_certificate_is_served() {
    let devnet = Devnet::start(&["--block-time-ms", "20", "--fault", "corrupt-certificate@3"]);
    devnet.wait_for(4);
    let err = verify_served(&devnet, &finalization(&devnet, 3)).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Verify(VerifyError::BadSignature { .. } | VerifyError::SignaturePoint { .. })
        ),
        "{err:?}"
    );
    verify_served(&devnet, &finalization(&devnet, 4)).unwrap();
}

#[test]
fn fault_certificate_for_another_block_is_served() {
    let devnet = Devnet::start(&[
        "--block-time-ms",
        "20",
        "--fault",
        "certificate-for-another-block@3",
    ]);
    devnet.wait_for(4);
    let err = verify_served(&devnet, &finalization(&devnet, 3)).unwrap_err();
    assert!(
        matches!(err, Error::Verify(VerifyError::DigestMismatch { .. })),
        "{err:?}"
    );
}

#[test]
fn fault_header_mismatch_is_served() {
    let devnet = Devnet::start(&["--block-time-ms", "20", "--fault", "header-mismatch@3"]);
    devnet.wait_for(4);
    let err = verify_served(&devnet, &finalization(&devnet, 3)).unwrap_err();
    assert!(
        matches!(err, Error::Verify(VerifyError::DigestMismatch { .. })),
        "{err:?}"
    );
}

#[test]
fn fault_wrong_epoch_is_served() {
    let devnet = Devnet::start(&["--block-time-ms", "20", "--fault", "wrong-epoch@3"]);
    devnet.wait_for(4);
    let err = verify_served(&devnet, &finalization(&devnet, 3)).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Verify(VerifyError::EpochMismatch { height: 3, .. })
        ),
        "{err:?}"
    );
}

#[test]
fn fault_unannounced_rotation_is_served() {
    let devnet = Devnet::start(&[
        "--epoch-length",
        "5",
        "--block-time-ms",
        "20",
        "--full-dkg-every",
        "0",
        "--fault",
        "unannounced-rotation@2",
    ]);
    devnet.wait_for(10);
    let outcome = |h: &str| {
        let header = devnet.call("eth_getBlockByNumber", json!([h, false]))["result"].clone();
        DkgOutcome::decode(TempoHeader::from_value(header).unwrap().extra_data()).unwrap()
    };
    let (one, two) = (outcome("0x4"), outcome("0x9"));
    assert_eq!((one.epoch, two.epoch), (1, 2));
    assert!(!one.is_next_full_dkg, "no full DKG was announced");
    assert_ne!(one.identity(), two.identity(), "yet the identity changes");
    // The boundary announcing the change is validly signed by epoch 1's (unchanged) key.
    verify_served(&devnet, &finalization(&devnet, 9)).unwrap();
}

#[test]
fn fault_withhold_boundary_is_served() {
    let devnet = Devnet::start(&[
        "--epoch-length",
        "5",
        "--block-time-ms",
        "20",
        "--fault",
        "withhold-boundary",
    ]);
    devnet.wait_for(6);
    assert_eq!(finalization(&devnet, 4)["error"]["code"], 503);
    verify_served(&devnet, &finalization(&devnet, 3)).unwrap();
    assert!(devnet.call("eth_getBlockByNumber", json!(["0x4", false]))["result"].is_null());
}

#[test]
fn fault_equivocation_is_served() {
    let devnet = Devnet::start(&["--block-time-ms", "20", "--fault", "equivocation@3"]);
    devnet.wait_for(4);
    let a = verify_served(&devnet, &finalization(&devnet, 3)).unwrap();
    let b = verify_served(&devnet, &finalization(&devnet, 3)).unwrap();
    assert_eq!(a.height, b.height);
    assert_ne!(a.hash, b.hash, "two valid finalizations at one height");
}

#[test]
fn fault_stall_is_served() {
    let devnet = Devnet::start(&["--block-time-ms", "20", "--fault", "stall"]);
    devnet.wait_for(2);
    let body =
        json!({"jsonrpc":"2.0","id":1,"method":"consensus_getFinalization","params":["latest"]})
            .to_string();
    assert_eq!(
        post_raw(devnet.port, &body, Duration::from_secs(2)),
        None,
        "no answer in 2 s"
    );
    // Other methods still answer.
    assert_eq!(devnet.call("eth_chainId", json!([]))["result"], "0x539");
}

#[test]
fn fault_drop_is_served() {
    let devnet = Devnet::start(&["--block-time-ms", "20", "--fault", "drop"]);
    devnet.wait_for(2);
    let body =
        json!({"jsonrpc":"2.0","id":1,"method":"consensus_getFinalization","params":["latest"]})
            .to_string();
    let answer = post_raw(devnet.port, &body, Duration::from_secs(5));
    assert!(
        answer.as_ref().is_none_or(|a| a.is_empty()),
        "closed without an answer: {answer:?}"
    );
}

#[test]
fn fault_malformed_json_is_served() {
    let devnet = Devnet::start(&["--block-time-ms", "20", "--fault", "malformed-json"]);
    devnet.wait_for(2);
    let body =
        json!({"jsonrpc":"2.0","id":1,"method":"consensus_getFinalization","params":["latest"]})
            .to_string();
    let answer = devnet.post(&body).unwrap();
    assert!(serde_json::from_str::<Value>(&answer).is_err(), "{answer}");
}

#[test]
fn is_deterministic_given_the_seed() {
    let args = [
        "--block-time-ms",
        "20",
        "--seed",
        "9",
        "--genesis-timestamp-ms",
        "1767225600000",
    ];
    let a = Devnet::start(&args);
    let b = Devnet::start(&args);
    a.wait_for(5);
    b.wait_for(5);
    assert_eq!(a.identity, b.identity);
    assert_eq!(finalization(&a, 5)["result"], finalization(&b, 5)["result"]);
}

#[test]
fn stops_cleanly_on_ctrl_c() {
    let mut devnet = Devnet::start(&["--block-time-ms", "20"]);
    devnet.wait_for(2);
    let pid = devnet.child.id().to_string();
    std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        if let Some(status) = devnet.child.try_wait().unwrap() {
            assert!(status.success(), "{status:?}");
            break;
        }
        assert!(std::time::Instant::now() < deadline, "did not stop");
        std::thread::sleep(Duration::from_millis(20));
    }
}
