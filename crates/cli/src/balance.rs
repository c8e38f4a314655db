//! `tempo-light balance`: a TIP-20 balance proven at the newest final block.
//!
//! Follows the chain to its newest final block (verifying every certificate and epoch on the
//! way, or resuming from `--state`), picks the newest block that is both final and executed
//! (a node proves only at its execution head: reth's `--rpc.eth-proof-window` is 0 by
//! default, and a follower node executes a block some time after its finalization is
//! published), asks `eth_getProof` for the token's balance, supply and metadata slots at that
//! block, and checks the answer against the block's verified state root in the core
//! ([`tempo_light::tip20::BalanceQuery::verify`]). A refusal that only means "not that block"
//! (-32602 outside the proof window, -32001 not executed yet, `null`) is retried at a fresh
//! final block, `--retries` times.

use super::follow::{self, rpc::RpcError, FollowError, Follower, Output};
use super::trust::TrustArgs;
use alloy_primitives::Address;
use serde_json::{json, Value};
use std::{path::PathBuf, process::ExitCode, sync::atomic::AtomicBool};
use tempo_light::{
    state::state_proof::{AccountProof, ProofError},
    tip20::{self, BalanceQuery},
    CertifiedBlock, ClientError, Error,
};

/// reth's `EthApiError::HeaderNotFound`: the block is not executed (yet).
const HEADER_NOT_FOUND: i64 = -32001;
/// reth's `EthApiError::ExceedsMaxProofWindow` (an invalid-params error): the block is too
/// far behind the execution head for `--rpc.eth-proof-window`.
const OUTSIDE_PROOF_WINDOW: i64 = -32602;

/// Arguments of `tempo-light balance`.
#[derive(clap::Args, Clone, Debug)]
pub struct Args {
    #[command(flatten)]
    pub trust: TrustArgs,
    /// JSON-RPC endpoint, http(s):// or ws(s):// (defaults to the network's public endpoint).
    #[arg(long)]
    pub rpc: Option<String>,
    /// With a `ws(s)://` --rpc: an HTTP endpoint of the same node for the calls (the
    /// WebSocket then only carries the subscription).
    #[arg(long, value_name = "URL")]
    pub http: Option<String>,
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
    /// Resume from (and save) the trust state here, as `follow --state` does.
    #[arg(long)]
    pub state: Option<PathBuf>,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
    /// Timeout of each RPC call, in milliseconds.
    #[arg(long, default_value_t = 10_000)]
    pub timeout_ms: u64,
    /// The most blocks behind the verified head the balance may be proven at (where the node
    /// cannot prove at the head, it names the block it can: an older one is refused as
    /// `StaleState`, exit 5).
    #[arg(long, default_value_t = tempo_light::state::state_proof::DEFAULT_MAX_STATE_LAG)]
    pub max_state_lag: u64,
}

/// Why proving a balance failed (exit codes as `follow`'s: 1 rejected, 2 malformed, 3 usage,
/// 5 unavailable, 6 a header this version cannot hash).
pub enum BalanceError {
    /// Following to the head or talking to the RPC failed.
    Follow(FollowError),
    /// The proof was rejected.
    Proof(tempo_light::state::state_proof::ProofError),
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
            tempo_light::state::state_proof::ProofError::NotTip20(token),
        ));
    }
    let follow_args = follow::Args {
        trust: args.trust.clone(),
        rpc: args.rpc.clone(),
        http: args.http.clone(),
        from_block: None,
        state: args.state.clone(),
        every_header: false,
        json: args.json,
        until: None,
        timeout_ms: args.timeout_ms,
        retries: args.retries,
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
    let mut attempt = 0;
    let proven = loop {
        attempt += 1;
        let query = final_executed_query(&mut follower, token, account, args.max_state_lag)?;
        let refused = match follower.call_once("eth_getProof", query.params()) {
            Ok(Value::Null) => "eth_getProof answered null".to_string(),
            Ok(answer) => {
                let proof = AccountProof::from_value(answer)
                    .map_err(|e| fail(FollowError::Malformed(format!("eth_getProof: {e}"))))?;
                break query.verify(&proof).map_err(BalanceError::Proof)?;
            }
            Err(RpcError::Server { code, message })
                if code == OUTSIDE_PROOF_WINDOW || code == HEADER_NOT_FOUND =>
            {
                format!(
                    "eth_getProof at #{} refused ({code}: {message})",
                    query.height
                )
            }
            Err(e) if e.retryable() => e.to_string(),
            Err(RpcError::Malformed(m)) => return Err(fail(FollowError::Malformed(m))),
            Err(e) => return Err(fail(FollowError::Unavailable(e.to_string()))),
        };
        if attempt > args.retries {
            return Err(fail(FollowError::Unavailable(format!(
                "{refused} (gave up after {attempt} attempts)"
            ))));
        }
        let pause = follow::backoff(attempt);
        eprintln!(
            "note: {refused}; retry {attempt} at a fresh final block in {} ms",
            pause.as_millis()
        );
        std::thread::sleep(pause);
        if stop.load(std::sync::atomic::Ordering::Relaxed) {
            return Err(fail(FollowError::Unavailable("stopped".into())));
        }
        // A fresh final head (the next finalization the node publishes).
        follower.run().map_err(fail)?;
    };
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

/// The query at the newest block that is both final and executed: the verified head if the
/// node's execution head (`eth_blockNumber`) has reached it, else the execution head itself,
/// whose own finalization certificate is fetched and verified (a follower node serves no
/// headers above its execution head, so the head cannot be linked back to it by parents).
fn final_executed_query(
    follower: &mut Follower<'_>,
    token: alloy_primitives::Address,
    account: alloy_primitives::Address,
    max_state_lag: u64,
) -> Result<BalanceQuery, BalanceError> {
    let fail = BalanceError::Follow;
    let head = follower
        .client()
        .head()
        .ok_or(BalanceError::Proof(ProofError::NoStateRoot(
            "no block has been proven final yet",
        )))?;
    let executed = follower.call("eth_blockNumber", json!([])).map_err(fail)?;
    let executed = executed
        .as_str()
        .and_then(|h| h.strip_prefix("0x"))
        .and_then(|h| u64::from_str_radix(h, 16).ok())
        .ok_or_else(|| {
            fail(FollowError::Malformed(format!(
                "eth_blockNumber: expected a hex quantity, got {}",
                short_json(&executed)
            )))
        })?;
    tempo_light::state::state_proof::check_fresh_state(head.height, executed, max_state_lag)
        .map_err(BalanceError::Proof)?;
    if executed >= head.height {
        return follower
            .client()
            .balance_query(token, account)
            .map_err(BalanceError::Proof);
    }
    let value = follower
        .call("consensus_getFinalization", json!([{"height": executed}]))
        .map_err(fail)?;
    let block = CertifiedBlock::from_value(value).map_err(|e| {
        fail(FollowError::Malformed(format!(
            "consensus_getFinalization: {e}"
        )))
    })?;
    let verified = follower.client().verify(&block).map_err(|e| match e {
        Error::Decode(e) => fail(FollowError::Malformed(e.to_string())),
        e => fail(FollowError::Rejected(ClientError::Block(e))),
    })?;
    if verified.height != executed {
        return Err(fail(FollowError::Malformed(format!(
            "asked for the finalization of #{executed}, got #{}",
            verified.height
        ))));
    }
    BalanceQuery::new(
        token,
        account,
        verified.height,
        verified.hash,
        verified.header.inner.state_root,
    )
    .map_err(BalanceError::Proof)
}

/// A bounded rendering of a JSON value for an error message.
fn short_json(value: &Value) -> String {
    let text = value.to_string();
    match text.char_indices().nth(80) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text,
    }
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
                eprintln!("{}", follow::refusal_line(&e));
            }
            ExitCode::from(e.exit_code())
        }
        Err(BalanceError::Proof(e)) => {
            let usage = matches!(e, tempo_light::state::state_proof::ProofError::NotTip20(_));
            let stale = matches!(
                e,
                tempo_light::state::state_proof::ProofError::StaleState { .. }
            );
            if json {
                println!(
                    "{}",
                    json!({"type": "error", "code": e.code(), "error": e.to_string()})
                );
            } else if usage {
                eprintln!("error: {e}");
            } else if stale {
                // Retryable: the node proves only at a block too old to be `latest`.
                eprintln!("RPC unavailable: {e}");
            } else {
                // One prefix, as `verify` and `follow` print a refusal.
                eprintln!("not verified: {e}");
            }
            ExitCode::from(match (usage, stale) {
                (true, _) => 3,
                (_, true) => 5,
                _ => 1,
            })
        }
    }
}
