//! Logs over final blocks, complete (`eth_getLogs`, the `logs` subscription).
//!
//! A light client that checks only the logs it is shown cannot tell that one was hidden. Here
//! every block of the range is a final block whose header verified, and its `logsBloom` is
//! covered by the header's hash: a block whose bloom rules the filter out has no matching log
//! ([`LogFilter::may_match`]). Every other block's receipts must rebuild the header's
//! `receiptsRoot` (and its transactions the `transactionsRoot`, for the hashes the logs name),
//! and every matching log of them is returned ([`block_logs`]). A node can withhold a block (an
//! error, never a shorter list); it cannot drop, add or alter a log.

use super::{hash, invalid, quantity, AskError};
use crate::{
    payment::{incoming::check_block_contents, receipt::BlockReceipt, PaymentError},
    wire::TempoHeader,
};
use alloc::{format, vec::Vec};
use alloy_primitives::{Address, BloomInput, Bytes, Log, B256};
use serde_json::{json, Value};

/// Most blocks one `eth_getLogs` may span.
pub const MAX_LOG_RANGE: u64 = 1024;
/// Most addresses, and most alternatives of one topic, a filter may name.
pub const MAX_FILTER_ALTERNATIVES: usize = 64;

/// Which logs: by emitter and topics (each position `None`: any; else one of the set).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LogFilter {
    /// Emitters (empty: any).
    pub addresses: Vec<Address>,
    /// Topics by position (at most 4).
    pub topics: Vec<Option<Vec<B256>>>,
}

/// The blocks `eth_getLogs` names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogRange {
    /// One block, by hash.
    Hash(B256),
    /// From, to (inclusive); `None` is the verified head.
    Blocks {
        /// First block (`None`: the head).
        from: Option<u64>,
        /// Last block (`None`: the head).
        to: Option<u64>,
    },
}

/// A block tag of a log filter: `latest`/`safe`/`finalized` (the head), `earliest` (0) or a
/// number.
fn log_block(value: Option<&Value>) -> Result<Option<u64>, AskError> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(tag)) => match tag.as_str() {
            "latest" | "safe" | "finalized" => Ok(None),
            "earliest" => Ok(Some(0)),
            "pending" => Err(AskError::NotFinal(format!("block tag {tag:?}"))),
            number => quantity(number).map(Some),
        },
        Some(other) => Err(invalid(format!("not a block number or tag: {other}"))),
    }
}

/// One value or a list of them, each read by `read`, bounded.
fn one_or_many<T>(
    value: &Value,
    what: &str,
    read: impl Fn(&Value) -> Result<T, AskError>,
) -> Result<Vec<T>, AskError> {
    match value {
        Value::Array(items) => {
            if items.len() > MAX_FILTER_ALTERNATIVES {
                return Err(invalid(format!(
                    "{what}: at most {MAX_FILTER_ALTERNATIVES} alternatives"
                )));
            }
            items.iter().map(read).collect()
        }
        single => Ok(Vec::from([read(single)?])),
    }
}

impl LogFilter {
    /// Reads `eth_getLogs`'s filter object (`address`, `topics`, `fromBlock`, `toBlock`,
    /// `blockHash`).
    pub fn parse(filter: &Value) -> Result<(LogRange, LogFilter), AskError> {
        let Value::Object(f) = filter else {
            return Err(invalid("eth_getLogs: expected a filter object"));
        };
        let addresses = match f.get("address") {
            None | Some(Value::Null) => Vec::new(),
            Some(a) => one_or_many(a, "address", |v| super::address(v, "address"))?,
        };
        let topics = match f.get("topics") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(positions)) => {
                if positions.len() > 4 {
                    return Err(invalid("topics: at most 4 positions"));
                }
                positions
                    .iter()
                    .map(|p| match p {
                        Value::Null => Ok(None),
                        p => one_or_many(p, "topic", |v| hash(v, "topic")).map(Some),
                    })
                    .collect::<Result<_, _>>()?
            }
            Some(_) => return Err(invalid("topics: expected an array")),
        };
        let range = match f.get("blockHash").filter(|h| !h.is_null()) {
            Some(h) => {
                if f.get("fromBlock").is_some_and(|v| !v.is_null())
                    || f.get("toBlock").is_some_and(|v| !v.is_null())
                {
                    return Err(invalid("blockHash excludes fromBlock and toBlock"));
                }
                LogRange::Hash(hash(h, "blockHash")?)
            }
            None => LogRange::Blocks {
                from: log_block(f.get("fromBlock"))?,
                to: log_block(f.get("toBlock"))?,
            },
        };
        Ok((range, LogFilter { addresses, topics }))
    }

    /// Whether a block with this `logsBloom` may hold a matching log (`false`: it holds none).
    pub fn may_match(&self, bloom: &alloy_primitives::Bloom) -> bool {
        let emitter = self.addresses.is_empty()
            || self
                .addresses
                .iter()
                .any(|a| bloom.contains_input(BloomInput::Raw(a.as_slice())));
        emitter
            && self.topics.iter().flatten().all(|set| {
                set.is_empty()
                    || set
                        .iter()
                        .any(|t| bloom.contains_input(BloomInput::Raw(t.as_slice())))
            })
    }

    /// Whether `log` matches.
    pub fn matches(&self, log: &Log) -> bool {
        (self.addresses.is_empty() || self.addresses.contains(&log.address))
            && self.topics.iter().enumerate().all(|(i, set)| match set {
                None => true,
                Some(set) if set.is_empty() => true,
                Some(set) => log.topics().get(i).is_some_and(|t| set.contains(t)),
            })
    }
}

/// The first and last block of `range` under a verified head at `head`: refused when it
/// reaches past the head (not final: a shorter list would hide the rest), runs backwards, or
/// spans more than [`MAX_LOG_RANGE`] blocks.
pub fn log_heights(from: Option<u64>, to: Option<u64>, head: u64) -> Result<(u64, u64), AskError> {
    let (from, to) = (from.unwrap_or(head), to.unwrap_or(head));
    if to > head || from > head {
        return Err(AskError::NotFinal(format!(
            "block {} (the verified head is {head})",
            to.max(from)
        )));
    }
    if from > to {
        return Err(invalid(format!("fromBlock {from} is after toBlock {to}")));
    }
    if to - from >= MAX_LOG_RANGE {
        return Err(invalid(format!(
            "a log range spans at most {MAX_LOG_RANGE} blocks"
        )));
    }
    Ok((from, to))
}

/// The matching logs of one final block, in the node's JSON shape, from its raw transactions
/// and receipts, which must rebuild the verified header's roots (in order, one receipt per
/// transaction).
pub fn block_logs(
    header: &TempoHeader,
    block_hash: B256,
    transactions: &[Bytes],
    receipts: &[BlockReceipt],
    filter: &LogFilter,
) -> Result<Vec<Value>, PaymentError> {
    let hashes = check_block_contents(header, transactions, receipts)?;
    let number = format!("{:#x}", header.inner.number);
    let timestamp = format!("{:#x}", header.inner.timestamp);
    let mut out = Vec::new();
    let mut log_index = 0u64;
    for (index, receipt) in receipts.iter().enumerate() {
        for log in receipt.logs() {
            if filter.matches(log) {
                out.push(json!({
                    "address": log.address,
                    "topics": log.topics(),
                    "data": log.data.data,
                    "blockHash": block_hash,
                    "blockNumber": number,
                    "blockTimestamp": timestamp,
                    "transactionHash": hashes[index],
                    "transactionIndex": format!("{index:#x}"),
                    "logIndex": format!("{log_index:#x}"),
                    "removed": false,
                }));
            }
            log_index += 1;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::{Bloom, LogData};

    fn log(address: Address, topics: Vec<B256>) -> Log {
        Log {
            address,
            data: LogData::new_unchecked(topics, Bytes::new()),
        }
    }

    #[test]
    fn a_bloom_without_the_filter_rules_the_block_out() {
        let emitter = Address::repeat_byte(7);
        let topic = B256::repeat_byte(9);
        let mut bloom = Bloom::default();
        bloom.accrue_log(&log(emitter, Vec::from([topic])));
        let wanted = LogFilter {
            addresses: Vec::from([emitter]),
            topics: Vec::from([Some(Vec::from([topic]))]),
        };
        assert!(wanted.may_match(&bloom));
        let other = LogFilter {
            addresses: Vec::from([Address::repeat_byte(8)]),
            topics: Vec::new(),
        };
        assert!(!other.may_match(&bloom));
        assert!(LogFilter::default().may_match(&Bloom::default()));
    }

    #[test]
    fn matches_topics_by_position_with_alternatives() {
        let (a, b) = (B256::repeat_byte(1), B256::repeat_byte(2));
        let filter = LogFilter {
            addresses: Vec::new(),
            topics: Vec::from([None, Some(Vec::from([a, b]))]),
        };
        assert!(filter.matches(&log(Address::ZERO, Vec::from([b, a]))));
        assert!(!filter.matches(&log(Address::ZERO, Vec::from([a]))));
    }

    #[test]
    fn refuses_ranges_past_the_head_backwards_or_too_long() {
        assert_eq!(log_heights(None, None, 10), Ok((10, 10)));
        assert!(matches!(
            log_heights(Some(5), Some(11), 10),
            Err(AskError::NotFinal(_))
        ));
        assert!(log_heights(Some(6), Some(5), 10).is_err());
        assert!(log_heights(Some(0), Some(MAX_LOG_RANGE), 5000).is_err());
        assert!(LogFilter::parse(
            &json!({ "blockHash": format!("{:#x}", B256::ZERO), "fromBlock": "0x1" })
        )
        .is_err());
    }
}
