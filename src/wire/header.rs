//! The Tempo block header: its JSON form (as the consensus and `eth_` RPCs return it) and
//! its hash.
//!
//! `hash = keccak256(rlp([general_gas_limit, shared_gas_limit, timestamp_millis_part,
//! inner, consensus_context?]))` where `inner` is the standard Ethereum header (alloy's
//! [`alloy_consensus::Header`], with its optional trailing fields) and
//! `consensus_context = [epoch, view, parent_view, proposer]` exists only after the fork
//! that added it (`tempo_primitives::TempoHeader`).
//!
//! The JSON form is alloy's header fields (camelCase, hex quantities) flattened beside
//! `mainBlockGeneralGasLimit`, `sharedGasLimit`, `timestampMillisPart` and
//! `consensusContext`. Fields the hash does not cover (`hash`, `timestampMillis`, …) are
//! ignored: nothing a server says about a header is taken except what is hashed.

use crate::{
    error::DecodeError,
    wire::json::{self, Object},
};
use alloc::string::ToString;
use alloy_consensus::Header;
use alloy_primitives::{keccak256, Bloom, Bytes, B256};
use alloy_rlp::RlpEncodable;
use serde::Serialize;
use serde_json::Value;

/// Consensus metadata a post-fork header carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, RlpEncodable, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConsensusContext {
    /// Epoch of the block's round.
    pub epoch: u64,
    /// View of the block's round.
    pub view: u64,
    /// View of the parent block's round.
    pub parent_view: u64,
    /// The proposer's ed25519 public key (validated: it must decompress).
    pub proposer: B256,
}

/// A Tempo block header.
#[derive(Clone, Debug, PartialEq, Eq, Hash, RlpEncodable, Serialize)]
#[serde(rename_all = "camelCase")]
#[rlp(trailing)]
pub struct TempoHeader {
    /// Non-payment gas limit of the block.
    #[serde(with = "alloy_serde::quantity", rename = "mainBlockGeneralGasLimit")]
    pub general_gas_limit: u64,
    /// Gas limit shared by the block's subblocks.
    #[serde(with = "alloy_serde::quantity")]
    pub shared_gas_limit: u64,
    /// Millisecond part of the timestamp.
    #[serde(with = "alloy_serde::quantity")]
    pub timestamp_millis_part: u64,
    /// The Ethereum header.
    #[serde(flatten)]
    pub inner: Header,
    /// Consensus metadata; `None` before the fork that added it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consensus_context: Option<ConsensusContext>,
}

impl TempoHeader {
    /// Parses the header JSON an RPC returns.
    pub fn from_json(text: &str) -> Result<Self, DecodeError> {
        let value: Value =
            serde_json::from_str(text).map_err(|e| DecodeError::Json(e.to_string()))?;
        read_header(&value)
    }

    /// Parses a header from an already-parsed JSON value.
    pub fn from_value(value: Value) -> Result<Self, DecodeError> {
        read_header(&value)
    }

    /// The block hash: keccak256 of the header's RLP.
    pub fn hash(&self) -> B256 {
        keccak256(alloy_rlp::encode(self))
    }

    /// Block height.
    pub fn number(&self) -> u64 {
        self.inner.number
    }

    /// Parent block hash.
    pub fn parent_hash(&self) -> B256 {
        self.inner.parent_hash
    }

    /// State root: what account and storage proofs are checked against.
    pub fn state_root(&self) -> B256 {
        self.inner.state_root
    }

    /// `extraData`: a boundary block's DKG outcome.
    pub fn extra_data(&self) -> &Bytes {
        &self.inner.extra_data
    }

    /// The header as a node's `eth_getBlockByNumber(n, false)` shows it (alloy's header fields,
    /// camelCase with hex quantities, beside Tempo's own and `hash`), written from the header
    /// itself: what an edge shows of a verified block, never the answer it came in.
    pub fn to_rpc_json(&self) -> Value {
        // `TempoHeader` and alloy's `Header` serialize to a map of strings, numbers and
        // booleans with string keys; serde_json fails only on non-string map keys or a failing
        // custom `Serialize`, and there are neither. (No fallback: `null` would hide a bug.)
        let mut json = serde_json::to_value(self).expect("a header serializes to a JSON map");
        if let Some(object) = json.as_object_mut() {
            object.insert(
                "hash".into(),
                Value::String(alloc::format!("{:#x}", self.hash())),
            );
        }
        json
    }

    /// Timestamp in milliseconds (seconds × 1000 + millisecond part, saturating, as Tempo does).
    pub fn timestamp_millis(&self) -> u64 {
        self.inner
            .timestamp
            .saturating_mul(1000)
            .saturating_add(self.timestamp_millis_part)
    }
}

// Reading the JSON form. The rules are those of the serde derive on alloy's `Header`
// flattened into Tempo's header (see `crate::wire::json`); `tests/header_json.rs` compares the two.

/// One of two names for a field (alloy's serde aliases): both present is an error, as a
/// duplicate field is for the derive.
fn aliased<'a>(object: &'a Object, name: &str, alias: &str) -> Result<&'a Value, DecodeError> {
    match (object.get(name), object.get(alias)) {
        (Some(_), Some(_)) => Err(json::invalid(
            name,
            &alloc::format!("given twice (also as {alias})"),
        )),
        (Some(v), None) | (None, Some(v)) => Ok(v),
        (None, None) => json::required(object, name),
    }
}

pub(crate) fn read_header(value: &Value) -> Result<TempoHeader, DecodeError> {
    let o = json::object("header", value)?;
    let inner = Header {
        parent_hash: json::member(o, "parentHash", json::fixed)?,
        ommers_hash: json::fixed("sha3Uncles", aliased(o, "sha3Uncles", "ommersHash")?)?,
        beneficiary: json::fixed("miner", aliased(o, "miner", "beneficiary")?)?.into(),
        state_root: json::member(o, "stateRoot", json::fixed)?,
        transactions_root: json::member(o, "transactionsRoot", json::fixed)?,
        receipts_root: json::member(o, "receiptsRoot", json::fixed)?,
        logs_bloom: Bloom(json::member(o, "logsBloom", json::fixed)?),
        difficulty: json::member(o, "difficulty", json::uint)?,
        number: json::member(o, "number", json::quantity)?,
        gas_limit: json::member(o, "gasLimit", json::quantity)?,
        gas_used: json::member(o, "gasUsed", json::quantity)?,
        timestamp: json::member(o, "timestamp", json::quantity)?,
        extra_data: json::member(o, "extraData", json::bytes)?,
        mix_hash: json::member(o, "mixHash", json::fixed)?,
        nonce: json::member(o, "nonce", json::fixed)?,
        base_fee_per_gas: json::optional_member(o, "baseFeePerGas", json::quantity)?,
        withdrawals_root: json::optional_member(o, "withdrawalsRoot", json::fixed)?,
        blob_gas_used: json::optional_member(o, "blobGasUsed", json::quantity)?,
        excess_blob_gas: json::optional_member(o, "excessBlobGas", json::quantity)?,
        parent_beacon_block_root: json::optional_member(o, "parentBeaconBlockRoot", json::fixed)?,
        requests_hash: json::optional_member(o, "requestsHash", json::fixed)?,
        block_access_list_hash: json::optional_member(o, "blockAccessListHash", json::fixed)?,
        slot_number: json::optional_member(o, "slotNumber", json::quantity)?,
    };
    Ok(TempoHeader {
        general_gas_limit: json::member(o, "mainBlockGeneralGasLimit", json::quantity)?,
        shared_gas_limit: json::member(o, "sharedGasLimit", json::quantity)?,
        timestamp_millis_part: json::member(o, "timestampMillisPart", json::quantity)?,
        inner,
        consensus_context: json::optional_member(o, "consensusContext", read_context)?,
    })
}

/// Header fields this version reads (and hashes), by their JSON names.
const HASHED_FIELDS: [&str; 29] = [
    "parentHash",
    "sha3Uncles",
    "ommersHash",
    "miner",
    "beneficiary",
    "stateRoot",
    "transactionsRoot",
    "receiptsRoot",
    "logsBloom",
    "difficulty",
    "number",
    "gasLimit",
    "gasUsed",
    "timestamp",
    "extraData",
    "mixHash",
    "nonce",
    "baseFeePerGas",
    "withdrawalsRoot",
    "blobGasUsed",
    "excessBlobGas",
    "parentBeaconBlockRoot",
    "requestsHash",
    "blockAccessListHash",
    "slotNumber",
    "mainBlockGeneralGasLimit",
    "sharedGasLimit",
    "timestampMillisPart",
    "consensusContext",
];

/// Fields nodes send beside a header that are not part of it (derived values, or the body
/// of an `eth_getBlockBy*` answer): known, and never hashed.
const DERIVED_FIELDS: [&str; 8] = [
    "hash",
    "size",
    "timestampMillis",
    "totalDifficulty",
    "transactions",
    "uncles",
    "withdrawals",
    "sealFields",
];

/// The names of a header object's fields that this version does not know: neither hashed
/// nor known to be derived. Empty for every header of the forks this version implements; a
/// header from a later fork that adds a hashed field names it here (and its hash cannot
/// match, see [`crate::VerifyError::UnsupportedHeader`]).
pub fn unknown_fields(value: &Value) -> alloc::vec::Vec<alloc::string::String> {
    let Some(object) = value.as_object() else {
        return alloc::vec::Vec::new();
    };
    object
        .keys()
        .filter(|k| !HASHED_FIELDS.contains(&k.as_str()) && !DERIVED_FIELDS.contains(&k.as_str()))
        .cloned()
        .collect()
}

/// `consensusContext`: an object, or (as serde's derive also accepts for a struct) an
/// array of its four fields in order.
fn read_context(field: &str, value: &Value) -> Result<ConsensusContext, DecodeError> {
    let (epoch, view, parent_view, proposer) = match value {
        Value::Object(o) => (
            json::required(o, "epoch")?,
            json::required(o, "view")?,
            json::required(o, "parentView")?,
            json::required(o, "proposer")?,
        ),
        Value::Array(items) if items.len() == 4 => (&items[0], &items[1], &items[2], &items[3]),
        _ => return Err(json::invalid(field, "expected an object")),
    };
    let proposer: B256 = json::fixed("proposer", proposer)?;
    if !crate::wire::ed25519::is_valid_key(&proposer.0) {
        return Err(json::invalid(
            field,
            "proposer is not a valid ed25519 public key",
        ));
    }
    Ok(ConsensusContext {
        epoch: json::plain_u64("epoch", epoch)?,
        view: json::plain_u64("view", view)?,
        parent_view: json::plain_u64("parentView", parent_view)?,
        proposer,
    })
}
