//! What a Tempo RPC returns, parsed: the *CertifiedBlock* of `consensus_getFinalization`,
//! `consensus_getLatest` and `consensus_subscribe`, with or without its JSON-RPC envelope.
//!
//! Only two things in a CertifiedBlock matter: the certificate and the header. The
//! response's own `epoch`, `view` and `digest` fields are unauthenticated echoes; they are
//! kept for display, and verification recomputes all of them from the certificate and
//! the header. `block.body` is optional and ignored.

use crate::{
    error::DecodeError,
    wire::certificate::Certificate,
    wire::header::TempoHeader,
    wire::json::{self, Object},
};
use alloc::{
    string::{String, ToString},
    vec::Vec,
};
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
    /// The response's `height` (the fixture shape `{header, finalization: {height, ...}}`).
    pub height: Option<u64>,
    /// The header's `hash` field.
    pub hash: Option<B256>,
    /// `seen` (ms since the Unix epoch) of a subscription event.
    pub seen: Option<u64>,
    /// Header fields this version does not know (see [`crate::wire::header`]): named in the
    /// refusal if the header's hash does not match, since the network may have upgraded.
    pub unknown_header_fields: Vec<String>,
}

/// A field a server sent beside the signed data whose value contradicts it. Verification
/// never reads these fields; a discrepancy does not make a block less final, but an RPC that
/// sends one is worth knowing about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Discrepancy {
    /// `epoch` differs from the certificate's.
    Epoch {
        /// What the server said.
        claimed: u64,
        /// What the certificate signs.
        signed: u64,
    },
    /// `view` differs from the certificate's.
    View {
        /// What the server said.
        claimed: u64,
        /// What the certificate signs.
        signed: u64,
    },
    /// `digest` differs from the certificate's.
    Digest {
        /// What the server said.
        claimed: B256,
        /// What the certificate signs.
        signed: B256,
    },
    /// `height` differs from the header's number.
    Height {
        /// What the server said.
        claimed: u64,
        /// The header's number.
        header: u64,
    },
    /// The header's `hash` field differs from its computed hash.
    HeaderHash {
        /// What the server said.
        claimed: B256,
        /// keccak256 of the header's RLP.
        computed: B256,
    },
}

impl Discrepancy {
    /// The JSON name of the field.
    pub fn field(&self) -> &'static str {
        match self {
            Self::Epoch { .. } => "epoch",
            Self::View { .. } => "view",
            Self::Digest { .. } => "digest",
            Self::Height { .. } => "height",
            Self::HeaderHash { .. } => "header.hash",
        }
    }

    /// The value the server sent, as text.
    pub fn claimed(&self) -> String {
        match self {
            Self::Epoch { claimed, .. } | Self::View { claimed, .. } => claimed.to_string(),
            Self::Height { claimed, .. } => claimed.to_string(),
            Self::Digest { claimed, .. } | Self::HeaderHash { claimed, .. } => {
                alloc::format!("{claimed:#x}")
            }
        }
    }

    /// The value that was signed (or computed), as text.
    pub fn actual(&self) -> String {
        match self {
            Self::Epoch { signed, .. } | Self::View { signed, .. } => signed.to_string(),
            Self::Height { header, .. } => header.to_string(),
            Self::Digest { signed, .. } => alloc::format!("{signed:#x}"),
            Self::HeaderHash { computed, .. } => alloc::format!("{computed:#x}"),
        }
    }
}

fn json_err(e: serde_json::Error) -> DecodeError {
    DecodeError::Json(e.to_string())
}

/// `{epoch?, view?, digest?, seen?, certificate, block: {header, body?}}`. `block` may also
/// be a one-element array (serde's sequence form of a struct, accepted before as now).
fn read_certified_block(object: &Object) -> Result<CertifiedBlock, DecodeError> {
    let certificate = json::member(object, "certificate", json::string)?;
    let header = match json::required(object, "block")? {
        Value::Object(block) => json::required(block, "header")?,
        Value::Array(items) if items.len() == 1 => &items[0],
        _ => return Err(json::invalid("block", "expected an object")),
    };
    Ok(CertifiedBlock {
        certificate: Certificate::from_hex(certificate)?,
        header: crate::wire::header::read_header(header)?,
        claimed: read_claimed(object, header)?,
    })
}

/// The unauthenticated fields beside the certificate (`fields`) and in the header.
fn read_claimed(fields: &Object, header: &Value) -> Result<Claimed, DecodeError> {
    Ok(Claimed {
        epoch: json::optional_member(fields, "epoch", json::plain_u64)?,
        view: json::optional_member(fields, "view", json::plain_u64)?,
        digest: json::optional_member(fields, "digest", json::fixed)?,
        height: json::optional_member(fields, "height", json::plain_u64)?,
        hash: match header.as_object() {
            Some(h) => json::optional_member(h, "hash", json::fixed)?,
            None => None,
        },
        seen: json::optional_member(fields, "seen", json::plain_u64)?,
        unknown_header_fields: crate::wire::header::unknown_fields(header),
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
    ///   `{header, finalization: {certificate}}` (the shape of `tests/fixtures`);
    /// - a whole `consensus_event` notification `{jsonrpc, method, params: {subscription,
    ///   result}}` (the event is `params.result`).
    pub fn from_json(text: &str) -> Result<Self, DecodeError> {
        let value: Value = serde_json::from_str(text).map_err(json_err)?;
        Self::from_value(value)
    }

    /// As [`Self::from_json`], from an already-parsed value.
    ///
    /// Each level of an answer holds exactly one candidate for what it answers: an envelope
    /// (`result`, or a notification's `params.result`), a `finalized` member, a
    /// `certificate` with a `block`, or a `header` with a `certificate` or a `finalization`.
    /// An answer with two (a certified block beside a `result`, a `header` beside a `block`,
    /// a `finalized` beside a certificate) is refused as [`DecodeError::Ambiguous`] rather
    /// than resolved by precedence, so that no edge can read another object than the one
    /// verified.
    pub fn from_value(mut value: Value) -> Result<Self, DecodeError> {
        if let Some(error) = rpc_error(&value) {
            return Err(error);
        }
        if value.get("method").is_some() && value.get("params").is_some() {
            // A subscription notification: the event is `params.result`.
            only_candidates(&value, "a notification", &["params"])?;
            let mut params = take(&mut value, "params");
            only_candidates(&params, "a notification's params", &["result"])?;
            value = take(&mut params, "result");
        } else if value.get("jsonrpc").is_some() || value.get("result").is_some() {
            only_candidates(&value, "a JSON-RPC response", &["result"])?;
            value = take(&mut value, "result");
        }
        if value.get("finalized").is_some() && value.get("certificate").is_none() {
            only_candidates(&value, "a consensus_getLatest result", &["finalized"])?;
            value = take(&mut value, "finalized");
        }
        if value.is_null() {
            return Err(DecodeError::Json(
                "no finalized block in the response (null)".into(),
            ));
        }
        if let Some(object) = value.as_object().filter(|o| o.contains_key("block")) {
            only_candidates(&value, "a certified block", &["block", "certificate"])?;
            return read_certified_block(object);
        }
        // A header beside a certificate, or beside a finalization holding it.
        only_candidates(
            &value,
            "a header with its certificate",
            if value.get("certificate").is_some() {
                &["header", "certificate"]
            } else {
                &["header", "finalization"]
            },
        )?;
        let header = take(&mut value, "header");
        if header.is_null() {
            return Err(DecodeError::Json(
                "missing field `block` or `header`".into(),
            ));
        }
        let fields = match value.get("certificate") {
            Some(_) => value.as_object(),
            None => value.get("finalization").and_then(Value::as_object),
        }
        .ok_or_else(|| DecodeError::Json("missing field `certificate`".into()))?;
        let certificate = json::member(fields, "certificate", json::string)?;
        Ok(Self {
            certificate: Certificate::from_hex(certificate)?,
            header: crate::wire::header::read_header(&header)?,
            claimed: read_claimed(fields, &header)?,
        })
    }
}

/// Members that name, at some level of an answer, what the answer is: an envelope's
/// `result` or `params`, `consensus_getLatest`'s `finalized`, a certified block's `block` and
/// `certificate`, the fixture shape's `header` and `finalization`.
const CANDIDATES: [&str; 7] = [
    "result",
    "params",
    "finalized",
    "block",
    "certificate",
    "header",
    "finalization",
];

/// Refuses a level of an answer that holds a candidate member beside the `expected` ones.
fn only_candidates(level: &Value, what: &str, expected: &[&str]) -> Result<(), DecodeError> {
    let Some(object) = level.as_object() else {
        return Ok(());
    };
    match CANDIDATES
        .iter()
        .find(|c| !expected.contains(c) && object.contains_key(**c))
    {
        Some(extra) => Err(DecodeError::Ambiguous(alloc::format!(
            "{what} also holds `{extra}`: two candidates for the block it answers"
        ))),
        None => Ok(()),
    }
}

impl CertifiedBlock {
    /// The fields the server sent beside the signed data that contradict it (empty for an
    /// honest server). Verification never uses them; see [`Discrepancy`].
    pub fn discrepancies(&self) -> Vec<Discrepancy> {
        let c = &self.certificate;
        let mut found = Vec::new();
        let claimed = &self.claimed;
        if let Some(epoch) = claimed.epoch.filter(|e| *e != c.epoch) {
            found.push(Discrepancy::Epoch {
                claimed: epoch,
                signed: c.epoch,
            });
        }
        if let Some(view) = claimed.view.filter(|v| *v != c.view) {
            found.push(Discrepancy::View {
                claimed: view,
                signed: c.view,
            });
        }
        if let Some(digest) = claimed.digest.filter(|d| *d != c.digest) {
            found.push(Discrepancy::Digest {
                claimed: digest,
                signed: c.digest,
            });
        }
        let number = self.header.number();
        if let Some(height) = claimed.height.filter(|h| *h != number) {
            found.push(Discrepancy::Height {
                claimed: height,
                header: number,
            });
        }
        if let Some(hash) = claimed.hash {
            let computed = self.header.hash();
            if hash != computed {
                found.push(Discrepancy::HeaderHash {
                    claimed: hash,
                    computed,
                });
            }
        }
        found
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
