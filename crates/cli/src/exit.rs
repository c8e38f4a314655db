//! Every exit code of the command line, in one enum, derived from the core's error taxonomy
//! ([`ErrorKind`]): no other file names a number.
//!
//! The rule is [`Exit::of_kind`]. Where an exit code scripts rely on is not the kind's (the
//! codes are older than the taxonomy), the exception is kept, named and explained here, in
//! [`Exit::of_client_refusal`], [`Exit::of_block_refusal`] and [`Exit::of_proof_refusal`]: a
//! script sees the same code for the same failure as before.

use crate::driver::DriverError;
use std::process::ExitCode;
use tempo_light::{state::state_proof::ProofError, Classified, ClientError, Error, ErrorKind};

/// How the command line ends, as README's "Exit codes" lists them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Exit {
    /// Proven (final, included, as expected), or a command that ran to its end.
    Success = 0,
    /// Well-formed, but it does not prove what it was offered for, or proves something other
    /// than expected (kinds `NotVerified`, `Mismatch`).
    NotVerified = 1,
    /// The input or an answer is malformed (kind `Malformed`).
    Malformed = 2,
    /// Usage, I/O or state-file error (kind `Usage`).
    Usage = 3,
    /// Two valid finalizations at one height: the trust state is frozen (kind `Frozen`).
    Equivocation = 4,
    /// The RPC stayed unavailable through every retry (kind `Unavailable`).
    Unavailable = 5,
    /// A header this version cannot hash: the network may have upgraded (kind `Outdated`).
    Outdated = 6,
    /// `confirm`: the transaction is not in a final block yet (no error: ask again later).
    Pending = 7,
}

impl Exit {
    /// The exit code of an error of this kind: the rule every command follows.
    pub const fn of_kind(kind: ErrorKind) -> Self {
        match kind {
            ErrorKind::Malformed => Self::Malformed,
            ErrorKind::NotVerified | ErrorKind::Mismatch => Self::NotVerified,
            ErrorKind::Unavailable => Self::Unavailable,
            ErrorKind::Usage => Self::Usage,
            ErrorKind::Frozen => Self::Equivocation,
            ErrorKind::Outdated => Self::Outdated,
        }
    }

    /// The exit code of an error, from its kind.
    pub fn of(error: &impl Classified) -> Self {
        Self::of_kind(error.kind())
    }

    /// An answer the light client refused while following (`follow`, `balance`, `confirm`):
    /// exit 1, "a proof failed", whatever the refusal's kind, except a header this version
    /// cannot hash (6).
    ///
    /// Exceptions to [`Self::of_kind`], kept: the follower tells malformed answers apart before
    /// they reach the client (exit 2), so what the client refuses was a proof that failed; a
    /// `Frozen` refusal comes from a client that already ended its run with
    /// [`Self::Equivocation`].
    pub fn of_client_refusal(error: &ClientError) -> Self {
        match error.kind() {
            ErrorKind::Outdated => Self::Outdated,
            _ => Self::NotVerified,
        }
    }

    /// How a run against an RPC ended: as the kind says, but for what the light client
    /// refused ([`Self::of_client_refusal`]).
    pub fn of_driver(error: &DriverError) -> Self {
        match error {
            DriverError::Rejected(refusal) => Self::of_client_refusal(refusal),
            e => Self::of(e),
        }
    }

    /// A block refused by `verify`, or by `confirm` and `verify-payment` as not final
    /// (`PaymentError::NotFinal`): 2 when it did not decode, else as the kind says.
    ///
    /// Exceptions to [`Self::of_kind`], kept: a JSON-RPC error answer given as the block (kind
    /// `Unavailable`) is malformed input here, since the input is not a finalization; a
    /// verifier's `Frozen` refusal is exit 1 (a one-shot verification freezes nothing, and a
    /// follower's freeze ends its run first with [`Self::Equivocation`]).
    pub fn of_block_refusal(error: &Error) -> Self {
        match error {
            Error::Decode(_) => Self::Malformed,
            e => match e.kind() {
                ErrorKind::Frozen => Self::NotVerified,
                kind => Self::of_kind(kind),
            },
        }
    }

    /// A balance proof refused (`balance`): as the kind says.
    ///
    /// Exceptions to [`Self::of_kind`], kept: `NoStateRoot` (kind `Usage`: no block proven
    /// final yet), `StringNotInline` (kind `Malformed`: token metadata too long to prove)
    /// and `Frozen` are exit 1 ("not verified"), as `balance` has always ended them.
    pub fn of_proof_refusal(error: &ProofError) -> Self {
        match error {
            ProofError::NoStateRoot(_)
            | ProofError::StringNotInline { .. }
            | ProofError::Frozen { .. } => Self::NotVerified,
            e => Self::of(e),
        }
    }

    /// The number the process ends with.
    pub const fn code(self) -> u8 {
        self as u8
    }
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> Self {
        ExitCode::from(exit.code())
    }
}

#[cfg(test)]
mod tests {
    use super::Exit;
    use tempo_light::ErrorKind;

    /// The codes README documents, one per kind.
    #[test]
    fn each_kind_has_its_documented_code() {
        let codes: Vec<u8> = ErrorKind::ALL
            .iter()
            .map(|k| Exit::of_kind(*k).code())
            .collect();
        // Malformed, NotVerified, Mismatch, Unavailable, Usage, Frozen, Outdated.
        assert_eq!(codes, [2, 1, 1, 5, 3, 4, 6]);
        assert_eq!(Exit::Pending.code(), 7);
        assert_eq!(Exit::Success.code(), 0);
    }
}
