//! `tempo-light balance`: a TIP-20 balance proven at the newest final block.
//!
//! Follows the chain to its newest final block (verifying every certificate and epoch on the
//! way, or resuming from `--state`), asks `eth_getProof` for the token's balance, supply and
//! metadata slots at that block, and checks the answer against the block's state root.

use super::follow::{self, FollowError, Follower, Output};
use super::trust::TrustArgs;
use alloy_primitives::Address;
use serde_json::{json, Value};
use std::{path::PathBuf, process::ExitCode, sync::atomic::AtomicBool};
use tempo_light::{proof::AccountProof, tip20};

/// Arguments of `tempo-light balance`.
#[derive(clap::Args, Clone, Debug)]
pub struct Args {
    #[command(flatten)]
    pub trust: TrustArgs,
    /// JSON-RPC endpoint, http(s):// or ws(s):// (defaults to the network's public endpoint).
    #[arg(long)]
    pub rpc: Option<String>,
    /// The TIP-20 token (a 0x20c0… address; pathUSD is 0x20c0000000000000000000000000000000000000).
    #[arg(long)]
    pub token: String,
    /// The account whose balance to prove.
    pub account: String,
    /// Resume from (and save) the trust state here, as `follow --state` does.
    #[arg(long)]
    pub state: Option<PathBuf>,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
    /// Timeout of each RPC call, in milliseconds.
    #[arg(long, default_value_t = 10_000)]
    pub timeout_ms: u64,
}

/// Why proving a balance failed (exit codes as `follow`'s: 1 rejected, 2 malformed, 3 usage).
pub enum BalanceError {
    /// Following to the head or talking to the RPC failed.
    Follow(FollowError),
    /// The proof was rejected.
    Proof(tempo_light::proof::ProofError),
}

fn address(text: &str, what: &str) -> Result<Address, FollowError> {
    text.trim()
        .parse()
        .map_err(|_| FollowError::Usage(format!("{what} {text} is not a 20-byte hex address")))
}

/// Proves the balance; returns it as the JSON printed with `--json`.
pub fn prove(args: &Args, stop: &AtomicBool) -> Result<Value, BalanceError> {
    let fail = BalanceError::Follow;
    let network = args
        .trust
        .network()
        .map_err(|e| fail(FollowError::Usage(e)))?;
    let token = address(&args.token, "--token").map_err(fail)?;
    let account = address(&args.account, "ACCOUNT").map_err(fail)?;
    if !tip20::is_tip20_address(token) {
        return Err(BalanceError::Proof(
            tempo_light::proof::ProofError::NotTip20(token),
        ));
    }
    let follow_args = follow::Args {
        trust: args.trust.clone(),
        rpc: args.rpc.clone(),
        from_block: None,
        state: args.state.clone(),
        every_header: false,
        json: args.json,
        until: None,
        timeout_ms: args.timeout_ms,
        retries: 8,
        poll_ms: 200,
        concurrency: 8,
        once: true,
    };
    let mut sink = |output: &Output| {
        if let Output::Note(note) = output {
            eprintln!("note: {note}");
        }
    };
    let mut follower = Follower::new(network, follow_args, &mut sink, stop).map_err(fail)?;
    follower.run().map_err(fail)?;
    let query = follower
        .client()
        .balance_query(token, account)
        .map_err(BalanceError::Proof)?;
    let answer = follower
        .call("eth_getProof", query.params())
        .map_err(fail)?;
    let proof = AccountProof::from_value(answer)
        .map_err(|e| fail(FollowError::Malformed(format!("eth_getProof: {e}"))))?;
    let proven = query.verify(&proof).map_err(BalanceError::Proof)?;
    let b = &proven.balance;
    Ok(json!({
        "type": "balance",
        "token": format!("{:#x}", b.token),
        "account": format!("{:#x}", b.account),
        "balance": b.balance.to_string(),
        "formatted": tip20::format_amount(b.balance),
        "decimals": b.decimals,
        "name": b.name,
        "symbol": b.symbol,
        "currency": b.currency,
        "totalSupply": b.total_supply.to_string(),
        "height": proven.height,
        "hash": format!("{:#x}", proven.hash),
        "stateRoot": format!("{:#x}", b.state_root),
    }))
}

/// `tempo-light balance`.
pub fn run(args: Args, stop: &AtomicBool) -> ExitCode {
    let json = args.json;
    match prove(&args, stop) {
        Ok(value) => {
            if json {
                println!("{value}");
            } else {
                let s = |k: &str| value[k].as_str().unwrap_or_default().to_string();
                println!("balance     {} {}", s("formatted"), s("symbol"));
                println!("account     {}", s("account"));
                println!(
                    "token       {} ({}, {} decimals, {})",
                    s("token"),
                    s("name"),
                    value["decimals"],
                    s("currency")
                );
                println!("final at    #{} {}", value["height"], s("hash"));
                println!("state root  {} (proven by eth_getProof)", s("stateRoot"));
            }
            ExitCode::SUCCESS
        }
        Err(BalanceError::Follow(e)) => {
            if json {
                println!(
                    "{}",
                    json!({"type": "error", "code": e.code(), "error": e.to_string()})
                );
            } else {
                eprintln!("error: {e}");
            }
            ExitCode::from(e.exit_code())
        }
        Err(BalanceError::Proof(e)) => {
            let usage = matches!(e, tempo_light::proof::ProofError::NotTip20(_));
            if json {
                println!(
                    "{}",
                    json!({"type": "error", "code": e.code(), "error": e.to_string()})
                );
            } else {
                eprintln!("error: balance not proven: {e}");
            }
            ExitCode::from(if usage { 3 } else { 1 })
        }
    }
}
