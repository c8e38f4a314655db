//! `tempo-light balance`: a TIP-20 balance proven at the newest final block.
//!
//! Follows the chain to its newest final block (verifying every certificate and epoch on the
//! way, or resuming from `--state`), then proves the balance at the newest block that is both
//! final and executed ([`crate::driver::balance`], shared with `demo`), checked against that
//! block's verified state root in the core.

use crate::{
    args::{address, RpcArgs, StateArgs, TrustArgs},
    driver::{
        balance::{prove, BalanceAsked, BalanceError},
        DriverError, Follower, Options,
    },
    exit::Exit,
    report,
};
use std::{process::ExitCode, sync::atomic::AtomicBool};
use tempo_light::{
    state::state_proof::ProofError,
    state::tip20::{self, FinalBalance},
};

/// Arguments of `tempo-light balance`.
#[derive(clap::Args, Clone, Debug)]
pub struct Args {
    #[command(flatten)]
    pub trust: TrustArgs,
    #[command(flatten)]
    pub rpc: RpcArgs,
    /// Retries of an unavailable answer (as `follow --retries`), and of a proof the node
    /// refuses at the chosen block (-32602 outside its proof window, -32001 not executed yet,
    /// `null`), each at a fresh final block.
    #[arg(long, default_value_t = 8)]
    pub retries: u32,
    /// The TIP-20 token (a 0x20c0… address; pathUSD is 0x20c0000000000000000000000000000000000000).
    #[arg(long)]
    pub token: String,
    /// The account whose balance to prove.
    pub account: String,
    #[command(flatten)]
    pub state: StateArgs,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
    /// The most blocks behind the verified head the balance may be proven at (where the node
    /// cannot prove at the head, it names the block it can: an older one is refused as
    /// `StaleState`, exit 5).
    #[arg(long, default_value_t = tempo_light::state::state_proof::DEFAULT_MAX_STATE_LAG)]
    pub max_state_lag: u64,
}

/// Follows to the newest final block and proves the balance `args` ask for there.
fn prove_balance(args: &Args, stop: &AtomicBool) -> Result<FinalBalance, BalanceError> {
    let network = args.trust.network().map_err(DriverError::Usage)?;
    let token = address(&args.token, "--token").map_err(DriverError::Usage)?;
    let account = address(&args.account, "ACCOUNT").map_err(DriverError::Usage)?;
    if !tip20::is_tip20_address(token) {
        return Err(BalanceError::Proof(ProofError::NotTip20(token)));
    }
    let options = Options::to_head(args.retries, args.state.state.clone());
    let mut sink = report::notes_only;
    let mut follower = Follower::new(network, &args.rpc, options, &mut sink, stop)?;
    let asked = BalanceAsked {
        token,
        account,
        max_state_lag: args.max_state_lag,
        retries: args.retries,
    };
    prove(&mut follower, &asked)
}

/// `tempo-light balance`.
pub fn run(args: Args, stop: &AtomicBool) -> ExitCode {
    let json = args.json;
    match prove_balance(&args, stop) {
        Ok(proven) => {
            report::print_balance(json, &proven);
            Exit::Success.into()
        }
        Err(e) => report::balance_failure(json, &e).into(),
    }
}
