#!/usr/bin/env bash
# Soak test: follows a fast devnet (20 ms blocks, 5-block epochs, a rotation every 2 epochs)
# for SOAK_SECONDS (default 120) and samples the follower's resident memory every 5 s. Fails
# if memory grows by more than SOAK_MAX_GROWTH_KB (default 4096) between the first minute's
# median and the end, or if the follower stops.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${SOAK_SECONDS:-120}
max_growth=${SOAK_MAX_GROWTH_KB:-4096}
bin=${TEMPO_LIGHT_BIN:-target/release/tempo-light}
[ -x "$bin" ] || cargo build --release --locked -p tempo-light-cli

out=$(mktemp -d)
trap 'kill $devnet $follower 2>/dev/null || true; rm -rf "$out"' EXIT
"$bin" devnet --port 0 --epoch-length 5 --block-time-ms 20 --full-dkg-every 2 --retain 2000 > "$out/devnet" &
devnet=$!
for _ in $(seq 100); do grep -q "genesis identity" "$out/devnet" 2>/dev/null && break; sleep 0.1; done
port=$(sed -n 's/.*127\.0\.0\.1:\([0-9]*\).*/\1/p' "$out/devnet" | head -n 1)
identity=$(sed -n 's/^genesis identity: //p' "$out/devnet")
"$bin" follow --json --rpc "ws://127.0.0.1:$port" --identity "$identity" --epoch-length 5 --poll-ms 20 > "$out/follow" &
follower=$!

samples=()
for ((t = 5; t <= seconds; t += 5)); do
  sleep 5
  kill -0 "$follower" 2>/dev/null || { echo "soak: the follower stopped"; tail -5 "$out/follow"; exit 1; }
  rss=$(awk '/VmRSS/ {print $2}' "/proc/$follower/status")
  samples+=("$rss")
  heads=$(grep -c '"type":"finalized"' "$out/follow" || true)
  echo "soak: ${t}s  rss ${rss} kB  blocks proven ${heads}"
done
baseline=$(printf '%s\n' "${samples[@]:0:12}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
last=${samples[-1]}
growth=$((last - baseline))
rotations=$(grep -c '"rotated":true' "$out/follow" || true)
echo "soak: baseline ${baseline} kB, end ${last} kB, growth ${growth} kB (limit ${max_growth}); ${rotations} rotations followed"
[ "$rotations" -gt 0 ] || { echo "soak: no rotation followed"; exit 1; }
[ "$growth" -le "$max_growth" ] || { echo "soak: memory grew"; exit 1; }
echo "soak: 1 passed, 0 failed"
