//! Fault injection: what a lying, broken or slow Tempo node would serve.
//!
//! `--fault KIND[@N]`, repeatable. Block faults apply to the block at height N wherever it is
//! served (`consensus_getFinalization`, `consensus_getLatest`, events, `eth_getBlock*`), or to
//! every block without `@N`. Connection faults (`stall`, `drop`, `malformed-json`) apply to
//! requests for height N, or to every `consensus_*` request without `@N`.

use std::str::FromStr;

/// A kind of fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultKind {
    /// The vote signature is replaced by another valid point (the seed signature).
    CorruptCertificate,
    /// The block is served with the certificate of the block before it.
    CertificateForAnotherBlock,
    /// A header field is changed after certifying: the header no longer hashes to the digest.
    HeaderMismatch,
    /// The certificate's epoch is changed (the epoch rule, checked before the signature, catches it).
    WrongEpoch,
    /// The identity changes at epoch N without an announced full DKG (a chain fault: `@EPOCH`).
    UnannouncedRotation,
    /// Boundary blocks are withheld: 503 for them, skipped in `latest` and events.
    WithholdBoundary,
    /// A second, validly certified block at height N (a chain fault), served on alternate requests.
    Equivocation,
    /// The response never comes (the connection is held open, then closed after 60 s).
    Stall,
    /// The connection is closed without a response.
    Drop,
    /// The response body is truncated JSON.
    MalformedJson,
    /// `eth_getProof` claims a larger value (1,000,000 units more) for the first slot asked
    /// for, a balance in a TIP-20 query, with the honest proof beside it.
    ForgedBalance,
    /// `eth_getProof` answers with a proof against the state of the block before the one asked for.
    ProofWrongRoot,
    /// The first receipt of the block is served with its status flipped (`eth_getBlockReceipts`,
    /// `eth_getTransactionReceipt`).
    ForgedReceipt,
    /// The block's receipts are those of the block before it (or after, for block 1).
    ReceiptFromOtherBlock,
    /// The block's raw transactions are served without the first one.
    MissingTransaction,
    /// The block's receipts are served in reverse order (a block with one receipt, as it is).
    ReorderedReceipts,
    /// The recipient of the first payment log of the block is changed (the bloom is not).
    ForgedLog,
    /// The node claims it has executed only block 1 (`eth_blockNumber` answers `0x1`), so it
    /// proves state only there: a "latest" read it would answer from any old block's state.
    StaleExecution,
    /// The `debug_` namespace is off (as on most public nodes): `debug_*` methods answer
    /// -32601, so raw transactions must be asked for one by one.
    NoDebugNamespace,
}

/// A fault and where it applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fault {
    /// What goes wrong.
    pub kind: FaultKind,
    /// Height (or epoch, for `unannounced-rotation`); `None` for everywhere.
    pub at: Option<u64>,
}

impl FromStr for Fault {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let (name, at) = match text.split_once('@') {
            Some((name, at)) => (
                name,
                Some(
                    at.parse::<u64>()
                        .map_err(|_| format!("bad height in fault {text}"))?,
                ),
            ),
            None => (text, None),
        };
        let kind = match name {
            "corrupt-certificate" => FaultKind::CorruptCertificate,
            "certificate-for-another-block" => FaultKind::CertificateForAnotherBlock,
            "header-mismatch" => FaultKind::HeaderMismatch,
            "wrong-epoch" => FaultKind::WrongEpoch,
            "unannounced-rotation" => FaultKind::UnannouncedRotation,
            "withhold-boundary" => FaultKind::WithholdBoundary,
            "equivocation" => FaultKind::Equivocation,
            "stall" => FaultKind::Stall,
            "drop" => FaultKind::Drop,
            "malformed-json" => FaultKind::MalformedJson,
            "forged-balance" => FaultKind::ForgedBalance,
            "proof-wrong-root" => FaultKind::ProofWrongRoot,
            "forged-receipt" => FaultKind::ForgedReceipt,
            "receipt-from-other-block" => FaultKind::ReceiptFromOtherBlock,
            "missing-transaction" => FaultKind::MissingTransaction,
            "reordered-receipts" => FaultKind::ReorderedReceipts,
            "forged-log" => FaultKind::ForgedLog,
            "no-debug-namespace" => FaultKind::NoDebugNamespace,
            "stale-execution" => FaultKind::StaleExecution,
            other => return Err(format!("unknown fault {other}")),
        };
        if matches!(
            kind,
            FaultKind::UnannouncedRotation | FaultKind::Equivocation
        ) && at.is_none()
        {
            return Err(format!("fault {name} needs @N"));
        }
        Ok(Self { kind, at })
    }
}

/// The faults in force.
#[derive(Clone, Debug, Default)]
pub struct Faults(pub Vec<Fault>);

impl Faults {
    /// Whether `kind` applies to `height`.
    pub fn hits(&self, kind: FaultKind, height: u64) -> bool {
        self.0
            .iter()
            .any(|f| f.kind == kind && f.at.is_none_or(|at| at == height))
    }

    /// Whether a connection fault of `kind` applies to a request (for `height`, if known).
    pub fn hits_request(&self, kind: FaultKind, height: Option<u64>) -> bool {
        self.0
            .iter()
            .any(|f| f.kind == kind && (f.at.is_none() || f.at == height))
    }

    /// The `@N` of the first fault of `kind`.
    pub fn at(&self, kind: FaultKind) -> Option<u64> {
        self.0.iter().find(|f| f.kind == kind).and_then(|f| f.at)
    }

    /// Whether any fault of `kind` is in force.
    pub fn has(&self, kind: FaultKind) -> bool {
        self.0.iter().any(|f| f.kind == kind)
    }
}
