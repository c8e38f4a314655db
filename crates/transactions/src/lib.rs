//! Proven transactions and receipts in the JSON shape of a Tempo node's
//! `eth_getTransactionByHash` and `eth_getTransactionReceipt`: the answers of the npm
//! provider's payments module (`crates/wasm`, feature `payments`) and of `tempo-light proxy`,
//! written once. Its own crate because it needs Tempo's envelope (`tempo-primitives`), which
//! the core and the main wasm module do without.
//!
//! [`proven_transaction`] first proves the transaction final, included and executed exactly as
//! a payment is ([`confirm_payment`]: the block's raw transactions rebuild the final header's
//! `transactionsRoot`, its receipts the `receiptsRoot`, in order, blooms checked). Then it
//! decodes the transaction with Tempo's own envelope (`tempo-primitives`' `TempoTxEnvelope`:
//! legacy, 0x01, 0x02, 0x04 and 0x76) and recovers its sender from the signature (secp256k1,
//! and for 0x76 also P256 and WebAuthn; a keychain signature names its account after its
//! access key's signature verifies).
//!
//! Every field of the answers is one of:
//! - **header**: read from the final header (`blockHash`, `blockNumber`, `blockTimestamp`,
//!   the base fee in `effectiveGasPrice`/`gasPrice`);
//! - **transactions trie**: the signed transaction's own fields, serialized by
//!   `tempo-primitives` as a Tempo node serializes them, `hash`, `transactionIndex`, `to`;
//! - **receipts trie**: `status`, `cumulativeGasUsed`, `logsBloom`, `logs` (their `logIndex`
//!   counts the logs of the proven receipts before it), `gasUsed` (the rise of cumulative gas);
//! - **recovered**: `from` (and `contractAddress` of an Ethereum-type creation, from `from` and
//!   the nonce), `feePayer` (the sponsor's signature of a 0x76, or `from`);
//! - or **omitted**: `feeToken` (a 0x76 without a fee token pays in a token chosen from state)
//!   and the `contractAddress` of a 0x76 creation (Tempo's own rule for it is not applied here).

#![no_std]

extern crate alloc;

use alloc::{format, string::String, vec::Vec};
use alloy_consensus::{transaction::SignerRecoverable, Transaction};
use alloy_eips::eip2718::{Decodable2718, Typed2718};
use alloy_primitives::{Address, Bytes, B256};
use serde_json::{json, Map, Value};
use tempo_light::{
    finality::verify::VerifiedBlock,
    payment::receipt::BlockReceipt,
    payment::{confirm_payment, FinalAnchor, PaymentError},
    CertifiedBlock,
};
use tempo_primitives::TempoTxEnvelope;

/// Why a transaction is not proven.
#[derive(Debug, PartialEq, Eq)]
pub enum TransactionError {
    /// A rule of proven payments failed (not final, not in the block, a forged receipt...).
    Payment(PaymentError),
    /// The transaction's bytes are in the final block but are not a transaction of a type
    /// Tempo's envelope knows (or not its exact encoding).
    UnknownEnvelope(String),
    /// No sender could be recovered from the signature.
    SenderRecovery(String),
}

impl TransactionError {
    /// A stable name (the `code` of the JS error).
    pub fn code(&self) -> &'static str {
        match self {
            Self::Payment(e) => e.code(),
            Self::UnknownEnvelope(_) => "UnknownEnvelope",
            Self::SenderRecovery(_) => "SenderRecoveryFailed",
        }
    }
}

impl tempo_light::Classified for TransactionError {
    fn code(&self) -> &'static str {
        TransactionError::code(self)
    }

    /// A rule of payments is whatever kind the core says; bytes under a final root that are no
    /// transaction Tempo knows, or whose signature recovers no sender, are not verified.
    fn kind(&self) -> tempo_light::ErrorKind {
        match self {
            Self::Payment(e) => e.kind(),
            Self::UnknownEnvelope(_) | Self::SenderRecovery(_) => {
                tempo_light::ErrorKind::NotVerified
            }
        }
    }
}

impl core::fmt::Display for TransactionError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Payment(e) => write!(f, "{e}"),
            Self::UnknownEnvelope(e) => {
                write!(f, "the final block's transaction does not decode: {e}")
            }
            Self::SenderRecovery(e) => write!(f, "no sender recovers from the signature: {e}"),
        }
    }
}

/// A transaction and its receipt, proven.
#[derive(Clone, Debug, PartialEq)]
pub struct ProvenTransaction {
    /// The sender, recovered from the signature.
    pub from: Address,
    /// `eth_getTransactionByHash`'s answer.
    pub transaction: Value,
    /// `eth_getTransactionReceipt`'s answer.
    pub receipt: Value,
}

fn quantity(n: impl Into<u128>) -> Value {
    Value::String(format!("{:#x}", n.into()))
}

/// The sender of a raw transaction (its exact EIP-2718 encoding), recovered from its signature
/// by Tempo's envelope, and the decoded envelope.
pub fn recover_sender(raw: &[u8]) -> Result<(TempoTxEnvelope, Address), TransactionError> {
    let envelope = TempoTxEnvelope::decode_2718_exact(raw)
        .map_err(|e| TransactionError::UnknownEnvelope(format!("{e}")))?;
    let from = envelope
        .recover_signer()
        .map_err(|e| TransactionError::SenderRecovery(format!("{e}")))?;
    Ok((envelope, from))
}

/// Proves transaction `hash` in the verified block (`block`, as `verified` was verified from it; `transactions`: its raw transactions in
/// order; `receipts`: its receipts) and builds both JSON answers (see the module's docs for the
/// source of each field).
pub fn proven_transaction(
    block: &CertifiedBlock,
    verified: &VerifiedBlock,
    hash: B256,
    transactions: &[Bytes],
    receipts: &[BlockReceipt],
) -> Result<ProvenTransaction, TransactionError> {
    let anchor = FinalAnchor {
        verified,
        certificate: &block.certificate,
        links: &[],
    };
    let payment = confirm_payment(&anchor, hash, transactions, receipts)
        .map_err(TransactionError::Payment)?;
    let index = payment.index;
    let header = &verified.header;
    let (envelope, from) = recover_sender(&transactions[index])?;
    let base_fee = header.inner.base_fee_per_gas;
    // What the sender paid per gas (EIP-1559's rule, as reth reports it for a mined transaction).
    let effective_gas_price = envelope.effective_gas_price(base_fee);
    let block_hash = payment.block_hash;
    let block_number = quantity(payment.height);
    let transaction_index = quantity(index as u64);

    // Transactions trie: the signed fields, as `tempo-primitives` (a Tempo node) serializes them.
    let mut transaction = serde_json::to_value(&envelope)
        .map_err(|e| TransactionError::UnknownEnvelope(format!("{e}")))?;
    let Some(fields) = transaction.as_object_mut() else {
        return Err(TransactionError::UnknownEnvelope(
            "not serialized as an object".into(),
        ));
    };
    fields.insert("hash".into(), json!(hash));
    fields.insert("blockHash".into(), json!(block_hash));
    fields.insert("blockNumber".into(), block_number.clone());
    fields.insert("transactionIndex".into(), transaction_index.clone());
    fields.insert("from".into(), json!(from));
    // A mined transaction's `gasPrice` is what it paid (its own gas price for legacy and 0x01).
    fields.insert("gasPrice".into(), quantity(effective_gas_price));

    // Receipts trie. Logs before this receipt's (for `logIndex`) are counted over the block's
    // proven receipts.
    let receipt = &receipts[index];
    let first_log: usize = receipts[..index].iter().map(|r| r.logs().len()).sum();
    let timestamp = quantity(header.inner.timestamp);
    let logs: Vec<Value> = receipt
        .logs()
        .iter()
        .enumerate()
        .map(|(i, log)| {
            json!({
                "address": log.address,
                "topics": log.topics(),
                "data": log.data.data,
                "blockHash": block_hash,
                "blockNumber": block_number,
                "blockTimestamp": timestamp,
                "transactionHash": hash,
                "transactionIndex": transaction_index,
                "logIndex": quantity((first_log + i) as u64),
                "removed": false,
            })
        })
        .collect();
    let gas_used =
        payment
            .gas_used
            .ok_or(TransactionError::Payment(PaymentError::MalformedReceipt {
                index,
                reason: "no gas used".into(),
            }))?;
    let fee_payer = envelope
        .fee_payer(from)
        .map_err(|e| TransactionError::SenderRecovery(format!("fee payer: {e}")))?;
    let contract_address = match (envelope.kind().is_create(), envelope.is_aa()) {
        (false, _) => Some(Value::Null),
        (true, false) => Some(json!(from.create(envelope.nonce()))),
        // Omitted: a 0x76 creation's address follows Tempo's rule for its calls and nonces.
        (true, true) => None,
    };
    let mut receipt_json = Map::new();
    receipt_json.insert("type".into(), quantity(envelope.ty()));
    receipt_json.insert(
        "status".into(),
        json!(if receipt.success() { "0x1" } else { "0x0" }),
    );
    receipt_json.insert(
        "cumulativeGasUsed".into(),
        quantity(receipt.cumulative_gas_used()),
    );
    receipt_json.insert("logs".into(), Value::from(logs));
    receipt_json.insert("logsBloom".into(), json!(receipt.receipt.logs_bloom));
    receipt_json.insert("transactionHash".into(), json!(hash));
    receipt_json.insert("transactionIndex".into(), transaction_index);
    receipt_json.insert("blockHash".into(), json!(block_hash));
    receipt_json.insert("blockNumber".into(), block_number);
    receipt_json.insert("gasUsed".into(), quantity(gas_used));
    receipt_json.insert("effectiveGasPrice".into(), quantity(effective_gas_price));
    receipt_json.insert("from".into(), json!(from));
    receipt_json.insert("to".into(), json!(envelope.to()));
    if let Some(address) = contract_address {
        receipt_json.insert("contractAddress".into(), address);
    }
    receipt_json.insert("feePayer".into(), json!(fee_payer));
    Ok(ProvenTransaction {
        from,
        transaction,
        receipt: Value::Object(receipt_json),
    })
}
