#!/usr/bin/env bash
# One-time set-up on a fresh machine: the pinned Rust toolchain's crates, and
# the real h3 packages from npm that the h3 interop tests run against.
# Needs: rustup (rust-toolchain.toml pins 1.95.0), node >= 20 with npm.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

command -v cargo >/dev/null || { echo "setup: cargo (rustup) is required" >&2; exit 1; }
command -v node >/dev/null || { echo "setup: node >= 20 with npm is required" >&2; exit 1; }

cargo fetch --locked
bash interop/h3/setup.sh
echo "setup: done"
