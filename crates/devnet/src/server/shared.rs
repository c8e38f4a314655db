//! What the server's parts share: the state every connection thread reads ([`Shared`]), the
//! clock, and the two shapes of a JSON-RPC answer. Both method tables (`rpc.rs` for blocks,
//! consensus and proofs, `payments.rs` for transactions and receipts) import it, and neither
//! imports the other's state.

use super::faults::Faults;
use crate::Chain;
use serde_json::{json, Value};
use std::{
    collections::BTreeMap,
    sync::{atomic::AtomicU64, mpsc::SyncSender, Mutex},
    time::{SystemTime, UNIX_EPOCH},
};

/// Everything the server threads share.
pub struct Shared {
    /// The chain.
    pub chain: Mutex<Chain>,
    /// Faults in force.
    pub faults: Faults,
    /// WebSocket subscribers: (subscription id, channel of notification texts).
    pub subscribers: Mutex<Vec<(u64, SyncSender<String>)>>,
    /// When each recent block was finalized (ms since the Unix epoch).
    pub seen: Mutex<BTreeMap<u64, u64>>,
    /// Counter for alternating equivocating answers.
    pub alternate: AtomicU64,
    /// Next subscription id.
    pub next_subscription: AtomicU64,
    /// How long after its finalization is published a block counts as executed (ms).
    pub execution_lag_ms: u64,
    /// Most blocks behind the execution head `eth_getProof` serves (`None`: any).
    pub proof_window: Option<u64>,
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// A JSON-RPC error answer (with `data` when given).
pub fn error(id: &Value, code: i64, message: &str, data: Option<&str>) -> Value {
    let mut e = json!({"code": code, "message": message});
    if let Some(data) = data {
        e["data"] = json!(data);
    }
    json!({"jsonrpc": "2.0", "id": id, "error": e})
}

/// A JSON-RPC answer with its `result`.
pub fn ok(id: &Value, result: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "result": result})
}
