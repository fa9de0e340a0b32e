#!/usr/bin/env bash
# One-time set-up on a fresh machine: the pinned Rust toolchain's crates, the
# real h3 packages from npm that the h3 interop tests run against, the
# servers the tests start themselves (redis-server, and openssl for the TLS
# tests' certificates) and the browser the login example is tested in
# (Debian's chromium with chromedriver), each only when missing.
# Needs: rustup (rust-toolchain.toml pins 1.95.0), node >= 20 with npm, and
# apt-get (Debian) for missing system packages.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

command -v cargo >/dev/null || { echo "setup: cargo (rustup) is required" >&2; exit 1; }
command -v node >/dev/null || { echo "setup: node >= 20 with npm is required" >&2; exit 1; }

# Debian packages the tests need, installed only when their command is missing.
missing=()
command -v redis-server >/dev/null || missing+=(redis-server)
# The Redis TLS tests make their certificates with it.
command -v openssl >/dev/null || missing+=(openssl)
command -v chromium >/dev/null || missing+=(chromium)
command -v chromedriver >/dev/null || missing+=(chromium-driver)
if ((${#missing[@]})); then
  sudo=()
  [[ $(id -u) -eq 0 ]] || sudo=(sudo)
  echo "setup: installing ${missing[*]}"
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

cargo fetch --locked
bash interop/h3/setup.sh
echo "setup: done"
