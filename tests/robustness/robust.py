"""Shared pieces of the robustness suite: one spec, one passing batch, CSV text and report
helpers. The CLI runs through tests/conftest.py's `run_cli` (in-process) and `run_process`
(a real process, where signals or a hang matter)."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from typing import Any

from tests.conftest import Run

SPEC = """\
name: robust
version: "1"
id_column: batch_id
checks:
  - {name: size, column: size_nm, unit: nm, min: 30, max: 250}
  - {name: conc, column: conc_per_ml, unit: particles/mL, min: 1.0e+9}
  - {name: sterility, column: sterility, allowed: [no growth, negative]}
  - {name: source, column: cell_source, forbidden: [HeLa, HEK293]}
  - {name: code, column: lot_code, pattern: 'EXO-\\d{4}-\\d{3}'}
  - {name: gmp, column: gmp, equals: true}
"""
COLUMNS = ("batch_id", "size_nm", "conc_per_ml", "sterility", "cell_source", "lot_code", "gmp")
GOOD = {"batch_id": "B1", "size_nm": "118.4", "conc_per_ml": "3.4E+11",
        "sterility": "No growth", "cell_source": "UC-MSC, donor 11", "lot_code": "EXO-2026-001",
        "gmp": "Yes"}
# The check that reads each column (the id column is read by the built-in batch_identity).
CHECK_OF = {"batch_id": "batch_identity", "size_nm": "size", "conc_per_ml": "conc",
            "sterility": "sterility", "cell_source": "source", "lot_code": "code", "gmp": "gmp"}


def csv_text(rows: Sequence[Mapping[str, str]], columns: Sequence[str] = COLUMNS) -> str:
    """A CSV file (quoted as needed, CRLF line ends as Excel writes) with the given rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")  # so a CR inside a cell is quoted
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(c, "") for c in columns])
    return buffer.getvalue()


def one_line_error(run: Run) -> str:
    """The stderr of an exit-2 run, asserted to be one plain line (no traceback)."""
    assert run.code == 2, run
    assert "Traceback" not in run.err, run
    lines = run.err.splitlines()
    assert len(lines) == 1, run
    assert lines[0].startswith("exoqc: "), run
    return lines[0]


def check_of(report: Mapping[str, Any], batch: int, name: str) -> dict[str, Any]:
    """One check of one batch in a JSON report."""
    found: dict[str, Any] = next(c for c in report["batches"][batch]["checks"]
                                 if c["name"] == name)
    return found
