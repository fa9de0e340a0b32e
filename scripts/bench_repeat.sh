#!/usr/bin/env bash
# Runs one criterion bench N times and prints the table of medians over the
# runs, with per-run ratios against BASELINE (shared machines are noisy: one
# run is not a measurement).
#
# usage: scripts/bench_repeat.sh N GROUP BASELINE -- cargo bench ARGS...
# e.g.   scripts/bench_repeat.sh 3 seal naive_round_trip -- cargo bench -p session-runtime --bench seal
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
n=$1 group=$2 baseline=$3
shift 3
[[ ${1:-} == -- ]] && shift
runs=$(mktemp -d)
trap 'rm -rf "$runs"' EXIT
for i in $(seq 1 "$n"); do
  "$@" >/dev/null 2>&1
  cp -r "target/criterion/$group" "$runs/run$i"
done
python3 scripts/bench_table.py "$group" "$baseline" "$runs"/run*
