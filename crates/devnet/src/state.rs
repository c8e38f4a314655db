//! The devnet's world state: a real Merkle-Patricia state trie whose root is each header's
//! `stateRoot`, and the `eth_getProof` answers for it.
//!
//! A few holder accounts and two TIP-20 tokens at `0x20c0…` addresses, laid out as Tempo lays
//! them out (see [`tempo_light::state::tip20`]): name, symbol, currency, the packed transfer policy, total
//! supply, balances, an allowance, the paused flag and supply cap. Balances move with every block, so every block has its
//! own state root. The state at a height is a pure function of the height, so any retained
//! block's state can be rebuilt and proven without storing history.
//!
//! Roots and proofs come from `alloy-trie`'s `HashBuilder` with a proof retainer (what reth's
//! `eth_getProof` uses), independent of the verifier's code in [`tempo_light::state::state_proof`].

use alloc::{vec, vec::Vec};
use alloy_primitives::{keccak256, Address, Bytes, B256, U256};
use alloy_trie::{proof::ProofRetainer, HashBuilder, Nibbles, TrieAccount, EMPTY_ROOT_HASH};
use tempo_light::{
    state::state_proof::{AccountProof, StorageProof},
    state::tip20::{self, slot},
};

/// How many holder accounts the devnet has. The last holds no tokens at all (its balance
/// slots are empty), so absence proofs have a subject.
pub const HOLDERS: usize = 5;

/// The devnet's TIP-20 tokens: pathUSD and a second one, AlphaUSD.
pub const TOKENS: [Address; 2] = [
    tip20::PATH_USD,
    alloy_primitives::address!("20c0000000000000000000000000000000000001"),
];

const TOKEN_NAMES: [&str; 2] = ["pathUSD", "AlphaUSD"];

/// An address that never exists in the devnet's state (for account absence proofs).
pub const ABSENT: Address = alloy_primitives::address!("00000000000000000000000000000000deadbeef");

/// The `i`-th holder's address.
pub fn holder(i: usize) -> Address {
    let mut preimage = *b"tempo-light devnet holder #0";
    preimage[27] = b'0' + u8::try_from(i % 10).unwrap_or(0);
    Address::from_word(keccak256(preimage))
}

/// `holder`'s balance of token number `t` at `height` (6 decimals).
pub fn balance(t: usize, holder_index: usize, height: u64) -> U256 {
    if holder_index + 1 >= HOLDERS {
        return U256::ZERO;
    }
    let i = holder_index as u64 + 1;
    let t = t as u64;
    let base = i * 1_000 * 1_000_000 + t * 250 * 1_000_000;
    let moving = height.wrapping_mul(1_000_003).wrapping_mul(i + 3 * t) % 1_000_000_000;
    U256::from(base + moving)
}

/// What holder 0 lets holder 1 spend of token number `t` (`allowances[holder 0][holder 1]`).
pub fn allowance(t: usize) -> U256 {
    U256::from((t as u64 + 1) * 5_000_000)
}

/// The slot of `allowances[owner][spender]` (the mapping at slot 10), by Solidity's rule for a
/// nested mapping, written here apart from the verifier's `tip20::allowance_slot`:
/// `keccak256(spender ‖ keccak256(owner ‖ 10))`, each key left-padded to 32 bytes.
fn allowance_slot(owner: Address, spender: Address) -> B256 {
    let outer = keccak256(
        [
            owner.into_word().as_slice(),
            &U256::from(10).to_be_bytes::<32>(),
        ]
        .concat(),
    );
    keccak256([spender.into_word().as_slice(), outer.as_slice()].concat())
}

/// An inline (short) Solidity string word.
fn short_string(text: &str) -> U256 {
    let mut word = [0u8; 32];
    word[..text.len()].copy_from_slice(text.as_bytes());
    word[31] = u8::try_from(text.len() * 2).unwrap_or(0);
    U256::from_be_bytes(word)
}

struct Account {
    address: Address,
    account: TrieAccount,
    /// (slot, value), values non-zero.
    storage: Vec<(B256, U256)>,
}

/// The state at one height.
pub struct World {
    accounts: Vec<Account>,
}

/// Builds the trie over `(hashed key, encoded value)` leaves; returns the root and, for each
/// target, its proof (the nodes from the root down).
fn trie(mut leaves: Vec<(B256, Vec<u8>)>, targets: &[B256]) -> (B256, Vec<Vec<Bytes>>) {
    leaves.sort_by_key(|(k, _)| *k);
    let paths: Vec<Nibbles> = targets.iter().map(|t| Nibbles::unpack(*t)).collect();
    let mut builder = HashBuilder::default().with_proof_retainer(ProofRetainer::new(paths.clone()));
    for (key, value) in &leaves {
        builder.add_leaf(Nibbles::unpack(*key), value);
    }
    let root = builder.root();
    if leaves.is_empty() {
        return (EMPTY_ROOT_HASH, vec![Vec::new(); targets.len()]);
    }
    let nodes = builder.take_proof_nodes();
    let proofs = paths
        .iter()
        .map(|p| {
            nodes
                .matching_nodes_sorted(p)
                .into_iter()
                .map(|(_, n)| n)
                .collect()
        })
        .collect();
    (root, proofs)
}

fn storage_root(storage: &[(B256, U256)]) -> B256 {
    let leaves = storage
        .iter()
        .map(|(k, v)| (keccak256(k), alloy_rlp::encode(v)))
        .collect();
    trie(leaves, &[]).0
}

impl World {
    /// The state after block `height`.
    pub fn at(height: u64) -> Self {
        let mut accounts = Vec::new();
        for i in 0..HOLDERS {
            accounts.push(Account {
                address: holder(i),
                account: TrieAccount {
                    nonce: height / (i as u64 + 2),
                    ..TrieAccount::default()
                },
                storage: Vec::new(),
            });
        }
        for (t, token) in TOKENS.iter().enumerate() {
            let mut storage = vec![
                (tip20::field_slot(slot::NAME), short_string(TOKEN_NAMES[t])),
                (
                    tip20::field_slot(slot::SYMBOL),
                    short_string(TOKEN_NAMES[t]),
                ),
                (tip20::field_slot(slot::CURRENCY), short_string("USD")),
                // transfer_policy_id = 1, packed at byte 20 of slot 7 (as in mainnet's genesis).
                (tip20::field_slot(7), U256::from(1) << 160),
                // supply_cap = type(uint128).max.
                (tip20::field_slot(13), U256::from(u128::MAX)),
                (allowance_slot(holder(0), holder(1)), allowance(t)),
            ];
            // AlphaUSD is paused (`paused`, slot 12, alone in its slot): a non-zero word for a
            // view to prove. (Its balances still move: the state is a function of the height.)
            if t == 1 {
                storage.push((tip20::field_slot(12), U256::from(1)));
            }
            let mut supply = U256::ZERO;
            for i in 0..HOLDERS {
                let amount = balance(t, i, height);
                supply += amount;
                if !amount.is_zero() {
                    storage.push((tip20::balance_slot(holder(i)), amount));
                }
            }
            storage.push((tip20::field_slot(slot::TOTAL_SUPPLY), supply));
            accounts.push(Account {
                address: *token,
                account: TrieAccount {
                    code_hash: keccak256([0xef]),
                    storage_root: storage_root(&storage),
                    ..TrieAccount::default()
                },
                storage,
            });
        }
        Self { accounts }
    }

    /// The state root.
    pub fn root(&self) -> B256 {
        self.state_trie(&[]).0
    }

    fn state_trie(&self, targets: &[B256]) -> (B256, Vec<Vec<Bytes>>) {
        let leaves = self
            .accounts
            .iter()
            .map(|a| (keccak256(a.address), alloy_rlp::encode(a.account)))
            .collect();
        trie(leaves, targets)
    }

    /// A token's proven-to-be balance of a holder, as stored.
    pub fn storage(&self, address: Address, slot: B256) -> U256 {
        self.accounts
            .iter()
            .find(|a| a.address == address)
            .and_then(|a| a.storage.iter().find(|(k, _)| *k == slot))
            .map_or(U256::ZERO, |(_, v)| *v)
    }

    /// The honest `eth_getProof` answer for `address` and `slots`.
    pub fn proof(&self, address: Address, slots: &[B256]) -> AccountProof {
        let (_, mut account_proofs) = self.state_trie(&[keccak256(address)]);
        let account_proof = account_proofs.pop().unwrap_or_default();
        let found = self.accounts.iter().find(|a| a.address == address);
        let account = found.map_or(TrieAccount::default(), |a| a.account);
        let storage = found.map_or(&[][..], |a| &a.storage[..]);
        let leaves = storage
            .iter()
            .map(|(k, v)| (keccak256(k), alloy_rlp::encode(v)))
            .collect();
        let hashed: Vec<B256> = slots.iter().map(keccak256).collect();
        let (_, storage_proofs) = trie(leaves, &hashed);
        AccountProof {
            address,
            nonce: account.nonce,
            balance: account.balance,
            code_hash: account.code_hash,
            storage_hash: account.storage_root,
            account_proof,
            storage_proof: slots
                .iter()
                .zip(storage_proofs)
                .map(|(slot, proof)| StorageProof {
                    key: *slot,
                    value: self.storage(address, *slot),
                    proof,
                })
                .collect(),
        }
    }
}
