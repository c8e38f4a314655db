//! Ed25519 public keys as Tempo's consensus accepts them: 32 bytes that decompress to a
//! point of the curve.
//!
//! Why this exists: the reference (commonware's ed25519, built on `ed25519-consensus`)
//! accepts a key when its compressed Edwards y-coordinate decompresses, with no further
//! check (non-canonical y, small-order points and a negative zero x are all accepted, per
//! ZIP 215). That is `curve25519-dalek`'s `CompressedEdwardsY::decompress`, used here
//! directly: on wasm32 it selects 32-bit field arithmetic, several times faster there than
//! the 64-bit-only arithmetic `ed25519-consensus` compiles in (a header's proposer key is
//! checked for every header a wallet authenticates). The tests below compare the two on
//! edge cases and random keys.

use curve25519_dalek::edwards::CompressedEdwardsY;

/// Whether `key` is an ed25519 public key the reference accepts.
pub fn is_valid_key(key: &[u8; 32]) -> bool {
    CompressedEdwardsY(*key).decompress().is_some()
}

/// Key validity against the reference's decoder: `is_valid_key` must accept exactly the keys
/// `ed25519-consensus` (commonware's ed25519) accepts, on the edges of the encoding (every
/// small y, y around p and 2^255 (non-canonical), the small-order points, both sign bits)
/// and on random keys.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    extern crate std;
    use alloc::vec::Vec;
    use rand::{rngs::StdRng, RngExt, SeedableRng};

    fn reference(key: &[u8; 32]) -> bool {
        ed25519_consensus::VerificationKey::try_from(*key).is_ok()
    }

    /// `n` as 32 little-endian bytes.
    fn le(n: u128, high: [u8; 16]) -> [u8; 32] {
        let mut key = [0u8; 32];
        key[..16].copy_from_slice(&n.to_le_bytes());
        key[16..].copy_from_slice(&high);
        key
    }

    #[test]
    fn key_validity_matches_ed25519_consensus() {
        let mut cases: Vec<[u8; 32]> = Vec::new();
        // Small y.
        for y in 0..64u128 {
            cases.push(le(y, [0; 16]));
        }
        // y near p = 2^255 - 19 and near 2^255 - 1 (non-canonical encodings).
        let top = {
            let mut h = [0xffu8; 16];
            h[15] = 0x7f;
            h
        };
        for d in 0..64u128 {
            cases.push(le(u128::MAX - d, top));
        }
        // The small-order points (y = 1, -1, 0 and the order-8 ones), as listed in ZIP 215.
        for hex in [
            "0100000000000000000000000000000000000000000000000000000000000000",
            "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
            "0000000000000000000000000000000000000000000000000000000000000080",
            "0000000000000000000000000000000000000000000000000000000000000000",
            "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
            "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
            "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
            "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
            "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
            "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
            "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
            "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
        ] {
            // Test code only: the literals above, each 64 hex digits.
            let bytes = alloy_primitives::hex::decode(hex).expect("the listed keys are hex");
            cases.push(bytes.try_into().expect("each listed key is 32 bytes"));
        }
        // Random keys (about half decompress), from a fixed seed.
        let mut rng = StdRng::seed_from_u64(215);
        for _ in 0..20_000 {
            let mut key = [0u8; 32];
            rng.fill(&mut key[..]);
            cases.push(key);
        }
        // Every case again with the sign bit flipped.
        let flipped: Vec<[u8; 32]> = cases
            .iter()
            .map(|k| {
                let mut k = *k;
                k[31] ^= 0x80;
                k
            })
            .collect();
        cases.extend(flipped);

        let mut accepted = 0;
        let mut mismatches = Vec::new();
        for key in &cases {
            let ours = super::is_valid_key(key);
            if ours != reference(key) {
                mismatches.push(alloy_primitives::hex::encode(key));
            }
            accepted += usize::from(ours);
        }
        std::println!(
            "differential: ed25519 keys: compared {} cases ({accepted} valid, {} invalid) with ed25519-consensus, {} mismatches",
            cases.len(),
            cases.len() - accepted,
            mismatches.len()
        );
        assert!(mismatches.is_empty(), "{mismatches:?}");
        assert!(accepted > 15_000 && cases.len() - accepted > 15_000);
    }
}
