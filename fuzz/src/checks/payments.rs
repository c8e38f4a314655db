//! Proven payments: a block's evidence confirmed into a payment, and payment proof
//! documents re-checked offline.

use alloy_primitives::{Address, B256};
use serde_json::Value;
use tempo_light::{
    finality::verify::VerifiedBlock,
    payment::receipt::{self, BlockReceipt},
    payment::{
        check_payment, confirm_payment, tip20_transfers, ConfirmedPayment, ExpectedPayment,
        FinalAnchor, PaymentProof, ProofForm,
    },
    Network, TempoHeader,
};

use super::*;

// ---- payments ------------------------------------------------------------------------------

/// The honest devnet's block at `height`, verified under its epoch's identity.
pub fn verified_devnet_block(height: u64) -> Option<VerifiedBlock> {
    let d = devnet();
    let block = d.chain.block(height)?.certified()?;
    let identity = d.chain.identity(height / DEVNET_EPOCH_LENGTH)?;
    tempo_light::verify_block(&identity, DEVNET_EPOCH_LENGTH, &block).ok()
}

/// What the devnet really did in the transaction a payment names: the payment must be it.
pub(super) fn assert_is_the_chains(payment: &ConfirmedPayment) {
    let d = devnet();
    let block = d
        .chain
        .block(payment.height)
        .expect("a proven payment is in a block the devnet produced");
    assert_eq!(
        payment.block_hash, block.hash,
        "a payment proven in a forged block"
    );
    let body = d.chain.body(payment.height).expect("every body is kept");
    assert_eq!(
        body.hashes().get(payment.index),
        Some(&payment.transaction_hash),
        "a transaction proven at an index the block does not hold it at"
    );
    let truth = BlockReceipt::decode_2718(&body.raw_receipts()[payment.index])
        .expect("the devnet's receipts decode");
    assert_eq!(
        payment.success,
        truth.success(),
        "a forged status was proven"
    );
    assert_eq!(
        payment.gas_used,
        Some(body.gas_used_by(payment.index)),
        "a forged gas used was proven"
    );
    assert_eq!(
        payment.transfers,
        tip20_transfers(truth.logs()).expect("the devnet's logs decode"),
        "forged transfers were proven"
    );
}

/// The expectation `selector` picks from the first transfer: bit 0 its token (any token
/// otherwise), 1 its recipient, 2 its amount, 3 its memo, 4 its sender, 5 the transaction.
fn expectation(selector: u8, payment: &ConfirmedPayment) -> ExpectedPayment {
    let first = payment.transfers.first();
    ExpectedPayment {
        token: (selector & 1 != 0).then(|| first.map_or(Address::ZERO, |t| t.token)),
        any_token: selector & 1 == 0,
        to: (selector & 2 != 0).then(|| first.map_or(Address::ZERO, |t| t.to)),
        amount: (selector & 4 != 0).then(|| first.map_or_else(Default::default, |t| t.amount)),
        memo: (selector & 8 != 0).then(|| first.and_then(|t| t.memo).unwrap_or_default()),
        from: (selector & 16 != 0).then(|| first.map_or(Address::ZERO, |t| t.from)),
        transaction_hash: (selector & 32 != 0).then_some(payment.transaction_hash),
    }
}

/// What a wallet fetches to confirm a payment, as one JSON document: `{"tip": certified
/// height on the honest devnet, "hash": the transaction, "transactions": the
/// `debug_getRawTransactions` answer, "receipts": the `eth_getBlockReceipts` answer, "links":
/// headers from the payment's block up to the tip (optional), "expect": 0..63 (optional)}`.
/// Reading the answers and confirming never panic; a payment confirmed is exactly the
/// devnet's transaction (block, index, status, gas used, transfers); a proof built from it,
/// in each form, re-checks offline to the same payment.
pub fn payment_block(data: &[u8]) {
    let Ok(doc) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let transactions = doc
        .get("transactions")
        .map(receipt::raw_transactions_from_value);
    let receipts = doc.get("receipts").map(receipt::block_receipts_from_value);
    let (Some(Ok(transactions)), Some(Ok(receipts))) = (transactions, receipts) else {
        return;
    };
    let _ = tempo_light::payment::check_transactions(&transactions);
    let _ = receipt::transactions_root(&transactions);
    for r in &receipts {
        let again = BlockReceipt::decode_2718(&r.encoded_2718()).expect("an encoding decodes");
        assert_eq!(again.receipt, r.receipt, "a receipt does not round-trip");
        let back = BlockReceipt::from_value(&r.to_value()).expect("its JSON reads back");
        assert_eq!(
            back.receipt, r.receipt,
            "a receipt's JSON does not round-trip"
        );
    }
    let links = match doc.get("links") {
        None => Vec::new(),
        Some(v) => {
            let Some(items) = v.as_array() else { return };
            let Ok(headers) = items
                .iter()
                .map(|h| TempoHeader::from_value(h.clone()))
                .collect::<Result<Vec<_>, _>>()
            else {
                return;
            };
            headers
        }
    };
    let Some(tip) = doc.get("tip").and_then(Value::as_u64) else {
        return;
    };
    let Some(verified) = verified_devnet_block(tip.min(DEVNET_BLOCKS)) else {
        return;
    };
    let Some(hash) = doc
        .get("hash")
        .and_then(Value::as_str)
        .and_then(|h| h.parse::<B256>().ok())
    else {
        return;
    };
    let certified = devnet().certified(verified.height);
    let anchor = FinalAnchor {
        verified: &verified,
        certificate: &certified.certificate,
        links: &links,
    };
    let Ok(payment) = confirm_payment(&anchor, hash, &transactions, &receipts) else {
        return;
    };
    assert_is_the_chains(&payment);
    let selector = doc
        .get("expect")
        .and_then(Value::as_u64)
        .and_then(|n| u8::try_from(n & 63).ok())
        .unwrap_or(0);
    let _ = check_payment(&payment, &expectation(selector, &payment));
    for form in [ProofForm::FullBlock, ProofForm::TrieProofs] {
        let proof = payment.proof(form);
        let again = PaymentProof::from_json(&proof.to_json()).expect("a built proof reads");
        assert_eq!(again, proof, "a built proof does not round-trip");
        let rechecked = again
            .verify(&verified.identity, DEVNET_EPOCH_LENGTH)
            .expect("a proof built from a confirmed payment re-checks");
        assert_eq!(rechecked, *payment, "a proof re-checks to another payment");
    }
}

/// A `PaymentProof` document: reading never panics and round-trips; re-checking it under the
/// honest devnet's identity for its epoch never panics and proves only the devnet's real
/// transactions; under mainnet's or testnet's identities it proves nothing (no such payment
/// was made there by anyone holding these bytes).
pub fn payment_proof(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(proof) = PaymentProof::from_json(text) else {
        return;
    };
    let again = PaymentProof::from_json(&proof.to_json()).expect("a read proof writes and reads");
    assert_eq!(again, proof, "a proof does not round-trip");
    let d = devnet();
    let checked = proof.verify_with(|block| {
        let epoch = block.header.number() / DEVNET_EPOCH_LENGTH;
        // An epoch the devnet never reached: its genesis identity, under which nothing of a
        // later epoch verifies.
        let identity = d
            .chain
            .identity(epoch)
            .unwrap_or_else(|| d.chain.genesis_identity());
        tempo_light::verify_block(&identity, DEVNET_EPOCH_LENGTH, block)
    });
    if let Ok(payment) = checked {
        assert_is_the_chains(&payment);
        for selector in [0, 63] {
            let _ = check_payment(&payment, &expectation(selector, &payment));
        }
    }
    for network in [Network::mainnet(), Network::testnet()] {
        if let Ok(p) = tempo_light::verify_payment_proof(&network, &proof) {
            panic!(
                "{} proved a payment: {:#x}",
                network.name(),
                p.transaction_hash
            );
        }
    }
}
