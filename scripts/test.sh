#!/usr/bin/env bash
# Every test, on a fresh machine or not: installs what the tests need, each
# only when missing (the h3 packages from npm, redis-server, chromium and
# chromedriver; see scripts/setup.sh), then runs the whole workspace's tests.
# Extra arguments go to `cargo test` (e.g. `scripts/test.sh -p session-tests`).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
cargo test --workspace "$@"
