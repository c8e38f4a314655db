//! What a Tempo RPC returns, parsed: the *CertifiedBlock* of `consensus_getFinalization`,
//! `consensus_getLatest` and `consensus_subscribe`, with or without its JSON-RPC envelope.
//!
//! Only two things in a CertifiedBlock matter: the certificate and the header. The
//! response's own `epoch`, `view` and `digest` fields are unauthenticated echoes; they are
//! kept for display, and verification recomputes all of them from the certificate and
//! the header. `block.body` is optional and ignored.

use crate::{certificate::Certificate, error::DecodeError, header::TempoHeader};
use alloc::string::{String, ToString};
use alloy_primitives::B256;
use serde::Deserialize;
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

#[derive(Deserialize)]
struct BlockJson {
    header: Value,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CertifiedBlockJson {
    #[serde(default)]
    epoch: Option<u64>,
    #[serde(default)]
    view: Option<u64>,
    #[serde(default)]
    digest: Option<B256>,
    #[serde(default)]
    seen: Option<u64>,
    certificate: String,
    block: BlockJson,
}

fn json_err(e: serde_json::Error) -> DecodeError {
    DecodeError::Json(e.to_string())
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
        if value.get("block").is_some() {
            let parsed: CertifiedBlockJson = serde_json::from_value(value).map_err(json_err)?;
            let certificate = Certificate::from_hex(&parsed.certificate)?;
            let header = TempoHeader::from_value(parsed.block.header)?;
            return Ok(Self {
                certificate,
                header,
                claimed: Claimed {
                    epoch: parsed.epoch,
                    view: parsed.view,
                    digest: parsed.digest,
                    seen: parsed.seen,
                },
            });
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
