//! TIP-20 tokens, read from what a final header commits to: where a token keeps an account's
//! balance and the check of an `eth_getProof` answer for it against a final state root; and
//! the token's `Transfer`/`TransferWithMemo` logs decoded ([`tip20_transfers`], what a
//! payment moved). Everything that knows a TIP-20 layout or event lives here, apart from the
//! proofs that put it under a final root.
//!
//! On Tempo the money is in TIP-20 tokens, precompiles at addresses with the prefix
//! `0x20c0` followed by ten zero bytes. Their storage is laid out by Tempo's `#[contract]`
//! macro (`crates/precompiles/src/tip20/mod.rs`, `struct TIP20Token`, and
//! `crates/precompiles-macros/src/packing.rs` in `tempoxyz/tempo`):
//!
//! - fields take consecutive slots from 0 in declaration order, and a field shares the
//!   previous field's slot when both fit in its 32 bytes (Solidity's packing rule); mappings
//!   and strings take a whole slot each;
//! - `roles` 0, `role_admins` 1, `name` 2, `symbol` 3, `currency` 4, `logo_uri` 5,
//!   `quote_token` 6, `next_quote_token` 7 (20 bytes) with `transfer_policy_id` packed
//!   beside it (8 bytes at offset 20), `total_supply` 8, **`balances` 9**, `allowances` 10,
//!   `permit_nonces` 11, `paused` 12, `supply_cap` 13, ...;
//! - a mapping entry lives at `keccak256(key left-padded to 32 bytes ‖ slot as 32 bytes)`
//!   (`StorageKey::mapping_slot` in `crates/precompiles/src/storage/types/mod.rs`), which for
//!   an address key is Solidity's rule `keccak256(abi.encode(key, slot))`;
//! - strings use Solidity's encoding: up to 31 bytes inline, left-aligned, with twice the
//!   length in the last byte.
//!
//! Evidence besides the source: Tempo's mainnet genesis (`crates/chainspec/src/genesis/presto.json`)
//! has `"pathUSD"` in slots 2 and 3 of pathUSD, `"USD"` in slot 4, the transfer policy 1
//! packed at bit 160 of slot 7 and `type(uint128).max` as the supply cap in slot 13; the
//! testnet genesis (`moderato.json`) stores pathUSD's balance of the fee manager
//! `0xfeec…0000` (10,000 pathUSD) at
//! `0x4c8556900ad40fae55749518b5b88c44400dc2f4321bd01b14de194851914bff`, which is
//! [`balance_slot`] of that address (a test checks it).
//!
//! TIP-20 tokens always have 6 decimals (`TIP20_DECIMALS`).

use crate::state::state_proof::{verify_account_query, AccountProof, ProofError, VerifiedAccount};
use alloc::{format, string::String, vec::Vec};
use alloy_primitives::{address, b256, keccak256, Address, Log, B256, U256};

/// Decimals of every TIP-20 token.
pub const DECIMALS: u8 = 6;

/// The first 12 bytes of every TIP-20 token address.
pub const ADDRESS_PREFIX: [u8; 12] = [0x20, 0xc0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];

/// pathUSD, the first TIP-20 token (`0x20c0…0000`).
pub const PATH_USD: Address = address!("20c0000000000000000000000000000000000000");

/// Storage slots of a TIP-20 token's fields (see the module docs for the layout).
pub mod slot {
    /// `string name`.
    pub const NAME: u64 = 2;
    /// `string symbol`.
    pub const SYMBOL: u64 = 3;
    /// `string currency` (e.g. `"USD"`).
    pub const CURRENCY: u64 = 4;
    /// `uint256 total_supply`.
    pub const TOTAL_SUPPLY: u64 = 8;
    /// `mapping(address => uint256) balances`.
    pub const BALANCES: u64 = 9;
    /// `mapping(address => mapping(address => uint256)) allowances` (owner, then spender).
    pub const ALLOWANCES: u64 = 10;
    /// `bool paused`, alone in its slot (the next field, `supply_cap`, is a whole word), so
    /// Tempo reads it as the whole word being non-zero (`FromWord for bool`).
    pub const PAUSED: u64 = 12;
}

/// Whether `token` has the TIP-20 address prefix.
pub fn is_tip20_address(token: Address) -> bool {
    token.as_slice().starts_with(&ADDRESS_PREFIX)
}

/// A plain (non-mapping) slot as a storage key.
pub fn field_slot(index: u64) -> B256 {
    B256::from(U256::from(index))
}

/// The storage slot of `mapping[key]` for a mapping at slot `index` with an address key.
pub fn mapping_slot(key: Address, index: u64) -> B256 {
    mapping_slot_at(key, field_slot(index))
}

/// The storage slot of `mapping[key]` for a mapping whose own slot is `base` (a field's slot,
/// or for a nested mapping the outer entry's slot): `keccak256(key left-padded ‖ base)`.
fn mapping_slot_at(key: Address, base: B256) -> B256 {
    let mut preimage = [0u8; 64];
    preimage[12..32].copy_from_slice(key.as_slice());
    preimage[32..].copy_from_slice(base.as_slice());
    keccak256(preimage)
}

/// The storage slot of what `owner` lets `spender` move (`allowances[owner][spender]`).
pub fn allowance_slot(owner: Address, spender: Address) -> B256 {
    mapping_slot_at(spender, mapping_slot(owner, slot::ALLOWANCES))
}

/// A TIP-20 value kept in one storage word of the token, proven on its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tip20Word {
    /// `allowance(owner, spender)`: what `owner` lets `spender` move, in base units.
    Allowance {
        /// Who granted it.
        owner: Address,
        /// Who may spend it.
        spender: Address,
    },
    /// `paused()`: whether transfers are paused (1) or not (0).
    Paused,
}

impl Tip20Word {
    /// The slot that holds it.
    pub fn slot(&self) -> B256 {
        match self {
            Self::Allowance { owner, spender } => allowance_slot(*owner, *spender),
            Self::Paused => field_slot(slot::PAUSED),
        }
    }
}

/// Verifies one [`Tip20Word`] of `token` from an `eth_getProof` answer for its
/// [`Tip20Word::slot`] against a final `state_root`: the value a view call returns (for
/// `paused`, 0 or 1). Fails as [`verify_tip20_balance`] does for the token and the proof.
pub fn verify_tip20_word(
    state_root: B256,
    token: Address,
    word: Tip20Word,
    proof: &AccountProof,
) -> Result<U256, ProofError> {
    let verified = verify_token_query(state_root, token, &[word.slot()], proof)?;
    tip20_word_in(&verified, token, word)
}

/// Reads one [`Tip20Word`] of `token` from a query [`verify_account_query`] already verified
/// (its [`Tip20Word::slot`] among the slots): the value a view call returns. For an edge that
/// keeps verified queries and answers from them again without re-hashing the proof.
pub fn tip20_word_in(
    verified: &VerifiedAccount,
    token: Address,
    word: Tip20Word,
) -> Result<U256, ProofError> {
    let value = token_slot(verified, token, word.slot())?;
    Ok(match word {
        Tip20Word::Allowance { .. } => value,
        Tip20Word::Paused => U256::from(u8::from(!value.is_zero())),
    })
}

/// The storage slot of `account`'s balance in any TIP-20 token.
pub fn balance_slot(account: Address) -> B256 {
    mapping_slot(account, slot::BALANCES)
}

/// The slots to ask `eth_getProof` for when reading `account`'s balance: its balance, the total
/// supply, and the name, symbol and currency.
pub fn balance_query_slots(account: Address) -> [B256; 5] {
    [
        balance_slot(account),
        field_slot(slot::TOTAL_SUPPLY),
        field_slot(slot::NAME),
        field_slot(slot::SYMBOL),
        field_slot(slot::CURRENCY),
    ]
}

/// A TIP-20 balance proven against a final state root.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tip20Balance {
    /// The token.
    pub token: Address,
    /// The account whose balance this is.
    pub account: Address,
    /// The balance, in the token's smallest unit (6 decimals).
    pub balance: U256,
    /// The token's total supply, in the smallest unit.
    pub total_supply: U256,
    /// The token's name.
    pub name: String,
    /// The token's symbol.
    pub symbol: String,
    /// The token's currency (e.g. `"USD"`).
    pub currency: String,
    /// Always [`DECIMALS`].
    pub decimals: u8,
    /// The state root it is proven against.
    pub state_root: B256,
}

/// Decodes a string stored inline in one slot (Solidity's short-string encoding).
fn inline_string(field: &'static str, word: U256) -> Result<String, ProofError> {
    let bytes = word.to_be_bytes::<32>();
    let len = usize::from(bytes[31] / 2);
    if bytes[31] & 1 == 1 || len > 31 {
        return Err(ProofError::StringNotInline { field });
    }
    Ok(String::from_utf8_lossy(&bytes[..len]).into_owned())
}

/// `token`'s `slots` from an `eth_getProof` answer against a final `state_root`: a TIP-20
/// address, an account that exists there, and every slot proven.
pub(crate) fn verify_token_query(
    state_root: B256,
    token: Address,
    slots: &[B256],
    proof: &AccountProof,
) -> Result<VerifiedAccount, ProofError> {
    if !is_tip20_address(token) {
        return Err(ProofError::NotTip20(token));
    }
    let verified = verify_account_query(state_root, token, slots, proof)?;
    check_token(&verified, token)?;
    Ok(verified)
}

/// Rule: a verified query read as `token`'s is about a TIP-20 address, that address, and an
/// account that exists in the state.
fn check_token(verified: &VerifiedAccount, token: Address) -> Result<(), ProofError> {
    if !is_tip20_address(token) {
        return Err(ProofError::NotTip20(token));
    }
    if verified.address != token {
        return Err(ProofError::AddressMismatch {
            expected: token,
            actual: verified.address,
        });
    }
    if verified.account.is_none() {
        return Err(ProofError::NoSuchToken(token));
    }
    Ok(())
}

/// `slot` of `token` in a verified query, after [`check_token`]; `MissingSlot` if the query
/// did not prove it.
fn token_slot(verified: &VerifiedAccount, token: Address, slot: B256) -> Result<U256, ProofError> {
    check_token(verified, token)?;
    verified.slot(slot).ok_or(ProofError::MissingSlot {
        address: token,
        slot,
    })
}

/// Verifies `account`'s balance of `token` from an `eth_getProof` answer for
/// [`balance_query_slots`] against a final `state_root`.
///
/// Fails if the token address is not a TIP-20 address, the token does not exist in that
/// state, the answer is about another account or lacks a slot, or any proof fails.
pub fn verify_tip20_balance(
    state_root: B256,
    token: Address,
    account: Address,
    proof: &AccountProof,
) -> Result<Tip20Balance, ProofError> {
    let verified = verify_token_query(state_root, token, &balance_query_slots(account), proof)?;
    tip20_balance_in(&verified, token, account)
}

/// Reads `account`'s balance of `token` from a query [`verify_account_query`] already verified
/// ([`balance_query_slots`] among its slots), as [`verify_tip20_balance`] does after verifying.
pub fn tip20_balance_in(
    verified: &VerifiedAccount,
    token: Address,
    account: Address,
) -> Result<Tip20Balance, ProofError> {
    let [balance, total_supply, name, symbol, currency] =
        balance_query_slots(account).map(|slot| token_slot(verified, token, slot));
    Ok(Tip20Balance {
        token,
        account,
        balance: balance?,
        total_supply: total_supply?,
        name: inline_string("name", name?)?,
        symbol: inline_string("symbol", symbol?)?,
        currency: inline_string("currency", currency?)?,
        decimals: DECIMALS,
        state_root: verified.state_root,
    })
}

/// `n` in decimal. Long division of 32-bit halves by 10^9 in `u64`, which keeps big-integer
/// division (about 15 KB of wasm) out of the build.
pub fn decimal(n: U256) -> String {
    let mut halves = [0u32; 8]; // most significant first
    for (half, bytes) in halves.iter_mut().zip(n.to_be_bytes::<32>().chunks_exact(4)) {
        *half = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
    }
    let mut groups = alloc::vec::Vec::new(); // base 10^9, least significant first
    while halves.iter().any(|h| *h != 0) {
        let mut rem = 0u64;
        for half in halves.iter_mut() {
            let current = (rem << 32) | u64::from(*half);
            // current < 10^9 * 2^32, so the quotient fits 32 bits.
            *half = u32::try_from(current / 1_000_000_000).unwrap_or(u32::MAX);
            rem = current % 1_000_000_000;
        }
        groups.push(rem);
    }
    let mut out = String::new();
    match groups.pop() {
        None => out.push('0'),
        Some(top) => out.push_str(&alloc::format!("{top}")),
    }
    for group in groups.iter().rev() {
        out.push_str(&alloc::format!("{group:09}"));
    }
    out
}

/// Formats an amount in the smallest unit with [`DECIMALS`] decimals (`1234500` → `"1.2345"`).
pub fn format_amount(amount: U256) -> String {
    let digits = decimal(amount);
    let places = usize::from(DECIMALS);
    let padded = if digits.len() <= places {
        alloc::format!("{}{digits}", "0".repeat(places + 1 - digits.len()))
    } else {
        digits
    };
    let (whole, frac) = padded.split_at(padded.len() - places);
    let frac = frac.trim_end_matches('0');
    if frac.is_empty() {
        String::from(whole)
    } else {
        alloc::format!("{whole}.{frac}")
    }
}

/// A TIP-20 balance to prove at one final block: what to ask `eth_getProof` for, and the
/// check of its answer. Built by [`crate::LightClient::balance_query`] from the verified head.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BalanceQuery {
    /// The token.
    pub token: Address,
    /// The account.
    pub account: Address,
    /// Height of the final block the balance is read at.
    pub height: u64,
    /// Its hash.
    pub hash: B256,
    /// Its state root (from the verified header).
    pub state_root: B256,
}

/// A TIP-20 balance proven at a final block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FinalBalance {
    /// The balance and the token's data.
    pub balance: Tip20Balance,
    /// Height of the final block it was read at.
    pub height: u64,
    /// Hash of that block.
    pub hash: B256,
}

impl BalanceQuery {
    /// A query at a block whose header (and so `state_root`) the caller has proven final.
    pub fn new(
        token: Address,
        account: Address,
        height: u64,
        hash: B256,
        state_root: B256,
    ) -> Result<Self, ProofError> {
        if !is_tip20_address(token) {
            return Err(ProofError::NotTip20(token));
        }
        Ok(Self {
            token,
            account,
            height,
            hash,
            state_root,
        })
    }

    /// The slots to ask for.
    pub fn slots(&self) -> [B256; 5] {
        balance_query_slots(self.account)
    }

    /// The `eth_getProof` parameters: `[token, [slots], blockNumber]`.
    pub fn params(&self) -> serde_json::Value {
        let slots: alloc::vec::Vec<serde_json::Value> = self
            .slots()
            .iter()
            .map(|s| serde_json::Value::String(alloc::format!("{s:#x}")))
            .collect();
        serde_json::json!([
            alloc::format!("{:#x}", self.token),
            slots,
            alloc::format!("{:#x}", self.height)
        ])
    }

    /// Checks the answer to [`Self::params`].
    pub fn verify(&self, proof: &AccountProof) -> Result<FinalBalance, ProofError> {
        let balance = verify_tip20_balance(self.state_root, self.token, self.account, proof)?;
        Ok(FinalBalance {
            balance,
            height: self.height,
            hash: self.hash,
        })
    }
}

// ---- transfer logs ------------------------------------------------------------------------

/// `keccak256("Transfer(address,address,uint256)")`.
pub const TRANSFER_TOPIC: B256 =
    b256!("ddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef");
/// `keccak256("TransferWithMemo(address,address,uint256,bytes32)")`.
pub const TRANSFER_WITH_MEMO_TOPIC: B256 =
    b256!("57bc7354aa85aed339e000bccffabbc529466af35f0772c8f8ee1145927de7f0");

/// A `Transfer`/`TransferWithMemo` log of a TIP-20 token that does not have the event's shape
/// (a payment reports it as `MalformedTransferLog`).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("log {log_index} of a TIP-20 token is not a well-formed transfer event: {reason}")]
pub struct TransferLogError {
    /// Index of the log in the receipt.
    pub log_index: usize,
    /// What is wrong.
    pub reason: String,
}

/// A TIP-20 transfer decoded from a log of a transaction's receipt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tip20Transfer {
    /// The token (the log's emitter, a `0x20c0…` address).
    pub token: Address,
    /// Payer.
    pub from: Address,
    /// Recipient.
    pub to: Address,
    /// Amount in the token's base units.
    pub amount: U256,
    /// The memo of a `TransferWithMemo` event (`None` for `Transfer`).
    pub memo: Option<B256>,
    /// Index of the log in the receipt.
    pub log_index: usize,
}

fn topic_address(topic: &B256) -> Option<Address> {
    topic[..12]
        .iter()
        .all(|b| *b == 0)
        .then(|| Address::from_slice(&topic[12..]))
}

/// Rule: every `Transfer`/`TransferWithMemo` log a TIP-20 token emitted, decoded (other logs
/// are skipped; a TIP-20 log with the event's topic but not its shape is refused). A
/// `TransferWithMemo` right after the `Transfer` of the same movement (what Tempo's
/// `transferWithMemo` emits) sets that transfer's memo.
pub fn tip20_transfers(logs: &[Log]) -> Result<Vec<Tip20Transfer>, TransferLogError> {
    let mut transfers = Vec::new();
    for (log_index, log) in logs.iter().enumerate() {
        let topics = log.topics();
        let memo_event = match topics.first() {
            Some(t) if *t == TRANSFER_TOPIC => false,
            Some(t) if *t == TRANSFER_WITH_MEMO_TOPIC => true,
            _ => continue,
        };
        if !is_tip20_address(log.address) {
            continue;
        }
        let bad = |reason: &str| TransferLogError {
            log_index,
            reason: reason.into(),
        };
        let want = if memo_event { 4 } else { 3 };
        if topics.len() != want {
            return Err(bad(&format!("{} topics, {want} expected", topics.len())));
        }
        if log.data.data.len() != 32 {
            return Err(bad("the amount is not one 32-byte word"));
        }
        let from = topic_address(&topics[1]).ok_or_else(|| bad("`from` is not an address"))?;
        let to = topic_address(&topics[2]).ok_or_else(|| bad("`to` is not an address"))?;
        let amount = U256::from_be_slice(&log.data.data);
        // Tempo's `transferWithMemo` emits `Transfer`, then `TransferWithMemo` for the same
        // movement: the memo annotates the transfer just before it, not a second movement.
        if let Some(previous) = transfers.last_mut().filter(|t: &&mut Tip20Transfer| {
            memo_event
                && t.memo.is_none()
                && t.log_index + 1 == log_index
                && (t.token, t.from, t.to, t.amount) == (log.address, from, to, amount)
        }) {
            previous.memo = Some(topics[3]);
            continue;
        }
        transfers.push(Tip20Transfer {
            token: log.address,
            from,
            to,
            amount,
            memo: memo_event.then(|| topics[3]),
            log_index,
        });
    }
    Ok(transfers)
}
