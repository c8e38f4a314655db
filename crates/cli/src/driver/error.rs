//! How a run against an RPC ends badly: the one error of the driver, carried up to the
//! commands unchanged (the transport's [`RpcError`] and the core's [`ClientError`] inside it,
//! typed), classified by the core's taxonomy so the exit code is derived, not listed.

use super::rpc::RpcError;
use tempo_light::{client::Equivocation, Classified, ClientError, ErrorKind};

/// How following, or a call made for a command, ended badly.
#[derive(Debug)]
pub enum DriverError {
    /// The light client refused an answer (exit 1; 6 for a header this version cannot hash).
    Rejected(ClientError),
    /// An answer was malformed (exit 2).
    Malformed(String),
    /// Usage, file or state error (exit 3).
    Usage(String),
    /// Two valid finalizations at one height (exit 4).
    Equivocation(Equivocation),
    /// A call failed at the transport or the server (exit 5; 2 for an answer that is not
    /// JSON-RPC): the transport's error, typed, and the attempts made when it was retried
    /// until the retries were spent.
    Rpc {
        /// What the transport or the server said.
        error: RpcError,
        /// How many attempts were made, when the call was retried and gave up.
        gave_up_after: Option<u32>,
    },
    /// What would answer is not there, for a reason of the driver's own (exit 5).
    Unavailable(String),
}

impl DriverError {
    /// The error after the last of `attempts` attempts failed with `error`.
    pub fn gave_up(error: RpcError, attempts: u32) -> Self {
        Self::Rpc {
            error,
            gave_up_after: Some(attempts),
        }
    }

    /// The error of a call that failed once and is not retried.
    pub fn rpc(error: RpcError) -> Self {
        Self::Rpc {
            error,
            gave_up_after: None,
        }
    }

    /// The JSON-RPC error code the server answered with, if the call ended on one.
    pub fn server_code(&self) -> Option<i64> {
        match self {
            Self::Rpc {
                error: RpcError::Server { code, .. },
                ..
            } => Some(*code),
            _ => None,
        }
    }
}

impl Classified for DriverError {
    fn code(&self) -> &'static str {
        match self {
            Self::Rejected(e) => e.code(),
            Self::Rpc {
                error: RpcError::Malformed(_),
                ..
            }
            | Self::Malformed(_) => "Malformed",
            Self::Usage(_) => "Usage",
            Self::Equivocation(_) => "Equivocation",
            Self::Rpc { .. } | Self::Unavailable(_) => "Unavailable",
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            Self::Rejected(e) => e.kind(),
            Self::Rpc {
                error: RpcError::Malformed(_),
                ..
            }
            | Self::Malformed(_) => ErrorKind::Malformed,
            Self::Usage(_) => ErrorKind::Usage,
            Self::Equivocation(_) => ErrorKind::Frozen,
            Self::Rpc { .. } | Self::Unavailable(_) => ErrorKind::Unavailable,
        }
    }

    fn retryable(&self) -> bool {
        match self {
            Self::Rejected(e) => e.retryable(),
            Self::Rpc { error, .. } => error.retryable(),
            _ => false,
        }
    }
}

impl std::fmt::Display for DriverError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Rejected(e) => write!(f, "not verified: {e}"),
            Self::Malformed(e) => write!(f, "malformed answer: {e}"),
            Self::Usage(e) => write!(f, "{e}"),
            Self::Equivocation(e) => write!(
                f,
                "equivocation: blocks {:#x} and {:#x} are both final at height {}",
                e.known_hash, e.conflicting_hash, e.height
            ),
            // Its message reads `malformed answer: …`.
            Self::Rpc {
                error: e @ RpcError::Malformed(_),
                ..
            } => write!(f, "{e}"),
            Self::Rpc {
                error,
                gave_up_after: Some(attempts),
            } => write!(
                f,
                "RPC unavailable: {error} (gave up after {attempts} attempts)"
            ),
            Self::Rpc {
                error,
                gave_up_after: None,
            } => write!(f, "RPC unavailable: {error}"),
            Self::Unavailable(e) => write!(f, "RPC unavailable: {e}"),
        }
    }
}
