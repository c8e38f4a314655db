//! What to ask an RPC for the evidence of a payment, sans I/O: the calls to send, and what to
//! do with their answers or refusals. Every edge (the CLI, the wasm's JS) sends the calls a
//! [`BlockQuery`] names and feeds it back; none of them knows the methods, the fallback or the
//! bounds, so that they are decided once, here.
//!
//! A block's raw transactions come from `debug_getRawTransactions`; a node with the debug
//! namespace off refuses it (JSON-RPC error -32601 "method not found", or -32603 as some
//! gateways say it), and then they come one by one from
//! `eth_getRawTransactionByBlockNumberAndIndex` until it answers `null`. Its receipts come
//! from `eth_getBlockReceipts`. Nothing in the answers is trusted: [`super::confirm_payment`]
//! rebuilds the header's roots from them.

use crate::{
    error::DecodeError,
    payment::receipt::{
        block_receipts_from_value, raw_transaction_from_value, raw_transactions_from_value,
        BlockReceipt, MAX_BLOCK_TRANSACTIONS,
    },
    wire::json,
};
use alloc::{format, vec::Vec};
use alloy_primitives::Bytes;
use serde_json::{json, Value};

/// How many `eth_getRawTransactionByBlockNumberAndIndex` calls [`BlockQuery::calls`] names at
/// once (an edge may send them concurrently, or one by one).
pub const RAW_TRANSACTIONS_BATCH: usize = 8;

/// One JSON-RPC call to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RpcCall {
    /// The method.
    pub method: &'static str,
    /// Its parameters (a JSON array).
    pub params: Value,
}

/// A block's transactions (raw EIP-2718 encodings, in order) and receipts, as served: what
/// [`super::confirm_payment`] proves a payment from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BlockContents {
    /// The raw transactions, in block order.
    pub transactions: Vec<Bytes>,
    /// The receipts, in block order.
    pub receipts: Vec<BlockReceipt>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stage {
    RawTransactions,
    OneByOne,
    Receipts,
    Done,
}

/// The fetch of a block's transactions and receipts, step by step: send [`Self::calls`], feed
/// their answers to [`Self::answer`] (or a refusal's JSON-RPC code to [`Self::refused`]), until
/// [`Self::is_done`]; then [`Self::into_contents`].
#[derive(Clone, Debug)]
pub struct BlockQuery {
    height: u64,
    stage: Stage,
    contents: BlockContents,
}

/// The block a node says a transaction is in, from its `eth_getTransactionReceipt` answer:
/// `None` when it answers `null` (not mined) or a `null` `blockNumber` (pending). Only a height
/// to ask at: the transaction and receipt found there are checked against that block's
/// verified roots, so a node that names the wrong block is caught then.
pub fn located_height(receipt: &Value) -> Result<Option<u64>, DecodeError> {
    if receipt.is_null() {
        return Ok(None);
    }
    match receipt.get("blockNumber") {
        None => Err(DecodeError::Json(
            "eth_getTransactionReceipt: no blockNumber".into(),
        )),
        Some(Value::Null) => Ok(None),
        Some(number) => json::quantity("eth_getTransactionReceipt: blockNumber", number).map(Some),
    }
}

/// Whether a refusal of `debug_getRawTransactions` with this JSON-RPC code means the node has
/// the debug namespace off (-32601 method not found; -32603 as some gateways refuse it).
pub fn is_debug_namespace_off(code: i64) -> bool {
    code == -32601 || code == -32603
}

fn quantity(n: u64) -> Value {
    Value::String(format!("{n:#x}"))
}

impl BlockQuery {
    /// The query for block `height`.
    pub fn new(height: u64) -> Self {
        Self {
            height,
            stage: Stage::RawTransactions,
            contents: BlockContents::default(),
        }
    }

    /// The block asked about.
    pub fn height(&self) -> u64 {
        self.height
    }

    /// Whether everything has been answered.
    pub fn is_done(&self) -> bool {
        self.stage == Stage::Done
    }

    /// The calls to send now, in order (they may be sent concurrently); none once done.
    pub fn calls(&self) -> Vec<RpcCall> {
        let height = quantity(self.height);
        match self.stage {
            Stage::RawTransactions => Vec::from([RpcCall {
                method: "debug_getRawTransactions",
                params: json!([height]),
            }]),
            Stage::OneByOne => {
                let next = self.contents.transactions.len();
                (next..MAX_BLOCK_TRANSACTIONS.min(next + RAW_TRANSACTIONS_BATCH))
                    .map(|i| RpcCall {
                        method: "eth_getRawTransactionByBlockNumberAndIndex",
                        params: json!([height, quantity(i as u64)]),
                    })
                    .collect()
            }
            Stage::Receipts => Vec::from([RpcCall {
                method: "eth_getBlockReceipts",
                params: json!([height]),
            }]),
            Stage::Done => Vec::new(),
        }
    }

    /// Feeds the answers (JSON-RPC `result`s) to the first `answers.len()` of [`Self::calls`],
    /// in order. A malformed answer is refused, naming its method.
    pub fn answer(&mut self, answers: &[Value]) -> Result<(), DecodeError> {
        let calls = self.calls();
        if answers.len() > calls.len() {
            return Err(json::invalid("answers", "more answers than calls"));
        }
        let named = |method: &str, e: DecodeError| DecodeError::Json(format!("{method}: {e}"));
        for (call, answer) in calls.iter().zip(answers) {
            match self.stage {
                Stage::RawTransactions => {
                    self.contents.transactions =
                        raw_transactions_from_value(answer).map_err(|e| named(call.method, e))?;
                    self.stage = Stage::Receipts;
                }
                // The end of the block: answers of calls past it (sent concurrently) say
                // nothing more.
                Stage::OneByOne if answer.is_null() => {
                    self.stage = Stage::Receipts;
                    break;
                }
                Stage::OneByOne => {
                    let raw =
                        raw_transaction_from_value(answer).map_err(|e| named(call.method, e))?;
                    self.contents.transactions.push(raw);
                    if self.contents.transactions.len() >= MAX_BLOCK_TRANSACTIONS {
                        return Err(DecodeError::Json(format!(
                            "block {} holds more than {MAX_BLOCK_TRANSACTIONS} transactions",
                            self.height
                        )));
                    }
                }
                Stage::Receipts => {
                    self.contents.receipts =
                        block_receipts_from_value(answer).map_err(|e| named(call.method, e))?;
                    self.stage = Stage::Done;
                }
                Stage::Done => break,
            }
        }
        Ok(())
    }

    /// Feeds a refusal (the JSON-RPC error `code`) of one of [`Self::calls`]: `true` when the
    /// query has another way to the same evidence (the calls change), `false` when the refusal
    /// stands (the edge reports it as its own RPC error).
    pub fn refused(&mut self, code: i64) -> bool {
        if self.stage == Stage::RawTransactions && is_debug_namespace_off(code) {
            self.stage = Stage::OneByOne;
            return true;
        }
        false
    }

    /// The block's contents, borrowed, once [`Self::is_done`] (`None` before).
    pub fn contents(&self) -> Option<&BlockContents> {
        self.is_done().then_some(&self.contents)
    }

    /// The block's contents, once [`Self::is_done`] (`None` before).
    pub fn into_contents(self) -> Option<BlockContents> {
        self.is_done().then_some(self.contents)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::{string::ToString, vec};

    const RAW: &str = "0xc0";

    #[test]
    fn a_transaction_is_located_at_the_block_its_receipt_names_or_nowhere_yet() {
        assert_eq!(
            located_height(&json!({ "blockNumber": "0x1f" })),
            Ok(Some(31))
        );
        assert_eq!(located_height(&Value::Null), Ok(None));
        assert_eq!(located_height(&json!({ "blockNumber": null })), Ok(None));
        for bad in [
            json!({}),
            json!({ "blockNumber": "0x1ffffffffffffffff" }),
            json!({ "blockNumber": [1] }),
            json!({ "blockNumber": -1 }),
        ] {
            assert!(located_height(&bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_raw_transactions_fall_back_one_by_one_only_when_the_debug_namespace_is_off() {
        let mut query = BlockQuery::new(16);
        let calls = query.calls();
        assert_eq!(calls.len(), 1);
        assert_eq!(calls[0].method, "debug_getRawTransactions");
        assert_eq!(calls[0].params, json!(["0x10"]));
        // Another refusal stands; method-not-found (or -32603) turns to the fallback.
        assert!(!query.clone().refused(-32000));
        assert!(query.refused(-32601));
        let calls = query.calls();
        assert_eq!(calls.len(), RAW_TRANSACTIONS_BATCH);
        assert!(calls
            .iter()
            .all(|c| c.method == "eth_getRawTransactionByBlockNumberAndIndex"));
        assert_eq!(calls[1].params, json!(["0x10", "0x1"]));
        // A refusal of the fallback stands.
        assert!(!query.clone().refused(-32601));
        // Two transactions, then the end of the block (answers past it are ignored).
        query
            .answer(&[json!(RAW), json!(RAW), Value::Null, json!(RAW)])
            .unwrap();
        assert_eq!(query.calls()[0].method, "eth_getBlockReceipts");
        assert!(!query.is_done());
        query.answer(&[json!([])]).unwrap();
        assert!(query.is_done() && query.calls().is_empty());
        let contents = query.into_contents().unwrap();
        assert_eq!(contents.transactions.len(), 2);
        assert!(contents.receipts.is_empty());
    }

    #[test]
    fn a_malformed_answer_is_refused_naming_its_method() {
        let mut query = BlockQuery::new(1);
        let e = query.answer(&[json!("not hex")]).unwrap_err();
        assert!(e.to_string().contains("debug_getRawTransactions"), "{e}");
        let mut query = BlockQuery::new(1);
        query.answer(&[json!(vec![RAW])]).unwrap();
        assert!(query.answer(&[json!({}), json!({})]).is_err());
        assert!(BlockQuery::new(1).contents().is_none());
        assert!(BlockQuery::new(1).into_contents().is_none());
    }
}
