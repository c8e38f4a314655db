#!/usr/bin/env bash
# Runs every test of tempo-light. On a fresh machine it first installs what the tests
# need (and skips whatever is already there): the Rust targets, clang 19 (blst's C for wasm32
# and bare-metal builds), Node, Chromium and its driver, wasm-pack, and the npm tooling
# pinned in package-lock.json (wasm-opt from binaryen, playwright-core, typescript).
# The long campaigns (fuzzing, the soak) are scripts/test-long.sh's, run by hand.
#
# Each stage reuses what the ones before it compiled: the same profile, features and
# RUSTFLAGS, or Cargo compiles everything again. So the wasm32 build is checked for warnings
# from its output (not RUSTFLAGS, which wasm-pack test does not pass), blst-check's wasm build
# takes the npm package's flags, and the binaries the later stages run are the ones the test
# stage built (a `cargo build -p <one crate>` resolves other features and compiles ~70 crates
# again).
set -euo pipefail
cd "$(dirname "$0")/.."

# Each stage prints how long the one before it took (the README's table of stages uses them).
. scripts/stages.sh

# ---- prerequisites -------------------------------------------------------------------
./scripts/setup.sh
. scripts/c-toolchain.sh

# ---- checks ---------------------------------------------------------------------------
log "format"
cargo fmt --all -- --check

log "lints (clippy -D warnings, every crate of the workspace)"
cargo clippy --locked --workspace --all-targets -- -D warnings
# The wasm payment exports (in the package's second module; see BENCHMARKS.md): in the
# workspace's features, so that only the wasm crate is checked again.
cargo clippy --locked --workspace --all-targets --features tempo-light-wasm/payments -- -D warnings

log "docs (every public item documented)"
RUSTDOCFLAGS="-D warnings" cargo doc --locked --workspace --no-deps

log "no_std proof: the core alone, plain cargo build, on a bare-metal 32-bit target with no std at all"
RUSTFLAGS="-D warnings" cargo build --locked -p tempo-light --no-default-features --target thumbv7em-none-eabihf

log "the core and the wasm exports for wasm32-unknown-unknown, without warnings"
# (Warnings read from the output, cached ones replayed by Cargo: the wasm tests below reuse
# this build, which RUSTFLAGS would set apart.)
without_warnings() {
  local out
  out=$("$@" 2>&1) || { echo "$out"; return 1; }
  if echo "$out" | grep -qE '^warning: `[^`]+` \(.*\) generated [0-9]+ warnings?'; then
    echo "$out"
    echo "test-all: warnings in: $*" >&2
    return 1
  fi
}
without_warnings cargo build --locked -p tempo-light --no-default-features --target wasm32-unknown-unknown
without_warnings cargo build --locked -p tempo-light-wasm --tests --target wasm32-unknown-unknown

log "the core as a library user gets it: its dependency tree, and cargo publish --dry-run"
./scripts/check-core.sh

log "tests (unit, integration, differential against the reference, doc): each target once"
# Every target runs once, with its output kept: the counts the differential and proof tests
# print (how many cases each compared) are read from this one run, not from second runs.
tests_log=$(mktemp)
trap 'rm -f "$tests_log"' EXIT
if ! cargo test --locked --workspace --exclude tempo-light-wasm --all-targets -- --nocapture >"$tests_log" 2>&1; then
  grep -E "^test .* FAILED|panicked|^error" "$tests_log" | head -50
  tail -n 80 "$tests_log"
  exit 1
fi
grep -E "^test result:" "$tests_log"
cargo test --locked --workspace --exclude tempo-light-wasm --doc
# The binaries the later stages run (the CLI, blst-check), in the test build's features: only
# what it did not link already.
cargo build --locked --workspace --exclude tempo-light-wasm --all-targets

log "what the differential, proof and hostile-input tests compared (reference crates: commonware 2026.7.1, alloy's serde, tempo-primitives)"
grep -E "^differential:|^(transactions|receipts|mutations):|proofs verified|single-byte|^error (codes|kinds):|^ambiguous answers:|^non-canonical quantities:|^on_boundaries:" "$tests_log"

log "wasm tests in Node (the same core, 32-bit)"
wasm-pack test --node crates/wasm --locked --test wasm_node

log "wasm tests in headless Chromium"
wasm-pack test --headless --chrome crates/wasm --locked --test wasm_browser

log "blst's wasm build (crates/wasm/blst/field30.c) held to native blst and the reference, with how many cases each compared"
# (Native: built with the tests above. wasm32: with the npm package's flags, so that the
# package's build below reuses blst and the rest.)
(. scripts/wasm-flags.sh && cargo build --locked --profile wasm-release -p tempo-light-blst-check --lib --target wasm32-unknown-unknown)
node scripts/blst-check.mjs

log "the npm package: build pkg/, then test it as a user installs it (Node ESM and CommonJS, viem through the verified provider against the devnet, lifecycle; Vite, webpack 5 and esbuild builds, a module Worker, a module service worker and storage in Chromium; tsc under nodenext, node16 and bundler; publint, attw)"
./scripts/build-pkg.sh
./scripts/test-js.sh

log "tempo-light proxy under real clients (viem http and webSocket, ethers v6, web3.py), answers compared with the devnet's"
./scripts/test-proxy-clients.sh

log "the web page in headless Chromium against the devnet (Playwright)"
TEMPO_LIGHT_BIN="${CARGO_TARGET_DIR:-target}/debug/tempo-light" node --test js/test/e2e/

log "all tests passed in $SECONDS s"
