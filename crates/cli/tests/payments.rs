//! `tempo-light confirm` and `verify-payment` end to end over real sockets against the devnet:
//! a payment made on the devnet confirmed (HTTP and WebSocket) with what the payer expected;
//! a failed one and a mismatched expectation proven otherwise; a transaction not final yet
//! pending (exit 7) or confirmed once `--wait` sees it final; every payment fault refused with
//! its own error; the proof written by `--proof-out` re-checked offline, and altered copies
//! refused; an expectation without a token refused before any request; `--any-token`,
//! `--from`, and `--amount` in tokens beside `--amount-units` in base units.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use alloy_primitives::B256;
use serde_json::Value;
use std::time::Duration;
use support::{json_lines, run, Devnet};
use tempo_light_devnet::payments;

const LONG: Duration = Duration::from_secs(90);
const CHAIN_ID: u64 = 1337;

fn start(extra: &[&'static str]) -> Devnet {
    let mut args = vec![
        "--epoch-length",
        "6",
        "--block-time-ms",
        "40",
        "--full-dkg-every",
        "0",
    ];
    args.extend_from_slice(extra);
    Devnet::start(&args)
}

fn cli(devnet: &Devnet, command: &str, rest: &[String]) -> (Option<i32>, Value) {
    let mut args: Vec<String> = vec![command.into(), "--json".into()];
    args.extend(devnet.trust_args());
    args.extend(rest.iter().cloned());
    let output = run(&args, LONG);
    let lines = json_lines(&output);
    assert_eq!(
        lines.len(),
        1,
        "one JSON object: {lines:?} {}",
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.code(), lines[0].clone())
}

fn confirm(devnet: &Devnet, rpc: &str, hash: B256, rest: &[String]) -> (Option<i32>, Value) {
    let mut args = vec!["--rpc".into(), rpc.into(), format!("{hash:#x}")];
    args.extend(rest.iter().cloned());
    cli(devnet, "confirm", &args)
}

/// The first transaction from `height` on that matches `want`: (height, index, hash).
fn find(from: u64, want: impl Fn(&payments::Payment) -> bool) -> (u64, usize, B256) {
    (from..)
        .find_map(|h| {
            let body = payments::body(CHAIN_ID, h);
            let i = body.payments.iter().position(&want)?;
            Some((h, i, body.hashes()[i]))
        })
        .unwrap()
}

fn expectation(p: &payments::Payment) -> Vec<String> {
    let mut args = vec![
        "--token".into(),
        format!("{:#x}", p.token),
        "--to".into(),
        format!("{:#x}", p.to),
        "--from".into(),
        format!("{:#x}", p.from),
        "--amount-units".into(),
        p.amount.to_string(),
    ];
    if let Some(memo) = p.memo {
        args.extend(["--memo".into(), format!("{memo:#x}")]);
    }
    args
}

#[test]
fn a_devnet_payment_is_confirmed_and_its_proof_verifies_offline() {
    let devnet = start(&[]);
    let (h, i, hash) = find(2, |p| p.success && p.memo.is_some());
    devnet.wait_for(h + 1);
    let payment = payments::body(CHAIN_ID, h).payments[i].clone();
    // The node shapes: full blocks, transactions and receipts by hash, raw transactions.
    let hex = format!("{h:#x}");
    let full =
        devnet.call("eth_getBlockByNumber", serde_json::json!([hex, true]))["result"].clone();
    assert_eq!(full["transactions"][i]["hash"], format!("{hash:#x}"));
    assert_eq!(full["transactions"][i]["blockNumber"], hex);
    let by_hash =
        devnet.call("eth_getTransactionByHash", serde_json::json!([hash]))["result"].clone();
    assert_eq!(by_hash["transactionIndex"], format!("{i:#x}"));
    let receipt =
        devnet.call("eth_getTransactionReceipt", serde_json::json!([hash]))["result"].clone();
    assert_eq!(
        (receipt["status"].as_str(), receipt["blockNumber"].as_str()),
        (Some("0x1"), Some(hex.as_str()))
    );
    let raw = devnet.call("debug_getRawTransactions", serde_json::json!([hex]))["result"].clone();
    let one = devnet.call(
        "eth_getRawTransactionByBlockNumberAndIndex",
        serde_json::json!([hex, format!("{i:#x}")]),
    )["result"]
        .clone();
    assert_eq!(raw[i], one);
    let dir = std::env::temp_dir().join(format!("tempo-light-payment-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (rpc, form) in [(devnet.url(), "full"), (devnet.ws_url(), "trie")] {
        let proof = dir.join(format!("{form}.json"));
        let mut args = expectation(&payment);
        args.extend([
            "--proof-out".into(),
            proof.display().to_string(),
            "--proof-form".into(),
            form.into(),
        ]);
        let (code, out) = confirm(&devnet, &rpc, hash, &args);
        assert_eq!(code, Some(0), "{out}");
        assert_eq!(out["type"], "payment");
        assert_eq!(out["success"], true);
        assert_eq!(out["height"], h);
        assert_eq!(out["index"], i);
        let transfer = &out["transfers"][1];
        assert_eq!(transfer["to"], format!("{:#x}", payment.to));
        assert_eq!(transfer["amount"], payment.amount.to_string());
        assert_eq!(transfer["memo"], format!("{:#x}", payment.memo.unwrap()));
        let size = std::fs::metadata(&proof).unwrap().len();
        println!("{form} proof written by confirm: {size} bytes");

        // Offline: the proof alone, with and without the expectation.
        let file = proof.display().to_string();
        let (code, out) = cli(&devnet, "verify-payment", std::slice::from_ref(&file));
        assert_eq!((code, &out["height"]), (Some(0), &Value::from(h)), "{out}");
        let mut args = vec![file.clone()];
        args.extend(expectation(&payment));
        assert_eq!(cli(&devnet, "verify-payment", &args).0, Some(0));
        let (code, out) = cli(
            &devnet,
            "verify-payment",
            &[
                file.clone(),
                "--token".into(),
                format!("{:#x}", payment.token),
                "--amount".into(),
                "0.000001".into(),
            ],
        );
        assert_eq!(
            (code, out["code"].as_str()),
            (Some(1), Some("AmountMismatch"))
        );
        let (code, out) = cli(
            &devnet,
            "verify-payment",
            &[file.clone(), "--tx".into(), format!("{:#x}", B256::ZERO)],
        );
        assert_eq!(
            (code, out["code"].as_str()),
            (Some(1), Some("WrongTransaction"))
        );

        // Altered copies are refused (the exhaustive single-byte test is the core's).
        let text = std::fs::read_to_string(&proof).unwrap();
        let mut refused = 0;
        for at in (0..text.len()).step_by(text.len() / 24) {
            let mut bytes = text.clone().into_bytes();
            bytes[at] ^= 0x01;
            let altered = dir.join("altered.json");
            std::fs::write(&altered, &bytes).unwrap();
            let (code, out) = cli(&devnet, "verify-payment", &[altered.display().to_string()]);
            assert!(matches!(code, Some(1) | Some(2)), "byte {at}: {out}");
            refused += 1;
        }
        println!("{form}: {refused} altered proofs refused by verify-payment");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_failed_payment_or_an_unexpected_one_is_proven_otherwise() {
    let devnet = start(&[]);
    let (h, _, failed) = find(2, |p| !p.success);
    let (h2, i2, paid) = find(2, |p| p.success);
    devnet.wait_for(h.max(h2) + 1);
    let (code, out) = confirm(&devnet, &devnet.url(), failed, &[]);
    assert_eq!(
        (code, out["code"].as_str()),
        (Some(1), Some("PaymentFailed")),
        "{out}"
    );
    assert_eq!(out["payment"]["success"], false);
    let payment = payments::body(CHAIN_ID, h2).payments[i2].clone();
    let token = format!("{:#x}", payment.token);
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<String>>();
    for (args, code_name) in [
        (
            s(&[
                "--token",
                &token,
                "--to",
                "0x0101010101010101010101010101010101010101",
            ]),
            "RecipientMismatch",
        ),
        (
            s(&["--token", &token, "--amount-units", "1"]),
            "AmountMismatch",
        ),
        (
            s(&[
                "--token",
                &token,
                "--from",
                "0x0101010101010101010101010101010101010101",
            ]),
            "SenderMismatch",
        ),
        (
            s(&["--token", &token, "--memo", "no such invoice"]),
            "MemoMismatch",
        ),
        (
            s(&["--token", "0x20c0000000000000000000000000000000000009"]),
            "TokenMismatch",
        ),
    ] {
        let (code, out) = confirm(&devnet, &devnet.url(), paid, &args);
        assert_eq!(
            (code, out["code"].as_str()),
            (Some(1), Some(code_name)),
            "{args:?}: {out}"
        );
    }
}

#[test]
fn a_transaction_not_final_yet_is_pending_and_confirmed_once_final() {
    let devnet = start(&[]);
    // Unknown to the chain: pending at once without --wait, and after --wait runs out.
    let unknown = format!("{:#x}", B256::repeat_byte(0xab));
    let mut args = vec!["--rpc".to_string(), devnet.url(), unknown.clone()];
    let (code, out) = cli(&devnet, "confirm", &args);
    assert_eq!(
        (code, out["type"].as_str()),
        (Some(7), Some("pending")),
        "{out}"
    );
    args.extend(["--wait".into(), "--wait-ms".into(), "600".into()]);
    let (code, _) = cli(&devnet, "confirm", &args);
    assert_eq!(code, Some(7));
    // A transaction of a block 40 blocks ahead: --wait sees it final.
    let tip = devnet.call("eth_blockNumber", serde_json::json!([]))["result"]
        .as_str()
        .map(|h| u64::from_str_radix(&h[2..], 16).unwrap())
        .unwrap();
    let (h, _, hash) = find(tip + 40, |p| p.success);
    let (code, out) = confirm(&devnet, &devnet.url(), hash, &["--wait".into()]);
    assert_eq!((code, &out["height"]), (Some(0), &Value::from(h)), "{out}");
}

#[test]
fn every_payment_fault_is_refused_with_its_own_error() {
    // Block heights hold 1 + h % 4 transactions: each fault at a block where it bites.
    let devnet = start(&[
        "--fault",
        "forged-receipt@6",
        "--fault",
        "receipt-from-other-block@5",
        "--fault",
        "missing-transaction@10",
        "--fault",
        "reordered-receipts@7",
        "--fault",
        "forged-log@9",
    ]);
    devnet.wait_for(12);
    for (height, index, expected) in [
        (6, 0, "ReceiptsRootMismatch"),
        (5, 1, "ReceiptFromOtherBlock"),
        (10, 1, "TransactionsRootMismatch"),
        (7, 2, "ReceiptsReordered"),
        (9, 0, "LogsBloomMismatch"),
    ] {
        let hash = payments::body(CHAIN_ID, height).hashes()[index];
        for rpc in [devnet.url(), devnet.ws_url()] {
            let (code, out) = confirm(&devnet, &rpc, hash, &[]);
            assert_eq!(
                (code, out["code"].as_str()),
                (Some(1), Some(expected)),
                "fault at {height}: {out}"
            );
        }
    }
    // The blocks around them are confirmed.
    let hash = payments::body(CHAIN_ID, 8).hashes()[0];
    assert_eq!(confirm(&devnet, &devnet.url(), hash, &[]).0, Some(0));
}

#[test]
fn without_the_debug_namespace_raw_transactions_are_fetched_one_by_one() {
    let devnet = start(&["--fault", "no-debug-namespace"]);
    let (h, i, hash) = find(3, |p| p.success);
    assert!(payments::body(CHAIN_ID, h).transactions.len() > 1 || i == 0);
    devnet.wait_for(h + 1);
    let answer = devnet.call(
        "debug_getRawTransactions",
        serde_json::json!([format!("{h:#x}")]),
    );
    assert_eq!(answer["error"]["code"], -32601);
    let (code, out) = confirm(&devnet, &devnet.url(), hash, &[]);
    assert_eq!((code, &out["height"]), (Some(0), &Value::from(h)), "{out}");
}

/// `confirm` of a successful devnet payment, once final: (height, the payment, its hash).
fn a_final_payment(devnet: &Devnet) -> (payments::Payment, B256) {
    let (h, i, hash) = find(2, |p| p.success);
    devnet.wait_for(h + 1);
    (payments::body(CHAIN_ID, h).payments[i].clone(), hash)
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| x.to_string()).collect()
}

#[test]
fn amount_is_in_token_units() {
    let devnet = start(&[]);
    let (payment, hash) = a_final_payment(&devnet);
    let token = format!("{:#x}", payment.token);
    // The devnet pays whole tokens: `--amount N` is N tokens, N × 10^6 base units.
    let tokens = payment.amount / alloy_primitives::U256::from(1_000_000u64);
    assert_eq!(
        tokens * alloy_primitives::U256::from(1_000_000u64),
        payment.amount
    );
    for (amount, expected) in [
        (tokens.to_string(), Some(0)),
        (format!("{tokens}.0"), Some(0)),
        (format!("{tokens}.000000"), Some(0)),
        (format!("{tokens}.50"), Some(1)),
        (format!("{tokens}.000001"), Some(1)),
    ] {
        let (code, out) = confirm(
            &devnet,
            &devnet.url(),
            hash,
            &strings(&["--token", &token, "--amount", &amount]),
        );
        assert_eq!(code, expected, "--amount {amount}: {out}");
        if code == Some(1) {
            assert_eq!(out["code"], "AmountMismatch", "{out}");
        }
    }
    // What `--amount N` meant before (N base units) is not this payment.
    let (code, out) = confirm(
        &devnet,
        &devnet.url(),
        hash,
        &strings(&["--token", &token, "--amount-units", &tokens.to_string()]),
    );
    assert_eq!(
        (code, out["code"].as_str()),
        (Some(1), Some("AmountMismatch"))
    );
    // Too many decimals, or not a number of tokens: usage (exit 3), before any request.
    for bad in [
        "1.0000001",
        "0.1234567",
        "-1",
        "1,5",
        "1.",
        ".5",
        "1e6",
        "0x10",
        "",
    ] {
        let (code, out) = cli(
            &devnet,
            "confirm",
            &strings(&[
                "--rpc",
                "http://127.0.0.1:1",
                &format!("{hash:#x}"),
                "--token",
                &token,
                // (`=`: clap would take `-1` for an option.)
                &format!("--amount={bad}"),
            ]),
        );
        assert_eq!(
            (code, out["code"].as_str()),
            (Some(3), Some("Usage")),
            "{bad}: {out}"
        );
        assert!(out["error"].as_str().unwrap().contains("--amount"), "{out}");
    }
}

#[test]
fn amount_units_are_base_units() {
    let devnet = start(&[]);
    let (payment, hash) = a_final_payment(&devnet);
    let token = format!("{:#x}", payment.token);
    let units = payment.amount.to_string();
    let (code, out) = confirm(
        &devnet,
        &devnet.url(),
        hash,
        &strings(&["--token", &token, "--amount-units", &units]),
    );
    assert_eq!(code, Some(0), "{out}");
    let one_more = (payment.amount + alloy_primitives::U256::from(1)).to_string();
    let (code, out) = confirm(
        &devnet,
        &devnet.url(),
        hash,
        &strings(&["--token", &token, "--amount-units", &one_more]),
    );
    assert_eq!(
        (code, out["code"].as_str()),
        (Some(1), Some("AmountMismatch"))
    );
    // Not a whole number of base units: usage.
    for bad in ["1.5", "-1", "1e6", ""] {
        let (code, out) = confirm(
            &devnet,
            &devnet.url(),
            hash,
            &strings(&["--token", &token, &format!("--amount-units={bad}")]),
        );
        assert_eq!(
            (code, out["code"].as_str()),
            (Some(3), Some("Usage")),
            "{bad}: {out}"
        );
    }
    // Both at once: a usage error (exit 3).
    let mut args = vec!["confirm".to_string(), "--rpc".into(), devnet.url()];
    args.extend(devnet.trust_args());
    args.extend(strings(&[
        &format!("{hash:#x}"),
        "--token",
        &token,
        "--amount",
        "1",
        "--amount-units",
        &units,
    ]));
    let out = run(&args, LONG);
    assert_eq!(out.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--amount-units"), "{stderr}");
}

#[test]
fn refuses_an_expectation_without_a_token() {
    // No devnet: an RPC that refuses connections. Asking it anything would end with exit 5;
    // the expectation is refused before (exit 3, `InvalidInput` naming `token`).
    let hash = format!("{:#x}", B256::repeat_byte(0x11));
    let to = format!("{:#x}", alloy_primitives::Address::repeat_byte(9));
    let file = std::env::temp_dir()
        .join(format!(
            "tempo-light-no-such-proof-{}.json",
            std::process::id()
        ))
        .display()
        .to_string();
    let base = |command: &str| {
        let mut args = strings(&[command, "--json", "--network", "mainnet"]);
        if command == "confirm" {
            args.extend(strings(&["--rpc", "http://127.0.0.1:1", &hash]));
        } else {
            args.push(file.clone());
        }
        args
    };
    for command in ["confirm", "verify-payment"] {
        for (expectation, fields) in [
            (strings(&["--to", &to]), "`to`"),
            (strings(&["--from", &to]), "`from`"),
            (strings(&["--amount", "10.50"]), "`amount`"),
            (strings(&["--amount-units", "10500000"]), "`amount`"),
            (strings(&["--memo", "INV-1042"]), "`memo`"),
            (strings(&["--to", &to, "--amount", "1"]), "`to`, `amount`"),
            (
                strings(&[
                    "--token",
                    "0x20c0000000000000000000000000000000000000",
                    "--any-token",
                ]),
                "",
            ),
        ] {
            let mut args = base(command);
            args.extend(expectation.iter().cloned());
            let out = run(&args, LONG);
            let lines = json_lines(&out);
            assert_eq!(
                out.status.code(),
                Some(3),
                "{command} {expectation:?}: {lines:?}"
            );
            assert_eq!(lines.len(), 1, "{lines:?}");
            assert_eq!(lines[0]["code"], "InvalidInput", "{lines:?}");
            let text = lines[0]["error"].as_str().unwrap();
            assert!(text.contains("`token`"), "{text}");
            if !fields.is_empty() {
                assert!(
                    text.contains(&format!("an expectation of {fields} needs `token`")),
                    "{text}"
                );
            }
            // In text: one line, `error: ` (usage).
            let mut args = base(command);
            args.retain(|a| a != "--json");
            args.extend(expectation.iter().cloned());
            let out = run(&args, LONG);
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(3));
            assert!(
                stderr.trim_end().lines().count() == 1 && stderr.starts_with("error: "),
                "{stderr}"
            );
        }
    }
}

#[test]
fn accepts_any_token_when_asked() {
    let devnet = start(&[]);
    let (payment, hash) = a_final_payment(&devnet);
    let to = format!("{:#x}", payment.to);
    let units = payment.amount.to_string();
    let (code, out) = confirm(
        &devnet,
        &devnet.url(),
        hash,
        &strings(&["--any-token", "--to", &to, "--amount-units", &units]),
    );
    assert_eq!(code, Some(0), "{out}");
    // Any token, but still this recipient.
    let (code, out) = confirm(
        &devnet,
        &devnet.url(),
        hash,
        &strings(&[
            "--any-token",
            "--to",
            "0x0101010101010101010101010101010101010101",
        ]),
    );
    assert_eq!(
        (code, out["code"].as_str()),
        (Some(1), Some("RecipientMismatch"))
    );
}

#[test]
fn refuses_a_payment_from_another_sender() {
    let devnet = start(&[]);
    let (payment, hash) = a_final_payment(&devnet);
    let token = format!("{:#x}", payment.token);
    let from = format!("{:#x}", payment.from);
    let (code, out) = confirm(
        &devnet,
        &devnet.url(),
        hash,
        &strings(&["--token", &token, "--from", &from]),
    );
    assert_eq!(code, Some(0), "{out}");
    let other = "0x0202020202020202020202020202020202020202";
    let (code, out) = confirm(
        &devnet,
        &devnet.url(),
        hash,
        &strings(&["--token", &token, "--from", other]),
    );
    assert_eq!(
        (code, out["code"].as_str()),
        (Some(1), Some("SenderMismatch")),
        "{out}"
    );
    // Proven otherwise: the payment is reported with what it moved.
    assert_eq!(out["payment"]["transactionHash"], format!("{hash:#x}"));
    assert!(out["error"].as_str().unwrap().contains(other), "{out}");
}

#[test]
fn a_payment_with_no_expectations_reports_what_it_moved() {
    let devnet = start(&[]);
    let (payment, hash) = a_final_payment(&devnet);
    let (code, out) = confirm(&devnet, &devnet.url(), hash, &[]);
    assert_eq!(code, Some(0), "{out}");
    // The fee and the payment, each with its sender, recipient and amount.
    let transfers = out["transfers"].as_array().unwrap();
    assert_eq!(transfers.len(), 2, "{out}");
    let paid = &transfers[1];
    assert_eq!(
        (&paid["token"], &paid["from"], &paid["to"], &paid["amount"]),
        (
            &Value::from(format!("{:#x}", payment.token)),
            &Value::from(format!("{:#x}", payment.from)),
            &Value::from(format!("{:#x}", payment.to)),
            &Value::from(payment.amount.to_string())
        )
    );
}
