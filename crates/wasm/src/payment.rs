//! Proven payments in JS, the payments module's exports: the core's workflow, one call each.
//!
//! - `PaymentQuery`: what to fetch for a block's transactions and receipts (the core's
//!   [`BlockQuery`]: the calls, the fallback where the debug namespace is off);
//! - `confirmPayment(input, query)`: the block verified, the payment proven from the query's
//!   answers, its proof written and its expectation checked (`{ payment, proof }`);
//! - `provenTransaction(input, query)`: the verified provider's transaction and receipt;
//! - `verifyPaymentProof(proof, network?, expected?, txHash?)` (a preset, offline) and
//!   `verifyPaymentProofUnder(proof, trust, expected?, txHash?)`;
//! - `validateExpectation(expected)`: refuses an expectation the core refuses (without a
//!   token, say) before JS asks anything.
//!
//! This module holds no client: what it trusts is handed to it as `trust`, `{ epochLength,
//! identityFor(epoch) }`, asked only for the epoch of the block it verifies (the main module's
//! `verifyingIdentity`), never a client's whole state.

use super::{
    bad_input, big, certified_block, fixed_of, get, hex, js_array, refusal, set, set_amount,
    to_json, u64_of,
};
use alloc::{
    format,
    string::{String, ToString},
};
use alloy_primitives::U256;
use core::cell::RefCell;
use js_sys::{Array, Function, Object};
use tempo_light::{
    finality::verify::{CheckedBlock, VerifiedBlock},
    payment::{
        check_payment, confirm_payment, BlockQuery, ConfirmedPayment, ExpectedPayment, FinalAnchor,
        PaymentError, PaymentProof, ProofForm,
    },
    verify_payment_proof, CertifiedBlock, Network, PublicKey, VerifyError,
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
            set_amount(&o, "amount", t.amount);
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
    expected.amount = match given(value, "amount") {
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
    expected.any_token = match given(value, "anyToken") {
        None => false,
        Some(v) => v
            .as_bool()
            .ok_or_else(|| bad_input("expected.anyToken", "not a boolean"))?,
    };
    expected.token = given_fixed(value, "token")?;
    expected.from = given_fixed(value, "from")?;
    expected.to = given_fixed(value, "to")?;
    expected.memo = given_fixed(value, "memo")?;
    expected.validate().map_err(|e| payment_error(&e))?;
    Ok(expected)
}

/// The expectation's field `key`, when given (neither `undefined` nor `null`).
fn given(expected: &JsValue, key: &str) -> Option<JsValue> {
    let v = get(expected, key);
    (!v.is_undefined() && !v.is_null()).then_some(v)
}

/// The expectation's hex field `key` (an address or a memo), when given.
fn given_fixed<T: core::str::FromStr>(expected: &JsValue, key: &str) -> Result<Option<T>, JsValue> {
    given(expected, key)
        .map(|v| fixed_of(&v, &format!("expected.{key}")))
        .transpose()
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

/// What a block's evidence is fetched by: the core's [`BlockQuery`] for block `height`. JS
/// sends `calls()` (`[{ method, params }]`, concurrently), feeds their results to `answer`,
/// or a refusal's JSON-RPC code to `refused` (true: the query found another way; false: the
/// refusal stands), until `done`.
#[wasm_bindgen]
pub struct PaymentQuery {
    inner: BlockQuery,
}

#[wasm_bindgen]
impl PaymentQuery {
    /// The query for block `height`.
    #[wasm_bindgen(constructor)]
    pub fn new(height: JsValue) -> Result<PaymentQuery, JsValue> {
        Ok(Self {
            inner: BlockQuery::new(u64_of(&height, "height")?),
        })
    }

    /// The calls to send now, `[{ method, params }]`; none once done.
    pub fn calls(&self) -> Array {
        self.inner
            .calls()
            .into_iter()
            .map(|call| {
                let o = Object::new();
                set(&o, "method", call.method);
                set(&o, "params", super::json_js(&call.params));
                JsValue::from(o)
            })
            .collect()
    }

    /// Feeds the results of `calls()`, in order; throws on a malformed answer.
    pub fn answer(&mut self, results: JsValue) -> Result<(), JsValue> {
        // The array as JSON (a result that is a string stays a string; `undefined`, null).
        js_array(&results, "results")?;
        let serde_json::Value::Array(answers) = to_json(&results, "results")? else {
            return Err(bad_input("results", "not an array"));
        };
        self.inner
            .answer(&answers)
            .map_err(|e| refusal(&tempo_light::Error::Decode(e)))
    }

    /// Feeds a refusal of one of `calls()` by its JSON-RPC error code: whether the query has
    /// another way to the same evidence.
    pub fn refused(&mut self, code: i32) -> bool {
        self.inner.refused(code.into())
    }

    /// Whether everything has been answered.
    #[wasm_bindgen(getter)]
    pub fn done(&self) -> bool {
        self.inner.is_done()
    }
}

/// What the payments module trusts, handed over by the main module: `{ epochLength,
/// identityFor(epoch) }` (the identity, hex, that the client verifies that epoch under; it
/// throws what the client's `verify` would: `Frozen`, `IdentityUnavailable`...).
struct Trust {
    epoch_length: u64,
    identity_for: Function,
    /// What `identityFor` threw, thrown again as it is.
    thrown: RefCell<Option<JsValue>>,
}

impl Trust {
    fn of(value: &JsValue) -> Result<Self, JsValue> {
        let identity_for = get(value, "identityFor")
            .dyn_into::<Function>()
            .map_err(|_| bad_input("trust.identityFor", "not a function"))?;
        Ok(Self {
            epoch_length: u64_of(&get(value, "epochLength"), "trust.epochLength")?,
            identity_for,
            thrown: RefCell::new(None),
        })
    }

    fn identity(&self, epoch: u64) -> Result<PublicKey, VerifyError> {
        let unavailable = VerifyError::IdentityUnavailable {
            epoch,
            from_epoch: 0,
        };
        let answer = self.identity_for.call1(&JsValue::NULL, &big(epoch));
        let hex = match answer {
            Ok(v) => v.as_string().unwrap_or_default(),
            Err(thrown) => {
                *self.thrown.borrow_mut() = Some(thrown);
                return Err(unavailable);
            }
        };
        let bytes = alloy_primitives::hex::decode(hex.trim()).map_err(|_| unavailable.clone())?;
        PublicKey::from_slice(&bytes).map_err(|_| unavailable)
    }

    /// Verifies `block` under the identity trusted for its epoch, as the client would.
    fn verify(&self, block: &CertifiedBlock) -> Result<VerifiedBlock, tempo_light::Error> {
        let checked = CheckedBlock::check(self.epoch_length, block)?;
        let identity = self.identity(checked.epoch())?;
        checked.verify_under(identity, None)
    }

    /// The error to throw: what `identityFor` threw, if it did.
    fn refusal(&self, e: &impl tempo_light::Classified) -> JsValue {
        self.thrown
            .borrow_mut()
            .take()
            .unwrap_or_else(|| refusal(e))
    }
}

/// Re-checks a PaymentProof under `trust` (`{ epochLength, identityFor(epoch) }`: a client's
/// learnt identities, or a custom network's) and holds it to `expected` and `txHash` when
/// given (as `verifyPaymentProof`). Returns the payment.
#[wasm_bindgen(js_name = verifyPaymentProofUnder)]
pub fn verify_payment_proof_under(
    proof: JsValue,
    trust: JsValue,
    expected: JsValue,
    tx_hash: JsValue,
) -> Result<JsValue, JsValue> {
    let trust = Trust::of(&trust)?;
    let expected = expected_of(&expected, &tx_hash)?;
    let proof = proof_of(&proof)?;
    let payment = proof
        .verify_with(|block| trust.verify(block))
        .map_err(|e| trust.refusal(&e))?;
    checked(payment, &expected)
}

/// The block of `input` (`{ block (the consensus_getFinalization result), height? }`) verified
/// under `trust`, and the height asked held to it.
fn verified_block(
    input: &JsValue,
    trust: &Trust,
) -> Result<(CertifiedBlock, VerifiedBlock), JsValue> {
    let block = certified_block(&get(input, "block"))?;
    let verified = trust.verify(&block).map_err(|e| trust.refusal(&e))?;
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
    Ok((block, verified))
}

/// The block's contents the query fetched (all of them: JS drives it until `done`), borrowed:
/// a block's transactions and receipts are not copied to be read.
fn contents(query: &PaymentQuery) -> Result<&tempo_light::payment::BlockContents, JsValue> {
    query
        .inner
        .contents()
        .ok_or_else(|| bad_input("query", "not done"))
}

/// Proves a payment, the whole workflow in one call: `input` `{ txHash, block (the
/// consensus_getFinalization result), height?, trust ({ epochLength, identityFor }), expected?,
/// proofForm? ("smallest" | "full" | "trie") }`, `query` the PaymentQuery answered for the
/// block. The block is verified under `trust`, the payment proven from the query's answers,
/// its proof written from the same evidence, and held to `expected`. Returns `{ payment,
/// proof }` (`proof`: the PaymentProof JSON text); throws as `verifyPaymentProof` does.
#[wasm_bindgen(js_name = confirmPayment)]
pub fn confirm_payment_js(input: JsValue, query: &PaymentQuery) -> Result<JsValue, JsValue> {
    let hash = fixed_of(&get(&input, "txHash"), "txHash")?;
    let trust = Trust::of(&get(&input, "trust"))?;
    let expected = expected_of(&get(&input, "expected"), &JsValue::UNDEFINED)?;
    let form = match get(&input, "proofForm").as_string().as_deref() {
        None | Some("smallest") => ProofForm::Smallest,
        Some("full") => ProofForm::FullBlock,
        Some("trie") => ProofForm::TrieProofs,
        Some(_) => return Err(bad_input("proofForm", "smallest, full or trie")),
    };
    let contents = contents(query)?;
    let (block, verified) = verified_block(&input, &trust)?;
    let anchor = FinalAnchor {
        verified: &verified,
        certificate: &block.certificate,
        links: &[],
    };
    let confirmation = confirm_payment(&anchor, hash, &contents.transactions, &contents.receipts)
        .map_err(|e| payment_error(&e))?;
    let out = Object::new();
    set(&out, "proof", confirmation.proof(form).to_json());
    set(
        &out,
        "payment",
        checked(confirmation.into_payment(), &expected)?,
    );
    Ok(out.into())
}

/// Proves transaction `txHash` and builds the verified provider's answers to
/// `eth_getTransactionByHash` and `eth_getTransactionReceipt`: `input` `{ txHash, block,
/// height?, trust }` and `query` as `confirmPayment` takes them. The transaction and receipt
/// are proven as `confirmPayment` proves them, and the sender recovered from the signature.
/// Returns the JSON text of `{ transaction, receipt }` (every field proven; see
/// `crates/wasm/src/transaction.rs`); throws as `confirmPayment` does, or with
/// `UnknownEnvelope` / `SenderRecoveryFailed`.
#[wasm_bindgen(js_name = provenTransaction)]
pub fn proven_transaction(input: JsValue, query: &PaymentQuery) -> Result<String, JsValue> {
    let hash = fixed_of(&get(&input, "txHash"), "txHash")?;
    let trust = Trust::of(&get(&input, "trust"))?;
    let contents = contents(query)?;
    let (block, verified) = verified_block(&input, &trust)?;
    let proven = crate::transaction::proven_transaction(
        &block,
        &verified,
        hash,
        &contents.transactions,
        &contents.receipts,
    )
    .map_err(|e| refusal(&e))?;
    Ok(serde_json::json!({
        "transaction": proven.transaction,
        "receipt": proven.receipt,
    })
    .to_string())
}
