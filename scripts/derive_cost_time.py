"""The measuring half of derive_cost.sh: builds the three generated crates
RUNS times, interleaved, each from `cargo clean -p` of that crate, and
prints the medians and the per-struct ratio.

Measures wall time and CPU time (user + sys of cargo and every rustc it
ran): on a shared machine the wall time moves with everybody else's load,
the CPU time much less, so the ratio is given on both. With `ir`, it counts
instead the instructions rustc executes for the crate (valgrind's
cachegrind, through RUSTC_WORKSPACE_WRAPPER, so only the generated crate
runs under it): about fifty times slower, but the same on every run,
whatever the load.

usage: python3 scripts/derive_cost_time.py ROOT TARGET_DIR STRUCTS RUNS [ir]
"""

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

CRATES = ("none", "serde", "session")


def cargo(root, target, name, *args, env=None):
    subprocess.run(
        ["cargo", *args, "--quiet", "--offline",
         "--manifest-path", f"{root}/{name}/Cargo.toml", "--target-dir", target],
        check=True,
        env=env,
    )


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed_build(root, target, name):
    """Wall and CPU milliseconds of one clean build of crate `name`."""
    cargo(root, target, name, "clean", "-p", f"derive-cost-{name}")
    cpu, wall = children_cpu(), time.monotonic()
    cargo(root, target, name, "build")
    return (time.monotonic() - wall) * 1000, (children_cpu() - cpu) * 1000


def counted_build(root, target, name):
    """Millions of instructions rustc runs for one clean build of `name`."""
    cargo(root, target, name, "clean", "-p", f"derive-cost-{name}")
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "cachegrind.out")
        wrapper = os.path.join(tmp, "wrapper.sh")
        with open(wrapper, "w") as f:
            # cargo also asks the wrapper for `rustc -vV`: count only the build.
            f.write("#!/bin/sh\n"
                    'case " $* " in *" --crate-name "*) ;; *) exec "$@";; esac\n'
                    f'exec valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file={out} -q "$@"\n')
        os.chmod(wrapper, 0o755)
        cargo(root, target, name, "build", env={**os.environ, "RUSTC_WORKSPACE_WRAPPER": wrapper})
        with open(out) as f:
            summary = next(line for line in f if line.startswith("summary:"))
    return int(summary.split()[1]) / 1e6


def table(structs, runs, columns):
    """`columns`: (label, unit, {crate: [values]})."""
    med = {label: {n: statistics.median(v[n]) for n in CRATES} for label, _, v in columns}
    head = "| crate   |" + "".join(f" {label} runs ({unit}) | {label} median | {label} per struct over none |"
                             for label, unit, _ in columns)
    print(f"{structs} five-field structs, debug build, medians of {runs} runs")
    print(head)
    print("|" + "|".join("---" for _ in range(head.count("|") - 1)) + "|")
    for n in CRATES:
        row = f"| {n:<7} |"
        for label, unit, values in columns:
            per = (med[label][n] - med[label]["none"]) / structs
            shown = " ".join(f"{t:.0f}" for t in values[n])
            row += f" {shown} | {med[label][n]:.0f} | {per:.2f} {unit} |"
        print(row)
    for label, unit, _ in columns:
        m = med[label]
        serde, session = m["serde"] - m["none"], m["session"] - m["none"]
        print(f"session / serde per struct, {label}: {session / serde:.2f}x "
              f"({session / structs:.2f} {unit} / {serde / structs:.2f} {unit})")


def main():
    root, target, structs, runs = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    count = len(sys.argv) > 5 and sys.argv[5] == "ir"
    if count:
        ir = {name: [] for name in CRATES}
        for _ in range(runs):
            for name in CRATES:
                ir[name].append(counted_build(root, target, name))
        table(structs, runs, [("instructions", "M", ir)])
        return
    wall = {name: [] for name in CRATES}
    cpu = {name: [] for name in CRATES}
    for _ in range(runs):
        for name in CRATES:
            w, c = timed_build(root, target, name)
            wall[name].append(w)
            cpu[name].append(c)
    table(structs, runs, [("wall", "ms", wall), ("CPU", "ms", cpu)])


if __name__ == "__main__":
    main()
