//! The fuzz targets' inputs, replayed in `cargo test`: every file under
//! `fuzz/regressions/<target>/` (an input a fuzzing campaign found, kept after its fix) and
//! `fuzz/corpus/<target>/` (the seed corpora), through the same check functions the libFuzzer
//! binaries run (`fuzz/src/checks/`, included here as a module).
//!
//! `cargo test --test fuzz_regressions -- --ignored write_seed_corpora` rewrites the seed
//! corpora from the real mainnet fixtures and the fuzzing devnets.
#![cfg(not(target_arch = "wasm32"))]

#[path = "../fuzz/src/checks/mod.rs"]
mod checks;

use std::path::{Path, PathBuf};

use alloy_primitives::hex;
use serde_json::{json, Value};
use tempo_light::{
    payment::receipt::BlockReceipt,
    payment::{confirm_payment, FinalAnchor, PaymentProof, ProofForm},
    LightClient, Network,
};

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz")
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    out.sort();
    out
}

#[test]
fn fuzz_inputs_replay_without_a_finding() {
    let (mut regressions, mut seeds) = (0usize, 0usize);
    for (name, check) in checks::TARGETS {
        let found = files(&fuzz_dir().join("regressions").join(name));
        let corpus = files(&fuzz_dir().join("corpus").join(name));
        assert!(
            !corpus.is_empty(),
            "fuzz target {name} has no seed corpus in fuzz/corpus/{name}"
        );
        for path in found.iter().chain(&corpus) {
            let bytes = std::fs::read(path).unwrap();
            // A finding panics here, naming the check that failed; the path says which input.
            eprintln!("replaying {}", path.display());
            check(&bytes);
        }
        regressions += found.len();
        seeds += corpus.len();
    }
    println!(
        "fuzz inputs: replayed {regressions} regression inputs and {seeds} seed inputs over {} targets, no finding",
        checks::TARGETS.len()
    );
}

/// The real mainnet certified block in every shape `CertifiedBlock::from_json` accepts.
fn mainnet_shapes() -> Vec<(&'static str, Value)> {
    let block = tempo_light_testkit::mainnet_certified_block();
    let mut event = block.clone();
    event["type"] = json!("finalized");
    event["seen"] = json!(1_785_582_410_900u64);
    let f = tempo_light_testkit::fixture();
    vec![
        ("fixture-file", f.clone()),
        ("certified-block", block.clone()),
        (
            "rpc-response",
            json!({"jsonrpc": "2.0", "id": 1, "result": block}),
        ),
        ("event", event.clone()),
        (
            "get-latest",
            json!({"jsonrpc": "2.0", "id": 7, "result": {"finalized": block, "notarized": null}}),
        ),
        (
            "notification",
            json!({"jsonrpc": "2.0", "method": "consensus_event", "params": {"subscription": "0x1", "result": event}}),
        ),
        (
            "header-certificate",
            json!({"header": f["header"], "certificate": f["finalization"]["certificate"]}),
        ),
        (
            "rpc-error",
            json!({"jsonrpc": "2.0", "id": 1, "error": {"code": 204, "message": "not ready"}}),
        ),
    ]
}

/// A devnet client driven honestly (answering its own requests, the latest finalization
/// being the block at `tip`) for `steps` steps.

#[test]
#[ignore = "a tool: rewrites fuzz/corpus from the fixtures and the devnets"]
fn write_seed_corpora() {
    let d = checks::devnet();
    let faulty = checks::faulty_devnet();
    let mut out: Vec<(&str, String, Vec<u8>)> = Vec::new();
    let f = tempo_light_testkit::fixture();
    let mainnet_cert = hex::decode(f["finalization"]["certificate"].as_str().unwrap()).unwrap();
    let cert = |h: u64| d.block(h).certificate.as_ref().unwrap().encode();
    let twin = d
        .chain
        .equivocation(checks::EQUIVOCATION_AT)
        .unwrap()
        .certificate
        .as_ref()
        .unwrap()
        .encode();

    out.push(("certificate", "mainnet".into(), mainnet_cert.clone()));
    out.push(("certificate", "devnet-1".into(), cert(1)));
    out.push(("certificate", "devnet-boundary-9".into(), cert(9)));
    out.push(("certificate", "devnet-twin".into(), twin));
    for (which, name, bytes) in [
        (0u8, "mainnet", mainnet_cert.clone()),
        (1, "mainnet-under-testnet", mainnet_cert.clone()),
        (3, "devnet-1", cert(1)),
        (3, "devnet-boundary-9", cert(9)),
    ] {
        let mut input = vec![which];
        input.extend_from_slice(&bytes);
        out.push(("certificate_differential", name.into(), input));
    }

    let genesis: Value = serde_json::from_str(tempo_light_testkit::MAINNET_GENESIS).unwrap();
    let genesis = hex::decode(genesis["genesisExtraData"].as_str().unwrap()).unwrap();
    for target in ["dkg_outcome", "dkg_outcome_differential"] {
        out.push((target, "mainnet-genesis".into(), genesis.clone()));
        out.push((
            target,
            "devnet-genesis".into(),
            d.chain.block(0).unwrap().header.extra_data().to_vec(),
        ));
        out.push((
            target,
            "devnet-boundary-9".into(),
            d.block(9).header.extra_data().to_vec(),
        ));
        out.push((
            target,
            "faulty-devnet-boundary-34".into(),
            faulty.block(34).header.extra_data().to_vec(),
        ));
    }

    let header_json = |v: &Value| serde_json::to_vec_pretty(v).unwrap();
    out.push(("header_json", "mainnet".into(), header_json(&f["header"])));
    for h in [1u64, 9] {
        let v = serde_json::to_value(&d.block(h).header).unwrap();
        out.push(("header_json", format!("devnet-{h}"), header_json(&v)));
    }
    let mut rpc_header = serde_json::to_value(&d.block(2).header).unwrap();
    rpc_header["hash"] = json!(format!("{:#x}", d.block(2).hash));
    out.push((
        "header_json",
        "devnet-with-hash".into(),
        header_json(&rpc_header),
    ));

    for (name, value) in mainnet_shapes() {
        out.push((
            "certified_block",
            format!("mainnet-{name}"),
            header_json(&value),
        ));
    }
    for h in [3u64, 9, checks::DEVNET_BLOCKS] {
        out.push((
            "certified_block",
            format!("devnet-{h}"),
            header_json(&checks::certified_json(d.block(h))),
        ));
    }

    out.push((
        "saved_state",
        "mainnet-fresh".into(),
        LightClient::new(Network::mainnet()).to_json().into_bytes(),
    ));
    out.push((
        "saved_state",
        "testnet-fresh".into(),
        LightClient::new(Network::testnet()).to_json().into_bytes(),
    ));
    let synced = checks::followed(d, checks::DEVNET_BLOCKS, 40, false);
    out.push((
        "saved_state",
        "devnet-synced".into(),
        synced.to_json().into_bytes(),
    ));
    out.push((
        "saved_state",
        "faulty-devnet-stuck".into(),
        checks::followed(faulty, checks::DEVNET_BLOCKS, 40, false)
            .to_json()
            .into_bytes(),
    ));
    let mut frozen = checks::followed(d, checks::EQUIVOCATION_AT, 40, true);
    assert_eq!(frozen.head().unwrap().height, checks::EQUIVOCATION_AT);
    let twin = d.chain.equivocation(checks::EQUIVOCATION_AT).unwrap();
    let _ = frozen.on_finalization(twin.certified().unwrap());
    assert!(frozen.is_frozen());
    out.push((
        "saved_state",
        "devnet-frozen".into(),
        frozen.to_json().into_bytes(),
    ));

    let world = tempo_light_devnet::state::World::at(checks::PROOF_HEIGHT);
    for (i, (token, account)) in checks::proof_subjects().into_iter().enumerate() {
        let proof = world.proof(
            token,
            &tempo_light::state::tip20::balance_query_slots(account),
        );
        let value = proof.to_json();
        out.push(("account_proof", format!("subject-{i}"), header_json(&value)));
        if i == 0 {
            let envelope = json!({"jsonrpc": "2.0", "id": 3, "result": value});
            out.push((
                "account_proof",
                "subject-0-rpc".into(),
                header_json(&envelope),
            ));
        }
    }

    let honest: Vec<u8> = [0u8].into_iter().chain([2u8; 40]).collect();
    out.push(("light_client", "honest-follow".into(), honest));
    let mut faulty_follow = vec![1u8];
    faulty_follow.extend([2u8; 40]);
    out.push(("light_client", "faulty-follow".into(), faulty_follow));
    let mut every = vec![0u8, 6, 1];
    every.extend([2u8; 30]);
    every.extend([4, 5, 7, 2, 2, 0, 55, 3, 30, 5, 1, 1, 40, 0, 9, 0x80, 2]);
    out.push((
        "light_client",
        "every-header-reload-replay-twin".into(),
        every,
    ));
    let mixed = vec![
        0u8, 0, 9, 0, 14, 1, 19, 4, 0, 1, 24, 33, 1, 7, 1, 9, 2, 0, 0, 44, 4, 2, 2, 2, 5, 7,
    ];
    out.push(("light_client", "mixed".into(), mixed));
    let mut equivocation = vec![0u8, 0, u8::try_from(checks::EQUIVOCATION_AT - 1).unwrap()];
    equivocation.extend([2u8; 15]);
    equivocation.extend([7, 4, 0, 10, 2, 2]);
    out.push(("light_client", "equivocation".into(), equivocation));
    // Catching up in runs of boundaries (op 8), after the tip and the walk back to epoch 0
    // (thirteen honest answers): a run of four, honest; runs spoilt by a certificate byte
    // changed (first, then fourth, across identities), by the other devnet's block, and by
    // reversing; then honest runs to the tip.
    let mut runs = vec![0u8];
    runs.extend([2u8; 13]);
    runs.extend([
        8, 3, 0, 8, 2, 1, 10, 0x20, 8, 5, 2, 8, 5, 3, 8, 11, 13, 40, 0x01,
    ]);
    runs.extend([8, 11, 0, 8, 11, 0]);
    runs.extend([2u8; 5]);
    out.push(("light_client", "boundary-runs".into(), runs));

    // Payments: blocks of the honest devnet with 2 to 4 transactions (a failed one, memos).
    let payment_doc = |h: u64, i: usize, tip: u64| {
        let body = d.chain.body(h).unwrap();
        let receipts: Vec<Value> = body
            .raw_receipts()
            .iter()
            .zip(body.hashes())
            .map(|(raw, hash)| {
                let mut v = BlockReceipt::decode_2718(raw).unwrap().to_value();
                v["transactionHash"] = json!(hash);
                v
            })
            .collect();
        let links: Vec<Value> = (h..tip)
            .map(|k| serde_json::to_value(&d.block(k).header).unwrap())
            .collect();
        json!({
            "tip": tip,
            "hash": body.hashes()[i],
            "transactions": body.raw_transactions(),
            "receipts": receipts,
            "links": links,
            "expect": 15,
        })
    };
    let mut proofs = Vec::new();
    for (h, i, tip) in [(3u64, 2usize, 3u64), (6, 1, 6), (7, 3, 9), (18, 0, 18)] {
        let doc = payment_doc(h, i, tip);
        out.push((
            "payment_block",
            format!("devnet-{h}-{i}-tip-{tip}"),
            header_json(&doc),
        ));
        let body = d.chain.body(h).unwrap();
        let receipts: Vec<_> = body
            .raw_receipts()
            .iter()
            .map(|r| BlockReceipt::decode_2718(r).unwrap())
            .collect();
        let links: Vec<_> = (h..tip).map(|k| d.block(k).header.clone()).collect();
        let verified = checks::verified_devnet_block(tip).unwrap();
        let certified = d.certified(tip);
        let anchor = FinalAnchor {
            verified: &verified,
            certificate: &certified.certificate,
            links: &links,
        };
        let raw = body.raw_transactions();
        let payment = confirm_payment(&anchor, body.hashes()[i], &raw, &receipts).unwrap();
        for form in [ProofForm::FullBlock, ProofForm::TrieProofs] {
            let proof = payment.proof(form);
            out.push((
                "payment_proof",
                format!("devnet-{h}-{i}-tip-{tip}-{form:?}"),
                header_json(&proof.to_value()),
            ));
            proofs.push(proof);
        }
    }

    // What the wasm exports read: the export's index, then its argument as JSON.
    let export = |name: &str, value: &Value| {
        let index = checks::WASM_EXPORTS
            .iter()
            .position(|e| *e == name)
            .unwrap();
        let mut input = vec![u8::try_from(index).unwrap()];
        input.extend(serde_json::to_vec(value).unwrap());
        input
    };
    let synced = checks::synced_client(false);
    let state: Value = serde_json::from_str(&synced.to_json()).unwrap();
    out.push((
        "wasm_inputs",
        "fromState".into(),
        export("fromState", &state),
    ));
    out.push((
        "wasm_inputs",
        "verifyCertifiedBlock".into(),
        export("verifyCertifiedBlock", &mainnet_shapes()[0].1),
    ));
    let after = checks::SYNCED_AT + 1;
    out.push((
        "wasm_inputs",
        "verifyBatch".into(),
        export(
            "TempoLightClient.verifyBatch",
            &json!([
                checks::certified_json(d.block(after)),
                checks::certified_json(d.block(9))
            ]),
        ),
    ));
    out.push((
        "wasm_inputs",
        "onFinalization".into(),
        export(
            "TempoLightClient.onFinalization",
            &checks::certified_json(d.block(after + 1)),
        ),
    ));
    let headers: Vec<Value> = (after..checks::AWAITING_HEADERS_OF)
        .map(|h| serde_json::to_value(&d.block(h).header).unwrap())
        .collect();
    out.push((
        "wasm_inputs",
        "onHeaders".into(),
        export("TempoLightClient.onHeaders", &json!(headers)),
    ));
    let world = tempo_light_devnet::state::World::at(checks::PROOF_HEIGHT);
    let (token, account) = checks::proof_subjects()[0];
    let proof = world
        .proof(
            token,
            &tempo_light::state::tip20::balance_query_slots(account),
        )
        .to_json();
    out.push((
        "wasm_inputs",
        "verifyBalance".into(),
        export(
            "verifyBalance",
            &json!([{"token": token, "account": account}, proof.clone()]),
        ),
    ));
    out.push((
        "wasm_inputs",
        "verifyProof".into(),
        export("verifyProof", &json!([{"stateRoot": world.root()}, proof])),
    ));
    let doc = payment_doc(6, 1, 6);
    out.push((
        "wasm_inputs",
        "confirmPayment".into(),
        export(
            "TempoLightClient.confirmPayment",
            &json!({
                "txHash": doc["hash"],
                "block": checks::certified_json(d.block(6)),
                "transactions": doc["transactions"],
                "receipts": doc["receipts"],
            }),
        ),
    ));
    out.push((
        "wasm_inputs",
        "verifyPaymentProof".into(),
        export("verifyPaymentProof", &proofs[1].to_value()),
    ));

    for (target, name, bytes) in out {
        let dir = fuzz_dir().join("corpus").join(target);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(name), bytes).unwrap();
    }
}

/// The payment seeds are real payments, so the fuzzer starts from inputs that reach the end of
/// every rule (a seed refused early would leave the deep rules unexercised).
#[test]
fn payment_seeds_are_proven_payments() {
    let d = checks::devnet();
    let mut proven = 0;
    for path in files(&fuzz_dir().join("corpus").join("payment_proof")) {
        let proof = PaymentProof::from_json(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let epoch = proof.headers.last().unwrap().number() / checks::DEVNET_EPOCH_LENGTH;
        let identity = d.chain.identity(epoch).unwrap();
        proof
            .verify(&identity, checks::DEVNET_EPOCH_LENGTH)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        proven += 1;
    }
    for path in files(&fuzz_dir().join("corpus").join("payment_block")) {
        let doc: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        let raw = tempo_light::payment::receipt::raw_transactions_from_value(&doc["transactions"])
            .unwrap();
        let receipts =
            tempo_light::payment::receipt::block_receipts_from_value(&doc["receipts"]).unwrap();
        let links: Vec<_> = doc["links"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| tempo_light::TempoHeader::from_value(h.clone()).unwrap())
            .collect();
        let verified = checks::verified_devnet_block(doc["tip"].as_u64().unwrap()).unwrap();
        let certified = d.certified(verified.height);
        let anchor = FinalAnchor {
            verified: &verified,
            certificate: &certified.certificate,
            links: &links,
        };
        let hash = doc["hash"].as_str().unwrap().parse().unwrap();
        confirm_payment(&anchor, hash, &raw, &receipts)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        proven += 1;
    }
    assert!(proven >= 12, "{proven} payment seeds");
    println!("payment seeds: {proven} proven payments");
}
