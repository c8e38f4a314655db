//! What the payer expected, and the rule holding a proven payment to it: apart from the
//! proof of the payment itself, since an expectation is the caller's (and refused as usage
//! before anything is asked when it names no token).

use super::{ConfirmedPayment, PaymentConfirmation, PaymentError};
use crate::state::tip20::Tip20Transfer;
use alloc::vec::Vec;
use alloy_primitives::{Address, B256, U256};

/// What the payer expected. Every field is optional, but an expectation of a sender,
/// recipient, amount or memo must name its token or set [`Self::any_token`]
/// ([`Self::validate`], which [`check_payment`] applies first and every edge applies before
/// asking anything). With no expectation at all, a payment is only proven: it reports every
/// transfer it moved and holds it to nothing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExpectedPayment {
    /// The TIP-20 token: the only field that says what was paid in (a token's name or symbol
    /// proves nothing: anyone can create a token with any name).
    pub token: Option<Address>,
    /// Accept a transfer of any token: the caller's explicit choice to expect a sender,
    /// recipient, amount or memo without naming the token.
    pub any_token: bool,
    /// The sender (the `from` of the transfer).
    pub from: Option<Address>,
    /// The recipient.
    pub to: Option<Address>,
    /// The amount, in base units.
    pub amount: Option<U256>,
    /// The memo (a `TransferWithMemo`).
    pub memo: Option<B256>,
    /// The transaction: a [`super::PaymentProof`] of another one is refused
    /// ([`PaymentError::WrongTransaction`]). ([`super::confirm_payment`] binds the hash it is given
    /// by itself.)
    pub transaction_hash: Option<B256>,
}

impl ExpectedPayment {
    /// Rule: an expectation of a sender, recipient, amount or memo names its token, unless
    /// any token is explicitly accepted; naming a token and accepting any is a contradiction.
    /// Both refusals have the code `InvalidInput`.
    pub fn validate(&self) -> Result<(), PaymentError> {
        if self.token.is_some() && self.any_token {
            return Err(PaymentError::TokenAndAnyToken);
        }
        if self.token.is_some() || self.any_token {
            return Ok(());
        }
        let named: Vec<&str> = [
            ("`from`", self.from.is_some()),
            ("`to`", self.to.is_some()),
            ("`amount`", self.amount.is_some()),
            ("`memo`", self.memo.is_some()),
        ]
        .into_iter()
        .filter_map(|(name, given)| given.then_some(name))
        .collect();
        if named.is_empty() {
            Ok(())
        } else {
            Err(PaymentError::ExpectationWithoutToken {
                fields: named.join(", "),
            })
        }
    }
}

/// Rule: the expectation is valid ([`ExpectedPayment::validate`]), the payment is of the
/// expected transaction, it succeeded and one of its transfers is what was expected.
/// Mismatches are reported in the order token, sender, recipient, amount, memo, each against
/// the closest candidate.
pub fn check_payment(
    payment: &ConfirmedPayment,
    expected: &ExpectedPayment,
) -> Result<(), PaymentError> {
    expected.validate()?;
    if let Some(asked) = expected
        .transaction_hash
        .filter(|asked| *asked != payment.transaction_hash)
    {
        return Err(PaymentError::WrongTransaction {
            asked,
            proven: payment.transaction_hash,
        });
    }
    if !payment.success {
        return Err(PaymentError::PaymentFailed {
            gas_used: payment.gas_used.unwrap_or(payment.cumulative_gas_used),
        });
    }
    let mut candidates: Vec<&Tip20Transfer> = payment.transfers.iter().collect();
    if candidates.is_empty() {
        return Err(PaymentError::NoTransfer);
    }
    // Keeps the candidates whose `field` is the one expected, when one is (`wrap`ped as the
    // field holds it); none left is the `mismatch`, against the closest candidate: the first
    // that the rules before left.
    macro_rules! narrow {
        ($field:ident, $mismatch:ident $(, $wrap:path)?) => {
            if let Some(expected) = expected.$field {
                let found = candidates[0].$field;
                candidates.retain(|t| t.$field == $($wrap)?(expected));
                if candidates.is_empty() {
                    return Err(PaymentError::$mismatch { expected, found });
                }
            }
        };
    }
    narrow!(token, TokenMismatch);
    narrow!(from, SenderMismatch);
    narrow!(to, RecipientMismatch);
    narrow!(amount, AmountMismatch);
    narrow!(memo, MemoMismatch, Some);
    Ok(())
}

impl PaymentConfirmation<'_> {
    /// Holds the payment proven to what the payer expected ([`check_payment`]).
    pub fn expect(&self, expected: &ExpectedPayment) -> Result<(), PaymentError> {
        check_payment(self.payment(), expected)
    }
}
