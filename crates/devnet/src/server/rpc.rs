//! JSON-RPC methods of the devnet, with the JSON shapes and error codes of a Tempo node
//! (`crates/node/src/rpc/consensus` upstream), and the faults applied to what is served.

use super::faults::FaultKind;
use super::shared::{error, now_ms, ok, Shared};
use crate::{state::World, Chain};
use serde_json::{json, Value};
use std::sync::{atomic::Ordering, mpsc::SyncSender};
use tempo_light::{finality::epoch, wire::certificate::Certificate, TempoHeader};

/// JSON-RPC error codes.
pub const NOT_READY: i64 = 204;
/// The consensus node's "missing" code.
pub const MISSING: i64 = 503;
const NOT_READY_MSG: &str = "the requested content was not available";
const MISSING_MSG: &str =
    "the consensus subservice was not available, but the request can be retried later";

/// reth's `EthApiError::HeaderNotFound` code (`crates/rpc/rpc-eth-types/src/error/mod.rs`).
pub const HEADER_NOT_FOUND: i64 = -32001;
/// JSON-RPC "invalid params", which reth uses for `ExceedsMaxProofWindow`.
pub const INVALID_PARAMS: i64 = -32602;
/// reth's message for `EthApiError::ExceedsMaxProofWindow`.
pub const PROOF_WINDOW_MSG: &str = "distance to target block exceeds maximum proof window";

/// What to do with a request.
pub enum Reply {
    /// Send this JSON-RPC response.
    Json(Value),
    /// Never answer (hold the connection, then close it).
    Stall,
    /// Close the connection without answering.
    Drop,
    /// Answer with this broken body.
    Malformed(String),
}

/// A block as served, after faults: header, certificate and body.
pub struct Served {
    /// The header (perhaps altered).
    pub header: TempoHeader,
    /// The certificate (perhaps altered).
    pub certificate: Certificate,
    /// The block body's JSON as a node serializes it.
    pub body: Value,
}

enum Lookup {
    Found(Box<Served>),
    NotReady,
    Missing(&'static str),
}

impl Shared {
    fn withheld(&self, chain: &Chain, height: u64) -> bool {
        self.faults.has(FaultKind::WithholdBoundary)
            && epoch::is_boundary(chain.config().epoch_length, height)
    }

    /// The block at `height` as served (faults applied).
    fn lookup(&self, chain: &Chain, height: u64) -> Lookup {
        if height > chain.tip().height() {
            return Lookup::NotReady;
        }
        if self.withheld(chain, height) {
            return Lookup::Missing("block withheld");
        }
        let block = match chain.equivocation(height) {
            Some(twin) if self.alternate.fetch_add(1, Ordering::Relaxed) % 2 == 1 => twin,
            _ => match chain.block(height) {
                Some(block) => block,
                None => return Lookup::Missing("block pruned"),
            },
        };
        let Some(mut certificate) = block.certificate.clone() else {
            return Lookup::Missing("genesis is not certified by consensus");
        };
        let mut header = block.header.clone();
        let f = &self.faults;
        if f.hits(FaultKind::CorruptCertificate, height) {
            // A valid point, but not the signature of this proposal.
            certificate.vote_signature = certificate.seed_signature;
        }
        if f.hits(FaultKind::CertificateForAnotherBlock, height) {
            if let Some(other) = chain
                .block(height.saturating_sub(1))
                .or_else(|| chain.block(height + 1))
                .and_then(|b| b.certificate.clone())
            {
                certificate = other;
            }
        }
        if f.hits(FaultKind::HeaderMismatch, height) {
            header.inner.gas_used = header.inner.gas_used.wrapping_add(1);
        }
        if f.hits(FaultKind::WrongEpoch, height) {
            certificate.epoch = certificate.epoch.wrapping_add(1);
        }
        let body = body_json(chain, height, &header);
        Lookup::Found(Box::new(Served {
            header,
            certificate,
            body,
        }))
    }

    /// The CertifiedBlock JSON of a served block.
    pub fn certified_json(served: &Served) -> Value {
        let c = &served.certificate;
        json!({
            "epoch": c.epoch,
            "view": c.view,
            "digest": format!("{:#x}", c.digest),
            // A node sends `hex::encode`: no `0x`.
            "certificate": alloy_primitives::hex::encode(c.encode()),
            "block": {"header": served.header, "body": served.body},
        })
    }

    /// A finalized event for `height`, if it is served.
    pub fn event(&self, chain: &Chain, height: u64, kind: &str) -> Option<Value> {
        match self.lookup(chain, height) {
            Lookup::Found(served) => {
                let mut event = Self::certified_json(&served);
                event["type"] = json!(kind);
                event["seen"] = json!(self.seen_at(height));
                Some(event)
            }
            _ => None,
        }
    }

    fn seen_at(&self, height: u64) -> u64 {
        self.seen
            .lock()
            .ok()
            .and_then(|s| s.get(&height).copied())
            .unwrap_or_else(now_ms)
    }

    /// The newest height served as `latest` (a withheld boundary is skipped).
    fn latest_height(&self, chain: &Chain) -> Option<u64> {
        let tip = chain.tip().height();
        let h = if self.withheld(chain, tip) {
            tip.checked_sub(1)?
        } else {
            tip
        };
        (h > 0).then_some(h)
    }

    /// The execution head: the newest block whose finalization was published at least
    /// `execution_lag_ms` ago (a follower node's execution layer trails its consensus feed).
    pub fn execution_head(&self, chain: &Chain) -> u64 {
        let tip = chain.tip().height();
        if self.faults.has(FaultKind::StaleExecution) {
            return tip.min(1);
        }
        if self.execution_lag_ms == 0 {
            return tip;
        }
        let Ok(seen) = self.seen.lock() else {
            return tip;
        };
        let now = now_ms();
        // Newest first; a height no longer in `seen` was published long ago.
        let mut height = tip;
        for (&h, &at) in seen.range(..=tip).rev() {
            if h != height || at.saturating_add(self.execution_lag_ms) <= now {
                break;
            }
            height = h.saturating_sub(1);
        }
        height
    }

    /// Header JSON as `eth_getBlockByNumber` returns it.
    fn block_json(header: &TempoHeader) -> Value {
        let mut v = serde_json::to_value(header).unwrap_or(Value::Null);
        if let Some(o) = v.as_object_mut() {
            o.insert("hash".into(), json!(format!("{:#x}", header.hash())));
            o.insert(
                "timestampMillis".into(),
                json!(format!("{:#x}", header.timestamp_millis())),
            );
            let size = alloy_rlp::encode(header).len();
            o.insert("size".into(), json!(format!("{size:#x}")));
            o.insert("transactions".into(), json!([]));
            o.insert("uncles".into(), json!([]));
            o.insert("withdrawals".into(), json!([]));
        }
        v
    }

    /// Answers one JSON-RPC request object.
    pub fn handle(&self, request: &Value) -> Reply {
        let id = request.get("id").cloned().unwrap_or(Value::Null);
        let Some(method) = request.get("method").and_then(Value::as_str) else {
            return Reply::Json(error(&id, -32600, "invalid request", None));
        };
        let params = request.get("params").cloned().unwrap_or(json!([]));
        let Ok(chain) = self.chain.lock() else {
            return Reply::Json(error(&id, -32603, "internal error", None));
        };
        // Which height a consensus request concerns, for connection faults.
        let target = match method {
            "consensus_getFinalization" => match params.get(0) {
                Some(Value::String(s)) if s == "latest" => self.latest_height(&chain),
                Some(q) => q.get("height").and_then(Value::as_u64),
                None => None,
            },
            "consensus_getLatest" => self.latest_height(&chain),
            _ => None,
        };
        if method.starts_with("consensus_") && method != "consensus_subscribe" {
            let f = &self.faults;
            if f.hits_request(FaultKind::Stall, target) {
                return Reply::Stall;
            }
            if f.hits_request(FaultKind::Drop, target) {
                return Reply::Drop;
            }
            if f.hits_request(FaultKind::MalformedJson, target) {
                return Reply::Malformed(format!(
                    "{{\"jsonrpc\":\"2.0\",\"id\":{id},\"result\":{{\"epoch\":"
                ));
            }
        }
        let reply = match method {
            "consensus_getFinalization" => {
                let height = match params.get(0) {
                    Some(Value::String(s)) if s == "latest" => match self.latest_height(&chain) {
                        Some(h) => h,
                        None => return Reply::Json(error(&id, NOT_READY, NOT_READY_MSG, None)),
                    },
                    Some(q) => match q.get("height").and_then(Value::as_u64) {
                        Some(h) => h,
                        None => {
                            return Reply::Json(error(
                                &id,
                                -32602,
                                "invalid params: expected \"latest\" or {\"height\": N}",
                                None,
                            ))
                        }
                    },
                    None => {
                        return Reply::Json(error(
                            &id,
                            -32602,
                            "invalid params: missing query",
                            None,
                        ))
                    }
                };
                match self.lookup(&chain, height) {
                    Lookup::Found(served) => ok(&id, Self::certified_json(&served)),
                    Lookup::NotReady => error(&id, NOT_READY, NOT_READY_MSG, None),
                    Lookup::Missing(why) => error(&id, MISSING, MISSING_MSG, Some(why)),
                }
            }
            "consensus_getLatest" => {
                let finalized =
                    self.latest_height(&chain)
                        .and_then(|h| match self.lookup(&chain, h) {
                            Lookup::Found(served) => Some(Self::certified_json(&served)),
                            _ => None,
                        });
                ok(&id, json!({"finalized": finalized, "notarized": null}))
            }
            "eth_blockNumber" => ok(&id, json!(format!("{:#x}", self.execution_head(&chain)))),
            "eth_chainId" => ok(&id, json!(format!("{:#x}", chain.config().chain_id))),
            "net_version" => ok(&id, json!(chain.config().chain_id.to_string())),
            "eth_getBlockByNumber" => {
                match block_number(self.execution_head(&chain), params.get(0)) {
                    None => error(
                        &id,
                        -32602,
                        "invalid params: block number or tag expected",
                        None,
                    ),
                    // `header_json` is null for a block not executed yet; so is the answer.
                    Some(h) => ok(
                        &id,
                        super::payments::with_transactions(
                            &chain,
                            h,
                            self.header_json(&chain, h),
                            params.get(1) == Some(&json!(true)),
                        ),
                    ),
                }
            }
            "eth_getBlockByHash" => {
                let hash = params
                    .get(0)
                    .and_then(Value::as_str)
                    .and_then(|h| h.parse::<alloy_primitives::B256>().ok());
                match hash {
                    None => error(&id, -32602, "invalid params: 32-byte hash expected", None),
                    Some(hash) => {
                        let executed = self.execution_head(&chain);
                        // A block not executed yet: reth answers `null`.
                        let height = chain
                            .block_by_hash(&hash)
                            .map(|b| b.height())
                            .filter(|h| *h <= executed);
                        ok(
                            &id,
                            height.map_or(Value::Null, |h| {
                                super::payments::with_transactions(
                                    &chain,
                                    h,
                                    self.header_json(&chain, h),
                                    params.get(1) == Some(&json!(true)),
                                )
                            }),
                        )
                    }
                }
            }
            "eth_getProof" => self.get_proof(&chain, &id, &params),
            m if super::payments::handles(m) => {
                super::payments::handle(self, &chain, &id, m, &params)
            }
            _ => error(
                &id,
                -32601,
                &format!("the method {method} does not exist/is not available"),
                None,
            ),
        };
        Reply::Json(reply)
    }

    /// `eth_getProof(address, slots, block)`: the proof from the block's real state trie.
    fn get_proof(&self, chain: &Chain, id: &Value, params: &Value) -> Value {
        let executed = self.execution_head(chain);
        let invalid = |what: &str| error(id, -32602, &format!("invalid params: {what}"), None);
        let Some(address) = params
            .get(0)
            .and_then(Value::as_str)
            .and_then(|a| a.parse::<alloy_primitives::Address>().ok())
        else {
            return invalid("address expected");
        };
        let Some(keys) = params.get(1).and_then(Value::as_array) else {
            return invalid("array of storage keys expected");
        };
        if keys.len() > 1024 {
            return invalid("too many storage keys");
        }
        let mut slots = Vec::with_capacity(keys.len());
        for key in keys {
            match key.as_str().and_then(storage_key) {
                Some(slot) => slots.push(slot),
                None => return invalid("storage key must be a hex word"),
            }
        }
        let height = match params.get(2) {
            Some(Value::String(h)) if h.len() == 66 => h
                .parse::<alloy_primitives::B256>()
                .ok()
                .and_then(|hash| chain.block_by_hash(&hash))
                .map(|b| b.height()),
            Some(Value::Object(o)) => o
                .get("blockHash")
                .and_then(Value::as_str)
                .and_then(|h| h.parse::<alloy_primitives::B256>().ok())
                .and_then(|hash| chain.block_by_hash(&hash))
                .map(|b| b.height()),
            other => block_number(executed, other),
        };
        // reth: `block_number_for_id` → `EthApiError::HeaderNotFound` (-32001) for a block it
        // has not executed; then `best_number - block > max_proof_window` → -32602
        // (`crates/rpc/rpc-eth-api/src/helpers/state.rs`).
        let Some(height) = height.filter(|h| *h <= executed && chain.block(*h).is_some()) else {
            return error(id, HEADER_NOT_FOUND, "header not found", None);
        };
        if self
            .proof_window
            .is_some_and(|window| executed.saturating_sub(height) > window)
        {
            return error(id, INVALID_PARAMS, PROOF_WINDOW_MSG, None);
        }
        let f = &self.faults;
        let served_height = if f.hits(FaultKind::ProofWrongRoot, height) {
            height.saturating_sub(1)
        } else {
            height
        };
        let mut proof = World::at(served_height).proof(address, &slots);
        if f.hits(FaultKind::ForgedBalance, height) {
            if let Some(first) = proof.storage_proof.first_mut() {
                first.value += alloy_primitives::U256::from(1_000_000u64);
            }
        }
        ok(id, proof.to_json())
    }

    fn header_json(&self, chain: &Chain, height: u64) -> Value {
        if self.withheld(chain, height) || height > self.execution_head(chain) {
            return Value::Null;
        }
        match self.lookup(chain, height) {
            Lookup::Found(served) => Self::block_json(&served.header),
            _ => chain
                .block(height)
                .map_or(Value::Null, |b| Self::block_json(&b.header)),
        }
    }

    /// Registers a subscriber; returns its id.
    pub fn subscribe(&self, sender: SyncSender<String>) -> u64 {
        let id = self.next_subscription.fetch_add(1, Ordering::Relaxed) + 1;
        if let Ok(mut subs) = self.subscribers.lock() {
            subs.push((id, sender));
        }
        id
    }

    /// Removes a subscriber.
    pub fn unsubscribe(&self, id: u64) -> bool {
        self.subscribers.lock().is_ok_and(|mut subs| {
            let before = subs.len();
            subs.retain(|(s, _)| *s != id);
            subs.len() != before
        })
    }

    /// Sends `event` to every subscriber (dropping the ones that are gone or too slow).
    pub fn broadcast(&self, event: &Value) {
        let Ok(mut subs) = self.subscribers.lock() else {
            return;
        };
        subs.retain(|(id, sender)| {
            let message = json!({
                "jsonrpc": "2.0",
                "method": "consensus_event",
                "params": {"subscription": format!("{id:#x}"), "result": event},
            });
            sender.try_send(message.to_string()).is_ok()
        });
    }
}

/// The body of block `height` as a node serializes it in a CertifiedBlock: Tempo's
/// `serde_sealed_or_recovered_block` writes `{header, body}` with the body as
/// `tempo_primitives::BlockBody` (alloy's `BlockBody<TempoTxEnvelope, TempoHeader>`):
/// `{transactions, ommers, withdrawals}`, each transaction in `TempoTxEnvelope`'s serde form.
/// Withdrawals are an empty list when the header commits to them (`withdrawalsRoot`), as
/// Tempo's block builder makes them, and `null` otherwise.
fn body_json(chain: &Chain, height: u64, header: &TempoHeader) -> Value {
    let transactions = chain
        .body(height)
        .map(|b| b.transactions.clone())
        .unwrap_or_default();
    let body: alloy_consensus::BlockBody<_, TempoHeader> = alloy_consensus::BlockBody {
        transactions,
        ommers: Vec::new(),
        withdrawals: header
            .inner
            .withdrawals_root
            .map(|_| alloy_eips::eip4895::Withdrawals::default()),
    };
    // Cannot fall back: the body is plain data (serde_json fails only on maps with non-string
    // keys and on serializers that error, and alloy's block body has neither).
    serde_json::to_value(body).unwrap_or(Value::Null)
}

/// A block number or tag (`latest`, `finalized`, `safe`, `earliest`) as a height.
/// The tags name the execution head, as on a node.
fn block_number(executed: u64, param: Option<&Value>) -> Option<u64> {
    match param.and_then(Value::as_str).unwrap_or("") {
        "latest" | "finalized" | "safe" => Some(executed),
        "earliest" => Some(0),
        hex => hex
            .strip_prefix("0x")
            .and_then(|h| u64::from_str_radix(h, 16).ok()),
    }
}

/// A storage key: up to 32 bytes of hex, left-padded.
fn storage_key(text: &str) -> Option<alloy_primitives::B256> {
    let digits = text.strip_prefix("0x")?;
    if digits.is_empty() || digits.len() > 64 {
        return None;
    }
    let padded = format!("{digits:0>64}");
    padded.parse().ok()
}
