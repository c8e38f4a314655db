//! The WebAssembly face of the core: `wasm-bindgen` exports of the same light client.
//!
//! A thin layer: it converts JS values to the core's types and back, and turns every error
//! into a JS `Error` with a stable `code` (the Rust error's name) and `retryable`. Nothing
//! here unwraps JS input: a wrong argument is a thrown `TypeError`-like error, never a trap.
//! Numbers that can exceed 2^53 (heights, epochs, views, timestamps) are `bigint`, hashes and
//! keys `0x`-prefixed hex, as viem does.
//!
//! `scripts/build-pkg.sh` builds this crate with wasm-pack into `pkg/`, the npm package
//! `tempo-light` (its hand-written entry point and types are in `js/`).
#![no_std]

extern crate alloc;

use alloc::{
    format,
    string::{String, ToString},
    vec::Vec,
};
use js_sys::{Array, BigInt, Object, Reflect};
use tempo_light::{
    client::{Head, LightClient, Request},
    error::{Classified, Error as CoreError, ErrorKind},
    finality::verify::{verify_with_network, VerifiedBlock},
    serve,
    state::state_proof::{verify_account_proof, AccountProof, VerifiedAccount},
    state::tip20::{BalanceQuery, FinalBalance},
    wire::certified_block::CertifiedBlock,
    Event, Network, PublicKey, TempoHeader,
};
use wasm_bindgen::prelude::*;

mod handover;
#[cfg(feature = "payments")]
mod payment;

fn set(object: &Object, key: &str, value: impl Into<JsValue>) {
    // Setting a property on a plain, extensible object cannot fail.
    let _ = Reflect::set(object, &JsValue::from_str(key), &value.into());
}

fn big(n: u64) -> JsValue {
    BigInt::from(n).into()
}

fn hex(bytes: impl AsRef<[u8]>) -> JsValue {
    JsValue::from_str(&alloy_primitives::hex::encode_prefixed(bytes))
}

/// A JS `Error` with `code`, `kind` (the core's [`ErrorKind`] name) and `retryable`.
fn error(code: &str, kind: ErrorKind, message: &str, retryable: bool) -> JsValue {
    let e = js_sys::Error::new(message);
    e.set_name("TempoLightError");
    set(&e, "code", code);
    set(&e, "kind", kind.name());
    set(&e, "retryable", retryable);
    e.into()
}

/// Any error of the core as a JS error: its code, kind and retryability are the core's.
fn refusal(e: &impl Classified) -> JsValue {
    error(e.code(), e.kind(), &format!("{e}"), e.retryable())
}

fn bad_input(what: &str, e: impl core::fmt::Display) -> JsValue {
    error(
        "InvalidInput",
        ErrorKind::Usage,
        &format!("{what}: {e}"),
        false,
    )
}

/// `value` as a JS array, or the `InvalidInput` error naming it as `what`.
fn js_array(value: &JsValue, what: &str) -> Result<Array, JsValue> {
    if Array::is_array(value) {
        Ok(Array::from(value))
    } else {
        Err(bad_input(what, "not an array"))
    }
}

/// Each item of the array `value` as `item` reads it.
fn js_items<T>(
    value: &JsValue,
    what: &str,
    item: impl Fn(&JsValue) -> Result<T, JsValue>,
) -> Result<Vec<T>, JsValue> {
    js_array(value, what)?.iter().map(|v| item(&v)).collect()
}

/// A JS value (an RPC's JSON object, or a string of JSON) as a JSON value.
fn to_json(value: &JsValue, what: &str) -> Result<serde_json::Value, JsValue> {
    if let Some(text) = value.as_string() {
        return serde_json::from_str(&text).map_err(|e| bad_input(what, e));
    }
    // BigInts in the input are converted to JSON numbers or decimal strings by JSON.stringify's
    // failure mode, so go through JSON explicitly with a replacer-free stringify.
    let text = js_sys::JSON::stringify(value)
        .map_err(|_| bad_input(what, "not JSON-serializable (contains bigint or cycles?)"))?;
    let text: String = text.into();
    serde_json::from_str(&text).map_err(|e| bad_input(what, e))
}

/// A header as `eth_getBlockByNumber` answers it: the header itself, or the JSON-RPC response
/// holding it (the package hands over the response's text as received; an `error` member is
/// the core's `DecodeError::Rpc`).
fn header_of(value: &JsValue) -> Result<TempoHeader, JsValue> {
    let mut json = to_json(value, "header")?;
    if let Some(e) = tempo_light::wire::certified_block::rpc_error(&json) {
        return Err(refusal(&CoreError::Decode(e)));
    }
    if json.get("jsonrpc").is_some() {
        json = json
            .get_mut("result")
            .map(serde_json::Value::take)
            .unwrap_or_default();
    }
    TempoHeader::from_value(json).map_err(|e| refusal(&CoreError::Decode(e)))
}

/// A JSON value the core wrote (a verified header, a re-serialized proof) as a plain JS object.
fn json_js(value: &serde_json::Value) -> JsValue {
    use serde::Serialize;
    let serializer = serde_wasm_bindgen::Serializer::json_compatible();
    // Strings, booleans, arrays and string-keyed maps always serialize; `null` would only
    // stand for a bug, never for a value.
    value.serialize(&serializer).unwrap_or(JsValue::NULL)
}

/// Arbitrary-size integers (balances) as `bigint`.
fn big_u256(n: alloy_primitives::U256) -> JsValue {
    BigInt::new(&JsValue::from_str(&tempo_light::state::tip20::decimal(n)))
        .map_or(JsValue::NULL, Into::into)
}

/// Sets `key` to an amount of base units (a `bigint`), and `formatted` to it in whole tokens.
fn set_amount(object: &Object, key: &str, amount: alloy_primitives::U256) {
    set(object, key, big_u256(amount));
    set(
        object,
        "formatted",
        tempo_light::state::tip20::format_amount(amount),
    );
}

/// A `0x` hex string of a fixed-size value (an address, a hash).
fn fixed_of<T: core::str::FromStr>(value: &JsValue, what: &str) -> Result<T, JsValue> {
    value
        .as_string()
        .and_then(|s| s.trim().parse().ok())
        .ok_or_else(|| bad_input(what, "missing or not 0x hex of the right length"))
}

fn account_proof(value: &JsValue) -> Result<AccountProof, JsValue> {
    AccountProof::from_value(to_json(value, "proof")?).map_err(|e| refusal(&CoreError::Decode(e)))
}

fn query_js(q: &BalanceQuery) -> JsValue {
    let o = Object::new();
    set(&o, "token", hex(q.token));
    set(&o, "account", hex(q.account));
    set(&o, "height", big(q.height));
    set(&o, "hash", hex(q.hash));
    set(&o, "stateRoot", hex(q.state_root));
    set(&o, "method", "eth_getProof");
    let params = serde_wasm_bindgen::to_value(&q.params()).unwrap_or(JsValue::NULL);
    set(&o, "params", params);
    o.into()
}

fn balance_js(b: &FinalBalance) -> JsValue {
    let o = Object::new();
    let t = &b.balance;
    set(&o, "token", hex(t.token));
    set(&o, "account", hex(t.account));
    set_amount(&o, "balance", t.balance);
    set(&o, "totalSupply", big_u256(t.total_supply));
    set(&o, "decimals", t.decimals);
    set(&o, "name", t.name.as_str());
    set(&o, "symbol", t.symbol.as_str());
    set(&o, "currency", t.currency.as_str());
    set(&o, "height", big(b.height));
    set(&o, "hash", hex(b.hash));
    set(&o, "stateRoot", hex(t.state_root));
    o.into()
}

fn account_js(v: &VerifiedAccount) -> JsValue {
    let o = Object::new();
    set(&o, "address", hex(v.address));
    set(&o, "stateRoot", hex(v.state_root));
    let account = match &v.account {
        None => JsValue::NULL,
        Some(a) => {
            let f = Object::new();
            set(&f, "nonce", big(a.nonce));
            set(&f, "balance", big_u256(a.balance));
            set(&f, "codeHash", hex(a.code_hash));
            set(&f, "storageRoot", hex(a.storage_root));
            f.into()
        }
    };
    set(&o, "account", account);
    let storage = Array::new();
    for (slot, value) in &v.storage {
        let entry = Object::new();
        set(&entry, "slot", hex(slot));
        set(&entry, "value", big_u256(*value));
        storage.push(&entry);
    }
    set(&o, "storage", storage);
    o.into()
}

fn certified_block(value: &JsValue) -> Result<CertifiedBlock, JsValue> {
    CertifiedBlock::from_value(to_json(value, "certified block")?)
        .map_err(|e| refusal(&CoreError::Decode(e)))
}

fn verified_js(v: &VerifiedBlock) -> JsValue {
    let o = Object::new();
    set(&o, "height", big(v.height));
    set(&o, "hash", hex(v.hash));
    set(&o, "epoch", big(v.epoch));
    set(&o, "view", big(v.view));
    set(&o, "parentView", big(v.parent_view));
    set(&o, "stateRoot", hex(v.header.state_root()));
    set(&o, "timestamp", big(v.header.inner.timestamp));
    set(&o, "timestampMillis", big(v.header.timestamp_millis()));
    set(&o, "identity", hex(v.identity.to_bytes()));
    // The header as a node shows it, written from the verified header (never the answer).
    set(&o, "header", json_js(&v.header.to_rpc_json()));
    if let Some(next) = &v.next_epoch {
        let n = Object::new();
        set(&n, "epoch", big(next.epoch));
        set(&n, "identity", hex(next.identity().to_bytes()));
        set(&n, "isNextFullDkg", next.is_next_full_dkg);
        let players = Array::new();
        for p in &next.players {
            players.push(&hex(p));
        }
        set(&n, "players", players);
        set(&o, "nextEpoch", n);
    }
    o.into()
}

fn head_js(head: Option<Head>) -> JsValue {
    match head {
        None => JsValue::NULL,
        Some(h) => {
            let o = Object::new();
            set(&o, "height", big(h.height));
            set(&o, "hash", hex(h.hash));
            set(&o, "epoch", big(h.epoch));
            if let Some(root) = h.state_root {
                set(&o, "stateRoot", hex(root));
            }
            o.into()
        }
    }
}

/// The core's one event shape, with `bigint` for the 64-bit numbers and `null` for absent ones.
fn event_js(event: &Event) -> JsValue {
    use serde::Serialize;
    let serializer = serde_wasm_bindgen::Serializer::new()
        .serialize_large_number_types_as_bigints(true)
        .serialize_missing_as_null(true)
        .serialize_maps_as_objects(true);
    event.serialize(&serializer).unwrap_or(JsValue::NULL)
}

fn events_js(events: &[Event]) -> Array {
    events.iter().map(event_js).collect()
}

/// What the client answered to an answer fed to it: its events, or its refusal (thrown).
fn events_or_refusal(answered: Result<Vec<Event>, impl Classified>) -> Result<Array, JsValue> {
    answered
        .map(|events| events_js(&events))
        .map_err(|e| refusal(&e))
}

fn request_js(request: Option<Request>) -> JsValue {
    let Some(request) = request else {
        return JsValue::NULL;
    };
    let o = Object::new();
    match request {
        Request::LatestFinalization => set(&o, "type", "latest"),
        Request::Finalization { height } => {
            set(&o, "type", "finalization");
            set(&o, "height", big(height));
        }
        Request::Headers { from, to } => {
            set(&o, "type", "headers");
            set(&o, "from", big(from));
            set(&o, "to", big(to));
        }
    }
    o.into()
}

/// Reads a non-negative integer option given as number, bigint or decimal/hex string.
fn u64_of(value: &JsValue, what: &str) -> Result<u64, JsValue> {
    if let Some(n) = value.as_f64() {
        if n >= 0.0 && n.fract() == 0.0 && n <= 9_007_199_254_740_991.0 {
            // A whole number in 0..=2^53-1: the conversion is exact.
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            return Ok(n as u64);
        }
        return Err(bad_input(what, "not a safe non-negative integer"));
    }
    if value.is_bigint() {
        let text: String = BigInt::from(value.clone())
            .to_string(10)
            .map(String::from)
            .unwrap_or_default();
        return text.parse().map_err(|_| bad_input(what, "out of range"));
    }
    if let Some(text) = value.as_string() {
        let parsed = match text.strip_prefix("0x") {
            Some(hex) => u64::from_str_radix(hex, 16),
            None => text.parse(),
        };
        return parsed.map_err(|_| bad_input(what, "not an integer"));
    }
    Err(bad_input(what, "missing or not a number"))
}

fn get(object: &JsValue, key: &str) -> JsValue {
    if !object.is_object() {
        return JsValue::UNDEFINED;
    }
    Reflect::get(object, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// A Tempo light client: verifies finality certificates and follows the chain's epochs.
#[wasm_bindgen(js_name = TempoLightClient)]
pub struct WasmClient {
    inner: LightClient,
}

#[wasm_bindgen(js_class = TempoLightClient)]
impl WasmClient {
    /// A client for Tempo mainnet (its built-in identity).
    pub fn mainnet() -> WasmClient {
        Self {
            inner: LightClient::new(Network::mainnet()),
        }
    }

    /// A client for Tempo testnet (moderato).
    pub fn testnet() -> WasmClient {
        Self {
            inner: LightClient::new(Network::testnet()),
        }
    }

    /// A client for a network given by `{ identity, epochLength, fromEpoch?, chainId? }`.
    pub fn custom(options: JsValue) -> Result<WasmClient, JsValue> {
        let identity = get(&options, "identity")
            .as_string()
            .ok_or_else(|| bad_input("identity", "missing (a 0x-hex 96-byte G2 key)"))?;
        let bytes =
            alloy_primitives::hex::decode(identity.trim()).map_err(|e| bad_input("identity", e))?;
        let identity = PublicKey::from_slice(&bytes).map_err(|e| bad_input("identity", e))?;
        let epoch_length = u64_of(&get(&options, "epochLength"), "epochLength")?;
        let from = get(&options, "fromEpoch");
        let from_epoch = if from.is_undefined() {
            0
        } else {
            u64_of(&from, "fromEpoch")?
        };
        let chain = get(&options, "chainId");
        let chain_id = if chain.is_undefined() {
            0
        } else {
            u64_of(&chain, "chainId")?
        };
        let network = Network::custom(chain_id, epoch_length, identity, from_epoch)
            .ok_or_else(|| bad_input("epochLength", "must be positive"))?;
        Ok(Self {
            inner: LightClient::new(network),
        })
    }

    /// A client resumed from `toState()`'s output (a string or the parsed object).
    #[wasm_bindgen(js_name = fromState)]
    pub fn from_state(state: JsValue) -> Result<WasmClient, JsValue> {
        let text = match state.as_string() {
            Some(text) => text,
            None => to_json(&state, "state")?.to_string(),
        };
        LightClient::from_json(&text)
            .map(|inner| Self { inner })
            .map_err(|e| refusal(&e))
    }

    /// Verifies a CertifiedBlock (the object an RPC returns) against the identity this client
    /// trusts for its epoch. Pure: the client's state does not change.
    pub fn verify(&self, block: JsValue) -> Result<JsValue, JsValue> {
        let block = certified_block(&block)?;
        self.inner
            .verify(&block)
            .map(|v| verified_js(&v))
            .map_err(|e| refusal(&e))
    }

    /// Verifies many CertifiedBlocks in one multi-pairing per identity. Returns one entry per
    /// block: `{ ok: true, block }` or `{ ok: false, error }`.
    #[wasm_bindgen(js_name = verifyBatch)]
    pub fn verify_batch(&self, blocks: JsValue) -> Result<Array, JsValue> {
        let array = js_array(&blocks, "blocks")?;
        let mut parsed = Vec::with_capacity(array.length() as usize);
        let mut slots = Vec::with_capacity(array.length() as usize);
        for item in array.iter() {
            match certified_block(&item) {
                Ok(b) => {
                    slots.push(Ok(parsed.len()));
                    parsed.push(b);
                }
                Err(e) => slots.push(Err(e)),
            }
        }
        let results = self.inner.verify_batch(&parsed);
        let out = Array::new();
        for slot in slots {
            let o = Object::new();
            match slot.map(|i| &results[i]) {
                Ok(Ok(v)) => {
                    set(&o, "ok", true);
                    set(&o, "block", verified_js(v));
                }
                Ok(Err(e)) => {
                    set(&o, "ok", false);
                    set(&o, "error", refusal(e));
                }
                Err(e) => {
                    set(&o, "ok", false);
                    set(&o, "error", e);
                }
            }
            out.push(&o);
        }
        Ok(out)
    }

    /// What the client needs next: `{type: "latest"}`, `{type: "finalization", height}`,
    /// `{type: "headers", from, to}`, or `null` when frozen.
    #[wasm_bindgen(js_name = nextRequest)]
    pub fn next_request(&self) -> JsValue {
        request_js(self.inner.next_request())
    }

    /// Feeds a finalization (an answer, or a subscription event); returns the events.
    /// All or nothing: on error the client is exactly as it was.
    #[wasm_bindgen(js_name = onFinalization)]
    pub fn on_finalization(&mut self, block: JsValue) -> Result<Array, JsValue> {
        let block = certified_block(&block)?;
        events_or_refusal(self.inner.on_finalization(block))
    }

    /// The boundary heights the client will take next as one run (at most `max`): empty
    /// unless it is bridging epochs towards a tip.
    #[wasm_bindgen(js_name = boundariesWanted)]
    pub fn boundaries_wanted(&self, max: u32) -> Array {
        // Heights are below 2^53 (checked where they are read), so exact as numbers.
        self.inner
            .boundaries_wanted(max as usize)
            .into_iter()
            .map(|height| JsValue::from_f64(height as f64))
            .collect()
    }

    /// Feeds the finalizations of the heights `boundariesWanted` returned, in order, as one
    /// run: the same events, state and first refusal as feeding each to `onFinalization` in
    /// turn, with the certificates verified together. All or nothing over the run.
    #[wasm_bindgen(js_name = onBoundaries)]
    pub fn on_boundaries(&mut self, blocks: JsValue) -> Result<Array, JsValue> {
        let run = js_items(&blocks, "blocks", certified_block)?;
        events_or_refusal(self.inner.on_boundaries(run))
    }

    /// Feeds the headers answering a `headers` request (ascending, as `eth_getBlockByNumber` returns them).
    #[wasm_bindgen(js_name = onHeaders)]
    pub fn on_headers(&mut self, headers: JsValue) -> Result<Array, JsValue> {
        let parsed = js_items(&headers, "headers", header_of)?;
        events_or_refusal(self.inner.on_headers(parsed))
    }

    /// Whether to fetch and yield every header (not only new heads).
    #[wasm_bindgen(js_name = setEveryHeader)]
    pub fn set_every_header(&mut self, every_header: bool) {
        self.inner.set_every_header(every_header);
    }

    /// Forgets the current plan (the next request is the latest finalization again).
    pub fn abandon(&mut self) {
        self.inner.abandon();
    }

    /// Clears a freeze after an equivocation (once a person has looked at the evidence).
    pub fn reset(&mut self) {
        self.inner.reset();
    }

    /// The finalized head `{height, hash, epoch}`, or `null`.
    #[wasm_bindgen(getter)]
    pub fn head(&self) -> JsValue {
        head_js(self.inner.head())
    }

    /// Whether an equivocation froze the client.
    #[wasm_bindgen(getter)]
    pub fn frozen(&self) -> bool {
        self.inner.is_frozen()
    }

    /// Whether nothing is pending beyond waiting for a newer finalization.
    #[wasm_bindgen(getter)]
    pub fn idle(&self) -> bool {
        self.inner.is_idle()
    }

    /// The network's name, chain id and epoch length.
    #[wasm_bindgen(getter)]
    pub fn network(&self) -> JsValue {
        let n = self.inner.state().network();
        let o = Object::new();
        set(&o, "name", n.name());
        set(&o, "chainId", big(n.chain_id()));
        set(&o, "epochLength", big(n.epoch_length().get()));
        o.into()
    }

    /// The identities the network starts from, taken on trust (mainnet's and testnet's
    /// presets, or the identity a custom network was given): `[{ fromEpoch, identity }]`, by
    /// ascending first epoch.
    #[wasm_bindgen(getter)]
    pub fn presets(&self) -> Array {
        self.inner
            .state()
            .network()
            .identities()
            .iter()
            .map(|anchored| {
                let o = Object::new();
                set(&o, "fromEpoch", big(anchored.from_epoch));
                set(&o, "identity", hex(anchored.identity.to_bytes()));
                JsValue::from(o)
            })
            .collect()
    }

    /// Where `block` (a CertifiedBlock) lies past the epochs this client has verified:
    /// `{ height, epoch }`, the height its header claims and that height's epoch, when that
    /// epoch is past the ones whose identities the client knows (through its head's epoch,
    /// and the next once the head is that epoch's last block); `null` otherwise, and for a
    /// block that does not parse. Nothing in it is verified: it says how far to follow.
    #[wasm_bindgen(js_name = beyondVerifiedEpochs)]
    pub fn beyond_verified_epochs(&self, block: JsValue) -> JsValue {
        let Ok(block) = certified_block(&block) else {
            return JsValue::NULL;
        };
        let network = self.inner.state().network();
        let height = block.header.number();
        let Ok(epoch) = network.epoch_of(height) else {
            return JsValue::NULL;
        };
        let known = match self.inner.head() {
            None => Ok(0),
            Some(head) => network.epoch_of(head.height.saturating_add(1)),
        };
        if known.is_ok_and(|known| epoch > known) {
            let o = Object::new();
            set(&o, "height", big(height));
            set(&o, "epoch", big(epoch));
            o.into()
        } else {
            JsValue::NULL
        }
    }

    /// The identity trusted for `epoch` (hex), or throws `IdentityUnavailable`.
    #[wasm_bindgen(js_name = identityFor)]
    pub fn identity_for(&self, epoch: JsValue) -> Result<JsValue, JsValue> {
        let epoch = u64_of(&epoch, "epoch")?;
        self.inner
            .state()
            .identity_for(epoch)
            .map(|id| hex(id.to_bytes()))
            .map_err(|e| refusal(&CoreError::Verify(e)))
    }

    /// A client resumed from `toState()`'s output (a string or the parsed object), checked
    /// against this client's network: state saved for another network (name, chain id,
    /// epoch length, built-in identities) is refused as `NetworkMismatch`.
    pub fn resume(&self, state: JsValue) -> Result<WasmClient, JsValue> {
        let text = match state.as_string() {
            Some(text) => text,
            None => to_json(&state, "state")?.to_string(),
        };
        LightClient::from_json_for(self.inner.state().network(), &text)
            .map(|inner| Self { inner })
            .map_err(|e| refusal(&e))
    }

    /// The trust state as compact JSON, for the app to store; resume with `fromState`.
    #[wasm_bindgen(js_name = toState)]
    pub fn to_state(&self) -> String {
        self.inner.to_json()
    }

    /// What to ask `eth_getProof` for to prove `account`'s balance of the TIP-20 `token` at the
    /// verified head: `{ method, params, token, account, height, hash, stateRoot }`. Check
    /// the answer with `verifyBalance(query, proof)`.
    #[wasm_bindgen(js_name = balanceQuery)]
    pub fn balance_query(&self, token: JsValue, account: JsValue) -> Result<JsValue, JsValue> {
        let token = fixed_of(&token, "token")?;
        let account = fixed_of(&account, "account")?;
        self.inner
            .balance_query(token, account)
            .map(|q| query_js(&q))
            .map_err(|e| refusal(&e))
    }
}

/// Checks an `eth_getProof` answer for a `balanceQuery()`: the TIP-20 balance, total supply
/// and metadata, proven against the query's final state root. Returns
/// `{ balance, formatted, totalSupply, decimals, name, symbol, currency, token, account,
/// height, hash, stateRoot }` (amounts as `bigint`).
#[wasm_bindgen(js_name = verifyBalance)]
pub fn verify_balance(query: JsValue, proof: JsValue) -> Result<JsValue, JsValue> {
    let q = BalanceQuery::new(
        fixed_of(&get(&query, "token"), "query.token")?,
        fixed_of(&get(&query, "account"), "query.account")?,
        u64_of(&get(&query, "height"), "query.height")?,
        fixed_of(&get(&query, "hash"), "query.hash")?,
        fixed_of(&get(&query, "stateRoot"), "query.stateRoot")?,
    )
    .map_err(|e| refusal(&e))?;
    let proof = account_proof(&proof)?;
    q.verify(&proof)
        .map(|b| balance_js(&b))
        .map_err(|e| refusal(&e))
}

/// Reads an `eth_call`'s call object (`{ to, data | input }`) as the core's verified endpoint
/// does: `null` for a call it cannot prove, else `{ token, slots }` for a TIP-20 view it
/// answers from proven storage (`balanceOf`, `allowance`, `decimals`, `symbol`, `name`,
/// `currency`, `totalSupply`, `paused`): the storage keys to ask `eth_getProof` for at `token`.
/// Malformed calldata of such a view throws `InvalidParams`.
#[wasm_bindgen(js_name = tip20View)]
pub fn tip20_view(call: JsValue) -> Result<JsValue, JsValue> {
    let Some((token, read)) =
        serve::tip20_view(&to_json(&call, "call")?).map_err(|e| refusal(&e))?
    else {
        return Ok(JsValue::NULL);
    };
    let o = Object::new();
    set(&o, "token", hex(token));
    set(&o, "slots", read.slots().iter().map(hex).collect::<Array>());
    Ok(o.into())
}

/// The answer to the TIP-20 view `call` (see `tip20View`): its ABI-encoded return value, as a
/// node's `eth_call` answers, from the `eth_getProof` answer for its token and slots checked
/// against `block.stateRoot` (a block you have verified final).
#[wasm_bindgen(js_name = answerTip20View)]
pub fn answer_tip20_view(
    call: JsValue,
    block: JsValue,
    proof: JsValue,
) -> Result<JsValue, JsValue> {
    let (token, read) = serve::tip20_view(&to_json(&call, "call")?)
        .map_err(|e| refusal(&e))?
        .ok_or_else(|| bad_input("call", "not a TIP-20 view the core answers"))?;
    let root = fixed_of(&get(&block, "stateRoot"), "block.stateRoot")?;
    let proof = account_proof(&proof)?;
    serve::tip20_answer(read, token, root, &proof)
        .map(|answer| json_js(&answer))
        .map_err(|e| refusal(&e))
}

/// Checks an `eth_getProof` answer (account and storage proofs) against a header you have
/// verified (anything with its `stateRoot`: a `verify()` result, a head, a header). Returns
/// `{ address, stateRoot, account: { nonce, balance, codeHash, storageRoot } | null,
/// storage: [{ slot, value }], proof }`; `account` is `null` when the proof shows it does not
/// exist; `proof` is the answer written anew from what was verified (canonical quantities),
/// to hand on instead of the answer.
#[wasm_bindgen(js_name = verifyProof)]
pub fn verify_proof(proof: JsValue, header: JsValue) -> Result<JsValue, JsValue> {
    let root = fixed_of(&get(&header, "stateRoot"), "header.stateRoot")?;
    let proof = account_proof(&proof)?;
    let verified = verify_account_proof(root, &proof).map_err(|e| refusal(&e))?;
    let out = Object::from(account_js(&verified));
    set(&out, "proof", json_js(&proof.to_json()));
    Ok(out.into())
}

/// Rule: a `latest` state read is proven at a block at most `maxStateLag` blocks behind the
/// verified head `head` (undefined: the core's default, 64); throws `StaleState`
/// (retryable), naming both heights, otherwise.
#[wasm_bindgen(js_name = checkFreshState)]
pub fn check_fresh_state(
    head: JsValue,
    proven_at: JsValue,
    max_lag: JsValue,
) -> Result<(), JsValue> {
    tempo_light::state::state_proof::check_fresh_state(
        u64_of(&head, "head")?,
        u64_of(&proven_at, "provenAt")?,
        if max_lag.is_undefined() {
            tempo_light::state::state_proof::DEFAULT_MAX_STATE_LAG
        } else {
            u64_of(&max_lag, "maxStateLag")?
        },
    )
    .map_err(|e| refusal(&e))
}

/// Verifies a CertifiedBlock against a network preset (`"mainnet"` or `"testnet"`), statelessly.
#[wasm_bindgen(js_name = verifyCertifiedBlock)]
pub fn verify_certified_block(block: JsValue, network: Option<String>) -> Result<JsValue, JsValue> {
    let name = network.unwrap_or_else(|| String::from("mainnet"));
    let network = Network::by_name(&name).ok_or_else(|| bad_input("network", "unknown preset"))?;
    let block = certified_block(&block)?;
    verify_with_network(&network, &block)
        .map(|v| verified_js(&v))
        .map_err(|e| refusal(&e))
}

// (Last in the file, so that no line of the main module's code moves: panic locations hold line
// numbers, and the main module is built without this feature.)
#[cfg(feature = "payments")]
pub use tempo_light_transactions as transaction;
