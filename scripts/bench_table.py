#!/usr/bin/env python3
"""Prints a Markdown table of criterion medians for one benchmark group,
with ratios against a baseline measured in the same run.

usage: scripts/bench_table.py GROUP [BASELINE_BENCH] [RUN_DIR ...]

Reads RUN_DIR/*/new/estimates.json for each RUN_DIR (criterion's output for
GROUP, copied aside after each run by scripts/bench_repeat.sh), or
target/criterion/GROUP when no RUN_DIR is given. With several runs, each
cell is the median over the runs of that run's median, and each ratio is the
median of the per-run ratios (so a noisy run cannot pair one bench's fast
moment with another's slow one); the last column lists the per-run ratios.
"""
import json
import pathlib
import statistics
import sys

group = sys.argv[1]
baseline = sys.argv[2] if len(sys.argv) > 2 else None
root = pathlib.Path(__file__).resolve().parent.parent
run_dirs = [pathlib.Path(d) for d in sys.argv[3:]] or [root / "target" / "criterion" / group]

runs = []
for run_dir in run_dirs:
    medians = {}
    for estimates in sorted(run_dir.glob("**/new/estimates.json")):
        name = str(estimates.parent.parent.relative_to(run_dir))
        medians[name] = json.loads(estimates.read_text())["median"]["point_estimate"]
    if medians:
        runs.append(medians)
if not runs:
    sys.exit(f"no criterion results under {run_dirs}")


def fmt(ns):
    return f"{ns / 1000:.2f} µs" if ns >= 1000 else f"{ns:.0f} ns"


names = sorted(set().union(*runs))
with_base = baseline is not None and all(baseline in r for r in runs)
header = f"| {group} | median |"
rule = "|---|---|"
if with_base:
    header += f" ratio to `{baseline}` |"
    rule += "---|"
    if len(runs) > 1:
        header += " per run |"
        rule += "---|"
print(header)
print(rule)
for name in names:
    values = [r[name] for r in runs if name in r]
    row = f"| `{name}` | {fmt(statistics.median(values))} |"
    if with_base:
        ratios = [r[name] / r[baseline] for r in runs if name in r]
        row += f" {statistics.median(ratios):.2f}x |"
        if len(runs) > 1:
            row += " " + ", ".join(f"{x:.2f}" for x in ratios) + " |"
    print(row)
if len(runs) > 1:
    print(f"\n{len(runs)} runs; medians of per-run medians.")
