#!/usr/bin/env bash
# Install the real h3 packages (v1 and v2 lines) used as the interop oracle.
# Idempotent: returns quickly when node_modules already matches package-lock.json.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "interop/h3/setup.sh: node and npm are required" >&2
  exit 1
fi

# npm writes node_modules/.package-lock.json after a successful install; if it is
# newer than package-lock.json and both h3 lines are present, nothing to do.
if [[ -f node_modules/.package-lock.json && -f node_modules/h3/package.json \
      && -f node_modules/h3-v2/package.json \
      && ! package-lock.json -nt node_modules/.package-lock.json ]]; then
  exit 0
fi

npm ci --no-audit --no-fund --loglevel=error
