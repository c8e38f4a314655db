#!/usr/bin/env bash
# The long campaigns, run by hand (not by scripts/test-all.sh, which CI runs): every libFuzzer
# target for FUZZ_SECONDS (30 by default) two at a time, then the soak: following a fast
# devnet for SOAK_SECONDS (60 by default) with flat memory, then the proxy's soak: mixed load
# from 200 connections through `tempo-light proxy` for PROXY_SOAK_SECONDS (600 by default),
# its memory sampled every 10 s (scripts/bench-proxy.mjs soak). RELIABILITY.md ("Long
# campaigns") says when to run it and reports its runs.
#
#   ./scripts/test-long.sh                          all three, at their defaults (about 24 minutes)
#   FUZZ_SECONDS=600 SOAK_SECONDS=600 ./scripts/test-long.sh
#   ./scripts/test-long.sh fuzz | ./scripts/test-long.sh soak | ./scripts/test-long.sh proxy-soak
set -euo pipefail
cd "$(dirname "$0")/.."

. scripts/stages.sh
what="${1:-all}"

if [ "$what" = all ] || [ "$what" = fuzz ]; then
  log "fuzz runs (every fuzz target for ${FUZZ_SECONDS:=30} s, ${FUZZ_JOBS:=2} at a time, libFuzzer)"
  FUZZ_JOBS="$FUZZ_JOBS" ./scripts/fuzz.sh "$FUZZ_SECONDS"
fi

if [ "$what" = all ] || [ "$what" = soak ]; then
  log "soak: following a fast devnet with flat memory (${SOAK_SECONDS:=60} s)"
  bin="${CARGO_TARGET_DIR:-target}/debug/tempo-light"
  [ -x "$bin" ] || cargo build --locked --workspace --exclude tempo-light-wasm --all-targets
  SOAK_SECONDS=$SOAK_SECONDS TEMPO_LIGHT_BIN="$bin" ./scripts/soak.sh
fi

if [ "$what" = all ] || [ "$what" = proxy-soak ]; then
  log "proxy soak: mixed load through tempo-light proxy with flat memory (${PROXY_SOAK_SECONDS:=600} s)"
  # The release build, as an operator runs it (a debug proxy's follower falls behind the
  # devnet under this load, so its caches never reach their steady state).
  bin="${CARGO_TARGET_DIR:-target}/release/tempo-light"
  cargo build --locked -q --release -p tempo-light-cli
  SOAK_SECONDS=$PROXY_SOAK_SECONDS TEMPO_LIGHT_BIN="$bin" node scripts/bench-proxy.mjs soak
fi

log "long campaigns passed in $SECONDS s"
