//! Node conformance: for every method the CLI uses, the answers a real Tempo node (Tempo's
//! consensus RPC over reth) gives, success and each error, and how the client must take them.
//!
//! Two halves. The devnet's own answers are checked against the node's shapes (certificate
//! hex without `0x`, header JSON with `hash`/`timestampMillis`/`size`, `consensusContext`
//! numbers as JSON numbers, `consensus_event` notifications tagged `"finalized"` with `seen`).
//! Then a small test server on a real socket (`support/node_proxy.rs`) sits in front of a
//! devnet and answers chosen calls with canned node-shaped errors (204, 503 with `data`,
//! -32602, -32001, `null`), forwarding the rest, while `follow` and `balance` run against it.
//! Every canned answer cites the source it mirrors.
#![cfg(not(target_arch = "wasm32"))]

#[path = "support/node_proxy.rs"]
mod node_proxy;
mod support;

use node_proxy::NodeProxy;
use serde_json::{json, Value};
use std::time::Duration;
use support::{assert_success, follow_json, json_command, json_lines, run, Devnet};
use tempo_light::CertifiedBlock;
use tempo_light_devnet::state;

const LONG: Duration = Duration::from_secs(60);
const PATH_USD: &str = "0x20c0000000000000000000000000000000000000";

// ---- The node's answers -------------------------------------------------------------------

/// Tempo `crates/node/src/rpc/consensus/mod.rs`: `ErrorCode::NoContent = 204`, message
/// "the requested content was not available", no data (`Response::NotReady`).
fn not_ready() -> Value {
    json!({"error": {"code": 204, "message": "the requested content was not available"}})
}

/// Tempo `crates/node/src/rpc/consensus/mod.rs`: `ErrorCode::ServiceUnavailable = 503`, its
/// message, and the reason as `data` (`Response::Missing(msg)`).
fn missing(why: &str) -> Value {
    json!({"error": {
        "code": 503,
        "message": "the consensus subservice was not available, but the request can be retried later",
        "data": why,
    }})
}

/// reth `crates/rpc/rpc-eth-api/src/helpers/state.rs` (`get_proof`): a block more than
/// `--rpc.eth-proof-window` (default 0) behind the best block is refused with
/// `EthApiError::ExceedsMaxProofWindow`, an invalid-params error (-32602) with this message.
fn outside_proof_window() -> Value {
    json!({"error": {"code": -32602, "message": "distance to target block exceeds maximum proof window"}})
}

/// reth `crates/rpc/rpc-eth-types/src/error/mod.rs`: `EthApiError::HeaderNotFound` is
/// -32001 ("header not found"), what `eth_getProof` answers for a block not executed yet.
fn header_not_found() -> Value {
    json!({"error": {"code": -32001, "message": "header not found"}})
}

/// reth `eth_getBlockByNumber`/`eth_getBlockByHash` (`crates/rpc/rpc-eth-api/src/core.rs`:
/// `RpcResult<Option<Block>>`): a block the node does not have (on a follower node: not
/// executed yet, although its finalization is published) is `null`.
fn null() -> Value {
    json!({"result": null})
}

fn devnet() -> Devnet {
    let devnet = Devnet::start(&["--epoch-length", "6", "--block-time-ms", "50"]);
    devnet.wait_for(8);
    devnet
}

fn follow(devnet: &Devnet, rpc: &str, extra: &[&str]) -> std::process::Output {
    follow_json(devnet, rpc, extra, LONG)
}

fn balance(devnet: &Devnet, rpc: &str, extra: &[&str]) -> std::process::Output {
    let mut args = json_command(devnet, "balance", rpc);
    args.extend(extra.iter().map(|s| s.to_string()));
    args.extend([
        "--token".into(),
        PATH_USD.into(),
        format!("{:#x}", state::holder(3)),
    ]);
    run(&args, LONG)
}

fn notes(out: &std::process::Output) -> String {
    // follow --json prints notes as JSON lines; balance prints them on stderr.
    let mut text = String::from_utf8_lossy(&out.stderr).into_owned();
    for line in json_lines(out).iter().filter(|l| l["type"] == "note") {
        text.push_str(line["message"].as_str().unwrap_or(""));
        text.push('\n');
    }
    text
}

// ---- The devnet answers as a node does ---------------------------------------------------------

#[test]
fn devnet_certified_blocks_have_the_node_shape() {
    let devnet = devnet();
    let answer = devnet.call("consensus_getFinalization", json!([{"height": 7}]))["result"].clone();
    // Tempo `crates/node/src/rpc/consensus/types.rs`: `certificate` is `hex::encode` (no 0x).
    let certificate = answer["certificate"].as_str().unwrap();
    assert!(!certificate.starts_with("0x"), "{certificate}");
    assert!(certificate.bytes().all(|b| b.is_ascii_hexdigit()));
    assert!(answer["epoch"].is_u64() && answer["view"].is_u64());
    assert!(answer["digest"].as_str().unwrap().starts_with("0x"));
    // The header is TempoHeader's serde JSON: `consensusContext` numbers are JSON numbers.
    let header = &answer["block"]["header"];
    if let Some(context) = header.get("consensusContext") {
        for field in ["epoch", "view", "parentView"] {
            assert!(context[field].is_u64(), "{field}: {context}");
        }
    }
    // The client takes it as it is.
    let block = CertifiedBlock::from_value(answer.clone()).unwrap();
    assert_eq!(block.header.number(), 7);
}

#[test]
fn devnet_block_headers_carry_the_node_fields_beside_the_hashed_ones() {
    let devnet = devnet();
    let header = devnet.call("eth_getBlockByNumber", json!(["0x7", false]))["result"].clone();
    // reth's RPC block: `hash`, `size`, and Tempo's `timestampMillis` beside the header fields.
    for field in ["hash", "timestampMillis", "size", "stateRoot", "number"] {
        assert!(header[field].is_string(), "{field}: {header}");
    }
    let parsed = tempo_light::TempoHeader::from_value(header.clone()).unwrap();
    assert_eq!(format!("{:#x}", parsed.hash()), header["hash"]);
    // By hash: the same header; an unknown hash: null.
    let by_hash =
        devnet.call("eth_getBlockByHash", json!([header["hash"], false]))["result"].clone();
    assert_eq!(by_hash, header);
    let unknown = devnet.call(
        "eth_getBlockByHash",
        json!([format!("0x{}", "ab".repeat(32)), false]),
    );
    assert!(unknown["result"].is_null());
}

#[test]
fn devnet_subscription_notifications_are_consensus_events_tagged_finalized() {
    let devnet = devnet();
    let (mut socket, _) = tungstenite::connect(devnet.ws_url()).unwrap();
    socket
        .send(tungstenite::Message::text(
            json!({"jsonrpc": "2.0", "id": 1, "method": "consensus_subscribe", "params": []})
                .to_string(),
        ))
        .unwrap();
    let answer: Value = serde_json::from_str(socket.read().unwrap().to_text().unwrap()).unwrap();
    let subscription = answer["result"].clone();
    for _ in 0..5 {
        let message: Value =
            serde_json::from_str(socket.read().unwrap().to_text().unwrap()).unwrap();
        // Tempo `crates/node/src/rpc/consensus/mod.rs`: `#[subscription(name = "subscribe" =>
        // "event")]` → method `consensus_event`, the event in `params.result`; `types.rs`:
        // `Event` is tagged by `type` with the CertifiedBlock flattened and `seen` in ms.
        assert_eq!(message["method"], "consensus_event");
        assert_eq!(message["params"]["subscription"], subscription);
        let event = &message["params"]["result"];
        assert_eq!(event["type"], "finalized");
        assert!(event["seen"].is_u64());
        assert!(!event["certificate"].as_str().unwrap().starts_with("0x"));
        CertifiedBlock::from_value(event.clone()).unwrap();
    }
}

// ---- The client takes each node answer as it should -------------------------------------------

#[test]
fn consensus_not_ready_204_is_retried() {
    let devnet = devnet();
    let proxy = NodeProxy::start(
        devnet.port,
        Box::new(|method, nth| (method == "consensus_getFinalization" && nth < 2).then(not_ready)),
    );
    let out = follow(&devnet, &proxy.url(), &["--until", "12"]);
    assert_success(&out);
    assert!(notes(&out).contains("RPC error 204"), "{}", notes(&out));
}

#[test]
fn consensus_missing_503_with_data_is_retried() {
    let devnet = devnet();
    let proxy = NodeProxy::start(
        devnet.port,
        Box::new(|method, nth| {
            (method == "consensus_getFinalization" && nth < 2).then(|| missing("block pruned"))
        }),
    );
    let out = follow(&devnet, &proxy.url(), &["--until", "12"]);
    assert_success(&out);
    assert!(notes(&out).contains("RPC error 503"), "{}", notes(&out));
}

#[test]
fn a_null_header_is_retried_until_the_block_is_executed() {
    let devnet = devnet();
    // --from-block fetches its anchor by hash, then the headers from its epoch's boundary
    // up by number: the first answers to both are null.
    let hash = devnet.call("eth_getBlockByNumber", json!(["0x8", false]))["result"]["hash"]
        .as_str()
        .unwrap()
        .to_string();
    let proxy = NodeProxy::start(
        devnet.port,
        Box::new(|method, nth| {
            let first = match method {
                "eth_getBlockByHash" => 1,
                "eth_getBlockByNumber" => 3,
                _ => 0,
            };
            (nth < first).then(null)
        }),
    );
    let out = follow(
        &devnet,
        &proxy.url(),
        &["--from-block", &hash, "--every-header", "--until", "16"],
    );
    assert_success(&out);
    let notes = notes(&out);
    assert!(
        notes.contains("eth_getBlockByHash answered null"),
        "{notes}"
    );
    // Three null header answers, then the run of headers 5..=7 and the anchor's successors.
    assert!(proxy.calls("eth_getBlockByNumber") >= 3 + 3, "{notes}");
}

#[test]
fn a_header_that_stays_null_ends_as_unavailable_after_the_retries() {
    let devnet = devnet();
    let proxy = NodeProxy::start(
        devnet.port,
        Box::new(|method, _| (method == "eth_getBlockByNumber").then(null)),
    );
    let out = follow(&devnet, &proxy.url(), &["--every-header", "--retries", "2"]);
    assert_eq!(out.status.code(), Some(5), "{}", notes(&out));
    let lines = json_lines(&out);
    let error = lines.iter().find(|l| l["type"] == "error").unwrap();
    assert!(
        error["error"]
            .as_str()
            .unwrap()
            .contains("gave up after 3 attempts"),
        "{error}"
    );
}

fn balance_survives(first_answers: fn() -> Value, expect: &str) {
    let devnet = devnet();
    let proxy = NodeProxy::start(
        devnet.port,
        Box::new(move |method, nth| (method == "eth_getProof" && nth < 2).then(first_answers)),
    );
    let out = balance(&devnet, &proxy.url(), &[]);
    assert_success(&out);
    let answer = &json_lines(&out)[0];
    let height = answer["height"].as_u64().unwrap();
    assert_eq!(answer["balance"], state::balance(0, 3, height).to_string());
    let notes = notes(&out);
    assert!(notes.contains(expect), "{notes}");
    assert!(notes.contains("retry 2 at a fresh final block"), "{notes}");
}

#[test]
fn a_proof_outside_the_proof_window_is_asked_again_at_a_fresh_final_block() {
    balance_survives(outside_proof_window, "-32602");
}

#[test]
fn a_proof_of_a_block_not_executed_yet_is_asked_again_at_a_fresh_final_block() {
    balance_survives(header_not_found, "-32001");
}

#[test]
fn a_null_proof_is_asked_again_at_a_fresh_final_block() {
    balance_survives(null, "null");
}

#[test]
fn a_proof_refused_every_time_ends_with_exit_5_after_the_retries() {
    let devnet = devnet();
    let proxy = NodeProxy::start(
        devnet.port,
        Box::new(|method, _| (method == "eth_getProof").then(outside_proof_window)),
    );
    let out = balance(&devnet, &proxy.url(), &["--retries", "2"]);
    assert_eq!(out.status.code(), Some(5));
    let answer = &json_lines(&out)[0];
    assert_eq!(answer["code"], "Unavailable");
    let error = answer["error"].as_str().unwrap();
    assert!(error.contains("gave up after 3 attempts"), "{error}");
    assert!(error.contains("-32602"), "{error}");
}

// ---- Block bodies ------------------------------------------------------------------------------

/// The transactions of a consensus answer's body are block `height`'s, as
/// `eth_getBlockByNumber` serves them: each field the same (the node's full transaction adds
/// `blockHash`, `from` and such), in the same order. Returns how many.
fn assert_body_is_the_blocks(devnet: &Devnet, certified: &Value) -> usize {
    let header = &certified["block"]["header"];
    let height = header["number"].as_str().unwrap();
    let body = certified["block"]["body"].as_object().unwrap();
    // Tempo `serde_sealed_or_recovered_block`: `body` is `tempo_primitives::BlockBody`,
    // alloy's `BlockBody { transactions, ommers, withdrawals }`.
    let mut keys: Vec<&str> = body.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["ommers", "transactions", "withdrawals"], "{height}");
    assert_eq!(body["ommers"], json!([]));
    // Withdrawals: an empty list, as the header commits to none (`withdrawalsRoot`).
    assert!(header["withdrawalsRoot"].is_string());
    assert_eq!(body["withdrawals"], json!([]));
    let full = devnet.call("eth_getBlockByNumber", json!([height, true]))["result"].clone();
    let served = full["transactions"].as_array().unwrap();
    let carried = body["transactions"].as_array().unwrap();
    assert_eq!(carried.len(), served.len(), "{height}");
    for (i, (ours, theirs)) in carried.iter().zip(served).enumerate() {
        let fields = ours.as_object().unwrap();
        assert!(fields.contains_key("type") && fields.contains_key("hash"));
        for (field, value) in fields {
            assert_eq!(
                &theirs[field], value,
                "block {height}, transaction {i}, `{field}`"
            );
        }
    }
    carried.len()
}

#[test]
fn devnet_consensus_answers_carry_the_blocks_real_transactions() {
    let devnet = devnet();
    // Block h holds 1 + h % 4 payments: 1..=8 has every size, 7 the biggest (4).
    let mut types = std::collections::BTreeSet::new();
    let mut biggest = (0, 0);
    for height in 1..=8u64 {
        let answer =
            devnet.call("consensus_getFinalization", json!([{"height": height}]))["result"].clone();
        let n = assert_body_is_the_blocks(&devnet, &answer);
        assert_eq!(n as u64, 1 + height % 4, "{height}");
        for tx in answer["block"]["body"]["transactions"].as_array().unwrap() {
            types.insert(tx["type"].as_str().unwrap().to_string());
        }
        let size = answer.to_string().len();
        if size > biggest.1 {
            biggest = (height, size);
        }
        // The client takes it as it is, body and all.
        assert_eq!(
            CertifiedBlock::from_value(answer).unwrap().header.number(),
            height
        );
    }
    // Tempo's own type and the Ethereum ones.
    assert!(
        types.contains("0x76") && types.contains("0x2") && types.contains("0x0"),
        "{types:?}"
    );
    println!(
        "the biggest devnet block's consensus answer: block {} at {} bytes",
        biggest.0, biggest.1
    );
    // consensus_getLatest and the subscription carry the body too.
    let latest = devnet.call("consensus_getLatest", json!([]))["result"]["finalized"].clone();
    assert!(assert_body_is_the_blocks(&devnet, &latest) > 0);
    let (mut socket, _) = tungstenite::connect(devnet.ws_url()).unwrap();
    socket
        .send(tungstenite::Message::text(
            json!({"jsonrpc": "2.0", "id": 1, "method": "consensus_subscribe", "params": []})
                .to_string(),
        ))
        .unwrap();
    socket.read().unwrap();
    for _ in 0..4 {
        let message: Value =
            serde_json::from_str(socket.read().unwrap().to_text().unwrap()).unwrap();
        assert!(assert_body_is_the_blocks(&devnet, &message["params"]["result"]) > 0);
    }

    // `verify` takes the biggest block's answer, and `follow` the answers and events.
    let answer = devnet.call("consensus_getFinalization", json!([{"height": biggest.0}]));
    let file = std::env::temp_dir().join(format!("tempo-light-body-{}.json", std::process::id()));
    std::fs::write(&file, answer.to_string()).unwrap();
    let mut args: Vec<String> = vec!["verify".into()];
    args.extend(devnet.trust_args());
    args.push(file.display().to_string());
    let out = run(&args, LONG);
    let _ = std::fs::remove_file(&file);
    assert_success(&out);
    for rpc in [devnet.url(), devnet.ws_url()] {
        let out = follow(&devnet, &rpc, &["--until", "14"]);
        assert_success(&out);
    }
}

// ---- Headers of a later fork ---------------------------------------------------------------

/// A header of a later fork, as a node of that fork would serve it: a hashed field this
/// version does not know, so the node's hash (certified, and named by the child's parent hash)
/// is not the one this version computes; the changed `gasUsed` stands for that difference.
fn from_a_later_fork(header: &mut Value) {
    header["futureForkRoot"] = json!(format!("0x{}", "ab".repeat(32)));
    header["gasUsed"] = json!("0x1");
}

/// The error line of a `--json` run.
fn error_line(out: &std::process::Output) -> Value {
    json_lines(out)
        .into_iter()
        .find(|l| l["type"] == "error")
        .unwrap_or_else(|| panic!("no error line: {}", String::from_utf8_lossy(&out.stdout)))
}

fn assert_names_the_field(error: &str) {
    assert!(
        error.starts_with("not verified: unknown header fields (futureForkRoot)")
            && error.contains("the network may have upgraded; update tempo-light"),
        "{error}"
    );
}

#[test]
fn a_finalization_from_a_later_fork_ends_follow_and_balance_with_exit_6() {
    let devnet = devnet();
    let proxy = NodeProxy::rewriting(
        devnet.port,
        Box::new(|request, answer| {
            if request["method"] == "consensus_getFinalization" {
                if let Some(header) = answer.pointer_mut("/result/block/header") {
                    from_a_later_fork(header);
                }
            }
        }),
    );
    let out = follow(&devnet, &proxy.url(), &[]);
    let error = error_line(&out);
    assert_eq!(out.status.code(), Some(6), "{error}");
    assert_eq!(error["code"], "UnsupportedHeader");
    assert_names_the_field(error["error"].as_str().unwrap());
    // As text: the same one line as `verify`'s.
    let mut args: Vec<String> = vec!["follow".into(), "--rpc".into(), proxy.url()];
    args.extend(devnet.trust_args());
    let out = run(&args, LONG);
    assert_eq!(out.status.code(), Some(6));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_names_the_field(stderr.lines().last().unwrap());

    let out = balance(&devnet, &proxy.url(), &[]);
    assert_eq!(out.status.code(), Some(6), "{}", notes(&out));
    let error = &json_lines(&out)[0];
    assert_eq!(error["code"], "UnsupportedHeader");
    assert_names_the_field(error["error"].as_str().unwrap());
}

#[test]
fn the_finalization_of_a_payments_block_from_a_later_fork_ends_confirm_with_exit_6() {
    let devnet = devnet();
    // A block inside an epoch: only `confirm` asks for its finalization by height.
    let height = 8u64;
    let hash = tempo_light_devnet::payments::body(1337, height).hashes()[0];
    let proxy = NodeProxy::rewriting(
        devnet.port,
        Box::new(move |request, answer| {
            if request["method"] == "consensus_getFinalization"
                && request["params"][0]["height"] == height
            {
                if let Some(header) = answer.pointer_mut("/result/block/header") {
                    from_a_later_fork(header);
                }
            }
        }),
    );
    let mut args: Vec<String> = vec!["confirm".into(), "--rpc".into(), proxy.url()];
    args.extend(devnet.trust_args());
    args.push(format!("{hash:#x}"));
    let out = run(&args, LONG);
    assert_eq!(out.status.code(), Some(6), "{}", notes(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let line = stderr.lines().last().unwrap();
    assert!(
        line.starts_with(
            "not verified: the block is not proven final: unknown header fields (futureForkRoot)"
        ) && line.contains("update tempo-light"),
        "{stderr}"
    );
}

#[test]
fn headers_from_a_later_fork_fetched_by_number_or_hash_are_named_with_exit_6() {
    let devnet = devnet();
    let anchor = devnet.call("eth_getBlockByNumber", json!(["0x8", false]))["result"]["hash"]
        .as_str()
        .unwrap()
        .to_string();
    let proxy = NodeProxy::rewriting(
        devnet.port,
        Box::new(|request, answer| {
            let method = request["method"].as_str().unwrap_or("");
            if method.starts_with("eth_getBlockBy") && answer["result"].is_object() {
                from_a_later_fork(&mut answer["result"]);
            }
        }),
    );
    // An --every-header run: the headers' hashes do not link.
    let out = follow(&devnet, &proxy.url(), &["--every-header"]);
    assert_eq!(out.status.code(), Some(6), "{}", notes(&out));
    let error = error_line(&out);
    assert_eq!(error["code"], "UnsupportedHeader");
    assert_names_the_field(error["error"].as_str().unwrap());
    assert!(
        notes(&out).contains("header run refused: not verified: header"),
        "{}",
        notes(&out)
    );
    // The --from-block anchor: its hash is not the one trusted.
    let out = follow(&devnet, &proxy.url(), &["--from-block", &anchor]);
    assert_eq!(out.status.code(), Some(6), "{}", notes(&out));
    let error = error_line(&out);
    assert_eq!(error["code"], "UnsupportedHeader");
    assert_names_the_field(error["error"].as_str().unwrap());
}

#[test]
fn a_field_this_version_does_not_know_is_harmless_while_the_hashes_link() {
    let devnet = devnet();
    // A node that adds a derived (not hashed) field: the hashes still link.
    let proxy = NodeProxy::rewriting(
        devnet.port,
        Box::new(|request, answer| {
            let method = request["method"].as_str().unwrap_or("");
            if method.starts_with("eth_getBlockBy") && answer["result"].is_object() {
                answer["result"]["somethingDerived"] = json!("0x1");
            }
        }),
    );
    let out = follow(&devnet, &proxy.url(), &["--every-header", "--until", "14"]);
    assert_success(&out);
}

#[test]
fn link_headers_from_a_later_fork_end_confirm_with_exit_6() {
    // One identity throughout: the newest certificate verifies under the one followed.
    let devnet = Devnet::start(&[
        "--epoch-length",
        "6",
        "--block-time-ms",
        "50",
        "--full-dkg-every",
        "0",
    ]);
    devnet.wait_for(9);
    // The block's own certificate is gone (503): `confirm` links the block by parent hashes to
    // the newest certified one, through headers of a later fork.
    let height = 8u64;
    let hash = tempo_light_devnet::payments::body(1337, height).hashes()[0];
    let proxy = NodeProxy::rewriting(
        devnet.port,
        Box::new(move |request, answer| {
            let method = request["method"].as_str().unwrap_or("");
            if method == "consensus_getFinalization" && request["params"][0]["height"] == height {
                *answer = json!({"jsonrpc": "2.0", "id": request["id"], "error": missing("block pruned")["error"]});
            }
            if method == "eth_getBlockByNumber" && answer["result"].is_object() {
                from_a_later_fork(&mut answer["result"]);
            }
        }),
    );
    let mut args: Vec<String> = vec!["confirm".into(), "--rpc".into(), proxy.url()];
    args.extend(devnet.trust_args());
    args.push(format!("{hash:#x}"));
    let out = run(&args, LONG);
    assert_eq!(out.status.code(), Some(6), "{}", notes(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let line = stderr.lines().last().unwrap();
    assert!(
        line.starts_with(
            "not verified: the block is not proven final: unknown header fields (futureForkRoot)"
        ),
        "{stderr}"
    );
}
