//! Sender recovery and the verified provider's transaction and receipt answers, against the
//! devnet: every devnet transaction (legacy, 0x02, 0x76) decoded from its raw bytes and its
//! sender recovered, compared with `tempo-primitives`' own recovery on the devnet's envelope
//! and with the key that signed it; the answers compared with the devnet's own (unverified)
//! JSON; a P256-signed 0x76 recovered to its key's address.
#![cfg(not(target_arch = "wasm32"))]

use alloy_consensus::{transaction::SignerRecoverable, Transaction, TxReceipt};
use alloy_eips::eip2718::Encodable2718;
use alloy_primitives::{Bytes, TxKind, B256, U256};
use tempo_light_devnet::Chain;
use tempo_light_transactions::{
    proven_block, proven_transaction, recover_sender, TransactionError,
};
use tempo_primitives::{
    derive_p256_address,
    transaction::{tt_signature::P256SignatureWithPreHash, Call, PrimitiveSignature},
    TempoSignature, TempoTransaction, TempoTxEnvelope,
};

const EPOCH: u64 = 20;
const BLOCKS: u64 = 40;

fn chain() -> Chain {
    Chain::with_blocks(EPOCH, BLOCKS)
}

#[test]
fn every_devnet_sender_recovers_as_tempo_primitives_recovers_it() {
    let chain = chain();
    let mut by_type = std::collections::BTreeMap::<u8, usize>::new();
    for h in 1..=BLOCKS {
        let body = chain.body(h).unwrap();
        for (i, (tx, raw)) in body
            .transactions
            .iter()
            .zip(body.raw_transactions())
            .enumerate()
        {
            let (decoded, from) = recover_sender(&raw).unwrap();
            assert_eq!(decoded.encoded_2718(), raw.to_vec(), "block {h} tx {i}");
            assert_eq!(from, tx.recover_signer().unwrap(), "block {h} tx {i}");
            assert_eq!(
                Some(from),
                body.sender(i),
                "block {h} tx {i}: the signing key"
            );
            *by_type.entry(raw[0].min(0x7f)).or_default() += 1;
        }
    }
    let count = |t: u8| by_type.get(&t).copied().unwrap_or(0);
    println!(
        "{} senders recovered from raw bytes and compared: legacy {}, 0x02 {}, 0x76 {}",
        by_type.values().sum::<usize>(),
        count(0x7f),
        count(0x02),
        count(0x76)
    );
    assert!(
        count(0x7f) > 0 && count(0x02) > 0 && count(0x76) > 0,
        "{by_type:?}"
    );
}

#[test]
fn a_p256_signed_tempo_transaction_recovers_its_keys_address() {
    use p256::ecdsa::{signature::hazmat::PrehashSigner, Signature, SigningKey};
    let key = SigningKey::from_slice(&[7u8; 32]).unwrap();
    let point = key.verifying_key().to_encoded_point(false);
    let (x, y) = (
        B256::from_slice(point.x().unwrap()),
        B256::from_slice(point.y().unwrap()),
    );
    let tx = TempoTransaction {
        chain_id: 1337,
        max_fee_per_gas: 20_000_000_000,
        gas_limit: 100_000,
        calls: vec![Call {
            to: TxKind::Call(alloy_primitives::Address::repeat_byte(0x20)),
            value: U256::ZERO,
            input: Bytes::new(),
        }],
        nonce: 3,
        ..Default::default()
    };
    let sig: Signature = key.sign_prehash(tx.signature_hash().as_slice()).unwrap();
    let sig = sig.normalize_s().unwrap_or(sig);
    let (r, s) = sig.split_bytes();
    let signed = tx.into_signed(TempoSignature::Primitive(PrimitiveSignature::P256(
        P256SignatureWithPreHash {
            r: B256::from_slice(&r),
            s: B256::from_slice(&s),
            pub_key_x: x,
            pub_key_y: y,
            pre_hash: false,
        },
    )));
    let raw = TempoTxEnvelope::from(signed).encoded_2718();
    let (_, from) = recover_sender(&raw).unwrap();
    assert_eq!(from, derive_p256_address(&x, &y));

    // One bit of the signature changed: no sender.
    let mut forged = raw.clone();
    let at = forged.len() - 100;
    forged[at] ^= 1;
    assert!(matches!(
        recover_sender(&forged),
        Err(TransactionError::SenderRecovery(_) | TransactionError::UnknownEnvelope(_))
    ));
}

/// The devnet's own JSON (`crates/devnet/src/server/payments.rs`), rebuilt here from its body
/// the way it serves it, for the fields a proven answer must agree on.
#[test]
fn proven_answers_agree_with_the_devnets_on_every_proven_field() {
    let chain = chain();
    let mut compared = 0;
    for h in 1..=BLOCKS {
        let (certified, v) = chain.verified(h).unwrap();
        let block = chain.block(h).unwrap();
        let body = chain.body(h).unwrap();
        let raw = body.raw_transactions();
        let rs = body.block_receipts();
        let base_fee = block.header.inner.base_fee_per_gas.unwrap();
        let mut logs_before = 0u64;
        for (i, hash) in body.hashes().into_iter().enumerate() {
            let p = proven_transaction(&certified, &v, hash, &raw, &rs).unwrap();
            let tx = &p.transaction;
            // The signed fields exactly as the devnet (tempo-primitives' serde) serializes them.
            let devnet = serde_json::to_value(&body.transactions[i]).unwrap();
            for (k, value) in devnet.as_object().unwrap() {
                if k != "gasPrice" {
                    assert_eq!(&tx[k], value, "block {h} tx {i} field {k}");
                }
            }
            assert_eq!(tx["hash"], serde_json::json!(hash));
            assert_eq!(tx["blockHash"], serde_json::json!(block.hash));
            assert_eq!(tx["blockNumber"], format!("{h:#x}"));
            assert_eq!(tx["transactionIndex"], format!("{i:#x}"));
            assert_eq!(tx["from"], serde_json::json!(body.sender(i).unwrap()));
            let r = &p.receipt;
            // What was paid per gas: the gas price of a legacy transaction, else EIP-1559's
            // min(max fee, base fee + priority fee).
            let signed = &body.transactions[i];
            let paid = match signed.gas_price() {
                Some(price) => price,
                None => signed
                    .max_fee_per_gas()
                    .min(u128::from(base_fee) + signed.max_priority_fee_per_gas().unwrap_or(0)),
            };
            assert_eq!(r["effectiveGasPrice"], format!("{paid:#x}"));
            assert_eq!(tx["gasPrice"], format!("{paid:#x}"));
            assert_eq!(
                r["status"],
                if body.payments[i].success {
                    "0x1"
                } else {
                    "0x0"
                }
            );
            assert_eq!(r["gasUsed"], format!("{:#x}", body.gas_used_by(i)));
            assert_eq!(
                r["cumulativeGasUsed"],
                format!("{:#x}", body.receipts[i].cumulative_gas_used)
            );
            assert_eq!(r["logsBloom"], serde_json::json!(body.receipts[i].bloom()));
            assert_eq!(r["from"], tx["from"]);
            assert_eq!(r["feePayer"], tx["from"]);
            assert_eq!(r["contractAddress"], serde_json::Value::Null);
            let logs = r["logs"].as_array().unwrap();
            assert_eq!(logs.len(), body.receipts[i].logs.len());
            for (k, log) in logs.iter().enumerate() {
                assert_eq!(log["logIndex"], format!("{:#x}", logs_before + k as u64));
                assert_eq!(
                    log["address"],
                    serde_json::json!(body.receipts[i].logs[k].address)
                );
                assert_eq!(log["transactionHash"], serde_json::json!(hash));
            }
            logs_before += logs.len() as u64;
            compared += 1;
        }
    }
    println!("{compared} proven transactions and receipts compared with the devnet's");
    assert!(compared > 50);
}

#[test]
fn a_transaction_of_another_block_is_not_proven() {
    let chain = chain();
    let (block, v) = chain.verified(5).unwrap();
    let body = chain.body(5).unwrap();
    let other = chain.body(6).unwrap().hashes()[0];
    assert!(matches!(
        proven_transaction(
            &block,
            &v,
            other,
            &body.raw_transactions(),
            &body.block_receipts()
        ),
        Err(TransactionError::Payment(_))
    ));
}

#[test]
fn a_proven_block_is_every_proven_transaction_and_refuses_an_altered_receipt() {
    let chain = chain();
    let mut compared = 0;
    for h in 1..=BLOCKS {
        let (certified, v) = chain.verified(h).unwrap();
        let body = chain.body(h).unwrap();
        let (raw, rs) = (body.raw_transactions(), body.block_receipts());
        let block = proven_block(&v, &raw, &rs).unwrap();
        assert_eq!(block.transactions.len(), raw.len());
        for (hash, proven) in body.hashes().into_iter().zip(&block.transactions) {
            let one = proven_transaction(&certified, &v, hash, &raw, &rs).unwrap();
            assert_eq!(&one, proven, "block {h} transaction {hash}");
            compared += 1;
        }
        assert_eq!(
            block.block_json()["transactions"].as_array().map(Vec::len),
            Some(raw.len())
        );
        assert_eq!(
            block.receipts_json().as_array().map(Vec::len),
            Some(raw.len())
        );
        if let Some(last) = rs.len().checked_sub(1) {
            let mut altered = rs.clone();
            altered[last].receipt.receipt.status = (!altered[last].success()).into();
            assert!(matches!(
                proven_block(&v, &raw, &altered),
                Err(TransactionError::Payment(
                    tempo_light::payment::PaymentError::ReceiptsRootMismatch { .. }
                ))
            ));
            let mut dropped = raw.clone();
            dropped.pop();
            assert!(proven_block(&v, &dropped, &rs).is_err());
        }
    }
    assert!(compared > 50);
}
