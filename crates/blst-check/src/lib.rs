//! The cases of the differential test of blst's wasm build (crates/wasm/blst/field30.c)
//! against native blst (its assembly): each case is computed from its index alone, so a native
//! build and a wasm32 build of this crate compute the same cases, and scripts/blst-check.mjs
//! compares their outputs byte for byte.
//!
//! - [`field_case`]: multiplications, squarings, inversions and square roots in the base
//!   field and its quadratic extension, and the conversions into and out of Montgomery form,
//!   on edge-case values first and random ones after.
//! - [`pairing_case`]: the pairing of random multiples of the two generators (scalar
//!   multiplications, affine conversions, Miller loop, final exponentiation), the points'
//!   compressed forms, and a hash to G1 decompressed again with its subgroup check.
//! - [`certificate_verdict`]: tempo-light's verdict on a certificate, which the test compares
//!   with the reference's (commonware, native) on certificates signed and spoilt by the native
//!   side.

extern crate alloc;

use alloc::vec::Vec;
use blst::{
    blst_bendian_from_fp, blst_final_exp, blst_fp, blst_fp12, blst_fp2, blst_fp2_mul, blst_fp2_sqr,
    blst_fp_from_bendian, blst_fp_inverse, blst_fp_mul, blst_fp_sqr, blst_fp_sqrt, blst_hash_to_g1,
    blst_miller_loop, blst_p1, blst_p1_affine, blst_p1_affine_compress, blst_p1_affine_in_g1,
    blst_p1_generator, blst_p1_mult, blst_p1_to_affine, blst_p1_uncompress, blst_p2,
    blst_p2_affine, blst_p2_affine_compress, blst_p2_generator, blst_p2_mult, blst_p2_to_affine,
    BLST_ERROR,
};

/// The base field's modulus p, big-endian.
const P: [u8; 48] = [
    0x1a, 0x01, 0x11, 0xea, 0x39, 0x7f, 0xe6, 0x9a, 0x4b, 0x1b, 0xa7, 0xb6, 0x43, 0x4b, 0xac, 0xd7,
    0x64, 0x77, 0x4b, 0x84, 0xf3, 0x85, 0x12, 0xbf, 0x67, 0x30, 0xd2, 0xa0, 0xf6, 0xb0, 0xf6, 0x24,
    0x1e, 0xab, 0xff, 0xfe, 0xb1, 0x53, 0xff, 0xff, 0xb9, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xaa, 0xab,
];

/// How many edge-case values [`field_case`] starts with.
pub const FIELD_EDGES: u32 = 16;

/// splitmix64: the cases' randomness, the same on every target.
struct Rng(u64);

impl Rng {
    fn new(stream: u64, index: u32) -> Self {
        Self(stream ^ (u64::from(index) << 20) ^ 0x9e37_79b9_7f4a_7c15)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn bytes<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0; N];
        for chunk in out.chunks_mut(8) {
            let word = self.next().to_le_bytes();
            chunk.copy_from_slice(&word[..chunk.len()]);
        }
        out
    }
}

/// `p - k` for a small k, big-endian.
fn p_minus(k: u8) -> [u8; 48] {
    let mut out = P;
    let (low, borrow) = out[47].overflowing_sub(k);
    out[47] = low;
    // p's last byte is 0xab: no k used here borrows.
    debug_assert!(!borrow);
    out
}

/// A value below p, big-endian: the edge cases by index, then random ones (each of the three
/// top bits cleared, so below 2^381, and reduced by one subtraction when not below p).
fn value(index: u32, rng: &mut Rng) -> [u8; 48] {
    let mut out = [0u8; 48];
    match index {
        0 => {}
        1 => out[47] = 1,
        2 => out[47] = 2,
        3 => out = p_minus(1),
        4 => out = p_minus(2),
        5 => {
            // (p - 1) / 2
            let mut carry = 0u8;
            for (o, b) in out.iter_mut().zip(p_minus(1)) {
                *o = (b >> 1) | (carry << 7);
                carry = b & 1;
            }
        }
        6 => out[0] = 0x10,  // 2^380
        7 => out[1] = 0x01,  // 2^368
        8 => out.fill(0xff), // reduced below
        9 => out[24..].fill(0xff),
        10 => out[..24].copy_from_slice(&P[..24]),
        11 => {
            out = P;
            out[47] = 0; // p rounded down to 256
        }
        12 => out[3..].fill(0xff), // 2^360 - 1: twelve 30-bit limbs of ones
        13 => {
            out = P;
            out[2..].fill(0xff); // p's top bits over ones: big limbs in every representation
        }
        _ => out = rng.bytes(),
    }
    out[0] &= 0x1f;
    if out >= P {
        let mut borrow = false;
        for i in (0..48).rev() {
            let (d, b1) = out[i].overflowing_sub(P[i]);
            let (d, b2) = d.overflowing_sub(u8::from(borrow));
            out[i] = d;
            borrow = b1 || b2;
        }
    }
    out
}

fn fp(bytes: &[u8; 48]) -> blst_fp {
    let mut out = blst_fp::default();
    // SAFETY: blst reads 48 bytes and writes one field element.
    unsafe { blst_fp_from_bendian(&mut out, bytes.as_ptr()) };
    out
}

/// A field element whose Montgomery form (blst's limbs) is `bytes`, read big-endian: edge
/// cases of the representation itself, not of the value.
fn fp_raw(bytes: &[u8; 48]) -> blst_fp {
    let mut out = blst_fp::default();
    for (i, limb) in out.l.iter_mut().enumerate() {
        let mut word = [0u8; 8];
        word.copy_from_slice(&bytes[48 - 8 * (i + 1)..48 - 8 * i]);
        *limb = u64::from_be_bytes(word);
    }
    out
}

fn push_raw(out: &mut Vec<u8>, a: &blst_fp) {
    for limb in a.l {
        out.extend_from_slice(&limb.to_le_bytes());
    }
}

fn push_value(out: &mut Vec<u8>, a: &blst_fp) {
    let mut bytes = [0u8; 48];
    // SAFETY: blst writes 48 bytes.
    unsafe { blst_bendian_from_fp(bytes.as_mut_ptr(), a) };
    out.extend_from_slice(&bytes);
}

/// Field case `index`: from two values a, b (edge cases for the first FIELD_EDGES^2 indices,
/// as values and as Montgomery forms; random after): a*b, a^2, 1/a, sqrt(a) (and whether it
/// exists), the values of a*b and 1/a out of Montgomery form, (a + b i)(b + a i) and
/// (a + b i)^2 in the extension. Each result as blst's limbs, so a different representative
/// of the same value would differ too.
pub fn field_case(index: u32) -> Vec<u8> {
    let mut rng = Rng::new(0xf1e1d, index);
    let edges = FIELD_EDGES * FIELD_EDGES;
    let (a, b) = if index < edges {
        let (x, y) = (
            value(index / FIELD_EDGES, &mut rng),
            value(index % FIELD_EDGES, &mut rng),
        );
        (fp(&x), fp(&y))
    } else if index < 2 * edges {
        let i = index - edges;
        let (x, y) = (
            value(i / FIELD_EDGES, &mut rng),
            value(i % FIELD_EDGES, &mut rng),
        );
        (fp_raw(&x), fp_raw(&y))
    } else {
        (
            fp(&value(u32::MAX, &mut rng)),
            fp(&value(u32::MAX, &mut rng)),
        )
    };
    let mut out = Vec::with_capacity(48 * 12);
    let (mut r, mut s) = (blst_fp::default(), blst_fp::default());
    // SAFETY: every blst call below reads and writes whole field elements it is given.
    unsafe {
        blst_fp_mul(&mut r, &a, &b);
        push_raw(&mut out, &r);
        push_value(&mut out, &r);
        blst_fp_sqr(&mut r, &a);
        push_raw(&mut out, &r);
        blst_fp_inverse(&mut r, &a);
        push_raw(&mut out, &r);
        push_value(&mut out, &r);
        let root = blst_fp_sqrt(&mut s, &a);
        out.push(u8::from(root));
        push_raw(&mut out, &s);
        let x = blst_fp2 { fp: [a, b] };
        let y = blst_fp2 { fp: [b, a] };
        let mut z = blst_fp2::default();
        blst_fp2_mul(&mut z, &x, &y);
        push_raw(&mut out, &z.fp[0]);
        push_raw(&mut out, &z.fp[1]);
        blst_fp2_sqr(&mut z, &x);
        push_raw(&mut out, &z.fp[0]);
        push_raw(&mut out, &z.fp[1]);
    }
    out
}

/// Pairing case `index`: e(s G1, t G2) for random 255-bit s and t, as the twelve values of the
/// final exponentiation's result, then both points compressed, then the message `index` hashed
/// to G1 with tempo-light's DST, compressed, and decompressed again with its subgroup check.
pub fn pairing_case(index: u32) -> Vec<u8> {
    let mut rng = Rng::new(0x9a1e, index);
    let mut s: [u8; 32] = rng.bytes();
    let mut t: [u8; 32] = rng.bytes();
    s[31] &= 0x7f; // little-endian, 255 bits
    t[31] &= 0x7f;
    let mut out = Vec::with_capacity(576 + 48 + 96 + 48 + 1);
    let (mut p, mut q) = (blst_p1::default(), blst_p2::default());
    let (mut pa, mut qa) = (blst_p1_affine::default(), blst_p2_affine::default());
    let (mut f, mut e) = (blst_fp12::default(), blst_fp12::default());
    // SAFETY: every blst call below reads and writes whole points, scalars and elements.
    unsafe {
        blst_p1_mult(&mut p, blst_p1_generator(), s.as_ptr(), 255);
        blst_p2_mult(&mut q, blst_p2_generator(), t.as_ptr(), 255);
        blst_p1_to_affine(&mut pa, &p);
        blst_p2_to_affine(&mut qa, &q);
        blst_miller_loop(&mut f, &qa, &pa);
        blst_final_exp(&mut e, &f);
        for fp6 in &e.fp6 {
            for fp2 in &fp6.fp2 {
                for x in &fp2.fp {
                    push_value(&mut out, x);
                }
            }
        }
        let mut compressed = [0u8; 96];
        blst_p1_affine_compress(compressed.as_mut_ptr(), &pa);
        out.extend_from_slice(&compressed[..48]);
        blst_p2_affine_compress(compressed.as_mut_ptr(), &qa);
        out.extend_from_slice(&compressed);
        let dst = b"BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_POP_";
        let message = index.to_le_bytes();
        let mut h = blst_p1::default();
        blst_hash_to_g1(
            &mut h,
            message.as_ptr(),
            4,
            dst.as_ptr(),
            dst.len(),
            core::ptr::null(),
            0,
        );
        blst_p1_to_affine(&mut pa, &h);
        blst_p1_affine_compress(compressed.as_mut_ptr(), &pa);
        out.extend_from_slice(&compressed[..48]);
        let mut back = blst_p1_affine::default();
        let decoded = blst_p1_uncompress(&mut back, compressed.as_ptr());
        out.push(u8::from(
            decoded == BLST_ERROR::BLST_SUCCESS && blst_p1_affine_in_g1(&back),
        ));
    }
    out
}

/// tempo-light's verdict on `certificate` under `identity` (96 bytes): decoded, then verified.
pub fn certificate_verdict(certificate: &[u8], identity: &[u8]) -> bool {
    let Ok(identity) = tempo_light::PublicKey::from_slice(identity) else {
        return false;
    };
    tempo_light::Certificate::decode(certificate).is_ok_and(|c| c.verify(&identity).is_ok())
}

/// The wasm32 exports scripts/blst-check.mjs calls: one case at a time into a buffer.
#[cfg(target_arch = "wasm32")]
mod exports {
    use alloc::vec::Vec;
    use core::cell::RefCell;

    struct Buffer(RefCell<Vec<u8>>);
    // SAFETY: wasm32-unknown-unknown without threads: one thread touches it.
    unsafe impl Sync for Buffer {}
    static OUT: Buffer = Buffer(RefCell::new(Vec::new()));
    static IN: Buffer = Buffer(RefCell::new(Vec::new()));

    fn put(bytes: Vec<u8>) -> u32 {
        // This module is wasm32 only, where usize is 32 bits: the conversion cannot fail (and a
        // case's output is a few hundred bytes).
        let len = u32::try_from(bytes.len()).expect("usize is 32 bits on wasm32");
        *OUT.0.borrow_mut() = bytes;
        len
    }

    /// The last case's output.
    #[no_mangle]
    pub extern "C" fn output() -> *const u8 {
        OUT.0.borrow().as_ptr()
    }

    /// A buffer of `len` bytes for the next input.
    #[no_mangle]
    pub extern "C" fn input(len: u32) -> *mut u8 {
        let mut input = IN.0.borrow_mut();
        input.clear();
        input.resize(len as usize, 0);
        input.as_mut_ptr()
    }

    /// [`crate::field_case`]; its length.
    #[no_mangle]
    pub extern "C" fn field(index: u32) -> u32 {
        put(crate::field_case(index))
    }

    /// [`crate::pairing_case`]; its length.
    #[no_mangle]
    pub extern "C" fn pairing(index: u32) -> u32 {
        put(crate::pairing_case(index))
    }

    /// [`crate::certificate_verdict`] on the input: 96 bytes of identity, then the certificate.
    #[no_mangle]
    pub extern "C" fn verdict() -> u32 {
        let input = IN.0.borrow();
        if input.len() < 96 {
            return 2;
        }
        u32::from(crate::certificate_verdict(&input[96..], &input[..96]))
    }
}
