//! What a Tempo RPC returns, parsed: the *CertifiedBlock* of `consensus_getFinalization`,
//! `consensus_getLatest` and `consensus_subscribe`, with or without its JSON-RPC envelope.
//!
//! Only two things in a CertifiedBlock matter: the certificate and the header. The
//! response's own `epoch`, `view` and `digest` fields are unauthenticated echoes; they are
//! kept for display, and verification recomputes all of them from the certificate and
//! the header. `block.body` is optional and ignored.

use crate::{
    certificate::Certificate,
    error::DecodeError,
    header::TempoHeader,
    json::{self, Object},
};
use alloc::string::ToString;
use alloy_primitives::B256;
use serde_json::Value;

/// A certificate and the header it claims to finalize, as an RPC returned them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertifiedBlock {
    /// The decoded finalization certificate (signatures not yet checked).
    pub certificate: Certificate,
    /// The header (its hash is computed, never taken from the server).
    pub header: TempoHeader,
    /// What the server claimed alongside (unauthenticated; never used to decide anything).
    pub claimed: Claimed,
}

/// Fields a server sends beside the certificate that verification ignores.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Claimed {
    /// The response's `epoch`.
    pub epoch: Option<u64>,
    /// The response's `view`.
    pub view: Option<u64>,
    /// The response's `digest`.
    pub digest: Option<B256>,
    /// `seen` (ms since the Unix epoch) of a subscription event.
    pub seen: Option<u64>,
}

fn json_err(e: serde_json::Error) -> DecodeError {
    DecodeError::Json(e.to_string())
}

/// `{epoch?, view?, digest?, seen?, certificate, block: {header, body?}}`. `block` may also
/// be a one-element array (serde's sequence form of a struct, accepted before as now).
fn read_certified_block(object: &Object) -> Result<CertifiedBlock, DecodeError> {
    let claimed = Claimed {
        epoch: json::optional_member(object, "epoch", json::plain_u64)?,
        view: json::optional_member(object, "view", json::plain_u64)?,
        digest: json::optional_member(object, "digest", json::fixed)?,
        seen: json::optional_member(object, "seen", json::plain_u64)?,
    };
    let certificate = json::member(object, "certificate", json::string)?;
    let header = match json::required(object, "block")? {
        Value::Object(block) => json::required(block, "header")?,
        Value::Array(items) if items.len() == 1 => &items[0],
        _ => return Err(json::invalid("block", "expected an object")),
    };
    Ok(CertifiedBlock {
        certificate: Certificate::from_hex(certificate)?,
        header: crate::header::read_header(header)?,
        claimed,
    })
}

impl CertifiedBlock {
    /// Parses a CertifiedBlock from JSON text. Accepted shapes:
    /// - a CertifiedBlock `{epoch, view, digest, certificate, block: {header, body?}}`;
    /// - a `consensus_subscribe` event (the same, flattened beside `type` and `seen`);
    /// - a `consensus_getLatest` result `{finalized: CertifiedBlock, ...}`;
    /// - any of these inside a JSON-RPC response `{jsonrpc, id, result}` (an `error` member
    ///   becomes [`DecodeError::Rpc`]);
    /// - a header beside a certificate: `{header, certificate}` or
    ///   `{header, finalization: {certificate}}` (the shape of `../shared/fixtures`).
    pub fn from_json(text: &str) -> Result<Self, DecodeError> {
        let value: Value = serde_json::from_str(text).map_err(json_err)?;
        Self::from_value(value)
    }

    /// As [`Self::from_json`], from an already-parsed value.
    pub fn from_value(mut value: Value) -> Result<Self, DecodeError> {
        if let Some(error) = rpc_error(&value) {
            return Err(error);
        }
        if value.get("jsonrpc").is_some() || value.get("result").is_some() {
            value = take(&mut value, "result");
        }
        if value.get("finalized").is_some() && value.get("certificate").is_none() {
            value = take(&mut value, "finalized");
        }
        if value.is_null() {
            return Err(DecodeError::Json(
                "no finalized block in the response (null)".into(),
            ));
        }
        if let Some(object) = value.as_object().filter(|o| o.contains_key("block")) {
            return read_certified_block(object);
        }
        // A header beside a certificate.
        let certificate = match value.get("certificate").and_then(Value::as_str) {
            Some(hex) => hex.to_string(),
            None => value
                .get("finalization")
                .and_then(|f| f.get("certificate"))
                .and_then(Value::as_str)
                .ok_or_else(|| DecodeError::Json("missing field `certificate`".into()))?
                .to_string(),
        };
        let header = take(&mut value, "header");
        if header.is_null() {
            return Err(DecodeError::Json(
                "missing field `block` or `header`".into(),
            ));
        }
        Ok(Self {
            certificate: Certificate::from_hex(&certificate)?,
            header: TempoHeader::from_value(header)?,
            claimed: Claimed::default(),
        })
    }
}

/// The `error` member of a JSON-RPC response, as [`DecodeError::Rpc`], if there is one.
pub fn rpc_error(response: &Value) -> Option<DecodeError> {
    let error = response.get("error")?;
    Some(DecodeError::Rpc {
        code: error.get("code").and_then(Value::as_i64).unwrap_or(0),
        message: error
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string(),
    })
}

fn take(value: &mut Value, key: &str) -> Value {
    value.get_mut(key).map(Value::take).unwrap_or(Value::Null)
}
