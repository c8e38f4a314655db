//! Proven payments in the core: a devnet transaction confirmed from its final header, the
//! block's raw transactions and its receipts; every rule refusing what breaks it with its own
//! error; `PaymentProof` documents (full block and trie proofs) re-checked offline, and every
//! single-byte change of one refused.
#![cfg(not(target_arch = "wasm32"))]

use alloy_primitives::{keccak256, Address, Bytes, B256, U256};
use tempo_light::{
    payment::receipt::BlockReceipt,
    payment::{
        check_payment, confirm_payment, ExpectedPayment, FinalAnchor, PaymentError, PaymentProof,
        ProofForm,
    },
    CertifiedBlock, TempoHeader, VerifiedBlock,
};
use tempo_light_devnet::{payments::Body, Chain};

const EPOCH: u64 = 20;

fn chain(blocks: u64) -> Chain {
    Chain::with_blocks(EPOCH, blocks)
}

/// Block `height`, certified and verified.
fn verified(chain: &Chain, height: u64) -> (CertifiedBlock, VerifiedBlock) {
    chain.verified(height).unwrap()
}

/// The receipts as `eth_getBlockReceipts` sends them (the fields the core reads).
fn receipts(body: &Body) -> Vec<BlockReceipt> {
    body.block_receipts()
}

fn anchor(v: &(CertifiedBlock, VerifiedBlock)) -> FinalAnchor<'_> {
    FinalAnchor {
        verified: &v.1,
        certificate: &v.0.certificate,
        links: &[],
    }
}

#[test]
fn every_devnet_transaction_is_confirmed_with_what_it_moved() {
    let chain = chain(30);
    let mut confirmed = 0;
    for h in 1..=30 {
        let v = verified(&chain, h);
        let body = chain.body(h).unwrap();
        let raw = body.raw_transactions();
        let rs = receipts(body);
        for (i, hash) in body.hashes().into_iter().enumerate() {
            let p = confirm_payment(&anchor(&v), hash, &raw, &rs).unwrap();
            let expected = &body.payments[i];
            assert_eq!((p.height, p.index, p.success), (h, i, expected.success));
            assert_eq!(p.gas_used, Some(body.gas_used_by(i)));
            let paid = ExpectedPayment {
                token: Some(expected.token),
                to: Some(expected.to),
                amount: Some(expected.amount),
                memo: expected.memo,
                ..Default::default()
            };
            if expected.success {
                // The fee (pathUSD to the fee manager) and the transfer (its memo event
                // annotating it).
                assert_eq!(p.transfers.len(), 2);
                assert_eq!(p.transfers[1].memo, expected.memo);
                check_payment(&p, &paid).unwrap();
                check_payment(&p, &ExpectedPayment::default()).unwrap();
            } else {
                assert!(p.transfers.is_empty());
                assert!(matches!(
                    check_payment(&p, &paid),
                    Err(PaymentError::PaymentFailed { .. })
                ));
            }
            confirmed += 1;
        }
    }
    println!("{confirmed} transactions confirmed");
}

fn first_success(chain: &Chain, from: u64, memo: bool) -> (u64, usize) {
    (from..)
        .find_map(|h| {
            chain
                .body(h)?
                .payments
                .iter()
                .position(|p| p.success && p.memo.is_some() == memo)
                .map(|i| (h, i))
        })
        .unwrap()
}

#[test]
fn each_expectation_mismatch_has_its_own_error() {
    let chain = chain(12);
    let (p, pay) = a_memo_payment(&chain);
    let pay = &pay;
    let right = ExpectedPayment {
        token: Some(pay.token),
        to: Some(pay.to),
        amount: Some(pay.amount),
        memo: pay.memo,
        from: Some(pay.from),
        transaction_hash: Some(p.transaction_hash),
        ..Default::default()
    };
    check_payment(&p, &right).unwrap();
    let cases = [
        (
            ExpectedPayment {
                token: Some(Address::repeat_byte(0x20)),
                ..right.clone()
            },
            "TokenMismatch",
        ),
        (
            ExpectedPayment {
                from: Some(Address::repeat_byte(8)),
                ..right.clone()
            },
            "SenderMismatch",
        ),
        (
            ExpectedPayment {
                to: Some(Address::repeat_byte(9)),
                ..right.clone()
            },
            "RecipientMismatch",
        ),
        (
            ExpectedPayment {
                amount: Some(pay.amount + U256::from(1)),
                ..right.clone()
            },
            "AmountMismatch",
        ),
        (
            ExpectedPayment {
                memo: Some(B256::repeat_byte(1)),
                ..right.clone()
            },
            "MemoMismatch",
        ),
    ];
    for (expected, code) in cases {
        let e = check_payment(&p, &expected).unwrap_err();
        assert_eq!(e.code(), code, "{e}");
        assert!(e.is_proven_otherwise());
    }
}

/// A payment with a memo confirmed at the devnet, and what it did.
fn a_memo_payment(
    chain: &Chain,
) -> (
    tempo_light::ConfirmedPayment,
    tempo_light_devnet::payments::Payment,
) {
    let (h, i) = first_success(chain, 1, true);
    let v = verified(chain, h);
    let body = chain.body(h).unwrap();
    let p = confirm_payment(
        &anchor(&v),
        body.hashes()[i],
        &body.raw_transactions(),
        &receipts(body),
    )
    .unwrap()
    .into_payment();
    (p, body.payments[i].clone())
}

#[test]
fn refuses_an_expectation_without_a_token() {
    let chain = chain(12);
    let (p, pay) = a_memo_payment(&chain);
    let alone = [
        (
            ExpectedPayment {
                from: Some(pay.from),
                ..Default::default()
            },
            "`from`",
        ),
        (
            ExpectedPayment {
                to: Some(pay.to),
                ..Default::default()
            },
            "`to`",
        ),
        (
            ExpectedPayment {
                amount: Some(pay.amount),
                ..Default::default()
            },
            "`amount`",
        ),
        (
            ExpectedPayment {
                memo: pay.memo,
                ..Default::default()
            },
            "`memo`",
        ),
        (
            ExpectedPayment {
                to: Some(pay.to),
                amount: Some(pay.amount),
                transaction_hash: Some(p.transaction_hash),
                ..Default::default()
            },
            "`to`, `amount`",
        ),
    ];
    for (expected, fields) in alone {
        // Refused by the rule itself (what every edge calls before any request) and by
        // `check_payment`, even of the very payment it describes.
        for e in [
            expected.validate().unwrap_err(),
            check_payment(&p, &expected).unwrap_err(),
        ] {
            assert_eq!(e.code(), "InvalidInput", "{e}");
            assert!(e.is_invalid_input() && !e.is_proven_otherwise() && !e.is_malformed());
            let text = e.to_string();
            assert!(
                text.contains(&format!("an expectation of {fields} needs `token`")),
                "{text}"
            );
            assert!(
                text.contains("anyToken") && text.contains("--any-token"),
                "{text}"
            );
        }
    }
    // A token and any token: a contradiction.
    let both = ExpectedPayment {
        token: Some(pay.token),
        any_token: true,
        ..Default::default()
    };
    let e = both.validate().unwrap_err();
    assert_eq!((e.code(), e.is_invalid_input()), ("InvalidInput", true));
    assert!(e.to_string().contains("`token` and `anyToken`"), "{e}");
    // What needs no token: nothing, the transaction alone, the token alone.
    for fine in [
        ExpectedPayment::default(),
        ExpectedPayment {
            transaction_hash: Some(p.transaction_hash),
            ..Default::default()
        },
        ExpectedPayment {
            token: Some(pay.token),
            ..Default::default()
        },
    ] {
        fine.validate().unwrap();
        check_payment(&p, &fine).unwrap();
    }
}

#[test]
fn accepts_any_token_when_asked() {
    let chain = chain(12);
    let (p, pay) = a_memo_payment(&chain);
    let any = ExpectedPayment {
        any_token: true,
        from: Some(pay.from),
        to: Some(pay.to),
        amount: Some(pay.amount),
        memo: pay.memo,
        ..Default::default()
    };
    any.validate().unwrap();
    check_payment(&p, &any).unwrap();
    // Any token, still to this recipient and of this amount.
    let wrong = ExpectedPayment {
        to: Some(Address::repeat_byte(9)),
        ..any.clone()
    };
    assert_eq!(
        check_payment(&p, &wrong).unwrap_err().code(),
        "RecipientMismatch"
    );
    let wrong = ExpectedPayment {
        amount: Some(pay.amount + U256::from(1)),
        ..any
    };
    assert_eq!(
        check_payment(&p, &wrong).unwrap_err().code(),
        "AmountMismatch"
    );
}

#[test]
fn refuses_a_payment_from_another_sender() {
    let chain = chain(12);
    let (p, pay) = a_memo_payment(&chain);
    let from_payer = ExpectedPayment {
        token: Some(pay.token),
        from: Some(pay.from),
        to: Some(pay.to),
        ..Default::default()
    };
    check_payment(&p, &from_payer).unwrap();
    let other = Address::repeat_byte(8);
    let e = check_payment(
        &p,
        &ExpectedPayment {
            from: Some(other),
            ..from_payer.clone()
        },
    )
    .unwrap_err();
    assert_eq!(
        e,
        tempo_light::PaymentError::SenderMismatch {
            expected: other,
            found: pay.from
        }
    );
    assert!(e.is_proven_otherwise());
    assert!(e.to_string().contains("no transfer from"), "{e}");
    // The sender is checked after the token and before the recipient.
    let e = check_payment(
        &p,
        &ExpectedPayment {
            from: Some(other),
            to: Some(Address::repeat_byte(9)),
            ..from_payer.clone()
        },
    )
    .unwrap_err();
    assert_eq!(e.code(), "SenderMismatch");
    let e = check_payment(
        &p,
        &ExpectedPayment {
            token: Some(Address::repeat_byte(0x20)),
            from: Some(other),
            ..from_payer
        },
    )
    .unwrap_err();
    assert_eq!(e.code(), "TokenMismatch");
}

#[test]
fn a_payment_with_no_expectations_reports_every_transfer() {
    let chain = chain(12);
    let (p, pay) = a_memo_payment(&chain);
    check_payment(&p, &ExpectedPayment::default()).unwrap();
    // The fee (pathUSD to the fee manager) and the payment, each with its sender.
    assert_eq!(p.transfers.len(), 2);
    assert_eq!(
        (p.transfers[0].from, p.transfers[0].to),
        (pay.from, tempo_light_devnet::payments::FEE_MANAGER)
    );
    let t = &p.transfers[1];
    assert_eq!(
        (t.token, t.from, t.to, t.amount, t.memo),
        (pay.token, pay.from, pay.to, pay.amount, pay.memo)
    );
}

#[test]
fn binds_the_transaction_hash() {
    let chain = chain(12);
    let (h, i) = first_success(&chain, 2, true);
    let identity = chain.identity(h / EPOCH).unwrap();
    let proof = proof(&chain, h, i, h, ProofForm::TrieProofs);
    let confirmed = proof.verify(&identity, EPOCH).unwrap();
    let own = chain.body(h).unwrap().hashes()[i];
    let bound = |asked: B256| ExpectedPayment {
        transaction_hash: Some(asked),
        ..Default::default()
    };
    check_payment(&confirmed, &bound(own)).unwrap();
    // A proof of another transaction (here the one before it in the block) is refused.
    let other = chain.body(h).unwrap().hashes()[i.saturating_sub(1)];
    let other = if other == own {
        B256::repeat_byte(7)
    } else {
        other
    };
    let e = check_payment(&confirmed, &bound(other)).unwrap_err();
    assert_eq!(
        e,
        tempo_light::PaymentError::WrongTransaction {
            asked: other,
            proven: own
        }
    );
    assert!(!e.is_proven_otherwise());
}

#[test]
fn every_rule_refuses_what_breaks_it_with_its_own_error() {
    let chain = chain(12);
    let h = (1..)
        .find(|h| chain.body(*h).unwrap().transactions.len() >= 3)
        .unwrap();
    let v = verified(&chain, h);
    let body = chain.body(h).unwrap();
    let raw = body.raw_transactions();
    let rs = receipts(body);
    let hash = body.hashes()[1];
    let code = |txs: &[Bytes], rs: &[BlockReceipt], hash: B256| {
        confirm_payment(&anchor(&v), hash, txs, rs)
            .unwrap_err()
            .code()
    };
    // A transaction missing from the block.
    assert_eq!(code(&raw[1..], &rs, hash), "TransactionsRootMismatch");
    // A transaction with a byte changed.
    let mut bad = raw.clone();
    let mut t = bad[0].to_vec();
    let at = t.len() - 3;
    t[at] ^= 1;
    bad[0] = t.into();
    assert_eq!(code(&bad, &rs, hash), "TransactionsRootMismatch");
    // Not an envelope.
    let mut bad = raw.clone();
    bad[0] = Bytes::from(vec![0x80]);
    assert_eq!(code(&bad, &rs, hash), "MalformedTransaction");
    // A hash that is not in the block.
    assert_eq!(
        code(&raw, &rs, B256::repeat_byte(3)),
        "TransactionNotInBlock"
    );
    // Receipts reordered; from another block; one missing; a forged status; a forged log.
    let mut reordered = rs.clone();
    reordered.swap(0, 1);
    assert_eq!(code(&raw, &reordered, hash), "ReceiptsReordered");
    let other = receipts(chain.body(h - 1).unwrap());
    assert_eq!(code(&raw, &other, hash), "ReceiptFromOtherBlock");
    assert_eq!(
        code(&raw, &rs[..rs.len() - 1], hash),
        "ReceiptCountMismatch"
    );
    let mut forged = rs.clone();
    let status = forged[1].receipt.receipt.status.coerce_status();
    forged[1].receipt.receipt.status = (!status).into();
    assert_eq!(code(&raw, &forged, hash), "ReceiptsRootMismatch");
    let mut forged = rs.clone();
    let (i, _) = forged
        .iter()
        .enumerate()
        .find(|(_, r)| r.logs().len() > 1)
        .unwrap();
    let log = &mut forged[i].receipt.receipt.logs[1];
    let mut topics = log.topics().to_vec();
    topics[2] = B256::with_last_byte(0x66);
    log.data = alloy_primitives::LogData::new_unchecked(topics, log.data.data.clone());
    assert_eq!(code(&raw, &forged, hash), "LogsBloomMismatch");
    let mut forged = rs.clone();
    let amount = U256::from(1) + U256::from_be_slice(&forged[i].logs()[1].data.data);
    let log = &mut forged[i].receipt.receipt.logs[1];
    log.data = alloy_primitives::LogData::new_unchecked(
        log.topics().to_vec(),
        Bytes::from(amount.to_be_bytes::<32>().to_vec()),
    );
    assert_eq!(code(&raw, &forged, hash), "ReceiptsRootMismatch");
}

#[test]
fn a_block_below_a_certified_tip_is_authenticated_by_parent_links() {
    let chain = chain(12);
    let (h, i) = first_success(&chain, 2, false);
    let tip = h + 4;
    let v = verified(&chain, tip);
    let links: Vec<TempoHeader> = (h..tip)
        .map(|k| chain.block(k).unwrap().header.clone())
        .collect();
    let body = chain.body(h).unwrap();
    let (raw, rs) = (body.raw_transactions(), receipts(body));
    let anchor = FinalAnchor {
        verified: &v.1,
        certificate: &v.0.certificate,
        links: &links,
    };
    let p = confirm_payment(&anchor, body.hashes()[i], &raw, &rs).unwrap();
    assert_eq!((p.height, p.certified_height), (h, tip));
    // A gap in the links.
    let mut broken = links.clone();
    broken.remove(1);
    let anchor = FinalAnchor {
        verified: &v.1,
        certificate: &v.0.certificate,
        links: &broken,
    };
    let e = confirm_payment(&anchor, body.hashes()[i], &raw, &rs).unwrap_err();
    assert_eq!(e.code(), "BrokenParentLink");
}

fn proof(chain: &Chain, h: u64, i: usize, tip: u64, form: ProofForm) -> PaymentProof {
    let v = verified(chain, tip);
    let links: Vec<TempoHeader> = (h..tip)
        .map(|k| chain.block(k).unwrap().header.clone())
        .collect();
    let body = chain.body(h).unwrap();
    let (raw, rs) = (body.raw_transactions(), receipts(body));
    let anchor = FinalAnchor {
        verified: &v.1,
        certificate: &v.0.certificate,
        links: &links,
    };
    let p = confirm_payment(&anchor, body.hashes()[i], &raw, &rs).unwrap();
    p.proof(form)
}

#[test]
fn payment_proofs_are_rechecked_offline_in_both_forms() {
    let chain = chain(12);
    let (h, i) = (1..)
        .find_map(|h| {
            let body = chain.body(h)?;
            (body.transactions.len() >= 3 && body.payments[2].success).then_some((h, 2))
        })
        .unwrap();
    let identity = chain.identity(h / EPOCH).unwrap();
    for tip in [h, h + 2] {
        for form in [
            ProofForm::FullBlock,
            ProofForm::TrieProofs,
            ProofForm::Smallest,
        ] {
            let p = proof(&chain, h, i, tip, form);
            let text = p.to_json();
            let back = PaymentProof::from_json(&text).unwrap();
            assert_eq!(back, p);
            let confirmed = back.verify(&identity, EPOCH).unwrap();
            assert_eq!((confirmed.height, confirmed.index), (h, i));
            assert_eq!(
                confirmed.gas_used,
                Some(chain.body(h).unwrap().gas_used_by(i))
            );
            println!(
                "{form:?} proof (block of {} transactions, {} link headers): {} bytes",
                chain.body(h).unwrap().transactions.len(),
                tip - h,
                text.len()
            );
        }
    }
    // Under another identity it is not final.
    let other = chain.identity(0).unwrap();
    let p = proof(&chain, h, i, h, ProofForm::TrieProofs);
    if other != identity {
        assert_eq!(p.verify(&other, EPOCH).unwrap_err().code(), "NotFinal");
    }
}

#[test]
fn a_payment_proof_with_any_single_byte_changed_is_refused() {
    let chain = chain(8);
    let (h, i) = first_success(&chain, 2, true);
    let identity = chain.identity(h / EPOCH).unwrap();
    let mut total = 0;
    for (form, tip) in [(ProofForm::TrieProofs, h + 1), (ProofForm::FullBlock, h)] {
        let text = proof(&chain, h, i, tip, form).to_json();
        PaymentProof::from_json(&text)
            .unwrap()
            .verify(&identity, EPOCH)
            .unwrap();
        let mut refused = std::collections::BTreeMap::<&str, usize>::new();
        for at in 0..text.len() {
            let mut bytes = text.clone().into_bytes();
            bytes[at] ^= 0x01;
            let Ok(mutated) = String::from_utf8(bytes) else {
                *refused.entry("NotUtf8").or_default() += 1;
                continue;
            };
            let verdict =
                PaymentProof::from_json(&mutated).and_then(|p| p.verify(&identity, EPOCH));
            match verdict {
                Ok(_) => panic!(
                    "{}\nbyte {at} changed ({:?}) and still accepted",
                    &mutated[..at + 300],
                    &text[at.saturating_sub(20)..(at + 20).min(text.len())]
                ),
                Err(e) => *refused.entry(e.code()).or_default() += 1,
            }
        }
        total += text.len();
        println!(
            "{form:?}: {} single-byte changes, all refused: {refused:?}",
            text.len()
        );
    }
    assert!(total > 1000);
    let _ = keccak256([0u8]);
}

#[test]
fn raw_transaction_and_receipt_lists_are_read_with_their_bounds() {
    use serde_json::json;
    use tempo_light::payment::receipt::{
        block_receipts_from_value, raw_transactions_from_value, MAX_BLOCK_TRANSACTIONS,
        MAX_TRANSACTION_BYTES,
    };
    let chain = chain(4);
    let body = chain.body(3).unwrap();
    let raw = body.raw_transactions();
    assert_eq!(raw_transactions_from_value(&json!(raw)).unwrap(), raw);
    let refused = |v: serde_json::Value| raw_transactions_from_value(&v).unwrap_err().to_string();
    assert!(refused(json!({"0": "0x00"})).contains("expected an array"));
    assert!(refused(json!(["00"])).contains("must start with 0x"));
    assert!(refused(json!(["0x0"])).contains("invalid hex"));
    assert!(refused(json!([7])).contains("expected 0x-prefixed hex"));
    let oversized = format!("0x{}", "00".repeat(MAX_TRANSACTION_BYTES + 1));
    assert!(refused(json!([oversized])).contains("larger than"));
    let many = vec![json!("0x00"); MAX_BLOCK_TRANSACTIONS + 1];
    assert!(refused(json!(many)).contains("too many"));

    let receipts: Vec<serde_json::Value> = receipts(body).iter().map(|r| r.to_value()).collect();
    let read = block_receipts_from_value(&json!(receipts)).unwrap();
    assert_eq!(read.len(), body.receipts.len());
    assert!(block_receipts_from_value(&json!(null)).is_err());
    let many = vec![receipts[0].clone(); MAX_BLOCK_TRANSACTIONS + 1];
    assert!(block_receipts_from_value(&json!(many))
        .unwrap_err()
        .to_string()
        .contains("too many"));
}
