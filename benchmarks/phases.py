"""Where the time of one `exoqc check` goes, phase by phase, in one process.

Usage (from the repository root):
    python benchmarks/phases.py bench-data/batches_1000000.csv [--spec benchmarks/spec10.yaml]

Prints seconds per phase: imports, spec, reading, each check, the JSON report rendered
alone (into nothing), and the JSON report written to a temporary folder (rendering, the
fsync and rename). Wall time on a shared machine moves between runs: compare
phases within one run. Never run in CI.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

from msgspec.structs import replace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("csv")
    ap.add_argument("--spec", default=str(ROOT / "benchmarks" / "spec10.yaml"))
    a = ap.parse_args()
    clock = time.perf_counter
    phases: list[tuple[str, float]] = []

    start = clock()
    from qc import output
    from qc.engine import evaluate as engine
    from qc.inputs.read import load_table
    from qc.model import IDENTITY_CHECK, Check, Identity
    from qc.render import RenderOptions
    from qc.render.json_report import render
    from qc.spec import load_spec
    phases.append(("imports", clock() - start))

    start = clock()
    spec = load_spec(a.spec)
    phases.append(("spec", clock() - start))
    start = clock()
    table = load_table([a.csv])
    phases.append((f"read {len(table):,} rows", clock() - start))

    options = engine.Options()
    for check in (Check(IDENTITY_CHECK, spec.id_column, Identity()), *spec.checks):
        start = clock()  # one check as evaluate judges it (engine._judge, private)
        engine._judge(check, spec, table, replace(options, as_of=dt.date.today()))
        phases.append((f"check {check.name}", clock() - start))
    start = clock()
    report = engine.evaluate(spec, table, options=options, tool_version="bench",
                             generated_at="2026-01-01T00:00:00Z")
    phases.append(("evaluate, every check", clock() - start))

    render_options = RenderOptions(color=False, verbose=True, width=120)
    start = clock()
    size = sum(len(chunk) for chunk in render(report, render_options))
    phases.append((f"JSON report rendered ({size / 1e6:,.0f} MB), not written", clock() - start))
    with tempfile.TemporaryDirectory(dir=ROOT) as folder:
        start = clock()
        output.write_outputs(report, output.plan_outputs([f"{folder}/r.json"], []))
        phases.append(("JSON report rendered and written", clock() - start))

    print("| phase | seconds |\n|---|---:|")
    for name, seconds in phases:
        print(f"| {name} | {seconds:.2f} |")


if __name__ == "__main__":
    main()
