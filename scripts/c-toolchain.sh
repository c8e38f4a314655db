# Sourced by the build and test scripts: the C compiler for blst (the pairing code) when it
# is built for wasm32 (the npm package) and for the bare-metal no_std proof.
#
# Debian's clang 19, because of two of its optimizer options: blst's portable C passes the
# limb count of every field operation as a run-time argument, and function specialization
# on literal constants gives each 12-limb operation its own copy with fixed loop bounds.
# In Node that verifies a certificate about 12% faster, in a slightly smaller module
# (measured in BENCHMARKS.md). clang 14's options of that name left the module unchanged.
export CC_wasm32_unknown_unknown="${CC_wasm32_unknown_unknown:-clang-19}"
export AR_wasm32_unknown_unknown="${AR_wasm32_unknown_unknown:-llvm-ar-19}"
export CFLAGS_wasm32_unknown_unknown="${CFLAGS_wasm32_unknown_unknown:--mllvm --funcspec-for-literal-constant -mllvm --force-specialization}"
export CC_thumbv7em_none_eabihf="${CC_thumbv7em_none_eabihf:-clang-19}"
