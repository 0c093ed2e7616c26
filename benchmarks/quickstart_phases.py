#!/usr/bin/env python3
"""Where the Quick start's time goes, phase by phase, in fresh processes. Not a test.

Usage (from the repository root):
    python benchmarks/quickstart_phases.py [--runs 11] [--tree OTHER_CHECKOUT]

Runs the steps of `exoqc check sample_data/batches.csv --spec clinical` one after the
other in a new interpreter (imports, spec, reading, judging, the table) and prints the
smallest and the median milliseconds of each over the runs: the first calls are what a
user pays, so every run is a new process. Wall time on a shared machine moves between
runs; the smallest is the steadiest figure. `--tree` times another checkout's `qc` (for
example an older commit's `qc`, `specs` and `sample_data` from `git archive`) instead.
"""

from __future__ import annotations

import argparse
import ast
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import time
clock = time.perf_counter
phases = {}
start = clock()
def mark(name):
    global start
    now = clock()
    phases[name] = now - start
    start = now
import pyarrow.compute, numpy; mark("import pyarrow.compute, numpy (the reference)")
import click; mark("import click")
import qc.cli; mark("import qc.cli")
import qc.gmp.session, qc.run; mark("imports for the run")
from qc.spec import build_spec, resolve
resolved = resolve("clinical"); mark("find, read and validate the spec")
spec = build_spec(resolved); mark("build the Spec")
from qc.inputs.read import load_table
from qc.run import RunOptions, layout
options = RunOptions(inputs=("sample_data/batches.csv",), spec="clinical")
table = load_table(options.inputs, layout=layout(spec, options, dict(spec.columns)))
mark("read the CSV")
from qc.engine.evaluate import Options, evaluate
from qc.gmp.provenance import today
report = evaluate(spec, table, options=Options(as_of=today()), tool_version="x",
                  generated_at="x")
mark("judge the checks")
from qc.render import RenderOptions, get_renderer
"".join(get_renderer("table")(report, RenderOptions(color=False, width=100)))
mark("print the table")
print(repr(phases))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--tree", type=Path, default=ROOT)
    options = parser.parse_args()
    tree = options.tree.resolve()
    env = dict(os.environ, PYTHONPATH=str(tree))
    samples = [ast.literal_eval(subprocess.check_output([sys.executable, "-c", CHILD],
                                                        cwd=tree, env=env, text=True))
               for _ in range(options.runs)]
    print("| phase | smallest (ms) | median (ms) |")
    print("|---|---:|---:|")
    for name in samples[0]:
        values = [s[name] * 1000 for s in samples]
        print(f"| {name} | {min(values):.1f} | {statistics.median(values):.1f} |")


if __name__ == "__main__":
    main()
