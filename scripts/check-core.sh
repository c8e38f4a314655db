#!/usr/bin/env bash
# The core as a library user meets it. A fresh project outside the repository adds
# `tempo-light` by path: its normal dependency tree must hold no CLI, network, simulator or
# wasm-bindgen crate. Then the core is packaged and published as a dry run on its own (its
# tests' data is in tests/fixtures/, nothing outside the crate is needed).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

cargo new --quiet --lib --vcs none "$scratch/wallet"
(cd "$scratch/wallet" && cargo add --quiet --path "$root" 2>/dev/null && cargo tree -e normal --prefix none 2>/dev/null) > "$scratch/tree"
forbidden="clap ureq rustls tungstenite ed25519-consensus httparse ctrlc tempo-light-devnet tempo-light-cli tempo-light-wasm wasm-bindgen js-sys"
found=""
for crate in $forbidden; do
  if grep -q "^$crate v" "$scratch/tree"; then found="$found $crate"; fi
done
if [ -n "$found" ]; then
  echo "check-core: a library user of tempo-light compiles$found:" >&2
  cat "$scratch/tree" >&2
  exit 1
fi
# It must also compile there, with whatever versions Cargo picks today for our requirements
# (not our Cargo.lock): a requirement too loose for a dependency's next release fails here.
if ! (cd "$scratch/wallet" && CARGO_TARGET_DIR="$root/target/check-core" cargo check --quiet 2> "$scratch/check"); then
  echo "check-core: a fresh project depending on tempo-light does not compile:" >&2
  cat "$scratch/check" >&2
  exit 1
fi
echo "check-core: a user project depending on tempo-light compiles and pulls $(sort -u "$scratch/tree" | grep -c .) crates, none of: $forbidden"

if ! cargo publish --dry-run --locked --allow-dirty -p tempo-light > "$scratch/publish" 2>&1; then
  echo "check-core: cargo publish --dry-run -p tempo-light failed:" >&2
  cat "$scratch/publish" >&2
  exit 1
fi
grep -E "Packaged" "$scratch/publish" || true
echo "check-core: cargo publish --dry-run -p tempo-light passed"
