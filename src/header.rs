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

use crate::error::DecodeError;
use alloc::string::ToString;
use alloy_consensus::Header;
use alloy_primitives::{keccak256, Bytes, B256};
use alloy_rlp::RlpEncodable;
use serde::{Deserialize, Deserializer, Serialize};

/// Consensus metadata a post-fork header carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, RlpEncodable, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConsensusContext {
    /// Epoch of the block's round.
    pub epoch: u64,
    /// View of the block's round.
    pub view: u64,
    /// View of the parent block's round.
    pub parent_view: u64,
    /// The proposer's ed25519 public key (validated: it must decompress).
    #[serde(deserialize_with = "ed25519_key")]
    pub proposer: B256,
}

fn ed25519_key<'de, D: Deserializer<'de>>(deserializer: D) -> Result<B256, D::Error> {
    let key = B256::deserialize(deserializer)?;
    ed25519_consensus::VerificationKey::try_from(key.0)
        .map_err(|_| serde::de::Error::custom("proposer is not a valid ed25519 public key"))?;
    Ok(key)
}

/// A Tempo block header.
#[derive(Clone, Debug, PartialEq, Eq, Hash, RlpEncodable, Serialize, Deserialize)]
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
        serde_json::from_str(text).map_err(|e| DecodeError::Json(e.to_string()))
    }

    /// Parses a header from an already-parsed JSON value.
    pub fn from_value(value: serde_json::Value) -> Result<Self, DecodeError> {
        serde_json::from_value(value).map_err(|e| DecodeError::Json(e.to_string()))
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

    /// Timestamp in milliseconds (seconds × 1000 + millisecond part, saturating, as Tempo does).
    pub fn timestamp_millis(&self) -> u64 {
        self.inner
            .timestamp
            .saturating_mul(1000)
            .saturating_add(self.timestamp_millis_part)
    }
}
