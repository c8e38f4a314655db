//! Proven payments in JS: `verifyPaymentProof(proof, network?, expected?, txHash?)` (pure,
//! offline), and on a client `confirmPayment({...})` (what a JS `confirmPayment` needs once it
//! has fetched the block's certificate, raw transactions and receipts) and
//! `verifyPaymentProof(proof, expected?, txHash?)` under the identities the client has learnt.
//! [`paymentRequests`] names the RPC calls to make; `validateExpectation(expected)` refuses
//! an expectation the core refuses (without a token, say) before JS asks anything.

use super::{
    bad_input, big, big_u256, certified_block, fixed_of, get, hex, refusal, set, to_json, u64_of,
    WasmClient,
};
use alloc::{
    format,
    string::{String, ToString},
};
use alloy_primitives::U256;
use js_sys::{Array, Object};
use tempo_light::{
    payment::{
        check_payment, confirm_payment, ConfirmedPayment, ExpectedPayment, FinalAnchor,
        PaymentError, PaymentProof, ProofForm,
    },
    receipt::{block_receipts_from_value, raw_transactions_from_value},
    verify_payment_proof, Network,
};
use wasm_bindgen::{prelude::*, JsCast};

fn payment_error(e: &PaymentError) -> JsValue {
    refusal(e)
}

fn payment_js(p: &ConfirmedPayment) -> JsValue {
    let o = Object::new();
    set(&o, "transactionHash", hex(p.transaction_hash));
    set(&o, "success", p.success);
    set(&o, "height", big(p.height));
    set(&o, "blockHash", hex(p.block_hash));
    set(&o, "index", big(p.index as u64));
    set(&o, "txType", p.tx_type);
    set(&o, "gasUsed", p.gas_used.map_or(JsValue::NULL, big));
    set(&o, "certifiedHeight", big(p.certified_height));
    set(&o, "epoch", big(p.epoch));
    set(&o, "identity", hex(p.identity.to_bytes()));
    set(&o, "timestampMillis", big(p.timestamp_ms));
    let transfers: Array = p
        .transfers
        .iter()
        .map(|t| {
            let o = Object::new();
            set(&o, "token", hex(t.token));
            set(&o, "from", hex(t.from));
            set(&o, "to", hex(t.to));
            set(&o, "amount", big_u256(t.amount));
            set(&o, "formatted", tempo_light::tip20::format_amount(t.amount));
            set(&o, "memo", t.memo.map_or(JsValue::NULL, hex));
            set(&o, "logIndex", big(t.log_index as u64));
            JsValue::from(o)
        })
        .collect();
    set(&o, "transfers", transfers);
    o.into()
}

/// `{ token?, anyToken?, from?, to?, amount?, memo? }` (amount as bigint, number or decimal
/// string of base units; `anyToken` a boolean), held to the core's rule
/// ([`ExpectedPayment::validate`]: `from`, `to`, `amount` or `memo` need `token` or
/// `anyToken: true`), and bound to `transaction` when given.
fn expected_of(value: &JsValue, transaction: &JsValue) -> Result<ExpectedPayment, JsValue> {
    let transaction_hash = if transaction.is_undefined() || transaction.is_null() {
        None
    } else {
        Some(fixed_of(transaction, "txHash")?)
    };
    let mut expected = ExpectedPayment {
        transaction_hash,
        ..ExpectedPayment::default()
    };
    if value.is_undefined() || value.is_null() {
        return Ok(expected);
    }
    let optional = |key: &str| {
        let v = get(value, key);
        (!v.is_undefined() && !v.is_null()).then_some(v)
    };
    expected.amount = match optional("amount") {
        None => None,
        Some(v) => {
            let text = if v.is_bigint() {
                js_sys::BigInt::from(v)
                    .to_string(10)
                    .map(String::from)
                    .unwrap_or_default()
            } else if let Some(s) = v.as_string() {
                s
            } else {
                format!("{}", u64_of(&v, "expected.amount")?)
            };
            Some(
                U256::from_str_radix(text.trim(), 10)
                    .map_err(|_| bad_input("expected.amount", "not an integer of base units"))?,
            )
        }
    };
    expected.any_token = match optional("anyToken") {
        None => false,
        Some(v) => v
            .as_bool()
            .ok_or_else(|| bad_input("expected.anyToken", "not a boolean"))?,
    };
    expected.token = optional("token")
        .map(|v| fixed_of(&v, "expected.token"))
        .transpose()?;
    expected.from = optional("from")
        .map(|v| fixed_of(&v, "expected.from"))
        .transpose()?;
    expected.to = optional("to")
        .map(|v| fixed_of(&v, "expected.to"))
        .transpose()?;
    expected.memo = optional("memo")
        .map(|v| fixed_of(&v, "expected.memo"))
        .transpose()?;
    expected.validate().map_err(|e| payment_error(&e))?;
    Ok(expected)
}

/// Refuses (throws) an expectation `{ token?, anyToken?, from?, to?, amount?, memo? }` that
/// `confirmPayment` and `verifyPaymentProof` would refuse: malformed, or expecting a sender,
/// recipient, amount or memo without `token` or `anyToken: true` (`InvalidInput` naming
/// `token`: the core's rule). JS calls it before any request.
#[wasm_bindgen(js_name = validateExpectation)]
pub fn validate_expectation(expected: JsValue) -> Result<(), JsValue> {
    expected_of(&expected, &JsValue::UNDEFINED).map(|_| ())
}

/// The proof document as JSON text (parsed by the core, which bounds its size) or as a
/// parsed object.
fn proof_of(value: &JsValue) -> Result<PaymentProof, JsValue> {
    if let Some(text) = value.as_string() {
        return PaymentProof::from_json(&text).map_err(|e| payment_error(&e));
    }
    let json = to_json(value, "proof")?;
    PaymentProof::from_value(&json).map_err(|e| payment_error(&e))
}

fn checked(payment: ConfirmedPayment, expected: &ExpectedPayment) -> Result<JsValue, JsValue> {
    check_payment(&payment, expected).map_err(|e| {
        let js = payment_error(&e);
        set(
            js.unchecked_ref::<Object>(),
            "payment",
            payment_js(&payment),
        );
        js
    })?;
    Ok(payment_js(&payment))
}

/// Re-checks a PaymentProof (the JSON document `tempo-light confirm --proof-out` and
/// `confirmPayment` write) against a network preset (`"mainnet"`, `"testnet"`), offline, and
/// holds it to `expected` (`{ token?, anyToken?, from?, to?, amount?, memo? }`) and to
/// `txHash` (a proof of another transaction is refused, `WrongTransaction`) when given.
/// Returns the payment
/// `{ transactionHash, success, height, blockHash, index, txType, gasUsed, transfers: [{ token,
/// from, to, amount, formatted, memo, logIndex }], certifiedHeight, epoch, identity,
/// timestampMillis }`; throws an error whose `code` names the rule that failed (a payment
/// proven but not as expected carries it as `payment`).
#[wasm_bindgen(js_name = verifyPaymentProof)]
pub fn verify_payment_proof_js(
    proof: JsValue,
    network: Option<String>,
    expected: JsValue,
    tx_hash: JsValue,
) -> Result<JsValue, JsValue> {
    let name = network.unwrap_or_else(|| String::from("mainnet"));
    let network = Network::by_name(&name).ok_or_else(|| bad_input("network", "unknown preset"))?;
    let expected = expected_of(&expected, &tx_hash)?;
    let proof = proof_of(&proof)?;
    let payment = verify_payment_proof(&network, &proof).map_err(|e| payment_error(&e))?;
    checked(payment, &expected)
}

/// The JSON-RPC calls that fetch what `confirmPayment` needs about a transaction found (by
/// `eth_getTransactionReceipt`, which only locates it) in block `height`: its certificate, its
/// raw transactions and its receipts, as `[{ method, params }]`. Where a node does not serve
/// `debug_getRawTransactions`, ask `eth_getRawTransactionByBlockNumberAndIndex` for each index.
#[wasm_bindgen(js_name = paymentRequests)]
pub fn payment_requests(height: JsValue) -> Result<Array, JsValue> {
    let height = u64_of(&height, "height")?;
    let quantity = format!("{height:#x}");
    let request = |method: &str, params: serde_json::Value| {
        let o = Object::new();
        set(&o, "method", method);
        set(
            &o,
            "params",
            serde_wasm_bindgen::to_value(&params).unwrap_or(JsValue::NULL),
        );
        JsValue::from(o)
    };
    Ok([
        request(
            "consensus_getFinalization",
            serde_json::json!([{ "height": height }]),
        ),
        request("debug_getRawTransactions", serde_json::json!([quantity])),
        request("eth_getBlockReceipts", serde_json::json!([quantity])),
    ]
    .into_iter()
    .collect())
}

/// What the RPC answered for a block, checked as far as it goes alone: the block verified
/// under the client's identities, its raw transactions and its receipts read.
type BlockEvidence = (
    tempo_light::finality::verify::VerifiedBlock,
    alloc::vec::Vec<alloy_primitives::Bytes>,
    alloc::vec::Vec<tempo_light::receipt::BlockReceipt>,
);

impl WasmClient {
    /// Reads `transactions` (raw hex strings, in block order) and `receipts` (the
    /// eth_getBlockReceipts result) of `input`, and verifies `block` under this client's
    /// identities: the evidence `confirmPayment` and `provenTransaction` prove from.
    fn block_evidence(
        &self,
        input: &JsValue,
        block: &tempo_light::CertifiedBlock,
    ) -> Result<BlockEvidence, JsValue> {
        let decode = |e| refusal(&tempo_light::Error::Decode(e));
        let transactions =
            raw_transactions_from_value(&to_json(&get(input, "transactions"), "transactions")?)
                .map_err(decode)?;
        let receipts = block_receipts_from_value(&to_json(&get(input, "receipts"), "receipts")?)
            .map_err(decode)?;
        let verified = self.inner.verify(block).map_err(|e| refusal(&e))?;
        // The finalization answers the height it was asked for (`height`, when given), as the
        // CLI's `confirm` and the provider hold it: another block is refused by name.
        let asked = get(input, "height");
        if !asked.is_undefined() {
            let asked = u64_of(&asked, "height")?;
            if verified.height != asked {
                return Err(refusal(&tempo_light::ClientError::HeaderNumberMismatch {
                    expected: asked,
                    actual: verified.height,
                }));
            }
        }
        Ok((verified, transactions, receipts))
    }
}

#[wasm_bindgen(js_class = TempoLightClient)]
impl WasmClient {
    /// Proves a payment from what the RPC answered for its block: `{ txHash, block (the
    /// consensus_getFinalization result), transactions (raw hex strings, in block order),
    /// receipts (the eth_getBlockReceipts result), expected?, proofForm? ("smallest" | "full" |
    /// "trie") }`. The block's certificate is verified under this client's identities. Returns
    /// `{ payment, proof }` (`proof`: the PaymentProof JSON text); throws as
    /// `verifyPaymentProof` does.
    #[wasm_bindgen(js_name = confirmPayment)]
    pub fn confirm_payment(&self, input: JsValue) -> Result<JsValue, JsValue> {
        let hash = fixed_of(&get(&input, "txHash"), "txHash")?;
        let block = certified_block(&get(&input, "block"))?;
        let expected = expected_of(&get(&input, "expected"), &JsValue::UNDEFINED)?;
        let form = match get(&input, "proofForm").as_string().as_deref() {
            None | Some("smallest") => ProofForm::Smallest,
            Some("full") => ProofForm::FullBlock,
            Some("trie") => ProofForm::TrieProofs,
            Some(_) => return Err(bad_input("proofForm", "smallest, full or trie")),
        };
        let (verified, transactions, receipts) = self.block_evidence(&input, &block)?;
        let anchor = FinalAnchor {
            verified: &verified,
            links: &[],
        };
        let payment = confirm_payment(&anchor, hash, &transactions, &receipts)
            .map_err(|e| payment_error(&e))?;
        let proof = PaymentProof::build(&payment, &block, &[], &transactions, &receipts, form);
        let out = Object::new();
        set(&out, "proof", proof.to_json());
        set(&out, "payment", checked(payment, &expected)?);
        Ok(out.into())
    }

    /// Proves transaction `txHash` and builds the verified provider's answers to
    /// `eth_getTransactionByHash` and `eth_getTransactionReceipt` from what the RPC answered
    /// for its block: `{ txHash, block (the consensus_getFinalization result), transactions
    /// (raw hex strings, in block order), receipts (the eth_getBlockReceipts result) }`. The
    /// block's certificate is verified under this client's identities, the transaction and
    /// receipt as `confirmPayment` does, and the sender recovered from the signature. Returns
    /// the JSON text of `{ transaction, receipt }` (every field proven; see
    /// `crates/wasm/src/transaction.rs`); throws as `confirmPayment` does, or with
    /// `UnknownEnvelope` / `SenderRecoveryFailed`.
    #[wasm_bindgen(js_name = provenTransaction)]
    pub fn proven_transaction(&self, input: JsValue) -> Result<String, JsValue> {
        let hash = fixed_of(&get(&input, "txHash"), "txHash")?;
        let block = certified_block(&get(&input, "block"))?;
        let (verified, transactions, receipts) = self.block_evidence(&input, &block)?;
        let proven =
            crate::transaction::proven_transaction(&verified, hash, &transactions, &receipts)
                .map_err(|e| refusal(&e))?;
        Ok(serde_json::json!({
            "transaction": proven.transaction,
            "receipt": proven.receipt,
        })
        .to_string())
    }

    /// Re-checks a PaymentProof under the identities this client has learnt (epochs after a
    /// rotation included), and holds it to `expected` and `txHash` when given (as the
    /// standalone `verifyPaymentProof`). Returns the payment.
    #[wasm_bindgen(js_name = verifyPaymentProof)]
    pub fn verify_payment_proof(
        &self,
        proof: JsValue,
        expected: JsValue,
        tx_hash: JsValue,
    ) -> Result<JsValue, JsValue> {
        let expected = expected_of(&expected, &tx_hash)?;
        let proof = proof_of(&proof)?;
        let payment = proof
            .verify_with(|block| self.inner.verify(block))
            .map_err(|e| payment_error(&e))?;
        checked(payment, &expected)
    }
}
