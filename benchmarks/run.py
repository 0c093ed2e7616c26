#!/usr/bin/env python3
"""Time exoqc against the hand-written pandas baseline, side by side. Never run in CI.

Usage (from the repository root, with the Python that has exoqc's dependencies):
    python benchmarks/run.py [--runs N] [--sizes 1000 100000 1000000] [--only SCENARIO ...]

Every measurement is a whole process (start-up, import, read, checks, report), run under
GNU time (`/usr/bin/time -f`, peak RSS) with the wall time taken around it. exoqc and the
baseline run alternately, A B then B A, so both see the same machine state, and each
scenario reports both medians and the median of the per-pair ratios exoqc / baseline.
Before timing, a correctness cross-check: the failing-batch counts of exoqc, of the
baseline and of the generator's oracle must be equal at every size (exit 1 otherwise).

Scenarios (targets from issue #6, as ratios exoqc / baseline):
    startup     1k rows, exoqc prints its table to stdout             <= 1.10
    throughput  1M rows, exoqc --quiet                                 <= 1.0
    json        1M rows, exoqc -o report.json (every check, every batch) <= 3
    memory      1M rows, --quiet, peak RSS                             <= 1.0
    scaling     --quiet at every size: cost per row should stay flat

Data: benchmarks/gen_data.py writes it (this script runs it when a file is missing).
Results: a Markdown table on stdout and OUT/results.json.
pandera is not measured here: the peer benchmark (the same 10 checks written for pandas,
pandera, Great Expectations and frictionless; kept outside this repository) runs pandera on
clean data only. To compare, `pip install pandera` and write the 10 checks as a schema.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "benchmarks"
SPEC = BENCH / "spec10.yaml"
SCENARIOS = ("startup", "throughput", "json", "memory", "scaling")
TARGETS = {"startup": 1.10, "throughput": 1.0, "json": 3.0, "memory": 1.0}


@dataclass
class Sample:
    wall: float
    rss_mib: float


@dataclass
class Pair:
    name: str
    exoqc: list[Sample] = field(default_factory=list)
    baseline: list[Sample] = field(default_factory=list)

    def median(self, side: str, what: str = "wall") -> float:
        return statistics.median(getattr(s, what) for s in getattr(self, side))

    def ratio(self, what: str = "wall") -> float:
        return statistics.median(getattr(a, what) / getattr(b, what)
                                 for a, b in zip(self.exoqc, self.baseline, strict=True))


def date_check_enabled() -> bool:
    """Whether spec10.yaml has the 10th check (uncommented), so the baseline runs it too."""
    return bool(re.search(r"^\s*-\s*name:\s*expiry_after_manufacture\s*$",
                          SPEC.read_text(encoding="utf-8"), re.M))


def run_once(cmd: list[str], stdout_path: str | None = None) -> Sample:
    """One whole-process run under GNU time: wall seconds and peak RSS (MiB)."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as timing:
        out = open(stdout_path or os.devnull, "w")  # noqa: SIM115
        try:
            start = time.perf_counter()
            proc = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", timing.name, *cmd],
                                  stdout=out, stderr=subprocess.PIPE, text=True,
                                  env={**os.environ, "PYTHONPATH": str(ROOT)}, cwd=ROOT)
            wall = time.perf_counter() - start
        finally:
            out.close()
        if proc.returncode not in (0, 1):
            sys.exit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stderr}")
        rss_kib = int(timing.read().strip().splitlines()[-1])
    return Sample(wall, rss_kib / 1024)


def paired(name: str, exoqc: list[str], baseline: list[str], runs: int) -> Pair:
    """Alternate the two commands (A B, B A, ...) after one uncounted warm-up each."""
    run_once(exoqc)
    run_once(baseline)
    pair = Pair(name)
    for i in range(runs):
        order = [(pair.exoqc, exoqc), (pair.baseline, baseline)]
        for samples, cmd in order if i % 2 == 0 else reversed(order):
            samples.append(run_once(cmd))
    print(f"  {name}: exoqc {pair.median('exoqc'):.3f} s, baseline "
          f"{pair.median('baseline'):.3f} s, ratio {pair.ratio():.2f}", file=sys.stderr)
    return pair


def failing_in_exoqc_report(path: Path) -> int:
    """The summary's fail count, read from the head of the JSON report (it can be GBs)."""
    with open(path, encoding="utf-8") as fh:
        head = fh.read(1 << 16)
    found = re.search(r'"summary":\s*\{[^}]*"fail":\s*(\d+)', head)
    if not found:
        sys.exit(f"no summary in {path}")
    return int(found.group(1))


def cross_check(py: str, data: Path, out: Path, sizes: list[int], dates: bool) -> list[dict]:
    rows = []
    for n in sizes:
        report = out / f"exoqc_{n}.json"
        summary = out / f"baseline_{n}.json"
        run_once(exoqc_cmd(py, data, n, "-o", str(report)))
        run_once(baseline_cmd(py, data, n, out, dates))
        oracle = json.loads((data / f"batches_{n}.oracle.json").read_text())
        expected = oracle["failed_with_date_check" if dates else "failed_without_date_check"]
        got_exoqc = failing_in_exoqc_report(report)
        got_base = json.loads(summary.read_text())["failed"]
        agree = got_exoqc == got_base == expected
        rows.append({"rows": n, "exoqc": got_exoqc, "baseline": got_base, "oracle": expected,
                     "agree": agree})
        print(f"  {n} rows: failing batches exoqc={got_exoqc} baseline={got_base} "
              f"oracle={expected} {'AGREE' if agree else 'DISAGREE'}", file=sys.stderr)
        report.unlink()
    return rows


def exoqc_cmd(py: str, data: Path, n: int, *extra: str) -> list[str]:
    return [py, "-m", "qc", "check", str(data / f"batches_{n}.csv"), "--spec", str(SPEC), *extra]


def baseline_cmd(py: str, data: Path, n: int, out: Path, dates: bool) -> list[str]:
    return [py, str(BENCH / "baseline_pandas.py"), *(["--date-check"] if dates else []),
            str(data / f"batches_{n}.csv"), str(out / f"baseline_{n}.json")]


def versions(py: str) -> dict[str, str]:
    code = ("import json, platform, sys, numpy, pandas, pyarrow; "
            "print(json.dumps({'python': platform.python_version(), 'numpy': numpy.__version__,"
            " 'pandas': pandas.__version__, 'pyarrow': pyarrow.__version__,"
            " 'machine': platform.machine(), 'system': platform.platform()}))")
    found: dict[str, str] = json.loads(subprocess.check_output([py, "-c", code], text=True))
    found["cpus"] = str(os.cpu_count())
    found["exoqc"] = subprocess.check_output([py, "-m", "qc", "--version"], text=True,
                                             cwd=ROOT).strip()
    return found


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("--data", type=Path, default=ROOT / "bench-data")
    ap.add_argument("--out", type=Path, default=ROOT / "bench-out")
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 100_000, 1_000_000])
    ap.add_argument("--runs", type=int, default=5, help="timed pairs per scenario")
    ap.add_argument("--only", nargs="+", choices=SCENARIOS, default=list(SCENARIOS))
    ap.add_argument("--no-check", action="store_true", help="skip the correctness cross-check")
    a = ap.parse_args(argv)
    py, data, out = a.python, a.data.resolve(), a.out.resolve()
    # Byte-compile qc as `pip install` does; where PYTHONDONTWRITEBYTECODE is set, every
    # run would otherwise compile exoqc's modules again (pandas' are compiled).
    subprocess.run([py, "-m", "compileall", "-q", "--invalidation-mode", "timestamp",
                    str(ROOT / "qc")], check=True)
    out.mkdir(parents=True, exist_ok=True)
    missing = [n for n in a.sizes if not (data / f"batches_{n}.csv").exists()]
    if missing:
        subprocess.run([py, str(BENCH / "gen_data.py"), "--out-dir", str(data),
                        *map(str, missing)], check=True)
    dates = date_check_enabled()
    small, large = min(a.sizes), max(a.sizes)
    results: dict[str, object] = {"versions": versions(py), "date_check": dates,
                                  "runs": a.runs}
    print(f"checks: {'10 (with the date check)' if dates else '9 (no date check yet)'}",
          file=sys.stderr)
    if not a.no_check:
        print("correctness cross-check", file=sys.stderr)
        check = cross_check(py, data, out, a.sizes, dates)
        results["cross_check"] = check
        if not all(row["agree"] for row in check):
            print(json.dumps(check, indent=1))
            return 1
    pairs: dict[str, Pair] = {}
    base = {n: baseline_cmd(py, data, n, out, dates) for n in a.sizes}
    print("timing", file=sys.stderr)
    if "startup" in a.only:
        pairs["startup"] = paired(f"startup ({small} rows, table)", exoqc_cmd(py, data, small),
                                  base[small], a.runs)
    if {"throughput", "memory"} & set(a.only):
        pairs["throughput"] = paired(f"throughput ({large} rows, --quiet)",
                                     exoqc_cmd(py, data, large, "--quiet"), base[large], a.runs)
        pairs["memory"] = pairs["throughput"]
    if "json" in a.only:
        report = str(out / "exoqc_report.json")
        pairs["json"] = paired(f"full JSON report ({large} rows)",
                               exoqc_cmd(py, data, large, "--quiet", "-o", report),
                               base[large], a.runs)
    if "scaling" in a.only:
        for n in a.sizes:
            if n == large and "throughput" in pairs:
                pairs[f"scaling_{n}"] = pairs["throughput"]
                continue
            pairs[f"scaling_{n}"] = paired(f"scaling ({n} rows, --quiet)",
                                           exoqc_cmd(py, data, n, "--quiet"), base[n], a.runs)
    table = render(pairs)
    results["scenarios"] = {
        key: {"name": p.name, "exoqc_wall_s": p.median("exoqc"),
              "baseline_wall_s": p.median("baseline"), "wall_ratio": p.ratio(),
              "exoqc_peak_mib": p.median("exoqc", "rss_mib"),
              "baseline_peak_mib": p.median("baseline", "rss_mib"),
              "peak_ratio": p.ratio("rss_mib"),
              "exoqc": [vars(s) for s in p.exoqc], "baseline": [vars(s) for s in p.baseline]}
        for key, p in pairs.items()
    }
    (out / "results.json").write_text(json.dumps(results, indent=1) + "\n")
    print(table)
    return 0


def render(pairs: dict[str, Pair]) -> str:
    lines = ["| scenario | exoqc s | baseline s | wall ratio | exoqc MiB | baseline MiB "
             "| peak ratio | target | met |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---|"]
    for key, p in pairs.items():
        what = "rss_mib" if key == "memory" else "wall"
        target = TARGETS.get(key)
        ratio = p.ratio(what)
        met = "" if target is None else ("yes" if ratio <= target else "no")
        lines.append(
            f"| {p.name}{' peak RSS' if key == 'memory' else ''} | {p.median('exoqc'):.3f} | "
            f"{p.median('baseline'):.3f} | {p.ratio():.2f} | {p.median('exoqc', 'rss_mib'):.0f} | "
            f"{p.median('baseline', 'rss_mib'):.0f} | {p.ratio('rss_mib'):.2f} | "
            f"{'' if target is None else f'<= {target:.2f}'} | {met} |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
