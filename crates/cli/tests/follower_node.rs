//! `follow` and `balance` end to end against the devnet in follower-node mode, as a real
//! Tempo follower node behaves: WebSocket on a port of its own (the HTTP port refuses
//! upgrades, the WebSocket port refuses plain HTTP), `eth_getProof` only at the execution
//! head (reth's default `--rpc.eth-proof-window 0`), and execution trailing the published
//! finalizations by 300 ms (headers `null`, proofs -32001 until then). Also: a dead endpoint
//! ends with exit 5 quickly, saying how many attempts were made.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use serde_json::{json, Value};
use std::time::{Duration, Instant};
use support::{assert_success, follow_json, json_lines, proven_heights, run, Devnet};
use tempo_light_devnet::state;

const LONG: Duration = Duration::from_secs(90);
const PATH_USD: &str = "0x20c0000000000000000000000000000000000000";

/// A devnet that behaves like a Tempo follower node.
fn follower_node() -> Devnet {
    let devnet = Devnet::start(&[
        "--epoch-length",
        "6",
        "--block-time-ms",
        "60",
        "--full-dkg-every",
        "2",
        "--ws-port",
        "0",
        "--proof-window",
        "0",
        "--execution-lag-ms",
        "300",
    ]);
    assert!(
        devnet.ws_port.is_some(),
        "the devnet names its WebSocket port"
    );
    devnet
}

fn hex_u64(value: &Value) -> u64 {
    u64::from_str_radix(value.as_str().unwrap().trim_start_matches("0x"), 16).unwrap()
}

fn follow(devnet: &Devnet, rpc: &str, extra: &[&str]) -> std::process::Output {
    follow_json(devnet, rpc, extra, LONG)
}

#[test]
fn follower_node_ports_each_refuse_the_other_protocol() {
    let devnet = follower_node();
    let ws_port = devnet.ws_port.unwrap();
    // Plain HTTP to the WebSocket port: refused, and not with a JSON-RPC answer.
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []});
    let answer = support::post_raw(ws_port, &body.to_string(), Duration::from_secs(5));
    assert!(
        answer
            .as_deref()
            .is_none_or(|a| serde_json::from_str::<Value>(a).is_err()),
        "{answer:?}"
    );
    // A WebSocket upgrade on the HTTP port: refused.
    assert!(tungstenite::connect(format!("ws://127.0.0.1:{}", devnet.port)).is_err());
    // Each serves its own protocol.
    assert_eq!(devnet.call("eth_chainId", json!([]))["result"], "0x539");
    let (mut socket, _) = tungstenite::connect(devnet.ws_url()).unwrap();
    socket
        .send(tungstenite::Message::text(body.to_string()))
        .unwrap();
    let answer: Value = serde_json::from_str(socket.read().unwrap().to_text().unwrap()).unwrap();
    assert_eq!(answer["result"], "0x539");
}

#[test]
fn execution_trails_finalization_headers_are_null_and_proofs_refused_until_executed() {
    let devnet = follower_node();
    std::thread::sleep(Duration::from_millis(900));
    let latest = devnet.call("consensus_getFinalization", json!(["latest"]))["result"].clone();
    let final_height = hex_u64(&latest["block"]["header"]["number"]);
    let executed = hex_u64(&devnet.call("eth_blockNumber", json!([]))["result"]);
    assert!(
        executed < final_height,
        "execution head {executed} trails the final head {final_height}"
    );
    // The published finalization's block is not executed yet: its header is null, by number
    // and by hash, and a proof at it is "header not found".
    let by_number = devnet.call(
        "eth_getBlockByNumber",
        json!([format!("{final_height:#x}"), false]),
    );
    assert!(by_number["result"].is_null(), "{by_number}");
    let by_hash = devnet.call("eth_getBlockByHash", json!([latest["digest"], false]));
    assert!(by_hash["result"].is_null(), "{by_hash}");
    let proof_at = |height: u64| {
        devnet.call(
            "eth_getProof",
            json!([PATH_USD, [], format!("{height:#x}")]),
        )
    };
    assert_eq!(proof_at(final_height)["error"]["code"], -32001);
    // Behind the execution head: outside reth's default proof window.
    let refused = proof_at(executed - 3);
    assert_eq!(refused["error"]["code"], -32602);
    assert_eq!(
        refused["error"]["message"],
        "distance to target block exceeds maximum proof window"
    );
    // Once executed, the header is there.
    std::thread::sleep(Duration::from_millis(400));
    let header = devnet.call(
        "eth_getBlockByNumber",
        json!([format!("{final_height:#x}"), false]),
    )["result"]
        .clone();
    assert_eq!(header["hash"], latest["digest"]);
}

#[test]
fn follows_every_header_over_the_websocket_only_port() {
    let devnet = follower_node();
    devnet.wait_for(8);
    // Every call (finalizations, header runs) must go over the WebSocket: the port refuses HTTP.
    let out = follow(
        &devnet,
        &devnet.ws_url(),
        &["--every-header", "--until", "30"],
    );
    assert_success(&out);
    let lines = json_lines(&out);
    let heights = proven_heights(&lines);
    assert!(heights.last().is_some_and(|h| *h >= 30), "{heights:?}");
    assert!(heights.windows(2).all(|w| w[1] == w[0] + 1), "{heights:?}");
    assert!(lines.iter().any(|l| l["type"] == "headers"));
}

#[test]
fn follows_every_header_over_the_http_port() {
    let devnet = follower_node();
    devnet.wait_for(8);
    let out = follow(&devnet, &devnet.url(), &["--every-header", "--until", "30"]);
    assert_success(&out);
    let heights = proven_heights(&json_lines(&out));
    assert!(heights.last().is_some_and(|h| *h >= 30), "{heights:?}");
    assert!(heights.windows(2).all(|w| w[1] == w[0] + 1), "{heights:?}");
}

#[test]
fn follows_a_websocket_subscription_with_calls_over_a_separate_http_endpoint() {
    let devnet = follower_node();
    devnet.wait_for(8);
    let http = devnet.url();
    let out = follow(
        &devnet,
        &devnet.ws_url(),
        &["--http", &http, "--every-header", "--until", "24"],
    );
    assert_success(&out);
    let heights = proven_heights(&json_lines(&out));
    assert!(heights.windows(2).all(|w| w[1] == w[0] + 1), "{heights:?}");
    // --http is for a ws:// --rpc only.
    let out = follow(&devnet, &http, &["--http", &http]);
    assert_eq!(out.status.code(), Some(3));
}

#[test]
fn starts_from_a_trusted_block_hash_over_either_port() {
    let devnet = follower_node();
    devnet.wait_for(16);
    let header = devnet.call("eth_getBlockByNumber", json!(["0xd", false]))["result"].clone();
    let hash = header["hash"].as_str().unwrap().to_string();
    for rpc in [devnet.ws_url(), devnet.url()] {
        let out = follow(
            &devnet,
            &rpc,
            &["--from-block", &hash, "--every-header", "--until", "30"],
        );
        assert_success(&out);
        let heights = proven_heights(&json_lines(&out));
        assert_eq!(heights.first(), Some(&14), "{rpc}: {heights:?}");
        assert!(heights.windows(2).all(|w| w[1] == w[0] + 1), "{rpc}");
    }
}

#[test]
fn balance_is_proven_at_a_final_executed_block_over_both_ports() {
    let devnet = follower_node();
    devnet.wait_for(8);
    let holder = format!("{:#x}", state::holder(1));
    for rpc in [devnet.ws_url(), devnet.url()] {
        let mut args: Vec<String> = vec!["balance".into(), "--json".into(), "--rpc".into(), rpc];
        args.extend(devnet.trust_args());
        args.extend(["--token".into(), PATH_USD.into(), holder.clone()]);
        let out = run(&args, LONG);
        assert_success(&out);
        let lines = json_lines(&out);
        assert_eq!(lines.len(), 1, "{lines:?}");
        let answer = &lines[0];
        let height = answer["height"].as_u64().unwrap();
        // The block it names is the one proven: its hash and state root are the chain's.
        let header = devnet.call(
            "eth_getBlockByNumber",
            json!([format!("{height:#x}"), false]),
        )["result"]
            .clone();
        assert_eq!(answer["hash"], header["hash"]);
        assert_eq!(answer["stateRoot"], header["stateRoot"]);
        assert_eq!(
            answer["balance"],
            state::balance(0, 1, height).to_string(),
            "the balance at the block it names"
        );
    }
}

#[test]
fn balance_text_names_the_block_it_was_proven_at() {
    let devnet = follower_node();
    devnet.wait_for(8);
    let mut args: Vec<String> = vec!["balance".into(), "--rpc".into(), devnet.ws_url()];
    args.extend(devnet.trust_args());
    args.extend([
        "--token".into(),
        PATH_USD.into(),
        format!("{:#x}", state::holder(0)),
    ]);
    let out = run(&args, LONG);
    assert_success(&out);
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find(|l| l.starts_with("final at"))
        .unwrap_or_else(|| panic!("{text}"));
    let height: u64 = line
        .trim_start_matches("final at")
        .trim()
        .trim_start_matches('#')
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let balance_line = text.lines().next().unwrap();
    let expected = tempo_light::state::tip20::format_amount(state::balance(0, 0, height));
    assert!(balance_line.contains(&expected), "{text}");
}

/// A port nothing listens on.
fn dead_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    port
}

#[test]
fn a_dead_endpoint_ends_with_exit_5_within_10_seconds_naming_the_attempts() {
    let port = dead_port();
    let trust = [
        "--identity",
        // Any valid G2 point will do: nothing is ever verified.
        "0xa217bb85001d4dcf8e5c50136f77af88cb2cab1857279b91c6240f41cca95c4f43f6dcab3e0dfb87dafb3ecbeb6251e90a5df2e6c47432482821cd8b84665ee4642589d2d9628a92b03e2bbfb00e006d038cd98def76d2a41b7c228c05f5a193",
        "--epoch-length",
        "6",
    ];
    for rpc in [
        format!("http://127.0.0.1:{port}"),
        format!("ws://127.0.0.1:{port}"),
    ] {
        let commands: [Vec<String>; 2] = [
            vec!["follow".into(), "--rpc".into(), rpc.clone()],
            vec![
                "balance".into(),
                "--rpc".into(),
                rpc.clone(),
                "--token".into(),
                PATH_USD.into(),
                format!("{:#x}", state::holder(0)),
            ],
        ];
        for mut args in commands {
            args.extend(trust.iter().map(|s| s.to_string()));
            let started = Instant::now();
            let out = run(&args, Duration::from_secs(30));
            let took = started.elapsed();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(5), "{args:?}: {stderr}");
            assert!(took < Duration::from_secs(10), "{args:?} took {took:?}");
            assert!(
                stderr.contains("gave up after 9 attempts"),
                "{args:?}: {stderr}"
            );
        }
    }
}

#[test]
fn retries_are_bounded_by_the_retries_flag() {
    let port = dead_port();
    let mut args: Vec<String> = vec![
        "balance".into(),
        "--json".into(),
        "--retries".into(),
        "2".into(),
        "--rpc".into(),
        format!("ws://127.0.0.1:{port}"),
        "--token".into(),
        PATH_USD.into(),
        format!("{:#x}", state::holder(0)),
    ];
    args.extend(["--network".into(), "mainnet".into()]);
    let started = Instant::now();
    let out = run(&args, Duration::from_secs(30));
    assert_eq!(out.status.code(), Some(5));
    assert!(started.elapsed() < Duration::from_secs(3));
    let lines = json_lines(&out);
    assert_eq!(lines[0]["code"], "Unavailable");
    assert!(
        lines[0]["error"]
            .as_str()
            .unwrap()
            .contains("gave up after 3 attempts"),
        "{lines:?}"
    );
}
