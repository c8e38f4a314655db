//! `tempo-light proxy` against a devnet, over real sockets: every verified answer equal to
//! the devnet's own (where the devnet serves the method; else to what its proofs say), full
//! blocks and block receipts field by field (the fields omitted named), unverifiable methods
//! refused (strict) or forwarded and marked (passthrough), batches, WebSocket `newHeads`, a
//! lying node's answers (an altered receipt among them) turned into errors (never results) and
//! the node demoted for the honest one, the loopback rule, and SIGTERM saving the state.

#[path = "support/node_proxy.rs"]
mod node_proxy;
mod support;

use alloy_primitives::U256;
use node_proxy::NodeProxy;
use serde_json::{json, Value};
use std::{
    io::{BufRead, BufReader},
    net::TcpStream,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};
use support::{Devnet, BIN};
use tempo_light::state::tip20;

/// A proxy child process, killed on drop.
struct Proxy {
    child: Child,
    port: u16,
}

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Proxy {
    fn start(devnet: &Devnet, rpcs: &[String], extra: &[&str]) -> Self {
        let mut args: Vec<String> = vec!["proxy".into(), "--listen".into(), "127.0.0.1:0".into()];
        for rpc in rpcs {
            args.push("--rpc".into());
            args.push(rpc.clone());
        }
        args.extend(devnet.trust_args());
        args.extend(extra.iter().map(|s| s.to_string()));
        args.extend([
            "--poll-ms".into(),
            "50".into(),
            "--chain-id".into(),
            "1337".into(),
        ]);
        let mut child = Command::new(BIN)
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("proxy starts");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let first = lines.next().expect("a line").expect("text");
        let port = first
            .strip_prefix("http://127.0.0.1:")
            .unwrap_or_else(|| panic!("the URL first, got {first}"))
            .parse()
            .unwrap();
        std::thread::spawn(move || for _ in lines {});
        Self { child, port }
    }

    fn post(&self, body: &Value) -> Value {
        let text = support::post_raw(self.port, &body.to_string(), Duration::from_secs(20))
            .expect("an answer");
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
    }

    fn call(&self, method: &str, params: Value) -> Value {
        self.post(&json!({"jsonrpc": "2.0", "id": 7, "method": method, "params": params}))
    }

    /// Waits until the proxy has a verified head at or above `height`; returns the head.
    fn wait_for_head(&self, height: u64) -> u64 {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let answer = self.call("eth_blockNumber", json!([]));
            if let Some(head) = answer["result"].as_str().map(quantity) {
                if head >= height {
                    return head;
                }
            }
            assert!(Instant::now() < deadline, "no verified head: {answer}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

fn quantity(text: &str) -> u64 {
    u64::from_str_radix(text.trim_start_matches("0x"), 16).unwrap()
}

/// A quantity or a 32-byte word.
fn number(value: &Value) -> U256 {
    let text = value.as_str().unwrap_or_else(|| panic!("not hex: {value}"));
    U256::from_str_radix(text.trim_start_matches("0x"), 16).unwrap()
}

fn hex(n: u64) -> String {
    format!("{n:#x}")
}

fn devnet() -> Devnet {
    Devnet::start(&[
        "--epoch-length",
        "5",
        "--block-time-ms",
        "40",
        "--full-dkg-every",
        "2",
    ])
}

fn holder(i: usize) -> String {
    tempo_light_devnet::state::holder(i).to_string()
}

#[test]
fn answers_equal_the_devnets_own_at_final_blocks() {
    let devnet = devnet();
    let proxy = Proxy::start(&devnet, &[devnet.url()], &[]);
    let head = proxy.wait_for_head(12);
    let mut compared = 0;

    for method in ["eth_chainId", "net_version"] {
        assert_eq!(
            proxy.call(method, json!([]))["result"],
            devnet.call(method, json!([]))["result"],
            "{method}"
        );
        compared += 1;
    }
    // Headers by number and by hash: every field the proxy writes equals the node's.
    for height in [1, 5, 6, head - 1, head] {
        let ours =
            proxy.call("eth_getBlockByNumber", json!([hex(height), false]))["result"].clone();
        let theirs =
            devnet.call("eth_getBlockByNumber", json!([hex(height), false]))["result"].clone();
        let fields = ours.as_object().expect("a header");
        assert!(fields.len() > 10, "{ours}");
        for (k, v) in fields {
            assert_eq!(Some(v), theirs.get(k), "block {height} field {k}");
        }
        assert!(
            ours["transactions"].is_array(),
            "the hashes, proven against transactionsRoot"
        );
        let by_hash =
            proxy.call("eth_getBlockByHash", json!([theirs["hash"], false]))["result"].clone();
        assert_eq!(by_hash, ours);
        compared += 2;
    }
    // A block above the verified head is not final: null, as a node answers for one it lacks.
    assert_eq!(
        proxy.call("eth_getBlockByNumber", json!([hex(head + 1000), false]))["result"],
        Value::Null
    );

    // State at a final block: the proof, the balance, the nonce, a storage slot, TIP-20 views.
    let token = tempo_light_devnet::state::TOKENS[0].to_string();
    for i in 0..3 {
        let account = holder(i);
        let slot = format!("{:#x}", tip20::balance_slot(account.parse().unwrap()));
        let at = hex(head - 1);
        let proof = devnet.call("eth_getProof", json!([token, [slot], at]))["result"].clone();
        let ours = proxy.call("eth_getProof", json!([token, [slot], at]))["result"].clone();
        assert_eq!(
            ours["storageProof"][0]["value"],
            proof["storageProof"][0]["value"]
        );
        assert_eq!(ours["storageHash"], proof["storageHash"]);
        let units = number(&proof["storageProof"][0]["value"]);
        assert!(units > U256::ZERO, "holders hold tokens");

        let call = json!({ "to": token, "data": format!("0x70a08231{:0>64}", &account[2..]) });
        let word = proxy.call("eth_call", json!([call, at]))["result"].clone();
        assert_eq!(number(&word), units);

        let storage = proxy.call("eth_getStorageAt", json!([token, slot, at]))["result"].clone();
        assert_eq!(number(&storage), units);

        let account_proof = devnet.call("eth_getProof", json!([account, [], at]))["result"].clone();
        let balance = proxy.call("eth_getBalance", json!([account, at]))["result"].clone();
        assert_eq!(number(&balance), number(&account_proof["balance"]));
        let nonce = proxy.call("eth_getTransactionCount", json!([account, at]))["result"].clone();
        assert_eq!(number(&nonce), number(&account_proof["nonce"]));
        assert_eq!(
            proxy.call("eth_getCode", json!([account, at]))["result"],
            "0x"
        );
        compared += 7;
    }
    let decimals = json!({ "to": token, "data": "0x313ce567" });
    assert_eq!(
        number(&proxy.call("eth_call", json!([decimals, "latest"]))["result"]),
        U256::from(6)
    );
    let symbol = json!({ "to": token, "data": "0x95d89b41" });
    let symbol = proxy.call("eth_call", json!([symbol, "latest"]))["result"].clone();
    assert!(symbol.as_str().unwrap().len() == 2 + 3 * 64, "{symbol}");
    compared += 2;
    println!("proxy answers compared with the devnet's: {compared}");
}

#[test]
fn refuses_what_it_cannot_verify_unless_passthrough_and_then_marks_it() {
    let devnet = devnet();
    let strict = Proxy::start(&devnet, &[devnet.url()], &[]);
    strict.wait_for_head(3);
    let params = json!(["0x1", "0x0"]);
    let refused = strict.call("eth_getTransactionByBlockNumberAndIndex", params.clone());
    assert_eq!(refused["error"]["code"], 4200, "{refused}");
    assert!(refused["error"]["message"]
        .as_str()
        .unwrap()
        .contains("cannot be verified"));
    assert!(refused.get("result").is_none());

    let open = Proxy::start(&devnet, &[devnet.url()], &["--policy", "passthrough"]);
    open.wait_for_head(3);
    let forwarded = open.call("eth_getTransactionByBlockNumberAndIndex", params.clone());
    assert_eq!(forwarded["tempoLight"]["verified"], false, "{forwarded}");
    assert_eq!(
        forwarded["result"],
        devnet.call("eth_getTransactionByBlockNumberAndIndex", params)["result"]
    );
    // A verified answer carries no mark.
    let verified = open.call("eth_blockNumber", json!([]));
    assert!(verified.get("tempoLight").is_none());
}

#[test]
fn answers_batches_in_order_and_bounds_them() {
    let devnet = devnet();
    let proxy = Proxy::start(&devnet, &[devnet.url()], &["--max-batch", "4"]);
    proxy.wait_for_head(3);
    let batch = json!([
        {"jsonrpc": "2.0", "id": 1, "method": "eth_chainId"},
        {"jsonrpc": "2.0", "method": "eth_blockNumber"},
        {"jsonrpc": "2.0", "id": "b", "method": "eth_getBlockByNumber", "params": ["0x1", false]},
        {"jsonrpc": "2.0", "id": 3, "method": "eth_gasPrice"}
    ]);
    let answers = proxy.post(&batch);
    let answers = answers.as_array().expect("a batch answer");
    // The notification (no id) gets no answer.
    assert_eq!(answers.len(), 3, "{answers:?}");
    assert_eq!(answers[0]["id"], 1);
    assert_eq!(answers[1]["id"], "b");
    assert_eq!(answers[1]["result"]["number"], "0x1");
    assert_eq!(answers[2]["error"]["code"], 4200);
    let too_many: Vec<Value> = (0..5)
        .map(|i| json!({"jsonrpc": "2.0", "id": i, "method": "eth_chainId"}))
        .collect();
    assert_eq!(proxy.post(&Value::Array(too_many))["error"]["code"], -32600);
    assert_eq!(proxy.post(&json!([]))["error"]["code"], -32600);
    let garbage = support::post_raw(proxy.port, "{not json", Duration::from_secs(5)).unwrap();
    assert!(garbage.contains("-32700"), "{garbage}");
    // Bad parameters are the caller's mistake, named.
    let bad = proxy.call("eth_getBalance", json!(["0x12", "latest"]));
    assert_eq!(bad["error"]["code"], -32602, "{bad}");
    assert_eq!(bad["error"]["data"]["code"], "InvalidInput");
    let pending = proxy.call("eth_getBalance", json!([holder(0), "pending"]));
    assert_eq!(pending["error"]["data"]["code"], "NotFinal", "{pending}");
}

#[test]
fn a_lying_node_gets_errors_through_never_results() {
    let devnet = Devnet::start(&[
        "--epoch-length",
        "5",
        "--block-time-ms",
        "40",
        "--fault",
        "forged-balance",
    ]);
    let proxy = Proxy::start(&devnet, &[devnet.url()], &[]);
    let head = proxy.wait_for_head(3);
    let token = tempo_light_devnet::state::TOKENS[0].to_string();
    let call = json!({ "to": token, "data": format!("0x70a08231{:0>64}", &holder(0)[2..]) });
    let answer = proxy.call("eth_call", json!([call, hex(head)]));
    assert!(
        answer.get("result").is_none(),
        "a forged balance got through: {answer}"
    );
    assert_eq!(answer["error"]["code"], -32099, "{answer}");
    let slot = format!("{:#x}", tip20::balance_slot(holder(0).parse().unwrap()));
    let storage = proxy.call("eth_getStorageAt", json!([token, slot, hex(head)]));
    assert!(storage.get("result").is_none(), "{storage}");

    // Headers that do not verify: the follower gets no head, so nothing is answered at all.
    let forged = Devnet::start(&[
        "--epoch-length",
        "5",
        "--block-time-ms",
        "40",
        "--fault",
        "corrupt-certificate",
    ]);
    let blind = Proxy::start(&forged, &[forged.url()], &[]);
    std::thread::sleep(Duration::from_millis(1500));
    let answer = blind.call("eth_getBlockByNumber", json!(["0x1", false]));
    assert!(answer.get("result").is_none(), "{answer}");
}

#[test]
fn a_lying_upstream_is_demoted_and_the_honest_one_answers() {
    let devnet = devnet();
    // The same node behind a liar that raises every proven storage value by one.
    let liar = NodeProxy::rewriting(
        devnet.port,
        Box::new(|request, response| {
            if request["method"] == "eth_getProof" {
                if let Some(slot) = response["result"]["storageProof"].get_mut(0) {
                    let value = number(&slot["value"]) + U256::from(1);
                    slot["value"] = json!(format!("{value:#x}"));
                }
            }
        }),
    );
    let proxy = Proxy::start(&devnet, &[liar.url(), devnet.url()], &[]);
    let head = proxy.wait_for_head(3);
    let token = tempo_light_devnet::state::TOKENS[0].to_string();
    let mut compared = 0;
    for i in 0..tempo_light_devnet::state::HOLDERS {
        // A slot not asked before: never from the cache.
        let slot = format!("{:#x}", tip20::balance_slot(holder(i).parse().unwrap()));
        let honest =
            devnet.call("eth_getProof", json!([token, [slot], hex(head)]))["result"].clone();
        let answer = proxy.call("eth_getStorageAt", json!([token, slot, hex(head)]));
        assert_eq!(
            number(&answer["result"]),
            number(&honest["storageProof"][0]["value"]),
            "{answer}"
        );
        compared += 1;
    }
    assert!(compared >= 3);
    // The liar, the primary, was asked first, refused, then passed over while demoted.
    assert_eq!(liar.calls("eth_getProof"), 1);
}

/// Every field we write equals the node's, except `priced` (what was paid per gas, which the
/// devnet writes as the max fee: ours is at most that); returns the node's fields we omit.
fn compare_fields(ours: &Value, theirs: &Value, priced: &[&str], what: &str) -> Vec<String> {
    let fields = ours.as_object().unwrap_or_else(|| panic!("{what}: {ours}"));
    for (k, v) in fields {
        if priced.contains(&k.as_str()) {
            assert!(number(v) <= number(&theirs[k]), "{what} field {k}: {v}");
        } else {
            assert_eq!(Some(v), theirs.get(k), "{what} field {k}");
        }
    }
    let theirs = theirs.as_object().unwrap();
    theirs
        .keys()
        .filter(|k| !fields.contains_key(*k))
        .cloned()
        .collect()
}

#[test]
fn full_blocks_and_block_receipts_equal_the_devnets_own() {
    let devnet = devnet();
    let proxy = Proxy::start(&devnet, &[devnet.url()], &[]);
    let head = proxy.wait_for_head(12);
    let (mut transactions, mut receipts) = (0, 0);
    let mut omitted = std::collections::BTreeSet::new();
    for height in 1..=head {
        let ours = proxy.call("eth_getBlockByNumber", json!([hex(height), true]))["result"].clone();
        let theirs =
            devnet.call("eth_getBlockByNumber", json!([hex(height), true]))["result"].clone();
        let mut header = ours.clone();
        let ours_txs = header
            .as_object_mut()
            .and_then(|o| o.remove("transactions"))
            .unwrap_or_else(|| panic!("block {height}: {ours}"));
        compare_fields(&header, &theirs, &[], &format!("block {height}"));
        let (ours_txs, theirs_txs) = (
            ours_txs.as_array().unwrap(),
            theirs["transactions"].as_array().unwrap(),
        );
        assert_eq!(ours_txs.len(), theirs_txs.len(), "block {height}");
        for (i, (o, t)) in ours_txs.iter().zip(theirs_txs).enumerate() {
            let what = format!("block {height} transaction {i}");
            let left = compare_fields(o, t, &["gasPrice"], &what);
            assert!(left.is_empty(), "{what}: omitted {left:?}");
            transactions += 1;
        }
        let by_hash =
            proxy.call("eth_getBlockByHash", json!([theirs["hash"], true]))["result"].clone();
        assert_eq!(by_hash, ours, "block {height} by hash");

        let ours_r = proxy.call("eth_getBlockReceipts", json!([hex(height)]))["result"].clone();
        let theirs_r = devnet.call("eth_getBlockReceipts", json!([hex(height)]))["result"].clone();
        let (ours_r, theirs_r) = (ours_r.as_array().unwrap(), theirs_r.as_array().unwrap());
        assert_eq!(ours_r.len(), theirs_r.len(), "block {height} receipts");
        for (i, (o, t)) in ours_r.iter().zip(theirs_r).enumerate() {
            let what = format!("block {height} receipt {i}");
            omitted.extend(compare_fields(o, t, &["effectiveGasPrice"], &what));
            receipts += 1;
        }
        // Each object is what the single-transaction methods answer for it.
        if let (Some(tx), Some(receipt)) = (ours_txs.last(), ours_r.last()) {
            let hash = tx["hash"].clone();
            assert_eq!(
                &proxy.call("eth_getTransactionByHash", json!([hash]))["result"],
                tx
            );
            assert_eq!(
                &proxy.call("eth_getTransactionReceipt", json!([hash]))["result"],
                receipt
            );
        }
    }
    assert!(transactions > 10 && receipts == transactions);
    // Omitted from receipts: `feeToken` (a 0x76 without one pays in a token chosen from
    // state) and `feeRecipient` (the fee manager's: neither trie commits to it).
    let expected: std::collections::BTreeSet<String> =
        ["feeToken", "feeRecipient"].map(String::from).into();
    assert_eq!(omitted, expected);
    // Not final yet: null, as a node answers for a block it lacks.
    for (method, params) in [
        ("eth_getBlockByNumber", json!([hex(head + 1000), true])),
        ("eth_getBlockReceipts", json!([hex(head + 1000)])),
    ] {
        assert_eq!(
            proxy.call(method, params)["result"],
            Value::Null,
            "{method}"
        );
    }
    println!(
        "{transactions} transactions of full blocks and {receipts} block receipts over {head} \
         blocks equal the devnet's"
    );
}

#[test]
fn an_altered_block_receipt_is_an_error_and_the_honest_upstream_answers() {
    let devnet = devnet();
    // A liar that flips the status of the last receipt of every block it serves.
    let liar = NodeProxy::rewriting(
        devnet.port,
        Box::new(|request, response| {
            if request["method"] == "eth_getBlockReceipts" {
                if let Some(last) = response["result"].as_array_mut().and_then(|r| r.last_mut()) {
                    let flipped = if last["status"] == "0x1" {
                        "0x0"
                    } else {
                        "0x1"
                    };
                    last["status"] = json!(flipped);
                }
            }
        }),
    );
    let honest = Proxy::start(&devnet, &[devnet.url()], &[]);
    let head = honest.wait_for_head(6);
    let height = (1..=head)
        .find(|h| {
            let receipts = devnet.call("eth_getBlockReceipts", json!([hex(*h)]))["result"].clone();
            receipts.as_array().is_some_and(|r| !r.is_empty())
        })
        .expect("a block with transactions");
    let expected = honest.call("eth_getBlockReceipts", json!([hex(height)]))["result"].clone();
    assert!(expected.is_array(), "{expected}");

    // Through the liar alone: an error, never a result, for both methods.
    let fooled = Proxy::start(&devnet, &[liar.url()], &[]);
    fooled.wait_for_head(height);
    for (method, params) in [
        ("eth_getBlockReceipts", json!([hex(height)])),
        ("eth_getBlockByNumber", json!([hex(height), true])),
    ] {
        let answer = fooled.call(method, params);
        assert!(
            answer.get("result").is_none(),
            "{method}: an altered receipt got through: {answer}"
        );
        assert_eq!(answer["error"]["code"], -32099, "{answer}");
        assert_eq!(
            answer["error"]["data"]["code"], "ReceiptsRootMismatch",
            "{answer}"
        );
    }
    // The liar first, the honest node behind it: demoted, and the proven receipts.
    let both = Proxy::start(&devnet, &[liar.url(), devnet.url()], &[]);
    both.wait_for_head(height);
    let answer = both.call("eth_getBlockReceipts", json!([hex(height)]));
    assert_eq!(answer["result"], expected, "{answer}");
}

#[test]
fn websocket_on_the_same_port_answers_and_pushes_final_heads() {
    let devnet = devnet();
    let proxy = Proxy::start(&devnet, &[devnet.url()], &[]);
    proxy.wait_for_head(2);
    let (mut socket, _) =
        tungstenite::connect(format!("ws://127.0.0.1:{}", proxy.port)).expect("a WebSocket");
    socket
        .send(tungstenite::Message::text(
            json!({"jsonrpc": "2.0", "id": 1, "method": "eth_subscribe", "params": ["newHeads"]})
                .to_string(),
        ))
        .unwrap();
    let mut subscription = None;
    let mut heads = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while heads.len() < 3 {
        assert!(Instant::now() < deadline, "no heads pushed");
        let message: Value =
            serde_json::from_str(socket.read().unwrap().to_text().unwrap()).unwrap();
        if message["id"] == 1 {
            subscription = Some(message["result"].clone());
        } else if message["method"] == "eth_subscription" {
            assert_eq!(
                Some(&message["params"]["subscription"]),
                subscription.as_ref()
            );
            let header = message["params"]["result"].clone();
            let number = quantity(header["number"].as_str().unwrap());
            let theirs =
                devnet.call("eth_getBlockByNumber", json!([hex(number), false]))["result"].clone();
            assert_eq!(header["hash"], theirs["hash"]);
            heads.push(number);
        }
    }
    assert!(heads.windows(2).all(|w| w[0] < w[1]), "{heads:?}");
    // Calls over the socket too.
    socket
        .send(tungstenite::Message::text(
            json!({"jsonrpc": "2.0", "id": 2, "method": "eth_chainId"}).to_string(),
        ))
        .unwrap();
    loop {
        let message: Value =
            serde_json::from_str(socket.read().unwrap().to_text().unwrap()).unwrap();
        if message["id"] == 2 {
            assert_eq!(
                message["result"],
                devnet.call("eth_chainId", json!([]))["result"]
            );
            break;
        }
    }
}

#[test]
fn refuses_a_remote_listen_address_without_allow_remote() {
    let out = Command::new(BIN)
        .args([
            "proxy",
            "--rpc",
            "http://127.0.0.1:9",
            "--listen",
            "0.0.0.0:0",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--allow-remote"));
}

#[cfg(unix)]
#[test]
fn sigterm_drains_saves_the_state_and_exits_zero() {
    let devnet = devnet();
    let dir = std::env::temp_dir().join(format!("tempo-light-proxy-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let state = dir.join("state.json");
    let mut proxy = Proxy::start(
        &devnet,
        &[devnet.url()],
        &["--state", state.to_str().unwrap()],
    );
    let head = proxy.wait_for_head(8);
    // SAFETY: kill(2) of our own child.
    unsafe { libc::kill(proxy.child.id() as i32, libc::SIGTERM) };
    let status = proxy.child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(&state).unwrap()).unwrap();
    assert!(saved.to_string().contains("head"), "{saved}");
    let _ = head;
    // The port is free again: nothing listens.
    assert!(TcpStream::connect(("127.0.0.1", proxy.port)).is_err());
    let _ = std::fs::remove_dir_all(&dir);
}

/// One keep-alive HTTP/1.1 connection posting JSON-RPC bodies in turn.
struct KeepAlive {
    stream: TcpStream,
    buffer: Vec<u8>,
}

impl KeepAlive {
    fn connect(port: u16) -> Self {
        let stream = TcpStream::connect(("127.0.0.1", port)).expect("connects");
        stream
            .set_read_timeout(Some(Duration::from_secs(60)))
            .unwrap();
        Self {
            stream,
            buffer: Vec::new(),
        }
    }

    fn post(&mut self, body: &str) -> Value {
        use std::io::{Read, Write};
        let request = format!(
            "POST / HTTP/1.1\r\nhost: proxy\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        );
        self.stream.write_all(request.as_bytes()).unwrap();
        let mut chunk = [0u8; 16 * 1024];
        loop {
            if let Some(end) = self.buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&self.buffer[..end]).to_lowercase();
                let length: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .map(|l| l.trim().parse().unwrap())
                    .expect("a content-length");
                if self.buffer.len() >= end + 4 + length {
                    let body: Vec<u8> = self
                        .buffer
                        .drain(..end + 4 + length)
                        .skip(end + 4)
                        .collect();
                    return serde_json::from_slice(&body).unwrap();
                }
            }
            let n = self.stream.read(&mut chunk).unwrap();
            assert!(n > 0, "connection closed mid-answer");
            self.buffer.extend_from_slice(&chunk[..n]);
        }
    }
}

#[test]
fn takes_200_concurrent_connections_of_mixed_requests_without_an_error() {
    let devnet = devnet();
    let proxy = Proxy::start(&devnet, &[devnet.url()], &[]);
    let head = proxy.wait_for_head(12);
    let token = tempo_light_devnet::state::TOKENS[0].to_string();
    let mut transaction = None;
    for n in (1..=head).rev() {
        let block = devnet.call("eth_getBlockByNumber", json!([hex(n), false]))["result"].clone();
        if let Some(hash) = block["transactions"].get(0) {
            transaction = Some(hash.clone());
            break;
        }
    }
    let transaction = transaction.expect("a devnet transaction");
    let requests: Vec<String> = (0..10)
        .map(|i| {
            let holder = holder(i % 3);
            let (method, params) = match i % 5 {
                0 => ("eth_blockNumber", json!([])),
                1 => ("eth_getBlockByNumber", json!([hex(head - (i as u64 % 4)), false])),
                2 => ("eth_getBalance", json!([holder, hex(head)])),
                3 => (
                    "eth_call",
                    json!([{ "to": token, "data": format!("0x70a08231{:0>64}", &holder[2..]) }, hex(head)]),
                ),
                _ => ("eth_getTransactionReceipt", json!([transaction])),
            };
            json!({"jsonrpc": "2.0", "id": i, "method": method, "params": params}).to_string()
        })
        .collect();
    let started = Instant::now();
    let workers: Vec<_> = (0..200)
        .map(|w| {
            let requests = requests.clone();
            let port = proxy.port;
            std::thread::spawn(move || {
                let mut connection = KeepAlive::connect(port);
                let mut errors = Vec::new();
                for k in 0..requests.len() {
                    let request = &requests[(w + k) % requests.len()];
                    let answer = connection.post(request);
                    if answer.get("result").is_none() || answer["result"].is_null() {
                        errors.push(answer);
                    }
                }
                errors
            })
        })
        .collect();
    let errors: Vec<Value> = workers
        .into_iter()
        .flat_map(|w| w.join().unwrap())
        .collect();
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "proxy load: 200 connections x 10 mixed requests, {} errors, {:.0} requests/s",
        errors.len(),
        2000.0 / seconds
    );
    assert!(
        errors.is_empty(),
        "{} errors, first: {}",
        errors.len(),
        errors[0]
    );
}

/// The devnet's own logs of blocks `from..=to` emitted by `address` with `topic0`, read from
/// its receipts: `(transactionHash, logIndex, data)`.
fn devnet_logs(
    devnet: &Devnet,
    from: u64,
    to: u64,
    address: &str,
    topic0: &str,
) -> Vec<(Value, Value, Value)> {
    let mut out = Vec::new();
    for n in from..=to {
        let receipts = devnet.call("eth_getBlockReceipts", json!([hex(n)]))["result"].clone();
        for receipt in receipts.as_array().unwrap() {
            for log in receipt["logs"].as_array().unwrap() {
                if log["address"]
                    .as_str()
                    .unwrap()
                    .eq_ignore_ascii_case(address)
                    && log["topics"][0]
                        .as_str()
                        .is_some_and(|t| t.eq_ignore_ascii_case(topic0))
                {
                    out.push((
                        log["transactionHash"].clone(),
                        log["logIndex"].clone(),
                        log["data"].clone(),
                    ));
                }
            }
        }
    }
    out
}

#[test]
fn get_logs_is_complete_and_a_dropped_log_is_an_error_not_a_shorter_list() {
    let devnet = devnet();
    // A liar that drops the first log of every receipt it serves.
    let liar = NodeProxy::rewriting(
        devnet.port,
        Box::new(|request, response| {
            if request["method"] == "eth_getBlockReceipts" {
                if let Some(receipts) = response["result"].as_array_mut() {
                    for receipt in receipts {
                        if let Some(logs) = receipt["logs"].as_array_mut() {
                            if !logs.is_empty() {
                                logs.remove(0);
                            }
                        }
                    }
                }
            }
        }),
    );
    let honest = Proxy::start(&devnet, &[devnet.url()], &[]);
    let head = honest.wait_for_head(12);
    let token = tempo_light_devnet::state::TOKENS[0].to_string();
    let topic = format!("{:#x}", tip20::TRANSFER_TOPIC);
    let filter =
        json!({ "fromBlock": "0x1", "toBlock": hex(head), "address": token, "topics": [topic] });
    let ours = honest.call("eth_getLogs", json!([filter]))["result"].clone();
    let ours: Vec<(Value, Value, Value)> = ours
        .as_array()
        .expect("a list")
        .iter()
        .map(|l| {
            (
                l["transactionHash"].clone(),
                l["logIndex"].clone(),
                l["data"].clone(),
            )
        })
        .collect();
    let theirs = devnet_logs(&devnet, 1, head, &token, &topic);
    assert!(!theirs.is_empty(), "the devnet made transfers");
    assert_eq!(ours, theirs);
    println!(
        "eth_getLogs: {} transfer logs over {head} blocks equal the devnet's receipts",
        ours.len()
    );

    // Through the liar alone: an error, never a shorter list.
    let fooled = Proxy::start(&devnet, &[liar.url()], &[]);
    fooled.wait_for_head(head);
    let answer = fooled.call("eth_getLogs", json!([filter]));
    assert!(
        answer.get("result").is_none(),
        "a shorter list got through: {answer}"
    );
    assert_eq!(answer["error"]["code"], -32099, "{answer}");
    // The liar first, the honest node behind it: the complete list.
    let both = Proxy::start(&devnet, &[liar.url(), devnet.url()], &[]);
    both.wait_for_head(head);
    let answer = both.call("eth_getLogs", json!([filter]));
    assert_eq!(
        answer["result"].as_array().map(Vec::len),
        Some(theirs.len()),
        "{answer}"
    );
    // A range past the verified head is not final: refused, not cut short.
    let beyond = json!({ "fromBlock": "0x1", "toBlock": hex(head + 10_000) });
    assert_eq!(
        honest.call("eth_getLogs", json!([beyond]))["error"]["data"]["code"],
        "NotFinal"
    );
}

/// What a proxy in front of a faulty devnet must do about one fault kind.
enum Expect {
    /// No head is ever proven: `eth_blockNumber` and a block ask (unless the fault stalls
    /// them) are errors.
    Blind { ask_block: bool },
    /// The head never passes `height`, and a block past it is not final (`null`) or an error.
    StopsAt(u64),
    /// These asks about a final block that holds two transactions or more are errors, never
    /// results.
    Refuses(&'static [&'static str]),
    /// Block `height` is never answered as two different blocks.
    OneBlockAt(u64),
    /// Not a lie (a node without `debug_*`): every ask about the block is answered, the header
    /// and hashes equal the devnet's own.
    Answers,
}

#[test]
fn every_devnet_fault_kind_gets_an_error_through_never_a_result() {
    use Expect::*;
    let cases: &[(&str, Expect)] = &[
        ("corrupt-certificate", Blind { ask_block: true }),
        ("certificate-for-another-block", Blind { ask_block: true }),
        ("header-mismatch", Blind { ask_block: true }),
        ("wrong-epoch", Blind { ask_block: true }),
        ("drop", Blind { ask_block: true }),
        ("malformed-json", Blind { ask_block: true }),
        // A stalled node holds every block ask until the proxy's own time bound.
        ("stall", Blind { ask_block: false }),
        // At epoch 2: the rotation into epoch 1 is not checked against an announcement the client
        // never saw (epoch 0's, before the identity it was given).
        ("unannounced-rotation@2", StopsAt(9)),
        ("withhold-boundary", StopsAt(3)),
        ("equivocation@6", OneBlockAt(6)),
        ("forged-balance", Refuses(&["call", "storage", "proof"])),
        (
            "proof-wrong-root",
            Refuses(&["balance", "nonce", "call", "storage", "proof"]),
        ),
        (
            "forged-receipt",
            Refuses(&["receipts", "receipt", "fullBlock"]),
        ),
        (
            "receipt-from-other-block",
            Refuses(&["receipts", "receipt", "fullBlock"]),
        ),
        (
            "reordered-receipts",
            Refuses(&["receipts", "receipt", "fullBlock"]),
        ),
        (
            "missing-transaction",
            Refuses(&["block", "fullBlock", "transaction"]),
        ),
        ("forged-log", Refuses(&["logs"])),
        ("stale-execution", Refuses(&["balance", "call"])),
        ("no-debug-namespace", Answers),
    ];
    let mut refused = 0;
    for (fault, expect) in cases {
        let mut args = vec![
            "--epoch-length",
            "5",
            "--block-time-ms",
            "40",
            "--fault",
            fault,
        ];
        if fault.starts_with("unannounced-rotation") {
            args.extend(["--full-dkg-every", "0"]);
        }
        let devnet = Devnet::start(&args);
        let proxy = Proxy::start(&devnet, &[devnet.url()], &[]);
        let no_result = |answer: &Value, what: &str| {
            assert!(
                answer.get("result").is_none() && answer["error"]["code"].is_i64(),
                "{fault}: {what} answered through the fault: {answer}"
            );
        };
        match expect {
            Blind { ask_block } => {
                std::thread::sleep(Duration::from_millis(1500));
                no_result(&proxy.call("eth_blockNumber", json!([])), "the head");
                refused += 1;
                if *ask_block {
                    no_result(
                        &proxy.call("eth_getBlockByNumber", json!(["0x3", false])),
                        "block 3",
                    );
                    refused += 1;
                }
            }
            StopsAt(height) => {
                devnet.wait_for(height + 8);
                std::thread::sleep(Duration::from_millis(500));
                let head = proxy.call("eth_blockNumber", json!([]));
                if let Some(head) = head["result"].as_str().map(quantity) {
                    assert!(head <= *height, "{fault}: a head at {head}");
                }
                // Past the verified head a block is not final: `null`, or an error.
                let past = proxy.call("eth_getBlockByNumber", json!([hex(height + 3), false]));
                if past.get("result") != Some(&Value::Null) {
                    no_result(&past, "a block past the fault");
                }
                refused += 1;
            }
            OneBlockAt(height) => {
                devnet.wait_for(height + 4);
                let hashes: std::collections::BTreeSet<String> = (0..6)
                    .filter_map(|_| {
                        let answer =
                            proxy.call("eth_getBlockByNumber", json!([hex(*height), false]));
                        answer["result"]["hash"].as_str().map(str::to_string)
                    })
                    .collect();
                assert!(
                    hashes.len() <= 1,
                    "{fault}: two blocks at {height}: {hashes:?}"
                );
            }
            Refuses(asks) => {
                let lag = if *fault == "stale-execution" { 70 } else { 12 };
                let head = proxy.wait_for_head(lag);
                // A block with two transactions or more: reversing one receipt is no lie
                // (`reordered-receipts` serves such a block as it is).
                let (number, tx) = (1..head)
                    .rev()
                    .find_map(|h| {
                        let block = devnet.call("eth_getBlockByNumber", json!([hex(h), false]));
                        block["result"]["transactions"][1].as_str()?;
                        let tx = block["result"]["transactions"][0].as_str()?.to_string();
                        Some((h, tx))
                    })
                    .expect("a block with two transactions");
                let (token, account) =
                    (tempo_light_devnet::state::TOKENS[0].to_string(), holder(0));
                let slot = format!("{:#x}", tip20::balance_slot(account.parse().unwrap()));
                let at = if *fault == "stale-execution" {
                    json!("latest")
                } else {
                    json!(hex(head))
                };
                let call =
                    json!({ "to": token, "data": format!("0x70a08231{:0>64}", &account[2..]) });
                let topic = format!("{:#x}", tip20::TRANSFER_TOPIC);
                let logs =
                    json!({ "fromBlock": hex(number), "toBlock": hex(number), "topics": [topic] });
                for ask in *asks {
                    let (method, params) = match *ask {
                        "block" => ("eth_getBlockByNumber", json!([hex(number), false])),
                        "fullBlock" => ("eth_getBlockByNumber", json!([hex(number), true])),
                        "receipts" => ("eth_getBlockReceipts", json!([hex(number)])),
                        "receipt" => ("eth_getTransactionReceipt", json!([tx])),
                        "transaction" => ("eth_getTransactionByHash", json!([tx])),
                        "balance" => ("eth_getBalance", json!([account, at])),
                        "nonce" => ("eth_getTransactionCount", json!([account, at])),
                        "storage" => ("eth_getStorageAt", json!([token, slot, at])),
                        "proof" => ("eth_getProof", json!([token, [slot], at])),
                        "call" => ("eth_call", json!([call, at])),
                        "logs" => ("eth_getLogs", json!([logs])),
                        other => unreachable!("no ask named {other} in the table above"),
                    };
                    no_result(&proxy.call(method, params), ask);
                    refused += 1;
                }
            }
            Answers => {
                let head = proxy.wait_for_head(12);
                let (number, theirs) = (1..head)
                    .rev()
                    .find_map(|h| {
                        let block = devnet.call("eth_getBlockByNumber", json!([hex(h), false]));
                        (!block["result"]["transactions"].as_array()?.is_empty())
                            .then(|| (h, block["result"].clone()))
                    })
                    .expect("a block with a transaction");
                let ours = proxy.call("eth_getBlockByNumber", json!([hex(number), false]));
                assert_eq!(ours["result"]["hash"], theirs["hash"], "{fault}: {ours}");
                assert_eq!(
                    ours["result"]["transactions"], theirs["transactions"],
                    "{fault}"
                );
                let tx = theirs["transactions"][0].clone();
                let receipt = proxy.call("eth_getTransactionReceipt", json!([tx]));
                assert_eq!(
                    receipt["result"]["transactionHash"], tx,
                    "{fault}: {receipt}"
                );
            }
        }
    }
    println!(
        "proxy: {} devnet fault kinds, {refused} asks refused through them, no result through any",
        cases.len()
    );
}
