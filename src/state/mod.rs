//! The state layer: accounts and storage read under a final header's `stateRoot`.
//!
//! [`state_proof`] checks an `eth_getProof` answer node by node against the root; the TIP-20
//! reads built on it (balances, token fields, transfer logs) are in [`tip20`].

pub mod state_proof;
pub mod tip20;
