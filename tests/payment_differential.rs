//! Differential tests of the payment tries: our transaction and receipt roots and encodings
//! against alloy-consensus and Tempo's own types (`tempo-primitives` 1.11.0), on every block of
//! a devnet and on mutated variants of each. They print how many cases they compared.
#![cfg(not(target_arch = "wasm32"))]

use alloy_consensus::{proofs::calculate_transaction_root, transaction::TxHashRef, TxReceipt};
use alloy_eips::eip2718::{Decodable2718, Encodable2718, Typed2718};
use alloy_primitives::{keccak256, Bytes, Log, LogData, B256, U256};
use tempo_light::payment::receipt::{self, BlockReceipt};
use tempo_light_devnet::{Chain, DevnetConfig};
use tempo_primitives::{TempoReceipt, TempoTxEnvelope, TempoTxType};

const BLOCKS: u64 = 240;

fn chain() -> Chain {
    let mut chain = Chain::new(DevnetConfig::default());
    for _ in 0..BLOCKS {
        chain.produce();
    }
    chain
}

/// A receipt as `eth_getBlockReceipts` returns it, from Tempo's type (serde) plus its bloom.
fn receipt_json(r: &TempoReceipt) -> serde_json::Value {
    let mut v = serde_json::to_value(r).unwrap();
    v["logsBloom"] = serde_json::json!(r.bloom());
    v
}

fn ours(r: &TempoReceipt) -> BlockReceipt {
    BlockReceipt::from_value(&receipt_json(r)).unwrap()
}

fn tempo_encoding(r: &TempoReceipt) -> Vec<u8> {
    r.with_bloom_ref().encoded_2718()
}

#[test]
fn transaction_roots_and_hashes_match_alloy_and_tempo_primitives_on_every_devnet_block() {
    let chain = chain();
    let (mut roots, mut transactions, mut types) = (0, 0, [0usize; 256]);
    for h in 0..=BLOCKS {
        let block = chain.block(h).unwrap();
        let body = chain.body(h).unwrap();
        let raw = body.raw_transactions();
        assert_eq!(
            receipt::transactions_root(&raw),
            block.header.inner.transactions_root,
            "block {h}"
        );
        assert_eq!(
            receipt::transactions_root(&raw),
            calculate_transaction_root(&body.transactions)
        );
        roots += 1;
        for (i, bytes) in raw.iter().enumerate() {
            let decoded = TempoTxEnvelope::decode_2718(&mut bytes.as_ref()).unwrap();
            assert_eq!(keccak256(bytes), body.hashes()[i]);
            assert_eq!(receipt::transaction_type(bytes).unwrap(), decoded.ty());
            types[usize::from(decoded.ty())] += 1;
            transactions += 1;
        }
    }
    println!(
        "transactions: {roots} roots, {transactions} transactions (legacy {}, 0x02 {}, 0x76 {}) compared, 0 mismatches",
        types[0], types[2], types[0x76]
    );
    assert!(types[0] > 0 && types[2] > 0 && types[0x76] > 0);
}

#[test]
fn receipt_encodings_and_roots_match_tempo_primitives_on_every_devnet_block() {
    let chain = chain();
    let (mut roots, mut receipts) = (0, 0);
    for h in 0..=BLOCKS {
        let block = chain.block(h).unwrap();
        let body = chain.body(h).unwrap();
        let from_json: Vec<BlockReceipt> = body.receipts.iter().map(ours).collect();
        let from_bytes: Vec<BlockReceipt> = body
            .raw_receipts()
            .iter()
            .map(|r| BlockReceipt::decode_2718(r).unwrap())
            .collect();
        for (r, (a, b)) in body.receipts.iter().zip(from_json.iter().zip(&from_bytes)) {
            assert_eq!(a.encoded_2718(), tempo_encoding(r));
            assert_eq!(b.encoded_2718(), tempo_encoding(r));
            assert_eq!(a.success(), r.success);
            receipts += 1;
        }
        assert_eq!(
            receipt::receipts_root(&from_json),
            block.header.inner.receipts_root
        );
        assert_eq!(
            receipt::receipts_root(&from_json),
            TempoReceipt::calculate_receipt_root_no_memo(&body.receipts)
        );
        roots += 1;
    }
    println!("receipts: {roots} roots, {receipts} receipts compared, 0 mismatches");
}

/// Every way a receipt is mutated below.
fn receipt_mutations(r: &TempoReceipt) -> Vec<TempoReceipt> {
    let mut out = Vec::new();
    let mut m = r.clone();
    m.success = !m.success;
    out.push(m);
    let mut m = r.clone();
    m.cumulative_gas_used += 1;
    out.push(m);
    let mut m = r.clone();
    m.tx_type = match m.tx_type {
        TempoTxType::AA => TempoTxType::Eip1559,
        TempoTxType::Legacy => TempoTxType::AA,
        _ => TempoTxType::Legacy,
    };
    out.push(m);
    let mut m = r.clone();
    m.logs.push(Log {
        address: tempo_light::state::tip20::PATH_USD,
        data: LogData::new_unchecked(vec![B256::repeat_byte(7)], Bytes::from(vec![1, 2, 3])),
    });
    out.push(m);
    for i in 0..r.logs.len() {
        let mut m = r.clone();
        m.logs.remove(i);
        out.push(m);
        let mut m = r.clone();
        let data = U256::from_be_slice(&m.logs[i].data.data) + U256::from(1);
        m.logs[i].data = LogData::new_unchecked(
            m.logs[i].topics().to_vec(),
            Bytes::from(data.to_be_bytes::<32>().to_vec()),
        );
        out.push(m);
        let mut m = r.clone();
        let mut topics = m.logs[i].topics().to_vec();
        topics[1] = B256::with_last_byte(0x42);
        m.logs[i].data = LogData::new_unchecked(topics, m.logs[i].data.data.clone());
        out.push(m);
    }
    out
}

#[test]
fn mutated_receipts_and_transaction_lists_give_the_same_roots_as_the_references() {
    let chain = chain();
    let (mut receipt_cases, mut tx_cases, mut refused) = (0, 0, 0);
    for h in 1..=BLOCKS {
        let block = chain.block(h).unwrap();
        let body = chain.body(h).unwrap();
        // Receipts: each mutated in every way, the block's root recomputed by both.
        for i in 0..body.receipts.len() {
            for m in receipt_mutations(&body.receipts[i]) {
                let mut list = body.receipts.clone();
                list[i] = m.clone();
                let ours: Vec<BlockReceipt> = list.iter().map(ours).collect();
                assert_eq!(ours[i].encoded_2718(), tempo_encoding(&m));
                let root = receipt::receipts_root(&ours);
                assert_eq!(root, TempoReceipt::calculate_receipt_root_no_memo(&list));
                assert_ne!(root, block.header.inner.receipts_root);
                receipt_cases += 1;
            }
        }
        // Transactions: dropped, swapped, and single bytes flipped.
        let raw = body.raw_transactions();
        let mut variants: Vec<Vec<Bytes>> = Vec::new();
        for i in 0..raw.len() {
            let mut v = raw.clone();
            v.remove(i);
            variants.push(v);
            if i + 1 < raw.len() {
                let mut v = raw.clone();
                v.swap(i, i + 1);
                variants.push(v);
            }
            for at in [0, 1, 2, raw[i].len() / 2, raw[i].len() - 1] {
                let mut v = raw.clone();
                let mut bytes = v[i].to_vec();
                bytes[at] ^= 0x01;
                v[i] = bytes.into();
                variants.push(v);
            }
        }
        for v in variants {
            let root = receipt::transactions_root(&v);
            assert_ne!(root, block.header.inner.transactions_root);
            // Where Tempo's decoder accepts every mutated transaction and re-encodes it to the
            // same bytes, alloy's root over the decoded transactions must be ours.
            let decoded: Option<Vec<TempoTxEnvelope>> = v
                .iter()
                .map(|b| {
                    TempoTxEnvelope::decode_2718(&mut b.as_ref())
                        .ok()
                        .filter(|tx| tx.encoded_2718() == b.as_ref())
                })
                .collect();
            match decoded {
                Some(txs) => {
                    assert_eq!(root, calculate_transaction_root(&txs));
                    for (tx, b) in txs.iter().zip(&v) {
                        assert_eq!(*tx.tx_hash(), keccak256(b));
                    }
                    tx_cases += 1;
                }
                None => refused += 1,
            }
        }
    }
    println!(
        "mutations: {receipt_cases} receipt variants and {tx_cases} transaction-list variants compared with tempo-primitives/alloy, 0 mismatches ({refused} byte-flipped lists not decodable by tempo-primitives, all with a different root)"
    );
    assert!(receipt_cases > 1000 && tx_cases > 500);
}

#[test]
fn transfer_event_topics_are_the_keccak_of_their_signatures() {
    assert_eq!(
        tempo_light::payment::TRANSFER_TOPIC,
        keccak256("Transfer(address,address,uint256)")
    );
    assert_eq!(
        tempo_light::payment::TRANSFER_WITH_MEMO_TOPIC,
        keccak256("TransferWithMemo(address,address,uint256,bytes32)")
    );
}
