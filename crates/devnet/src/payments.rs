//! The devnet's transactions and receipts: real signed Tempo (type `0x76`) and Ethereum
//! (legacy, EIP-1559) transactions paying TIP-20 tokens to the devnet's holders, with or
//! without a memo, some of them failing, and their receipts and logs.
//!
//! Everything comes from Tempo's own published types (`tempo-primitives` 1.11.0:
//! `TempoTxEnvelope`, `TempoTransaction`, `TempoReceipt`), signed with secp256k1 (`k256`), and
//! the roots from alloy-consensus (`calculate_transaction_root`, `calculate_receipt_root`),
//! independent of the verifier's code in [`tempo_light::payment::receipt`]. A block's body is a pure
//! function of the chain id and the height, like the state.
//!
//! Receipts carry what a Tempo node's would for such transactions: the fee the payer pays in
//! pathUSD to the fee manager (a TIP-20 `Transfer`), then the payment's `Transfer` (and
//! `TransferWithMemo` for a memo). A failed transaction (every fourth) reverts entirely: status
//! 0 and no logs.
//!
//! The balances in [`crate::state`] do not follow these transfers (they are their own pure
//! function of the height).

use crate::state::{holder, TOKENS};
use alloc::vec::Vec;
use alloy_consensus::{
    proofs::{calculate_receipt_root, calculate_transaction_root},
    transaction::TxHashRef,
    SignableTransaction, Signed, TxEip1559, TxLegacy, TxReceipt,
};
use alloy_eips::eip2718::Encodable2718;
use alloy_primitives::{
    address, keccak256, Address, Bloom, Bytes, Log, LogData, Signature, TxKind, B256, U256,
};
use k256::ecdsa::SigningKey;
use tempo_primitives::{
    transaction::Call, transaction::PrimitiveSignature, TempoReceipt, TempoSignature,
    TempoTransaction, TempoTxEnvelope, TempoTxType,
};

/// Tempo's fee manager, which receives transaction fees.
pub const FEE_MANAGER: Address = address!("feec000000000000000000000000000000000000");
/// How many payer keys send the devnet's transactions.
pub const PAYERS: usize = 3;
/// `keccak256("Transfer(address,address,uint256)")`.
const TRANSFER: B256 = tempo_light::payment::TRANSFER_TOPIC;

/// The `i`-th payer's signing key.
fn payer_key(i: usize) -> SigningKey {
    let mut counter = 0u8;
    loop {
        let mut preimage = b"tempo-light devnet payer #0/0".to_vec();
        preimage[26] = b'0' + u8::try_from(i % 10).unwrap_or(0);
        preimage[28] = counter;
        if let Ok(key) = SigningKey::from_slice(keccak256(&preimage).as_slice()) {
            return key;
        }
        counter = counter.wrapping_add(1);
    }
}

/// The address of a secp256k1 key.
fn key_address(key: &SigningKey) -> Address {
    let point = key.verifying_key().to_encoded_point(false);
    Address::from_slice(&keccak256(&point.as_bytes()[1..])[12..])
}

/// The `i`-th payer's address.
pub fn payer(i: usize) -> Address {
    key_address(&payer_key(i))
}

fn sign(key: &SigningKey, hash: B256) -> Signature {
    match key.sign_prehash_recoverable(hash.as_slice()) {
        Ok((sig, recovery)) => Signature::new(
            U256::from_be_slice(&sig.r().to_bytes()),
            U256::from_be_slice(&sig.s().to_bytes()),
            recovery.is_y_odd(),
        ),
        // A 32-byte prehash and a valid key always sign.
        Err(_) => unreachable!("secp256k1 signing of a 32-byte hash"),
    }
}

/// What a devnet transaction does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Payment {
    /// The token.
    pub token: Address,
    /// The payer (the transaction's signer).
    pub from: Address,
    /// The recipient.
    pub to: Address,
    /// Amount in base units (6 decimals).
    pub amount: U256,
    /// The memo, for `transferWithMemo`.
    pub memo: Option<B256>,
    /// Whether it succeeds.
    pub success: bool,
}

/// One block's transactions and receipts.
#[derive(Clone, Debug, Default)]
pub struct Body {
    /// The signed transactions, in block order.
    pub transactions: Vec<TempoTxEnvelope>,
    /// What each does.
    pub payments: Vec<Payment>,
    /// Their receipts.
    pub receipts: Vec<TempoReceipt>,
}

fn selector(signature: &str) -> [u8; 4] {
    let hash = keccak256(signature.as_bytes());
    [hash[0], hash[1], hash[2], hash[3]]
}

fn calldata(to: Address, amount: U256, memo: Option<B256>) -> Bytes {
    let mut data = Vec::with_capacity(100);
    match memo {
        Some(_) => data.extend_from_slice(&selector("transferWithMemo(address,uint256,bytes32)")),
        None => data.extend_from_slice(&selector("transfer(address,uint256)")),
    }
    data.extend_from_slice(to.into_word().as_slice());
    data.extend_from_slice(&amount.to_be_bytes::<32>());
    if let Some(memo) = memo {
        data.extend_from_slice(memo.as_slice());
    }
    data.into()
}

fn transfer_log(token: Address, from: Address, to: Address, amount: U256) -> Log {
    Log {
        address: token,
        data: LogData::new_unchecked(
            Vec::from([TRANSFER, from.into_word(), to.into_word()]),
            Bytes::from(amount.to_be_bytes::<32>().to_vec()),
        ),
    }
}

fn memo_log(token: Address, from: Address, to: Address, amount: U256, memo: B256) -> Log {
    Log {
        address: token,
        data: LogData::new_unchecked(
            Vec::from([
                tempo_light::payment::TRANSFER_WITH_MEMO_TOPIC,
                from.into_word(),
                to.into_word(),
                memo,
            ]),
            Bytes::from(amount.to_be_bytes::<32>().to_vec()),
        ),
    }
}

/// How many transactions block `height` holds (none at genesis; 1 to 4 after).
pub fn transaction_count(height: u64) -> usize {
    if height == 0 {
        0
    } else {
        1 + usize::try_from(height % 4).unwrap_or(0)
    }
}

/// The body of block `height` of a chain with `chain_id`.
pub fn body(chain_id: u64, height: u64) -> Body {
    let mut body = Body::default();
    let mut cumulative = 0u64;
    for i in 0..transaction_count(height) {
        let i64_ = i as u64;
        let kind = (height + i64_) % 4;
        let payer_index = usize::try_from((height + i64_) % PAYERS as u64).unwrap_or(0);
        let key = payer_key(payer_index);
        let from = key_address(&key);
        let to = holder(usize::try_from((height * 7 + i64_) % 4).unwrap_or(0));
        let token = TOKENS[usize::try_from((height + i64_) % 2).unwrap_or(0)];
        let success = kind != 3;
        let amount = if success {
            U256::from(1_000_000u64 * (1 + (height * 31 + i64_ * 17) % 500))
        } else {
            // More than any payer holds: the transfer reverts.
            U256::from(u64::MAX)
        };
        let memo = (kind == 1 || kind == 2).then(|| {
            let mut preimage = b"invoice".to_vec();
            preimage.extend_from_slice(&height.to_be_bytes());
            preimage.extend_from_slice(&i64_.to_be_bytes());
            keccak256(preimage)
        });
        let input = calldata(to, amount, memo);
        let nonce = height * 4 + i64_;
        let gas_price = 20_000_000_000u128;
        let gas_used = if success {
            48_000 + 1_000 * i64_
        } else {
            31_000
        };
        let (tx, tx_type): (TempoTxEnvelope, TempoTxType) = match (kind, height % 2) {
            (1, _) => {
                let tx = TxEip1559 {
                    chain_id,
                    nonce,
                    gas_limit: 200_000,
                    max_fee_per_gas: gas_price,
                    max_priority_fee_per_gas: 0,
                    to: TxKind::Call(token),
                    value: U256::ZERO,
                    access_list: Default::default(),
                    input,
                };
                let signature = sign(&key, tx.signature_hash());
                (
                    Signed::new_unhashed(tx, signature).into(),
                    TempoTxType::Eip1559,
                )
            }
            (3, 1) => {
                let tx = TxLegacy {
                    chain_id: Some(chain_id),
                    nonce,
                    gas_price,
                    gas_limit: 200_000,
                    to: TxKind::Call(token),
                    value: U256::ZERO,
                    input,
                };
                let signature = sign(&key, tx.signature_hash());
                (
                    Signed::new_unhashed(tx, signature).into(),
                    TempoTxType::Legacy,
                )
            }
            _ => {
                let tx = TempoTransaction {
                    chain_id,
                    fee_token: Some(TOKENS[0]),
                    max_priority_fee_per_gas: 0,
                    max_fee_per_gas: gas_price,
                    gas_limit: 200_000,
                    calls: Vec::from([Call {
                        to: TxKind::Call(token),
                        value: U256::ZERO,
                        input,
                    }]),
                    nonce_key: U256::ZERO,
                    nonce,
                    ..Default::default()
                };
                let signature = sign(&key, tx.signature_hash());
                let signed = tx.into_signed(TempoSignature::Primitive(
                    PrimitiveSignature::Secp256k1(signature),
                ));
                (signed.into(), TempoTxType::AA)
            }
        };
        cumulative += gas_used;
        let mut logs = Vec::new();
        if success {
            // The fee, paid in pathUSD to the fee manager (gas × 20 gwei at 6 decimals).
            let fee = U256::from(gas_used * 20);
            logs.push(transfer_log(TOKENS[0], from, FEE_MANAGER, fee));
            logs.push(transfer_log(token, from, to, amount));
            if let Some(memo) = memo {
                logs.push(memo_log(token, from, to, amount, memo));
            }
        }
        body.receipts.push(TempoReceipt {
            tx_type,
            success,
            cumulative_gas_used: cumulative,
            logs,
        });
        body.payments.push(Payment {
            token,
            from,
            to,
            amount,
            memo,
            success,
        });
        body.transactions.push(tx);
    }
    body
}

impl Body {
    /// The raw transactions (EIP-2718 encodings).
    pub fn raw_transactions(&self) -> Vec<Bytes> {
        self.transactions
            .iter()
            .map(|tx| Bytes::from(tx.encoded_2718()))
            .collect()
    }

    /// The transactions' hashes.
    pub fn hashes(&self) -> Vec<B256> {
        self.transactions.iter().map(|tx| *tx.tx_hash()).collect()
    }

    /// The receipts as a light client reads them from `eth_getBlockReceipts` (each with its
    /// bloom and its transaction's hash): what the payment tests prove from.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn block_receipts(&self) -> Vec<tempo_light::payment::receipt::BlockReceipt> {
        self.receipts
            .iter()
            .zip(self.hashes())
            .map(|(r, hash)| {
                // The devnet's own receipts, never outside input: alloy's receipt serializes to a
                // JSON map (string keys, no custom `Serialize` that fails), and the core reads
                // back what a node's `eth_getBlockReceipts` shape holds (`node_conformance` and
                // the payments tests read the same shape from the served devnet).
                let mut v = serde_json::to_value(r).expect("a receipt serializes");
                v["logsBloom"] = serde_json::json!(r.bloom());
                v["transactionHash"] = serde_json::json!(hash);
                tempo_light::payment::receipt::BlockReceipt::from_value(&v)
                    .expect("the devnet's receipts read")
            })
            .collect()
    }

    /// The typed encodings of the receipts.
    pub fn raw_receipts(&self) -> Vec<Bytes> {
        self.receipts
            .iter()
            .map(|r| Bytes::from(r.with_bloom_ref().encoded_2718()))
            .collect()
    }

    /// The header's `transactionsRoot`.
    pub fn transactions_root(&self) -> B256 {
        calculate_transaction_root(&self.transactions)
    }

    /// The header's `receiptsRoot`.
    pub fn receipts_root(&self) -> B256 {
        let with_bloom: Vec<_> = self.receipts.iter().map(|r| r.with_bloom_ref()).collect();
        calculate_receipt_root(&with_bloom)
    }

    /// The header's `logsBloom`: every receipt's bloom.
    pub fn logs_bloom(&self) -> Bloom {
        let mut bloom = Bloom::ZERO;
        for r in &self.receipts {
            bloom |= r.with_bloom_ref().logs_bloom;
        }
        bloom
    }

    /// The header's `gasUsed`.
    pub fn gas_used(&self) -> u64 {
        self.receipts.last().map_or(0, |r| r.cumulative_gas_used)
    }

    /// Gas used by transaction `index`.
    pub fn gas_used_by(&self, index: usize) -> u64 {
        let before = index
            .checked_sub(1)
            .and_then(|i| self.receipts.get(i))
            .map_or(0, |r| r.cumulative_gas_used);
        self.receipts
            .get(index)
            .map_or(0, |r| r.cumulative_gas_used - before)
    }

    /// The sender of transaction `index`.
    pub fn sender(&self, index: usize) -> Option<Address> {
        self.payments.get(index).map(|p| p.from)
    }
}
