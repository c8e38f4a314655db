//! Native benchmarks, side by side with the reference crates (commonware 2026.7.1) on the same
//! inputs in the same process: `cargo bench --bench native`. Prints medians, spread and ratios.

use commonware_codec::DecodeExt;
use commonware_consensus::simplex::{scheme::bls12381_threshold::vrf::Scheme, types::Finalization};
use commonware_cryptography::{
    bls12381::primitives::variant::MinSig, certificate::Verifier, ed25519, sha256,
};
use commonware_parallel::Sequential;
use std::{hint::black_box, time::Instant};
use tempo_light::bls::Signature;
use tempo_light::wire::certificate::{FINALIZE_NAMESPACE, SEED_NAMESPACE};
use tempo_light::{
    wire::certificate::{verify_batch, Certificate},
    CertifiedBlock, PublicKey, TempoHeader,
};
use tempo_light_devnet::{Chain, DevnetConfig};

type RefFinalization = Finalization<Scheme<ed25519::PublicKey, MinSig>, sha256::Digest>;

/// Median, 10th and 90th percentile of per-iteration times in µs.
fn stats(mut times: Vec<f64>) -> (f64, f64, f64) {
    times.sort_by(|a, b| a.partial_cmp(b).unwrap());
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    (at(0.5), at(0.1), at(0.9))
}

/// One sample: `iters` runs of `f`, in µs per run.
fn sample(iters: usize, f: &mut impl FnMut()) -> f64 {
    let start = Instant::now();
    for _ in 0..iters {
        f();
    }
    start.elapsed().as_secs_f64() * 1e6 / iters as f64
}

/// Runs `f` `iters` times per sample, `samples` times; returns per-iteration (median, p10, p90) in µs.
fn measure(samples: usize, iters: usize, mut f: impl FnMut()) -> (f64, f64, f64) {
    for _ in 0..iters.min(3) {
        f();
    }
    stats((0..samples).map(|_| sample(iters, &mut f)).collect())
}

/// Measures tempo-light (`ours`) and the reference (`theirs`) in alternating samples, each
/// first in every other one, so that the machine's drift during the run falls on both
/// sides of a ratio alike.
fn measure_pair(
    samples: usize,
    iters: usize,
    mut ours: impl FnMut(),
    mut theirs: impl FnMut(),
) -> ((f64, f64, f64), (f64, f64, f64)) {
    for _ in 0..iters.min(3) {
        ours();
        theirs();
    }
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for i in 0..samples {
        if i % 2 == 0 {
            a.push(sample(iters, &mut ours));
            b.push(sample(iters, &mut theirs));
        } else {
            b.push(sample(iters, &mut theirs));
            a.push(sample(iters, &mut ours));
        }
    }
    (stats(a), stats(b))
}

fn row(name: &str, (median, p10, p90): (f64, f64, f64), unit_div: f64, note: &str) -> f64 {
    let m = median / unit_div;
    println!(
        "{name:<44} {m:>10.2} µs   (p10 {:>8.2}, p90 {:>8.2})  {note}",
        p10 / unit_div,
        p90 / unit_div
    );
    m
}

/// The epochs the catch-up row bridges (mainnet is at about epoch 1,700).
const CATCH_UP_EPOCHS: u64 = 1_700;

/// Boundaries a catch-up driver hands over at once (`LightClient::on_boundaries`).
const BOUNDARY_RUN: usize = 64;

/// The catch-up row; returns its median in µs, and for runs also the median of the floor
/// row. `TEMPO_BENCH=catch-up` runs it alone (and then also times the thread's CPU,
/// `cpu_time`). `run` boundaries are handed to the client at once (0: one by one, as
/// `on_finalization` answers).
fn catch_up(cpu_time: bool, run_of: usize) -> (f64, Option<f64>) {
    // Catch-up: a fresh client anchored at the genesis identity reaches a tip 1,700 epochs
    // later (mainnet is at about epoch 1,700) through its real path: the tip does not verify
    // under the anchor (the key rotated), walking back finds no boundary it signs, so it
    // bridges forward, every boundary verified under the identity learnt from the one before
    // and its DKG outcome decoded and checked for rotations. Short epochs: the work is per
    // boundary. Blocks are parsed beforehand (transfer and JSON excluded).
    let mut long_chain = Chain::new(DevnetConfig {
        epoch_length: 2,
        full_dkg_every: 10,
        retain: 8,
        ..Default::default()
    });
    for _ in 0..(CATCH_UP_EPOCHS * 2 + 1) {
        long_chain.produce();
    }
    let served: std::collections::HashMap<u64, CertifiedBlock> = (1..=CATCH_UP_EPOCHS * 2 + 1)
        .filter_map(|h| Some((h, long_chain.block(h)?.certified()?)))
        .collect();
    let tip_height = long_chain.tip().height();
    // The boundary blocks a client bridges through, for the floor and the parts below.
    let boundaries: Vec<&CertifiedBlock> = (0..CATCH_UP_EPOCHS)
        .filter_map(|e| served.get(&tempo_light::finality::epoch::boundary_of(2, e)?))
        .collect();
    let run = || {
        let network = tempo_light::Network::custom(0, 2, long_chain.genesis_identity(), 0).unwrap();
        let mut client = tempo_light::client::LightClient::new(network);
        while let Some(request) = client.next_request() {
            let wanted = client.boundaries_wanted(run_of);
            if run_of > 0 && !wanted.is_empty() {
                let run = wanted.iter().map(|h| served[h].clone()).collect();
                client.on_boundaries(black_box(run)).unwrap();
                continue;
            }
            let height = match request {
                tempo_light::client::Request::LatestFinalization if client.head().is_some() => {
                    break
                }
                tempo_light::client::Request::LatestFinalization => tip_height,
                tempo_light::client::Request::Finalization { height } => height,
                tempo_light::client::Request::Headers { .. } => unreachable!("not asked"),
            };
            client
                .on_finalization(black_box(served[&height].clone()))
                .unwrap();
        }
        assert_eq!(client.head().unwrap().height, tip_height);
    };
    let how = if run_of == 0 {
        "one by one".to_string()
    } else {
        format!("in runs of {run_of}")
    };
    let median = row(
        &format!("catch-up: {CATCH_UP_EPOCHS} boundaries, {how}"),
        measure(3, 1, run),
        1.0,
        "",
    );
    // The floor: the checks of each point the boundaries bring, which the reference makes
    // too with the same blst routines and no batch can share (each signature decompressed
    // and checked in G1, each message hashed to G1, each outcome coefficient not carried
    // over from the previous outcome decompressed and checked in G2).
    let floor = (run_of > 0).then(|| {
        let outcomes: Vec<tempo_light::DkgOutcome> = boundaries
            .iter()
            .map(|b| tempo_light::DkgOutcome::decode(b.header.extra_data()).unwrap())
            .collect();
        let fresh: Vec<[u8; 96]> = outcomes
            .iter()
            .enumerate()
            .flat_map(|(i, outcome)| {
                let before = i.checked_sub(1).map(|p| outcomes[p].sharing.coefficients());
                outcome
                    .sharing
                    .coefficients()
                    .iter()
                    .enumerate()
                    .filter(move |(k, c)| before.and_then(|b| b.get(*k)) != Some(*c))
                    .map(|(_, c)| c.to_bytes())
            })
            .collect();
        let messages: Vec<Vec<u8>> = boundaries
            .iter()
            .flat_map(|b| {
                [
                    (FINALIZE_NAMESPACE, b.certificate.proposal_bytes()),
                    (SEED_NAMESPACE, b.certificate.round_bytes()),
                ]
            })
            .map(|(namespace, message)| {
                let mut input = vec![u8::try_from(namespace.len()).unwrap()];
                input.extend_from_slice(namespace);
                input.extend_from_slice(&message);
                input
            })
            .collect();
        let signatures = || {
            for b in &boundaries {
                black_box(Signature::from_bytes(&b.certificate.vote_signature).unwrap());
                black_box(Signature::from_bytes(&b.certificate.seed_signature).unwrap());
            }
        };
        let hashes = || {
            for input in &messages {
                let mut out = blst::blst_p1::default();
                // SAFETY: live slices of the stated lengths; aug is empty.
                unsafe {
                    blst::blst_hash_to_g1(
                        &mut out,
                        input.as_ptr(),
                        input.len(),
                        tempo_light::bls::DST_G1.as_ptr(),
                        tempo_light::bls::DST_G1.len(),
                        std::ptr::null(),
                        0,
                    )
                };
                black_box(out);
            }
        };
        let coefficients = || {
            for c in &fresh {
                black_box(PublicKey::from_bytes(c).unwrap());
            }
        };
        let floor = row(
            "catch-up floor: the per-point checks alone",
            measure(3, 1, || {
                signatures();
                hashes();
                coefficients();
            }),
            1.0,
            &format!(
                "({} signatures, {} hashes to G1, {} fresh G2 coefficients)",
                2 * boundaries.len(),
                messages.len(),
                fresh.len()
            ),
        );
        // Each part apart, per point: blst's decompression and subgroup check (G1, G2) and
        // hash to G1, the routines the reference runs on the same points.
        let per_point = |name: &str, n: usize, f: &dyn Fn()| {
            row(name, measure(3, 1, f), n as f64, "per point");
        };
        per_point(
            "  of it: signature decode + G1 check",
            2 * boundaries.len(),
            &signatures,
        );
        per_point("  of it: hash to G1", messages.len(), &hashes);
        per_point(
            "  of it: coefficient decode + G2 check",
            fresh.len(),
            &coefficients,
        );
        floor
    });
    // CPU time of the thread (not wall time, which a loaded machine inflates), Linux only.
    let cpu_ns = || -> Option<u64> {
        let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
        text.split_whitespace().next()?.parse().ok()
    };
    if let (true, Some(before)) = (cpu_time, cpu_ns()) {
        let mut cpu = Vec::new();
        for _ in 0..3 {
            let start = cpu_ns().unwrap_or(before);
            run();
            cpu.push(cpu_ns().unwrap_or(start).saturating_sub(start) as f64 / 1e3);
        }
        row(
            &format!("catch-up: thread CPU time, {how}"),
            stats(cpu),
            1.0,
            "(3 runs)",
        );
        if run_of > 0 {
            return (median, floor);
        }
        // Where it goes: the parts of one boundary step, each summed over the boundaries.
        let part = |name: &str, f: &mut dyn FnMut(&CertifiedBlock)| {
            let start = cpu_ns().unwrap_or(0);
            for block in &boundaries {
                f(black_box(block));
            }
            let spent = cpu_ns().unwrap_or(start).saturating_sub(start) as f64 / 1e3;
            println!(
                "  of which, over {} boundaries: {name:<36} {spent:>10.0} µs",
                boundaries.len()
            );
        };
        let mut identities = std::collections::HashMap::new();
        part("DKG outcome decode", &mut |b| {
            let outcome = tempo_light::DkgOutcome::decode(b.header.extra_data()).unwrap();
            identities.insert(outcome.epoch, outcome.identity().clone());
        });
        part("header hash", &mut |b| {
            black_box(b.header.hash());
        });
        part("block clone", &mut |b| {
            black_box(b.clone());
        });
        part("certificate verify (one by one)", &mut |b| {
            let identity = &identities[&b.certificate.epoch.max(1)];
            black_box(b.certificate.verify(identity).is_ok());
        });
        part("verify_block (hash, verify, decode)", &mut |b| {
            let identity = &identities[&b.certificate.epoch.max(1)];
            black_box(tempo_light::verify_block(identity, 2, b).is_ok());
        });
    }
    (median, floor)
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --all-targets` runs this binary without it.
    if !std::env::args().any(|a| a == "--bench") {
        println!("native benchmarks: skipped (run `cargo bench --bench native`)");
        return;
    }
    if std::env::var("TEMPO_BENCH").as_deref() == Ok("catch-up") {
        // `TEMPO_BENCH_RUNS_ONLY=1`: only the runs (for a profiler).
        let runs_only = std::env::var_os("TEMPO_BENCH_RUNS_ONLY").is_some();
        for run_of in [0, BOUNDARY_RUN] {
            if runs_only && run_of == 0 {
                continue;
            }
            let (catch_up, _) = catch_up(true, run_of);
            println!(
                "  catch-up over {CATCH_UP_EPOCHS} epochs: {:.3} s",
                catch_up / 1e6
            );
        }
        return;
    }
    let fixture: serde_json::Value = serde_json::from_str(include_str!(
        "../tests/fixtures/mainnet-block-32724390.json"
    ))
    .unwrap();
    let certificate_hex = fixture["finalization"]["certificate"].as_str().unwrap();
    let certificate_bytes = alloy_primitives::hex::decode(certificate_hex).unwrap();
    let block = CertifiedBlock::from_value(fixture.clone()).unwrap();
    let identity =
        PublicKey::from_bytes(&tempo_light::finality::network::MAINNET_IDENTITY).unwrap();
    let ref_identity = <MinSig as commonware_cryptography::bls12381::primitives::variant::Variant>::Public::decode(
        tempo_light::finality::network::MAINNET_IDENTITY.as_slice(),
    )
    .unwrap();
    let ref_scheme =
        Scheme::<ed25519::PublicKey, MinSig>::certificate_verifier(b"TEMPO", ref_identity);

    println!("tempo-light native benchmarks (real mainnet certificate; medians, with tempo-light and the reference in alternating samples)\n");
    let ours_decode = row(
        "decode certificate (tempo-light)",
        measure(30, 2000, || {
            black_box(Certificate::decode(black_box(&certificate_bytes)).unwrap());
        }),
        1.0,
        "",
    );
    let ref_decode = row(
        "decode certificate (reference)",
        measure(30, 2000, || {
            black_box(RefFinalization::decode(black_box(certificate_bytes.as_slice())).unwrap());
        }),
        1.0,
        "",
    );
    row(
        "header hash (keccak of Tempo RLP)",
        measure(30, 2000, || {
            black_box(black_box(&block.header).hash());
        }),
        1.0,
        "",
    );

    let mut rng = rand::rng();
    let (ours_one, ref_one) = measure_pair(
        40,
        20,
        || {
            let c = Certificate::decode(black_box(&certificate_bytes)).unwrap();
            c.verify(&identity).unwrap();
        },
        || {
            let f = RefFinalization::decode(black_box(certificate_bytes.as_slice())).unwrap();
            assert!(f.verify(&mut rng, &ref_scheme, &Sequential));
        },
    );
    let ours_one = row(
        "decode + verify one certificate (tempo-light)",
        ours_one,
        1.0,
        "",
    );
    let ref_one = row(
        "decode + verify one certificate (reference)",
        ref_one,
        1.0,
        "",
    );

    // Batches: certificates of one identity from the devnet generator.
    let mut chain = Chain::new(DevnetConfig {
        epoch_length: 1_000_000,
        full_dkg_every: 0,
        ..Default::default()
    });
    let certificates: Vec<Certificate> = (0..1000)
        .map(|_| chain.produce().certificate.clone().unwrap())
        .collect();
    let devnet_identity = chain.genesis_identity();
    // The first 100 as an RPC serves them, for the wasm batch benchmark (scripts/bench-wasm.mjs).
    let blocks: Vec<serde_json::Value> = (1..=100)
        .map(|h| {
            let block = chain.block(h).unwrap();
            serde_json::json!({
                "certificate": format!("0x{}", alloy_primitives::hex::encode(block.certificate.as_ref().unwrap().encode())),
                "block": {"header": serde_json::to_value(&block.header).unwrap()},
            })
        })
        .collect();
    let _ = std::fs::write(
        concat!(env!("CARGO_MANIFEST_DIR"), "/target/bench-batch.json"),
        serde_json::json!({
            "identity": format!("0x{}", alloy_primitives::hex::encode(devnet_identity.to_bytes())),
            "epochLength": 1_000_000,
            "blocks": blocks,
        })
        .to_string(),
    );
    let ref_devnet_identity = <MinSig as commonware_cryptography::bls12381::primitives::variant::Variant>::Public::decode(
        devnet_identity.to_bytes().as_slice(),
    )
    .unwrap();
    let ref_devnet =
        Scheme::<ed25519::PublicKey, MinSig>::certificate_verifier(b"TEMPO", ref_devnet_identity);
    let mut batch_rows = Vec::new();
    for n in [10usize, 100, 1000] {
        let set = &certificates[..n];
        let samples = if n == 1000 { 7 } else { 15 };
        let encoded_ours: Vec<Vec<u8>> = set.iter().map(|c| c.encode()).collect();
        // Both sides start from bytes: the reference decodes its signatures lazily and caches
        // them, so it decodes afresh in each sample, as tempo-light does.
        let encoded: Vec<Vec<u8>> = set.iter().map(|c| c.encode()).collect();
        let (ours, theirs) = measure_pair(
            samples,
            1,
            || {
                let decoded: Vec<Certificate> = encoded_ours
                    .iter()
                    .map(|b| Certificate::decode(b).unwrap())
                    .collect();
                verify_batch(&devnet_identity, black_box(&decoded)).unwrap();
            },
            || {
                let decoded: Vec<RefFinalization> = encoded
                    .iter()
                    .map(|b| RefFinalization::decode(b.as_slice()).unwrap())
                    .collect();
                assert!(ref_devnet
                    .verify_certificates::<_, sha256::Digest, _, commonware_utils::N3f1>(
                        &mut rng,
                        decoded.iter().map(|f| (
                            commonware_consensus::simplex::types::Subject::Finalize {
                                proposal: &f.proposal
                            },
                            &f.certificate
                        )),
                        &Sequential,
                    ));
            },
        );
        let ours = row(
            &format!("verify batch of {n}, per certificate (tempo-light)"),
            ours,
            n as f64,
            "",
        );
        let theirs = row(
            &format!("verify batch of {n}, per certificate (reference)"),
            theirs,
            n as f64,
            "",
        );
        batch_rows.push((n, ours, theirs));
    }

    // One epoch of headers authenticated by parent hashes.
    let mut chain = Chain::new(DevnetConfig {
        epoch_length: 1_000_000,
        full_dkg_every: 0,
        retain: 30_000,
        ..Default::default()
    });
    // One more than an epoch: the wasm benchmark starts from a head at 1, is told of the
    // finalization of 21601, and authenticates the 21600 headers up to it (2..=21601).
    for _ in 0..21_601 {
        chain.produce();
    }
    let certified = |h: u64| {
        let block = chain.block(h).unwrap();
        serde_json::json!({
            "certificate": format!("0x{}", alloy_primitives::hex::encode(block.certificate.as_ref().unwrap().encode())),
            "block": {"header": serde_json::to_value(&block.header).unwrap()},
        })
    };
    let run_json: Vec<serde_json::Value> = (2..=21_601)
        .map(|h| serde_json::to_value(&chain.block(h).unwrap().header).unwrap())
        .collect();
    let _ = std::fs::write(
        concat!(env!("CARGO_MANIFEST_DIR"), "/target/bench-headers.json"),
        serde_json::json!({
            "identity": format!("0x{}", alloy_primitives::hex::encode(chain.genesis_identity().to_bytes())),
            "epochLength": 1_000_000,
            "head": certified(1),
            "tip": certified(21_601),
            "headers": run_json,
        })
        .to_string(),
    );
    // The headers already parsed: what the client does with them (hash, parent links,
    // the run ending at the certified tip), without reading JSON.
    let parsed: Vec<TempoHeader> = (2..=21_601)
        .map(|h| chain.block(h).unwrap().header.clone())
        .collect();
    let (head_block, tip_block) = (
        tempo_light::CertifiedBlock::from_value(certified(1)).unwrap(),
        tempo_light::CertifiedBlock::from_value(certified(21_601)).unwrap(),
    );
    let run = row(
        "authenticate 21600 headers (one epoch)",
        measure(5, 1, || {
            let network =
                tempo_light::Network::custom(0, 1_000_000, chain.genesis_identity(), 0).unwrap();
            let mut client = tempo_light::client::LightClient::new(network);
            client.set_every_header(true);
            client.on_finalization(head_block.clone()).unwrap();
            client.on_finalization(tip_block.clone()).unwrap();
            while let Some(tempo_light::client::Request::Headers { from, to }) =
                client.next_request()
            {
                let index = |h: u64| usize::try_from(h - 2).unwrap();
                let chunk = parsed[index(from)..=index(to)].to_vec();
                client.on_headers(black_box(chunk)).unwrap();
            }
        }),
        1.0,
        "(parsed headers, through the client)",
    );
    let per_second = 21_600.0 / (run / 1e6);

    // The same run through the light client, as the wasm benchmark does it: from the JSON
    // objects an RPC returns, each header read (proposer key checked), hashed and linked, in
    // the chunks the client asks for.
    let (head_json, tip_json) = (certified(1), certified(21_601));
    let client_run = row(
        "authenticate 21600 headers via the client",
        measure(5, 1, || {
            let network =
                tempo_light::Network::custom(0, 1_000_000, chain.genesis_identity(), 0).unwrap();
            let mut client = tempo_light::client::LightClient::new(network);
            client.set_every_header(true);
            for block in [&head_json, &tip_json] {
                let block = tempo_light::CertifiedBlock::from_value(block.clone()).unwrap();
                client.on_finalization(block).unwrap();
            }
            while let Some(tempo_light::client::Request::Headers { from, to }) =
                client.next_request()
            {
                let index = |h: u64| usize::try_from(h - 2).unwrap();
                let chunk: Vec<TempoHeader> = run_json[index(from)..=index(to)]
                    .iter()
                    .map(|v| TempoHeader::from_value(v.clone()).unwrap())
                    .collect();
                client.on_headers(black_box(chunk)).unwrap();
            }
            assert_eq!(client.head().unwrap().height, 21_601);
        }),
        1.0,
        "(from JSON)",
    );
    let client_per_second = 21_600.0 / (client_run / 1e6);

    // A TIP-20 balance from an eth_getProof answer (the devnet's real state trie): decode the
    // JSON, check the account proof and five storage proofs against the state root.
    let world = tempo_light_devnet::state::World::at(1_000);
    let root = world.root();
    let holder = tempo_light_devnet::state::holder(0);
    let answer = world
        .proof(
            tempo_light::state::tip20::PATH_USD,
            &tempo_light::state::tip20::balance_query_slots(holder),
        )
        .to_json()
        .to_string();
    // The same answer for the wasm benchmark (scripts/bench-wasm.mjs).
    let _ = std::fs::write(
        concat!(env!("CARGO_MANIFEST_DIR"), "/target/bench-proof.json"),
        serde_json::json!({"stateRoot": format!("{root:#x}"), "proof": serde_json::from_str::<serde_json::Value>(&answer).unwrap()}).to_string(),
    );
    row(
        "TIP-20 balance: decode + verify eth_getProof",
        measure(30, 200, || {
            let proof =
                tempo_light::state::state_proof::AccountProof::from_json(black_box(&answer))
                    .unwrap();
            tempo_light::state::tip20::verify_tip20_balance(
                root,
                tempo_light::state::tip20::PATH_USD,
                holder,
                &proof,
            )
            .unwrap();
        }),
        1.0,
        "(6 proofs)",
    );

    let (catch_up_one_by_one, _) = catch_up(false, 0);
    let (catch_up, catch_up_floor) = catch_up(false, BOUNDARY_RUN);
    // A proven payment in a block of 1,000 transactions: the devnet's signed transactions and
    // receipts (Tempo 0x76, EIP-1559, legacy), gathered into one block whose header commits to
    // them. The header stands for one already verified (the certificate's cost is above).
    let (payment_header, raw, receipts) = {
        let (mut raw, mut receipts, mut cumulative) = (Vec::new(), Vec::new(), 0u64);
        for h in 1.. {
            let body = tempo_light_devnet::payments::body(1337, h);
            for (i, (tx, r)) in body
                .raw_transactions()
                .into_iter()
                .zip(body.raw_receipts())
                .enumerate()
            {
                let mut r = tempo_light::payment::receipt::BlockReceipt::decode_2718(&r).unwrap();
                cumulative += body.gas_used_by(i);
                r.receipt.receipt.cumulative_gas_used = cumulative;
                raw.push(tx);
                receipts.push(r);
            }
            if raw.len() >= 1000 {
                break;
            }
        }
        raw.truncate(1000);
        receipts.truncate(1000);
        // Block 1 of the batch chain, its contents replaced (and certified again by its
        // committee, so that the proofs written for the wasm benchmark verify).
        let mut header = chain.block(1).unwrap().header.clone();
        header.inner.transactions_root = tempo_light::payment::receipt::transactions_root(&raw);
        header.inner.receipts_root = tempo_light::payment::receipt::receipts_root(&receipts);
        (header, raw, receipts)
    };
    let verified = tempo_light::VerifiedBlock {
        height: payment_header.number(),
        hash: payment_header.hash(),
        epoch: 0,
        view: 0,
        parent_view: 0,
        identity: devnet_identity.clone(),
        header: payment_header.clone(),
        next_epoch: None,
    };
    let tx_hash = alloy_primitives::keccak256(&raw[500]);
    let certified = chain
        .certify_header(&payment_header)
        .expect("block 1's epoch has its committee");
    let anchor = tempo_light::payment::FinalAnchor {
        verified: &verified,
        certificate: &certified.certificate,
        links: &[],
    };
    row(
        "payment, block of 1000 txs: full block",
        measure(10, 5, || {
            black_box(
                tempo_light::confirm_payment(
                    &anchor,
                    tx_hash,
                    black_box(&raw),
                    black_box(&receipts),
                )
                .unwrap(),
            );
        }),
        1.0,
        "(both tries rebuilt)",
    );
    let payment = tempo_light::confirm_payment(&anchor, tx_hash, &raw, &receipts).unwrap();
    let mut proof_sizes = Vec::new();
    for form in [
        tempo_light::payment::ProofForm::FullBlock,
        tempo_light::payment::ProofForm::TrieProofs,
    ] {
        let text = payment.proof(form).to_json();
        proof_sizes.push((form, text.len()));
        // For scripts/bench-wasm.mjs: the same proof, re-checked offline by the package.
        let _ = std::fs::write(
            format!(
                "{}/target/bench-payment-{}.json",
                env!("CARGO_MANIFEST_DIR"),
                if form == tempo_light::payment::ProofForm::FullBlock {
                    "full"
                } else {
                    "trie"
                }
            ),
            &text,
        );
        row(
            &format!("payment proof, 1000 txs, {form:?}: parse+check"),
            measure(10, 5, || {
                let proof = tempo_light::PaymentProof::from_json(black_box(&text)).unwrap();
                black_box(proof.verify_with(|_| Ok(verified.clone())).unwrap());
            }),
            1.0,
            &format!("({} bytes of JSON; + one certificate check)", text.len()),
        );
    }

    println!("\nratios (tempo-light / reference; below 1 is faster):");
    println!(
        "  decode:                    {:.2}x",
        ours_decode / ref_decode
    );
    println!(
        "  decode + verify one:       {:.2}x  (target <= 0.95x)",
        ours_one / ref_one
    );
    for (n, ours, theirs) in &batch_rows {
        println!(
            "  batch of {n:<5} per cert:   {:.2}x  ({ours:.1} µs vs {theirs:.1} µs)",
            ours / theirs
        );
    }
    println!(
        "  batch of 1000: {:.3} ms per certificate (target <= 0.33 ms)",
        batch_rows[2].1 / 1000.0
    );
    println!(
        "  header authentication: {:.0} headers/s (target >= 100000/s); via the client from JSON: {:.0} headers/s",
        per_second, client_per_second
    );
    println!(
        "  catch-up over {CATCH_UP_EPOCHS} epochs, in runs of {BOUNDARY_RUN}: {:.2} s (one by one {:.2} s; target <= 0.5 s): {}; the per-point checks alone (blst's, as the reference's): {:.2} s",
        catch_up / 1e6,
        catch_up_one_by_one / 1e6,
        if catch_up / 1e6 <= 0.5 { "met" } else { "not met" },
        catch_up_floor.unwrap_or(f64::NAN) / 1e6
    );
    println!("\nbench: 1 passed, 0 failed");
}
