//! Typed errors: every way an input can be rejected has its own variant.
//!
//! Callers need to tell apart three kinds of failure, and the types keep them apart:
//! - [`DecodeError`]: the bytes or JSON are malformed (a lying or broken server);
//! - [`VerifyError`]: well-formed data that does not prove finality (wrong block, wrong
//!   epoch, a signature that does not verify, no identity known for the epoch);
//! - [`Error`]: either of the two, as returned by the one-call entry points.
//!
//! Every error type of the core also says which [`ErrorKind`] it is: the one taxonomy the edges
//! derive from (the wasm sets it on its JS errors, the npm package picks the error class from
//! it, the CLI its exit code), so that no edge keeps its own list of codes.

use alloc::string::String;
use core::fmt;

/// What kind of failure an error is. Each error variant of the core has exactly one kind; the
/// edges decide from it (the CLI's exit code, the npm package's error class), never from a
/// list of codes of their own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ErrorKind {
    /// The bytes or JSON do not decode as what they claim to be (a broken or lying server, a
    /// corrupted file).
    Malformed,
    /// Well-formed, but it does not prove what it was offered for: a signature, a digest, a
    /// proof, a chain of headers or an epoch that does not check out.
    NotVerified,
    /// Proven, but not what was expected: a payment that failed, moved nothing, or moved
    /// another token, amount, memo, or from or to someone else.
    Mismatch,
    /// What would prove it is not available (yet): an RPC error answer, a state proven too
    /// far behind the head. Asking again, perhaps elsewhere, may succeed.
    Unavailable,
    /// A question that cannot be asked as asked (an invalid expectation, a contract that is not
    /// a TIP-20 token, an argument out of its domain).
    Usage,
    /// The verifier itself refuses: it saw two conflicting finalizations and trusts nothing
    /// until it is reset.
    Frozen,
    /// A header this version does not know how to hash (the network may have upgraded): update
    /// tempo-light.
    Outdated,
}

impl ErrorKind {
    /// Every kind, in declaration order.
    pub const ALL: [Self; 7] = [
        Self::Malformed,
        Self::NotVerified,
        Self::Mismatch,
        Self::Unavailable,
        Self::Usage,
        Self::Frozen,
        Self::Outdated,
    ];

    /// The kind's stable name (`malformed`, `notVerified`, ...), as the wasm sets it on its
    /// errors' `kind` and the npm package declares it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Malformed => "malformed",
            Self::NotVerified => "notVerified",
            Self::Mismatch => "mismatch",
            Self::Unavailable => "unavailable",
            Self::Usage => "usage",
            Self::Frozen => "frozen",
            Self::Outdated => "outdated",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What every error type of the core says about itself, for the edges: a stable `code` (the
/// variant's name), its [`ErrorKind`], and whether asking again may succeed. An edge written
/// against this trait needs no table of codes.
pub trait Classified: fmt::Display {
    /// A stable name for the failure.
    fn code(&self) -> &'static str;
    /// What kind of failure it is.
    fn kind(&self) -> ErrorKind;
    /// Whether asking again (perhaps another server) may succeed.
    fn retryable(&self) -> bool {
        false
    }
}

/// Classifies an error type from one table: its `code`, `kind` and `retryable` methods and
/// its [`Classified`] impl. The table names each variant once, under its kind:
///
/// - `Kind: A, B = "Code", ...;` the variants of that [`ErrorKind`], each with its variant's
///   name as its code unless one is given;
/// - `_: Inner, ...;` (first) variants holding one inner error, which give its code, kind and
///   retryability; `_: Inner = "Code"` a variant with its own code (but a frozen client's
///   refusal, whose code stays `Frozen` whatever wraps it) that only takes its kind from the
///   inner error;
/// - after the table, `retryable: pattern`, the variants (and when) asking again may succeed;
///   without it, none does.
///
/// Doc comments before the type's name document the impl: say there why the kinds are what
/// they are. Each module invokes it beside its own error type, so this file imports none of
/// the layers above it.
macro_rules! classify {
    (
        $(#[$doc:meta])*
        $error:ident {
            $(_: $($inner:ident $(= $inner_code:literal)?),+;)?
            $($kind:ident: $($variant:ident $(= $code:literal)?),+;)*
        }
        $(retryable: $retryable:pat)?
    ) => {
        $(#[$doc])*
        impl $error {
            /// A stable name for the failure (a member of the npm package's `ErrorCode`).
            pub fn code(&self) -> &'static str {
                match self {
                    $($(Self::$inner(e) => {
                        $crate::error::classify!(@inner_code e $($inner_code)?)
                    })+)?
                    $($(Self::$variant { .. } => {
                        $crate::error::classify!(@code $variant $($code)?)
                    })+)*
                }
            }

            /// What kind of failure it is.
            pub fn kind(&self) -> $crate::error::ErrorKind {
                match self {
                    $($(Self::$inner(e) => e.kind(),)+)?
                    $($(Self::$variant { .. } => $crate::error::ErrorKind::$kind,)+)*
                }
            }

            /// Whether asking again (perhaps another server) may succeed.
            #[allow(unreachable_patterns)]
            pub fn retryable(&self) -> bool {
                match self {
                    $($(Self::$inner(e) => {
                        $crate::error::classify!(@inner_retryable e $($inner_code)?)
                    })+)?
                    _ => false $(|| matches!(self, $retryable))?,
                }
            }
        }

        impl $crate::error::Classified for $error {
            fn code(&self) -> &'static str {
                $error::code(self)
            }
            fn kind(&self) -> $crate::error::ErrorKind {
                $error::kind(self)
            }
            fn retryable(&self) -> bool {
                $error::retryable(self)
            }
        }
    };
    (@code $variant:ident) => { stringify!($variant) };
    (@code $variant:ident $code:literal) => { $code };
    (@inner_code $e:ident) => { $e.code() };
    (@inner_code $e:ident $code:literal) => {
        if $e.kind() == $crate::error::ErrorKind::Frozen { "Frozen" } else { $code }
    };
    (@inner_retryable $e:ident) => { $e.retryable() };
    (@inner_retryable $e:ident $code:literal) => {{
        let _ = $e;
        false
    }};
}
pub(crate) use classify;

/// Why a BLS12-381 point was rejected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PointError {
    /// The bytes are not a valid compressed encoding (flag bits, or a coordinate not below the modulus).
    BadEncoding,
    /// The decoded coordinates are not on the curve.
    NotOnCurve,
    /// The point is on the curve but outside the prime-order subgroup.
    NotInSubgroup,
    /// The point is the identity (point at infinity), which no honest key or signature is.
    Infinity,
}

impl fmt::Display for PointError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::BadEncoding => "bad encoding",
            Self::NotOnCurve => "not on the curve",
            Self::NotInSubgroup => "not in the prime-order subgroup",
            Self::Infinity => "the point at infinity",
        })
    }
}

/// Malformed input: bytes or JSON that do not decode as the Tempo structure they claim to be.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// A hex string was not valid hex (with or without `0x`).
    #[error("{field}: invalid hex")]
    InvalidHex {
        /// The field being decoded.
        field: &'static str,
    },
    /// The input ended before the field was complete.
    #[error("{field}: input ends early ({needed} bytes needed, {remaining} left)")]
    Truncated {
        /// The field being decoded.
        field: &'static str,
        /// Bytes the field needs (at least).
        needed: usize,
        /// Bytes that were left.
        remaining: usize,
    },
    /// Bytes were left after a structure that must end the input.
    #[error("{field}: {count} trailing bytes after the end")]
    TrailingBytes {
        /// The structure that was decoded.
        field: &'static str,
        /// How many bytes were left over.
        count: usize,
    },
    /// A varint was over-long (non-canonical) or overflowed its integer type.
    #[error("{field}: non-canonical or overflowing varint")]
    InvalidVarint {
        /// The field being decoded.
        field: &'static str,
    },
    /// A length prefix was outside the allowed range.
    #[error("{field}: length {len} outside {min}..={max}")]
    LengthOutOfRange {
        /// The field being decoded.
        field: &'static str,
        /// The claimed length.
        len: u64,
        /// Smallest allowed.
        min: u64,
        /// Largest allowed.
        max: u64,
    },
    /// A boolean byte was neither 0 nor 1.
    #[error("{field}: invalid boolean byte {byte:#04x}")]
    InvalidBool {
        /// The field being decoded.
        field: &'static str,
        /// The byte found.
        byte: u8,
    },
    /// The sharing mode tag is unknown, or not supported by the on-chain format (version 0).
    #[error("sharing mode {tag} is not supported on chain")]
    UnsupportedSharingMode {
        /// The tag byte found.
        tag: u8,
    },
    /// A BLS12-381 point in a structure was invalid.
    #[error("{field}[{index}]: invalid point: {reason}")]
    InvalidPoint {
        /// The field being decoded.
        field: &'static str,
        /// Position of the point within the field.
        index: usize,
        /// What was wrong with it.
        reason: PointError,
    },
    /// An ed25519 public key did not decompress to a curve point.
    #[error("{field}[{index}]: invalid ed25519 public key")]
    InvalidEd25519Key {
        /// The field being decoded.
        field: &'static str,
        /// Position of the key within the field.
        index: usize,
    },
    /// A set was not strictly increasing (unsorted or with duplicates).
    #[error("{field}[{index}]: set members must be sorted and unique")]
    UnsortedSet {
        /// The field being decoded.
        field: &'static str,
        /// Position of the first member out of order.
        index: usize,
    },
    /// JSON did not have the expected shape.
    #[error("invalid JSON: {0}")]
    Json(String),
    /// An answer that holds more than one candidate for what it answers (a certified block
    /// beside a JSON-RPC `result`, a `header` beside a `block`, ...): refused rather than
    /// resolved by precedence, so that what is verified is the only thing read.
    #[error("ambiguous answer: {0}")]
    Ambiguous(String),
    /// A JSON-RPC error object was returned instead of a result.
    #[error("JSON-RPC error {code}: {message}")]
    Rpc {
        /// The JSON-RPC error code (204: not ready, 503: missing).
        code: i64,
        /// The server's message.
        message: String,
    },
}

/// Well-formed data that does not prove what it claims.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// A signature in the certificate is not a valid G1 point. Certificates decode their
    /// signatures lazily (as the reference does), so this is a verification failure.
    #[error("certificate {which} signature is invalid: {reason}")]
    SignaturePoint {
        /// `"vote"` or `"seed"`.
        which: &'static str,
        /// What was wrong with the point.
        reason: PointError,
    },
    /// The threshold signatures do not verify against the identity used.
    #[error("certificate signatures do not verify against the network identity for epoch {epoch}")]
    BadSignature {
        /// The epoch whose identity was used.
        epoch: u64,
    },
    /// The certificate finalizes a different block than the header given.
    #[error("certificate finalizes {certified}, but the header hashes to {header}")]
    DigestMismatch {
        /// The digest inside the certificate.
        certified: alloy_primitives::B256,
        /// The hash of the header.
        header: alloy_primitives::B256,
    },
    /// The certificate finalizes a different block than the header given, and the header
    /// carries fields this version does not know: the network has probably upgraded (a fork
    /// that adds a hashed header field), and this version cannot compute its block hash.
    #[error(
        "unknown header fields ({}) and a hash unlike the certificate's: the network may have upgraded; update tempo-light",
        fields.join(", ")
    )]
    UnsupportedHeader {
        /// The unknown header fields, by their JSON names.
        fields: alloc::vec::Vec<alloc::string::String>,
    },
    /// The certificate's epoch is not the epoch containing the block's height.
    #[error("block {height} is in epoch {expected}, but the certificate is for epoch {actual}")]
    EpochMismatch {
        /// Height of the block.
        height: u64,
        /// Epoch containing the height.
        expected: u64,
        /// Epoch in the certificate.
        actual: u64,
    },
    /// The height lies in an epoch whose last block does not fit in a `u64`.
    #[error("height {height} is beyond the last representable epoch")]
    HeightOutOfRange {
        /// The height.
        height: u64,
    },
    /// No identity is known for the certificate's epoch.
    #[error("no network identity known for epoch {epoch} (built-in identity serves from epoch {from_epoch})")]
    IdentityUnavailable {
        /// The certificate's epoch.
        epoch: u64,
        /// The first epoch the built-in identity serves.
        from_epoch: u64,
    },
    /// The certificate's epoch lies past the epochs whose identities the client has learnt
    /// from verified boundaries, and the built-in identity that would serve it is one the
    /// learnt boundaries have since taken over from (it may have been retired by a full DKG).
    /// Bridge the boundaries up to the epoch first (as following does), then verify again.
    #[error("epoch {epoch} is past the identities learnt (through epoch {through}): bridge to it first; the built-in identity it would fall back to is superseded")]
    IdentityNotBridged {
        /// The certificate's epoch.
        epoch: u64,
        /// The last epoch whose identity was learnt from a verified boundary.
        through: u64,
    },
    /// The certificate's epoch is older than every identity the client still keeps (it keeps
    /// the newest [`crate::client::trust::MAX_IDENTITY_RUNS`] identity runs, and has dropped
    /// older ones), and is not the epoch a built-in identity is anchored at (epoch 0 under the
    /// genesis identity stays verifiable): the identity that signed it is no longer known, so
    /// nothing is said about the block either way. Verify it with a client anchored at or
    /// before that epoch.
    #[error("epoch {epoch} is older than the identities this client keeps (from epoch {oldest}): its identity is no longer known")]
    IdentityForgotten {
        /// The certificate's epoch.
        epoch: u64,
        /// The first epoch of the oldest identity run kept.
        oldest: u64,
    },
    /// The client asked to verify is frozen: it saw two conflicting finalizations, each
    /// verified, so no certificate proves finality to it until a person resets it.
    #[error("frozen: conflicting finalizations at height {height}; nothing is final until the client is reset")]
    Frozen {
        /// Height of the equivocation.
        height: u64,
    },
}

/// Any failure of the one-call entry points. Its message is the inner error's alone: which
/// of the two it is (malformed, or not proven final) is the variant, and a caller that shows
/// it to people says so once (the CLI prints `malformed: ...` or `not verified: ...`).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The input is malformed.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// The input is well-formed but does not prove finality.
    #[error(transparent)]
    Verify(#[from] VerifyError),
}

classify! {
    /// Classified as its inner error: an RPC's error answer that says so is the only
    /// retryable one.
    Error {
        _: Decode, Verify;
    }
}

classify! {
    /// All malformed, but an RPC's error answer: the server did not give what would prove it
    /// (unavailable), and asking again may succeed when its code is 204 (no content yet) or 503
    /// (unavailable).
    DecodeError {
        Malformed: InvalidHex, Truncated, TrailingBytes, InvalidVarint, LengthOutOfRange,
            InvalidBool, UnsupportedSharingMode, InvalidPoint, InvalidEd25519Key, UnsortedSet,
            Json = "InvalidJson", Ambiguous = "AmbiguousAnswer";
        Unavailable: Rpc = "RpcError";
    }
    retryable: Self::Rpc { code: 204 | 503, .. }
}

classify! {
    /// All not verified, but a frozen client, a header this version cannot hash, and an epoch
    /// whose identity the client no longer keeps (a question this client cannot answer, not a
    /// failed proof). None is retryable.
    VerifyError {
        NotVerified: SignaturePoint, BadSignature, DigestMismatch, EpochMismatch,
            HeightOutOfRange, IdentityUnavailable, IdentityNotBridged;
        Usage: IdentityForgotten;
        Outdated: UnsupportedHeader;
        Frozen: Frozen;
    }
}

/// Why the light client refused an answer. On any of these its state is exactly what it was.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ClientError {
    /// The answer was malformed or did not verify.
    #[error(transparent)]
    Block(#[from] Error),
    /// The client saw two conflicting finalizations and refuses everything until reset.
    #[error("frozen: conflicting finalizations at height {height}; reset the client")]
    Frozen {
        /// Height of the equivocation.
        height: u64,
    },
    /// A finalization at or below the head that adds nothing (a replay of an old one).
    #[error("finalization of block {height} is not newer than the head {head}")]
    NotNewer {
        /// Height of the finalization.
        height: u64,
        /// Height of the current head.
        head: u64,
    },
    /// A boundary changed the identity although the previous outcome announced no full DKG.
    #[error(
        "boundary of epoch {epoch} changes the network identity without an announced full DKG"
    )]
    UnannouncedRotation {
        /// The epoch whose boundary carried the change.
        epoch: u64,
    },
    /// A boundary's DKG outcome is for the wrong epoch.
    #[error("boundary block {height} carries the outcome for epoch {actual}, expected {expected}")]
    BoundaryEpochMismatch {
        /// Height of the boundary block.
        height: u64,
        /// The epoch it should announce (its own epoch + 1).
        expected: u64,
        /// The epoch it announced.
        actual: u64,
    },
    /// The answer is not for what was asked (another height, or no request pending).
    #[error("unexpected answer: {0}")]
    Unexpected(Unexpected),
    /// A header run is not the requested range.
    #[error("header run: expected block {expected}, got {actual}")]
    HeaderNumberMismatch {
        /// The height expected at that position.
        expected: u64,
        /// The height found.
        actual: u64,
    },
    /// Two consecutive headers do not link by parent hash.
    #[error(
        "header {height} does not link to its parent (parent hash {actual}, expected {expected})"
    )]
    BrokenParentLink {
        /// Height of the child header.
        height: u64,
        /// The hash it should name as parent.
        expected: alloy_primitives::B256,
        /// The parent hash it names.
        actual: alloy_primitives::B256,
    },
    /// A header run does not end at the block it must end at.
    #[error("header run ends at {actual}, expected {expected}")]
    TipHashMismatch {
        /// The hash the run must end with.
        expected: alloy_primitives::B256,
        /// The hash it ends with.
        actual: alloy_primitives::B256,
    },
    /// Saved state could not be restored.
    #[error("invalid saved state: {0}")]
    State(#[from] StateError),
}

/// How an answer did not fit the request the client had made.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Unexpected {
    /// A header run with no headers.
    #[error("no headers")]
    NoHeaders,
    /// Headers when none were asked for.
    #[error("no headers were requested")]
    HeadersNotRequested,
    /// Headers while a finalization was asked for.
    #[error("headers were requested")]
    FinalizationNotRequested,
    /// A finalization of another height than the one asked for.
    #[error("finalization for another height")]
    AnotherHeight,
    /// A block that is not the last of its epoch where a boundary was asked for.
    #[error("not a boundary block")]
    NotABoundary,
    /// A header run for a range that ends before it starts.
    #[error("empty range")]
    EmptyRange,
    /// Headers with no head to link them to. Cannot happen through the client's own
    /// requests: it asks for header runs only above a head it has.
    #[error("no head")]
    NoHead,
}

/// Why saved state was refused (it is then left untouched: nothing is restored from it).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StateError {
    /// Not JSON, or JSON that is not a saved state (a missing, unknown or ill-typed field).
    #[error("{0}")]
    Malformed(DecodeError),
    /// Saved by a version of tempo-light whose format this one does not read.
    #[error("unsupported state version {0}")]
    UnsupportedVersion(u32),
    /// The network's epoch length is zero.
    #[error("epoch length is zero")]
    ZeroEpochLength,
    /// The network lists no identity to start from.
    #[error("the network has no identity")]
    NoIdentity,
    /// Identities are not listed by ascending first epoch.
    #[error("identities are not in epoch order")]
    IdentitiesOutOfOrder,
    /// More identities than a client ever keeps.
    #[error("too many identities ({count}; at most {max})")]
    TooManyIdentities {
        /// How many the state lists.
        count: usize,
        /// The most a client keeps.
        max: usize,
    },
    /// The window of recent block hashes is not ascending or too long.
    #[error("recent window is malformed")]
    MalformedRecentWindow,
    /// The state was saved for another network than the one it is loaded for: its name,
    /// chain id, epoch length or built-in identities differ (a blob carrying any identity
    /// cannot become "mainnet").
    #[error("saved for another network: its {field} is {saved}, this network's is {expected}")]
    NetworkMismatch {
        /// What differs: `name`, `chainId`, `epochLength` or `builtin identities`.
        field: &'static str,
        /// The saved value.
        saved: String,
        /// The value of the network it is loaded for.
        expected: String,
    },
    /// The head's epoch is not the epoch of its height.
    #[error("head epoch {epoch} does not match its height {height}")]
    HeadEpochMismatch {
        /// The head's height.
        height: u64,
        /// The epoch the state gives it.
        epoch: u64,
    },
}

classify! {
    /// An answer out of step with the request (another height, a replay of an old finalization)
    /// proves nothing: not verified, though retryable; asking again cannot help a proof that
    /// failed.
    ClientError {
        _: Block, State;
        Frozen: Frozen;
        NotVerified: NotNewer, UnannouncedRotation, BoundaryEpochMismatch, Unexpected,
            HeaderNumberMismatch, BrokenParentLink, TipHashMismatch;
    }
    retryable: Self::NotNewer { .. } | Self::Unexpected(_)
}

classify! {
    /// Saved state that cannot be restored is malformed input, whatever the reason: code
    /// `NetworkMismatch` for state saved for another network, `InvalidState` for every other
    /// refusal.
    StateError {
        Malformed: NetworkMismatch, Malformed = "InvalidState",
            UnsupportedVersion = "InvalidState", ZeroEpochLength = "InvalidState",
            NoIdentity = "InvalidState", IdentitiesOutOfOrder = "InvalidState",
            TooManyIdentities = "InvalidState", MalformedRecentWindow = "InvalidState",
            HeadEpochMismatch = "InvalidState";
    }
}

impl From<DecodeError> for ClientError {
    fn from(e: DecodeError) -> Self {
        Self::Block(Error::Decode(e))
    }
}

impl From<VerifyError> for ClientError {
    fn from(e: VerifyError) -> Self {
        Self::Block(Error::Verify(e))
    }
}
