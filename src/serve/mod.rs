//! What a verified JSON-RPC endpoint answers, without I/O: which methods can be proven, their
//! parameters read into typed asks ([`Ask::parse`]), and the answers written from what the
//! core verified ([`answer_from_account`], [`tip20_answer`], [`block_answer`],
//! [`check_code`], [`check_sent_transaction`]).
//!
//! An endpoint (the CLI's `proxy`) moves the bytes: it fetches the final block an ask names,
//! verifies its certificate with [`crate::LightClient::verify`], fetches the proof the ask
//! needs and hands it here. It never reads an answer for display itself: every value it serves
//! is written by this module from a verified header, a verified state proof, or bytes whose
//! hash a verified value commits to.

pub mod logs;

use crate::{
    payment::{rules::check_transactions_root, PaymentError},
    state::{
        state_proof::{AccountProof, ProofError, VerifiedAccount},
        tip20::{
            balance_query_slots, is_tip20_address, tip20_balance_in, tip20_word_in,
            verify_token_query, Tip20Word,
        },
    },
    wire::TempoHeader,
};
use alloc::{
    format,
    string::{String, ToString},
    vec::Vec,
};
use alloy_primitives::{keccak256, Address, Bytes, B256, U256};
#[cfg(test)]
use serde_json::json;
use serde_json::Value;

/// Most storage keys one `eth_getProof` ask may name (as the npm provider bounds them).
pub const MAX_PROOF_SLOTS: usize = 256;

/// `keccak256("")`: the code hash of an account without code.
pub const EMPTY_CODE_HASH: B256 =
    alloy_primitives::b256!("c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");

/// The final block an ask is answered at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlockAt {
    /// `latest`, `safe`, `finalized` (or no tag): the verified head.
    Head,
    /// A block number.
    Number(u64),
    /// A block hash (EIP-1898 `{ blockHash }`, or `eth_getBlockByHash`).
    Hash(B256),
}

/// A TIP-20 view call answered from proven storage.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tip20Read {
    /// `balanceOf(address)`.
    BalanceOf(Address),
    /// `decimals()`.
    Decimals,
    /// `symbol()`.
    Symbol,
    /// `name()`.
    Name,
    /// `currency()`.
    Currency,
    /// `totalSupply()`.
    TotalSupply,
    /// `allowance(address,address)` and `paused()`: one word of the token's storage.
    Word(Tip20Word),
}

impl Tip20Read {
    /// The account whose balance slot a balance query holds (the zero address for the token's
    /// own fields, whose slots every balance query includes).
    fn account(&self) -> Address {
        match self {
            Self::BalanceOf(account) => *account,
            _ => Address::ZERO,
        }
    }

    /// The storage keys its `eth_getProof` must prove: a balance query's for the token's
    /// balances and fields, the one word's for [`Tip20Read::Word`].
    pub fn slots(&self) -> Vec<B256> {
        match self {
            Self::Word(word) => alloc::vec![word.slot()],
            _ => balance_query_slots(self.account()).to_vec(),
        }
    }
}

/// A request this endpoint can prove, read from its method and parameters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ask {
    /// `eth_chainId`: the network's chain id.
    ChainId,
    /// `net_version`: the chain id in decimal.
    NetVersion,
    /// `eth_blockNumber`: the verified head's height.
    BlockNumber,
    /// `eth_getBlockByNumber`/`eth_getBlockByHash` with `false`: the verified header (and the
    /// transaction hashes, proven against its `transactionsRoot`).
    Block(BlockAt),
    /// `eth_getBlockByNumber`/`eth_getBlockByHash` with `true`: the verified header and every
    /// transaction object, proven against its `transactionsRoot` (`null` until final).
    FullBlock(BlockAt),
    /// `eth_getBlockReceipts`: every receipt of a final block, proven against its
    /// `receiptsRoot` (`null` until final).
    BlockReceipts(BlockAt),
    /// `eth_getProof`: the proof, re-written from what verified.
    Proof {
        /// The account.
        address: Address,
        /// The storage keys.
        slots: Vec<B256>,
        /// Where.
        at: BlockAt,
    },
    /// `eth_getBalance`.
    Balance {
        /// The account.
        address: Address,
        /// Where.
        at: BlockAt,
    },
    /// `eth_getTransactionCount`.
    Nonce {
        /// The account.
        address: Address,
        /// Where.
        at: BlockAt,
    },
    /// `eth_getStorageAt`.
    Storage {
        /// The account.
        address: Address,
        /// The slot.
        slot: B256,
        /// Where.
        at: BlockAt,
    },
    /// `eth_getCode`: the code whose hash is the account's proven code hash.
    Code {
        /// The account.
        address: Address,
        /// Where.
        at: BlockAt,
    },
    /// `eth_call` of a TIP-20 view at the verified head.
    Tip20 {
        /// The token.
        token: Address,
        /// The view.
        read: Tip20Read,
        /// Where (the head, or the head's own number).
        at: BlockAt,
    },
    /// `eth_sendRawTransaction`: forwarded; the answer must be the transaction's hash.
    SendRaw(Bytes),
    /// `eth_getTransactionByHash`: the transaction, proven in a final block (`null` until).
    Transaction(B256),
    /// `eth_getTransactionReceipt`: the receipt, proven in a final block (`null` until).
    Receipt(B256),
    /// `eth_getLogs`: every matching log of final blocks, complete ([`logs`]).
    Logs {
        /// Which blocks.
        range: logs::LogRange,
        /// Which logs.
        filter: logs::LogFilter,
    },
}

/// What [`Ask::parse`] made of a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Parsed {
    /// A request this endpoint proves.
    Verified(Ask),
    /// A request nothing here can prove (refused, or forwarded marked unverified).
    Unverifiable,
}

/// Why a request or an answer is refused here.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AskError {
    /// The parameters are not what the method takes.
    #[error("invalid params: {0}")]
    InvalidParams(String),
    /// The block named is not final (`pending`, `earliest`, or above the verified head).
    #[error("{0} is not a final block")]
    NotFinal(String),
    /// The code the server sent does not hash to the account's proven code hash.
    #[error("the code the server sent does not hash to the account's proven code hash {0:#x}")]
    CodeHashMismatch(B256),
    /// The server's answer to `eth_sendRawTransaction` is not the transaction's hash.
    #[error("the server answered {answered} for a transaction whose hash is {expected:#x}")]
    SentHashMismatch {
        /// keccak256 of the raw transaction.
        expected: B256,
        /// What the server answered.
        answered: String,
    },
    /// The server's answer is not of the shape the method returns.
    #[error("malformed answer: {0}")]
    MalformedAnswer(String),
}

crate::error::classify! {
    /// A request that cannot be asked is usage; a block not final yet, unavailable (and
    /// retryable: it may become final); code that does not hash to the proven code hash is not
    /// verified, as the npm package's provider classifies it; a sent transaction answered
    /// with another hash, a mismatch; an answer of the wrong shape, malformed.
    AskError {
        Usage: InvalidParams = "InvalidInput";
        Unavailable: NotFinal;
        NotVerified: CodeHashMismatch;
        Mismatch: SentHashMismatch = "TransactionHashMismatch";
        Malformed: MalformedAnswer = "InvalidJson";
    }
    retryable: Self::NotFinal(_)
}

fn invalid(message: impl Into<String>) -> AskError {
    AskError::InvalidParams(message.into())
}

/// `0x`-prefixed hex of at most `max` bytes, decoded.
fn hex_bytes(value: &Value, what: &str, max: usize) -> Result<Vec<u8>, AskError> {
    let text = value
        .as_str()
        .and_then(|s| s.strip_prefix("0x"))
        .ok_or_else(|| invalid(format!("{what}: expected 0x-prefixed hex")))?;
    if text.len() > 2 * max {
        return Err(invalid(format!("{what}: longer than {max} bytes")));
    }
    alloy_primitives::hex::decode(text).map_err(|_| invalid(format!("{what}: not hex")))
}

fn address(value: &Value, what: &str) -> Result<Address, AskError> {
    let bytes = hex_bytes(value, what, 20)?;
    if bytes.len() != 20 {
        return Err(invalid(format!("{what}: expected 20 bytes")));
    }
    Ok(Address::from_slice(&bytes))
}

fn hash(value: &Value, what: &str) -> Result<B256, AskError> {
    let bytes = hex_bytes(value, what, 32)?;
    if bytes.len() != 32 {
        return Err(invalid(format!("{what}: expected 32 bytes")));
    }
    Ok(B256::from_slice(&bytes))
}

/// A storage key: up to 32 bytes of hex (a quantity or a word), left-padded.
fn slot(value: &Value) -> Result<B256, AskError> {
    let text = value
        .as_str()
        .and_then(|s| s.strip_prefix("0x"))
        .ok_or_else(|| invalid("storage key: expected 0x-prefixed hex"))?;
    if text.is_empty() || text.len() > 64 {
        return Err(invalid("storage key: 1 to 64 hex digits"));
    }
    let padded = format!("{text:0>64}");
    let bytes =
        alloy_primitives::hex::decode(padded).map_err(|_| invalid("storage key: not hex"))?;
    Ok(B256::from_slice(&bytes))
}

/// A block number quantity (`0x` then 1 to 16 hex digits).
fn quantity(text: &str) -> Result<u64, AskError> {
    let digits = text
        .strip_prefix("0x")
        .filter(|d| !d.is_empty() && d.len() <= 16)
        .ok_or_else(|| invalid(format!("not a block number or tag: {text:?}")))?;
    u64::from_str_radix(digits, 16).map_err(|_| invalid(format!("not a block number: {text:?}")))
}

/// A block parameter: a tag, a number, or EIP-1898's `{ blockHash }` / `{ blockNumber }`.
fn block_at(value: Option<&Value>) -> Result<BlockAt, AskError> {
    match value {
        None | Some(Value::Null) => Ok(BlockAt::Head),
        Some(Value::String(tag)) => match tag.as_str() {
            "latest" | "safe" | "finalized" => Ok(BlockAt::Head),
            "pending" | "earliest" => Err(AskError::NotFinal(format!("block tag {tag:?}"))),
            number => quantity(number).map(BlockAt::Number),
        },
        Some(Value::Object(o)) => {
            if let Some(h) = o.get("blockHash") {
                hash(h, "blockHash").map(BlockAt::Hash)
            } else if let Some(Value::String(n)) = o.get("blockNumber") {
                quantity(n).map(BlockAt::Number)
            } else {
                Err(invalid("block: expected { blockHash } or { blockNumber }"))
            }
        }
        Some(other) => Err(invalid(format!("not a block number or tag: {other}"))),
    }
}

/// The first four bytes of `keccak256(signature)`.
fn selector(signature: &str) -> [u8; 4] {
    let h = keccak256(signature.as_bytes());
    [h[0], h[1], h[2], h[3]]
}

/// Reads an `eth_call`'s call object (`{ to, data | input }`): the token and the TIP-20 view
/// this module answers from proven storage, or `None` for any other call (another address,
/// another selector, no calldata). Calldata of a view it answers that is malformed (arguments
/// missing, extra, or an address word with high bytes) is refused, never passed on.
pub fn tip20_view(call: &Value) -> Result<Option<(Address, Tip20Read)>, AskError> {
    let Some(to) = call.get("to").filter(|v| !v.is_null()) else {
        return Ok(None);
    };
    let token = address(to, "to")?;
    if !is_tip20_address(token) {
        return Ok(None);
    }
    let data = match call.get("data").or_else(|| call.get("input")) {
        Some(d) => hex_bytes(d, "data", 4 + 2 * 32)?,
        None => return Ok(None),
    };
    if data.len() < 4 {
        return Ok(None);
    }
    let (head, args) = data.split_at(4);
    // The ABI words of `count` address arguments, each left-padded with zeros.
    let addresses = |signature: &str, count: usize| -> Result<Vec<Address>, AskError> {
        if args.len() != 32 * count || args.chunks(32).any(|w| w[..12].iter().any(|b| *b != 0)) {
            return Err(invalid(format!("{signature}: malformed calldata")));
        }
        Ok(args
            .chunks(32)
            .map(|w| Address::from_slice(&w[12..]))
            .collect())
    };
    let read = if head == selector("balanceOf(address)") {
        Tip20Read::BalanceOf(addresses("balanceOf(address)", 1)?[0])
    } else if head == selector("allowance(address,address)") {
        let pair = addresses("allowance(address,address)", 2)?;
        Tip20Read::Word(Tip20Word::Allowance {
            owner: pair[0],
            spender: pair[1],
        })
    } else {
        let read = [
            ("decimals()", Tip20Read::Decimals),
            ("symbol()", Tip20Read::Symbol),
            ("name()", Tip20Read::Name),
            ("currency()", Tip20Read::Currency),
            ("totalSupply()", Tip20Read::TotalSupply),
            ("paused()", Tip20Read::Word(Tip20Word::Paused)),
        ]
        .into_iter()
        .find(|(signature, _)| head == selector(signature));
        let Some((signature, read)) = read else {
            return Ok(None);
        };
        if !args.is_empty() {
            return Err(invalid(format!("{signature}: takes no arguments")));
        }
        read
    };
    Ok(Some((token, read)))
}

impl Ask {
    /// Reads a JSON-RPC request: a method this module proves, with its parameters checked, or
    /// [`Parsed::Unverifiable`].
    pub fn parse(method: &str, params: &Value) -> Result<Parsed, AskError> {
        let empty = Vec::new();
        let params = match params {
            Value::Array(items) => items,
            Value::Null => &empty,
            _ => return Err(invalid("params: expected an array")),
        };
        let at = |i: usize| block_at(params.get(i));
        let arg = |i: usize| params.get(i).unwrap_or(&Value::Null);
        let ask = match method {
            "eth_chainId" => Ask::ChainId,
            "net_version" => Ask::NetVersion,
            "eth_blockNumber" => Ask::BlockNumber,
            "eth_getBlockByNumber" | "eth_getBlockByHash" => {
                let block = if method == "eth_getBlockByHash" {
                    BlockAt::Hash(hash(arg(0), "block hash")?)
                } else {
                    at(0)?
                };
                match arg(1) {
                    Value::Bool(true) => Ask::FullBlock(block),
                    Value::Bool(false) | Value::Null => Ask::Block(block),
                    _ => return Err(invalid("full transactions: expected a boolean")),
                }
            }
            "eth_getBlockReceipts" => Ask::BlockReceipts(match arg(0) {
                // A block id: a hash as a plain string too.
                Value::String(h) if h.len() == 66 => BlockAt::Hash(hash(arg(0), "block hash")?),
                _ => at(0)?,
            }),
            "eth_getProof" => {
                let keys = arg(1)
                    .as_array()
                    .filter(|k| k.len() <= MAX_PROOF_SLOTS)
                    .ok_or_else(|| invalid("storage keys: an array of up to 256 hex words"))?;
                Ask::Proof {
                    address: address(arg(0), "address")?,
                    slots: keys.iter().map(slot).collect::<Result<_, _>>()?,
                    at: at(2)?,
                }
            }
            "eth_getBalance" => Ask::Balance {
                address: address(arg(0), "address")?,
                at: at(1)?,
            },
            "eth_getTransactionCount" => Ask::Nonce {
                address: address(arg(0), "address")?,
                at: at(1)?,
            },
            "eth_getStorageAt" => Ask::Storage {
                address: address(arg(0), "address")?,
                slot: slot(arg(1))?,
                at: at(2)?,
            },
            "eth_getCode" => Ask::Code {
                address: address(arg(0), "address")?,
                at: at(1)?,
            },
            "eth_call" => match tip20_view(arg(0))? {
                Some((token, read)) => Ask::Tip20 {
                    token,
                    read,
                    at: at(1)?,
                },
                None => return Ok(Parsed::Unverifiable),
            },
            "eth_getLogs" => {
                let (range, filter) = logs::LogFilter::parse(arg(0))?;
                Ask::Logs { range, filter }
            }
            "eth_getTransactionByHash" => Ask::Transaction(hash(arg(0), "transaction hash")?),
            "eth_getTransactionReceipt" => Ask::Receipt(hash(arg(0), "transaction hash")?),
            "eth_sendRawTransaction" => {
                Ask::SendRaw(hex_bytes(arg(0), "raw transaction", 1 << 20)?.into())
            }
            _ => return Ok(Parsed::Unverifiable),
        };
        Ok(Parsed::Verified(ask))
    }

    /// The `eth_getProof` an ask over account state needs: the account and the storage keys.
    pub fn proof_request(&self) -> Option<(Address, Vec<B256>, BlockAt)> {
        match self {
            Self::Proof { address, slots, at } => Some((*address, slots.clone(), *at)),
            Self::Balance { address, at }
            | Self::Nonce { address, at }
            | Self::Code { address, at } => Some((*address, Vec::new(), *at)),
            Self::Storage { address, slot, at } => Some((*address, alloc::vec![*slot], *at)),
            _ => None,
        }
    }
}

/// A quantity (`0x`-prefixed, no leading zeros).
pub fn quantity_json(n: U256) -> Value {
    Value::String(format!("{n:#x}"))
}

/// A 32-byte word.
pub fn word_json(n: U256) -> Value {
    Value::String(format!("{:#x}", B256::from(n)))
}

/// ABI encoding of one `string` return value.
pub fn abi_string(s: &str) -> Value {
    let mut out = Vec::with_capacity(96 + s.len());
    out.extend_from_slice(B256::from(U256::from(32)).as_slice());
    out.extend_from_slice(B256::from(U256::from(s.len())).as_slice());
    out.extend_from_slice(s.as_bytes());
    out.resize(64 + s.len().div_ceil(32) * 32, 0);
    Value::String(format!("0x{}", alloy_primitives::hex::encode(out)))
}

/// The answer to an ask over account state ([`Ask::proof_request`]), from the proof that
/// verified (`eth_getCode` is answered by [`check_code`]).
pub fn answer_from_account(
    ask: &Ask,
    proof: &AccountProof,
    verified: &VerifiedAccount,
) -> Option<Value> {
    let account = verified.account;
    Some(match ask {
        Ask::Proof { .. } => proof.to_json(),
        Ask::Balance { .. } => quantity_json(account.map_or(U256::ZERO, |a| a.balance)),
        Ask::Nonce { .. } => quantity_json(U256::from(account.map_or(0, |a| a.nonce))),
        Ask::Storage { slot, .. } => word_json(verified.slot(*slot).unwrap_or(U256::ZERO)),
        _ => return None,
    })
}

/// The code hash `eth_getCode` must match, or `None` when the proven account has no code
/// (the answer is then `0x`, and nothing needs fetching).
pub fn code_hash_to_match(verified: &VerifiedAccount) -> Option<B256> {
    verified
        .account
        .map(|a| a.code_hash)
        .filter(|h| *h != EMPTY_CODE_HASH)
}

/// `eth_getCode`'s answer, checked against the proven code hash.
pub fn check_code(code_hash: B256, answer: &Value) -> Result<Value, AskError> {
    let code = hex_bytes(answer, "eth_getCode", usize::MAX / 2)
        .map_err(|_| AskError::MalformedAnswer("eth_getCode did not answer hex".into()))?;
    if keccak256(&code) != code_hash {
        return Err(AskError::CodeHashMismatch(code_hash));
    }
    Ok(Value::String(format!(
        "0x{}",
        alloy_primitives::hex::encode(code)
    )))
}

/// The answer to a TIP-20 view: the ABI-encoded value it returns, from `token`'s proof of
/// [`Tip20Read::slots`] checked against a final `state_root`.
pub fn tip20_answer(
    read: Tip20Read,
    token: Address,
    state_root: B256,
    proof: &AccountProof,
) -> Result<Value, ProofError> {
    let verified = verify_token_query(state_root, token, &read.slots(), proof)?;
    tip20_answer_from(read, token, &verified)
}

/// The answer to a TIP-20 view from `token`'s query of [`Tip20Read::slots`] that
/// [`crate::state::state_proof::verify_account_query`] already verified (an edge that keeps
/// verified queries answers from them without re-hashing the proof): what [`tip20_answer`]
/// answers.
pub fn tip20_answer_from(
    read: Tip20Read,
    token: Address,
    verified: &VerifiedAccount,
) -> Result<Value, ProofError> {
    let balance = || tip20_balance_in(verified, token, read.account());
    Ok(match read {
        Tip20Read::BalanceOf(_) => word_json(balance()?.balance),
        Tip20Read::Decimals => word_json(U256::from(balance()?.decimals)),
        Tip20Read::TotalSupply => word_json(balance()?.total_supply),
        Tip20Read::Symbol => abi_string(&balance()?.symbol),
        Tip20Read::Name => abi_string(&balance()?.name),
        Tip20Read::Currency => abi_string(&balance()?.currency),
        Tip20Read::Word(word) => word_json(tip20_word_in(verified, token, word)?),
    })
}

/// `eth_getBlockBy*`'s answer: the verified header, written by the core. It has no
/// `transactions` field (not an empty list, which would claim the block has none): a header
/// does not prove the list of hashes a node sends with it.
pub fn block_answer(header: &TempoHeader) -> Value {
    header.to_rpc_json()
}

/// `eth_getBlockBy*`'s answer with `false` (`includeTransactions`): the verified header and
/// the hashes of the block's raw transactions, which must rebuild the header's
/// `transactionsRoot` (so the list is the block's, complete and in order).
pub fn block_answer_with_transactions(
    header: &TempoHeader,
    raw: &[Bytes],
) -> Result<Value, PaymentError> {
    check_transactions_root(header, raw)?;
    let mut value = header.to_rpc_json();
    if let Value::Object(fields) = &mut value {
        let hashes = raw
            .iter()
            .map(|tx| Value::String(format!("{:#x}", keccak256(tx))))
            .collect();
        fields.insert("transactions".into(), Value::Array(hashes));
    }
    Ok(value)
}

/// Checks the server's answer to `eth_sendRawTransaction`: the hash of the raw bytes.
pub fn check_sent_transaction(raw: &[u8], answer: &Value) -> Result<Value, AskError> {
    let expected = keccak256(raw);
    let answered = answer.as_str().unwrap_or_default();
    match hash(answer, "transaction hash") {
        Ok(h) if h == expected => Ok(Value::String(format!("{expected:#x}"))),
        _ => Err(AskError::SentHashMismatch {
            expected,
            answered: if answered.is_empty() {
                answer.to_string()
            } else {
                answered.to_string()
            },
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_tags_numbers_and_eip1898_blocks() {
        assert_eq!(block_at(None), Ok(BlockAt::Head));
        assert_eq!(block_at(Some(&json!("finalized"))), Ok(BlockAt::Head));
        assert_eq!(block_at(Some(&json!("0x10"))), Ok(BlockAt::Number(16)));
        assert_eq!(
            block_at(Some(&json!({ "blockNumber": "0x2" }))),
            Ok(BlockAt::Number(2))
        );
        assert!(matches!(
            block_at(Some(&json!("pending"))),
            Err(AskError::NotFinal(_))
        ));
        assert!(block_at(Some(&json!("0x"))).is_err());
        assert!(block_at(Some(&json!("0x11111111111111111"))).is_err());
    }

    #[test]
    fn reads_full_blocks_and_block_receipts() {
        let hash = format!("{:#x}", B256::repeat_byte(1));
        assert_eq!(
            Ask::parse("eth_getBlockByNumber", &json!(["0x5", true])),
            Ok(Parsed::Verified(Ask::FullBlock(BlockAt::Number(5))))
        );
        assert_eq!(
            Ask::parse("eth_getBlockByHash", &json!([hash, false])),
            Ok(Parsed::Verified(Ask::Block(BlockAt::Hash(
                B256::repeat_byte(1)
            ))))
        );
        assert_eq!(
            Ask::parse("eth_getBlockByNumber", &json!(["latest"])),
            Ok(Parsed::Verified(Ask::Block(BlockAt::Head)))
        );
        assert!(Ask::parse("eth_getBlockByNumber", &json!(["0x5", "yes"])).is_err());
        assert_eq!(
            Ask::parse("eth_getBlockReceipts", &json!(["0x7"])),
            Ok(Parsed::Verified(Ask::BlockReceipts(BlockAt::Number(7))))
        );
        assert_eq!(
            Ask::parse("eth_getBlockReceipts", &json!([{ "blockHash": hash }])),
            Ok(Parsed::Verified(Ask::BlockReceipts(BlockAt::Hash(
                B256::repeat_byte(1)
            ))))
        );
        assert_eq!(
            Ask::parse("eth_getBlockReceipts", &json!([hash])),
            Ok(Parsed::Verified(Ask::BlockReceipts(BlockAt::Hash(
                B256::repeat_byte(1)
            ))))
        );
        assert!(matches!(
            Ask::parse("eth_getBlockReceipts", &json!(["pending"])),
            Err(AskError::NotFinal(_))
        ));
    }

    #[test]
    fn answers_tip20_views_only_for_tip20_tokens() {
        let token = "0x20c0000000000000000000000000000000000001";
        let account = "00000000000000000000000000000000000000aa";
        let call =
            json!([{ "to": token, "data": format!("0x70a08231{:0>64}", account) }, "latest"]);
        match Ask::parse("eth_call", &call) {
            Ok(Parsed::Verified(Ask::Tip20 { read, .. })) => {
                assert_eq!(
                    read.account(),
                    format!("0x{account}").parse::<Address>().unwrap()
                )
            }
            other => panic!("{other:?}"),
        }
        let other =
            json!([{ "to": "0x1000000000000000000000000000000000000001", "data": "0x70a08231" }]);
        assert_eq!(Ask::parse("eth_call", &other), Ok(Parsed::Unverifiable));
        let decimals = json!([{ "to": token, "input": "0x313ce567" }]);
        assert!(matches!(
            Ask::parse("eth_call", &decimals),
            Ok(Parsed::Verified(Ask::Tip20 {
                read: Tip20Read::Decimals,
                ..
            }))
        ));
        // A malformed argument is refused, not passed on.
        let bad = json!([{ "to": token, "data": "0x70a08231ff" }]);
        assert!(Ask::parse("eth_call", &bad).is_err());
    }

    #[test]
    fn reads_allowance_and_paused_as_one_word_of_the_token() {
        let token = "0x20c0000000000000000000000000000000000001";
        let (owner, spender) = (
            "00000000000000000000000000000000000000aa",
            "00000000000000000000000000000000000000bb",
        );
        // allowance(address,address) is 0xdd62ed3e, paused() 0x5c975abb.
        let call =
            json!([{ "to": token, "data": format!("0xdd62ed3e{owner:0>64}{spender:0>64}") }]);
        let Ok(Parsed::Verified(Ask::Tip20 { read, .. })) = Ask::parse("eth_call", &call) else {
            panic!("allowance not read");
        };
        let word = Tip20Word::Allowance {
            owner: format!("0x{owner}").parse().unwrap(),
            spender: format!("0x{spender}").parse().unwrap(),
        };
        assert_eq!(read, Tip20Read::Word(word));
        assert_eq!(read.slots(), [word.slot()]);
        let paused = json!([{ "to": token, "data": "0x5c975abb" }]);
        assert!(matches!(
            Ask::parse("eth_call", &paused),
            Ok(Parsed::Verified(Ask::Tip20 {
                read: Tip20Read::Word(Tip20Word::Paused),
                ..
            }))
        ));
        // One address where two are taken, an argument to paused(), a dirty address word.
        for data in [
            format!("0xdd62ed3e{owner:0>64}"),
            format!("0x5c975abb{owner:0>64}"),
            format!("0xdd62ed3e{:f>64}{spender:0>64}", ""),
        ] {
            let call = json!([{ "to": token, "data": data }]);
            assert!(Ask::parse("eth_call", &call).is_err(), "{data}");
        }
    }

    #[test]
    fn refuses_more_proof_slots_than_the_bound() {
        let keys: Vec<Value> = (0..=MAX_PROOF_SLOTS)
            .map(|i| json!(format!("{i:#x}")))
            .collect();
        let params = json!(["0x0000000000000000000000000000000000000001", keys, "latest"]);
        assert!(Ask::parse("eth_getProof", &params).is_err());
    }

    #[test]
    fn abi_string_pads_to_words() {
        let v = abi_string("USD");
        let text = v.as_str().unwrap();
        assert_eq!(text.len(), 2 + 3 * 64);
        assert!(text.ends_with("5553440000000000000000000000000000000000000000000000000000000000"));
    }

    #[test]
    fn refuses_a_sent_transaction_hash_that_is_not_the_raw_bytes_hash() {
        let raw = [1u8, 2, 3];
        let good = json!(format!("{:#x}", keccak256(raw)));
        assert_eq!(check_sent_transaction(&raw, &good), Ok(good.clone()));
        assert!(check_sent_transaction(&raw, &json!(format!("{:#x}", B256::ZERO))).is_err());
        assert!(check_sent_transaction(&raw, &json!(null)).is_err());
    }
}
