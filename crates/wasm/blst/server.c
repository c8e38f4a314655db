/*
 * blst 0.3.17's `server.c` as tempo-light builds it for wasm32: scripts/wasm32-cc compiles this
 * file in place of blst's own when blst's build script asks for it. The same sources in the
 * same order, with one difference: the code that comes before blst's portable field
 * arithmetic (everything up to consts.c: hashing to the curves, the curves, the tower of
 * extension fields, the pairing, the exponentiation chains) calls the multiplications of
 * field30.c instead of blst's portable ones (`mul_mont_384`, `sqr_mont_384`, `mul_mont_384x`,
 * `sqr_mont_384x`, `sqr_n_mul_mont_383`, `add_mod_384`, `sub_mod_384`, `add_mod_384x`,
 * `sub_mod_384x`, and built on them the conversions out of Montgomery form, `from_mont_384`,
 * `redc_mont_384`, `sgn0_pty_mont_384`, `sgn0_pty_mont_384x`, and the inversion's
 * `ct_inverse_mod_384`). Why, and
 * how they are held to blst: field30.c. (exports.c comes before vect.c, not after it as in
 * blst's server.c, so that it calls them too; nothing in it needs vect.c first.)
 *
 * Native builds never see this file: they use blst's server.c with its assembly.
 */
#define mul_mont_384 tl_mul_mont_384
#define sqr_mont_384 tl_sqr_mont_384
#define mul_mont_384x tl_mul_mont_384x
#define sqr_mont_384x tl_sqr_mont_384x
#define sqr_n_mul_mont_383 tl_sqr_n_mul_mont_383
#define from_mont_384 tl_from_mont_384
#define redc_mont_384 tl_redc_mont_384
#define sgn0_pty_mont_384 tl_sgn0_pty_mont_384
#define sgn0_pty_mont_384x tl_sgn0_pty_mont_384x
#define ct_inverse_mod_384 tl_ct_inverse_mod_384
#define add_mod_384 tl_add_mod_384
#define sub_mod_384 tl_sub_mod_384
#define add_mod_384x tl_add_mod_384x
#define sub_mod_384x tl_sub_mod_384x

#include "keygen.c"
#include "hash_to_field.c"
#include "e1.c"
#include "map_to_g1.c"
#include "e2.c"
#include "map_to_g2.c"
#include "fp12_tower.c"
#include "pairing.c"
#include "aggregate.c"
#include "exp.c"
#include "sqrt.c"
#include "recip.c"
#include "bulk_addition.c"
#include "multi_scalar.c"
#include "consts.c"
#include "exports.c"

/* blst's portable arithmetic (no_asm.h, from vect.c) defines these under their own names. */
#undef mul_mont_384
#undef sqr_mont_384
#undef mul_mont_384x
#undef sqr_mont_384x
#undef sqr_n_mul_mont_383
#undef from_mont_384
#undef redc_mont_384
#undef sgn0_pty_mont_384
#undef sgn0_pty_mont_384x
#undef ct_inverse_mod_384
#undef add_mod_384
#undef sub_mod_384
#undef add_mod_384x
#undef sub_mod_384x

#include "vect.c"
#ifndef __BLST_CGO__
# include "rb_tree.c"
#endif
#ifdef BLST_FR_PENTAROOT
# include "pentaroot.c"
#endif
#ifndef __BLST_NO_CPUID__
# include "cpuid.c"
#endif

#include "field30.c"
