//! What the npm package's wasm exports read from JavaScript, through the same core calls.

use alloy_primitives::B256;
use serde_json::Value;
use tempo_light::{
    payment::receipt,
    payment::{confirm_payment, FinalAnchor, PaymentProof, ProofForm},
    state::state_proof::verify_account_proof,
    state::state_proof::AccountProof,
    state::tip20::BalanceQuery,
    CertifiedBlock, Event, LightClient, Network, TempoHeader,
};

use super::*;

// ---- what the wasm exports read ---------------------------------------------------------------

/// The exports of the npm package (`crates/wasm`) that read JSON from JavaScript, by the
/// first byte of a `wasm_inputs` input; the rest is the JSON text JavaScript hands over.
pub const WASM_EXPORTS: &[&str] = &[
    "fromState",
    "verifyCertifiedBlock",
    "TempoLightClient.verifyBatch",
    "TempoLightClient.onFinalization",
    "TempoLightClient.onHeaders",
    "verifyBalance",
    "verifyProof",
    "TempoLightClient.confirmPayment",
    "verifyPaymentProof",
];

/// The JSON each export of the npm package reads, through the core calls that export makes
/// after converting its JS argument to JSON (`crates/wasm` is a thin conversion layer: each
/// export is `to_json`, then these calls, then a conversion of the result to JS). First byte:
/// the export ([`WASM_EXPORTS`], modulo); the rest: its argument as JSON text (for the
/// two-argument exports, `[first, second]`). Nothing panics; a client refusing an input is
/// left byte for byte unchanged; what is accepted is what the chain finalized.
pub fn wasm_inputs(data: &[u8]) {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let Ok(value) = serde_json::from_slice::<Value>(rest) else {
        return;
    };
    let d = devnet();
    let synced = || synced_client(false);
    let second = |i: usize| value.as_array().and_then(|a| a.get(i)).cloned();
    let export = usize::from(selector) % WASM_EXPORTS.len();
    match export {
        0 => {
            if let Ok(client) = LightClient::from_json(&value.to_string()) {
                let saved = client.to_json();
                let again = LightClient::from_json(&saved).expect("a saved state restores");
                assert_eq!(
                    again.to_json(),
                    saved,
                    "a restored state does not round-trip"
                );
            }
        }
        1 => {
            let Ok(block) = CertifiedBlock::from_value(value) else {
                return;
            };
            if let Ok(v) = tempo_light::verify_with_network(&Network::mainnet(), &block) {
                assert_eq!(
                    v.hash,
                    fixture_hash(),
                    "mainnet accepted a block never finalized"
                );
            }
            assert!(tempo_light::verify_with_network(&Network::testnet(), &block).is_err());
        }
        2 | 3 => {
            let items = match value {
                Value::Array(items) if export == 2 => items,
                one => Vec::from([one]),
            };
            let blocks: Vec<CertifiedBlock> = items
                .into_iter()
                .filter_map(|v| CertifiedBlock::from_value(v).ok())
                .collect();
            let mut client = synced();
            for (block, result) in blocks.iter().zip(client.verify_batch(&blocks)) {
                if let Ok(v) = result {
                    assert!(
                        d.finalized(v.height, v.hash).is_some(),
                        "a forged block verified"
                    );
                    assert_eq!(v.hash, block.header.hash());
                }
            }
            for block in blocks {
                let before = client.to_json();
                if client.on_finalization(block).is_err() {
                    assert_eq!(client.to_json(), before, "a refusal changed the state");
                }
                if let Some(head) = client.head() {
                    assert!(
                        d.finalized(head.height, head.hash).is_some(),
                        "a forged head"
                    );
                }
            }
        }
        4 => {
            let Value::Array(items) = value else { return };
            let Ok(headers) = items
                .into_iter()
                .map(TempoHeader::from_value)
                .collect::<Result<Vec<_>, _>>()
            else {
                return;
            };
            let mut client = synced_client(true);
            let before = client.to_json();
            match client.on_headers(headers) {
                Err(_) => assert_eq!(client.to_json(), before, "a refusal changed the state"),
                Ok(events) => {
                    for event in events {
                        let Event::Headers(headers) = event else {
                            continue;
                        };
                        for h in headers {
                            assert_eq!(
                                d.chain.block(h.header.number()).map(|b| b.hash),
                                Some(h.hash),
                                "a header the chain never had was yielded"
                            );
                        }
                    }
                }
            }
        }
        5 | 6 => {
            let (Some(query), Some(proof)) = (second(0), second(1)) else {
                return;
            };
            let Ok(proof) = AccountProof::from_value(proof) else {
                return;
            };
            let fixture = proof_fixture();
            let root = fixture.queries[0].state_root;
            if export == 6 {
                if let Ok(v) = verify_account_proof(root, &proof) {
                    for (slot, value) in &v.storage {
                        assert_eq!(
                            *value,
                            fixture.world.storage(v.address, *slot),
                            "a forged slot"
                        );
                    }
                }
                return;
            }
            let field = |k: &str| {
                query
                    .get(k)
                    .and_then(Value::as_str)
                    .and_then(|s| s.parse().ok())
            };
            let (Some(token), Some(account)) = (field("token"), field("account")) else {
                return;
            };
            let Ok(q) = BalanceQuery::new(token, account, PROOF_HEIGHT, B256::ZERO, root) else {
                return;
            };
            if let Ok(b) = q.verify(&proof) {
                assert_eq!(
                    b.balance.balance,
                    fixture
                        .world
                        .storage(token, tempo_light::state::tip20::balance_slot(account)),
                    "a forged balance was proven"
                );
            }
        }
        7 => {
            let (Some(hash), Some(block)) = (value.get("txHash"), value.get("block")) else {
                return;
            };
            let Some(hash) = hash.as_str().and_then(|h| h.parse::<B256>().ok()) else {
                return;
            };
            let Ok(block) = CertifiedBlock::from_value(block.clone()) else {
                return;
            };
            let empty = Value::Null;
            let Ok(transactions) =
                receipt::raw_transactions_from_value(value.get("transactions").unwrap_or(&empty))
            else {
                return;
            };
            let Ok(receipts) =
                receipt::block_receipts_from_value(value.get("receipts").unwrap_or(&empty))
            else {
                return;
            };
            let Ok(verified) = synced().verify(&block) else {
                return;
            };
            let anchor = FinalAnchor {
                verified: &verified,
                certificate: &block.certificate,
                links: &[],
            };
            if let Ok(payment) = confirm_payment(&anchor, hash, &transactions, &receipts) {
                assert_is_the_chains(&payment);
                let proof = payment.proof(ProofForm::Smallest);
                assert_eq!(
                    PaymentProof::from_json(&proof.to_json()).map(|p| p == proof),
                    Ok(true)
                );
            }
        }
        _ => {
            let Ok(proof) = PaymentProof::from_value(&value) else {
                return;
            };
            if let Ok(payment) = proof.verify_with(|block| synced().verify(block)) {
                assert_is_the_chains(&payment);
            }
        }
    }
}
