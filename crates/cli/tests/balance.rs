//! `tempo-light balance` and the devnet's `eth_getProof` end to end on loopback: a TIP-20
//! balance proven at the newest final block, each proof fault refused with its own error.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use serde_json::{json, Value};
use std::time::Duration;
use support::{json_command, json_lines, run, Devnet};
use tempo_light::{state::state_proof::AccountProof, state::tip20};
use tempo_light_devnet::state;

/// A fresh client bridges every boundary from genesis before it proves anything: on a loaded
/// 2-core machine running several devnets at once, that can take most of a minute.
const LONG: Duration = Duration::from_secs(180);

fn fast(extra: &[&'static str]) -> Vec<&'static str> {
    let mut args = vec![
        "--epoch-length",
        "5",
        "--block-time-ms",
        "80",
        "--full-dkg-every",
        "2",
    ];
    args.extend_from_slice(extra);
    args
}

fn balance(devnet: &Devnet, rpc: &str, token: &str, account: &str) -> (Option<i32>, Value) {
    let mut args = json_command(devnet, "balance", rpc);
    args.extend(["--token".into(), token.into(), account.into()]);
    let output = run(&args, LONG);
    let lines = json_lines(&output);
    assert_eq!(lines.len(), 1, "one JSON object: {lines:?}");
    (output.status.code(), lines[0].clone())
}

#[test]
fn proves_a_tip20_balance_at_the_newest_final_block() {
    let devnet = Devnet::start(&fast(&[]));
    std::thread::sleep(Duration::from_millis(600));
    let holder = format!("{:#x}", state::holder(2));
    for rpc in [devnet.url(), devnet.ws_url()] {
        let (code, out) = balance(
            &devnet,
            &rpc,
            "0x20c0000000000000000000000000000000000000",
            &holder,
        );
        assert_eq!(code, Some(0), "{out}");
        assert_eq!(out["type"], "balance");
        assert_eq!(out["symbol"], "pathUSD");
        assert_eq!(out["currency"], "USD");
        assert_eq!(out["decimals"], 6);
        let height = out["height"].as_u64().unwrap();
        assert!(height > 0);
        // The proven balance is the devnet's balance at exactly that final block.
        assert_eq!(out["balance"], state::balance(0, 2, height).to_string());
        // And the state root is the one in that block's header.
        let header = devnet.call(
            "eth_getBlockByNumber",
            json!([format!("{height:#x}"), false]),
        );
        assert_eq!(header["result"]["stateRoot"], out["stateRoot"]);
        assert_eq!(header["result"]["hash"], out["hash"]);
    }
    // An empty balance is proven zero, in the other token.
    let empty = format!("{:#x}", state::holder(state::HOLDERS - 1));
    let (code, out) = balance(
        &devnet,
        &devnet.url(),
        "0x20c0000000000000000000000000000000000001",
        &empty,
    );
    assert_eq!(code, Some(0), "{out}");
    assert_eq!(
        (out["balance"].as_str(), out["name"].as_str()),
        (Some("0"), Some("AlphaUSD"))
    );
}

#[test]
fn devnet_get_proof_answers_verify_against_the_header_state_root() {
    let devnet = Devnet::start(&fast(&[]));
    std::thread::sleep(Duration::from_millis(300));
    let holder = state::holder(0);
    let slots: Vec<String> = tip20::balance_query_slots(holder)
        .iter()
        .map(|s| format!("{s:#x}"))
        .collect();
    let header = devnet.call("eth_getBlockByNumber", json!(["latest", false]))["result"].clone();
    let height = u64::from_str_radix(
        header["number"].as_str().unwrap().trim_start_matches("0x"),
        16,
    )
    .unwrap();
    let root = header["stateRoot"].as_str().unwrap().parse().unwrap();
    for block in [
        json!(format!("{height:#x}")),
        json!(header["hash"]),
        json!({"blockHash": header["hash"]}),
    ] {
        let answer = devnet.call(
            "eth_getProof",
            json!(["0x20c0000000000000000000000000000000000000", slots, block]),
        );
        let proof = AccountProof::from_value(answer).unwrap();
        let b = tip20::verify_tip20_balance(root, tip20::PATH_USD, holder, &proof).unwrap();
        assert_eq!(b.balance, state::balance(0, 0, height));
    }
    // Bad parameters and unknown blocks are JSON-RPC errors.
    let bad = devnet.call("eth_getProof", json!(["0x12", [], "latest"]));
    assert_eq!(bad["error"]["code"], -32602);
    let unknown = devnet.call(
        "eth_getProof",
        json!([format!("{holder:#x}"), [], "0xffffffff"]),
    );
    assert_eq!(unknown["error"]["code"], -32001);
    assert_eq!(
        AccountProof::from_value(unknown).unwrap_err().code(),
        "RpcError"
    );
}

/// Each proof fault of the devnet ends `balance` with exit 1 and the fault's own error.
#[test]
fn refuses_a_forged_balance_and_a_proof_of_another_block_with_exit_1() {
    for (fault, expected) in [
        ("forged-balance", "ProofValueMismatch"),
        ("proof-wrong-root", "ProofRootMismatch"),
    ] {
        let devnet = Devnet::start(&fast(&["--fault", fault]));
        std::thread::sleep(Duration::from_millis(300));
        let (code, out) = balance(
            &devnet,
            &devnet.url(),
            "0x20c0000000000000000000000000000000000000",
            &format!("{:#x}", state::holder(0)),
        );
        assert_eq!(code, Some(1), "{fault}: {out}");
        assert_eq!(out["code"], expected, "{fault}");
    }
}

/// A node that proves state only at an old block (it claims to have executed block 1 alone)
/// cannot pass that block's balance off as the latest: `StaleState`, exit 5 (retryable).
#[test]
fn refuses_a_balance_the_node_proves_only_at_a_stale_block() {
    let devnet = Devnet::start(&fast(&["--fault", "stale-execution"]));
    // Past the default lag of 64 blocks (80 ms blocks: about 87 in 7 s).
    std::thread::sleep(Duration::from_millis(7_000));
    let (code, out) = balance(
        &devnet,
        &devnet.url(),
        "0x20c0000000000000000000000000000000000000",
        &format!("{:#x}", state::holder(0)),
    );
    assert_eq!(code, Some(5), "{out}");
    assert_eq!(out["code"], "StaleState", "{out}");
    let error = out["error"].as_str().unwrap();
    assert!(
        error.contains("proven at block 1,") && error.contains("verified head"),
        "{error}"
    );
}

#[test]
fn refuses_a_non_tip20_token_or_a_missing_one() {
    let devnet = Devnet::start(&fast(&[]));
    std::thread::sleep(Duration::from_millis(300));
    let holder = format!("{:#x}", state::holder(0));
    let (code, out) = balance(&devnet, &devnet.url(), &holder, &holder);
    assert_eq!((code, out["code"].as_str()), (Some(3), Some("NotTip20")));
    let (code, out) = balance(
        &devnet,
        &devnet.url(),
        "0x20c0000000000000000000000000000000000077",
        &holder,
    );
    assert_eq!((code, out["code"].as_str()), (Some(1), Some("NoSuchToken")));
    let (code, out) = balance(&devnet, &devnet.url(), "0x20c0", &holder);
    assert_eq!((code, out["code"].as_str()), (Some(3), Some("Usage")));
}
