//! The command line as people run it in a shell: pipes closed early, one prefix per refusal,
//! exit codes for every kind of input, hints when the network passed is the wrong one,
//! warnings for fields an RPC sends that contradict the signed data, the demo's summary, and
//! the README's sample output kept true.
#![cfg(unix)]

mod support;

use serde_json::{json, Value};
use std::{
    os::unix::process::ExitStatusExt,
    process::{Command, Output, Stdio},
    time::{Duration, Instant},
};
use support::{run_with_input, Devnet, BIN};
use tempo_light_testkit::MAINNET_BLOCK;

const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/fixtures/mainnet-block-32724390.json"
);

/// Runs the binary with its standard output a pipe whose reading end is already closed (as
/// in `tempo-light ... | true`), with a deadline.
fn run_into_closed_pipe(args: &[&str], deadline: Duration) -> (std::process::ExitStatus, String) {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(Stdio::null())
        .stdout(writer)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let mut err = String::new();
            std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
            return (status, err);
        }
        if started.elapsed() > deadline {
            let _ = child.kill();
            panic!("tempo-light {args:?} kept running with its stdout closed");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn assert_ended_by_closed_pipe(status: std::process::ExitStatus, stderr: &str) {
    assert_eq!(
        status.signal(),
        Some(libc_sigpipe()),
        "ends by SIGPIPE like any Unix tool: {status:?} {stderr}"
    );
    assert!(!stderr.contains("panicked"), "no panic: {stderr}");
}

const fn libc_sigpipe() -> i32 {
    13
}

#[test]
fn verify_into_a_closed_pipe_ends_quietly() {
    let (status, stderr) = run_into_closed_pipe(&["verify", FIXTURE], Duration::from_secs(10));
    assert_ended_by_closed_pipe(status, &stderr);
}

#[test]
fn demo_into_a_closed_pipe_ends_quietly() {
    let (status, stderr) = run_into_closed_pipe(&["demo"], Duration::from_secs(20));
    assert_ended_by_closed_pipe(status, &stderr);
}

#[test]
fn follow_into_a_closed_pipe_ends_instead_of_running_forever() {
    let devnet = Devnet::start(&["--epoch-length", "5", "--block-time-ms", "40"]);
    let epoch_length = devnet.epoch_length.to_string();
    let rpc = devnet.url();
    let (status, stderr) = run_into_closed_pipe(
        &[
            "follow",
            "--rpc",
            &rpc,
            "--identity",
            &devnet.identity,
            "--epoch-length",
            &epoch_length,
            "--poll-ms",
            "20",
        ],
        Duration::from_secs(20),
    );
    assert_ended_by_closed_pipe(status, &stderr);
}

#[test]
fn a_refusal_reads_with_one_prefix() {
    let o = run_with_input(
        &["verify", "--network", "testnet", "-"],
        MAINNET_BLOCK.as_bytes(),
    );
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    let first = err.lines().next().unwrap();
    assert!(
        first.starts_with("not verified: certificate signatures"),
        "{err}"
    );
    assert_eq!(err.matches("not verified").count(), 1, "{err}");

    let o = run_with_input(&["verify", "-"], b"{\"certificate\": \"0x00\"}");
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.starts_with("malformed: "), "{err}");
    assert!(!err.contains("not verified"), "{err}");
}

#[test]
fn input_that_is_not_utf8_is_malformed_with_exit_2() {
    let o = run_with_input(&["verify", "-"], b"\xff\xfe{}");
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not UTF-8"));
    let o = run_with_input(&["verify", "--json", "-"], b"\xff\xfe{}");
    assert_eq!(o.status.code(), Some(2));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["verified"], false);
    assert_eq!(v["code"], "InvalidJson");
}

#[test]
fn fields_that_contradict_the_signed_data_are_reported_and_ignored() {
    let mut v: Value = serde_json::from_str(MAINNET_BLOCK).unwrap();
    v["finalization"]["epoch"] = json!(7);
    v["finalization"]["view"] = json!(8);
    v["finalization"]["height"] = json!(9);
    v["finalization"]["digest"] = json!(format!("0x{}", "11".repeat(32)));
    v["header"]["hash"] = json!(format!("0x{}", "22".repeat(32)));
    let text = v.to_string();

    let o = run_with_input(&["verify", "-"], text.as_bytes());
    assert!(o.status.success(), "only signed values decide: {o:?}");
    let err = String::from_utf8_lossy(&o.stderr);
    for field in ["`epoch`", "`view`", "`height`", "`digest`", "`header.hash`"] {
        assert!(
            err.contains(&format!("warning: the RPC's {field} field")),
            "{field}: {err}"
        );
    }

    let o = run_with_input(&["verify", "--json", "-"], text.as_bytes());
    assert!(o.status.success());
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["verified"], true);
    let fields: Vec<&str> = v["inconsistentFields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["epoch", "view", "digest", "height", "header.hash"]);
    assert_eq!(v["inconsistentFields"][0]["claimed"], "7");
    assert_eq!(v["inconsistentFields"][0]["actual"], "1515");

    // An honest answer carries no such field.
    let o = run_with_input(&["verify", "--json", "-"], MAINNET_BLOCK.as_bytes());
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(v.get("inconsistentFields").is_none(), "{v}");
}

#[test]
fn the_wrong_preset_gets_a_hint_naming_the_right_one() {
    let o = run_with_input(
        &["verify", "--network", "testnet", "-"],
        MAINNET_BLOCK.as_bytes(),
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(
            "hint: this block verifies under the mainnet identity: pass --network mainnet"
        ),
        "{err}"
    );
    let o = run_with_input(
        &["verify", "--json", "--network", "testnet", "-"],
        MAINNET_BLOCK.as_bytes(),
    );
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["code"], "BadSignature");
    assert!(v["hint"].as_str().unwrap().contains("--network mainnet"));
}

#[test]
fn a_devnet_block_under_a_preset_gets_a_hint_with_its_epoch_length() {
    let devnet = Devnet::start(&["--epoch-length", "20", "--block-time-ms", "20"]);
    devnet.wait_for(45);
    let block = devnet.call("consensus_getFinalization", json!([{"height": 45}]));
    let o = run_with_input(&["verify", "-"], block.to_string().as_bytes());
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.starts_with("not verified: block 45 is in epoch 0"),
        "{err}"
    );
    assert!(
        err.contains("hint: certificate epoch 2 at block 45 means an epoch length between 16 and 22, not mainnet's 21600"),
        "{err}"
    );
    assert!(
        err.contains("--identity <its identity> --epoch-length"),
        "{err}"
    );

    // follow says the same before it stops.
    let rpc = devnet.url();
    let o = support::run(
        &[
            "follow".into(),
            "--network".into(),
            "mainnet".into(),
            "--rpc".into(),
            rpc,
        ],
        Duration::from_secs(20),
    );
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("hint: certificate epoch"), "{err}");
    assert!(
        err.lines().last().unwrap().starts_with("not verified: "),
        "{err}"
    );
    assert!(!err.contains("error: rejected"), "{err}");
}

#[test]
fn demo_ends_with_a_summary_and_refuses_too_few_epochs() {
    let o = support::run(&["demo".into()], Duration::from_secs(60));
    assert!(o.status.success(), "{o:?}");
    let out = String::from_utf8_lossy(&o.stdout);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        !err.contains("RPC error"),
        "no alarming note at the start: {err}"
    );
    assert!(out.contains("demo done in "), "{out}");
    assert!(out.contains("blocks proven final"), "{out}");
    assert!(out.contains("2 identity rotations"), "{out}");
    // The first block shown comes after the line of the epoch it is in.
    let lines: Vec<&str> = out.lines().collect();
    let first_final = lines.iter().position(|l| l.starts_with("final")).unwrap();
    let first_epoch = lines.iter().position(|l| l.starts_with("epoch")).unwrap();
    let epoch_of_first: u64 = lines[first_final]
        .split("epoch ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap()
        .parse()
        .unwrap();
    if epoch_of_first > 0 {
        assert!(first_epoch < first_final, "{out}");
    }

    let o = support::run(
        &["demo".into(), "--epochs".into(), "2".into()],
        Duration::from_secs(10),
    );
    assert_eq!(o.status.code(), Some(3), "2 epochs cannot show a rotation");
    assert!(String::from_utf8_lossy(&o.stderr).contains("--epochs"));
}

#[test]
fn the_readme_sample_is_what_verify_prints() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md")).unwrap();
    let sample = readme
        .split("```text\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("README has a text sample of `verify`");
    let o = Command::new(BIN)
        .args(["verify", FIXTURE])
        .output()
        .unwrap();
    assert!(o.status.success());
    assert_eq!(String::from_utf8_lossy(&o.stdout), sample);
}

#[test]
fn a_header_from_a_later_fork_exits_6_naming_its_field() {
    let mut v: Value = serde_json::from_str(MAINNET_BLOCK).unwrap();
    v["header"]["futureForkRoot"] = json!(format!("0x{}", "ab".repeat(32)));
    v["header"]["gasUsed"] = json!("0x1");
    let o = run_with_input(&["verify", "-"], v.to_string().as_bytes());
    assert_eq!(o.status.code(), Some(6));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.starts_with("not verified: unknown header fields"),
        "{err}"
    );
    assert!(
        err.contains("futureForkRoot") && err.contains("update tempo-light"),
        "{err}"
    );
    let o = run_with_input(&["verify", "--json", "-"], v.to_string().as_bytes());
    let out: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(out["code"], "UnsupportedHeader");
}

/// The refusal is the last line on stderr, reads `{prefix}…`, and carries no second prefix.
fn assert_refusal_with_one_prefix(o: &Output, code: i32, prefix: &str) {
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(code), "{err}");
    let last = err.lines().last().unwrap_or("");
    assert!(last.starts_with(prefix), "{err}");
    for other in [
        "error: ",
        "not verified: ",
        "malformed: ",
        "not as expected: ",
    ] {
        if other != prefix {
            assert!(!last.contains(other), "{err}");
        }
    }
    assert_eq!(last.matches(prefix).count(), 1, "{err}");
}

fn devnet_command(devnet: &Devnet, command: &str, trust: &[String], rest: &[String]) -> Output {
    let mut args: Vec<String> = vec![command.into(), "--rpc".into(), devnet.url()];
    args.extend(trust.iter().cloned());
    args.extend(rest.iter().cloned());
    support::run(&args, Duration::from_secs(60))
}

#[test]
fn a_balance_refusal_reads_with_one_prefix() {
    let devnet = Devnet::start(&[
        "--epoch-length",
        "5",
        "--block-time-ms",
        "40",
        "--fault",
        "forged-balance",
    ]);
    devnet.wait_for(3);
    let holder = format!("{:#x}", tempo_light_devnet::state::holder(0));
    let path_usd = "0x20c0000000000000000000000000000000000000";
    let trust = devnet.trust_args();
    let mainnet = ["--network".to_string(), "mainnet".to_string()];
    let token = |t: &str| vec!["--token".to_string(), t.to_string(), holder.clone()];
    // A forged proof.
    let o = devnet_command(&devnet, "balance", &trust, &token(path_usd));
    assert_refusal_with_one_prefix(&o, 1, "not verified: ");
    // A certificate the network given does not verify, refused while following.
    let o = devnet_command(&devnet, "balance", &mainnet, &token(path_usd));
    assert_refusal_with_one_prefix(&o, 1, "not verified: ");
    // Usage.
    let o = devnet_command(&devnet, "balance", &trust, &token(&holder));
    assert_refusal_with_one_prefix(&o, 3, "error: ");
}

#[test]
fn a_confirm_refusal_reads_with_one_prefix() {
    let devnet = Devnet::start(&[
        "--epoch-length",
        "6",
        "--block-time-ms",
        "40",
        "--fault",
        "forged-receipt@6",
    ]);
    devnet.wait_for(9);
    let trust = devnet.trust_args();
    let body = |h| tempo_light_devnet::payments::body(1337, h);
    let tx = |h: u64| format!("{:#x}", body(h).hashes()[0]);
    // A forged receipt: the block's receipts do not rebuild its root.
    let o = devnet_command(&devnet, "confirm", &trust, &[tx(6)]);
    assert_refusal_with_one_prefix(&o, 1, "not verified: ");
    // Proven, but not what the payer expected.
    let paid = &body(8).payments[0];
    assert!(paid.success);
    let expect = [
        tx(8),
        "--token".into(),
        format!("{:#x}", paid.token),
        "--amount".into(),
        "0.000001".into(),
    ];
    let o = devnet_command(&devnet, "confirm", &trust, &expect);
    assert_refusal_with_one_prefix(&o, 1, "not as expected: ");
    // A certificate the network given does not verify, refused while following.
    let mainnet = ["--network".to_string(), "mainnet".to_string()];
    let o = devnet_command(&devnet, "confirm", &mainnet, &[tx(8)]);
    assert_refusal_with_one_prefix(&o, 1, "not verified: ");
    // A proof document that is not JSON.
    let file = std::env::temp_dir().join(format!("tempo-light-prefix-{}.json", std::process::id()));
    std::fs::write(&file, "{").unwrap();
    let o = support::run(
        &["verify-payment".into(), file.display().to_string()],
        Duration::from_secs(20),
    );
    let _ = std::fs::remove_file(&file);
    assert_refusal_with_one_prefix(&o, 2, "malformed: ");
    // Usage.
    let o = devnet_command(&devnet, "confirm", &trust, &["0x12".into()]);
    assert_refusal_with_one_prefix(&o, 3, "error: ");
}
