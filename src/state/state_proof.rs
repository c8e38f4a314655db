//! State proofs: an `eth_getProof` answer (EIP-1186), checked against the `stateRoot` of a
//! header that has been proven final.
//!
//! Once a header is final its `stateRoot` is trusted, and every account and storage value
//! under it can be proven with Merkle-Patricia proofs. The walk through the trie is
//! `alloy-trie`'s `verify_proof` (the verifier of the alloy/reth stack Tempo is built on);
//! this module decodes the RPC answer with explicit limits, decides what value each proof
//! must prove (the claimed one, or absence), and names what failed when a proof does not hold.
//!
//! What the server claims is never returned as such: a [`VerifiedAccount`] holds only values
//! that a proof established. A claimed value the proof contradicts is rejected
//! ([`ProofError::ValueMismatch`]), not corrected, because a server that lies once is not
//! to be asked again.

use crate::error::DecodeError;
use alloc::{format, string::ToString, vec::Vec};
use alloy_primitives::{keccak256, Address, Bytes, B256, U256};
use alloy_rlp::Decodable;
use alloy_trie::{
    nodes::TrieNode, proof::ProofVerificationError, Nibbles, TrieAccount, EMPTY_ROOT_HASH,
    KECCAK_EMPTY,
};
use core::fmt;
use core::str::FromStr;
use serde_json::Value;

/// Most nodes in one proof: a path through a hashed-key trie has at most 64 branch levels,
/// plus extensions and the leaf.
pub const MAX_PROOF_NODES: usize = 130;
/// Largest trie node: a branch with 16 hashed children and a value fits in 600 bytes.
pub const MAX_NODE_BYTES: usize = 600;
/// Most storage slots in one answer.
pub const MAX_STORAGE_PROOFS: usize = 256;

/// An `eth_getProof` answer, decoded but not yet checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountProof {
    /// The account the answer is about.
    pub address: Address,
    /// Claimed nonce.
    pub nonce: u64,
    /// Claimed balance (the native balance; Tempo's money is in TIP-20 storage instead).
    pub balance: U256,
    /// Claimed code hash.
    pub code_hash: B256,
    /// Claimed storage root.
    pub storage_hash: B256,
    /// Trie nodes from the state root to the account's leaf (or to where it is absent).
    pub account_proof: Vec<Bytes>,
    /// One proof per requested storage slot.
    pub storage_proof: Vec<StorageProof>,
}

/// The proof of one storage slot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StorageProof {
    /// The slot (a 32-byte word).
    pub key: B256,
    /// Claimed value (zero: the slot is empty).
    pub value: U256,
    /// Trie nodes from the storage root to the slot's leaf (or to where it is absent).
    pub proof: Vec<Bytes>,
}

/// Parses a 32-byte word as servers send it: `0x` and 32 bytes of hex, or a shorter hex
/// quantity (`"0x9"`: a storage key asked for as a number), which is the same word
/// left-padded. Without `0x` it is refused: read as hex by one client and as decimal by
/// another, it would not say one thing.
fn word(field: &'static str, text: &str) -> Result<B256, DecodeError> {
    let digits = text
        .strip_prefix("0x")
        .ok_or_else(|| DecodeError::Json(format!("{field}: not 0x-prefixed hex")))?;
    if digits.is_empty() || digits.len() > 64 {
        return Err(DecodeError::Json(format!("{field}: not a 32-byte word")));
    }
    let mut padded = [b'0'; 64];
    padded[64 - digits.len()..].copy_from_slice(digits.as_bytes());
    let mut word = [0u8; 32];
    for (i, pair) in padded.chunks_exact(2).enumerate() {
        match (hex_digit(pair[0]), hex_digit(pair[1])) {
            (Some(hi), Some(lo)) => word[i] = (hi << 4) | lo,
            _ => return Err(DecodeError::InvalidHex { field }),
        }
    }
    Ok(B256::from(word))
}

/// A hash: `0x` and exactly 32 bytes of hex, as every node sends `codeHash` and `storageHash`.
fn hash(field: &'static str, text: &str) -> Result<B256, DecodeError> {
    if text.len() != 66 {
        return Err(DecodeError::Json(format!(
            "{field}: not 0x and 32 bytes of hex"
        )));
    }
    word(field, text)
}

/// A quantity in its one canonical form (the Ethereum JSON-RPC encoding real nodes send):
/// `0x`, then at most 64 hex digits with no leading zero (`0x0` for zero). Anything else
/// (`"1000000"`, `"0x01"`) is refused rather than read one way when a wallet reads it another.
fn quantity(field: &'static str, text: &str) -> Result<U256, DecodeError> {
    let digits = text.strip_prefix("0x").unwrap_or("");
    if digits.is_empty() || digits.len() > 64 || (digits.len() > 1 && digits.starts_with('0')) {
        return Err(DecodeError::Json(format!(
            "{field}: {text:?} is not a canonical quantity (0x, no leading zeros, at most 256 bits)"
        )));
    }
    Ok(U256::from_be_bytes(word(field, text)?.0))
}

fn hex_digit(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

impl AccountProof {
    /// Parses an `eth_getProof` answer: the result object
    /// `{address, nonce, balance, codeHash, storageHash, accountProof, storageProof}`, with or
    /// without its JSON-RPC envelope (an `error` member becomes [`DecodeError::Rpc`]).
    pub fn from_json(text: &str) -> Result<Self, DecodeError> {
        let value: Value =
            serde_json::from_str(text).map_err(|e| DecodeError::Json(e.to_string()))?;
        Self::from_value(value)
    }

    /// As [`Self::from_json`], from an already-parsed value.
    pub fn from_value(mut value: Value) -> Result<Self, DecodeError> {
        if let Some(error) = crate::wire::certified_block::rpc_error(&value) {
            return Err(error);
        }
        if value.get("jsonrpc").is_some() || value.get("result").is_some() {
            value = value
                .get_mut("result")
                .map(Value::take)
                .unwrap_or(Value::Null);
        }
        if value.is_null() {
            return Err(DecodeError::Json("no proof in the response (null)".into()));
        }
        let object = value
            .as_object()
            .ok_or_else(|| DecodeError::Json("eth_getProof: not an object".into()))?;
        let address = text(object, "address")?;
        let address =
            Address::from_str(address).map_err(|_| DecodeError::InvalidHex { field: "address" })?;
        let nonce = u64::try_from(quantity("nonce", text(object, "nonce")?)?)
            .map_err(|_| DecodeError::Json("eth_getProof: nonce does not fit 64 bits".into()))?;
        let balance = quantity("balance", text(object, "balance")?)?;
        let code_hash = hash("codeHash", text(object, "codeHash")?)?;
        let storage_hash = hash("storageHash", text(object, "storageHash")?)?;
        let account_proof = nodes("accountProof", object.get("accountProof"))?;
        let entries: &[Value] = match object.get("storageProof") {
            None | Some(Value::Null) => &[],
            Some(Value::Array(entries)) => entries,
            Some(_) => {
                return Err(DecodeError::Json(
                    "eth_getProof: storageProof is not an array".into(),
                ))
            }
        };
        at_most("storageProof", entries.len(), MAX_STORAGE_PROOFS)?;
        let mut storage_proof = Vec::with_capacity(entries.len());
        for entry in entries {
            let entry = entry.as_object().ok_or_else(|| {
                DecodeError::Json("eth_getProof: storage proof is not an object".into())
            })?;
            storage_proof.push(StorageProof {
                key: word("storageProof.key", text(entry, "key")?)?,
                value: quantity("storageProof.value", text(entry, "value")?)?,
                proof: nodes("storageProof.proof", entry.get("proof"))?,
            });
        }
        Ok(Self {
            address,
            nonce,
            balance,
            code_hash,
            storage_hash,
            account_proof,
            storage_proof,
        })
    }

    /// The answer as `eth_getProof` JSON (what [`Self::from_value`] reads).
    pub fn to_json(&self) -> serde_json::Value {
        let hex = |b: &Bytes| Value::String(alloy_primitives::hex::encode_prefixed(b));
        serde_json::json!({
            "address": format!("{:#x}", self.address),
            "nonce": format!("{:#x}", self.nonce),
            "balance": format!("{:#x}", self.balance),
            "codeHash": format!("{:#x}", self.code_hash),
            "storageHash": format!("{:#x}", self.storage_hash),
            "accountProof": self.account_proof.iter().map(hex).collect::<Vec<_>>(),
            "storageProof": self.storage_proof.iter().map(|s| serde_json::json!({
                "key": format!("{:#x}", s.key),
                "value": format!("{:#x}", s.value),
                "proof": s.proof.iter().map(hex).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        })
    }
}

/// A list is no longer than its limit.
fn at_most(field: &'static str, len: usize, max: usize) -> Result<(), DecodeError> {
    if len > max {
        return Err(DecodeError::LengthOutOfRange {
            field,
            len: len as u64,
            min: 0,
            max: max as u64,
        });
    }
    Ok(())
}

/// A string member of a JSON object.
fn text<'a>(
    object: &'a serde_json::Map<alloc::string::String, Value>,
    field: &'static str,
) -> Result<&'a str, DecodeError> {
    object
        .get(field)
        .and_then(Value::as_str)
        .ok_or_else(|| DecodeError::Json(format!("eth_getProof: {field} missing or not a string")))
}

/// A list of trie nodes (`0x` hex strings), within the limits.
fn nodes(field: &'static str, value: Option<&Value>) -> Result<Vec<Bytes>, DecodeError> {
    let items = value.and_then(Value::as_array).ok_or_else(|| {
        DecodeError::Json(format!("eth_getProof: {field} missing or not an array"))
    })?;
    at_most(field, items.len(), MAX_PROOF_NODES)?;
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let text = item.as_str().ok_or_else(|| {
            DecodeError::Json(format!("eth_getProof: {field} holds a non-string"))
        })?;
        let digits = text.strip_prefix("0x").unwrap_or(text);
        if digits.len() > 2 * MAX_NODE_BYTES || digits.is_empty() {
            return Err(DecodeError::LengthOutOfRange {
                field,
                len: (digits.len() / 2) as u64,
                min: 1,
                max: MAX_NODE_BYTES as u64,
            });
        }
        let bytes =
            alloy_primitives::hex::decode(digits).map_err(|_| DecodeError::InvalidHex { field })?;
        out.push(Bytes::from(bytes));
    }
    Ok(out)
}

/// How far behind the verified head a `latest` state read may be proven, by default: a node
/// proves only at its execution head, which trails finality by a few blocks; 64 blocks is
/// minutes of Tempo time, where an honest node is seconds behind.
pub const DEFAULT_MAX_STATE_LAG: u64 = 64;

/// Rule: a state read asked at `latest` is proven at a block no more than `max_lag` blocks
/// behind the verified head (`StaleState` otherwise, naming both heights). A node that cannot
/// prove at the head picks the height it proves at; without this rule it could answer
/// `latest` with any old block's state.
pub fn check_fresh_state(head: u64, proven_at: u64, max_lag: u64) -> Result<(), ProofError> {
    if head.saturating_sub(proven_at) > max_lag {
        return Err(ProofError::StaleState {
            head,
            proven_at,
            max_lag,
        });
    }
    Ok(())
}

/// The execution head a node names in its `eth_blockNumber` answer (a quantity): the most
/// recent block it can prove state at, where it cannot prove at the verified head. Only a
/// height to ask at: what is proven there is checked against that block's verified root, and
/// [`check_fresh_state`] bounds how far behind it may be.
pub fn execution_head(answer: &Value) -> Result<u64, DecodeError> {
    crate::wire::json::quantity("eth_blockNumber", answer)
}

/// Which trie a proof is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProofTarget {
    /// The account trie, for this account.
    Account(Address),
    /// The storage trie of the account, for this slot.
    Storage(Address, B256),
}

impl fmt::Display for ProofTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Account(a) => write!(f, "account {a}"),
            Self::Storage(a, slot) => write!(f, "slot {slot} of {a}"),
        }
    }
}

/// Why a state proof was rejected.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    /// The proof does not start at the trusted root: it is for another block (or another
    /// account's storage), or its first node was altered.
    #[error("{target}: proof does not start at the trusted root {root}")]
    RootMismatch {
        /// What was being proven.
        target: ProofTarget,
        /// The trusted root.
        root: B256,
    },
    /// A node is not the one its parent commits to: a node was altered, left out, or added.
    #[error("{target}: proof node {index} is not the node its parent commits to")]
    NodeMismatch {
        /// What was being proven.
        target: ProofTarget,
        /// Position of the node in the proof.
        index: usize,
    },
    /// The proof stops before it reaches the key's leaf (or the point where the key is absent).
    #[error("{target}: proof ends before the key is reached (a node is missing)")]
    Incomplete {
        /// What was being proven.
        target: ProofTarget,
    },
    /// The proof holds, but proves another value (or presence or absence) than the server claimed.
    #[error("{target}: the proof contradicts the claimed value")]
    ValueMismatch {
        /// What was being proven.
        target: ProofTarget,
    },
    /// A node hashed correctly but is not a valid trie node.
    #[error("{target}: malformed trie node: {reason}")]
    MalformedNode {
        /// What was being proven.
        target: ProofTarget,
        /// What was wrong.
        reason: &'static str,
    },
    /// The answer is about another account than the one asked for.
    #[error("asked for {expected}, the proof is for {actual}")]
    AddressMismatch {
        /// The account asked for.
        expected: Address,
        /// The account in the answer.
        actual: Address,
    },
    /// A slot that was asked for has no proof in the answer.
    #[error("no proof for slot {slot} of {address}")]
    MissingSlot {
        /// The account.
        address: Address,
        /// The slot.
        slot: B256,
    },
    /// The header the proof is checked against is not known to be final.
    #[error("no verified state root: {0}")]
    NoStateRoot(&'static str),
    /// A `latest` read proven at a block too far behind the verified head (the node would
    /// not prove at a fresher one): retryable, since a node that catches up can.
    #[error("state proven at block {proven_at}, {} blocks behind the verified head {head} (at most {max_lag})", head.saturating_sub(*proven_at))]
    StaleState {
        /// The verified head.
        head: u64,
        /// The block the state would be proven at.
        proven_at: u64,
        /// The most blocks behind the head allowed.
        max_lag: u64,
    },
    /// The client that would prove it is frozen by an equivocation at this height: no state
    /// is final to it until it is reset.
    #[error("frozen: conflicting finalizations at height {height}; no state is final until the client is reset")]
    Frozen {
        /// Height of the equivocation.
        height: u64,
    },
    /// The token address is not a TIP-20 address (prefix `0x20c0` and ten zero bytes).
    #[error("{0} is not a TIP-20 token address")]
    NotTip20(Address),
    /// The token's account does not exist in the verified state.
    #[error("no token exists at {0} in the verified state")]
    NoSuchToken(Address),
    /// A TIP-20 string slot does not hold an inline (short) string: it is a long string,
    /// stored outside the slot, which is not read, or its length byte is invalid.
    #[error("{field}: the string is not stored inline in its slot")]
    StringNotInline {
        /// The metadata field.
        field: &'static str,
    },
}

crate::error::classify! {
    /// A proof that fails is not verified; a question that cannot be asked (no state root, not
    /// a TIP-20) is usage; a state proven too far behind is unavailable, and the one retryable
    /// refusal (the node may catch up).
    ProofError {
        NotVerified: RootMismatch = "ProofRootMismatch", NodeMismatch = "ProofNodeMismatch",
            Incomplete = "ProofIncomplete", ValueMismatch = "ProofValueMismatch",
            MalformedNode = "ProofMalformedNode", AddressMismatch = "ProofAddressMismatch",
            MissingSlot = "ProofMissingSlot", NoSuchToken;
        Malformed: StringNotInline;
        Usage: NoStateRoot, NotTip20;
        Unavailable: StaleState;
        Frozen: Frozen;
    }
    retryable: Self::StaleState { .. }
}

/// An account's fields, proven.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AccountState {
    /// Nonce.
    pub nonce: u64,
    /// Native balance.
    pub balance: U256,
    /// Code hash (`keccak256("")` for no code).
    pub code_hash: B256,
    /// Root of the account's storage trie.
    pub storage_root: B256,
}

/// What a state proof established under one state root.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedAccount {
    /// The state root everything here is proven against.
    pub state_root: B256,
    /// The account.
    pub address: Address,
    /// Its fields, or `None` if it is proven not to exist.
    pub account: Option<AccountState>,
    /// Proven storage values (zero for an empty slot), in the order of the answer.
    pub storage: Vec<(B256, U256)>,
}

impl VerifiedAccount {
    /// The proven value of `slot`, if the answer included it.
    pub fn slot(&self, slot: B256) -> Option<U256> {
        self.storage
            .iter()
            .find(|(k, _)| *k == slot)
            .map(|(_, v)| *v)
    }
}

/// Checks one Merkle-Patricia proof that `key` (already hashed) maps to `value` (`None`:
/// absent) under `root`, and names the failure.
pub fn verify_trie_proof(
    target: ProofTarget,
    root: B256,
    key: B256,
    value: Option<Vec<u8>>,
    proof: &[Bytes],
) -> Result<(), ProofError> {
    let path = Nibbles::unpack(key);
    let Err(error) = alloy_trie::proof::verify_proof(root, path, value, proof) else {
        return Ok(());
    };
    Err(classify(target, root, proof, error))
}

/// Turns alloy-trie's two-kind error into what actually failed. alloy-trie reports a node that
/// does not match its parent's reference as a value mismatch carrying that node's bytes, and
/// a walk that stops at a child reference as a value mismatch carrying the reference.
fn classify(
    target: ProofTarget,
    root: B256,
    proof: &[Bytes],
    error: ProofVerificationError,
) -> ProofError {
    let starts_at_root = proof
        .first()
        .is_some_and(|n| n.as_ref() != [alloy_rlp::EMPTY_STRING_CODE] && keccak256(n) == root);
    match error {
        ProofVerificationError::RootMismatch { .. } => ProofError::RootMismatch { target, root },
        ProofVerificationError::UnexpectedEmptyRoot => ProofError::MalformedNode {
            target,
            reason: "empty node inside the trie",
        },
        ProofVerificationError::Rlp(_) => ProofError::MalformedNode {
            target,
            reason: "not a valid RLP trie node",
        },
        ProofVerificationError::ValueMismatch { got, .. } => {
            let empty_trie = root == EMPTY_ROOT_HASH && proof.is_empty();
            if !(starts_at_root || empty_trie) {
                return ProofError::RootMismatch { target, root };
            }
            if let Some(got) = &got {
                // A node can occur once on a path (its parent commits to its hash), so a
                // repeated node is the later copy.
                if let Some(index) = proof.iter().rposition(|n| n == got) {
                    return ProofError::NodeMismatch { target, index };
                }
            }
            // The walk ended on a reference to a node the proof does not contain.
            let ends_on_reference = got.as_ref().is_some_and(|g| g.len() == 33 && g[0] == 0xa0)
                && proof.last().is_some_and(|n| {
                    !matches!(TrieNode::decode(&mut &n[..]), Ok(TrieNode::Leaf(_)))
                });
            if ends_on_reference {
                ProofError::Incomplete { target }
            } else {
                ProofError::ValueMismatch { target }
            }
        }
    }
}

/// Whether the claimed account is what an absent account looks like in an RPC answer
/// (servers send zero hashes or the empty-trie and empty-code hashes).
fn claims_absent(p: &AccountProof) -> bool {
    p.nonce == 0
        && p.balance.is_zero()
        && (p.code_hash == B256::ZERO || p.code_hash == KECCAK_EMPTY)
        && (p.storage_hash == B256::ZERO || p.storage_hash == EMPTY_ROOT_HASH)
}

/// Verifies an `eth_getProof` answer against a trusted state root: the account (its fields, or
/// its absence) and every storage slot in the answer (its value, or its absence).
///
/// All or nothing: one failing proof rejects the whole answer.
pub fn verify_account_proof(
    state_root: B256,
    proof: &AccountProof,
) -> Result<VerifiedAccount, ProofError> {
    let address = proof.address;
    let target = ProofTarget::Account(address);
    let key = keccak256(address);
    let claimed = TrieAccount::new(
        proof.nonce,
        proof.balance,
        proof.storage_hash,
        proof.code_hash,
    );
    let account = if claims_absent(proof) {
        match verify_trie_proof(target, state_root, key, None, &proof.account_proof) {
            Ok(()) => None,
            Err(absent_error) => {
                // An existing account may also have exactly these fields.
                let empty = TrieAccount::default();
                verify_trie_proof(
                    target,
                    state_root,
                    key,
                    Some(alloy_rlp::encode(empty)),
                    &proof.account_proof,
                )
                .map_err(|_| absent_error)?;
                Some(empty)
            }
        }
    } else {
        verify_trie_proof(
            target,
            state_root,
            key,
            Some(alloy_rlp::encode(claimed)),
            &proof.account_proof,
        )?;
        Some(claimed)
    };
    let storage_root = account.map_or(EMPTY_ROOT_HASH, |a| a.storage_root);
    let mut storage = Vec::with_capacity(proof.storage_proof.len());
    for slot in &proof.storage_proof {
        let target = ProofTarget::Storage(address, slot.key);
        let value = (!slot.value.is_zero()).then(|| alloy_rlp::encode(slot.value));
        verify_trie_proof(
            target,
            storage_root,
            keccak256(slot.key),
            value,
            &slot.proof,
        )?;
        storage.push((slot.key, slot.value));
    }
    Ok(VerifiedAccount {
        state_root,
        address,
        account: account.map(|a| AccountState {
            nonce: a.nonce,
            balance: a.balance,
            code_hash: a.code_hash,
            storage_root: a.storage_root,
        }),
        storage,
    })
}

/// As [`verify_account_proof`], and also checks that the answer is about `address` and
/// includes every slot in `slots`.
pub fn verify_account_query(
    state_root: B256,
    address: Address,
    slots: &[B256],
    proof: &AccountProof,
) -> Result<VerifiedAccount, ProofError> {
    if proof.address != address {
        return Err(ProofError::AddressMismatch {
            expected: address,
            actual: proof.address,
        });
    }
    if let Some(slot) = slots
        .iter()
        .find(|s| !proof.storage_proof.iter().any(|p| p.key == **s))
    {
        return Err(ProofError::MissingSlot {
            address,
            slot: *slot,
        });
    }
    verify_account_proof(state_root, proof)
}
