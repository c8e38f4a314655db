//! The finality layer: whether a decoded block is final, and under which identity.
//!
//! Over [`crate::bls`] (the threshold signature's arithmetic, blst): [`verify`] the rules of one block,
//! each a named predicate with its own error; [`epoch`] the epoch arithmetic every rule and
//! edge asks here rather than redoing; [`network`] what is trusted when (presets, anchors).

pub mod epoch;
pub mod network;
pub mod verify;

pub use network::{AnchoredIdentity, Network, NetworkKind};
pub use verify::{
    provenance, verify_block, verify_with_network, CheckedBlock, Provenance, VerifiedBlock,
};
