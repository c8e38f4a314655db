#!/usr/bin/env bash
# Installs what the tests need on a fresh machine, skipping whatever is already there: the Rust
# targets and components, clang 19 (blst's C for wasm32 and bare-metal builds), Node, Chromium
# and its driver, wasm-pack, and the npm tooling pinned in package-lock.json. Sourced by
# scripts/test-all.sh (so the README's one test command still does everything); run it alone
# to prepare a machine.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

log() { printf '\n==> %s\n' "$*"; }
have() { command -v "$1" >/dev/null 2>&1; }
SUDO=""
if [ "$(id -u)" != 0 ] && have sudo; then SUDO="sudo"; fi

apt_updated=""
apt_install() { # apt_install COMMAND PACKAGE
  have "$1" && return 0
  log "installing $2"
  if [ -z "$apt_updated" ]; then $SUDO apt-get update -qq; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$2" >/dev/null
}

rust_target() {
  rustup target list --installed 2>/dev/null | grep -qx "$1" && return 0
  log "installing the Rust target $1"
  rustup target add "$1"
}

# ---- prerequisites -------------------------------------------------------------------
apt_install clang-19 clang-19
apt_install llvm-ar-19 llvm-19
apt_install node nodejs
apt_install chromium chromium
apt_install chromedriver chromium-driver
rust_target wasm32-unknown-unknown
rust_target thumbv7em-none-eabihf
rustup component list --installed 2>/dev/null | grep -q '^rustfmt' || rustup component add rustfmt
rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy
if ! have wasm-pack; then
  log "installing wasm-pack"
  cargo install wasm-pack --locked
fi
. scripts/c-toolchain.sh

log "npm tooling (wasm-opt from binaryen, playwright-core, typescript, esbuild, vite, webpack, viem, publint, attw), from the lockfile"
npm ci --no-audit --no-fund
