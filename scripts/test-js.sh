#!/usr/bin/env bash
# Tests the npm package as a user gets it: packs pkg/, installs the tarball into a scratch
# project, runs the Node tests there and type-checks an example against the declarations.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
[ -f pkg/package.json ] || ./scripts/build-pkg.sh
[ -x node_modules/.bin/tsc ] || npm ci --no-audit --no-fund

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
tarball=$(cd pkg && npm pack --silent --pack-destination "$scratch" | tail -n 1)
cd "$scratch"
echo '{"name":"scratch","private":true,"type":"module"}' > package.json
npm install --no-audit --no-fund --offline "./$tarball" >/dev/null
cp "$root/tests/js/package.test.mjs" "$root/examples/typecheck.ts" .
TEMPO_FIXTURE="$root/../shared/fixtures/mainnet-block-32724390.json" node --test package.test.mjs
"$root/node_modules/.bin/tsc" --noEmit --strict --target es2022 --module nodenext --moduleResolution nodenext typecheck.ts
echo "typecheck: examples/typecheck.ts compiles against the package's declarations"
