#!/usr/bin/env python3
"""Prints a Markdown table of criterion medians for one benchmark group,
with ratios against a baseline measured in the same run.

usage: scripts/bench_table.py GROUP [BASELINE_BENCH]
Reads target/criterion/GROUP/*/new/estimates.json.
"""
import json
import pathlib
import sys

group = sys.argv[1]
baseline = sys.argv[2] if len(sys.argv) > 2 else None
root = pathlib.Path(__file__).resolve().parent.parent / "target" / "criterion" / group
rows = []
for estimates in sorted(root.glob("*/new/estimates.json")):
    name = estimates.parent.parent.name
    median_ns = json.loads(estimates.read_text())["median"]["point_estimate"]
    rows.append((name, median_ns))
if not rows:
    sys.exit(f"no criterion results under {root}")
base = dict(rows).get(baseline) if baseline else None


def fmt(ns):
    return f"{ns / 1000:.2f} µs" if ns >= 1000 else f"{ns:.0f} ns"


print(f"| {group} | median |" + (f" ratio to `{baseline}` |" if base else ""))
print("|---|---|" + ("---|" if base else ""))
for name, ns in rows:
    print(f"| `{name}` | {fmt(ns)} |" + (f" {ns / base:.2f}x |" if base else ""))
