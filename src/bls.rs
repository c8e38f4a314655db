//! BLS12-381 (MinSig: signatures in G1, keys in G2) on top of `blst`.
//!
//! Three things live here: checked point decoding (the same `blst` calls and the same
//! rejections as commonware: bad encoding, off-curve, off-subgroup, infinity), hashing a
//! namespaced message to G1, and the batch check that verifies many signatures of one key
//! (or of several keys, such as the identities a catch-up crosses) with a single shared
//! Miller loop and one final exponentiation.
//!
//! Both G2 points of that check are fixed per identity (the key and the generator), so the
//! G2 half of the Miller loop, its 68 lines, is computed once per key (blst's
//! `precompute_lines`) and kept with it; each verification then runs only the G1 half,
//! one accumulator shared by both pairs. A unit test holds the result to blst's own
//! `miller_loop_n`, equal as field elements.
//!
//! The batch check multiplies each signature by a 128-bit scalar before summing. The
//! reference draws these from an RNG and is only as strong as that RNG (an all-zero RNG
//! accepts forgeries). Here the scalars are derived by hashing the whole batch (every
//! key, message and signature), so they are unpredictable to whoever chose the batch,
//! need no RNG in `no_std`, and cannot be steered by the caller. Across keys the scalars
//! come from one transcript of them all: with each key's batch drawing its own, each
//! with a first scalar of 1, a forger could pick one batch's first signature to cancel
//! another's error.

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
use commonware_codec::{varint::UInt, Write as _};
use once_cell::race::OnceBox;

/// Domain separation tag for hashing messages to G1 (commonware's `MinSig::MESSAGE`).
pub const DST_G1: &[u8] = b"BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_POP_";

/// Length of a compressed G1 point (a signature).
pub const SIGNATURE_LENGTH: usize = 48;
/// Length of a compressed G2 point (a public key, e.g. the network identity).
pub const PUBLIC_KEY_LENGTH: usize = 96;

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

/// The product of the Miller loops of the pairs (`lines[i]`, `points[i]`), sharing one
/// accumulator and its squarings; the same value as `blst_miller_loop_n` on the points the
/// lines came from. Every G1 point is affine and not infinity; with no pairs, 1.
fn miller_loop(lines: &[&Lines], points: &[blst_p1_affine]) -> blst_fp12 {
    // −2x and 2y of each G1 point, the factors every line is scaled by.
    let mut px2: Vec<(blst_fp, blst_fp)> = Vec::with_capacity(points.len());
    for p in points {
        let (mut x, mut y) = (blst_fp::default(), blst_fp::default());
        // SAFETY: live, initialised field elements; blst allows aliasing.
        unsafe {
            blst::blst_fp_add(&mut x, &p.x, &p.x);
            blst::blst_fp_cneg(&mut x, &x, true);
            blst::blst_fp_add(&mut y, &p.y, &p.y);
        }
        px2.push((x, y));
    }
    // The first doubling: 1² · line is the line itself, placed as blst places it; the
    // other pairs' first lines multiply in below.
    let mut acc = blst_fp12::default();
    if let (Some(first_lines), Some(first)) = (lines.first(), px2.first()) {
        let line = line_at(&first_lines.0[0], first);
        acc.fp6[0].fp2[0] = line.fp2[0];
        acc.fp6[0].fp2[1] = line.fp2[1];
        acc.fp6[1].fp2[1] = line.fp2[2];
    } else {
        // No pairs: the empty product.
        // SAFETY: blst returns a pointer to its static, initialised one.
        unsafe { acc = *blst::blst_fp12_one() };
        return acc;
    }
    let acc_ptr: *mut blst_fp12 = &mut acc;
    let multiply_lines = |index: usize, skip: usize| {
        for (lines, px2) in lines.iter().zip(&px2).skip(skip) {
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
/// `hash_with_namespace` over `union_unique`; the varint is commonware-codec's own writer).
pub(crate) fn hash_namespaced(namespace: &[u8], message: &[u8]) -> blst_p1 {
    let mut input = Vec::with_capacity(namespace.len() + message.len() + 5);
    UInt(namespace.len() as u64).write(&mut input);
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

mod batch;

pub(crate) use batch::{verify_same_signer, verify_signers, Batch, Entry};

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
    use super::batch::*;
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
        let lines: Vec<&Lines> = lines.iter().map(|l| &**l).collect();
        let ours = miller_loop(&lines, &ps);
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

    /// A key and signatures of it, from a seed (test keys, not the reference's).
    fn signer(seed: u8) -> (PublicKey, impl Fn(&[u8]) -> Signature) {
        let mut sk = blst::blst_scalar::default();
        let ikm = [seed; 32];
        let (mut pk, mut pk_affine, mut bytes) = (
            blst::blst_p2::default(),
            blst_p2_affine::default(),
            [0u8; PUBLIC_KEY_LENGTH],
        );
        // SAFETY: live buffers of the stated lengths, valid out-pointers.
        unsafe {
            blst::blst_keygen(&mut sk, ikm.as_ptr(), ikm.len(), core::ptr::null(), 0);
            blst::blst_sk_to_pk_in_g2(&mut pk, &sk);
            blst::blst_p2_to_affine(&mut pk_affine, &pk);
            blst_p2_affine_compress(bytes.as_mut_ptr(), &pk_affine);
        }
        // Test code only: blst's own sk·g2, compressed by blst, is a G2 subgroup point.
        let public = PublicKey::from_bytes(&bytes).expect("a key blst derived is valid");
        let sign = move |message: &[u8]| {
            let hashed = hash_namespaced(b"TEST", message);
            let (mut signature, mut point) = (blst_p1::default(), blst_p1_affine::default());
            // SAFETY: initialised values, valid out-pointers.
            unsafe {
                blst::blst_sign_pk_in_g2(&mut signature, &hashed, &sk);
                blst::blst_p1_to_affine(&mut point, &signature);
            }
            Signature { point }
        };
        (public, sign)
    }

    /// `signature + k·G` for a multiple of the G1 generator (still in G1).
    fn shifted(signature: Signature, k: u8, negate: bool) -> Signature {
        let (mut delta, mut sum, mut point) = (
            blst_p1::default(),
            blst_p1::default(),
            blst_p1_affine::default(),
        );
        let scalar = [k, 0, 0, 0];
        // SAFETY: initialised points, valid out-pointers; the scalar is 32 bits.
        unsafe {
            blst_p1_mult(&mut delta, blst::blst_p1_generator(), scalar.as_ptr(), 32);
            blst::blst_p1_cneg(&mut delta, negate);
            blst_p1_add_or_double(&mut sum, &projective(&signature.point), &delta);
            blst::blst_p1_to_affine(&mut point, &sum);
        }
        Signature { point }
    }

    /// Several signers checked together decide as each checked alone: every way of spoiling
    /// one entry or two (in one group or in two), over one to four signers with one to six
    /// entries each, gives the conjunction of the signers' own batches.
    #[test]
    fn signers_together_decide_as_each_alone() {
        let signers: Vec<_> = (1..=4).map(signer).collect();
        let messages: Vec<Vec<u8>> = (0u8..24)
            .map(|i| alloc::vec![i; 1 + usize::from(i)])
            .collect();
        let mut compared = 0;
        for groups in 1..=4usize {
            for size in [1usize, 2, 5, 6] {
                // Honest entries: signer k signs messages k*6 ..
                let honest: Vec<Vec<Entry>> = (0..groups)
                    .map(|k| {
                        (0..size)
                            .map(|i| Entry {
                                namespace: b"TEST",
                                message: messages[k * 6 + i].clone(),
                                signature: signers[k].1(&messages[k * 6 + i]),
                            })
                            .collect()
                    })
                    .collect();
                let total = groups * size;
                // None spoilt, one spoilt, or a pair spoilt by opposite errors that cancel
                // when both carry the scalar 1 (the first entries of two batches checked
                // with scalars of their own).
                let mut cases: Vec<Vec<(usize, bool)>> = alloc::vec![Vec::new()];
                cases.extend((0..total).map(|j| alloc::vec![(j, false)]));
                cases.extend(
                    (0..total).flat_map(|a| {
                        (a + 1..total).map(move |b| alloc::vec![(a, false), (b, true)])
                    }),
                );
                for spoilt in cases {
                    let mut entries = honest.clone();
                    for &(j, negate) in &spoilt {
                        let entry = &mut entries[j / size][j % size];
                        entry.signature = shifted(entry.signature, 7, negate);
                    }
                    let together: Vec<Batch<'_>> = signers
                        .iter()
                        .zip(entries)
                        .map(|((signer, _), entries)| Batch { signer, entries })
                        .collect();
                    let alone = together.iter().all(|batch| {
                        verify_same_signer(Batch {
                            signer: batch.signer,
                            entries: batch.entries.clone(),
                        })
                    });
                    assert_eq!(alone, spoilt.is_empty(), "{groups}x{size} {spoilt:?}");
                    assert_eq!(
                        verify_signers(&together),
                        alone,
                        "{groups}x{size} {spoilt:?}"
                    );
                    compared += 1;
                }
            }
        }
        // Under another signer's key, nothing verifies.
        let batch = |signer: usize, key: usize, first: usize| Batch {
            signer: &signers[key].0,
            entries: (first..first + 3)
                .map(|i| Entry {
                    namespace: b"TEST",
                    message: messages[i].clone(),
                    signature: signers[signer].1(&messages[i]),
                })
                .collect(),
        };
        assert!(verify_signers(&[batch(0, 0, 0), batch(1, 1, 6)]));
        assert!(!verify_signers(&[batch(0, 1, 0), batch(1, 1, 6)]));
        assert!(!verify_signers(&[batch(0, 0, 0), batch(1, 0, 6)]));
        std::println!(
            "differential: several signers in one multi-pairing against each signer alone: {compared} cases, 0 mismatches"
        );
    }

    /// The generator's cached lines are the generator's.
    #[test]
    fn generator_lines_are_the_generators() {
        // SAFETY: blst's static generator.
        let fresh = Lines::of(unsafe { &*blst_p2_affine_generator() });
        assert!(fresh.0 == generator_lines().0);
    }
}
