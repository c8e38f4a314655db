//! `tempo-light demo`: the main job on an embedded default, with no network. It starts a
//! devnet in-process on loopback and follows it over real JSON-RPC, across epoch boundaries
//! and identity rotations, printing each verified block; then it proves a TIP-20 balance
//! against the state root of the newest final block, and exits 0.

use super::{balance, follow, trust::TrustArgs};
use std::{process::ExitCode, sync::atomic::AtomicBool};

/// Arguments of `tempo-light demo`.
#[derive(clap::Args, Clone, Debug)]
pub struct Args {
    /// Epochs to follow (each of 5 blocks; the identity rotates every 2 epochs, so at least
    /// 3 to see a rotation).
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(3..=10_000))]
    pub epochs: u64,
    /// Print JSON lines instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Runs the demo.
pub fn run(args: Args, stop: &AtomicBool) -> ExitCode {
    let mut devnet_args = tempo_light_devnet::server::Config::quick(5, 60);
    devnet_args.full_dkg_every = 2;
    let handle = match tempo_light_devnet::server::start(&devnet_args) {
        Ok(handle) => handle,
        Err(e) => {
            eprintln!("error: cannot start the devnet on loopback: {e}");
            return ExitCode::from(3);
        }
    };
    let started = std::time::Instant::now();
    let identity = alloy_primitives::hex::encode_prefixed(handle.genesis_identity.to_bytes());
    // Follow from the chain's first final block on (not from "not ready yet").
    wait_for_first_block(&handle.http_url(), stop);
    if !args.json {
        println!(
            "devnet on {} (chain {}, {}-block epochs, a new identity every 2 epochs)",
            handle.http_url(),
            handle.chain_id,
            handle.epoch_length
        );
        println!("trusting only its genesis identity {identity}");
    }
    let until = args.epochs * handle.epoch_length;
    let follow_args = follow::Args {
        trust: TrustArgs {
            network: "mainnet".into(),
            identity: Some(identity),
            epoch_length: Some(handle.epoch_length),
            from_epoch: 0,
            chain_id: handle.chain_id,
        },
        rpc: Some(handle.http_url()),
        http: None,
        from_block: None,
        state: None,
        every_header: false,
        json: args.json,
        until: Some(until),
        timeout_ms: 5_000,
        retries: 8,
        poll_ms: 30,
        concurrency: 4,
        once: false,
    };
    let trust = follow_args.trust.clone();
    let (mut code, tally) = follow::run_tallied(follow_args, stop);
    if code == ExitCode::SUCCESS {
        // Then a balance, proven against the state root of the newest final block.
        let balance_args = balance::Args {
            trust,
            rpc: Some(handle.http_url()),
            http: None,
            retries: 8,
            token: format!("{:#x}", tempo_light::tip20::PATH_USD),
            account: format!("{:#x}", tempo_light_devnet::state::holder(0)),
            state: None,
            json: args.json,
            timeout_ms: 5_000,
            max_state_lag: tempo_light::state::state_proof::DEFAULT_MAX_STATE_LAG,
        };
        code = balance::run(balance_args, stop);
    }
    handle.stop();
    if !args.json && code == ExitCode::SUCCESS {
        let (first, last) = tally.heights.unwrap_or_default();
        println!(
            "demo done in {:.1} s: {} blocks proven final (#{first} to #{last}), each by its certificate under the identity of its epoch;",
            started.elapsed().as_secs_f64(),
            tally.blocks,
        );
        println!(
            "{} epochs entered, {} identity rotations, each learnt from a boundary block verified under the previous identity;",
            tally.epochs, tally.rotations
        );
        println!("and the balance above proven against the state root of the newest final block.");
    }
    code
}

/// Waits (at most 5 s) until the devnet has finalized its first block.
fn wait_for_first_block(url: &str, stop: &AtomicBool) {
    let body =
        r#"{"jsonrpc":"2.0","id":1,"method":"consensus_getFinalization","params":["latest"]}"#;
    for _ in 0..100 {
        if stop.load(std::sync::atomic::Ordering::Relaxed) {
            return;
        }
        let ready = ureq::post(url)
            .header("content-type", "application/json")
            .send(body)
            .ok()
            .and_then(|mut r| r.body_mut().read_to_string().ok())
            .is_some_and(|text| text.contains("\"result\"") && !text.contains("\"result\":null"));
        if ready {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}
