#!/usr/bin/env bash
# Tests the npm package as a user gets it: packs pkg/, installs the tarball into a scratch
# project, runs the Node tests there (js/test), builds apps with real bundlers and runs them,
# workers and storage in headless Chromium (js/test/bundlers; storage-kill.test.mjs SIGKILLs the
# browser while it saves, TEMPO_LIGHT_BROWSER_KILLS times per storage kind, 5 by default),
# type-checks examples against the declarations, and lints the package's metadata (publint, attw).
# Usage: test-js.sh [TEST_FILE...] (only those Node tests) | test-js.sh browser
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
[ -f pkg/package.json ] || ./scripts/build-pkg.sh
for tool in tsc vite webpack esbuild attw publint; do
  [ -x "node_modules/.bin/$tool" ] || { npm ci --no-audit --no-fund; break; }
done

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
tarball=$(cd pkg && npm pack --silent --pack-destination "$scratch" | tail -n 1)
cd "$scratch"
echo '{"name":"scratch","private":true,"type":"module"}' > package.json
npm install --no-audit --no-fund --offline "./$tarball" >/dev/null
# (The Node tests and their helpers, js/test/support, beside the installed package, so that they
# import it as a user does.)
cp "$root"/js/test/*.mjs "$root"/js/test/*.cjs "$root"/examples/typecheck*.ts "$root"/examples/typecheck*.cts "$root"/examples/fixture-shape.ts .
cp -r "$root"/js/test/support support
# viem (the provider's tests use it as a dapp would), from the workspace's lockfile.
ln -s "$root/node_modules/viem" node_modules/viem
# The test files to run: the arguments (e.g. `provider.test.mjs`), or all of js/test (among
# them lying-node.test.mjs, the lying-node suite: a proxy in front of the devnet that lies in
# one named way per case; it prints `lying node: N lies, M cases, M refused or honest`).
# `browser` runs only the browser tests (bundlers, workers).
tests=("$@")
browser=1
if [ "${1:-}" = browser ]; then tests=(); browser=only;
elif [ ${#tests[@]} -gt 0 ]; then browser=0;
else tests=(*.test.mjs *.test.cjs); fi
# Node 20 has WebSocket behind a flag; newer Nodes have it built in.
ws_flag=""
if node --experimental-websocket -e "typeof WebSocket === 'function' || process.exit(1)" 2>/dev/null; then
  ws_flag="--experimental-websocket"
fi
bin="${CARGO_TARGET_DIR:-target}/debug/tempo-light"
case "$bin" in /*) ;; *) bin="$root/$bin" ;; esac
[ -x "$bin" ] || (cd "$root" && cargo build --locked -p tempo-light-cli)
export TEMPO_FIXTURE="$root/tests/fixtures/mainnet-block-32724390.json"
export TEMPO_LIGHT_BIN="$bin"
[ ${#tests[@]} -eq 0 ] || node $ws_flag --test "${tests[@]}"
# The tarball in real bundlers (Vite, webpack 5, esbuild) and in workers, in headless Chromium.
if [ "$browser" != 0 ]; then
  TEMPO_SCRATCH="$scratch" node --test "$root"/js/test/bundlers/*.test.mjs
  [ "$browser" = only ] && exit 0
fi
# The declarations under each module resolution a user may have (tsc --strict, from the tarball).
tsc="$root/node_modules/.bin/tsc --noEmit --strict --target es2022"
$tsc --module nodenext --moduleResolution nodenext typecheck.ts typecheck-worker.ts typecheck-cjs.cts
$tsc --module node16 --moduleResolution node16 typecheck.ts typecheck-worker.ts typecheck-cjs.cts
$tsc --module esnext --moduleResolution bundler typecheck.ts typecheck-worker.ts
echo "typecheck: examples/typecheck*.ts compile against the package's declarations (nodenext, node16, bundler; ESM and CommonJS)"
# The package's metadata: publint, and arethetypeswrong on the packed tarball.
(cd "$root" && node_modules/.bin/publint pkg && node_modules/.bin/attw --pack pkg)
