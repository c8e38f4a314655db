//! `tempo-light watch` against a devnet over real sockets: it reports exactly the transfers to
//! the address that the node's receipts hold (read here independently, from
//! `eth_getBlockReceipts`), block after block with no gap; a node that hides a payment (drops
//! its log from a receipt) or serves a header whose bloom was altered stops it with a typed
//! error before it scans past the block; it resumes from its cursor.

#[path = "support/node_proxy.rs"]
mod node_proxy;
mod support;

use node_proxy::NodeProxy;
use serde_json::{json, Value};
use std::{collections::BTreeSet, time::Duration};
use support::{json_lines, run, Devnet, BIN};
use tempo_light::state::tip20::TRANSFER_TOPIC;

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

fn hex(n: u64) -> String {
    format!("{n:#x}")
}

fn topic_of(address: &str) -> String {
    format!("0x{:0>64}", address.trim_start_matches("0x").to_lowercase())
}

/// The transfers to `to` in blocks `1..=through`, read from the devnet's own receipts:
/// `(transactionHash, logIndex, amount)`, a `TransferWithMemo` beside its `Transfer` not
/// counted twice (only `Transfer` logs are read), reverted transactions left out.
fn node_payments(devnet: &Devnet, to: &str, through: u64) -> BTreeSet<(String, u64, String)> {
    let transfer = format!("{TRANSFER_TOPIC:#x}");
    let mut out = BTreeSet::new();
    for n in 1..=through {
        let receipts = devnet.call("eth_getBlockReceipts", json!([hex(n)]))["result"].clone();
        for receipt in receipts.as_array().unwrap() {
            if receipt["status"] != "0x1" {
                continue;
            }
            for log in receipt["logs"].as_array().unwrap() {
                let topics = log["topics"].as_array().unwrap();
                if topics.first().and_then(Value::as_str) == Some(transfer.as_str())
                    && log["address"]
                        .as_str()
                        .unwrap()
                        .to_lowercase()
                        .starts_with("0x20c0")
                    && topics.get(2).and_then(Value::as_str).map(str::to_lowercase)
                        == Some(topic_of(to))
                {
                    let index = u64::from_str_radix(
                        log["logIndex"].as_str().unwrap().trim_start_matches("0x"),
                        16,
                    )
                    .unwrap();
                    let amount = alloy_primitives::U256::from_str_radix(
                        log["data"].as_str().unwrap().trim_start_matches("0x"),
                        16,
                    )
                    .unwrap();
                    out.insert((
                        log["transactionHash"].as_str().unwrap().to_lowercase(),
                        index,
                        amount.to_string(),
                    ));
                }
            }
        }
    }
    out
}

fn watch_args(devnet: &Devnet, rpc: &str, to: &str, until: u64, extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = vec![
        "watch".into(),
        "--rpc".into(),
        rpc.into(),
        "--to".into(),
        to.into(),
        "--from-block".into(),
        "1".into(),
        "--until".into(),
        until.to_string(),
        "--json".into(),
        "--poll-ms".into(),
        "50".into(),
        "--retries".into(),
        "2".into(),
    ];
    args.extend(devnet.trust_args());
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

fn payments_of(lines: &[Value]) -> BTreeSet<(String, u64, String)> {
    lines
        .iter()
        .filter(|l| l["type"] == "payment")
        .map(|l| {
            (
                l["transactionHash"].as_str().unwrap().to_lowercase(),
                l["logIndex"].as_u64().unwrap(),
                l["amount"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn reports_exactly_the_transfers_the_nodes_receipts_hold() {
    let devnet = devnet();
    devnet.wait_for(30);
    let mut compared = 0;
    for i in 0..3 {
        let to = tempo_light_devnet::state::holder(i).to_string();
        let out = run(
            &watch_args(&devnet, &devnet.url(), &to, 30, &[]),
            Duration::from_secs(60),
        );
        support::assert_success(&out);
        let lines = json_lines(&out);
        let scanned: Vec<u64> = lines
            .iter()
            .filter(|l| l["type"] == "scanned")
            .map(|l| l["through"].as_u64().unwrap())
            .collect();
        assert!(scanned.last().is_some_and(|s| *s >= 30), "{lines:?}");
        let ours = payments_of(&lines);
        let theirs = node_payments(&devnet, &to, *scanned.last().unwrap());
        assert_eq!(ours, theirs, "holder {i}");
        assert!(lines
            .iter()
            .filter(|l| l["type"] == "payment")
            .all(|l| l["to"].as_str().unwrap().eq_ignore_ascii_case(&to)));
        compared += theirs.len();
    }
    assert!(compared > 0, "the devnet paid the holders something");
    println!("watch: {compared} payments equal the node's receipts");
}

#[test]
fn a_node_that_hides_a_payment_stops_the_watch_before_that_block() {
    let devnet = devnet();
    devnet.wait_for(30);
    // Holder 0 is paid in the devnet's first blocks.
    let to = tempo_light_devnet::state::holder(0).to_string();
    let hidden = topic_of(&to);
    let first_payment = node_payments(&devnet, &to, 30)
        .into_iter()
        .map(|(hash, _, _)| {
            let receipt = devnet.call("eth_getTransactionReceipt", json!([hash]))["result"].clone();
            u64::from_str_radix(
                receipt["blockNumber"]
                    .as_str()
                    .unwrap()
                    .trim_start_matches("0x"),
                16,
            )
            .unwrap()
        })
        .min()
        .expect("a payment to hide");
    // The liar drops every transfer log to the address from the receipts it serves.
    let liar = NodeProxy::rewriting(
        devnet.port,
        Box::new(move |request, response| {
            if request["method"] == "eth_getBlockReceipts" {
                for receipt in response["result"].as_array_mut().into_iter().flatten() {
                    if let Some(logs) = receipt["logs"].as_array_mut() {
                        logs.retain(|l| {
                            l["topics"]
                                .get(2)
                                .and_then(Value::as_str)
                                .map(str::to_lowercase)
                                != Some(hidden.clone())
                        });
                    }
                }
            }
        }),
    );
    let out = run(
        &watch_args(&devnet, &liar.url(), &to, 30, &[]),
        Duration::from_secs(60),
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let lines = json_lines(&out);
    let error = lines.last().unwrap();
    assert_eq!(error["type"], "error");
    assert_eq!(error["code"], "ReceiptsRootMismatch", "{error}");
    for line in &lines {
        if line["type"] == "scanned" {
            assert!(
                line["through"].as_u64().unwrap() < first_payment,
                "scanned past the hidden payment: {line}"
            );
        }
        assert_ne!(
            line["type"], "payment",
            "a payment before the first one? {line}"
        );
    }
}

#[test]
fn a_header_whose_bloom_was_altered_is_refused() {
    let devnet = devnet();
    devnet.wait_for(12);
    let to = tempo_light_devnet::state::holder(0).to_string();
    // An empty bloom would rule every block out: the header no longer hashes to what was certified.
    let liar = NodeProxy::rewriting(
        devnet.port,
        Box::new(|request, response| {
            if request["method"] == "consensus_getFinalization"
                && request["params"][0].get("height").is_some()
            {
                response["result"]["block"]["header"]["logsBloom"] =
                    json!(format!("0x{}", "00".repeat(256)));
            }
        }),
    );
    let out = run(
        &watch_args(&devnet, &liar.url(), &to, 12, &[]),
        Duration::from_secs(60),
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let lines = json_lines(&out);
    assert_eq!(lines.last().unwrap()["code"], "DigestMismatch", "{lines:?}");
    assert!(lines.iter().all(|l| l["type"] != "payment"));
}

#[test]
fn resumes_from_its_cursor_without_a_gap() {
    let devnet = devnet();
    devnet.wait_for(24);
    let dir = std::env::temp_dir().join(format!("tempo-light-watch-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let state = dir.join("state.json");
    let to = tempo_light_devnet::state::holder(2).to_string();
    let state_args = ["--state", state.to_str().unwrap()];
    let first = run(
        &watch_args(&devnet, &devnet.url(), &to, 12, &state_args),
        Duration::from_secs(60),
    );
    support::assert_success(&first);
    let mut args = watch_args(&devnet, &devnet.url(), &to, 24, &state_args);
    // The cursor wins over --from-block 1: the second run starts where the first stopped.
    let second = run(&args, Duration::from_secs(60));
    support::assert_success(&second);
    let mut all = payments_of(&json_lines(&first));
    let later = payments_of(&json_lines(&second));
    assert!(all.is_disjoint(&later), "a payment reported twice");
    all.extend(later);
    let through = json_lines(&second)
        .iter()
        .filter_map(|l| l["through"].as_u64())
        .max()
        .unwrap();
    assert_eq!(all, node_payments(&devnet, &to, through));
    // Another watch refuses the cursor of this one.
    args[4] = tempo_light_devnet::state::holder(3).to_string();
    let refused = run(&args, Duration::from_secs(30));
    assert_eq!(refused.status.code(), Some(3));
    let _ = std::fs::remove_dir_all(&dir);
    let _ = BIN;
}
