//! What every fuzz target checks, one function per target, shared by the libFuzzer binaries
//! (`fuzz/fuzz_targets/*.rs`) and by `tests/fuzz_regressions.rs`, which replays the committed
//! corpora and regression inputs through the very same functions in `cargo test`.
//!
//! Each function takes the fuzzer's bytes and panics only when tempo-light misbehaves: a
//! panic inside the core on hostile input, a verdict that differs from the reference crates
//! (commonware 2026.7.1), an accepted block or balance the chain never had, or a broken
//! light-client invariant.
//!
//! One module per family of targets; the simulated chains they share are in [`chains`].

mod chains;
mod encodings;
mod light_client;
mod payments;
mod rpc_json;
mod state;
mod wasm_inputs;

pub use chains::*;
pub use encodings::*;
pub use light_client::*;
pub use payments::*;
pub use rpc_json::*;
pub use state::*;
pub use wasm_inputs::*;

/// A target's check: panics on a finding.
pub type Check = fn(&[u8]);

/// Every fuzz target, by name (the `fuzz_targets/<name>.rs` binaries and the corpus folders).
pub const TARGETS: &[(&str, Check)] = &[
    ("certificate", certificate),
    ("certificate_differential", certificate_differential),
    ("dkg_outcome", dkg_outcome),
    ("dkg_outcome_differential", dkg_outcome_differential),
    ("header_json", header_json),
    ("certified_block", certified_block),
    ("saved_state", saved_state),
    ("account_proof", account_proof),
    ("light_client", light_client),
    ("payment_block", payment_block),
    ("payment_proof", payment_proof),
    ("wasm_inputs", wasm_inputs),
];
