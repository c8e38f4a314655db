//! The secret-key side of BLS12-381 that the devnet's committees sign with.
//!
//! The verifier in the core never holds a secret, so signing lives here, written against
//! blst directly and apart from the core's own hashing: a certificate the devnet signs is
//! checked by code that shares nothing with the code that made it but blst itself.

use alloc::vec::Vec;
use blst::{blst_p1, blst_p1_affine, blst_p2, blst_p2_affine, blst_scalar};
use tempo_light::{bls::DST_G1, PublicKey};

/// A BLS12-381 secret scalar (never used by verification).
#[derive(Clone)]
pub struct SecretKey(blst_scalar);

impl SecretKey {
    /// Derives a secret uniformly (64 bytes reduced modulo the group order). Returns `None`
    /// only for the negligible case of zero.
    pub fn from_entropy(entropy: &[u8; 64]) -> Option<Self> {
        let mut scalar = blst_scalar::default();
        // SAFETY: `entropy` is 64 readable bytes.
        let nonzero = unsafe { blst::blst_scalar_from_be_bytes(&mut scalar, entropy.as_ptr(), 64) };
        nonzero.then_some(Self(scalar))
    }

    /// The public key `secret · g2`.
    pub fn public_key(&self) -> PublicKey {
        let mut point = blst_p2::default();
        let mut affine = blst_p2_affine::default();
        let mut bytes = [0u8; 96];
        // SAFETY: all pointers refer to live, initialised values; `bytes` is 96 writable bytes.
        unsafe {
            blst::blst_sk_to_pk_in_g2(&mut point, &self.0);
            blst::blst_p2_to_affine(&mut affine, &point);
            blst::blst_p2_affine_compress(bytes.as_mut_ptr(), &affine);
        }
        // A multiple of the generator by a nonzero scalar is a valid point of the subgroup.
        PublicKey::from_bytes(&bytes).expect("secret · g2 is a point of the G2 subgroup")
    }

    /// Signs `varint(len(namespace)) ‖ namespace ‖ message` (commonware's `union_unique`),
    /// as a threshold signature recovered from a quorum of shares would be; returns the
    /// compressed G1 point.
    pub fn sign(&self, namespace: &[u8], message: &[u8]) -> [u8; 48] {
        let mut input = Vec::with_capacity(namespace.len() + message.len() + 10);
        let mut length = namespace.len() as u64;
        loop {
            let byte = (length & 0x7f) as u8;
            length >>= 7;
            if length == 0 {
                input.push(byte);
                break;
            }
            input.push(byte | 0x80);
        }
        input.extend_from_slice(namespace);
        input.extend_from_slice(message);
        let mut hashed = blst_p1::default();
        let mut signature = blst_p1::default();
        let mut affine = blst_p1_affine::default();
        let mut out = [0u8; 48];
        // SAFETY: all pointers refer to live values and slices of the stated lengths.
        unsafe {
            blst::blst_hash_to_g1(
                &mut hashed,
                input.as_ptr(),
                input.len(),
                DST_G1.as_ptr(),
                DST_G1.len(),
                core::ptr::null(),
                0,
            );
            blst::blst_sign_pk_in_g2(&mut signature, &hashed, &self.0);
            blst::blst_p1_to_affine(&mut affine, &signature);
            blst::blst_p1_affine_compress(out.as_mut_ptr(), &affine);
        }
        out
    }
}
