//! Ed25519 public keys as Tempo's consensus accepts them: 32 bytes that decompress to a
//! point of the curve.
//!
//! Why this exists: the reference (commonware's ed25519, built on `ed25519-consensus`)
//! accepts a key when its compressed Edwards y-coordinate decompresses, with no further
//! check (non-canonical y, small-order points and a negative zero x are all accepted, per
//! ZIP 215). That is `curve25519-dalek`'s `CompressedEdwardsY::decompress`, used here
//! directly: on wasm32 it selects 32-bit field arithmetic, several times faster there than
//! the 64-bit-only arithmetic `ed25519-consensus` compiles in (a header's proposer key is
//! checked for every header a wallet authenticates). `tests/ed25519_keys.rs` compares the
//! two on edge cases and random keys.

use curve25519_dalek::edwards::CompressedEdwardsY;

/// Whether `key` is an ed25519 public key the reference accepts.
pub fn is_valid_key(key: &[u8; 32]) -> bool {
    CompressedEdwardsY(*key).decompress().is_some()
}
