#!/usr/bin/env python3
"""Time the README's Quick-start command against importing what it cannot avoid. Not a test.

Usage (from the repository root, with the Python that has exoqc's dependencies):
    python benchmarks/quickstart.py [--runs 21] [--tree OTHER_CHECKOUT ...] [--json OUT]

The command is `exoqc check sample_data/batches.csv --spec clinical` (24 batches, the
clinical spec: dates, derived attributes, units, censored values), run as
`python -m qc ...`. The reference is `python -c "import pyarrow.compute, numpy"`: the
floor of any exoqc run. Each run is a whole process; the two alternate (A B, then B A)
so both see the same machine state, and the figure is the median of the per-pair ratios
command / reference (target <= 1.5), with both medians.

`--tree DIR` times the same command with the `qc` package of another checkout (for
example `git worktree add /tmp/exoqc-main main`), in the same run, so that a before and
an after share the machine's state; the default is this checkout.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMMAND = ["-m", "qc", "check", "sample_data/batches.csv", "--spec", "clinical"]
REFERENCE = ["-c", "import pyarrow.compute, numpy"]
TARGET = 1.5


def _once(args: list[str], tree: Path, expect: int) -> float:
    """One whole process, run in `tree` (so `python -m qc` imports that checkout's qc)."""
    env = dict(os.environ, PYTHONPATH=str(tree), SOURCE_DATE_EPOCH="1767225600")
    start = time.perf_counter()
    done = subprocess.run([sys.executable, *args], cwd=tree, env=env, capture_output=True,
                          check=False)
    wall = time.perf_counter() - start
    if done.returncode != expect:
        sys.exit(f"{' '.join(args)}: exit {done.returncode}, expected {expect}\n"
                 f"{done.stderr.decode(errors='replace')}")
    return wall


def measure(tree: Path, runs: int) -> dict[str, float]:
    for _ in range(2):  # warm the file cache and the bytecode of both
        _once(COMMAND, tree, 1)
        _once(REFERENCE, tree, 0)
    command: list[float] = []
    reference: list[float] = []
    for i in range(runs):
        order = [(COMMAND, 1, command), (REFERENCE, 0, reference)]
        for args, expect, into in (order if i % 2 == 0 else order[::-1]):
            into.append(_once(args, tree, expect))
    ratios = [c / r for c, r in zip(command, reference, strict=True)]
    return {"command_s": statistics.median(command), "reference_s": statistics.median(reference),
            "ratio": statistics.median(ratios), "runs": runs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--tree", type=Path, action="append", default=[],
                        help="another checkout whose qc package to time as well")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    options = parser.parse_args()
    results = {}
    for tree in [ROOT, *options.tree]:
        results[str(tree)] = measure(tree.resolve(), options.runs)
    print(f"Quick-start: exoqc check sample_data/batches.csv --spec clinical, "
          f"{options.runs} paired runs, target <= {TARGET}x")
    print("| checkout | command (median s) | import pyarrow.compute, numpy (median s) "
          "| ratio (median of pairs) | target met |")
    print("|---|---:|---:|---:|---|")
    for tree, got in results.items():
        name = "this checkout" if tree == str(ROOT) else tree
        print(f"| {name} | {got['command_s']:.3f} | {got['reference_s']:.3f} "
              f"| {got['ratio']:.2f}x | {'yes' if got['ratio'] <= TARGET else 'NO'} |")
    if options.json:
        options.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
