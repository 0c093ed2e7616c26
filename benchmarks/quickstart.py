#!/usr/bin/env python3
"""Time the README's Quick-start command against importing what it cannot avoid. Not a test.

Usage (from the repository root, with the Python that has exoqc's dependencies):
    python benchmarks/quickstart.py [--runs 21] [--tree OTHER_CHECKOUT ...] [--json OUT]

The command is `exoqc check sample_data/batches.csv --spec clinical` (24 batches, the
clinical spec: dates, derived attributes, units, censored values), run as
`python -m qc ...`. The reference is `python -c "import pyarrow.compute, numpy"`: the
floor of any exoqc run. Each run is a whole process; the two alternate (A B, then B A)
so both see the same machine state, and the figure is the median of the per-pair ratios
command / reference (target <= 1.5), with both medians. The CPU time (user + system) of
the same runs is shown beside it: on a machine loaded by other work it moves less than
the wall time, which waits for a core.

The `exoqc` process asks OpenBLAS for one thread (qc/cli/process.py); the reference, run
as written, starts one per core. So that the ratio is not read as only that, each round
also times the reference with `OPENBLAS_NUM_THREADS=1` ("reference, one BLAS thread"),
and the command's ratio to it is shown too.

`--tree DIR` times the same command with the `qc` package of another checkout (for
example `git worktree add ../exoqc-main main`), in the same run, so that a before and
an after share the machine's state; the default is this checkout.

Each checkout's `qc` package is byte-compiled first, as `pip install` does for an
installed exoqc: otherwise, where PYTHONDONTWRITEBYTECODE is set, every run would compile
exoqc's modules from source (about 0.1 s) while numpy's and pyarrow's are compiled.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import py_compile
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMMAND = ["-m", "qc", "check", "sample_data/batches.csv", "--spec", "clinical"]
REFERENCE = ["-c", "import pyarrow.compute, numpy"]
ONE_BLAS_THREAD = {"OPENBLAS_NUM_THREADS": "1"}
TARGET = 1.5


def _once(args: list[str], tree: Path, expect: int,
          extra: dict[str, str] | None = None) -> tuple[float, float]:
    """One whole process, run in `tree` (so `python -m qc` imports that checkout's qc):
    its wall time and its CPU time (user + system)."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS")}
    env.update(PYTHONPATH=str(tree), SOURCE_DATE_EPOCH="1767225600", **(extra or {}))
    start = time.perf_counter()
    child = subprocess.Popen([sys.executable, *args], cwd=tree, env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert child.stderr is not None
    err = child.stderr.read()
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != expect:
        sys.exit(f"{' '.join(args)}: exit {child.returncode}, expected {expect}\n"
                 f"{err.decode(errors='replace')}")
    return wall, usage.ru_utime + usage.ru_stime


def measure(tree: Path, runs: int) -> dict[str, float]:
    compileall.compile_dir(tree / "qc", quiet=1,
                           invalidation_mode=py_compile.PycInvalidationMode.TIMESTAMP)
    for _ in range(2):  # warm the file cache and the bytecode of both
        _once(COMMAND, tree, 1)
        _once(REFERENCE, tree, 0)
    command: list[tuple[float, float]] = []
    reference: list[tuple[float, float]] = []
    one_blas: list[tuple[float, float]] = []
    for i in range(runs):
        order = [(COMMAND, 1, None, command), (REFERENCE, 0, None, reference),
                 (REFERENCE, 0, ONE_BLAS_THREAD, one_blas)]
        for args, expect, extra, into in (order if i % 2 == 0 else order[::-1]):
            into.append(_once(args, tree, expect, extra))
    ratios = [c[0] / r[0] for c, r in zip(command, reference, strict=True)]
    one_blas_ratios = [c[0] / r[0] for c, r in zip(command, one_blas, strict=True)]
    cpu_ratios = [c[1] / r[1] for c, r in zip(command, reference, strict=True)]
    return {"command_s": statistics.median(c[0] for c in command),
            "reference_s": statistics.median(r[0] for r in reference),
            "ratio": statistics.median(ratios),
            "one_blas_reference_s": statistics.median(r[0] for r in one_blas),
            "one_blas_ratio": statistics.median(one_blas_ratios),
            "command_cpu_s": statistics.median(c[1] for c in command),
            "reference_cpu_s": statistics.median(r[1] for r in reference),
            "cpu_ratio": statistics.median(cpu_ratios), "runs": runs}


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
          "| ratio (median of pairs) | target met | CPU s: command / reference (ratio) "
          "| reference, one BLAS thread (median s) | ratio to it |")
    print("|---|---:|---:|---:|---|---:|---:|---:|")
    for tree, got in results.items():
        name = "this checkout" if tree == str(ROOT) else tree
        print(f"| {name} | {got['command_s']:.3f} | {got['reference_s']:.3f} "
              f"| {got['ratio']:.2f}x | {'yes' if got['ratio'] <= TARGET else 'NO'} "
              f"| {got['command_cpu_s']:.3f} / {got['reference_cpu_s']:.3f} "
              f"({got['cpu_ratio']:.2f}x) | {got['one_blas_reference_s']:.3f} "
              f"| {got['one_blas_ratio']:.2f}x |")
    if options.json:
        options.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
