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
//! [`proven_block`] proves a whole final block's contents at once, for `eth_getBlockReceipts`
//! and `eth_getBlockByNumber`/`eth_getBlockByHash` with `true`: the same rules, applied once
//! for the block (not once per transaction), then every transaction and receipt written by the
//! same two writers as [`proven_transaction`]'s, so each object is exactly what
//! `eth_getTransactionByHash` and `eth_getTransactionReceipt` answer for it.
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
//! - or **omitted**: `feeToken` (a 0x76 without a fee token pays in a token chosen from state),
//!   `feeRecipient` (the fee manager's, which neither trie commits to) and the
//!   `contractAddress` of a 0x76 creation (Tempo's own rule for it is not applied here).

#![no_std]

extern crate alloc;

use alloc::{format, string::String, vec::Vec};
use alloy_consensus::{transaction::SignerRecoverable, Transaction};
use alloy_eips::eip2718::{Decodable2718, Typed2718};
use alloy_primitives::{keccak256, Address, Bytes, B256};
use serde_json::{json, Map, Value};
use tempo_light::{
    finality::verify::VerifiedBlock,
    payment::receipt::BlockReceipt,
    payment::{confirm_payment, rules, FinalAnchor, PaymentError},
    CertifiedBlock, TempoHeader,
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

/// Proves transaction `hash` in the verified block (`block`, as `verified` was verified from
/// it; `transactions`: its raw transactions in order; `receipts`: its receipts) and builds both
/// JSON answers (see the module's docs for the source of each field).
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
    let gas_used =
        payment
            .gas_used
            .ok_or(TransactionError::Payment(PaymentError::MalformedReceipt {
                index,
                reason: "no gas used".into(),
            }))?;
    // Logs before this receipt's (for `logIndex`), counted over the block's proven receipts.
    let first_log: usize = receipts[..index].iter().map(|r| r.logs().len()).sum();
    let block = InBlock::of(&verified.header);
    block.proven(
        index,
        hash,
        &transactions[index],
        &receipts[index],
        gas_used,
        first_log,
    )
}

/// Every transaction and receipt of a final block, proven.
#[derive(Clone, Debug, PartialEq)]
pub struct ProvenBlock {
    /// The verified header.
    pub header: TempoHeader,
    /// Its transactions and their receipts, in block order.
    pub transactions: Vec<ProvenTransaction>,
}

impl ProvenBlock {
    /// `eth_getBlockReceipts`' answer: every receipt, in block order.
    pub fn receipts_json(&self) -> Value {
        self.transactions
            .iter()
            .map(|p| p.receipt.clone())
            .collect()
    }

    /// `eth_getBlockByNumber`/`eth_getBlockByHash`'s answer with `true` (full transactions):
    /// the verified header with every transaction object, as `eth_getTransactionByHash`
    /// writes it, in block order.
    pub fn block_json(&self) -> Value {
        let mut block = self.header.to_rpc_json();
        if let Value::Object(fields) = &mut block {
            let transactions = self
                .transactions
                .iter()
                .map(|p| p.transaction.clone())
                .collect();
            fields.insert("transactions".into(), Value::Array(transactions));
        }
        block
    }
}

/// Proves every transaction and receipt of the verified block at once (`transactions`: its
/// raw transactions in order; `receipts`: its receipts) and builds their JSON answers, each as
/// [`proven_transaction`] writes it. The rules of proven payments ([`confirm_payment`]'s, the
/// core's [`rules`]) run once for the block, in the same order: envelopes, transactions root,
/// receipt order, count, blooms, receipts root, gas. A node cannot drop, add, reorder or alter
/// a transaction or a receipt: every one is under the final header's roots.
pub fn proven_block(
    verified: &VerifiedBlock,
    transactions: &[Bytes],
    receipts: &[BlockReceipt],
) -> Result<ProvenBlock, TransactionError> {
    let header = &verified.header;
    let payment = TransactionError::Payment;
    rules::check_transactions(transactions).map_err(payment)?;
    rules::check_transactions_root(header, transactions).map_err(payment)?;
    let hashes: Vec<B256> = transactions.iter().map(keccak256).collect();
    rules::check_receipt_order(&hashes, receipts).map_err(payment)?;
    rules::check_receipt_count(transactions.len(), receipts.len()).map_err(payment)?;
    for (i, r) in receipts.iter().enumerate() {
        rules::check_logs_bloom(i, r).map_err(payment)?;
    }
    rules::check_receipts_root(header, receipts).map_err(payment)?;
    let block = InBlock::of(header);
    let mut proven = Vec::with_capacity(transactions.len());
    let mut previous = None;
    let mut first_log = 0;
    for (index, (raw, receipt)) in transactions.iter().zip(receipts).enumerate() {
        let cumulative = receipt.cumulative_gas_used();
        let gas_used = rules::gas_used(index, previous, cumulative).map_err(payment)?;
        previous = Some(cumulative);
        proven.push(block.proven(index, hashes[index], raw, receipt, gas_used, first_log)?);
        first_log += receipt.logs().len();
    }
    Ok(ProvenBlock {
        header: header.clone(),
        transactions: proven,
    })
}

/// What a transaction's and a receipt's JSON take from the final header.
struct InBlock {
    hash: B256,
    number: Value,
    timestamp: Value,
    base_fee: Option<u64>,
}

/// A transaction of a proven block: its place, hash, envelope and sender.
struct Placed<'a> {
    block: &'a InBlock,
    index: usize,
    hash: B256,
    envelope: TempoTxEnvelope,
    from: Address,
}

impl InBlock {
    fn of(header: &TempoHeader) -> Self {
        Self {
            hash: header.hash(),
            number: quantity(header.inner.number),
            timestamp: quantity(header.inner.timestamp),
            base_fee: header.inner.base_fee_per_gas,
        }
    }

    /// Both answers for transaction `index` (`hash`, `raw`), whose `receipt` and gas were
    /// proven under this block's roots (`first_log`: the logs of the receipts before it).
    fn proven(
        &self,
        index: usize,
        hash: B256,
        raw: &[u8],
        receipt: &BlockReceipt,
        gas_used: u64,
        first_log: usize,
    ) -> Result<ProvenTransaction, TransactionError> {
        let (envelope, from) = recover_sender(raw)?;
        let placed = Placed {
            block: self,
            index,
            hash,
            envelope,
            from,
        };
        Ok(ProvenTransaction {
            from,
            transaction: placed.transaction_json()?,
            receipt: placed.receipt_json(receipt, gas_used, first_log)?,
        })
    }
}

impl Placed<'_> {
    /// What the sender paid per gas (EIP-1559's rule, as reth reports it for a mined
    /// transaction; its own gas price for legacy and 0x01).
    fn effective_gas_price(&self) -> Value {
        quantity(self.envelope.effective_gas_price(self.block.base_fee))
    }

    /// `eth_getTransactionByHash`'s answer. Transactions trie: the signed fields, as
    /// `tempo-primitives` (a Tempo node) serializes them.
    fn transaction_json(&self) -> Result<Value, TransactionError> {
        let mut transaction = serde_json::to_value(&self.envelope)
            .map_err(|e| TransactionError::UnknownEnvelope(format!("{e}")))?;
        let Some(fields) = transaction.as_object_mut() else {
            return Err(TransactionError::UnknownEnvelope(
                "not serialized as an object".into(),
            ));
        };
        fields.insert("hash".into(), json!(self.hash));
        fields.insert("blockHash".into(), json!(self.block.hash));
        fields.insert("blockNumber".into(), self.block.number.clone());
        fields.insert("transactionIndex".into(), quantity(self.index as u64));
        fields.insert("from".into(), json!(self.from));
        // A mined transaction's `gasPrice` is what it paid.
        fields.insert("gasPrice".into(), self.effective_gas_price());
        Ok(transaction)
    }

    /// `eth_getTransactionReceipt`'s answer. Receipts trie, `gasUsed` the rise of cumulative
    /// gas, `logIndex` counted from `first_log`.
    fn receipt_json(
        &self,
        receipt: &BlockReceipt,
        gas_used: u64,
        first_log: usize,
    ) -> Result<Value, TransactionError> {
        let block = self.block;
        let (envelope, from, hash) = (&self.envelope, self.from, self.hash);
        let transaction_index = quantity(self.index as u64);
        let logs: Vec<Value> = receipt
            .logs()
            .iter()
            .enumerate()
            .map(|(i, log)| {
                json!({
                    "address": log.address,
                    "topics": log.topics(),
                    "data": log.data.data,
                    "blockHash": block.hash,
                    "blockNumber": block.number,
                    "blockTimestamp": block.timestamp,
                    "transactionHash": hash,
                    "transactionIndex": transaction_index,
                    "logIndex": quantity((first_log + i) as u64),
                    "removed": false,
                })
            })
            .collect();
        let fee_payer = envelope
            .fee_payer(from)
            .map_err(|e| TransactionError::SenderRecovery(format!("fee payer: {e}")))?;
        let contract_address = match (envelope.kind().is_create(), envelope.is_aa()) {
            (false, _) => Some(Value::Null),
            (true, false) => Some(json!(from.create(envelope.nonce()))),
            // Omitted: a 0x76 creation's address follows Tempo's rule for its calls and nonces.
            (true, true) => None,
        };
        let mut fields = Map::new();
        fields.insert("type".into(), quantity(envelope.ty()));
        fields.insert(
            "status".into(),
            json!(if receipt.success() { "0x1" } else { "0x0" }),
        );
        fields.insert(
            "cumulativeGasUsed".into(),
            quantity(receipt.cumulative_gas_used()),
        );
        fields.insert("logs".into(), Value::from(logs));
        fields.insert("logsBloom".into(), json!(receipt.receipt.logs_bloom));
        fields.insert("transactionHash".into(), json!(hash));
        fields.insert("transactionIndex".into(), transaction_index);
        fields.insert("blockHash".into(), json!(block.hash));
        fields.insert("blockNumber".into(), block.number.clone());
        fields.insert("gasUsed".into(), quantity(gas_used));
        fields.insert("effectiveGasPrice".into(), self.effective_gas_price());
        fields.insert("from".into(), json!(from));
        fields.insert("to".into(), json!(envelope.to()));
        if let Some(address) = contract_address {
            fields.insert("contractAddress".into(), address);
        }
        fields.insert("feePayer".into(), json!(fee_payer));
        Ok(Value::Object(fields))
    }
}
