//! The `tempo-light verify` command, run as a user runs it.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use tempo_light_testkit as common;

use common::{header_at, mainnet_certified_block, Signer, MAINNET_BLOCK, MAINNET_GENESIS};
use serde_json::{json, Value};
use std::process::Output;
use support::run_with_input;

fn run(args: &[&str], stdin: Option<&str>) -> Output {
    run_with_input(args, stdin.unwrap_or_default().as_bytes())
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn write_temp(name: &str, text: &str) -> String {
    let path = std::env::temp_dir().join(format!("tempo-light-cli-{}-{name}", std::process::id()));
    std::fs::write(&path, text).unwrap();
    path.to_string_lossy().into_owned()
}

#[test]
fn verifies_the_real_mainnet_block_from_a_file() {
    let path = write_temp("fixture.json", MAINNET_BLOCK);
    let o = run(&["verify", &path], None);
    assert!(o.status.success(), "{o:?}");
    let out = stdout(&o);
    assert!(
        out.contains("verified: mainnet block 32724390 is final"),
        "{out}"
    );
    assert!(out.contains("0x9f70ab73f5ba1aa16ff4df3a153aeb58e6f42f4298226e54fddde272f714d3d8"));
    assert!(out.contains("epoch        1515 (view 391, parent view 390)"));
    assert!(out.contains("2026-08-01T11:06:50.837Z"));
}

#[test]
fn verifies_a_json_rpc_response_from_stdin_as_json() {
    let response = json!({"jsonrpc": "2.0", "id": 1, "result": mainnet_certified_block()});
    let o = run(&["verify", "--json", "-"], Some(&response.to_string()));
    assert!(o.status.success(), "{o:?}");
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["verified"], true);
    assert_eq!(v["height"], 32_724_390);
    assert_eq!(v["epoch"], 1515);
    assert_eq!(v["network"], "mainnet");
    assert_eq!(
        v["stateRoot"],
        "0x3dba90bdf599638464f2c07b2578fe28bce29075fe1807ef5c61b7434730ca65"
    );
}

#[test]
fn refuses_a_block_of_another_network_with_exit_1() {
    let o = run(
        &["verify", "--network", "testnet", "--json", "-"],
        Some(MAINNET_BLOCK),
    );
    assert_eq!(o.status.code(), Some(1));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["verified"], false);
    assert_eq!(v["code"], "BadSignature");
}

#[test]
fn refuses_malformed_input_with_exit_2() {
    let mut v = mainnet_certified_block();
    v["certificate"] = json!("0x00");
    let o = run(&["verify", "-"], Some(&v.to_string()));
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.starts_with("malformed: certificate.view"), "{err}");
    let o = run(&["verify", "--json", "-"], Some("not json"));
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        serde_json::from_str::<Value>(&stdout(&o)).unwrap()["code"],
        "InvalidJson"
    );
}

#[test]
fn reports_usage_and_io_errors_with_exit_3() {
    assert_eq!(
        run(&["verify", "/nonexistent/file.json"], None)
            .status
            .code(),
        Some(3)
    );
    assert_eq!(
        run(
            &["verify", "--identity", "0x00", "--epoch-length", "20", "-"],
            Some("{}")
        )
        .status
        .code(),
        Some(3)
    );
    assert_eq!(run(&["frobnicate"], None).status.code(), Some(3));
}

#[test]
fn verifies_with_an_explicit_identity_and_reports_the_next_epoch_at_a_boundary() {
    // A boundary block (height 39 is the last of epoch 1 with 20-block epochs) carrying a
    // real DKG outcome in extraData, certified with a real key.
    let signer = Signer::new(42);
    let genesis: Value = serde_json::from_str(MAINNET_GENESIS).unwrap();
    let header = header_at(39, genesis["genesisExtraData"].as_str().unwrap());
    let block = signer.certified_block(&header, 1, 12);
    let identity = signer.identity_hex();
    let args = [
        "verify",
        "--identity",
        &identity,
        "--epoch-length",
        "20",
        "--json",
        "-",
    ];
    let o = run(&args, Some(&block.to_string()));
    assert!(o.status.success(), "{o:?}");
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["height"], 39);
    assert_eq!(v["nextEpoch"]["epoch"], 0);
    assert_eq!(
        v["nextEpoch"]["identity"],
        genesis["expected"]["networkIdentity"]
    );
    assert_eq!(v["nextEpoch"]["identityChanges"], true);
    assert_eq!(v["nextEpoch"]["isNextFullDkg"], false);
    assert_eq!(v["nextEpoch"]["players"].as_array().unwrap().len(), 4);

    let o = run(
        &[
            "verify",
            "--identity",
            &identity,
            "--epoch-length",
            "20",
            "-",
        ],
        Some(&block.to_string()),
    );
    let out = stdout(&o);
    assert!(out.contains("boundary of epoch 1"), "{out}");
    assert!(out.contains("reshare (the identity stays)"), "{out}");

    // The same identity refuses epochs before its --from-epoch.
    let args = [
        "verify",
        "--identity",
        &identity,
        "--epoch-length",
        "20",
        "--from-epoch",
        "2",
        "--json",
        "-",
    ];
    let o = run(&args, Some(&block.to_string()));
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        serde_json::from_str::<Value>(&stdout(&o)).unwrap()["code"],
        "IdentityUnavailable"
    );
}
