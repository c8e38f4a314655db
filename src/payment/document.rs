//! The payment proof document: the evidence of a [`PaymentConfirmation`] as one
//! self-contained, versioned JSON document, written ([`PaymentConfirmation::proof`]), read
//! ([`PaymentProof::from_json`]) and re-checked offline by the same rules
//! ([`verify_payment_proof`]). Apart from the workflow because it is a format: its shape and
//! bounds are what a reader of someone else's proof relies on.

use super::{
    confirm_payment, rules, ConfirmedPayment, FinalAnchor, PaymentConfirmation, PaymentError,
    MAX_LINK_HEADERS,
};
use crate::{
    bls::PublicKey,
    error::{DecodeError, Error},
    finality::network::Network,
    finality::verify::{verify_block, verify_with_network, VerifiedBlock},
    payment::receipt::{self, BlockReceipt},
    wire::certificate::Certificate,
    wire::certified_block::CertifiedBlock,
    wire::header::TempoHeader,
    wire::json::{self, Object},
};
use alloc::{
    boxed::Box,
    format,
    string::{String, ToString},
    vec::Vec,
};
use alloy_primitives::{keccak256, Bytes, B256};
use serde_json::{json, Value};

/// The version of the [`PaymentProof`] document this code writes and reads.
pub const PAYMENT_PROOF_VERSION: u64 = 1;
/// The `type` member of a [`PaymentProof`] document.
pub const PAYMENT_PROOF_TYPE: &str = "tempo-light/payment-proof";
/// Largest proof document read, in bytes of JSON.
pub const MAX_PROOF_DOCUMENT_BYTES: usize = 64 * 1024 * 1024;

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
            certificate: &self.certificate,
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
                    .map(PaymentConfirmation::into_payment)
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
        let header = rules::check_links(anchor)?;
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
            rules::check_logs_bloom(item.index, &r)?;
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
        let used = rules::gas_used(own.index, before, receipt.cumulative_gas_used())?;
        rules::confirmed(
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

impl PaymentConfirmation<'_> {
    /// The evidence this payment was proven from, as a [`PaymentProof`] document in `form`
    /// (the trie proofs were kept when the roots were checked: nothing is rebuilt).
    pub fn proof(&self, form: ProofForm) -> PaymentProof {
        let anchor = &self.anchor;
        let mut headers = anchor.links.to_vec();
        headers.push(anchor.verified.header.clone());
        let make = |transactions: BlockItems, receipts: BlockItems| PaymentProof {
            transaction_hash: self.payment.transaction_hash,
            certificate: anchor.certificate.clone(),
            headers: headers.clone(),
            identity: self.payment.identity.clone(),
            transactions,
            receipts,
        };
        let full = || {
            make(
                BlockItems::All(self.transactions.to_vec()),
                BlockItems::All(self.encoded_receipts.clone()),
            )
        };
        let proven = || {
            let index = self.payment.index;
            let transaction = TrieItem {
                index,
                raw: self.transactions[index].clone(),
                proof: self.transaction_proof.clone(),
            };
            let receipts = self
                .receipt_proofs
                .iter()
                .map(|(index, proof)| TrieItem {
                    index: *index,
                    raw: self.encoded_receipts[*index].clone(),
                    proof: proof.clone(),
                })
                .collect();
            make(
                BlockItems::Proven(Vec::from([transaction])),
                BlockItems::Proven(receipts),
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
}
