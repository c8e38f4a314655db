//! The proxy's answers: each request read by the core ([`Ask::parse`]), the final block it
//! names fetched and its certificate verified by the light client, the proof it needs
//! fetched and verified, and the answer written by the core ([`tempo_light::serve`]). This
//! file only moves bytes between the upstream nodes and the core, caches what is final
//! (immutable, so one verification serves every client) and shares concurrent fetches.

use super::{
    cache::{Coalescing, Weigh},
    metrics::Metrics,
    trust::Trust,
    upstream::{Answered, Upstreams},
    Policy,
};
use crate::driver::rpc::{RpcError, HEADER_NOT_FOUND, OUTSIDE_PROOF_WINDOW};
use alloy_primitives::{Address, B256};
use futures_util::future::join_all;
use serde_json::{json, Value};
use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};
use tempo_light::{
    finality::verify::VerifiedBlock,
    payment::{located_height, BlockQuery},
    serve::{
        self,
        logs::{block_logs, log_heights, LogFilter, LogRange},
        Ask, AskError, BlockAt, Parsed,
    },
    state::state_proof::{
        check_fresh_state, execution_head, verify_account_query, AccountProof, VerifiedAccount,
    },
    CertifiedBlock, Classified, ErrorKind, TempoHeader,
};
use tempo_light_transactions::{proven_block, proven_transaction, ProvenBlock, ProvenTransaction};

/// Final blocks kept verified in memory (a header is about 1 KB; boundaries a few KB more),
/// within the cache budget's share [`Budget::finals`].
const FINAL_CACHE: usize = 4096;
/// Proven transactions kept in memory (each a few KB of JSON).
const PROVEN_CACHE: usize = 1024;
/// Proven block contents kept in memory (every transaction and receipt of a block as JSON: a
/// few KB each, so up to a few MB a full block).
const PROVEN_BLOCK_CACHE: usize = 64;
/// Verified state proofs kept in memory (a TIP-20 query's is 10 to 30 KB of trie nodes); block
/// answers as many.
const PROOF_CACHE: usize = 4096;

/// The proxy's caches' byte budget (`--cache-mib`), shared among them in fixed parts of 1/7
/// each: final blocks 1, block answers 1, proven transactions 1, state proofs 2, block
/// contents 2.
#[derive(Clone, Copy, Debug)]
pub struct Budget {
    seventh: usize,
}

impl Budget {
    /// The default: 56 MiB in all.
    pub const DEFAULT_MIB: usize = 56;

    /// A budget of `mib` MiB in all (at least one byte a cache).
    pub fn mib(mib: usize) -> Self {
        Self {
            seventh: (mib.saturating_mul(1 << 20) / 7).max(1),
        }
    }

    fn finals(self) -> usize {
        self.seventh
    }
    fn blocks(self) -> usize {
        self.seventh
    }
    fn proven(self) -> usize {
        self.seventh
    }
    fn proofs(self) -> usize {
        2 * self.seventh
    }
    fn contents(self) -> usize {
        2 * self.seventh
    }
}

/// About how many bytes a JSON value holds: its strings and a node's overhead for each value.
fn json_weight(value: &Value) -> usize {
    const NODE: usize = size_of::<Value>() + 16;
    NODE + match value {
        Value::String(s) => s.len(),
        Value::Array(items) => items.iter().map(json_weight).sum(),
        Value::Object(fields) => fields
            .iter()
            .map(|(k, v)| k.len() + NODE + json_weight(v))
            .sum(),
        _ => 0,
    }
}

impl Weigh for Arc<Value> {
    fn weight(&self) -> usize {
        json_weight(self)
    }
}

impl Weigh for Arc<Final> {
    fn weight(&self) -> usize {
        // Three copies of the header (served, verified, kept), each with its extra data, and
        // a boundary's DKG outcome (players and dealers of 32 bytes, and the public sharing).
        let extra = self.header.inner.extra_data.len();
        let outcome = self.verified.next_epoch.as_ref().map_or(0, |o| {
            32 * (o.dealers.len() + o.players.len() + o.revealed.len()) + 4096
        });
        size_of::<Final>() + 3 * extra + outcome
    }
}

impl Weigh for Arc<(AccountProof, VerifiedAccount)> {
    fn weight(&self) -> usize {
        let (proof, _) = &**self;
        let nodes =
            |list: &[alloy_primitives::Bytes]| -> usize { list.iter().map(|n| n.len() + 32).sum() };
        size_of::<(AccountProof, VerifiedAccount)>()
            + nodes(&proof.account_proof)
            + proof
                .storage_proof
                .iter()
                .map(|s| 2 * 96 + nodes(&s.proof))
                .sum::<usize>()
    }
}

impl Weigh for ProvenTransaction {
    fn weight(&self) -> usize {
        size_of::<Self>() + json_weight(&self.transaction) + json_weight(&self.receipt)
    }
}

impl Weigh for Option<Arc<ProvenTransaction>> {
    fn weight(&self) -> usize {
        self.as_ref().map_or(0, |p| p.weight())
    }
}

impl Weigh for Arc<ProvenBlock> {
    fn weight(&self) -> usize {
        size_of::<ProvenBlock>()
            + self.header.inner.extra_data.len()
            + self.transactions.iter().map(Weigh::weight).sum::<usize>()
    }
}

/// A block whose certificate verified: what every answer at it is proven against.
#[derive(Clone, Debug)]
pub struct Final {
    /// Height.
    pub height: u64,
    /// Hash (of the verified header).
    pub hash: B256,
    /// The verified header.
    pub header: TempoHeader,
    /// The certified block as served (its certificate anchors payment proofs).
    certified: CertifiedBlock,
    /// What verified.
    verified: VerifiedBlock,
}

impl Final {
    fn state_root(&self) -> B256 {
        self.header.inner.state_root
    }
}

/// An `eth_getProof` asked: the account, the storage keys, the block height.
type ProofKey = (Address, Vec<B256>, u64);

/// Why a request got no result: a JSON-RPC error object.
#[derive(Clone, Debug)]
pub struct Failure {
    /// The JSON-RPC error code.
    pub rpc_code: i64,
    /// The stable code (the core's, where the core refused).
    pub code: String,
    /// Its kind, where one applies.
    pub kind: Option<ErrorKind>,
    /// What failed.
    pub message: String,
    /// The upstream's own error code, when the failure is an upstream's error answer.
    upstream_code: Option<i64>,
}

impl Failure {
    /// A refusal of the core (or of this proxy in the core's terms).
    pub fn of(e: &impl Classified) -> Self {
        let kind = e.kind();
        Self {
            rpc_code: match kind {
                ErrorKind::Usage => -32602,
                ErrorKind::Unavailable => 4900,
                _ => -32099,
            },
            code: e.code().to_string(),
            kind: Some(kind),
            message: match kind {
                ErrorKind::Unavailable | ErrorKind::Usage => e.to_string(),
                _ => format!("not verified: {e}"),
            },
            upstream_code: None,
        }
    }

    pub(super) fn new(rpc_code: i64, code: &str, kind: ErrorKind, message: String) -> Self {
        Self {
            rpc_code,
            code: code.to_string(),
            kind: Some(kind),
            message,
            upstream_code: None,
        }
    }

    /// A method this proxy cannot prove, refused (`--policy strict`).
    pub fn unsupported(method: &str) -> Self {
        Self {
            rpc_code: 4200,
            code: "Unsupported".into(),
            kind: None,
            message: format!(
                "{method} cannot be verified by tempo-light (policy strict): ask the node itself"
            ),
            upstream_code: None,
        }
    }

    /// Every upstream failed to answer.
    pub fn upstream(e: &RpcError) -> Self {
        let (code, upstream_code) = match e {
            RpcError::Server { code, .. } => ("RpcError", Some(*code)),
            RpcError::Malformed(_) => ("InvalidJson", None),
            _ => ("RpcUnavailable", None),
        };
        Self {
            upstream_code,
            ..Self::new(
                4900,
                code,
                ErrorKind::Unavailable,
                format!("upstream unavailable: {e}"),
            )
        }
    }

    fn unavailable(message: String) -> Self {
        Self::new(4900, "RpcUnavailable", ErrorKind::Unavailable, message)
    }

    /// An upstream's answer that failed verification (the node lied or is broken).
    fn is_lie(&self) -> bool {
        matches!(
            self.kind,
            Some(ErrorKind::Malformed | ErrorKind::NotVerified | ErrorKind::Mismatch)
        )
    }

    /// The JSON-RPC error object.
    pub fn to_json(&self) -> Value {
        let mut data = json!({ "code": self.code });
        if let Some(kind) = self.kind {
            data["kind"] = json!(kind.name());
        }
        json!({ "code": self.rpc_code, "message": self.message, "data": data })
    }
}

/// A result and whether it is proven.
pub struct Outcome {
    /// The result.
    pub result: Value,
    /// Proven (false: forwarded with `--policy passthrough`).
    pub verified: bool,
}

/// Answers JSON-RPC requests from verified values.
pub struct Answerer {
    trust: Arc<Trust>,
    upstreams: Arc<Upstreams>,
    policy: Policy,
    max_state_lag: u64,
    metrics: Arc<Metrics>,
    /// Final blocks by height, and their heights by hash.
    finals: Coalescing<u64, Arc<Final>>,
    heights: Mutex<HashMap<B256, u64>>,
    /// Verified `eth_getProof` answers by (account, keys, height).
    proofs: Coalescing<ProofKey, Arc<(AccountProof, VerifiedAccount)>>,
    /// Block answers (header and proven transaction hashes) by height.
    blocks: Coalescing<u64, Arc<Value>>,
    /// Proven transactions by hash (`None`, not final yet, is not kept).
    proven: Coalescing<B256, Option<Arc<ProvenTransaction>>>,
    /// Proven block contents (every transaction and receipt) by height.
    contents: Coalescing<u64, Arc<ProvenBlock>>,
}

fn hex(n: u64) -> String {
    format!("{n:#x}")
}

impl Answerer {
    /// An answerer over `trust`, asking `upstreams`.
    pub fn new(
        trust: Arc<Trust>,
        upstreams: Arc<Upstreams>,
        policy: Policy,
        max_state_lag: u64,
        budget: Budget,
        metrics: Arc<Metrics>,
    ) -> Self {
        Self {
            trust,
            upstreams,
            policy,
            max_state_lag,
            finals: Coalescing::new("finals", FINAL_CACHE, budget.finals(), &metrics),
            heights: Mutex::new(HashMap::new()),
            proofs: Coalescing::new("proofs", PROOF_CACHE, budget.proofs(), &metrics),
            blocks: Coalescing::new("blocks", PROOF_CACHE, budget.blocks(), &metrics),
            proven: Coalescing::new("transactions", PROVEN_CACHE, budget.proven(), &metrics),
            contents: Coalescing::new(
                "block_contents",
                PROVEN_BLOCK_CACHE,
                budget.contents(),
                &metrics,
            ),
            metrics,
        }
    }

    /// The trust the answers are proven under.
    pub fn trust(&self) -> &Arc<Trust> {
        &self.trust
    }

    /// Answers one request.
    pub async fn answer(&self, method: &str, params: &Value) -> Result<Outcome, Failure> {
        let parsed = Ask::parse(method, params).map_err(|e| Failure::of(&e))?;
        let ask = match parsed {
            Parsed::Verified(ask) => ask,
            Parsed::Unverifiable if self.policy == Policy::Passthrough => {
                let answered = self
                    .upstreams
                    .call(method, params.clone(), &[])
                    .await
                    .map_err(|e| Failure::upstream(&e))?;
                return Ok(Outcome {
                    result: answered.value,
                    verified: false,
                });
            }
            Parsed::Unverifiable => return Err(Failure::unsupported(method)),
        };
        let result = self.answer_verified(&ask).await?;
        Ok(Outcome {
            result,
            verified: true,
        })
    }

    async fn answer_verified(&self, ask: &Ask) -> Result<Value, Failure> {
        let client = self.trust.client()?;
        match ask {
            Ask::ChainId | Ask::NetVersion => {
                let chain_id = client.state().network().chain_id();
                if chain_id == 0 {
                    // A custom network's chain id is what the user says, or unknown.
                    return Err(Failure::new(
                        4200,
                        "Unsupported",
                        ErrorKind::Usage,
                        "the chain id of this custom network is not known: start the proxy with --chain-id".into(),
                    ));
                }
                Ok(match ask {
                    Ask::ChainId => json!(hex(chain_id)),
                    _ => json!(chain_id.to_string()),
                })
            }
            Ask::BlockNumber => Ok(json!(hex(self.trust.head()?.height))),
            Ask::Block(at) => match self.block_at(*at).await? {
                Some(block) => self.block_answer(&block).await.map(|b| (*b).clone()),
                None => Ok(Value::Null),
            },
            Ask::FullBlock(at) | Ask::BlockReceipts(at) => match self.block_at(*at).await? {
                Some(block) => {
                    let proven = self.proven_block(&block).await?;
                    Ok(match ask {
                        Ask::FullBlock(_) => proven.block_json(),
                        _ => proven.receipts_json(),
                    })
                }
                None => Ok(Value::Null),
            },
            Ask::Tip20 { token, read, at } => {
                // Answered from the query verified once (and cached) by `account_at`.
                let (_, proof) = self.account_at(*at, *token, &read.slots()).await?;
                serve::tip20_answer_from(*read, *token, &proof.1).map_err(|e| Failure::of(&e))
            }
            Ask::Logs { range, filter } => self.logs(*range, filter).await,
            Ask::Transaction(hash) | Ask::Receipt(hash) => {
                Ok(match self.proven_transaction(*hash).await? {
                    None => Value::Null,
                    Some(p) if matches!(ask, Ask::Transaction(_)) => p.transaction.clone(),
                    Some(p) => p.receipt.clone(),
                })
            }
            Ask::SendRaw(raw) => {
                let raw_hex = format!("0x{}", alloy_primitives::hex::encode(raw));
                let Answered { value, node } = self
                    .upstreams
                    .call("eth_sendRawTransaction", json!([raw_hex]), &[])
                    .await
                    .map_err(|e| Failure::upstream(&e))?;
                serve::check_sent_transaction(raw, &value).map_err(|e| {
                    self.lied(node, "eth_sendRawTransaction");
                    Failure::of(&e)
                })
            }
            _ => {
                let Some((address, slots, at)) = ask.proof_request() else {
                    // Every other ask is a state read: parse gives no other variant.
                    return Err(Failure::of(&AskError::InvalidParams(
                        "no verified answer for this request".into(),
                    )));
                };
                let (block, proven) = self.account_at(at, address, &slots).await?;
                let (proof, verified) = &*proven;
                if let Ask::Code { address, .. } = ask {
                    return self.code(address, &block, verified).await;
                }
                serve::answer_from_account(ask, proof, verified)
                    .ok_or_else(|| Failure::of(&AskError::InvalidParams("not a state read".into())))
            }
        }
    }

    async fn code(
        &self,
        address: &Address,
        block: &Final,
        verified: &VerifiedAccount,
    ) -> Result<Value, Failure> {
        let Some(code_hash) = serve::code_hash_to_match(verified) else {
            return Ok(json!("0x"));
        };
        let params = json!([format!("{address:#x}"), hex(block.height)]);
        self.verified_call("eth_getCode", params, |value| {
            serve::check_code(code_hash, &value).map_err(|e| Failure::of(&e))
        })
        .await
    }

    /// Reports an upstream whose answer failed verification, and demotes it.
    fn lied(&self, node: usize, method: &str) {
        self.upstreams.demote(node);
        let url = self.upstreams.url(node).to_string();
        self.metrics.lie(&url);
        super::log::event(
            "upstream_refused",
            &[("upstream", json!(url)), ("method", json!(method))],
        );
    }

    /// `method` asked of one upstream after another until an answer passes `check`; an
    /// answer that fails it (a lie) demotes its node and is asked of the next. The first
    /// refusal is the error when none passes; an upstream's error (or `null`) is returned as
    /// it is, as no other node is then more likely to prove it.
    async fn verified_call<T>(
        &self,
        method: &str,
        params: Value,
        check: impl Fn(Value) -> Result<T, Failure>,
    ) -> Result<T, Failure> {
        let mut tried = Vec::new();
        let mut refusal: Option<Failure> = None;
        loop {
            let answered = match self.upstreams.call(method, params.clone(), &tried).await {
                Ok(answered) => answered,
                Err(e) => return Err(refusal.unwrap_or_else(|| Failure::upstream(&e))),
            };
            match check(answered.value) {
                Ok(t) => return Ok(t),
                Err(f) if f.is_lie() => {
                    self.lied(answered.node, method);
                    tried.push(answered.node);
                    let first = refusal.get_or_insert(f);
                    if tried.len() >= self.upstreams.len() {
                        return Err(first.clone());
                    }
                }
                Err(f) => return Err(refusal.unwrap_or(f)),
            }
        }
    }

    /// The block at `height` (at most the head), its certificate verified; cached, and one
    /// fetch shared by concurrent asks.
    pub async fn final_block(&self, height: u64) -> Result<Arc<Final>, Failure> {
        self.finals
            .get_or_fetch(
                height,
                |_| true,
                || async {
                    let found = Arc::new(self.fetch_final(height).await?);
                    if let Ok(mut heights) = self.heights.lock() {
                        heights.insert(found.hash, height);
                        // Bounded with the blocks: a hash whose block left the cache is asked again.
                        if heights.len() > 2 * FINAL_CACHE {
                            heights.retain(|_, h| self.finals.get(h).is_some());
                        }
                    }
                    Ok(found)
                },
            )
            .await
    }

    async fn fetch_final(&self, height: u64) -> Result<Final, Failure> {
        let client = self.trust.client()?;
        // A block whose identity the client no longer keeps (or cannot know) is refused
        // before any upstream is asked: it would prove nothing, and is no upstream's fault.
        client
            .state()
            .network()
            .epoch_of(height)
            .and_then(|epoch| client.verifying_identity(epoch))
            .map_err(|e| Failure::of(&e))?;
        self.verified_call(
            "consensus_getFinalization",
            json!([{ "height": height }]),
            |value| {
                if value.is_null() {
                    return Err(Failure::unavailable(format!(
                        "the node has no finalization at {height}"
                    )));
                }
                let block = CertifiedBlock::from_value(value).map_err(|e| Failure::of(&e))?;
                let verified = client.verify(&block).map_err(|e| Failure::of(&e))?;
                if verified.height != height {
                    return Err(Failure::new(
                        -32099,
                        "HeaderNumberMismatch",
                        ErrorKind::Mismatch,
                        format!(
                            "not verified: asked for block {height}, the node answered block {}",
                            verified.height
                        ),
                    ));
                }
                Ok(Final {
                    height,
                    hash: verified.hash,
                    header: verified.header.clone(),
                    certified: block,
                    verified,
                })
            },
        )
        .await
    }

    /// The final block `at` names, or `None` for one not final (or unknown) yet.
    pub async fn block_at(&self, at: BlockAt) -> Result<Option<Arc<Final>>, Failure> {
        let head = self.trust.head()?;
        match at {
            BlockAt::Head => self.final_block(head.height).await.map(Some),
            BlockAt::Number(n) if n > head.height => Ok(None),
            BlockAt::Number(n) => self.final_block(n).await.map(Some),
            BlockAt::Hash(hash) => self.block_by_hash(hash, head.height, head.hash).await,
        }
    }

    async fn block_by_hash(
        &self,
        hash: B256,
        head_height: u64,
        head_hash: B256,
    ) -> Result<Option<Arc<Final>>, Failure> {
        let known = self.heights.lock().ok().and_then(|h| h.get(&hash).copied());
        let height = match known {
            Some(height) => height,
            None if hash == head_hash => head_height,
            None => {
                // Only where to look: the number is checked by the block's own certificate.
                let answered = self
                    .upstreams
                    .call(
                        "eth_getBlockByHash",
                        json!([format!("{hash:#x}"), false]),
                        &[],
                    )
                    .await
                    .map_err(|e| Failure::upstream(&e))?;
                if answered.value.is_null() {
                    return Ok(None);
                }
                let number = answered
                    .value
                    .get("number")
                    .and_then(Value::as_str)
                    .and_then(|n| n.strip_prefix("0x"))
                    .and_then(|n| u64::from_str_radix(n, 16).ok())
                    .ok_or_else(|| {
                        Failure::of(&AskError::MalformedAnswer(
                            "eth_getBlockByHash answered without a block number".into(),
                        ))
                    })?;
                if number > head_height {
                    return Ok(None);
                }
                number
            }
        };
        let block = self.final_block(height).await?;
        if block.hash != hash {
            return Err(Failure::new(
                -32099,
                "DigestMismatch",
                ErrorKind::Mismatch,
                format!(
                    "not verified: block {height} that final certificates prove is {:#x}, not {hash:#x}",
                    block.hash
                ),
            ));
        }
        Ok(Some(block))
    }

    /// `address`'s account and the storage `slots`, proven at the final block `at` names.
    /// For the head: where the node cannot prove there (real nodes prove only at their
    /// execution head), at the node's execution head once it is final and at most
    /// `--max-state-lag` blocks behind the verified head.
    async fn account_at(
        &self,
        at: BlockAt,
        address: Address,
        slots: &[B256],
    ) -> Result<(Arc<Final>, Arc<(AccountProof, VerifiedAccount)>), Failure> {
        let block = self.block_at(at).await?.ok_or_else(|| {
            Failure::of(&AskError::NotFinal(match at {
                BlockAt::Hash(h) => format!("block {h:#x}"),
                BlockAt::Number(n) => format!("block {n}"),
                BlockAt::Head => "the head".into(),
            }))
        })?;
        match self.account_in(&block, address, slots).await {
            Err(f) if at == BlockAt::Head && f.not_proven_there() => {}
            other => return other.map(|proof| (block, proof)),
        }
        let executed = self
            .upstreams
            .call("eth_blockNumber", json!([]), &[])
            .await
            .map_err(|e| Failure::upstream(&e))?
            .value;
        let executed = execution_head(&executed).map_err(|e| Failure::of(&e))?;
        check_fresh_state(block.height, executed, self.max_state_lag)
            .map_err(|e| Failure::of(&e))?;
        let older = self.final_block(executed.min(block.height)).await?;
        let proof = self.account_in(&older, address, slots).await?;
        Ok((older, proof))
    }

    /// `eth_getProof` for `address` and `slots` in `block`, verified against its state root;
    /// cached, and one fetch shared by concurrent asks.
    async fn account_in(
        &self,
        block: &Final,
        address: Address,
        slots: &[B256],
    ) -> Result<Arc<(AccountProof, VerifiedAccount)>, Failure> {
        let key = (address, slots.to_vec(), block.height);
        self.proofs
            .get_or_fetch(
                key,
                |_| true,
                || async {
                    let root = block.state_root();
                    let keys: Vec<String> = slots.iter().map(|s| format!("{s:#x}")).collect();
                    let params = json!([format!("{address:#x}"), keys, hex(block.height)]);
                    self.verified_call("eth_getProof", params, |value| {
                        if value.is_null() {
                            // As a node says it: not executed yet.
                            return Err(Failure {
                                upstream_code: Some(HEADER_NOT_FOUND),
                                ..Failure::unavailable(format!(
                                    "eth_getProof at block {} answered null (not executed yet?)",
                                    block.height
                                ))
                            });
                        }
                        let proof = AccountProof::from_value(value).map_err(|e| Failure::of(&e))?;
                        let verified = verify_account_query(root, address, slots, &proof)
                            .map_err(|e| Failure::of(&e))?;
                        Ok(Arc::new((proof, verified)))
                    })
                    .await
                },
            )
            .await
    }
}

impl Failure {
    /// An upstream's refusal that only means "not at that block": outside its proof window,
    /// not executed yet, or `null`.
    fn not_proven_there(&self) -> bool {
        matches!(self.upstream_code, Some(c) if c == OUTSIDE_PROOF_WINDOW || c == HEADER_NOT_FOUND)
    }
}

impl Answerer {
    /// `eth_getBlockBy*`'s answer for a final block: its header and the hashes of its raw
    /// transactions, which rebuild the header's `transactionsRoot` (in the core). Cached.
    async fn block_answer(&self, block: &Final) -> Result<Arc<Value>, Failure> {
        self.blocks
            .get_or_fetch(
                block.height,
                |_| true,
                || async {
                    self.with_contents(block.height, "block transactions", |c| {
                        serve::block_answer_with_transactions(&block.header, &c.transactions)
                            .map(Arc::new)
                            .map_err(|e| Failure::of(&e))
                    })
                    .await
                },
            )
            .await
    }

    /// Every transaction and receipt of a final block, proven (its raw transactions and
    /// receipts rebuild the verified roots, checked once for the block). Cached, and one fetch
    /// shared by concurrent asks.
    async fn proven_block(&self, block: &Final) -> Result<Arc<ProvenBlock>, Failure> {
        self.contents
            .get_or_fetch(
                block.height,
                |_| true,
                || async {
                    self.with_contents(block.height, "block contents", |c| {
                        proven_block(&block.verified, &c.transactions, &c.receipts)
                            .map(Arc::new)
                            .map_err(|e| Failure::of(&e))
                    })
                    .await
                },
            )
            .await
    }

    /// Transaction `hash` and its receipt, proven in a final block (the block's raw
    /// transactions and receipts rebuild its verified roots; the sender is recovered from the
    /// signature), or `None` while it is in no final block. Cached once proven (final: it never
    /// changes); concurrent asks share one proof.
    async fn proven_transaction(
        &self,
        hash: B256,
    ) -> Result<Option<Arc<ProvenTransaction>>, Failure> {
        self.proven
            .get_or_fetch(hash, Option::is_some, || async {
                self.prove_transaction(hash).await.map(|p| p.map(Arc::new))
            })
            .await
    }

    async fn prove_transaction(&self, hash: B256) -> Result<Option<ProvenTransaction>, Failure> {
        let head = self.trust.head()?;
        // Only where to look: nothing in this answer is believed.
        let located = self
            .upstreams
            .call(
                "eth_getTransactionReceipt",
                json!([format!("{hash:#x}")]),
                &[],
            )
            .await
            .map_err(|e| Failure::upstream(&e))?
            .value;
        let Some(height) = located_height(&located).map_err(|e| Failure::of(&e))? else {
            return Ok(None);
        };
        // Not final yet: answered as a node answers for a transaction not yet mined.
        if height > head.height {
            return Ok(None);
        }
        let block = self.final_block(height).await?;
        self.with_contents(height, "eth_getTransactionReceipt", |c| {
            proven_transaction(
                &block.certified,
                &block.verified,
                hash,
                &c.transactions,
                &c.receipts,
            )
            .map(Some)
            .map_err(|e| Failure::of(&e))
        })
        .await
    }

    /// `read` of block `height`'s raw transactions and receipts, asked of one node after
    /// another: a node whose contents fail `read` as a lie (they do not rebuild the verified
    /// header's roots) is demoted and the next one asked.
    async fn with_contents<T>(
        &self,
        height: u64,
        what: &str,
        read: impl Fn(&tempo_light::payment::BlockContents) -> Result<T, Failure>,
    ) -> Result<T, Failure> {
        let mut refusal = None;
        for node in self.upstreams.order(&[]) {
            match self
                .block_contents(node, height)
                .await
                .and_then(|c| read(&c))
            {
                Ok(t) => return Ok(t),
                Err(f) if f.is_lie() => {
                    self.lied(node, what);
                    refusal.get_or_insert(f);
                }
                Err(f) => return Err(refusal.unwrap_or(f)),
            }
        }
        Err(refusal.unwrap_or_else(|| Failure::unavailable("no upstream to ask".into())))
    }

    /// Every log of the final blocks `range` names that `filter` matches, complete: a block
    /// whose verified bloom rules the filter out is skipped, every other one's receipts are
    /// proven (the core's [`serve::logs`]).
    pub async fn logs(&self, range: LogRange, filter: &LogFilter) -> Result<Value, Failure> {
        let head = self.trust.head()?;
        let heights: Vec<u64> = match range {
            LogRange::Hash(hash) => match self.block_by_hash(hash, head.height, head.hash).await? {
                Some(block) => Vec::from([block.height]),
                None => return Err(Failure::of(&AskError::NotFinal(format!("block {hash:#x}")))),
            },
            LogRange::Blocks { from, to } => {
                let (from, to) = log_heights(from, to, head.height).map_err(|e| Failure::of(&e))?;
                (from..=to).collect()
            }
        };
        let mut found = Vec::new();
        for chunk in heights.chunks(16) {
            let blocks = join_all(chunk.iter().map(|h| self.final_block(*h))).await;
            for block in blocks {
                let block = block?;
                if !filter.may_match(&block.header.inner.logs_bloom) {
                    continue;
                }
                let logs = self
                    .with_contents(block.height, "eth_getLogs", |c| {
                        block_logs(
                            &block.header,
                            block.hash,
                            &c.transactions,
                            &c.receipts,
                            filter,
                        )
                        .map_err(|e| Failure::of(&e))
                    })
                    .await?;
                found.extend(logs);
            }
        }
        Ok(Value::Array(found))
    }

    /// Block `height`'s raw transactions and receipts from `node`, fetched as the core's
    /// [`BlockQuery`] says (its fallback where the debug namespace is off included).
    async fn block_contents(
        &self,
        node: usize,
        height: u64,
    ) -> Result<tempo_light::payment::BlockContents, Failure> {
        let mut query = BlockQuery::new(height);
        while let Some(call) = query.calls().into_iter().next() {
            match self
                .upstreams
                .call_node(node, call.method, call.params)
                .await
            {
                Ok(answer) => query
                    .answer(std::slice::from_ref(&answer))
                    .map_err(|e| Failure::of(&e))?,
                Err(RpcError::Server { code, .. }) if query.refused(code) => {}
                Err(e) => return Err(Failure::upstream(&e)),
            }
        }
        query.into_contents().ok_or_else(|| {
            Failure::of(&AskError::MalformedAnswer(
                "incomplete block contents".into(),
            ))
        })
    }
}
