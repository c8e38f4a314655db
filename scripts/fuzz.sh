#!/usr/bin/env bash
# Runs every fuzz target (cargo-fuzz, libFuzzer) for SECONDS each (default 30) and prints,
# per target, how many inputs it executed and whether it found anything. Installs the
# nightly toolchain and cargo-fuzz if missing. Exits non-zero if any target found a crash.
#
#   ./scripts/fuzz.sh [SECONDS]            every target
#   FUZZ_TARGETS="certificate light_client" ./scripts/fuzz.sh 600
#   FUZZ_JOBS=2 ./scripts/fuzz.sh 600      two targets at a time
#
# New inputs go to fuzz/runs/<target>/ (ignored by git, kept between runs so a campaign
# builds on the last one); the committed seeds in fuzz/corpus/<target>/ are read, never
# written. A crash is saved in fuzz/artifacts/<target>/: replay it with
# `cargo +nightly fuzz run <target> <file>`, fix it, and keep it under
# fuzz/regressions/<target>/ (tests/fuzz_regressions.rs replays those in `cargo test`).
set -euo pipefail
cd "$(dirname "$0")/../fuzz"

SECONDS_EACH="${1:-30}"
JOBS="${FUZZ_JOBS:-1}"
ALL="certificate certificate_differential dkg_outcome dkg_outcome_differential header_json certified_block saved_state account_proof light_client payment_block payment_proof wasm_inputs"
TARGETS="${FUZZ_TARGETS:-$ALL}"

rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
cargo +nightly fuzz --version >/dev/null 2>&1 || cargo install cargo-fuzz --locked

# Deliberately not --locked: cargo-fuzz adds its own flags; fuzz/Cargo.lock pins the versions.
started=$(date +%s)
cargo +nightly fuzz build
echo "fuzz: built the targets in $(($(date +%s) - started)) s"

LOGS="runs/logs"
mkdir -p "$LOGS"

run_one() {
  local t="$1"
  mkdir -p "runs/$t" "corpus/$t" "artifacts/$t"
  local marker="$LOGS/$t.started"
  touch "$marker"
  local rc=0 cpu
  # CPU seconds (user + system) of the run, from bash's `time` (the machine may be shared).
  cpu=$( { TIMEFORMAT='%U %S'; time cargo +nightly fuzz run "$t" "runs/$t" "corpus/$t" -- \
    -max_total_time="$SECONDS_EACH" -rss_limit_mb=2048 -timeout=60 \
    -print_final_stats=1 >"$LOGS/$t.log" 2>&1; } 2>&1 ) || rc=$?
  cpu=$(echo "$cpu" | tail -1 | awk '{printf "%.0f", $1 + $2}')
  local execs corpus found new
  execs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$LOGS/$t.log" | tail -1 | grep -o '[0-9]*$' || true)
  corpus=$(find "runs/$t" "corpus/$t" -type f | wc -l)
  found="nothing"
  new=$(find "artifacts/$t" -type f -newer "$marker" | head -3 | tr '\n' ' ')
  if [ "$rc" != 0 ] || [ -n "$new" ]; then
    found="A CRASH (exit $rc): ${new}see fuzz/$LOGS/$t.log"
  fi
  printf 'fuzz: %-26s %10s executions in %s s (%s CPU s), corpus %s inputs, found %s\n' \
    "$t" "${execs:-?}" "$SECONDS_EACH" "${cpu:-?}" "$corpus" "$found"
  [ "$found" = "nothing" ]
}

failed=0
if [ "$JOBS" -le 1 ]; then
  for t in $TARGETS; do run_one "$t" || failed=1; done
else
  pids=()
  for t in $TARGETS; do
    run_one "$t" &
    pids+=($!)
    if [ "${#pids[@]}" -ge "$JOBS" ]; then
      wait "${pids[0]}" || failed=1
      pids=("${pids[@]:1}")
    fi
  done
  for p in "${pids[@]}"; do wait "$p" || failed=1; done
fi

echo "fuzz: done in $(($(date +%s) - started)) s"
if [ "$failed" != 0 ]; then
  echo "fuzz: a target found a crash (see above)" >&2
  exit 1
fi
