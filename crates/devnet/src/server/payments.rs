//! Transactions and receipts over JSON-RPC, with a Tempo node's shapes: full blocks
//! (`eth_getBlockByNumber/Hash` with `true`), `eth_getTransactionByHash`,
//! `eth_getTransactionReceipt`, `eth_getBlockReceipts`, and reth's raw methods
//! (`debug_getRawTransactions`, `debug_getRawReceipts`,
//! `eth_getRawTransactionByBlockNumberAndIndex`, `eth_getRawTransactionByHash`), with the
//! payment faults applied (`forged-receipt`, `forged-log`, `receipt-from-other-block`,
//! `reordered-receipts`, `missing-transaction`).

use super::faults::FaultKind;
use super::shared::{error, ok, Shared};
use crate::{payments::Body, payments::FEE_MANAGER, state::TOKENS, Chain};
use alloy_consensus::{transaction::TxHashRef, Transaction, TxReceipt};
use alloy_eips::eip2718::{Encodable2718, Typed2718};
use alloy_primitives::{Bytes, B256};
use serde_json::{json, Value};

/// The methods answered here.
pub fn handles(method: &str) -> bool {
    matches!(
        method,
        "eth_getTransactionByHash"
            | "eth_getTransactionReceipt"
            | "eth_getBlockReceipts"
            | "eth_getTransactionByBlockNumberAndIndex"
            | "debug_getRawTransactions"
            | "debug_getRawReceipts"
            | "eth_getRawTransactionByBlockNumberAndIndex"
            | "eth_getRawTransactionByHash"
    )
}

/// A block id: a number, a tag, or a 32-byte hash (as a string or `{blockHash}`).
fn block_id(chain: &Chain, param: Option<&Value>) -> Option<u64> {
    let param = param?;
    let text = param
        .as_str()
        .or_else(|| param.get("blockHash").and_then(Value::as_str))
        .or_else(|| param.get("blockNumber").and_then(Value::as_str))?;
    match text {
        "latest" | "finalized" | "safe" => Some(chain.tip().height()),
        "earliest" => Some(0),
        t if t.len() == 66 => t
            .parse::<B256>()
            .ok()
            .and_then(|hash| chain.block_by_hash(&hash))
            .map(|b| b.height()),
        t => t
            .strip_prefix("0x")
            .and_then(|h| u64::from_str_radix(h, 16).ok()),
    }
}

fn index_param(param: Option<&Value>) -> Option<usize> {
    let text = param?.as_str()?.strip_prefix("0x")?;
    usize::from_str_radix(text, 16).ok()
}

fn hash_param(param: Option<&Value>) -> Option<B256> {
    param?.as_str()?.parse().ok()
}

/// The raw transactions of block `height` as served (`missing-transaction` drops the first).
fn served_raw(shared: &Shared, body: &Body, height: u64) -> Vec<Bytes> {
    let mut raw = body.raw_transactions();
    if shared.faults.hits(FaultKind::MissingTransaction, height) && !raw.is_empty() {
        raw.remove(0);
    }
    raw
}

fn transaction_json(chain: &Chain, height: u64, index: usize) -> Value {
    let (Some(block), Some(body)) = (chain.block(height), chain.body(height)) else {
        return Value::Null;
    };
    let Some(tx) = body.transactions.get(index) else {
        return Value::Null;
    };
    let mut v = serde_json::to_value(tx).unwrap_or(Value::Null);
    if let Some(o) = v.as_object_mut() {
        o.insert("hash".into(), json!(tx.tx_hash()));
        o.insert("blockHash".into(), json!(block.hash));
        o.insert("blockNumber".into(), json!(format!("{height:#x}")));
        o.insert("transactionIndex".into(), json!(format!("{index:#x}")));
        o.insert("from".into(), json!(body.sender(index)));
        o.insert(
            "gasPrice".into(),
            json!(format!("{:#x}", tx.max_fee_per_gas())),
        );
    }
    v
}

/// The receipt JSON of transaction `index` of block `height` (a Tempo node's shape).
fn receipt_json(chain: &Chain, height: u64, index: usize) -> Value {
    let (Some(block), Some(body)) = (chain.block(height), chain.body(height)) else {
        return Value::Null;
    };
    let (Some(tx), Some(receipt)) = (body.transactions.get(index), body.receipts.get(index)) else {
        return Value::Null;
    };
    let hash = *tx.tx_hash();
    let first_log: usize = body.receipts[..index].iter().map(|r| r.logs.len()).sum();
    let logs: Vec<Value> = receipt
        .logs
        .iter()
        .enumerate()
        .map(|(i, log)| {
            json!({
                "address": log.address,
                "topics": log.topics(),
                "data": log.data.data,
                "blockHash": block.hash,
                "blockNumber": format!("{height:#x}"),
                "blockTimestamp": format!("{:#x}", block.header.inner.timestamp),
                "transactionHash": hash,
                "transactionIndex": format!("{index:#x}"),
                "logIndex": format!("{:#x}", first_log + i),
                "removed": false,
            })
        })
        .collect();
    json!({
        "type": format!("{:#x}", receipt.tx_type.ty()),
        "status": if receipt.success { "0x1" } else { "0x0" },
        "cumulativeGasUsed": format!("{:#x}", receipt.cumulative_gas_used),
        "logs": logs,
        "logsBloom": receipt.bloom(),
        "transactionHash": hash,
        "transactionIndex": format!("{index:#x}"),
        "blockHash": block.hash,
        "blockNumber": format!("{height:#x}"),
        "gasUsed": format!("{:#x}", body.gas_used_by(index)),
        "effectiveGasPrice": format!("{:#x}", tx.max_fee_per_gas()),
        "from": body.sender(index),
        "to": tx.to(),
        "contractAddress": null,
        "feeToken": TOKENS[0],
        "feePayer": body.sender(index),
        "feeRecipient": FEE_MANAGER,
    })
}

/// The receipts of block `height` as served, faults applied.
fn served_receipts(shared: &Shared, chain: &Chain, height: u64) -> Option<Vec<Value>> {
    let body = chain.body(height)?;
    let f = &shared.faults;
    if f.hits(FaultKind::ReceiptFromOtherBlock, height) {
        let other = height
            .checked_sub(1)
            .filter(|h| *h > 0)
            .unwrap_or(height + 1);
        let n = chain.body(other).map_or(0, |b| b.receipts.len());
        return Some((0..n).map(|i| receipt_json(chain, other, i)).collect());
    }
    let mut receipts: Vec<Value> = (0..body.receipts.len())
        .map(|i| receipt_json(chain, height, i))
        .collect();
    if f.hits(FaultKind::ReorderedReceipts, height) {
        receipts.reverse();
    }
    if f.hits(FaultKind::ForgedReceipt, height) {
        if let Some(first) = receipts.first_mut() {
            let status = if first["status"] == "0x1" {
                "0x0"
            } else {
                "0x1"
            };
            first["status"] = json!(status);
        }
    }
    if f.hits(FaultKind::ForgedLog, height) {
        // The payment's recipient is changed in the first receipt with a payment log; the
        // bloom is left as it was.
        if let Some(log) = receipts
            .iter_mut()
            .find_map(|r| r["logs"].as_array_mut().and_then(|l| l.get_mut(1)))
        {
            log["topics"][2] = json!(B256::with_last_byte(0x66));
        }
    }
    Some(receipts)
}

/// Answers one of [`handles`]'s methods.
pub fn handle(shared: &Shared, chain: &Chain, id: &Value, method: &str, params: &Value) -> Value {
    let at = |i: usize| params.get(i);
    if method.starts_with("debug_") && shared.faults.has(FaultKind::NoDebugNamespace) {
        return error(
            id,
            -32601,
            &format!("the method {method} does not exist/is not available"),
            None,
        );
    }
    match method {
        "eth_getTransactionByHash"
        | "eth_getTransactionReceipt"
        | "eth_getRawTransactionByHash" => {
            let Some(hash) = hash_param(at(0)) else {
                return error(id, -32602, "invalid params: 32-byte hash expected", None);
            };
            let Some((height, index)) = chain.find_transaction(&hash) else {
                return ok(id, Value::Null);
            };
            match method {
                "eth_getTransactionByHash" => ok(id, transaction_json(chain, height, index)),
                "eth_getRawTransactionByHash" => ok(
                    id,
                    chain
                        .body(height)
                        .and_then(|b| b.transactions.get(index))
                        .map_or(Value::Null, |tx| json!(Bytes::from(tx.encoded_2718()))),
                ),
                _ => {
                    let receipts = served_receipts(shared, chain, height).unwrap_or_default();
                    let found = receipts
                        .into_iter()
                        .find(|r| r["transactionHash"] == json!(hash));
                    ok(
                        id,
                        found.unwrap_or_else(|| receipt_json(chain, height, index)),
                    )
                }
            }
        }
        _ => {
            let Some(height) = block_id(chain, at(0)) else {
                return error(
                    id,
                    -32602,
                    "invalid params: block number, tag or hash expected",
                    None,
                );
            };
            let Some(body) = chain.body(height) else {
                return ok(id, Value::Null);
            };
            match method {
                "eth_getBlockReceipts" => ok(
                    id,
                    served_receipts(shared, chain, height).map_or(Value::Null, Value::from),
                ),
                "debug_getRawTransactions" => ok(id, json!(served_raw(shared, body, height))),
                "debug_getRawReceipts" => ok(id, json!(body.raw_receipts())),
                "eth_getRawTransactionByBlockNumberAndIndex"
                | "eth_getTransactionByBlockNumberAndIndex" => {
                    let Some(index) = index_param(at(1)) else {
                        return error(id, -32602, "invalid params: index expected", None);
                    };
                    if method == "eth_getTransactionByBlockNumberAndIndex" {
                        return ok(id, transaction_json(chain, height, index));
                    }
                    let raw = served_raw(shared, body, height);
                    ok(id, raw.get(index).map_or(Value::Null, |r| json!(r)))
                }
                _ => error(id, -32601, "method not found", None),
            }
        }
    }
}

/// Fills a block's `transactions` (hashes, or full objects when `full` is true).
pub fn with_transactions(chain: &Chain, height: u64, mut block: Value, full: bool) -> Value {
    let Some(body) = chain.body(height) else {
        return block;
    };
    if let Some(o) = block.as_object_mut() {
        let transactions: Vec<Value> = if full {
            (0..body.transactions.len())
                .map(|i| transaction_json(chain, height, i))
                .collect()
        } else {
            body.hashes().into_iter().map(|h| json!(h)).collect()
        };
        o.insert("transactions".into(), Value::from(transactions));
    }
    block
}
