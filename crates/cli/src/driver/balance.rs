//! A TIP-20 balance proven at the newest block that is both final and executed, over a
//! follower (shared by `balance` and `demo`).
//!
//! A node proves only at its execution head (reth's `--rpc.eth-proof-window` is 0 by
//! default, and a follower node executes a block some time after its finalization is
//! published), so the block is the verified head if the node has executed it, else the
//! execution head, whose own certificate is verified. The answer is checked against the
//! block's verified state root in the core ([`BalanceQuery::verify`]). A refusal that only
//! means "not that block" (-32602 outside the proof window, -32001 not executed yet, `null`)
//! is retried at a fresh final block, `retries` times.

use super::{
    backoff,
    rpc::{RpcError, HEADER_NOT_FOUND, OUTSIDE_PROOF_WINDOW},
    DriverError, Follower,
};
use alloy_primitives::Address;
use serde_json::{json, Value};
use tempo_light::{
    state::state_proof::{check_fresh_state, execution_head, AccountProof, ProofError},
    state::tip20::{BalanceQuery, FinalBalance},
    CertifiedBlock, ClientError, Error,
};

/// Why proving a balance failed.
pub enum BalanceError {
    /// Following to the head or talking to the RPC failed.
    Driver(DriverError),
    /// The proof was refused.
    Proof(ProofError),
}

impl From<DriverError> for BalanceError {
    fn from(e: DriverError) -> Self {
        Self::Driver(e)
    }
}

/// The balance asked for.
pub struct BalanceAsked {
    /// The TIP-20 token.
    pub token: Address,
    /// The account whose balance to prove.
    pub account: Address,
    /// The most blocks behind the verified head the balance may be proven at.
    pub max_state_lag: u64,
    /// Retries of a proof the node refuses at the chosen block.
    pub retries: u32,
}

/// Follows to the newest final block, then proves the balance there (or at the newest final
/// block the node has executed).
pub fn prove(
    follower: &mut Follower<'_>,
    asked: &BalanceAsked,
) -> Result<FinalBalance, BalanceError> {
    follower.run()?;
    let mut attempt = 0;
    loop {
        attempt += 1;
        let query = final_executed_query(follower, asked)?;
        let refused = match follower.call_once("eth_getProof", query.params()) {
            Ok(Value::Null) => "eth_getProof answered null".to_string(),
            Ok(answer) => {
                let proof = AccountProof::from_value(answer)
                    .map_err(|e| DriverError::Malformed(format!("eth_getProof: {e}")))?;
                return query.verify(&proof).map_err(BalanceError::Proof);
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
            Err(e) => return Err(DriverError::rpc(e).into()),
        };
        if attempt > asked.retries {
            return Err(DriverError::Unavailable(format!(
                "{refused} (gave up after {attempt} attempts)"
            ))
            .into());
        }
        let pause = backoff(attempt);
        eprintln!(
            "note: {refused}; retry {attempt} at a fresh final block in {} ms",
            pause.as_millis()
        );
        std::thread::sleep(pause);
        if follower.stopped() {
            return Err(DriverError::Unavailable("stopped".into()).into());
        }
        // A fresh final head (the next finalization the node publishes).
        follower.run()?;
    }
}

/// The query at the newest block that is both final and executed: the verified head if the
/// node's execution head (`eth_blockNumber`) has reached it, else the execution head itself,
/// whose own finalization certificate is fetched and verified (a follower node serves no
/// headers above its execution head, so the head cannot be linked back to it by parents).
fn final_executed_query(
    follower: &mut Follower<'_>,
    asked: &BalanceAsked,
) -> Result<BalanceQuery, BalanceError> {
    let head = follower
        .client()
        .head()
        .ok_or(BalanceError::Proof(ProofError::NoStateRoot(
            "no block has been proven final yet",
        )))?;
    let executed = follower.call("eth_blockNumber", json!([]))?;
    let executed = execution_head(&executed).map_err(|e| {
        DriverError::Malformed(format!("{e} (the answer: {})", short_json(&executed)))
    })?;
    check_fresh_state(head.height, executed, asked.max_state_lag).map_err(BalanceError::Proof)?;
    if executed >= head.height {
        return follower
            .client()
            .balance_query(asked.token, asked.account)
            .map_err(BalanceError::Proof);
    }
    let value = follower.call("consensus_getFinalization", json!([{"height": executed}]))?;
    let block = CertifiedBlock::from_value(value)
        .map_err(|e| DriverError::Malformed(format!("consensus_getFinalization: {e}")))?;
    let verified = follower.client().verify(&block).map_err(|e| match e {
        Error::Decode(e) => DriverError::Malformed(e.to_string()),
        e => DriverError::Rejected(ClientError::Block(e)),
    })?;
    if verified.height != executed {
        return Err(DriverError::Malformed(format!(
            "asked for the finalization of #{executed}, got #{}",
            verified.height
        ))
        .into());
    }
    BalanceQuery::new(
        asked.token,
        asked.account,
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
