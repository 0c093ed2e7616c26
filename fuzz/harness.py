"""What the fuzz targets run on one input, without atheris: shared with the regression tests
(tests/robustness/test_robust_fuzz_regressions.py) so that a crash found here replays there.

Each function must return normally or raise an `ExoqcError` (exit 2 with one line).
"""

from __future__ import annotations

import contextlib

from qc.engine.evaluate import Options, evaluate
from qc.errors import ExoqcError
from qc.inputs.read import load_table
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


def check_records(data: bytes) -> None:
    """Read bytes as a batch file and judge it; an input starting with `h` gets HEADER in
    front, so that half of the inputs reach the value grammar and the rules."""
    if data[:1] == b"h":
        data = HEADER + data[1:]
    try:
        table = load_table(["-"], stdin=data)
        for comma in (False, True):
            evaluate(SPEC, table, options=Options(decimal_comma=comma), tool_version="fuzz",
                     generated_at="2026-01-01T00:00:00Z")
    except ExoqcError:
        pass


def check_spec(data: bytes) -> None:
    """Load bytes as a spec: JSON when they start with `{` or `[`, YAML otherwise."""
    name = "fuzz.json" if data[:1] in (b"{", b"[") else "fuzz.yaml"
    with contextlib.suppress(ExoqcError):
        parse_spec(data, name)
