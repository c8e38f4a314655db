//! `tempo-light follow`: the chain's finality followed from an RPC, each newly proven block,
//! epoch transition and identity rotation printed (the driver does the following, the report
//! the printing; this command only reads its flags).

use crate::{
    args::{RpcArgs, StateArgs, TrustArgs},
    driver::{DriverError, Options},
    exit::Exit,
    report,
};
use std::{process::ExitCode, sync::atomic::AtomicBool};

/// Arguments of `tempo-light follow`.
#[derive(clap::Args, Clone, Debug)]
pub struct Args {
    #[command(flatten)]
    trust: TrustArgs,
    #[command(flatten)]
    rpc: RpcArgs,
    #[command(flatten)]
    state: StateArgs,
    /// Start from this trusted block hash (its epoch's boundary is fetched and authenticated).
    #[arg(long)]
    from_block: Option<String>,
    /// Fetch, authenticate and print every header, not only new heads.
    #[arg(long)]
    every_header: bool,
    /// Print JSON lines instead of text.
    #[arg(long)]
    json: bool,
    /// Exit 0 once a block at or above this height is final.
    #[arg(long)]
    until: Option<u64>,
    /// Retries of an unavailable answer (204, 503, `null` for a block not executed yet,
    /// timeouts, lost connections) before giving up; backoff from 100 ms doubling to 1 s, so
    /// the default 8 gives up on a dead endpoint in about 6 s.
    #[arg(long, default_value_t = 8)]
    retries: u32,
    /// Polling interval when no new block is final yet, in milliseconds.
    #[arg(long, default_value_t = 500)]
    poll_ms: u64,
    /// Most header requests in flight at once (with --every-header).
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
}

/// `tempo-light follow`.
pub fn run(args: Args, stop: &AtomicBool) -> ExitCode {
    let network = match args.trust.network() {
        Ok(network) => network,
        Err(message) => {
            return report::driver_failure(args.json, &DriverError::Usage(message)).into()
        }
    };
    let options = Options {
        retries: args.retries,
        poll_ms: args.poll_ms,
        concurrency: args.concurrency,
        state: args.state.state,
        from_block: args.from_block,
        every_header: args.every_header,
        until: args.until,
        once: false,
        start: None,
    };
    match report::follow_printed(network, &args.rpc, options, args.json, stop).0 {
        Ok(()) => Exit::Success.into(),
        Err(e) => report::driver_failure(args.json, &e).into(),
    }
}
