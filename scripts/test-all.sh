#!/usr/bin/env bash
# Runs every test of tempo-light. On a fresh machine it first installs what the tests
# need (and skips whatever is already there): the Rust targets, clang 19 (blst's C for wasm32
# and bare-metal builds), Node, Chromium and its driver, wasm-pack, and the npm tooling
# pinned in package-lock.json (wasm-opt from binaryen, playwright-core, typescript).
set -euo pipefail
cd "$(dirname "$0")/.."

# Each stage prints how long the one before it took (the README's table of stages uses them).
stage_started=$SECONDS
log() {
  printf '\n(%d s)\n==> %s\n' "$((SECONDS - stage_started))" "$*"
  stage_started=$SECONDS
}

# ---- prerequisites -------------------------------------------------------------------
./scripts/setup.sh
. scripts/c-toolchain.sh

# ---- checks ---------------------------------------------------------------------------
log "format"
cargo fmt --all -- --check

log "lints (clippy -D warnings, every crate of the workspace)"
cargo clippy --locked --workspace --all-targets -- -D warnings
# The wasm payment exports (off in the npm package for its size; see BENCHMARKS.md).
cargo clippy --locked -p tempo-light-wasm --features payments --all-targets -- -D warnings

log "docs (every public item documented)"
RUSTDOCFLAGS="-D warnings" cargo doc --locked --workspace --no-deps

log "no_std proof: the core alone, plain cargo build, on a bare-metal 32-bit target with no std at all"
RUSTFLAGS="-D warnings" cargo build --locked -p tempo-light --no-default-features --target thumbv7em-none-eabihf

log "the core and the wasm exports for wasm32-unknown-unknown, without warnings"
RUSTFLAGS="-D warnings" cargo build --locked -p tempo-light --no-default-features --target wasm32-unknown-unknown
RUSTFLAGS="-D warnings" cargo build --locked -p tempo-light-wasm --target wasm32-unknown-unknown

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

log "what the differential, proof and hostile-input tests compared (reference crates: commonware 2026.7.1, alloy's serde, tempo-primitives)"
grep -E "^differential:|^(transactions|receipts|mutations):|proofs verified|single-byte|^error (codes|kinds):|^ambiguous answers:|^non-canonical quantities:|^on_boundaries:" "$tests_log"

log "fuzz smoke runs (every fuzz target for ${FUZZ_SECONDS:=30} s, two at a time, libFuzzer; the long campaigns are in RELIABILITY.md)"
FUZZ_JOBS="${FUZZ_JOBS:-2}" ./scripts/fuzz.sh "$FUZZ_SECONDS"

log "wasm tests in Node (the same core, 32-bit)"
wasm-pack test --node crates/wasm --locked --test wasm_node

log "wasm tests in headless Chromium"
wasm-pack test --headless --chrome crates/wasm --locked --test wasm_browser

log "blst's wasm build (crates/wasm/blst/field30.c) held to native blst and the reference, with how many cases each compared"
cargo build --locked -p tempo-light-blst-check
cargo build --locked --profile wasm-release -p tempo-light-blst-check --lib --target wasm32-unknown-unknown
node scripts/blst-check.mjs

log "the npm package: build pkg/, then test it as a user installs it (Node ESM and CommonJS, viem through the verified provider against the devnet, lifecycle; Vite, webpack 5 and esbuild builds, a module Worker, a module service worker and storage in Chromium; tsc under nodenext, node16 and bundler; publint, attw)"
./scripts/build-pkg.sh
./scripts/test-js.sh

log "the web page in headless Chromium against the devnet (Playwright)"
cargo build --locked -p tempo-light-cli
node --test js/test/e2e/

log "soak: following a fast devnet with flat memory (${SOAK_SECONDS:=60} s)"
SOAK_SECONDS=$SOAK_SECONDS TEMPO_LIGHT_BIN=target/debug/tempo-light ./scripts/soak.sh

log "all tests passed in $SECONDS s"
