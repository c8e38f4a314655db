#!/usr/bin/env bash
# Builds the npm package `tempo-light` into pkg/: the wasm exports of crates/wasm (wasm-pack,
# size profile),
# optimized with binaryen's wasm-opt from npm (Debian's v108 produces modules that crash at
# load), plus the hand-written entry point, types and README from js/.
set -euo pipefail
cd "$(dirname "$0")/.."

. scripts/c-toolchain.sh
command -v clang-19 >/dev/null || {
  echo "build-pkg: clang-19 not found: apt install clang-19 llvm-19 (./scripts/test-all.sh installs it)" >&2
  exit 1
}
[ -x node_modules/.bin/wasm-opt ] && [ -x node_modules/.bin/esbuild ] || npm ci --no-audit --no-fund

# `--js`: only the hand-written files (after a JS change), keeping the wasm already in pkg/.
# The package holds two modules: `tempo_light` (finality, balances: the 160 KB budget) and
# `tempo_light_payments` (the same exports plus proven payments), which the package loads only
# on the first payment call (js/payments.js).
# wasm-bindgen's glue for each module (ESM) is kept in target/pkg-glue: it is bundled into the
# package's JS below, and `--js` reuses it with the two optimized .wasm already in pkg/.
glue=target/pkg-glue
if [ "${1:-}" = "--js" ] && [ -f pkg/tempo_light_bg.wasm ] && [ -f "$glue/tempo_light.js" ] \
  && [ -f pkg/tempo_light_payments_bg.wasm ] && [ -f "$glue/tempo_light_payments.js" ]; then
  find pkg -mindepth 1 -maxdepth 1 ! -name 'tempo_light_bg.wasm' ! -name 'tempo_light_payments_bg.wasm' \
    -exec rm -rf {} +
else
  rm -rf pkg target/pkg-main target/pkg-payments "$glue"
  # Panic locations' paths shortened (scripts/wasm-flags.sh, shared with test-all.sh's
  # blst-check build so that it compiles blst and the rest once for both).
  . scripts/wasm-flags.sh
  wasm-pack build crates/wasm --profile wasm-release --no-opt --target web \
    --out-dir ../../target/pkg-main --out-name tempo_light --no-pack
  wasm-pack build crates/wasm --profile wasm-release --no-opt --target web \
    --out-dir ../../target/pkg-payments --out-name tempo_light_payments --no-pack -- --features payments
  mkdir -p pkg "$glue"
  cp target/pkg-main/tempo_light.js target/pkg-payments/tempo_light_payments.js "$glue/"
  for built in target/pkg-main/tempo_light target/pkg-payments/tempo_light_payments; do
    node_modules/.bin/wasm-opt -Oz --converge --gufa -Oz --converge --strip-debug --strip-producers \
      "${built}_bg.wasm" -o "pkg/$(basename "$built")_bg.wasm"
  done
fi

# The package's JS. The hand-written modules (js/: ESM, no top-level await; index.node.js is
# Node's) and the glue are staged in target/pkg-stage, then scripts/bundle-pkg.mjs writes the
# ES modules: the browser's entry index.js as one module, which Node's entry and the worker
# entry import (one instance of the client for every entry), unminified.
stage=target/pkg-stage
rm -rf "$stage" && mkdir -p "$stage"
cp js/index.js js/index.node.js js/client.js js/errors.js js/transport.js js/provider.js \
  js/storage.js js/payments.js js/worker.js "$glue/tempo_light.js" "$glue/tempo_light_payments.js" "$stage/"
cp -r js/client "$stage/client"
# The declarations: index.d.ts re-exports rpc-json.d.ts (the shapes answers arrive in) and
# errors.d.ts (the error taxonomy); each has a CommonJS twin (.d.cts) naming the .cjs files.
cp js/index.d.ts js/rpc-json.d.ts js/errors.d.ts js/worker.d.ts js/README.md LICENSE pkg/
sed -e "s#from './rpc-json.js'#from './rpc-json.cjs'#" -e "s#from './errors.js'#from './errors.cjs'#" \
  js/index.d.ts > pkg/index.d.cts
cp js/rpc-json.d.ts pkg/rpc-json.d.cts
sed "s#from './index.js'#from './index.cjs'#" js/errors.d.ts > pkg/errors.d.cts
# keccak-256 (for eth_getCode's codeHash) from @noble/hashes, bundled in: no runtime dependency.
node_modules/.bin/esbuild js/keccak.src.js --bundle --format=esm --minify --log-level=warning \
  --legal-comments=inline \
  --banner:js="/*! keccak-256 from @noble/hashes $(node -p "require('./node_modules/@noble/hashes/package.json').version") (MIT License, Copyright (c) 2022 Paul Miller, https://paulmillr.com), bundled by scripts/build-pkg.sh */" \
  --outfile="$stage/keccak.js"
node scripts/bundle-pkg.mjs "$stage" pkg
# A CommonJS build of Node's entry for `require('tempo-light')`: esbuild bundles it with the
# glue into one file that reads the same .wasm beside it.
# (keccak.js stays a file of its own, loaded by a dynamic import(), which CommonJS has too:
# bundled into index.cjs, its minified code hides index.cjs's export names from the
# cjs-module-lexer that Node and attw use.)
# (Bundled from pkg/'s ES modules, where the payments module is already './payments.js' beside
# index.js, whichever part of js/client/ imports it.)
node_modules/.bin/esbuild pkg/index.node.js --bundle --platform=node --format=cjs --target=node18 \
  --define:import.meta.url=__tempo_light_url --log-level=warning --external:./keccak.js --external:./payments.js \
  --banner:js="const __tempo_light_url = require('node:url').pathToFileURL(__filename).href;" \
  --outfile=pkg/index.cjs
# The worker entry for require() (bundlers in CommonJS mode): the wasm (and the payments
# wasm) is looked up beside the worker's script unless `expose({ wasm })` says where. worker.js
# imports payments.js and keccak.js statically (a service worker may not import()): bundled in.
sed "s#from './index.js'#from './index.cjs'#" js/worker.d.ts > pkg/worker.d.cts
node_modules/.bin/esbuild "$stage/worker.js" --bundle --platform=browser --format=cjs --target=es2020 \
  --define:import.meta.url=__tempo_light_url --log-level=warning \
  --banner:js="const __tempo_light_url = typeof self !== 'undefined' && self.location ? self.location.href : 'file:///';" \
  --outfile=pkg/worker.cjs
rm -f pkg/tempo_light.d.ts pkg/tempo_light_bg.wasm.d.ts pkg/tempo_light_payments.d.ts pkg/tempo_light_payments_bg.wasm.d.ts
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
sed "s/\"version\": \"0.0.0\"/\"version\": \"$version\"/" js/package.json > pkg/package.json
rm -f pkg/.gitignore

raw=$(wc -c < pkg/tempo_light_bg.wasm)
gz=$(gzip -9 -c pkg/tempo_light_bg.wasm | wc -c)
# (payments.js is loaded by a dynamic import() on the first payment call: measured apart.)
js=$(node_modules/.bin/esbuild pkg/index.js --bundle --minify --format=esm --log-level=error \
  --external:./tempo_light_bg.wasm --external:./payments.js | gzip -9 | wc -c)
praw=$(wc -c < pkg/tempo_light_payments_bg.wasm)
pgz=$(gzip -9 -c pkg/tempo_light_payments_bg.wasm | wc -c)
pjs=$(node_modules/.bin/esbuild pkg/payments.js --bundle --minify --format=esm --log-level=error \
  --external:./tempo_light_payments_bg.wasm | gzip -9 | wc -c)
echo "pkg/: tempo-light $version, wasm $raw bytes ($gz gzipped), JS around it (everything index.js imports, bundled and minified) $js bytes gzipped"
echo "pkg/: loaded on the first payment call: wasm $praw bytes ($pgz gzipped), JS $pjs bytes gzipped"
