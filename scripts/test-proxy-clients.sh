#!/usr/bin/env bash
# `tempo-light proxy` under clients nobody here wrote: viem (http and webSocket transports) and
# ethers v6 from the workspace's lockfile, web3.py from PyPI (installed into target/pyenv once),
# each against a devnet through the proxy, every answer compared with the devnet's own.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
bin="${CARGO_TARGET_DIR:-target}/debug/tempo-light"
case "$bin" in /*) ;; *) bin="$root/$bin" ;; esac
[ -x "$bin" ] || cargo build --locked -p tempo-light-cli
[ -d node_modules/ethers ] || npm ci --no-audit --no-fund
pyenv="${CARGO_TARGET_DIR:-target}/pyenv"
if ! "$pyenv/bin/python" -c 'import web3' 2>/dev/null; then
  python3 -m venv "$pyenv"
  "$pyenv/bin/pip" install --quiet --disable-pip-version-check 'web3==7.*'
fi
TEMPO_LIGHT_BIN="$bin" TEMPO_LIGHT_PYTHON="$pyenv/bin/python" node --test js/test/proxy/
