#!/usr/bin/env bash
# Builds the npm package `tempo-light` into pkg/: the wasm exports of crates/wasm (wasm-pack,
# size profile),
# optimized with binaryen's wasm-opt from npm (Debian's v108 produces modules that crash at
# load), plus the hand-written entry point, types and README from js/.
set -euo pipefail
cd "$(dirname "$0")/.."

. scripts/c-toolchain.sh
command -v "$CC_wasm32_unknown_unknown" >/dev/null || {
  echo "build-pkg: $CC_wasm32_unknown_unknown not found: apt install clang-19 llvm-19 (./scripts/test-all.sh installs it)" >&2
  exit 1
}
[ -x node_modules/.bin/wasm-opt ] || npm ci --no-audit --no-fund

rm -rf pkg
wasm-pack build crates/wasm --profile wasm-release --no-opt --target web --out-dir ../../pkg \
  --out-name tempo_light --no-pack
node_modules/.bin/wasm-opt -Oz --strip-debug --strip-producers \
  pkg/tempo_light_bg.wasm -o pkg/tempo_light_bg.wasm

cp js/index.js js/index.d.ts js/README.md LICENSE pkg/
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
sed "s/\"version\": \"0.0.0\"/\"version\": \"$version\"/" js/package.json > pkg/package.json
rm -f pkg/.gitignore

raw=$(wc -c < pkg/tempo_light_bg.wasm)
gz=$(gzip -9 -c pkg/tempo_light_bg.wasm | wc -c)
echo "pkg/: tempo-light $version, wasm $raw bytes ($gz gzipped)"
