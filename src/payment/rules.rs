//! The rules that prove a payment from a block's transactions and receipts under a final
//! header, one function a rule, each refusing with its own [`PaymentError`]: kept apart from
//! the workflow ([`super::confirm_payment`]) and the document ([`super::document`]), which
//! both apply them, so that a rule is written once.

use super::{ConfirmedPayment, FinalAnchor, PaymentError, MAX_LINK_HEADERS};
use crate::{
    error::DecodeError,
    payment::receipt::{self, BlockReceipt},
    state::tip20::tip20_transfers,
    wire::header::TempoHeader,
};
use alloc::{format, vec::Vec};
use alloy_primitives::{Bytes, B256};

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
    transactions_root_is(header, receipt::transactions_root(raw))
}

/// Rule: `computed` (the root of the transactions served) is the header's `transactionsRoot`.
pub(crate) fn transactions_root_is(
    header: &TempoHeader,
    computed: B256,
) -> Result<(), PaymentError> {
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
    receipts_root_is(header, receipt::receipts_root(receipts))
}

/// Rule: `computed` (the root of the receipts served) is the header's `receiptsRoot`.
pub(crate) fn receipts_root_is(header: &TempoHeader, computed: B256) -> Result<(), PaymentError> {
    if computed == header.inner.receipts_root {
        Ok(())
    } else {
        Err(PaymentError::ReceiptsRootMismatch {
            header: header.inner.receipts_root,
            computed,
        })
    }
}

/// Rule: gas used is the rise of cumulative gas, which never falls. `previous` is the
/// cumulative gas of the receipt before (`None` for the block's first); returns the gas used.
pub fn gas_used(index: usize, previous: Option<u64>, cumulative: u64) -> Result<u64, PaymentError> {
    cumulative
        .checked_sub(previous.unwrap_or(0))
        .ok_or_else(|| PaymentError::MalformedReceipt {
            index,
            reason: "cumulative gas used decreases".into(),
        })
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

/// The payment proven: what the header and the transaction's receipt say, its transfers
/// decoded.
pub(crate) fn confirmed(
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
        transfers: tip20_transfers(receipt.logs()).map_err(PaymentError::from)?,
        logs: receipt.logs().len(),
        timestamp_ms: header.timestamp_millis(),
    })
}
