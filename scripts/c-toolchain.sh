# Sourced by the build and test scripts: the C compiler for blst (the pairing code) when it
# is built for wasm32 (the npm package) and for the bare-metal no_std proof.
#
# Debian's clang 19, because of two of its optimizer options: blst's portable C passes the
# limb count of every field operation as a run-time argument, and function specialization
# on literal constants gives each 12-limb operation its own copy with fixed loop bounds.
# In Node that verifies a certificate about 12% faster, in a slightly smaller module
# (measured in BENCHMARKS.md). clang 14's options of that name left the module unchanged.
# For wasm32 through scripts/wasm32-cc, which builds blst with the base field's multiplication
# of crates/wasm/blst/field30.c (about 1.8x blst's portable one in wasm).
export CC_wasm32_unknown_unknown="${CC_wasm32_unknown_unknown:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/wasm32-cc}"
export AR_wasm32_unknown_unknown="${AR_wasm32_unknown_unknown:-llvm-ar-19}"
# (The digest of crates/wasm/blst/ and wasm32-cc is in the flags because cargo reruns blst's
# build script when its flags change, not when files outside blst change.)
tl_blst_digest=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && cat crates/wasm/blst/*.c scripts/wasm32-cc | sha256sum | cut -c1-16)
export CFLAGS_wasm32_unknown_unknown="${CFLAGS_wasm32_unknown_unknown:--mllvm --funcspec-for-literal-constant -mllvm --force-specialization} -DTEMPO_LIGHT_BLST=$tl_blst_digest"
export CC_thumbv7em_none_eabihf="${CC_thumbv7em_none_eabihf:-clang-19}"
