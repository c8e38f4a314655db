#!/usr/bin/env bash
# All benchmarks in one run: native (tempo-light beside the reference crates), wasm in Node (the
# npm package beside mcl-wasm and @noble/curves, with sizes and cold starts) and in headless
# Chromium (beside mcl-wasm: first verified certificate of a fresh page, warm verification),
# and the package's catch-up through 1,700 epoch boundaries of a devnet (scripts/bench-catchup.mjs,
# about a minute: the devnet first has to produce 3,400 blocks), and `tempo-light proxy` beside
# the devnet it fronts (scripts/bench-proxy.mjs: requests/s and p50/p99 at 200 connections for
# a cached block, a receipt and a balance, about two minutes). See BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x node_modules/.bin/wasm-opt ] || npm ci --no-audit --no-fund
mkdir -p target
cargo bench --locked -p tempo-light --bench native | tee target/bench-native.txt
native_us=$(sed -n 's/^decode + verify one certificate (tempo-light) *\([0-9.]*\) µs.*/\1/p' target/bench-native.txt)
./scripts/build-pkg.sh
NATIVE_VERIFY_US="$native_us" node scripts/bench-wasm.mjs
node scripts/bench-browser.mjs
cargo build --locked -q -p tempo-light-cli # the devnet the catch-up follows, and the proxy
node scripts/bench-catchup.mjs 1700
node scripts/bench-proxy.mjs
