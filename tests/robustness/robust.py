"""Shared pieces of the robustness suite: one spec, one passing batch, and the CLI run as a user
runs it (in-process through click, or as a real process where signals or timing matter)."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from qc.cli import main

ROOT = Path(__file__).resolve().parents[2]

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


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str

    def __str__(self) -> str:  # shown when an assertion on a Run fails
        return f"exit {self.code}\n--- stdout\n{self.out[:4000]}\n--- stderr\n{self.err[:4000]}"

    def json(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.out)
        return data


def cli(*args: str | os.PathLike[str], stdin: bytes | None = None,
        env: Mapping[str, str] | None = None) -> Run:
    """`exoqc ARGS...` in-process, through the real click entry point."""
    result = CliRunner().invoke(main, [str(a) for a in args], input=stdin, env=env,
                                catch_exceptions=False)
    return Run(result.exit_code, result.stdout, result.stderr)


def process(*args: str | os.PathLike[str], timeout: float = 120, **kw: Any) -> Run:
    """`exoqc ARGS...` as a separate process (`python -m qc`), from the repository root."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "qc", *map(str, args)], capture_output=True,
                          timeout=timeout, env=env, cwd=ROOT, **kw)
    return Run(done.returncode, done.stdout.decode("utf-8", "replace"),
               done.stderr.decode("utf-8", "replace"))


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
