//! Incoming payments, complete: what a merchant has been paid, with nothing missed.
//!
//! A final header's `logsBloom` is covered by its hash, so once the header is verified its
//! bloom is the honest one: a block whose bloom lacks the recipient as a topic, or lacks both
//! transfer events, or every watched token, holds no transfer to it ([`IncomingFilter::may_pay`]).
//! Any other block's raw transactions and receipts must rebuild the header's roots, and every
//! TIP-20 transfer to the recipient in a successful transaction is reported
//! ([`IncomingFilter::payments`]). A node can withhold a block (an error, and the scan stops
//! there); it cannot hide, add or alter a payment.

use super::{
    receipt::BlockReceipt,
    rules::{
        check_receipt_count, check_receipt_order, check_receipts_root, check_transactions_root,
    },
    PaymentError,
};
use crate::{
    state::tip20::{format_amount, tip20_transfers, TRANSFER_TOPIC, TRANSFER_WITH_MEMO_TOPIC},
    wire::TempoHeader,
};
use alloc::vec::Vec;
use alloy_primitives::{keccak256, Address, Bloom, BloomInput, Bytes, B256, U256};
use serde_json::{json, Value};

/// Most tokens one watch may name.
pub const MAX_WATCHED_TOKENS: usize = 64;

/// Whom and what to watch: transfers to `to`, of any of `tokens` (empty: any TIP-20 token),
/// with `memo` when given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IncomingFilter {
    /// The recipient.
    pub to: Address,
    /// The tokens (empty: any TIP-20 token).
    pub tokens: Vec<Address>,
    /// Only transfers with this memo (`TransferWithMemo`), when given.
    pub memo: Option<B256>,
}

/// A TIP-20 transfer to the watched address, proven in a final block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IncomingPayment {
    /// The block's height.
    pub block_number: u64,
    /// The block's hash.
    pub block_hash: B256,
    /// The transaction that paid.
    pub transaction_hash: B256,
    /// The transfer log's index in the block.
    pub log_index: u64,
    /// The token.
    pub token: Address,
    /// The payer.
    pub from: Address,
    /// The recipient.
    pub to: Address,
    /// The amount, in base units.
    pub amount: U256,
    /// The memo of a `TransferWithMemo` (the invoice reference).
    pub memo: Option<B256>,
}

impl IncomingPayment {
    /// The JSON line `watch --json` prints: `{"type": "payment", ...}`, the amount in base
    /// units as a decimal string and formatted (6 decimals).
    pub fn to_json(&self) -> Value {
        json!({
            "type": "payment",
            "blockNumber": self.block_number,
            "blockHash": self.block_hash,
            "transactionHash": self.transaction_hash,
            "logIndex": self.log_index,
            "token": self.token,
            "from": self.from,
            "to": self.to,
            "amount": crate::state::tip20::decimal(self.amount),
            "formatted": format_amount(self.amount),
            "memo": self.memo,
        })
    }
}

/// An address as a log topic (left-padded to 32 bytes).
fn topic_of(address: Address) -> B256 {
    let mut word = [0u8; 32];
    word[12..].copy_from_slice(address.as_slice());
    B256::from(word)
}

/// Rule: a block's raw transactions and receipts are the block's (one receipt per
/// transaction, both roots rebuilt, receipts in order); returns the transactions' hashes.
pub fn check_block_contents(
    header: &TempoHeader,
    transactions: &[Bytes],
    receipts: &[BlockReceipt],
) -> Result<Vec<B256>, PaymentError> {
    check_receipt_count(transactions.len(), receipts.len())?;
    check_transactions_root(header, transactions)?;
    check_receipts_root(header, receipts)?;
    let hashes: Vec<B256> = transactions.iter().map(keccak256).collect();
    check_receipt_order(&hashes, receipts)?;
    Ok(hashes)
}

impl IncomingFilter {
    /// Whether a block with this verified `logsBloom` may hold a payment (`false`: it holds
    /// none). A `TransferWithMemo` is always emitted beside its `Transfer`, so the `Transfer`
    /// topic is the one looked for.
    pub fn may_pay(&self, bloom: &Bloom) -> bool {
        let has = |bytes: &[u8]| bloom.contains_input(BloomInput::Raw(bytes));
        has(topic_of(self.to).as_slice())
            && (has(TRANSFER_TOPIC.as_slice()) || has(TRANSFER_WITH_MEMO_TOPIC.as_slice()))
            && (self.tokens.is_empty() || self.tokens.iter().any(|t| has(t.as_slice())))
            && self.memo.is_none_or(|m| has(m.as_slice()))
    }

    /// Every payment to the watched address in one final block, from its raw transactions
    /// and receipts, which must be the block's ([`check_block_contents`]). A reverted
    /// transaction pays nothing.
    pub fn payments(
        &self,
        header: &TempoHeader,
        block_hash: B256,
        transactions: &[Bytes],
        receipts: &[BlockReceipt],
    ) -> Result<Vec<IncomingPayment>, PaymentError> {
        let hashes = check_block_contents(header, transactions, receipts)?;
        let mut found = Vec::new();
        let mut first_log = 0u64;
        for (index, receipt) in receipts.iter().enumerate() {
            let logs = receipt.logs();
            if receipt.success() {
                let transfers =
                    tip20_transfers(logs).map_err(|e| PaymentError::MalformedTransferLog {
                        log_index: e.log_index,
                        reason: e.reason,
                    })?;
                for t in transfers {
                    let wanted = t.to == self.to
                        && (self.tokens.is_empty() || self.tokens.contains(&t.token))
                        && self.memo.is_none_or(|m| t.memo == Some(m));
                    if wanted {
                        found.push(IncomingPayment {
                            block_number: header.inner.number,
                            block_hash,
                            transaction_hash: hashes[index],
                            log_index: first_log + t.log_index as u64,
                            token: t.token,
                            from: t.from,
                            to: t.to,
                            amount: t.amount,
                            memo: t.memo,
                        });
                    }
                }
            }
            first_log += logs.len() as u64;
        }
        Ok(found)
    }
}

/// The `{"type": "scanned", "through": N}` line: every block up to `through` was scanned.
pub fn scanned_json(through: u64) -> Value {
    json!({ "type": "scanned", "through": through })
}
