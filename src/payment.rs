//! Proven payments: a transaction and its TIP-20 transfers, final, checked end to end.
//!
//! Given a transaction hash and a header proven final (its certificate verified under its
//! epoch's identity, or linked by parent hashes to one that was), [`confirm_payment`] proves
//! from the block's raw transactions and receipts:
//! 1. the transaction is in the block: the raw transactions rebuild the header's
//!    `transactionsRoot` and the one at index `i` hashes to the asked hash;
//! 2. its outcome: the receipts rebuild the header's `receiptsRoot`; receipt `i` gives its
//!    status, gas used (the difference of cumulative gas) and logs;
//! 3. what moved: the TIP-20 `Transfer` and `TransferWithMemo` logs of that receipt emitted by
//!    a `0x20c0…` token, decoded ([`Tip20Transfer`]).
//!
//! [`check_payment`] then holds the outcome to what the payer expected (transaction, token,
//! sender, recipient, amount, memo), each mismatch its own [`PaymentError`]. An expectation
//! of a sender, recipient, amount or memo names its token, or says that any token will do
//! ([`ExpectedPayment::validate`]): TIP-20 tokens are created permissionlessly, so without a
//! token such an expectation would accept a transfer of a worthless token anyone minted.
//! Nothing an RPC says about inclusion, status or amounts is used: only bytes that hash to
//! the final header's roots.
//!
//! A [`PaymentProof`] is the same evidence as one self-contained, versioned JSON document
//! (certificate, headers, the block's transactions and receipts or trie proofs of the one
//! transaction and receipt) that [`verify_payment_proof`] re-checks offline.

use crate::{
    error::{DecodeError, Error, ErrorKind, VerifyError},
    finality::network::Network,
    finality::verify::{verify_block, verify_with_network, VerifiedBlock},
    receipt::{self, BlockReceipt},
    tip20::is_tip20_address,
    wire::certified_block::CertifiedBlock,
    wire::json::{self, Object},
    Certificate, PublicKey, TempoHeader,
};
use alloc::{
    boxed::Box,
    format,
    string::{String, ToString},
    vec::Vec,
};
use alloy_primitives::{b256, keccak256, Address, Bytes, Log, B256, U256};
use serde_json::{json, Value};

/// `keccak256("Transfer(address,address,uint256)")`.
pub const TRANSFER_TOPIC: B256 =
    b256!("ddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef");
/// `keccak256("TransferWithMemo(address,address,uint256,bytes32)")`.
pub const TRANSFER_WITH_MEMO_TOPIC: B256 =
    b256!("57bc7354aa85aed339e000bccffabbc529466af35f0772c8f8ee1145927de7f0");

/// The version of the [`PaymentProof`] document this code writes and reads.
pub const PAYMENT_PROOF_VERSION: u64 = 1;
/// The `type` member of a [`PaymentProof`] document.
pub const PAYMENT_PROOF_TYPE: &str = "tempo-light/payment-proof";
/// Most headers linking a block to a certified descendant in one proof.
pub const MAX_LINK_HEADERS: usize = 1024;
/// Largest proof document read, in bytes of JSON.
pub const MAX_PROOF_DOCUMENT_BYTES: usize = 64 * 1024 * 1024;

/// Why a payment is not proven (or not as expected). Each rule has its own variant.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PaymentError {
    /// An RPC answer or a proof document is malformed.
    #[error("malformed: {0}")]
    Decode(DecodeError),
    /// The certificate of the proof's header does not prove it final.
    #[error("the block is not proven final: {0}")]
    NotFinal(Box<Error>),
    /// A header does not link to its certified descendant by parent hash.
    #[error("header {height} does not link to its child: child names parent {expected}, header hashes to {actual}")]
    BrokenParentLink {
        /// Height of the header that does not link.
        height: u64,
        /// The child's `parentHash`.
        expected: B256,
        /// The header's hash.
        actual: B256,
    },
    /// A raw transaction is not an EIP-2718 envelope.
    #[error("transaction {index} is malformed: {reason}")]
    MalformedTransaction {
        /// Its index in the block.
        index: usize,
        /// What is wrong.
        reason: String,
    },
    /// A receipt is malformed (bad encoding, decreasing cumulative gas).
    #[error("receipt {index} is malformed: {reason}")]
    MalformedReceipt {
        /// Its index in the block.
        index: usize,
        /// What is wrong.
        reason: String,
    },
    /// The transactions do not rebuild the header's `transactionsRoot`.
    #[error("transactions root mismatch: the header commits to {header}, the transactions served give {computed}")]
    TransactionsRootMismatch {
        /// The final header's root.
        header: B256,
        /// The root of what was served.
        computed: B256,
    },
    /// The trie proof of the transaction does not hold under the header's `transactionsRoot`.
    #[error("transaction proof refused: {0}")]
    TransactionProofInvalid(String),
    /// No transaction of the (final) block hashes to the asked hash.
    #[error("transaction {hash} is not in block {height}")]
    TransactionNotInBlock {
        /// The asked hash.
        hash: B256,
        /// The block searched.
        height: u64,
    },
    /// The block has a different number of receipts than transactions.
    #[error("{receipts} receipts served for {transactions} transactions")]
    ReceiptCountMismatch {
        /// Transactions in the block.
        transactions: usize,
        /// Receipts served.
        receipts: usize,
    },
    /// A receipt names a transaction of the block at another index: the receipts are reordered.
    #[error("receipt {index} is for the block's transaction {belongs_to}: the receipts are out of order")]
    ReceiptsReordered {
        /// Index served at.
        index: usize,
        /// Index of the transaction it names.
        belongs_to: usize,
    },
    /// A receipt names a transaction that is not in the block.
    #[error("receipt {index} is for transaction {claimed}, which is not in this block")]
    ReceiptFromOtherBlock {
        /// Index served at.
        index: usize,
        /// The transaction it names.
        claimed: B256,
    },
    /// A receipt's bloom is not the bloom of its logs (a log was altered).
    #[error("receipt {index}: its logs bloom is not the bloom of its logs (a log was altered)")]
    LogsBloomMismatch {
        /// Index of the receipt.
        index: usize,
    },
    /// The receipts do not rebuild the header's `receiptsRoot`.
    #[error("receipts root mismatch: the header commits to {header}, the receipts served give {computed}")]
    ReceiptsRootMismatch {
        /// The final header's root.
        header: B256,
        /// The root of what was served.
        computed: B256,
    },
    /// The trie proof of the receipt does not hold under the header's `receiptsRoot`.
    #[error("receipt proof refused: {0}")]
    ReceiptProofInvalid(String),
    /// A `Transfer`/`TransferWithMemo` log of a TIP-20 token does not have the event's shape.
    #[error("log {log_index} of a TIP-20 token is not a well-formed transfer event: {reason}")]
    MalformedTransferLog {
        /// Index of the log in the receipt.
        log_index: usize,
        /// What is wrong.
        reason: String,
    },
    /// The transaction is final but failed (status 0): nothing moved.
    #[error("the transaction failed (status 0, {gas_used} gas used): nothing was paid")]
    PaymentFailed {
        /// Gas it used.
        gas_used: u64,
    },
    /// The transaction succeeded but moved no TIP-20 token.
    #[error("the transaction moved no TIP-20 token")]
    NoTransfer,
    /// No transfer of the expected token.
    #[error("no transfer of token {expected} (moved: {found})")]
    TokenMismatch {
        /// The expected token.
        expected: Address,
        /// The token of the first transfer.
        found: Address,
    },
    /// No transfer of the token from the expected sender.
    #[error("no transfer from {expected} (paid by: {found})")]
    SenderMismatch {
        /// The expected sender.
        expected: Address,
        /// The sender of the first candidate transfer.
        found: Address,
    },
    /// No transfer of the token to the expected recipient.
    #[error("no transfer to {expected} (paid to: {found})")]
    RecipientMismatch {
        /// The expected recipient.
        expected: Address,
        /// The recipient of the first candidate transfer.
        found: Address,
    },
    /// No transfer of the expected amount.
    #[error("amount mismatch: expected {expected}, paid {found}")]
    AmountMismatch {
        /// The expected amount (base units).
        expected: U256,
        /// The amount of the first candidate transfer.
        found: U256,
    },
    /// No transfer carries the expected memo.
    #[error("memo mismatch: expected {expected}, found {}", found.map_or("no memo".to_string(), |m| m.to_string()))]
    MemoMismatch {
        /// The expected memo.
        expected: B256,
        /// The memo of the first candidate transfer, if it had one.
        found: Option<B256>,
    },
    /// An expectation of a sender, recipient, amount or memo without the token, and without
    /// [`ExpectedPayment::any_token`]: TIP-20 tokens are created permissionlessly (by the
    /// factory, under any name), so it would accept a transfer of a worthless token anyone
    /// minted. Code `InvalidInput`: the caller's mistake, refused before anything is asked.
    #[error("an expectation of {fields} needs `token`, the TIP-20 token expected (tokens are created permissionlessly: without it, a transfer of a worthless token anyone minted would match); to accept a transfer of any token, say so (`anyToken`, `--any-token`)")]
    ExpectationWithoutToken {
        /// The fields expected without a token, as `` `to`, `amount` ``.
        fields: String,
    },
    /// An expectation of one token that also says any token will do. Code `InvalidInput`.
    #[error(
        "`token` and `anyToken` (`--any-token`) contradict each other: expect one token, or any"
    )]
    TokenAndAnyToken,
    /// The proof document's version is not one this code reads.
    #[error("unsupported payment proof version {0}")]
    UnsupportedVersion(u64),
    /// The proof document names an identity other than the one it verified under.
    #[error(
        "the proof names identity {named} but its certificate's epoch is trusted under {trusted}"
    )]
    IdentityMismatch {
        /// Identity named in the document (hex, shortened).
        named: String,
        /// Identity trusted by the verifier (hex, shortened).
        trusted: String,
    },
    /// The payment (a proof document's transaction) is not the transaction asked about.
    #[error("the proof is about transaction {proven}, not {asked}")]
    WrongTransaction {
        /// Asked.
        asked: B256,
        /// Proven by the document.
        proven: B256,
    },
}

impl PaymentError {
    /// A stable name for the variant (for `--json` output and tests); the refusals of an
    /// expectation itself ([`Self::is_invalid_input`]) are all `InvalidInput`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Decode(_) => "Malformed",
            // The one refusal about the verifier rather than the block: a frozen client.
            Self::NotFinal(e) if matches!(**e, Error::Verify(VerifyError::Frozen { .. })) => {
                "Frozen"
            }
            Self::NotFinal(_) => "NotFinal",
            Self::BrokenParentLink { .. } => "BrokenParentLink",
            Self::MalformedTransaction { .. } => "MalformedTransaction",
            Self::MalformedReceipt { .. } => "MalformedReceipt",
            Self::TransactionsRootMismatch { .. } => "TransactionsRootMismatch",
            Self::TransactionProofInvalid(_) => "TransactionProofInvalid",
            Self::TransactionNotInBlock { .. } => "TransactionNotInBlock",
            Self::ReceiptCountMismatch { .. } => "ReceiptCountMismatch",
            Self::ReceiptsReordered { .. } => "ReceiptsReordered",
            Self::ReceiptFromOtherBlock { .. } => "ReceiptFromOtherBlock",
            Self::LogsBloomMismatch { .. } => "LogsBloomMismatch",
            Self::ReceiptsRootMismatch { .. } => "ReceiptsRootMismatch",
            Self::ReceiptProofInvalid(_) => "ReceiptProofInvalid",
            Self::MalformedTransferLog { .. } => "MalformedTransferLog",
            Self::PaymentFailed { .. } => "PaymentFailed",
            Self::NoTransfer => "NoTransfer",
            Self::TokenMismatch { .. } => "TokenMismatch",
            Self::SenderMismatch { .. } => "SenderMismatch",
            Self::RecipientMismatch { .. } => "RecipientMismatch",
            Self::AmountMismatch { .. } => "AmountMismatch",
            Self::MemoMismatch { .. } => "MemoMismatch",
            Self::ExpectationWithoutToken { .. } | Self::TokenAndAnyToken => "InvalidInput",
            Self::UnsupportedVersion(_) => "UnsupportedVersion",
            Self::IdentityMismatch { .. } => "IdentityMismatch",
            Self::WrongTransaction { .. } => "WrongTransaction",
        }
    }

    /// What kind of failure it is: a block that does not prove the payment final is what its
    /// refusal is; transactions and receipts that do not rebuild the header's roots are not
    /// verified; a payment proven but not as expected is a mismatch; an expectation that cannot
    /// be checked is usage.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::Decode(_) | Self::UnsupportedVersion(_) => ErrorKind::Malformed,
            Self::NotFinal(e) => e.kind(),
            Self::BrokenParentLink { .. }
            | Self::MalformedTransaction { .. }
            | Self::MalformedReceipt { .. }
            | Self::TransactionsRootMismatch { .. }
            | Self::TransactionProofInvalid(_)
            | Self::TransactionNotInBlock { .. }
            | Self::ReceiptCountMismatch { .. }
            | Self::ReceiptsReordered { .. }
            | Self::ReceiptFromOtherBlock { .. }
            | Self::LogsBloomMismatch { .. }
            | Self::ReceiptsRootMismatch { .. }
            | Self::ReceiptProofInvalid(_)
            | Self::MalformedTransferLog { .. }
            | Self::IdentityMismatch { .. }
            | Self::WrongTransaction { .. } => ErrorKind::NotVerified,
            Self::PaymentFailed { .. }
            | Self::NoTransfer
            | Self::TokenMismatch { .. }
            | Self::SenderMismatch { .. }
            | Self::RecipientMismatch { .. }
            | Self::AmountMismatch { .. }
            | Self::MemoMismatch { .. } => ErrorKind::Mismatch,
            Self::ExpectationWithoutToken { .. } | Self::TokenAndAnyToken => ErrorKind::Usage,
        }
    }

    /// Never retryable: a payment's evidence either proves it or does not.
    pub fn retryable(&self) -> bool {
        false
    }

    /// Whether the error says the input is malformed (rather than well-formed but not proving
    /// the payment, or proving something else than expected).
    pub fn is_malformed(&self) -> bool {
        self.kind() == ErrorKind::Malformed
    }

    /// Whether the payment itself is proven (final, included, its outcome known) and the
    /// error is only that it is not what was expected.
    pub fn is_proven_otherwise(&self) -> bool {
        self.kind() == ErrorKind::Mismatch
    }

    /// Whether the error refuses the expectation itself (code `InvalidInput`): a usage error,
    /// raised before any evidence is looked at.
    pub fn is_invalid_input(&self) -> bool {
        self.kind() == ErrorKind::Usage
    }
}

impl From<DecodeError> for PaymentError {
    fn from(e: DecodeError) -> Self {
        Self::Decode(e)
    }
}

/// A TIP-20 transfer decoded from a log of the transaction's receipt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tip20Transfer {
    /// The token (the log's emitter, a `0x20c0…` address).
    pub token: Address,
    /// Payer.
    pub from: Address,
    /// Recipient.
    pub to: Address,
    /// Amount in the token's base units.
    pub amount: U256,
    /// The memo of a `TransferWithMemo` event (`None` for `Transfer`).
    pub memo: Option<B256>,
    /// Index of the log in the receipt.
    pub log_index: usize,
}

fn topic_address(topic: &B256) -> Option<Address> {
    topic[..12]
        .iter()
        .all(|b| *b == 0)
        .then(|| Address::from_slice(&topic[12..]))
}

/// Rule: every `Transfer`/`TransferWithMemo` log a TIP-20 token emitted, decoded (other logs
/// are skipped; a TIP-20 log with the event's topic but not its shape is refused). A
/// `TransferWithMemo` right after the `Transfer` of the same movement (what Tempo's
/// `transferWithMemo` emits) sets that transfer's memo.
pub fn tip20_transfers(logs: &[Log]) -> Result<Vec<Tip20Transfer>, PaymentError> {
    let mut transfers = Vec::new();
    for (log_index, log) in logs.iter().enumerate() {
        let topics = log.topics();
        let memo_event = match topics.first() {
            Some(t) if *t == TRANSFER_TOPIC => false,
            Some(t) if *t == TRANSFER_WITH_MEMO_TOPIC => true,
            _ => continue,
        };
        if !is_tip20_address(log.address) {
            continue;
        }
        let bad = |reason: &str| PaymentError::MalformedTransferLog {
            log_index,
            reason: reason.into(),
        };
        let want = if memo_event { 4 } else { 3 };
        if topics.len() != want {
            return Err(bad(&format!("{} topics, {want} expected", topics.len())));
        }
        if log.data.data.len() != 32 {
            return Err(bad("the amount is not one 32-byte word"));
        }
        let from = topic_address(&topics[1]).ok_or_else(|| bad("`from` is not an address"))?;
        let to = topic_address(&topics[2]).ok_or_else(|| bad("`to` is not an address"))?;
        let amount = U256::from_be_slice(&log.data.data);
        // Tempo's `transferWithMemo` emits `Transfer`, then `TransferWithMemo` for the same
        // movement: the memo annotates the transfer just before it, not a second movement.
        if let Some(previous) = transfers.last_mut().filter(|t: &&mut Tip20Transfer| {
            memo_event
                && t.memo.is_none()
                && t.log_index + 1 == log_index
                && (t.token, t.from, t.to, t.amount) == (log.address, from, to, amount)
        }) {
            previous.memo = Some(topics[3]);
            continue;
        }
        transfers.push(Tip20Transfer {
            token: log.address,
            from,
            to,
            amount,
            memo: memo_event.then(|| topics[3]),
            log_index,
        });
    }
    Ok(transfers)
}

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
    /// The transaction: a [`PaymentProof`] of another one is refused
    /// ([`PaymentError::WrongTransaction`]). ([`confirm_payment`] binds the hash it is given
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

/// A transaction proven final, included and executed, with what it moved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfirmedPayment {
    /// The transaction hash.
    pub transaction_hash: B256,
    /// Height of its block.
    pub height: u64,
    /// Hash of its block.
    pub block_hash: B256,
    /// Height of the certified block whose certificate proves it final (= `height` unless
    /// the block was linked to a certified descendant).
    pub certified_height: u64,
    /// Epoch of that certificate.
    pub epoch: u64,
    /// Identity the certificate verified under.
    pub identity: PublicKey,
    /// Index of the transaction in its block.
    pub index: usize,
    /// Its EIP-2718 type.
    pub tx_type: u8,
    /// Status (EIP-658).
    pub success: bool,
    /// Gas it used (`None` when a proof holds only its own receipt and it is not the first).
    pub gas_used: Option<u64>,
    /// Cumulative gas of the block through this transaction.
    pub cumulative_gas_used: u64,
    /// Its TIP-20 transfers.
    pub transfers: Vec<Tip20Transfer>,
    /// Number of logs of its receipt.
    pub logs: usize,
    /// The header's timestamp in ms.
    pub timestamp_ms: u64,
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
    let first = payment.transfers.first().ok_or(PaymentError::NoTransfer)?;
    let mut candidates: Vec<&Tip20Transfer> = payment.transfers.iter().collect();
    if let Some(token) = expected.token {
        let found = first.token;
        candidates.retain(|t| t.token == token);
        if candidates.is_empty() {
            return Err(PaymentError::TokenMismatch {
                expected: token,
                found,
            });
        }
    }
    if let Some(from) = expected.from {
        let found = candidates[0].from;
        candidates.retain(|t| t.from == from);
        if candidates.is_empty() {
            return Err(PaymentError::SenderMismatch {
                expected: from,
                found,
            });
        }
    }
    if let Some(to) = expected.to {
        let found = candidates[0].to;
        candidates.retain(|t| t.to == to);
        if candidates.is_empty() {
            return Err(PaymentError::RecipientMismatch {
                expected: to,
                found,
            });
        }
    }
    if let Some(amount) = expected.amount {
        let found = candidates[0].amount;
        candidates.retain(|t| t.amount == amount);
        if candidates.is_empty() {
            return Err(PaymentError::AmountMismatch {
                expected: amount,
                found,
            });
        }
    }
    if let Some(memo) = expected.memo {
        let found = candidates[0].memo;
        candidates.retain(|t| t.memo == Some(memo));
        if candidates.is_empty() {
            return Err(PaymentError::MemoMismatch {
                expected: memo,
                found,
            });
        }
    }
    Ok(())
}

/// Rule: every raw transaction is an EIP-2718 envelope; returns their types.
pub fn check_transactions(raw: &[Bytes]) -> Result<Vec<u8>, PaymentError> {
    if raw.len() > receipt::MAX_BLOCK_TRANSACTIONS {
        return Err(PaymentError::MalformedTransaction {
            index: receipt::MAX_BLOCK_TRANSACTIONS,
            reason: "too many transactions in one block".into(),
        });
    }
    raw.iter()
        .enumerate()
        .map(|(index, tx)| {
            receipt::transaction_type(tx)
                .map_err(|reason| PaymentError::MalformedTransaction { index, reason })
        })
        .collect()
}

/// Rule: the raw transactions rebuild the header's `transactionsRoot`.
pub fn check_transactions_root(header: &TempoHeader, raw: &[Bytes]) -> Result<(), PaymentError> {
    let computed = receipt::transactions_root(raw);
    if computed == header.inner.transactions_root {
        Ok(())
    } else {
        Err(PaymentError::TransactionsRootMismatch {
            header: header.inner.transactions_root,
            computed,
        })
    }
}

/// Rule: the receipts' claimed transaction hashes (when sent) are the block's transactions in
/// order; a receipt of another index is a reordering, of no transaction of the block another
/// block's receipt.
pub fn check_receipt_order(hashes: &[B256], receipts: &[BlockReceipt]) -> Result<(), PaymentError> {
    for (index, r) in receipts.iter().enumerate() {
        let Some(claimed) = r.claimed_transaction_hash else {
            continue;
        };
        if hashes.get(index) == Some(&claimed) {
            continue;
        }
        return Err(match hashes.iter().position(|h| *h == claimed) {
            Some(belongs_to) => PaymentError::ReceiptsReordered { index, belongs_to },
            None => PaymentError::ReceiptFromOtherBlock { index, claimed },
        });
    }
    Ok(())
}

/// Rule: as many receipts as transactions.
pub fn check_receipt_count(transactions: usize, receipts: usize) -> Result<(), PaymentError> {
    if transactions == receipts {
        Ok(())
    } else {
        Err(PaymentError::ReceiptCountMismatch {
            transactions,
            receipts,
        })
    }
}

/// Rule: a receipt's bloom is the bloom of its logs.
pub fn check_logs_bloom(index: usize, r: &BlockReceipt) -> Result<(), PaymentError> {
    if receipt::logs_bloom(r.logs()) == r.receipt.logs_bloom {
        Ok(())
    } else {
        Err(PaymentError::LogsBloomMismatch { index })
    }
}

/// Rule: the receipts rebuild the header's `receiptsRoot`.
pub fn check_receipts_root(
    header: &TempoHeader,
    receipts: &[BlockReceipt],
) -> Result<(), PaymentError> {
    let computed = receipt::receipts_root(receipts);
    if computed == header.inner.receipts_root {
        Ok(())
    } else {
        Err(PaymentError::ReceiptsRootMismatch {
            header: header.inner.receipts_root,
            computed,
        })
    }
}

/// Rule: gas used is the rise of cumulative gas, which never falls.
fn gas_used(index: usize, previous: Option<u64>, cumulative: u64) -> Result<u64, PaymentError> {
    cumulative
        .checked_sub(previous.unwrap_or(0))
        .ok_or_else(|| PaymentError::MalformedReceipt {
            index,
            reason: "cumulative gas used decreases".into(),
        })
}

/// Where a header was proven final: the verified certified block it is (or links to).
#[derive(Clone, Debug)]
pub struct FinalAnchor<'a> {
    /// The verified certified block.
    pub verified: &'a VerifiedBlock,
    /// Headers from the payment's block up to (excluding) the verified one, oldest first,
    /// each the parent of the next (empty when the payment's block is the certified one).
    pub links: &'a [TempoHeader],
}

/// Rule: the payment's header is the certified one or linked to it by parent hashes. Returns
/// the payment's header.
pub fn check_links<'a>(anchor: &FinalAnchor<'a>) -> Result<&'a TempoHeader, PaymentError> {
    if anchor.links.len() > MAX_LINK_HEADERS {
        return Err(PaymentError::Decode(DecodeError::Json(format!(
            "more than {MAX_LINK_HEADERS} link headers"
        ))));
    }
    let mut child = &anchor.verified.header;
    for header in anchor.links.iter().rev() {
        let actual = header.hash();
        if actual != child.parent_hash() || header.number().checked_add(1) != Some(child.number()) {
            return Err(PaymentError::BrokenParentLink {
                height: header.number(),
                expected: child.parent_hash(),
                actual,
            });
        }
        child = header;
    }
    Ok(child)
}

fn confirmed(
    anchor: &FinalAnchor<'_>,
    header: &TempoHeader,
    transaction_hash: B256,
    index: usize,
    tx_type: u8,
    receipt: &BlockReceipt,
    gas_used: Option<u64>,
) -> Result<ConfirmedPayment, PaymentError> {
    Ok(ConfirmedPayment {
        transaction_hash,
        height: header.number(),
        block_hash: header.hash(),
        certified_height: anchor.verified.height,
        epoch: anchor.verified.epoch,
        identity: anchor.verified.identity.clone(),
        index,
        tx_type,
        success: receipt.success(),
        gas_used,
        cumulative_gas_used: receipt.cumulative_gas_used(),
        transfers: tip20_transfers(receipt.logs())?,
        logs: receipt.logs().len(),
        timestamp_ms: header.timestamp_millis(),
    })
}

/// Proves a transaction final, included and executed, from a final header (or one linked to
/// it), the block's raw transactions (EIP-2718 encodings) and its receipts. The rules run in
/// order: envelopes, transactions root, inclusion, receipt order, count, blooms, receipts
/// root, gas; then the transfers are decoded. Expectations are [`check_payment`]'s.
pub fn confirm_payment(
    anchor: &FinalAnchor<'_>,
    transaction_hash: B256,
    transactions: &[Bytes],
    receipts: &[BlockReceipt],
) -> Result<ConfirmedPayment, PaymentError> {
    let header = check_links(anchor)?;
    let types = check_transactions(transactions)?;
    check_transactions_root(header, transactions)?;
    let hashes: Vec<B256> = transactions.iter().map(keccak256).collect();
    let index = hashes.iter().position(|h| *h == transaction_hash).ok_or(
        PaymentError::TransactionNotInBlock {
            hash: transaction_hash,
            height: header.number(),
        },
    )?;
    check_receipt_order(&hashes, receipts)?;
    check_receipt_count(transactions.len(), receipts.len())?;
    for (i, r) in receipts.iter().enumerate() {
        check_logs_bloom(i, r)?;
    }
    check_receipts_root(header, receipts)?;
    let mut previous = None;
    for (i, r) in receipts.iter().enumerate() {
        gas_used(i, previous, r.cumulative_gas_used())?;
        previous = Some(r.cumulative_gas_used());
    }
    let receipt = &receipts[index];
    let before = index
        .checked_sub(1)
        .map(|i| receipts[i].cumulative_gas_used());
    let used = gas_used(index, before, receipt.cumulative_gas_used())?;
    confirmed(
        anchor,
        header,
        transaction_hash,
        index,
        types[index],
        receipt,
        Some(used),
    )
}

/// One item of an ordered trie and its proof.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrieItem {
    /// Index in the block.
    pub index: usize,
    /// Its encoding (a raw transaction, a typed receipt).
    pub raw: Bytes,
    /// Trie nodes from the root down.
    pub proof: Vec<Bytes>,
}

/// A block's transactions or receipts in a proof: all of them, or one with its trie proof.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BlockItems {
    /// All the block's items (encoded), in order.
    All(Vec<Bytes>),
    /// The items needed, with their trie proofs (the transaction; the receipt and, for gas
    /// used, the one before it).
    Proven(Vec<TrieItem>),
}

/// A self-contained, offline-checkable proof of a payment.
///
/// Its JSON form (version 1):
/// `{"type": "tempo-light/payment-proof", "version": 1, "transactionHash", "identity" (96-byte
/// G2 hex), "certificate" (the finalization's hex), "headers": [the payment's header, then each
/// child up to the certified one], "transactions": {"all": [raw hex…]} | {"proven": [{"index",
/// "raw", "proof": [node hex…]}]}, "receipts": likewise (typed receipt encodings; in the proven
/// form the receipt before the transaction's comes first, for its gas used)}`.
/// Nothing in it is trusted: the verifier's own identity decides finality, and every other byte
/// must hash up to the certified header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaymentProof {
    /// The transaction.
    pub transaction_hash: B256,
    /// The certificate finalizing the last of `headers`.
    pub certificate: Certificate,
    /// The payment's block header first, then each child up to the certified header.
    pub headers: Vec<TempoHeader>,
    /// The identity the certificate was checked under when the proof was made (informational:
    /// the verifier's own trust decides; a different one is refused).
    pub identity: PublicKey,
    /// The block's transactions.
    pub transactions: BlockItems,
    /// The block's receipts.
    pub receipts: BlockItems,
}

/// Which form of [`BlockItems`] to put in a proof.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProofForm {
    /// All the block's transactions and receipts.
    FullBlock,
    /// Trie proofs of the one transaction and its receipt (and the receipt before it).
    TrieProofs,
    /// Whichever encodes smaller.
    Smallest,
}

impl PaymentProof {
    /// Builds a proof from what [`confirm_payment`] accepted (call it after that succeeded:
    /// nothing is checked here).
    pub fn build(
        payment: &ConfirmedPayment,
        certified: &CertifiedBlock,
        links: &[TempoHeader],
        transactions: &[Bytes],
        receipts: &[BlockReceipt],
        form: ProofForm,
    ) -> Self {
        let mut headers = links.to_vec();
        headers.push(certified.header.clone());
        let encoded: Vec<Bytes> = receipts
            .iter()
            .map(|r| Bytes::from(r.encoded_2718()))
            .collect();
        let make = |items: BlockItems, receipt_items: BlockItems| Self {
            transaction_hash: payment.transaction_hash,
            certificate: certified.certificate.clone(),
            headers: headers.clone(),
            identity: payment.identity.clone(),
            transactions: items,
            receipts: receipt_items,
        };
        let full = || {
            make(
                BlockItems::All(transactions.to_vec()),
                BlockItems::All(encoded.clone()),
            )
        };
        let proven = || {
            let item = |items: &[Bytes], index: usize| TrieItem {
                index,
                raw: items[index].clone(),
                proof: receipt::ordered_trie_proof(items, index).1,
            };
            let mut receipt_items = Vec::new();
            if let Some(before) = payment.index.checked_sub(1) {
                receipt_items.push(item(&encoded, before));
            }
            receipt_items.push(item(&encoded, payment.index));
            make(
                BlockItems::Proven(Vec::from([item(transactions, payment.index)])),
                BlockItems::Proven(receipt_items),
            )
        };
        match form {
            ProofForm::FullBlock => full(),
            ProofForm::TrieProofs => proven(),
            ProofForm::Smallest => {
                let (a, b) = (full(), proven());
                if a.to_json().len() <= b.to_json().len() {
                    a
                } else {
                    b
                }
            }
        }
    }

    /// The proof as a JSON value.
    pub fn to_value(&self) -> Value {
        let items = |items: &BlockItems| match items {
            BlockItems::All(all) => json!({ "all": all }),
            BlockItems::Proven(proven) => json!({
                "proven": proven
                    .iter()
                    .map(|i| json!({"index": i.index, "raw": i.raw, "proof": i.proof}))
                    .collect::<Vec<_>>()
            }),
        };
        json!({
            "type": PAYMENT_PROOF_TYPE,
            "version": PAYMENT_PROOF_VERSION,
            "transactionHash": self.transaction_hash,
            "identity": format!("0x{}", alloy_primitives::hex::encode(self.identity.to_bytes())),
            "certificate": alloy_primitives::hex::encode(self.certificate.encode()),
            "headers": self.headers,
            "transactions": items(&self.transactions),
            "receipts": items(&self.receipts),
        })
    }

    /// The proof as JSON text.
    pub fn to_json(&self) -> String {
        self.to_value().to_string()
    }

    /// Parses a proof document (every field checked for shape and bounds).
    pub fn from_json(text: &str) -> Result<Self, PaymentError> {
        if text.len() > MAX_PROOF_DOCUMENT_BYTES {
            return Err(DecodeError::Json("the proof document is oversized".into()).into());
        }
        let value: Value =
            serde_json::from_str(text).map_err(|e| DecodeError::Json(e.to_string()))?;
        Self::from_value(&value)
    }

    /// Parses a proof document from a JSON value.
    pub fn from_value(value: &Value) -> Result<Self, PaymentError> {
        let object = json::object("proof", value)?;
        if json::member(object, "type", json::string)? != PAYMENT_PROOF_TYPE {
            return Err(json::invalid("type", "not a tempo-light payment proof").into());
        }
        let version = json::member(object, "version", json::plain_u64)?;
        if version != PAYMENT_PROOF_VERSION {
            return Err(PaymentError::UnsupportedVersion(version));
        }
        let identity_bytes = json::member(object, "identity", json::fixed::<96>)?;
        let identity = PublicKey::from_slice(identity_bytes.as_slice())
            .map_err(|e| DecodeError::Json(format!("identity: {e}")))?;
        let headers = json::member(object, "headers", json::array)?;
        if headers.is_empty() || headers.len() > MAX_LINK_HEADERS + 1 {
            return Err(json::invalid("headers", "between 1 and 1025 headers").into());
        }
        let headers = headers
            .iter()
            .map(crate::wire::header::read_header)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            transaction_hash: json::member(object, "transactionHash", json::fixed::<32>)?,
            certificate: Certificate::from_hex(json::member(object, "certificate", json::string)?)?,
            headers,
            identity,
            transactions: read_items(object, "transactions")?,
            receipts: read_items(object, "receipts")?,
        })
    }

    fn certified(&self) -> Option<CertifiedBlock> {
        Some(CertifiedBlock {
            certificate: self.certificate.clone(),
            header: self.headers.last()?.clone(),
            claimed: Default::default(),
        })
    }

    /// Re-checks the proof with `verify` deciding whether its certified block is final (one
    /// of [`verify_block`], [`verify_with_network`], or a light client's `verify`).
    pub fn verify_with(
        &self,
        verify: impl FnOnce(&CertifiedBlock) -> Result<VerifiedBlock, Error>,
    ) -> Result<ConfirmedPayment, PaymentError> {
        let certified = self
            .certified()
            .ok_or_else(|| json::invalid("headers", "empty"))?;
        let verified = verify(&certified).map_err(|e| PaymentError::NotFinal(Box::new(e)))?;
        if verified.identity != self.identity {
            return Err(PaymentError::IdentityMismatch {
                named: short_hex(&self.identity.to_bytes()),
                trusted: short_hex(&verified.identity.to_bytes()),
            });
        }
        let anchor = FinalAnchor {
            verified: &verified,
            links: &self.headers[..self.headers.len() - 1],
        };
        match (&self.transactions, &self.receipts) {
            (BlockItems::All(txs), BlockItems::All(rs)) => {
                let receipts = rs
                    .iter()
                    .enumerate()
                    .map(|(index, raw)| {
                        BlockReceipt::decode_2718(raw)
                            .map_err(|reason| PaymentError::MalformedReceipt { index, reason })
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                confirm_payment(&anchor, self.transaction_hash, txs, &receipts)
            }
            (BlockItems::Proven(txs), BlockItems::Proven(rs)) => {
                self.verify_proven(&anchor, txs, rs)
            }
            _ => Err(json::invalid(
                "receipts",
                "transactions and receipts must take the same form",
            )
            .into()),
        }
    }

    fn verify_proven(
        &self,
        anchor: &FinalAnchor<'_>,
        txs: &[TrieItem],
        rs: &[TrieItem],
    ) -> Result<ConfirmedPayment, PaymentError> {
        let header = check_links(anchor)?;
        let [tx] = txs else {
            return Err(json::invalid("transactions", "exactly one proven transaction").into());
        };
        let tx_type = receipt::transaction_type(&tx.raw).map_err(|reason| {
            PaymentError::MalformedTransaction {
                index: tx.index,
                reason,
            }
        })?;
        receipt::verify_ordered_proof(header.inner.transactions_root, tx.index, &tx.raw, &tx.proof)
            .map_err(PaymentError::TransactionProofInvalid)?;
        if keccak256(&tx.raw) != self.transaction_hash {
            return Err(PaymentError::TransactionNotInBlock {
                hash: self.transaction_hash,
                height: header.number(),
            });
        }
        let (previous, own) = match rs {
            [own] if tx.index == 0 => (None, own),
            [before, own] if tx.index.checked_sub(1) == Some(before.index) => (Some(before), own),
            _ => {
                return Err(json::invalid(
                    "receipts",
                    "the transaction's receipt, preceded by the one before it if any",
                )
                .into())
            }
        };
        if own.index != tx.index {
            return Err(
                json::invalid("receipts", "the receipt's index is not the transaction's").into(),
            );
        }
        let mut decoded = Vec::new();
        for item in previous.into_iter().chain(core::iter::once(own)) {
            let r = BlockReceipt::decode_2718(&item.raw).map_err(|reason| {
                PaymentError::MalformedReceipt {
                    index: item.index,
                    reason,
                }
            })?;
            check_logs_bloom(item.index, &r)?;
            receipt::verify_ordered_proof(
                header.inner.receipts_root,
                item.index,
                &item.raw,
                &item.proof,
            )
            .map_err(PaymentError::ReceiptProofInvalid)?;
            decoded.push(r);
        }
        let receipt = decoded
            .pop()
            .ok_or_else(|| json::invalid("receipts", "empty"))?;
        let before = decoded.pop().map(|r| r.cumulative_gas_used());
        let used = gas_used(own.index, before, receipt.cumulative_gas_used())?;
        confirmed(
            anchor,
            header,
            self.transaction_hash,
            tx.index,
            tx_type,
            &receipt,
            Some(used),
        )
    }

    /// Re-checks the proof against an identity the caller trusts for its certificate's epoch.
    pub fn verify(
        &self,
        identity: &PublicKey,
        epoch_length: u64,
    ) -> Result<ConfirmedPayment, PaymentError> {
        self.verify_with(|block| verify_block(identity, epoch_length, block))
    }
}

fn short_hex(bytes: &[u8]) -> String {
    let hex = alloy_primitives::hex::encode(bytes);
    format!("0x{}…{}", &hex[..8], &hex[hex.len() - 8..])
}

fn read_items(object: &Object, field: &'static str) -> Result<BlockItems, PaymentError> {
    let items = json::object(field, json::required(object, field)?)?;
    let bytes_list = |value: &Value, limit: usize| -> Result<Vec<Bytes>, DecodeError> {
        let list = json::array(field, value)?;
        if list.len() > limit {
            return Err(json::invalid(field, "too many items"));
        }
        list.iter().map(|v| json::bytes(field, v)).collect()
    };
    if let Some(all) = items.get("all") {
        return Ok(BlockItems::All(bytes_list(
            all,
            receipt::MAX_BLOCK_TRANSACTIONS,
        )?));
    }
    let proven = json::member(items, "proven", json::array)?;
    if proven.len() > 2 {
        return Err(json::invalid(field, "at most two proven items").into());
    }
    let mut out = Vec::new();
    for item in proven {
        let item = json::object(field, item)?;
        let index = json::member(item, "index", json::plain_u64)?;
        let index = usize::try_from(index)
            .ok()
            .filter(|i| *i < receipt::MAX_BLOCK_TRANSACTIONS)
            .ok_or_else(|| json::invalid(field, "index out of range"))?;
        out.push(TrieItem {
            index,
            raw: json::member(item, "raw", json::bytes)?,
            proof: bytes_list(
                json::required(item, "proof")?,
                receipt::MAX_ORDERED_PROOF_NODES,
            )?,
        });
    }
    Ok(BlockItems::Proven(out))
}

/// Re-checks a [`PaymentProof`] offline against a network's identities (the built-in ones of
/// a preset, or the explicit identity of [`Network::custom`]).
pub fn verify_payment_proof(
    network: &Network,
    proof: &PaymentProof,
) -> Result<ConfirmedPayment, PaymentError> {
    proof.verify_with(|block| verify_with_network(network, block))
}
