"""Fuzz the batch-file reader and the cell rules with atheris (not run in CI).

    /work/venv/bin/pip install atheris
    python fuzz/fuzz_records.py -max_total_time=300 -rss_limit_mb=4096 fuzz/corpus/records

Every input must end in a Report or an `ExoqcError` (exit 2 with one line): any other
exception is a crash, which atheris reports with the input that caused it. Half of the
inputs get a fixed header in front so that the fuzzer reaches the value grammar and the
rules, not only the CSV and encoding layers. See docs/testing.md.
"""

from __future__ import annotations

import sys
from pathlib import Path

import atheris

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

with atheris.instrument_imports(include=["qc"]):
    from qc.engine import Options, evaluate
    from qc.errors import ExoqcError
    from qc.records import load_table
    from qc.spec import parse_spec

SPEC = parse_spec(b"""
name: fuzz
version: "1"
id_column: batch_id
checks:
  - {name: size, column: size_nm, unit: nm, min: 30, max: 250, warn_max: 200}
  - {name: count, column: conc, unit: particles/mL, min: 1.0e+9}
  - {name: sterility, column: sterility, allowed: [no growth, negative]}
  - {name: source, column: source, forbidden: [HeLa, HEK293]}
  - {name: code, column: code, pattern: 'EXO-\\d{4}-\\d{3}'}
  - {name: gmp, column: gmp, equals: true}
  - {name: optional, column: potency, min: 0, required: false}
""", "fuzz.yaml")
HEADER = b"batch_id,size_nm,conc,sterility,source,code,gmp,potency\n"


def test_one(data: bytes) -> None:
    if data[:1] == b"h":
        data = HEADER + data[1:]
    try:
        table = load_table(["-"], stdin=data)
        for comma in (False, True):
            evaluate(SPEC, table, options=Options(decimal_comma=comma), tool_version="fuzz",
                     generated_at="2026-01-01T00:00:00Z")
    except ExoqcError:
        pass


def main() -> None:
    atheris.Setup(sys.argv, test_one)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
