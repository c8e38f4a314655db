//! `tempo-light demo`: the main job on an embedded default, with no network. It starts a
//! devnet in-process on loopback and follows it over real JSON-RPC, across epoch boundaries
//! and identity rotations, printing each verified block; then it proves a TIP-20 balance
//! against the state root of the newest final block, and exits 0.

use crate::{
    args::RpcArgs,
    driver::{
        balance::{prove, BalanceAsked},
        Follower, Options,
    },
    exit::Exit,
    report,
};
use std::{process::ExitCode, sync::atomic::AtomicBool};
use tempo_light::Network;

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
            return Exit::Usage.into();
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
    let network = Network::custom(
        handle.chain_id,
        handle.epoch_length,
        handle.genesis_identity.clone(),
        0,
    );
    let Some(network) = network else {
        eprintln!("error: the devnet's epoch length is 0");
        return Exit::Usage.into();
    };
    let rpc = RpcArgs {
        rpc: Some(handle.http_url()),
        http: None,
        timeout_ms: 5_000,
    };
    let options = Options {
        retries: 8,
        poll_ms: 30,
        concurrency: 4,
        state: None,
        from_block: None,
        every_header: false,
        until: Some(args.epochs * handle.epoch_length),
        once: false,
        start: None,
    };
    let (followed, tally) = report::follow_printed(network.clone(), &rpc, options, args.json, stop);
    // Then a balance, proven against the state root of the newest final block.
    let proven = followed.map_err(Into::into).and_then(|()| {
        let options = Options::to_head(8, None);
        let mut sink = report::notes_only;
        let mut follower = Follower::new(network, &rpc, options, &mut sink, stop)?;
        let asked = BalanceAsked {
            token: tempo_light::state::tip20::PATH_USD,
            account: tempo_light_devnet::state::holder(0),
            max_state_lag: tempo_light::state::state_proof::DEFAULT_MAX_STATE_LAG,
            retries: 8,
        };
        prove(&mut follower, &asked)
    });
    let exit = match &proven {
        Ok(proven) => {
            report::print_balance(args.json, proven);
            Exit::Success
        }
        Err(e) => report::balance_failure(args.json, e),
    };
    handle.stop();
    if !args.json && exit == Exit::Success {
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
    exit.into()
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
