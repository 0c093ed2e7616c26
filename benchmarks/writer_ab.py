#!/usr/bin/env python3
"""Does the report writer need a second thread? Times the full-JSON scenario three ways.

Usage (from the repository root):
    python benchmarks/writer_ab.py --other OTHER [--this THIS] [--runs N] [--rows 1000000]

OTHER and THIS are folders holding a `qc/` package (THIS defaults to this checkout; copy
`qc/` elsewhere to keep editing while it runs): e.g. OTHER the `qc/` of commit 2b9697d,
whose writer had no thread (this checkout's writes past 32 MiB from a second thread).
Each round runs, in rotating order, the pandas baseline, exoqc from THIS and exoqc from
OTHER, each writing the full JSON report of ROWS batches; the ratios exoqc / baseline are
taken per round (the machine may be shared) and their medians printed. Target: <= 3
(docs/performance.md).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent


def timed(cmd: list[str], pythonpath: Path) -> float:
    """Wall seconds of one whole process; run in `pythonpath`, so that `python -m qc`
    imports the `qc/` found there (the current folder comes first on sys.path)."""
    start = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                          env={**os.environ, "PYTHONPATH": str(pythonpath)}, cwd=pythonpath)
    if proc.returncode not in (0, 1):
        sys.exit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stderr}")
    return time.perf_counter() - start


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--other", type=Path, required=True)
    ap.add_argument("--this", type=Path, default=ROOT)
    ap.add_argument("--data", type=Path, default=ROOT / "bench-data")
    ap.add_argument("--out", type=Path, default=ROOT / "bench-out")
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args(argv)
    py, csv = sys.executable, a.data.resolve() / f"batches_{a.rows}.csv"
    a.out.mkdir(parents=True, exist_ok=True)
    spec = BENCH / "spec10.yaml"

    def exoqc(report: str) -> list[str]:
        return [py, "-m", "qc", "check", str(csv), "--spec", str(spec), "--quiet",
                "-o", str(a.out / report)]

    cmds = {"baseline": ([py, str(BENCH / "baseline_pandas.py"), "--date-check", str(csv),
                          str(a.out / "baseline.json")], ROOT),
            "this": (exoqc("this.json"), a.this.resolve()),
            "other": (exoqc("other.json"), a.other.resolve())}
    for cmd, path in cmds.values():  # one uncounted warm-up each
        timed(cmd, path)
    times: dict[str, list[float]] = {name: [] for name in cmds}
    names = list(cmds)
    for i in range(a.runs):
        for name in names[i % 3:] + names[:i % 3]:
            times[name].append(timed(*cmds[name]))
        print(f"round {i + 1}: " + ", ".join(f"{k} {v[-1]:.2f} s" for k, v in times.items()),
              file=sys.stderr)
    for name in ("this", "other"):
        ratios = [t / b for t, b in zip(times[name], times["baseline"], strict=True)]
        print(f"{name}: median {statistics.median(times[name]):.2f} s, ratio to baseline "
              f"median {statistics.median(ratios):.2f} (rounds: "
              + ", ".join(f"{r:.2f}" for r in ratios) + ")")
    print(f"baseline: median {statistics.median(times['baseline']):.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
