#!/usr/bin/env python3
"""Pathological batch files (issue 14, item 0), each timed against a baseline of the same
shape in the same run. Never run in CI; never a timed test.

Usage (from the repository root, with the Python that has exoqc's dependencies):
    python benchmarks/pathological.py [--rows 100000] [--columns 100000] [--runs 3]

Scenarios, each a whole `python -m qc check ... -q -o report.json` process:
    same_id    ROWS rows that all share one batch id, against ROWS rows with unique ids:
               wall-time ratio <= 2 and report-size ratio <= 1.5 (a duplicate's message
               lists a few other rows and a count, never every other row)
    linear     the same_id report for ROWS and for ROWS/10 rows: size ratio 8-12 (linear)
    wide       a header of COLUMNS columns and no batch rows, against a header of 10
               columns: wall-time ratio <= 5, and both exit 2 saying "no batch rows"
Runs alternate case and baseline (A B, then B A) so both see the same machine state; the
medians and the ratio of the medians are printed with each target, and exit 1 when one is
missed.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SPEC = """\
name: bench
version: "1"
id_column: batch_id
checks:
  - name: x
    column: x
    min: 0
"""


def _write_rows(path: Path, rows: int, same_id: bool) -> Path:
    with path.open("w", encoding="utf-8") as out:
        out.write("batch_id,x\n")
        out.writelines(f"{'EXO-0001' if same_id else f'EXO-{i:07d}'},{i % 97}\n"
                       for i in range(rows))
    return path


def _write_header(path: Path, columns: int) -> Path:
    path.write_text("batch_id," + ",".join(f"c{i}" for i in range(columns - 1)) + "\n",
                    encoding="utf-8")
    return path


def _run(python: str, data: Path, spec: Path, report: Path | None) -> tuple[float, int, int, str]:
    """Wall seconds, exit code, report bytes (0 without -o) and stderr of one check."""
    command = [python, "-m", "qc", "check", str(data), "-s", str(spec), "-q"]
    if report is not None:
        report.unlink(missing_ok=True)
        command += ["-o", str(report)]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    size = report.stat().st_size if report is not None and report.exists() else 0
    return wall, done.returncode, size, done.stderr.strip()


def _pair(python: str, runs: int, case: Path, base: Path, spec: Path, folder: Path,
          report: bool) -> tuple[list[float], list[float], int, int, list[str]]:
    walls: dict[str, list[float]] = {"case": [], "base": []}
    sizes: dict[str, int] = {}
    errors: list[str] = []
    for i in range(runs):
        order = (("case", case), ("base", base)) if i % 2 == 0 else (("base", base),
                                                                      ("case", case))
        for name, data in order:
            out = folder / f"{name}.json" if report else None
            wall, code, size, err = _run(python, data, spec, out)
            walls[name].append(wall)
            sizes[name] = size
            errors.append(f"{name} exit {code}: {err}")
    return walls["case"], walls["base"], sizes["case"], sizes["base"], errors


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--columns", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--python", default=sys.executable)
    args = ap.parse_args()
    missed = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        spec = folder / "spec.yaml"
        spec.write_text(SPEC, encoding="utf-8")
        same = _write_rows(folder / "same.csv", args.rows, same_id=True)
        unique = _write_rows(folder / "unique.csv", args.rows, same_id=False)
        small = _write_rows(folder / "same_small.csv", args.rows // 10, same_id=True)
        wide = _write_header(folder / "wide.csv", args.columns)
        narrow = _write_header(folder / "narrow.csv", 10)

        case, base, case_size, base_size, _ = _pair(args.python, args.runs, same, unique, spec,
                                                     folder, report=True)
        time_ratio = statistics.median(case) / statistics.median(base)
        size_ratio = case_size / base_size
        print(f"same_id: {args.rows} rows, one id: {statistics.median(case):.2f} s, "
              f"{case_size / 1e6:.1f} MB; unique ids: {statistics.median(base):.2f} s, "
              f"{base_size / 1e6:.1f} MB; time ratio {time_ratio:.2f} (target <= 2), size "
              f"ratio {size_ratio:.2f} (target <= 1.5)")
        missed += [n for n, bad in (("same_id time", time_ratio > 2),
                                    ("same_id size", size_ratio > 1.5)) if bad]

        _, _, small_size, _, _ = _pair(args.python, 1, small, small, spec, folder, report=True)
        linear = case_size / small_size
        print(f"linear: report for {args.rows} rows / for {args.rows // 10} rows = "
              f"{linear:.2f} (target 8-12)")
        if not 8 <= linear <= 12:
            missed.append("linear")

        case, base, _, _, errors = _pair(args.python, args.runs, wide, narrow, spec, folder,
                                         report=False)
        ratio = statistics.median(case) / statistics.median(base)
        print(f"wide: header of {args.columns} columns, no rows: {statistics.median(case):.2f} s;"
              f" 10 columns: {statistics.median(base):.2f} s; ratio {ratio:.2f} (target <= 5)")
        refused = all(e.split(":", 1)[0].endswith("exit 2") and "no batch rows" in e
                      for e in errors)
        if ratio > 5 or not refused:
            missed.append("wide")
    print("targets missed: " + ", ".join(missed) if missed else "every target met")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
