//! BLS12-381 (MinSig: signatures in G1, keys in G2) on top of `blst`.
//!
//! Three things live here: checked point decoding (the same `blst` calls and the same
//! rejections as commonware: bad encoding, off-curve, off-subgroup, infinity), hashing a
//! namespaced message to G1, and the same-signer batch check that verifies many
//! signatures of one key with a single shared Miller loop.
//!
//! Both G2 points of that check are fixed per identity (the key and the generator), so the
//! G2 half of the Miller loop, its 68 lines, is computed once per key (blst's
//! `precompute_lines`) and kept with it; each verification then runs only the G1 half,
//! one accumulator shared by both pairs. A unit test holds the result to blst's own
//! `miller_loop_n`, equal as field elements.
//!
//! The batch check multiplies each signature by a 128-bit scalar before summing. The
//! reference draws these from an RNG and is only as strong as that RNG (an all-zero RNG
//! accepts forgeries). Here the scalars are derived by hashing the whole batch (key,
//! every message, every signature), so they are unpredictable to whoever chose the
//! batch, need no RNG in `no_std`, and cannot be steered by the caller.

use crate::error::PointError;
use alloc::{boxed::Box, sync::Arc, vec::Vec};
use alloy_primitives::keccak256;
use blst::{
    blst_final_exp, blst_fp, blst_fp12, blst_fp12_is_one, blst_fp6, blst_hash_to_g1, blst_p1,
    blst_p1_add_or_double, blst_p1_affine, blst_p1_affine_compress, blst_p1_affine_in_g1,
    blst_p1_affine_is_inf, blst_p1_is_inf, blst_p1_mult, blst_p1_uncompress, blst_p2_affine,
    blst_p2_affine_compress, blst_p2_affine_generator, blst_p2_affine_in_g2, blst_p2_affine_is_inf,
    blst_p2_deserialize, blst_p2_uncompress, BLST_ERROR,
};
use once_cell::race::OnceBox;

/// Domain separation tag for hashing messages to G1 (commonware's `MinSig::MESSAGE`).
pub const DST_G1: &[u8] = b"BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_POP_";

/// Length of a compressed G1 point (a signature).
pub const SIGNATURE_LENGTH: usize = 48;
/// Length of a compressed G2 point (a public key, e.g. the network identity).
pub const PUBLIC_KEY_LENGTH: usize = 96;

/// Domain of the hash that derives batch scalars (ours; never sent over the wire).
const SCALAR_DOMAIN: &[u8] = b"tempo-light/batch-scalars/v1";

fn blst_error(e: BLST_ERROR) -> PointError {
    match e {
        BLST_ERROR::BLST_POINT_NOT_ON_CURVE => PointError::NotOnCurve,
        BLST_ERROR::BLST_POINT_NOT_IN_GROUP => PointError::NotInSubgroup,
        BLST_ERROR::BLST_PK_IS_INFINITY => PointError::Infinity,
        _ => PointError::BadEncoding,
    }
}

/// A validated G2 public key (the network identity of an epoch): on the curve, in the
/// subgroup, and not the point at infinity.
///
/// A key that verifies keeps its Miller-loop lines (computed at its first verification,
/// shared by its clones), so later verifications skip the G2 half of the pairing.
#[derive(Clone)]
pub struct PublicKey {
    point: blst_p2_affine,
    bytes: [u8; PUBLIC_KEY_LENGTH],
    lines: Arc<OnceBox<Lines>>,
}

impl PartialEq for PublicKey {
    fn eq(&self, other: &Self) -> bool {
        // The canonical encoding: equal keys have equal bytes.
        self.bytes == other.bytes
    }
}

impl Eq for PublicKey {}

impl core::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("PublicKey(0x")?;
        for byte in self.bytes {
            write!(f, "{byte:02x}")?;
        }
        f.write_str(")")
    }
}

impl PublicKey {
    /// Decodes and checks a compressed G2 point.
    pub fn from_bytes(bytes: &[u8; PUBLIC_KEY_LENGTH]) -> Result<Self, PointError> {
        let mut point = blst_p2_affine::default();
        // SAFETY: `bytes` is 96 readable bytes, `point` a valid out-pointer.
        let rc = unsafe { blst_p2_uncompress(&mut point, bytes.as_ptr()) };
        if rc != BLST_ERROR::BLST_SUCCESS {
            return Err(blst_error(rc));
        }
        // SAFETY: `point` was initialised by a successful uncompress.
        if unsafe { blst_p2_affine_is_inf(&point) } {
            return Err(PointError::Infinity);
        }
        // SAFETY: as above.
        if !unsafe { blst_p2_affine_in_g2(&point) } {
            return Err(PointError::NotInSubgroup);
        }
        // Store the canonical re-encoding, so equal keys compare equal byte for byte.
        let mut canonical = [0u8; PUBLIC_KEY_LENGTH];
        // SAFETY: `canonical` is 96 writable bytes.
        unsafe { blst_p2_affine_compress(canonical.as_mut_ptr(), &point) };
        Ok(Self {
            point,
            bytes: canonical,
            lines: Arc::default(),
        })
    }

    /// A built-in key from its uncompressed form (`x ‖ y`, big-endian, 192 bytes) and its
    /// compressed encoding: no square root and no subgroup check, which makes a preset
    /// client cheap to create (a few milliseconds less at a cold start in wasm). Only for
    /// constants that a test has compared with [`Self::from_bytes`] of `compressed`; `None`
    /// if `uncompressed` is not a point on the curve.
    pub(crate) fn from_checked_constant(
        uncompressed: &[u8; 2 * PUBLIC_KEY_LENGTH],
        compressed: &[u8; PUBLIC_KEY_LENGTH],
    ) -> Option<Self> {
        let mut point = blst_p2_affine::default();
        // SAFETY: `uncompressed` is 192 readable bytes, `point` a valid out-pointer.
        let rc = unsafe { blst_p2_deserialize(&mut point, uncompressed.as_ptr()) };
        (rc == BLST_ERROR::BLST_SUCCESS).then(|| Self {
            point,
            bytes: *compressed,
            lines: Arc::default(),
        })
    }

    /// Decodes from a slice that must be exactly 96 bytes.
    pub fn from_slice(bytes: &[u8]) -> Result<Self, PointError> {
        let array: &[u8; PUBLIC_KEY_LENGTH] =
            bytes.try_into().map_err(|_| PointError::BadEncoding)?;
        Self::from_bytes(array)
    }

    /// The compressed encoding.
    pub fn to_bytes(&self) -> [u8; PUBLIC_KEY_LENGTH] {
        self.bytes
    }

    /// The key's Miller-loop lines, computed once.
    fn lines(&self) -> &Lines {
        self.lines.get_or_init(|| Lines::of(&self.point))
    }
}

/// The 68 Miller-loop lines of a G2 point, in the order of `blst_precompute_lines`: the
/// G2 half of every pairing with that point, independent of the G1 side. A shared Miller
/// loop over such lines (`miller_loop`) costs only the G1-dependent half.
struct Lines([blst_fp6; LINE_COUNT]);

/// Lines per G2 point: one per doubling and addition of the loop over |x| = 0xd201000000010000.
const LINE_COUNT: usize = 68;

/// The loop over |x| after its first doubling (line 0), as blst lays the lines out: each
/// segment is an addition line at `start` followed by `doublings` doubling lines, every
/// doubling preceded by a squaring of the accumulator.
const SEGMENTS: [(usize, usize); 5] = [(1, 2), (4, 3), (8, 9), (18, 32), (51, 16)];

impl Lines {
    fn of(point: &blst_p2_affine) -> Box<Self> {
        let mut lines = Box::new(Self([blst_fp6::default(); LINE_COUNT]));
        // SAFETY: `lines.0` is LINE_COUNT (68) writable fp6 values, as blst requires.
        unsafe { blst::blst_precompute_lines(lines.0.as_mut_ptr(), point) };
        lines
    }
}

/// Lines of the G2 generator, computed at the first verification.
static GENERATOR_LINES: OnceBox<Lines> = OnceBox::new();

fn generator_lines() -> &'static Lines {
    // SAFETY: blst returns a pointer to its static generator.
    GENERATOR_LINES.get_or_init(|| Lines::of(unsafe { &*blst_p2_affine_generator() }))
}

/// One line evaluated at a G1 point: the line's `y` and `z` coefficients scaled by the
/// point's `−2x` and `2y` (blst's `post_line_by_Px2`).
fn line_at(line: &blst_fp6, px2: &(blst_fp, blst_fp)) -> blst_fp6 {
    let mut out = *line;
    // SAFETY: every pointer is to a live, initialised field element; blst allows aliasing.
    unsafe {
        for c in 0..2 {
            blst::blst_fp_mul(&mut out.fp2[1].fp[c], &line.fp2[1].fp[c], &px2.0);
            blst::blst_fp_mul(&mut out.fp2[2].fp[c], &line.fp2[2].fp[c], &px2.1);
        }
    }
    out
}

/// The product of the Miller loops of `N` (lines, G1 point) pairs, sharing one
/// accumulator and its squarings; the same value as `blst_miller_loop_n` on the points
/// the lines came from. Every G1 point is affine and not infinity; `N` is at least 1.
/// Allocates nothing.
fn miller_loop<const N: usize>(pairs: [(&Lines, &blst_p1_affine); N]) -> blst_fp12 {
    // −2x and 2y of each G1 point, the factors every line is scaled by.
    let px2: [(blst_fp, blst_fp); N] = pairs.map(|(_, p)| {
        let (mut x, mut y) = (blst_fp::default(), blst_fp::default());
        // SAFETY: live, initialised field elements; blst allows aliasing.
        unsafe {
            blst::blst_fp_add(&mut x, &p.x, &p.x);
            blst::blst_fp_cneg(&mut x, &x, true);
            blst::blst_fp_add(&mut y, &p.y, &p.y);
        }
        (x, y)
    });
    // The first doubling: 1² · line is the line itself, placed as blst places it; the
    // other pairs' first lines multiply in below.
    let mut acc = blst_fp12::default();
    if let (Some((lines, _)), Some(first)) = (pairs.first(), px2.first()) {
        let line = line_at(&lines.0[0], first);
        acc.fp6[0].fp2[0] = line.fp2[0];
        acc.fp6[0].fp2[1] = line.fp2[1];
        acc.fp6[1].fp2[1] = line.fp2[2];
    }
    let acc_ptr: *mut blst_fp12 = &mut acc;
    let multiply_lines = |index: usize, skip: usize| {
        for ((lines, _), px2) in pairs.iter().zip(&px2).skip(skip) {
            let line = line_at(&lines.0[index], px2);
            // SAFETY: `acc_ptr` points to the live accumulator; blst allows ret == a.
            unsafe { blst::blst_fp12_mul_by_xy00z0(acc_ptr, acc_ptr, &line) };
        }
    };
    multiply_lines(0, 1);
    for (start, doublings) in SEGMENTS {
        multiply_lines(start, 0);
        for index in start + 1..=start + doublings {
            // SAFETY: as above; blst allows ret == a.
            unsafe { blst::blst_fp12_sqr(acc_ptr, acc_ptr) };
            multiply_lines(index, 0);
        }
    }
    // x is negative.
    // SAFETY: as above.
    unsafe { blst::blst_fp12_conjugate(acc_ptr) };
    acc
}

/// A validated G1 signature: on the curve, in the subgroup, and not infinity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Signature {
    point: blst_p1_affine,
}

impl Signature {
    /// Decodes and checks a compressed G1 point.
    pub fn from_bytes(bytes: &[u8; SIGNATURE_LENGTH]) -> Result<Self, PointError> {
        let mut point = blst_p1_affine::default();
        // SAFETY: `bytes` is 48 readable bytes, `point` a valid out-pointer.
        let rc = unsafe { blst_p1_uncompress(&mut point, bytes.as_ptr()) };
        if rc != BLST_ERROR::BLST_SUCCESS {
            return Err(blst_error(rc));
        }
        // SAFETY: `point` was initialised by a successful uncompress.
        if unsafe { blst_p1_affine_is_inf(&point) } {
            return Err(PointError::Infinity);
        }
        // SAFETY: as above.
        if !unsafe { blst_p1_affine_in_g1(&point) } {
            return Err(PointError::NotInSubgroup);
        }
        Ok(Self { point })
    }

    /// The compressed encoding.
    pub fn to_bytes(&self) -> [u8; SIGNATURE_LENGTH] {
        let mut out = [0u8; SIGNATURE_LENGTH];
        // SAFETY: `out` is 48 writable bytes.
        unsafe { blst_p1_affine_compress(out.as_mut_ptr(), &self.point) };
        out
    }
}

/// Hashes `varint(len(namespace)) ‖ namespace ‖ message` to G1 (commonware's
/// `hash_with_namespace` over `union_unique`).
pub(crate) fn hash_namespaced(namespace: &[u8], message: &[u8]) -> blst_p1 {
    let mut input = Vec::with_capacity(namespace.len() + message.len() + 5);
    crate::codec::write_varint(&mut input, namespace.len() as u64);
    input.extend_from_slice(namespace);
    input.extend_from_slice(message);
    let mut out = blst_p1::default();
    // SAFETY: all pointers refer to live slices of the stated lengths; aug is empty.
    unsafe {
        blst_hash_to_g1(
            &mut out,
            input.as_ptr(),
            input.len(),
            DST_G1.as_ptr(),
            DST_G1.len(),
            core::ptr::null(),
            0,
        )
    };
    out
}

/// One message of a batch: its namespace, its bytes, and the signature claimed over them.
pub(crate) struct Entry<'a> {
    pub namespace: &'a [u8],
    pub message: &'a [u8],
    pub signature: Signature,
}

/// Derives the batch scalars: a hash of the whole batch, then one 128-bit scalar per entry
/// after the first, with the top bit set so none is zero. The first entry's scalar is 1 (a
/// random linear combination needs only the others random: forging still means guessing a
/// 128-bit value). Little-endian, as `blst` wants.
fn batch_scalars(public: &PublicKey, entries: &[Entry<'_>]) -> Vec<[u8; 16]> {
    let mut transcript = Vec::with_capacity(
        SCALAR_DOMAIN.len() + PUBLIC_KEY_LENGTH + entries.len() * (SIGNATURE_LENGTH + 96),
    );
    transcript.extend_from_slice(SCALAR_DOMAIN);
    transcript.extend_from_slice(&public.bytes);
    for entry in entries {
        crate::codec::write_varint(&mut transcript, entry.namespace.len() as u64);
        transcript.extend_from_slice(entry.namespace);
        crate::codec::write_varint(&mut transcript, entry.message.len() as u64);
        transcript.extend_from_slice(entry.message);
        transcript.extend_from_slice(&entry.signature.to_bytes());
    }
    let seed = keccak256(&transcript);
    let mut one = [0u8; 16];
    one[0] = 1;
    core::iter::once(one)
        .chain((1..entries.len()).map(|i| {
            let mut block = [0u8; 40];
            block[..32].copy_from_slice(seed.as_slice());
            block[32..].copy_from_slice(&(i as u64).to_be_bytes());
            let digest = keccak256(block);
            let mut scalar = [0u8; 16];
            scalar.copy_from_slice(&digest[..16]);
            scalar[15] |= 0x80;
            scalar
        }))
        .collect()
}

/// `Σ scalars[i]·points[i]` with blst's Pippenger multi-scalar multiplication (128-bit scalars).
#[cfg(any(not(target_arch = "wasm32"), test))]
fn msm(points: &[blst_p1_affine], scalars: &[[u8; 16]]) -> blst_p1 {
    let mut out = blst_p1::default();
    let n = points.len().min(scalars.len());
    if n == 0 {
        return out;
    }
    // SAFETY: `points` and `scalars` hold `n` contiguous elements each (a null second pointer
    // tells blst the arrays are contiguous); the scratch has the size blst asks for.
    unsafe {
        let size = blst::blst_p1s_mult_pippenger_scratch_sizeof(n);
        let mut scratch: Vec<u64> = alloc::vec![0; size.div_ceil(8)];
        let pts: [*const blst_p1_affine; 2] = [points.as_ptr(), core::ptr::null()];
        let scs: [*const u8; 2] = [scalars.as_ptr().cast(), core::ptr::null()];
        blst::blst_p1s_mult_pippenger(
            &mut out,
            pts.as_ptr(),
            n,
            scs.as_ptr(),
            128,
            scratch.as_mut_ptr().cast(),
        );
    }
    out
}

/// `Σ scalars[i]·points[i]` (128-bit scalars, little-endian) by Straus's method: each point's
/// first fifteen multiples, then one shared run of 128 doublings, adding each point's multiple
/// for each 4-bit window of its scalar. The wasm build's multi-scalar multiplication: blst's
/// Pippenger (`msm`) is about 9 KB gzipped of a module held to 150 KB, and one 128-bit
/// multiplication per point costs 128 doublings each; on the batches of a catch-up (tens of
/// points) this is the cheaper of the three. The sum is the same point.
#[cfg(any(target_arch = "wasm32", test))]
fn msm_straus(points: &[blst_p1], scalars: &[[u8; 16]]) -> blst_p1 {
    let tables: Vec<[blst_p1; 15]> = points
        .iter()
        .map(|point| {
            let mut table = [*point; 15];
            for k in 1..15 {
                let previous = table[k - 1];
                // SAFETY: initialised points; out may not alias the inputs, and does not.
                unsafe { blst_p1_add_or_double(&mut table[k], &previous, point) };
            }
            table
        })
        .collect();
    // The point at infinity (Z = 0).
    let mut sum = blst_p1::default();
    for window in (0..32).rev() {
        for _ in 0..4 {
            let previous = sum;
            // SAFETY: initialised point.
            unsafe { blst::blst_p1_double(&mut sum, &previous) };
        }
        for (table, scalar) in tables.iter().zip(scalars) {
            let digit = usize::from((scalar[window / 2] >> (4 * (window % 2))) & 0xf);
            if digit != 0 {
                let previous = sum;
                // SAFETY: initialised points.
                unsafe { blst_p1_add_or_double(&mut sum, &previous, &table[digit - 1]) };
            }
        }
    }
    sum
}

/// `p` in projective coordinates.
fn projective(p: &blst_p1_affine) -> blst_p1 {
    let mut out = blst_p1::default();
    // SAFETY: an initialised affine point, a valid out-pointer.
    unsafe { blst::blst_p1_from_affine(&mut out, p) };
    out
}

/// `(Σ r_i·H(m_i), Σ r_i·σ_i)` of a batch of five or more, by blst's Pippenger.
#[cfg(not(target_arch = "wasm32"))]
fn batch_sums(
    hashes: &[blst_p1],
    entries: &[Entry<'_>],
    scalars: &[[u8; 16]],
) -> (blst_p1, blst_p1) {
    let mut hash_points = alloc::vec![blst_p1_affine::default(); hashes.len()];
    // SAFETY: `hashes` is a contiguous array of `hashes.len()` initialised points.
    unsafe {
        let src: [*const blst_p1; 2] = [hashes.as_ptr(), core::ptr::null()];
        blst::blst_p1s_to_affine(hash_points.as_mut_ptr(), src.as_ptr(), hashes.len());
    }
    let signature_points: Vec<blst_p1_affine> = entries.iter().map(|e| e.signature.point).collect();
    (msm(&hash_points, scalars), msm(&signature_points, scalars))
}

/// `(Σ r_i·H(m_i), Σ r_i·σ_i)` of a batch of five or more, by Straus's method (see
/// [`msm_straus`]: the wasm module leaves blst's Pippenger out).
#[cfg(target_arch = "wasm32")]
fn batch_sums(
    hashes: &[blst_p1],
    entries: &[Entry<'_>],
    scalars: &[[u8; 16]],
) -> (blst_p1, blst_p1) {
    let signatures: Vec<blst_p1> = entries
        .iter()
        .map(|e| projective(&e.signature.point))
        .collect();
    (
        msm_straus(hashes, scalars),
        msm_straus(&signatures, scalars),
    )
}

/// Verifies that every entry's signature is `public`'s signature over its namespaced
/// message, in one multi-pairing: with scalars `r_i`, checks
/// `e(Σ r_i·H(m_i), pk) · e(Σ r_i·σ_i, −g2) = 1`.
///
/// An empty batch verifies (vacuously), as in the reference.
pub(crate) fn verify_same_signer(public: &PublicKey, entries: &[Entry<'_>]) -> bool {
    if entries.is_empty() {
        return true;
    }
    let scalars = batch_scalars(public, entries);
    let hashes: Vec<blst_p1> = entries
        .iter()
        .map(|e| hash_namespaced(e.namespace, e.message))
        .collect();
    let mut hash_sum = blst_p1::default();
    let mut signature_sum = blst_p1::default();
    // Few terms: direct (the first scalar is 1, so the first term needs no multiplication).
    if entries.len() <= 4 {
        for (i, (entry, hashed)) in entries.iter().zip(&hashes).enumerate() {
            let signature = projective(&entry.signature.point);
            // SAFETY: every pointer is to a live, initialised blst value; scalars are 16 bytes.
            unsafe {
                if i == 0 {
                    hash_sum = *hashed;
                    signature_sum = signature;
                } else {
                    let mut term = blst_p1::default();
                    blst_p1_mult(&mut term, hashed, scalars[i].as_ptr(), 128);
                    blst_p1_add_or_double(&mut hash_sum, &hash_sum, &term);
                    blst_p1_mult(&mut term, &signature, scalars[i].as_ptr(), 128);
                    blst_p1_add_or_double(&mut signature_sum, &signature_sum, &term);
                }
            }
        }
    } else {
        (hash_sum, signature_sum) = batch_sums(&hashes, entries, &scalars);
    }
    pairing_check(public, &hash_sum, &signature_sum)
}

/// `e(hashes, pk) == e(signatures, g2)`, as one shared Miller loop and one final exponentiation.
fn pairing_check(public: &PublicKey, hashes: &blst_p1, signatures: &blst_p1) -> bool {
    // SAFETY: inputs are initialised points.
    let (hashes_inf, signatures_inf) =
        unsafe { (blst_p1_is_inf(hashes), blst_p1_is_inf(signatures)) };
    if hashes_inf || signatures_inf {
        // e(H, pk) = e(S, g2) with one side the identity holds only if both are
        // (the pairing is non-degenerate and pk is not infinity).
        return hashes_inf && signatures_inf;
    }
    let mut affine = [blst_p1_affine::default(); 2];
    let mut gt = blst_fp12::default();
    // SAFETY: all pointers refer to live, initialised values; the array holds 2 pointers.
    unsafe {
        // Negate the signature sum instead of g2: e(H, pk) · e(−S, g2) = 1.
        let mut neg_s = *signatures;
        blst::blst_p1_cneg(&mut neg_s, true);
        // Both to affine with one field inversion.
        let projective: [*const blst_p1; 2] = [hashes, &neg_s];
        blst::blst_p1s_to_affine(affine.as_mut_ptr(), projective.as_ptr(), 2);
    }
    let ml = miller_loop([
        (public.lines(), &affine[0]),
        (generator_lines(), &affine[1]),
    ]);
    // SAFETY: initialised field elements.
    unsafe {
        blst_final_exp(&mut gt, &ml);
        blst_fp12_is_one(&gt)
    }
}

impl serde::Serialize for PublicKey {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&alloy_primitives::hex::encode_prefixed(self.bytes))
    }
}

impl<'de> serde::Deserialize<'de> for PublicKey {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <alloc::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        let bytes = alloy_primitives::hex::decode(text.as_ref())
            .map_err(|_| serde::de::Error::custom("identity is not hex"))?;
        Self::from_slice(&bytes)
            .map_err(|e| serde::de::Error::custom(alloc::format!("invalid identity: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn straus_sums_as_pippenger_does() {
        for n in [1usize, 2, 5, 17, 64] {
            let points: Vec<blst_p1_affine> = (1000u32..).take(n).map(g1).collect();
            let in_projective: Vec<blst_p1> = points.iter().map(projective).collect();
            let scalars: Vec<[u8; 16]> = (0..n)
                .map(|i| {
                    let digest = keccak256((i as u64).to_be_bytes());
                    let mut s = [0u8; 16];
                    s.copy_from_slice(&digest[..16]);
                    // The edges of the windows: all ones, and zeros, in some scalars.
                    match i % 4 {
                        1 => s = [0xff; 16],
                        2 => s[..8].fill(0),
                        _ => {}
                    }
                    s
                })
                .collect();
            let (straus, pippenger) =
                (msm_straus(&in_projective, &scalars), msm(&points, &scalars));
            // SAFETY: initialised points.
            assert!(
                unsafe { blst::blst_p1_is_equal(&straus, &pippenger) },
                "{n} points"
            );
        }
    }

    fn g1(seed: u32) -> blst_p1_affine {
        let mut affine = blst_p1_affine::default();
        let point = hash_namespaced(b"g1", &seed.to_be_bytes());
        // SAFETY: initialised point, valid out-pointer.
        unsafe { blst::blst_p1_to_affine(&mut affine, &point) };
        affine
    }

    fn g2(seed: u32) -> blst_p2_affine {
        let (mut point, mut affine) = (blst::blst_p2::default(), blst_p2_affine::default());
        let message = seed.to_be_bytes();
        // SAFETY: live slices of the stated lengths, valid out-pointers.
        unsafe {
            blst::blst_hash_to_g2(
                &mut point,
                message.as_ptr(),
                message.len(),
                DST_G1.as_ptr(),
                DST_G1.len(),
                core::ptr::null(),
                0,
            );
            blst::blst_p2_to_affine(&mut affine, &point);
        }
        affine
    }

    /// The shared loop over precomputed lines gives blst's own `miller_loop_n` value, for
    /// one to five pairs (the same line formulas, so the same field element before the
    /// final exponentiation, not only after).
    /// Our loop over `N` pairs against blst's `miller_loop_n` on the same points.
    fn loops_agree<const N: usize>(round: u32) -> bool {
        let mut next = 100 * round;
        let seeds: [u32; N] = core::array::from_fn(|_| {
            next += 1;
            next
        });
        let ps = seeds.map(g1);
        let qs = seeds.map(g2);
        let lines = qs.each_ref().map(Lines::of);
        let pairs: [(&Lines, &blst_p1_affine); N] = core::array::from_fn(|i| (&*lines[i], &ps[i]));
        let ours = miller_loop(pairs);
        let mut theirs = blst_fp12::default();
        let q_ptrs = qs.each_ref().map(|q| q as *const blst_p2_affine);
        let p_ptrs = ps.each_ref().map(|p| p as *const blst_p1_affine);
        // SAFETY: N live points on each side; initialised field elements.
        unsafe {
            blst::blst_miller_loop_n(&mut theirs, q_ptrs.as_ptr(), p_ptrs.as_ptr(), N);
            blst::blst_fp12_is_equal(&ours, &theirs)
        }
    }

    /// The shared loop over precomputed lines gives blst's own `miller_loop_n` value, for
    /// one to five pairs (the same line formulas, so the same field element before the
    /// final exponentiation, not only after).
    #[test]
    fn miller_loop_over_lines_equals_blst_miller_loop_n() {
        for round in 0..4 {
            assert!(loops_agree::<1>(round), "1 pair, round {round}");
            assert!(loops_agree::<2>(round), "2 pairs, round {round}");
            assert!(loops_agree::<3>(round), "3 pairs, round {round}");
            assert!(loops_agree::<4>(round), "4 pairs, round {round}");
            assert!(loops_agree::<5>(round), "5 pairs, round {round}");
        }
    }

    /// The generator's cached lines are the generator's.
    #[test]
    fn generator_lines_are_the_generators() {
        // SAFETY: blst's static generator.
        let fresh = Lines::of(unsafe { &*blst_p2_affine_generator() });
        assert!(fresh.0 == generator_lines().0);
    }
}
