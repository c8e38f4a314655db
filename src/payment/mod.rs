//! Proven payments: a transaction and its TIP-20 transfers, final, checked end to end.
//!
//! This module is the one place a payment is decided, for every edge (the CLI's `confirm`,
//! the wasm's `confirmPayment`, the provider's proven receipts): what to fetch ([`query`]),
//! the rules that prove a payment from it ([`rules`]), what the payer expected ([`expect`]) and
//! the self-contained proof document ([`document`]). Here: its errors, and the workflow.
//!
//! Given a transaction hash and a header proven final (its certificate verified under its
//! epoch's identity, or linked by parent hashes to one that was), [`confirm_payment`] proves
//! from the block's raw transactions and receipts:
//! 1. the transaction is in the block: the raw transactions rebuild the header's
//!    `transactionsRoot` and the one at index `i` hashes to the asked hash;
//! 2. its outcome: the receipts rebuild the header's `receiptsRoot`; receipt `i` gives its
//!    status, gas used (the difference of cumulative gas) and logs;
//! 3. what moved: the TIP-20 `Transfer` and `TransferWithMemo` logs of that receipt emitted by
//!    a `0x20c0…` token, decoded ([`Tip20Transfer`], [`crate::state::tip20`]).
//!
//! It returns a [`PaymentConfirmation`] holding that evidence: [`PaymentConfirmation::expect`]
//! holds the outcome to what the payer expected (transaction, token, sender, recipient,
//! amount, memo), each mismatch its own [`PaymentError`], and [`PaymentConfirmation::proof`]
//! writes the same evidence as a [`PaymentProof`]. An expectation of a sender, recipient,
//! amount or memo names its token, or says that any token will do
//! ([`ExpectedPayment::validate`]): TIP-20 tokens are created permissionlessly, so without a
//! token such an expectation would accept a transfer of a worthless token anyone minted.
//! Nothing an RPC says about inclusion, status or amounts is used: only bytes that hash to
//! the final header's roots.
//!
//! A [`PaymentProof`] (certificate, headers, the block's transactions and receipts or trie
//! proofs of the one transaction and receipt) is re-checked offline by
//! [`verify_payment_proof`].

pub mod document;
pub mod expect;
pub mod incoming;
pub mod query;
pub mod receipt;
pub mod rules;

pub use crate::state::tip20::{
    tip20_transfers, Tip20Transfer, TransferLogError, TRANSFER_TOPIC, TRANSFER_WITH_MEMO_TOPIC,
};
pub use document::{
    verify_payment_proof, BlockItems, PaymentProof, ProofForm, TrieItem, MAX_PROOF_DOCUMENT_BYTES,
    PAYMENT_PROOF_TYPE, PAYMENT_PROOF_VERSION,
};
pub use expect::{check_payment, ExpectedPayment};
pub use query::{located_height, BlockContents, BlockQuery, RpcCall};
pub use rules::{
    check_links, check_logs_bloom, check_receipt_count, check_receipt_order, check_receipts_root,
    check_transactions, check_transactions_root,
};

use crate::{
    bls::PublicKey,
    error::{DecodeError, Error, ErrorKind},
    finality::verify::VerifiedBlock,
    payment::receipt::BlockReceipt,
    wire::certificate::Certificate,
    wire::header::TempoHeader,
};
use alloc::{
    boxed::Box,
    string::{String, ToString},
    vec::Vec,
};
use alloy_primitives::{keccak256, Address, Bytes, B256, U256};

/// Most headers linking a block to a certified descendant in one proof.
pub const MAX_LINK_HEADERS: usize = 1024;

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

crate::error::classify! {
    /// A block that does not prove the payment final is what its refusal is (code `NotFinal`,
    /// or `Frozen` for the one refusal about the verifier rather than the block: a frozen
    /// client); transactions and receipts that do not rebuild the header's roots are not
    /// verified; a payment proven but not as expected is a mismatch; an expectation that cannot
    /// be checked is usage (code `InvalidInput`, see [`Self::is_invalid_input`]). Never
    /// retryable: a payment's evidence either proves it or does not.
    PaymentError {
        _: NotFinal = "NotFinal";
        Malformed: Decode = "Malformed", UnsupportedVersion;
        NotVerified: BrokenParentLink, MalformedTransaction, MalformedReceipt,
            TransactionsRootMismatch, TransactionProofInvalid, TransactionNotInBlock,
            ReceiptCountMismatch, ReceiptsReordered, ReceiptFromOtherBlock, LogsBloomMismatch,
            ReceiptsRootMismatch, ReceiptProofInvalid, MalformedTransferLog, IdentityMismatch,
            WrongTransaction;
        Mismatch: PaymentFailed, NoTransfer, TokenMismatch, SenderMismatch, RecipientMismatch,
            AmountMismatch, MemoMismatch;
        Usage: ExpectationWithoutToken = "InvalidInput", TokenAndAnyToken = "InvalidInput";
    }
}

impl PaymentError {
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

impl From<TransferLogError> for PaymentError {
    fn from(e: TransferLogError) -> Self {
        Self::MalformedTransferLog {
            log_index: e.log_index,
            reason: e.reason,
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

/// Where a header was proven final: the verified certified block it is (or links to), and
/// the certificate that proved it (what a [`PaymentProof`] carries).
#[derive(Clone, Debug)]
pub struct FinalAnchor<'a> {
    /// The verified certified block.
    pub verified: &'a VerifiedBlock,
    /// The certificate `verified` was verified from.
    pub certificate: &'a Certificate,
    /// Headers from the payment's block up to (excluding) the verified one, oldest first,
    /// each the parent of the next (empty when the payment's block is the certified one).
    pub links: &'a [TempoHeader],
}

/// A payment [`confirm_payment`] proved, with the evidence it was proven from: the final
/// anchor, the block's transactions and receipts, and the trie proofs of the transaction and
/// its receipt (kept from the one pass that rebuilt the header's roots). Reads as the
/// [`ConfirmedPayment`] it holds; [`Self::expect`] holds it to what the payer expected and
/// [`Self::proof`] writes its evidence as a [`PaymentProof`].
#[derive(Clone, Debug)]
pub struct PaymentConfirmation<'a> {
    payment: ConfirmedPayment,
    anchor: FinalAnchor<'a>,
    transactions: &'a [Bytes],
    /// The receipts' typed encodings, in block order.
    encoded_receipts: Vec<Bytes>,
    /// The trie proof of the transaction.
    transaction_proof: Vec<Bytes>,
    /// The trie proofs of the receipt before the transaction's (if any), then of its own.
    receipt_proofs: Vec<(usize, Vec<Bytes>)>,
}

impl PaymentConfirmation<'_> {
    /// The payment proven.
    pub fn payment(&self) -> &ConfirmedPayment {
        &self.payment
    }

    /// The payment proven, without its evidence.
    pub fn into_payment(self) -> ConfirmedPayment {
        self.payment
    }
}

impl core::ops::Deref for PaymentConfirmation<'_> {
    type Target = ConfirmedPayment;

    fn deref(&self) -> &ConfirmedPayment {
        &self.payment
    }
}

/// Proves a transaction final, included and executed, from a final header (or one linked to
/// it), the block's raw transactions (EIP-2718 encodings) and its receipts. The rules run in
/// order: envelopes, transactions root, inclusion, receipt order, count, blooms, receipts
/// root, gas; then the transfers are decoded. The confirmation holds the evidence:
/// [`PaymentConfirmation::expect`] checks expectations, [`PaymentConfirmation::proof`] writes
/// the proof document.
pub fn confirm_payment<'a>(
    anchor: &FinalAnchor<'a>,
    transaction_hash: B256,
    transactions: &'a [Bytes],
    receipts: &[BlockReceipt],
) -> Result<PaymentConfirmation<'a>, PaymentError> {
    let header = check_links(anchor)?;
    let types = check_transactions(transactions)?;
    let hashes: Vec<B256> = transactions.iter().map(keccak256).collect();
    let found = hashes.iter().position(|h| *h == transaction_hash);
    // One pass over each trie: its root checked, the proof of what the payment needs kept.
    let (root, mut transaction_proofs) =
        receipt::ordered_trie_proofs(transactions, found.as_slice());
    rules::transactions_root_is(header, root)?;
    let index = found.ok_or(PaymentError::TransactionNotInBlock {
        hash: transaction_hash,
        height: header.number(),
    })?;
    check_receipt_order(&hashes, receipts)?;
    check_receipt_count(transactions.len(), receipts.len())?;
    for (i, r) in receipts.iter().enumerate() {
        check_logs_bloom(i, r)?;
    }
    let encoded_receipts: Vec<Bytes> = receipts
        .iter()
        .map(|r| Bytes::from(r.encoded_2718()))
        .collect();
    let wanted: Vec<usize> = index.checked_sub(1).into_iter().chain([index]).collect();
    let (root, receipt_proofs) = receipt::ordered_trie_proofs(&encoded_receipts, &wanted);
    rules::receipts_root_is(header, root)?;
    let mut previous = None;
    for (i, r) in receipts.iter().enumerate() {
        rules::gas_used(i, previous, r.cumulative_gas_used())?;
        previous = Some(r.cumulative_gas_used());
    }
    let receipt = &receipts[index];
    let before = index
        .checked_sub(1)
        .map(|i| receipts[i].cumulative_gas_used());
    let used = rules::gas_used(index, before, receipt.cumulative_gas_used())?;
    let payment = rules::confirmed(
        anchor,
        header,
        transaction_hash,
        index,
        types[index],
        receipt,
        Some(used),
    )?;
    Ok(PaymentConfirmation {
        payment,
        anchor: anchor.clone(),
        transactions,
        encoded_receipts,
        transaction_proof: transaction_proofs.pop().unwrap_or_default(),
        receipt_proofs: wanted.into_iter().zip(receipt_proofs).collect(),
    })
}
