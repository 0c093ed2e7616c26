"""Timing of the spec-authoring features on a synthetic batch file (not a test).

    python benchmarks/bench_spec_features.py [ROWS]

(from the repository root, in the environment where exoqc is installed: `pip install -e .`)

Prints the best of three in-process runs (CSV read included) per spec: one numeric check
(the baseline), a derived ratio, two date checks, and all features with USP rounding.
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from pathlib import Path

from qc.run import RunOptions, run

HEAD = 'name: bench\nversion: "1"\nid_column: batch_id\n'
SPECS = {
    "baseline (one numeric check)": "checks:\n  - name: p\n    column: particles\n"
                                    "    min: 2.0e+9\n",
    "derived ratio": "derived:\n  ratio: particles / protein\nchecks:\n  - name: purity\n"
                     "    column: ratio\n    min: 2.0e+9\n",
    "two date limits": "checks:\n  - name: expiry\n    column: expiry\n    type: date\n"
                       "    min: {column: made}\n    warn_min: today\n",
    "all features, usp": "derived:\n  ratio: particles / protein\nchecks:\n"
                         "  - name: purity\n    column: ratio\n    min: 2.0e+9\n"
                         "  - name: expiry\n    column: expiry\n    type: date\n"
                         "    min: {column: made}\n    warn_min: today\n"
                         "  - name: endo\n    column: endo\n    max_exclusive: 0.25\n"
                         "  - name: ph\n    column: ph\n    min: 7.0\n    max: 7.8\n"
                         "    rounding: usp\n",
}


def main(rows: int) -> None:
    rng = random.Random(1)
    folder = Path(tempfile.mkdtemp())
    lines = ["batch_id,made,expiry,particles,protein,endo,ph"]
    for i in range(rows):
        protein = rng.choice(["<2", f"{rng.uniform(5, 40):.1f}"])
        lines.append(f"B{i},2026-01-{rng.randint(10, 28)},2027-01-{rng.randint(10, 28)},"
                     f"{rng.uniform(1e10, 5e11):.3E},{protein},{rng.uniform(0, 0.3):.2f},"
                     f"{rng.uniform(6.9, 7.9):.2f}")
    data = folder / "batches.csv"
    data.write_text("\n".join(lines) + "\n")
    for label, body in SPECS.items():
        spec = folder / "spec.yaml"
        spec.write_text(HEAD + body)
        best = min(_timed(data, spec) for _ in range(3))
        print(f"{label:32} {rows} rows  {best:6.2f} s")


def _timed(data: Path, spec: Path) -> float:
    start = time.perf_counter()
    run(RunOptions(inputs=(str(data),), spec=str(spec), as_of="2026-04-01"))
    return time.perf_counter() - start


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200_000)
