//! A block's transactions and receipts, rebuilt into the tries whose roots a final header
//! commits to (`transactionsRoot`, `receiptsRoot`).
//!
//! **Transactions are taken as their raw EIP-2718 encodings**, the bytes a node returns from
//! `debug_getRawTransactions` / `eth_getRawTransactionByBlockNumberAndIndex`. Those bytes are
//! what the transactions trie holds and what a transaction hash hashes, for every type
//! (legacy, 0x01, 0x02, 0x04, Tempo's 0x76 and any type added later), so nothing here has to
//! re-encode a transaction from JSON: a byte that differs from the signed transaction changes
//! the root. The only thing checked about a transaction's bytes is their envelope (a legacy
//! RLP list, or a type byte below 0x80 followed by exactly one RLP list).
//!
//! **Receipts are Tempo's `TempoReceipt`**: alloy's `EthereumReceipt` over Tempo's
//! transaction types, whose typed encoding is `type ‖ rlp([status, cumulativeGasUsed,
//! logsBloom, logs])` (the type byte absent for legacy). They are read from
//! `eth_getBlockReceipts` JSON (or from their encoding, in a proof document) and encoded with
//! alloy-consensus's `ReceiptWithBloom`.
//!
//! Both tries are the ordered trie (keys `rlp(index)`), built with alloy-trie's `HashBuilder`,
//! which can also retain the proof of one item ([`ordered_trie_proof`]).

use crate::error::DecodeError;
use crate::wire::json::{self, Object};
use alloc::{format, string::String, vec::Vec};
use alloy_consensus::{Eip658Value, Receipt, ReceiptWithBloom};
use alloy_primitives::{Address, Bloom, Bytes, Log, LogData, B256};
use alloy_rlp::{BufMut, Decodable, Encodable};
use alloy_trie::{
    proof::ProofRetainer, root::adjust_index_for_rlp, HashBuilder, Nibbles, EMPTY_ROOT_HASH,
};
use serde_json::Value;

/// Largest transaction accepted (reth's pool limit is 128 KiB; blocks may hold larger system
/// transactions, so twice that).
pub const MAX_TRANSACTION_BYTES: usize = 256 * 1024;
/// Most transactions (and receipts) in one block accepted.
pub const MAX_BLOCK_TRANSACTIONS: usize = 50_000;
/// Most logs in one receipt accepted.
pub const MAX_RECEIPT_LOGS: usize = 4_096;
/// Most topics of one log (the EVM emits at most four).
pub const MAX_LOG_TOPICS: usize = 4;
/// Largest data of one log accepted.
pub const MAX_LOG_DATA: usize = 128 * 1024;

/// Most nodes in a proof of one item of an ordered trie (a key of at most 9 bytes is at most
/// 18 nibbles: a branch or extension per nibble, and the leaf).
pub const MAX_ORDERED_PROOF_NODES: usize = 40;
/// Largest proof of one item of an ordered trie (its leaf holds the whole item).
pub const MAX_ORDERED_PROOF_BYTES: usize = 8 * 1024 * 1024;

/// A receipt of a block, as it is committed to by the header's `receiptsRoot`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockReceipt {
    /// The EIP-2718 type of its transaction (0 for legacy, 0x76 for Tempo transactions).
    pub tx_type: u8,
    /// Status, cumulative gas, logs and bloom (alloy-consensus's receipt).
    pub receipt: ReceiptWithBloom<Receipt<Log>>,
    /// The `transactionHash` the server sent beside it (not committed to by the trie; only
    /// compared with the hash of the transaction at the same index).
    pub claimed_transaction_hash: Option<B256>,
}

impl BlockReceipt {
    /// Whether the transaction succeeded (EIP-658 status 1).
    pub fn success(&self) -> bool {
        self.receipt.receipt.status.coerce_status()
    }

    /// Gas used by the block's transactions up to and including this one.
    pub fn cumulative_gas_used(&self) -> u64 {
        self.receipt.receipt.cumulative_gas_used
    }

    /// The logs.
    pub fn logs(&self) -> &[Log] {
        &self.receipt.receipt.logs
    }

    /// The typed (EIP-2718) encoding: what the receipts trie holds.
    pub fn encoded_2718(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.receipt.length() + 1);
        self.encode_2718(&mut out);
        out
    }

    /// Writes the typed encoding to `out`.
    pub fn encode_2718(&self, out: &mut dyn BufMut) {
        if self.tx_type != 0 {
            out.put_u8(self.tx_type);
        }
        self.receipt.encode(out);
    }

    /// Decodes a typed receipt encoding (the whole input).
    pub fn decode_2718(bytes: &[u8]) -> Result<Self, String> {
        let (tx_type, mut body) = match bytes.first() {
            None => return Err("empty receipt".into()),
            Some(&b) if b >= 0xc0 => (0, bytes),
            Some(&b) if b < 0x80 && b != 0 => (b, &bytes[1..]),
            Some(&b) => return Err(format!("{b:#04x} is neither a type byte nor a list")),
        };
        let receipt = ReceiptWithBloom::<Receipt<Log>>::decode(&mut body)
            .map_err(|e| format!("receipt RLP: {e}"))?;
        if !body.is_empty() {
            return Err(format!("{} trailing bytes after the receipt", body.len()));
        }
        let receipt = Self {
            tx_type,
            receipt,
            claimed_transaction_hash: None,
        };
        receipt.check_bounds()?;
        // alloy's decoder accepts some non-canonical forms (a status byte other than 0 or 1);
        // only the canonical encoding is the receipt the trie commits to.
        if receipt.encoded_2718() != bytes {
            return Err("not the canonical encoding of the receipt it decodes to".into());
        }
        Ok(receipt)
    }

    fn check_bounds(&self) -> Result<(), String> {
        if !matches!(self.receipt.receipt.status, Eip658Value::Eip658(_)) {
            return Err("a pre-Byzantium state root instead of a status".into());
        }
        if self.logs().len() > MAX_RECEIPT_LOGS {
            return Err(format!("more than {MAX_RECEIPT_LOGS} logs"));
        }
        for log in self.logs() {
            if log.topics().len() > MAX_LOG_TOPICS || log.data.data.len() > MAX_LOG_DATA {
                return Err("a log with more than 4 topics or oversized data".into());
            }
        }
        Ok(())
    }

    /// Reads one element of an `eth_getBlockReceipts` answer (or an
    /// `eth_getTransactionReceipt` answer). Only the fields the trie commits to are read, plus
    /// `transactionHash` (kept as a claim).
    pub fn from_value(value: &Value) -> Result<Self, DecodeError> {
        let object = json::object("receipt", value)?;
        let tx_type = json::member(object, "type", json::quantity)?;
        let tx_type = u8::try_from(tx_type)
            .ok()
            .filter(|t| *t < 0x80)
            .ok_or_else(|| json::invalid("receipt.type", "not an EIP-2718 type"))?;
        let status = match json::member(object, "status", json::quantity)? {
            0 => false,
            1 => true,
            _ => return Err(json::invalid("receipt.status", "neither 0x0 nor 0x1")),
        };
        let cumulative_gas_used = json::member(object, "cumulativeGasUsed", json::quantity)?;
        let logs_bloom = Bloom::from(json::member(object, "logsBloom", json::fixed::<256>)?);
        let logs = json::member(object, "logs", json::array)?;
        if logs.len() > MAX_RECEIPT_LOGS {
            return Err(json::invalid("receipt.logs", "too many logs"));
        }
        let logs = logs.iter().map(log_from_value).collect::<Result<_, _>>()?;
        let claimed_transaction_hash =
            json::optional_member(object, "transactionHash", json::fixed::<32>)?;
        Ok(Self {
            tx_type,
            receipt: ReceiptWithBloom {
                receipt: Receipt {
                    status: Eip658Value::Eip658(status),
                    cumulative_gas_used,
                    logs,
                },
                logs_bloom,
            },
            claimed_transaction_hash,
        })
    }

    /// The receipt in the JSON shape of `eth_getBlockReceipts` (the committed fields only).
    pub fn to_value(&self) -> Value {
        let r = &self.receipt.receipt;
        let logs: Vec<Value> = r
            .logs
            .iter()
            .map(|log| {
                serde_json::json!({
                    "address": log.address,
                    "topics": log.topics(),
                    "data": log.data.data,
                })
            })
            .collect();
        serde_json::json!({
            "type": format!("{:#x}", self.tx_type),
            "status": if self.success() { "0x1" } else { "0x0" },
            "cumulativeGasUsed": format!("{:#x}", r.cumulative_gas_used),
            "logsBloom": self.receipt.logs_bloom,
            "logs": logs,
        })
    }
}

fn log_from_value(value: &Value) -> Result<Log, DecodeError> {
    let object: &Object = json::object("log", value)?;
    let address: Address = json::member(object, "address", json::fixed::<20>)?.into();
    let topics = json::member(object, "topics", json::array)?;
    if topics.len() > MAX_LOG_TOPICS {
        return Err(json::invalid("log.topics", "more than 4 topics"));
    }
    let topics = topics
        .iter()
        .map(|t| json::fixed::<32>("log.topics", t))
        .collect::<Result<Vec<B256>, _>>()?;
    let data = json::member(object, "data", json::bytes)?;
    if data.len() > MAX_LOG_DATA {
        return Err(json::invalid("log.data", "oversized"));
    }
    Ok(Log {
        address,
        data: LogData::new_unchecked(topics, data),
    })
}

/// The bloom of a receipt's logs (each log's address and topics accrued).
pub fn logs_bloom(logs: &[Log]) -> Bloom {
    let mut bloom = Bloom::ZERO;
    for log in logs {
        bloom.accrue_log(log);
    }
    bloom
}

/// Reads a block's raw transactions as a node sends them (`debug_getRawTransactions`: an
/// array of `0x`-prefixed hex strings, at most [`MAX_BLOCK_TRANSACTIONS`]). Only the shape is
/// checked here; the envelopes are `payment::check_transactions`'s rule.
pub fn raw_transactions_from_value(value: &Value) -> Result<Vec<Bytes>, DecodeError> {
    let field = "raw transactions";
    let items = json::array(field, value)?;
    if items.len() > MAX_BLOCK_TRANSACTIONS {
        return Err(json::invalid(field, "too many transactions in one block"));
    }
    items.iter().map(raw_transaction_from_value).collect()
}

/// Reads one raw transaction (`eth_getRawTransactionByBlockNumberAndIndex`'s answer): a
/// `0x`-prefixed hex string of at most [`MAX_TRANSACTION_BYTES`] bytes.
pub fn raw_transaction_from_value(value: &Value) -> Result<Bytes, DecodeError> {
    let field = "raw transaction";
    let text = value
        .as_str()
        .ok_or_else(|| json::invalid(field, "expected 0x-prefixed hex bytes"))?;
    let digits = text
        .strip_prefix("0x")
        .ok_or_else(|| json::invalid(field, "hex bytes must start with 0x"))?;
    if digits.len() > 2 * MAX_TRANSACTION_BYTES {
        return Err(json::invalid(
            field,
            "larger than the largest transaction accepted",
        ));
    }
    alloy_primitives::hex::decode(digits)
        .map(Bytes::from)
        .map_err(|_| json::invalid(field, "invalid hex"))
}

/// Reads an `eth_getBlockReceipts` answer: an array of at most [`MAX_BLOCK_TRANSACTIONS`]
/// receipts, each read by [`BlockReceipt::from_value`].
pub fn block_receipts_from_value(value: &Value) -> Result<Vec<BlockReceipt>, DecodeError> {
    let items = json::array("receipts", value)?;
    if items.len() > MAX_BLOCK_TRANSACTIONS {
        return Err(json::invalid("receipts", "too many receipts in one block"));
    }
    items.iter().map(BlockReceipt::from_value).collect()
}

/// Checks the envelope of a raw transaction (its EIP-2718 encoding): a legacy transaction is
/// one RLP list; a typed one is a type byte in `0x01..=0x7f` followed by one RLP list; nothing
/// may follow. Returns the type (0 for legacy).
pub fn transaction_type(raw: &[u8]) -> Result<u8, String> {
    if raw.len() > MAX_TRANSACTION_BYTES {
        return Err(format!("larger than {MAX_TRANSACTION_BYTES} bytes"));
    }
    let (tx_type, body) = match raw.first() {
        None => return Err("empty".into()),
        Some(&b) if b >= 0xc0 => (0, raw),
        Some(&b) if b < 0x80 && b != 0 => (b, &raw[1..]),
        Some(&b) => return Err(format!("{b:#04x} is neither a type byte nor a list")),
    };
    let mut rest = body;
    let header = alloy_rlp::Header::decode(&mut rest).map_err(|e| format!("RLP: {e}"))?;
    if !header.list {
        return Err("the payload is not an RLP list".into());
    }
    if rest.len() != header.payload_length {
        return Err(format!(
            "the list holds {} bytes but {} follow its header",
            header.payload_length,
            rest.len()
        ));
    }
    Ok(tx_type)
}

/// Root of the ordered trie (keys `rlp(index)`) over already-encoded items.
pub fn ordered_root<T: AsRef<[u8]>>(items: &[T]) -> B256 {
    ordered_trie_proofs(items, &[]).0
}

/// The transactions root of a block's raw transactions.
pub fn transactions_root(raw: &[Bytes]) -> B256 {
    ordered_root(raw)
}

/// The receipts root of a block's receipts.
pub fn receipts_root(receipts: &[BlockReceipt]) -> B256 {
    let encoded: Vec<Vec<u8>> = receipts.iter().map(BlockReceipt::encoded_2718).collect();
    ordered_root(&encoded)
}

/// The trie key of item `index`: `rlp(index)`.
pub fn index_key(index: usize) -> Vec<u8> {
    alloy_rlp::encode(index)
}

/// The root of the ordered trie over `items` and the proof (nodes from the root down) of the
/// item at `index`.
pub fn ordered_trie_proof<T: AsRef<[u8]>>(items: &[T], index: usize) -> (B256, Vec<Bytes>) {
    let (root, mut proofs) = ordered_trie_proofs(items, &[index]);
    (root, proofs.pop().unwrap_or_default())
}

/// The root of the ordered trie over `items` and the proofs of the items at `indices` (in
/// that order), from one pass over the trie: what a payment checks and what its proof holds
/// are the same trie, built once.
pub fn ordered_trie_proofs<T: AsRef<[u8]>>(
    items: &[T],
    indices: &[usize],
) -> (B256, Vec<Vec<Bytes>>) {
    if items.is_empty() {
        return (
            EMPTY_ROOT_HASH,
            indices.iter().map(|_| Vec::new()).collect(),
        );
    }
    let paths: Vec<Nibbles> = indices
        .iter()
        .map(|t| Nibbles::unpack(index_key(*t)))
        .collect();
    let mut builder = if paths.is_empty() {
        HashBuilder::default()
    } else {
        HashBuilder::default().with_proof_retainer(ProofRetainer::new(paths.clone()))
    };
    let n = items.len();
    for i in 0..n {
        let index = adjust_index_for_rlp(i, n);
        builder.add_leaf(Nibbles::unpack(index_key(index)), items[index].as_ref());
    }
    let root = builder.root();
    if paths.is_empty() {
        return (root, Vec::new());
    }
    let nodes = builder.take_proof_nodes();
    let proofs = paths
        .iter()
        .map(|p| {
            nodes
                .matching_nodes_sorted(p)
                .into_iter()
                .map(|(_, node)| node)
                .collect()
        })
        .collect();
    (root, proofs)
}

/// Checks that `value` is the item at `index` of the ordered trie with `root`.
pub fn verify_ordered_proof(
    root: B256,
    index: usize,
    value: &[u8],
    proof: &[Bytes],
) -> Result<(), String> {
    if proof.len() > MAX_ORDERED_PROOF_NODES {
        return Err("too many proof nodes".into());
    }
    if proof.iter().map(|n| n.len()).sum::<usize>() > MAX_ORDERED_PROOF_BYTES {
        return Err("the proof is oversized".into());
    }
    alloy_trie::proof::verify_proof(
        root,
        Nibbles::unpack(index_key(index)),
        Some(value.to_vec()),
        proof,
    )
    .map_err(|e| format!("{e}"))
}
