/*
 * Multiplication in BLS12-381's base field for wasm32, in thirteen 30-bit limbs.
 *
 * Why: blst's portable C (no_asm.h) multiplies twelve 32-bit limbs, each step's 64-bit product
 * added to the next through a carry, one long chain of dependent operations; in a verification
 * in wasm that multiplication is 70% of the time (BENCHMARKS.md). Wasm has 64-bit multiplies
 * but no 64x64->128, so the faster shape there is narrower limbs whose products leave room in
 * a 64-bit lane: with 30-bit limbs a lane holds fourteen 60-bit products before it must carry,
 * so a Montgomery multiplication adds its 338 products into thirteen lanes with no carry chain
 * at all, and carries twice (after the seventh row and at the end). Unrolled, it takes about
 * 66 ns in Node where blst's takes 118. A squaring takes the cross products once (91 products where a
 * multiplication takes 169, before the same reduction). Addition and subtraction mod p work
 * in six 64-bit words instead of blst's twelve 32-bit limbs walked twice through carry chains.
 *
 * The values stay blst's: twelve 32-bit limbs in Montgomery form with R = 2^384, below p.
 * A multiplication splits `a << 6` and `b` into 30-bit limbs and reduces with R' = 2^390,
 * which gives (a * 2^6) * b / 2^390 = a * b / 2^384 (mod p): blst's own result. The bound
 * is blst's too: the value before the final subtraction of p is below a * b / 2^384 + p, so
 * below 2p whenever blst's is, and the result is then the same canonical value below p
 * (every product that blst's callers form has one factor below p, or both below 2p in
 * `sqr_n_mul_mont_383`'s chain, whose products stay below 2p).
 *
 * Every caller of these functions in blst 0.3.17 passes BLS12_381_P and p0 (fields.h, exp.c,
 * sqrt.c, recip.c, hash_to_field.c); a different modulus would be a different blst, so it
 * traps rather than compute in the wrong field.
 *
 * Held to blst by crates/blst-check and scripts/blst-check.mjs: field operations on
 * random and edge-case values, pairings of random points and the reference's certificate
 * verdicts, the wasm module against native blst (assembly).
 */

#define TL_M30 0x3fffffffULL

/* p in thirteen 30-bit limbs, and -1/p mod 2^30. */
static const unsigned long long TL_P30[13] = {
    0x3fffaaab, 0x27fbffff, 0x153ffffb, 0x2affffac, 0x30f6241e, 0x034a83da, 0x112bf673,
    0x12e13ce1, 0x2cd76477, 0x1ed90d2e, 0x29a4b1ba, 0x3a8e5ff9, 0x001a0111};
#define TL_N0_30 0x3ffcfffdULL

/* Bits [o, o + 30) of a value in twelve 32-bit limbs (bits below 0 are zeros). */
#define TL_LANE(a, o)                                                                        \
    ((o) < 0 ? ((unsigned long long)(a)[0] << -(o)) & TL_M30                                 \
             : (((unsigned long long)(a)[(o) >> 5]                                           \
                 | ((o) >> 5 < 11 ? (unsigned long long)(a)[((o) >> 5) + 1] << 32 : 0))      \
                >> ((o) & 31)) & TL_M30)

/* r = a << s in thirteen 30-bit limbs. */
#define TL_SPLIT(r, a, s)                                                                    \
    do {                                                                                     \
        int k_;                                                                              \
        _Pragma("clang loop unroll(full)") for (k_ = 0; k_ < 13; k_++)                       \
            r[k_] = TL_LANE(a, 30 * k_ - (s));                                               \
    } while (0)

__attribute__((noinline)) static void tl_mul_mont_30(limb_t ret[12], const limb_t a[12], const limb_t b[12])
{
    unsigned long long A[13], B[13], t[13] = {0}, d[13], borrow = 0, keep;
    int i, j;

    TL_SPLIT(A, a, 6);
    TL_SPLIT(B, b, 0);

    /* Row i adds A[i] * B and the multiple m * p that clears the lowest lane, then shifts
     * down one lane. A lane gains at most two products (each below 2^60) per row: after
     * seven rows and a carry each lane is below 2^30, so no lane passes 2^64. */
    _Pragma("clang loop unroll(full)") for (i = 0; i < 13; i++) {
        unsigned long long t0 = t[0] + A[i] * B[0];
        unsigned long long m = ((t0 & TL_M30) * TL_N0_30) & TL_M30;
        t0 = (t0 + m * TL_P30[0]) >> 30;
        _Pragma("clang loop unroll(full)") for (j = 1; j < 13; j++)
            t[j - 1] = t[j] + A[i] * B[j] + m * TL_P30[j];
        t[12] = 0;
        t[0] += t0;
        if (i == 6) {
            _Pragma("clang loop unroll(full)") for (j = 0; j < 12; j++) {
                t[j + 1] += t[j] >> 30;
                t[j] &= TL_M30;
            }
        }
    }
    _Pragma("clang loop unroll(full)") for (j = 0; j < 12; j++) {
        t[j + 1] += t[j] >> 30;
        t[j] &= TL_M30;
    }

    /* t < 2p: subtract p unless that borrows. */
    _Pragma("clang loop unroll(full)") for (j = 0; j < 13; j++) {
        unsigned long long x = t[j] - TL_P30[j] - borrow;
        borrow = x >> 63;
        d[j] = x & TL_M30;
    }
    keep = 0 - borrow;
    launder(keep);
    _Pragma("clang loop unroll(full)") for (j = 0; j < 13; j++)
        d[j] = (t[j] & keep) | (d[j] & ~keep);

    /* Back to twelve 32-bit limbs: limb w starts at bit 32w, in lane 32w/30. */
    _Pragma("clang loop unroll(full)") for (j = 0; j < 12; j++)
        ret[j] = (limb_t)((d[(32 * j) / 30] >> ((32 * j) % 30))
                          | (d[(32 * j) / 30 + 1] << (30 - (32 * j) % 30)));
}

/* ret = a^2 / 2^384 (mod p), below p: a square takes the 78 cross products once, doubled, and
 * the 13 squares, 91 products where a multiplication takes 169, then the same reduction.
 * With A = a << 3, A^2 / 2^390 = a^2 / 2^384. A column of the square holds at most six doubled
 * products (below 2^61) and one square (below 2^60), and a lane of the reduction at most
 * thirteen products (below 2^60) more, over a value carried down to 30 bits: no lane passes
 * 2^64. The result is below A^2 / 2^390 + p < 2p, as a multiplication's. */
__attribute__((noinline)) static void tl_sqr_mont_30(limb_t ret[12], const limb_t a[12])
{
    unsigned long long A[13], t[26], d[13], borrow = 0, keep;
    int i, j;

    TL_SPLIT(A, a, 3);
    _Pragma("clang loop unroll(full)") for (i = 0; i < 26; i++) t[i] = 0;
    _Pragma("clang loop unroll(full)") for (i = 0; i < 13; i++) {
        unsigned long long twice = A[i] << 1;
        t[2 * i] += A[i] * A[i];
        _Pragma("clang loop unroll(full)") for (j = i + 1; j < 13; j++)
            t[i + j] += twice * A[j];
    }
    _Pragma("clang loop unroll(full)") for (i = 0; i < 25; i++) {
        t[i + 1] += t[i] >> 30;
        t[i] &= TL_M30;
    }
    /* Row i clears lane i with m * p and carries its quotient up. */
    _Pragma("clang loop unroll(full)") for (i = 0; i < 13; i++) {
        unsigned long long m = ((t[i] & TL_M30) * TL_N0_30) & TL_M30;
        _Pragma("clang loop unroll(full)") for (j = 0; j < 13; j++)
            t[i + j] += m * TL_P30[j];
        t[i + 1] += t[i] >> 30;
    }
    _Pragma("clang loop unroll(full)") for (i = 13; i < 25; i++) {
        t[i + 1] += t[i] >> 30;
        t[i] &= TL_M30;
    }

    /* t[13..26) < 2p: subtract p unless that borrows. */
    _Pragma("clang loop unroll(full)") for (j = 0; j < 13; j++) {
        unsigned long long x = t[13 + j] - TL_P30[j] - borrow;
        borrow = x >> 63;
        d[j] = x & TL_M30;
    }
    keep = 0 - borrow;
    launder(keep);
    _Pragma("clang loop unroll(full)") for (j = 0; j < 13; j++)
        d[j] = (t[13 + j] & keep) | (d[j] & ~keep);
    _Pragma("clang loop unroll(full)") for (j = 0; j < 12; j++)
        ret[j] = (limb_t)((d[(32 * j) / 30] >> ((32 * j) % 30))
                          | (d[(32 * j) / 30 + 1] << (30 - (32 * j) % 30)));
}

static void tl_check_modulus(const vec384 p, limb_t n0)
{
    if (p != BLS12_381_P || n0 != p0)
        __builtin_trap();
}

/* One copy of the multiplication: the compiler would otherwise make one for each constant
 * it is called with (blst's R^2, say), each the size of the original. */
static void tl_mul(limb_t ret[12], const limb_t a[12], const limb_t b[12])
{
    launder(a);
    launder(b);
    tl_mul_mont_30(ret, a, b);
}

void tl_mul_mont_384(vec384 ret, const vec384 a, const vec384 b, const vec384 p, limb_t n0)
{
    tl_check_modulus(p, n0);
    tl_mul(ret, a, b);
}

void tl_sqr_mont_384(vec384 ret, const vec384 a, const vec384 p, limb_t n0)
{
    tl_check_modulus(p, n0);
    tl_sqr_mont_30(ret, a);
}

/* Addition and subtraction mod p in six 64-bit words (blst's add_mod_n and sub_mod_n walk
 * twelve 32-bit limbs, twice, with a carry chain through each): inputs and results below p,
 * the same canonical values. */
static const unsigned long long TL_P64[6] = {
    0xb9feffffffffaaabULL, 0x1eabfffeb153ffffULL, 0x6730d2a0f6b0f624ULL,
    0x64774b84f38512bfULL, 0x4b1ba7b6434bacd7ULL, 0x1a0111ea397fe69aULL};

#define TL_LD(a, i) ((unsigned long long)(a)[2 * (i)] | ((unsigned long long)(a)[2 * (i) + 1] << 32))

static inline void tl_store64(limb_t ret[12], const unsigned long long w[6])
{
    int i;
    _Pragma("clang loop unroll(full)") for (i = 0; i < 6; i++) {
        ret[2 * i] = (limb_t)w[i];
        ret[2 * i + 1] = (limb_t)(w[i] >> 32);
    }
}

/* a + b < 2p < 2^382 never carries out of six words: subtract p unless that borrows. */
static void tl_add_mod(limb_t ret[12], const limb_t a[12], const limb_t b[12])
{
    unsigned long long s[6], d[6], carry = 0, borrow = 0, keep;
    int i;

    _Pragma("clang loop unroll(full)") for (i = 0; i < 6; i++) {
        unsigned long long x = TL_LD(a, i) + carry;
        unsigned long long y = x + TL_LD(b, i);
        carry = (x < carry) | (y < x);
        s[i] = y;
    }
    _Pragma("clang loop unroll(full)") for (i = 0; i < 6; i++) {
        unsigned long long x = s[i] - TL_P64[i];
        unsigned long long y = x - borrow;
        borrow = (s[i] < TL_P64[i]) | (x < borrow);
        d[i] = y;
    }
    keep = 0 - borrow;
    launder(keep);
    _Pragma("clang loop unroll(full)") for (i = 0; i < 6; i++) d[i] = (s[i] & keep) | (d[i] & ~keep);
    tl_store64(ret, d);
}

/* a - b, plus p if that borrows. */
static void tl_sub_mod(limb_t ret[12], const limb_t a[12], const limb_t b[12])
{
    unsigned long long d[6], borrow = 0, carry = 0, add;
    int i;

    _Pragma("clang loop unroll(full)") for (i = 0; i < 6; i++) {
        unsigned long long x = TL_LD(a, i), y = TL_LD(b, i);
        unsigned long long z = x - y;
        unsigned long long w = z - borrow;
        borrow = (x < y) | (z < borrow);
        d[i] = w;
    }
    add = 0 - borrow;
    launder(add);
    _Pragma("clang loop unroll(full)") for (i = 0; i < 6; i++) {
        unsigned long long x = d[i] + carry;
        unsigned long long y = x + (TL_P64[i] & add);
        carry = (x < carry) | (y < x);
        d[i] = y;
    }
    tl_store64(ret, d);
}

void tl_add_mod_384(vec384 ret, const vec384 a, const vec384 b, const vec384 p)
{
    tl_check_modulus(p, p0);
    tl_add_mod(ret, a, b);
}

void tl_sub_mod_384(vec384 ret, const vec384 a, const vec384 b, const vec384 p)
{
    tl_check_modulus(p, p0);
    tl_sub_mod(ret, a, b);
}

void tl_add_mod_384x(vec384x ret, const vec384x a, const vec384x b, const vec384 p)
{
    tl_check_modulus(p, p0);
    tl_add_mod(ret[0], a[0], b[0]);
    tl_add_mod(ret[1], a[1], b[1]);
}

void tl_sub_mod_384x(vec384x ret, const vec384x a, const vec384x b, const vec384 p)
{
    tl_check_modulus(p, p0);
    tl_sub_mod(ret[0], a[0], b[0]);
    tl_sub_mod(ret[1], a[1], b[1]);
}

/* blst's mul_mont_384x (no_asm.h): Karatsuba, three multiplications. */
void tl_mul_mont_384x(vec384x ret, const vec384x a, const vec384x b, const vec384 p, limb_t n0)
{
    vec384 aa, bb, cc;

    tl_check_modulus(p, n0);
    tl_add_mod(aa, a[0], a[1]);
    tl_add_mod(bb, b[0], b[1]);
    tl_mul(bb, bb, aa);
    tl_mul(aa, a[0], b[0]);
    tl_mul(cc, a[1], b[1]);
    tl_sub_mod(ret[0], aa, cc);
    tl_sub_mod(ret[1], bb, aa);
    tl_sub_mod(ret[1], ret[1], cc);
}

/* blst's sqr_mont_384x (vect.c): (a0 + a1)(a0 - a1) and 2 a0 a1. */
void tl_sqr_mont_384x(vec384x ret, const vec384x a, const vec384 p, limb_t n0)
{
    vec384 t0, t1;

    tl_check_modulus(p, n0);
    tl_add_mod(t0, a[0], a[1]);
    tl_sub_mod(t1, a[0], a[1]);
    tl_mul(ret[1], a[0], a[1]);
    tl_add_mod(ret[1], ret[1], ret[1]);
    tl_mul(ret[0], t0, t1);
}

/* blst's sqr_n_mul_mont_383: count squarings, then a multiplication by b. (blst leaves the
 * squarings' results below 2p; these are below p, the same values mod p, and the last
 * multiplication makes both canonical.) */
__attribute__((noinline)) void tl_sqr_n_mul_mont_383(vec384 ret, const vec384 a, size_t count, const vec384 p, limb_t n0,
                           const vec384 b)
{
    tl_check_modulus(p, n0);
    while (count--) {
        tl_sqr_mont_30(ret, a);
        a = ret;
    }
    tl_mul(ret, ret, b);
}

/* The conversions out of Montgomery form, as multiplications by 1: one multiplication routine
 * in the module instead of three (blst's from_mont_n and redc_mont_n are its size again). */
static const vec384 tl_one = {1};

void tl_from_mont_384(vec384 ret, const vec384 a, const vec384 p, limb_t n0)
{
    tl_check_modulus(p, n0);
    tl_mul(ret, a, tl_one);
}

/* a / R for a 768-bit a = hi * 2^384 + lo: hi + lo / R. blst's leaves the result below 2p when
 * hi is not below p; this one is always canonical, the same value mod p. (Its callers: the
 * hash to the field, whose 512-bit values have hi below 2^128, and the inversion in recip.c,
 * whose result is multiplied by R^2 next, which makes either canonical.) */
void tl_redc_mont_384(vec384 ret, const vec768 a, const vec384 p, limb_t n0)
{
    vec384 lo, hi;

    tl_check_modulus(p, n0);
    tl_mul(lo, a, tl_one);              /* lo / R */
    tl_mul(hi, a + NLIMBS(384), BLS12_381_RR);
    tl_mul(hi, hi, tl_one);             /* hi mod p */
    tl_add_mod(ret, lo, hi);
}

limb_t tl_sgn0_pty_mont_384(const vec384 a, const vec384 p, limb_t n0)
{
    vec384 tmp;

    tl_from_mont_384(tmp, a, p, n0);
    return sgn0_pty_mod_384(tmp, p);
}

limb_t tl_sgn0_pty_mont_384x(const vec384x a, const vec384 p, limb_t n0)
{
    vec384x tmp;

    tl_from_mont_384(tmp[0], a[0], p, n0);
    tl_from_mont_384(tmp[1], a[1], p, n0);
    return sgn0_pty_mod_384x(tmp, p);
}

/* The inversion in recip.c, by Fermat's little theorem (blst's own fallback, flt_reciprocal_fp)
 * instead of blst's constant-time binary extended Euclid: the same unique inverse, in a
 * module smaller by that algorithm's code. recip.c takes the 768-bit result x to x / R * R^2
 * / R = x (mod p) and checks it against its input; so x is the inverse in Montgomery form. */
void tl_ct_inverse_mod_384(vec768 ret, const vec384 inp, const vec384 mod, const vec384 modx)
{
    (void)modx;
    tl_check_modulus(mod, p0);
    flt_reciprocal_fp(ret, inp);
    vec_zero(ret + NLIMBS(384), sizeof(vec384));
}
