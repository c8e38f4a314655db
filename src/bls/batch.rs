//! The batch check: many signatures, of one key or of several (the identities a catch-up
//! crosses), in one multi-pairing with one final exponentiation. Each signature is weighted
//! by a 128-bit scalar derived from a hash of the whole batch (see the parent module), and
//! the weighted sums are taken by blst's Pippenger natively or by Straus's method in wasm.

use super::*;

/// Domain of the hash that derives batch scalars (ours; never sent over the wire).
const SCALAR_DOMAIN: &[u8] = b"tempo-light/batch-scalars/v1";

/// One message of a batch: its namespace, its bytes, and the signature claimed over them.
#[derive(Clone)]
pub(crate) struct Entry {
    pub namespace: &'static [u8],
    pub message: Vec<u8>,
    pub signature: Signature,
}

/// One signer's entries in a check of several signers.
pub(crate) struct Batch<'k> {
    /// The key every entry claims to be signed by.
    pub signer: &'k PublicKey,
    /// The signed messages.
    pub entries: Vec<Entry>,
}

/// Derives the batch scalars: a hash of the whole check (every signer's key and entries,
/// each with its count), then one 128-bit scalar per entry after the first, with the top
/// bit set so none is zero. The first entry's scalar is 1 (a random linear combination needs
/// only the others random: forging still means guessing a 128-bit value; across signers,
/// one transcript over all of them is what keeps a later entry from being chosen to cancel
/// an earlier one's error). Little-endian, as `blst` wants.
pub(super) fn batch_scalars(groups: &[Batch<'_>]) -> Vec<[u8; 16]> {
    let count: usize = groups.iter().map(|g| g.entries.len()).sum();
    let mut transcript = Vec::with_capacity(
        SCALAR_DOMAIN.len()
            + groups.len() * (PUBLIC_KEY_LENGTH + 5)
            + count * (SIGNATURE_LENGTH + 96),
    );
    transcript.extend_from_slice(SCALAR_DOMAIN);
    UInt(groups.len() as u64).write(&mut transcript);
    for group in groups {
        transcript.extend_from_slice(&group.signer.bytes);
        UInt(group.entries.len() as u64).write(&mut transcript);
        for entry in &group.entries {
            UInt(entry.namespace.len() as u64).write(&mut transcript);
            transcript.extend_from_slice(entry.namespace);
            UInt(entry.message.len() as u64).write(&mut transcript);
            transcript.extend_from_slice(&entry.message);
            transcript.extend_from_slice(&entry.signature.to_bytes());
        }
    }
    let seed = keccak256(&transcript);
    core::iter::once(ONE)
        .chain((1..count).map(|i| {
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

/// The scalar 1, little-endian.
pub(super) const ONE: [u8; 16] = {
    let mut one = [0u8; 16];
    one[0] = 1;
    one
};

/// `Σ scalars[i]·points[i]` with blst's Pippenger multi-scalar multiplication (128-bit scalars).
#[cfg(any(not(target_arch = "wasm32"), test))]
pub(super) fn msm(points: &[blst_p1_affine], scalars: &[[u8; 16]]) -> blst_p1 {
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
pub(super) fn msm_straus(points: &[blst_p1], scalars: &[[u8; 16]]) -> blst_p1 {
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
pub(super) fn projective(p: &blst_p1_affine) -> blst_p1 {
    let mut out = blst_p1::default();
    // SAFETY: an initialised affine point, a valid out-pointer.
    unsafe { blst::blst_p1_from_affine(&mut out, p) };
    out
}

/// `Σ scalars[i]·points[i]` of five or more points, by blst's Pippenger.
#[cfg(not(target_arch = "wasm32"))]
pub(super) fn many_sum(points: &[blst_p1], scalars: &[[u8; 16]]) -> blst_p1 {
    let mut affine = alloc::vec![blst_p1_affine::default(); points.len()];
    // SAFETY: `points` is a contiguous array of `points.len()` initialised points.
    unsafe {
        let src: [*const blst_p1; 2] = [points.as_ptr(), core::ptr::null()];
        blst::blst_p1s_to_affine(affine.as_mut_ptr(), src.as_ptr(), points.len());
    }
    msm(&affine, scalars)
}

/// `Σ scalars[i]·points[i]` of five or more points, by Straus's method (see [`msm_straus`]:
/// the wasm module leaves blst's Pippenger out).
#[cfg(target_arch = "wasm32")]
pub(super) fn many_sum(points: &[blst_p1], scalars: &[[u8; 16]]) -> blst_p1 {
    msm_straus(points, scalars)
}

/// `Σ scalars[i]·points[i]`: few terms directly (a scalar of 1 needs no multiplication),
/// more by [`many_sum`].
pub(super) fn weighted_sum(points: &[blst_p1], scalars: &[[u8; 16]]) -> blst_p1 {
    if points.len() > 4 {
        return many_sum(points, scalars);
    }
    // The point at infinity (Z = 0).
    let mut sum = blst_p1::default();
    for (point, scalar) in points.iter().zip(scalars) {
        let mut term = *point;
        // SAFETY: every pointer is to a live, initialised blst value; scalars are 16 bytes;
        // the output of the multiplication does not alias its input.
        unsafe {
            if *scalar != ONE {
                blst_p1_mult(&mut term, point, scalar.as_ptr(), 128);
            }
            let previous = sum;
            blst_p1_add_or_double(&mut sum, &previous, &term);
        }
    }
    sum
}

/// Verifies that every entry's signature is `signer`'s signature over its namespaced
/// message, in one multi-pairing: with scalars `r_i`, checks
/// `e(Σ r_i·H(m_i), pk) · e(Σ r_i·σ_i, −g2) = 1`.
///
/// An empty batch verifies (vacuously), as in the reference.
pub(crate) fn verify_same_signer(batch: Batch<'_>) -> bool {
    batch.entries.is_empty() || verify_signers(&[batch])
}

/// Verifies the entries of several signers in one multi-pairing, with one final
/// exponentiation: with scalars `r_i` drawn from one transcript of the whole check, checks
/// `Π_k e(Σ_{i of k} r_i·H(m_i), pk_k) · e(Σ_i r_i·σ_i, −g2) = 1`.
///
/// For one signer this is [`verify_same_signer`]. For several, `true` says every signer's
/// entries verify (as each would alone, up to the batch's 2^-127); `false` only that they
/// were not proven together (some entry is bad, or a signer's sum fell on infinity), and
/// each signer must then be checked alone to learn which.
pub(crate) fn verify_signers(groups: &[Batch<'_>]) -> bool {
    let scalars = batch_scalars(groups);
    let mut lines: Vec<&Lines> = Vec::with_capacity(groups.len() + 1);
    // Each signer's Σ r_i·H(m_i), then Σ r_i·σ_i over all entries.
    let mut sums: Vec<blst_p1> = Vec::with_capacity(groups.len() + 1);
    let mut signatures: Vec<blst_p1> = Vec::with_capacity(scalars.len());
    let mut hashes: Vec<blst_p1> = Vec::new();
    for group in groups {
        hashes.clear();
        for entry in &group.entries {
            hashes.push(hash_namespaced(entry.namespace, &entry.message));
            signatures.push(projective(&entry.signature.point));
        }
        let mine = &scalars[signatures.len() - hashes.len()..signatures.len()];
        lines.push(group.signer.lines());
        sums.push(weighted_sum(&hashes, mine));
    }
    let mut signature_sum = weighted_sum(&signatures, &scalars);
    // SAFETY: initialised points.
    let infinite = |p: &blst_p1| unsafe { blst_p1_is_inf(p) };
    let hashes_infinite = sums.iter().filter(|h| infinite(h)).count();
    if hashes_infinite > 0 || infinite(&signature_sum) {
        // For one signer, e(H, pk) = e(S, g2) with one side the identity holds only if both
        // are (the pairing is non-degenerate and pk is not infinity). Across signers the
        // sums could cancel one another, which this check does not decide: not proven.
        return groups.len() == 1 && hashes_infinite == 1 && infinite(&signature_sum);
    }
    // Negate the signature sum instead of g2: Π e(H_k, pk_k) · e(−S, g2) = 1.
    // SAFETY: an initialised point.
    unsafe { blst::blst_p1_cneg(&mut signature_sum, true) };
    sums.push(signature_sum);
    lines.push(generator_lines());
    // All to affine with one field inversion.
    let mut affine = alloc::vec![blst_p1_affine::default(); sums.len()];
    // SAFETY: `sums` is a contiguous array of initialised points, one per output slot (a
    // null second pointer tells blst the array is contiguous).
    unsafe {
        let src: [*const blst_p1; 2] = [sums.as_ptr(), core::ptr::null()];
        blst::blst_p1s_to_affine(affine.as_mut_ptr(), src.as_ptr(), sums.len());
    }
    let ml = miller_loop(&lines, &affine);
    let mut gt = blst_fp12::default();
    // SAFETY: initialised field elements.
    unsafe {
        blst_final_exp(&mut gt, &ml);
        blst_fp12_is_one(&gt)
    }
}
