"""Inputs as a release pipeline feeds them: several files, stdin, European decimals."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import run_cli

Write = Callable[[str, str | bytes], Path]

SPEC = """\
name: in-spec
version: "1"
id_column: batch_id
checks:
  - name: ph
    column: ph
    min: 6.8
    max: 7.6
  - name: particles
    column: particles_per_ml
    min: 1.0e+10
  - name: endotoxin
    column: endotoxin
    max: 0.5
"""


@pytest.fixture
def spec(write: Write) -> Path:
    return write("spec.yaml", SPEC)


def as_json(run_out: str) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(run_out)
    return result


def test_stdin_is_read_as_csv_and_shown_as_stdin(write: Write, spec: Path) -> None:
    data = b"batch_id,ph,particles_per_ml,endotoxin\nS-1,7.4,2.1E+11,<0.25\nS-2,8.0,2E11,0.1\n"
    other = write("b.csv", "batch_id,ph,particles_per_ml,endotoxin\nB-1,7.0,3E+10,0.2\n")
    run = run_cli("check", "-", str(other), "--spec", str(spec), "--format", "json",
                  stdin=data)
    assert (run.code, run.err) == (1, "")
    rep = as_json(run.out)
    assert [{k: i[k] for k in ("path", "sha256", "rows")} for i in rep["inputs"]] == [
        {"path": "<stdin>", "sha256": hashlib.sha256(data).hexdigest(), "rows": 2},
        {"path": str(other), "sha256": hashlib.sha256(other.read_bytes()).hexdigest(),
         "rows": 1}]
    assert [(b["batch_id"], b["input"], b["row"], b["verdict"]) for b in rep["batches"]] == [
        ("S-1", "<stdin>", 2, "pass"), ("S-2", "<stdin>", 3, "fail"),
        ("B-1", str(other), 2, "pass")]


def test_stdin_errors_name_stdin(spec: Path) -> None:
    run = run_cli("check", "-", "--spec", str(spec), stdin=b"batch_id,ph\nS-1,7.4\n")
    assert (run.code, run.out) == (2, "")
    assert run.err == ("exoqc: <stdin>: no column 'particles_per_ml' (needed by check "
                       "'particles'); no column 'endotoxin' (needed by check 'endotoxin')\n")
    run = run_cli("check", "-", "--spec", str(spec), stdin=b"%PDF-1.4\n")
    assert (run.code, run.err) == (2, "exoqc: <stdin>: unsupported file type: a PDF document; "
                                      "exoqc reads CSV files and Excel workbooks (.xlsx, .xlsm)\n")


EUROPEAN = ("batch_id;ph;particles_per_ml;endotoxin\r\n"
            "EU-1;7,4;2,1E+11;<0,25\r\n"
            "EU-2;7,9;3,0E+11;0,1\r\n"
            "EU-3;7,0;9,5E+09;0,3\r\n").encode("cp1252")


def test_decimal_comma_reads_european_exports(write: Write, spec: Path) -> None:
    path = write("eu.csv", EUROPEAN)
    run = run_cli("check", str(path), "--spec", str(spec), "--decimal", ",", "--format",
                  "json")
    assert (run.code, run.err) == (1, "")
    verdicts = {b["batch_id"]: (b["verdict"], [(c["name"], c["reason"], c["message"])
                                              for c in b["checks"] if c["status"] != "pass"])
                for b in as_json(run.out)["batches"]}
    assert verdicts == {
        "EU-1": ("pass", []),
        "EU-2": ("fail", [("ph", "out_of_spec", "7,9 is above the maximum 7.6")]),
        "EU-3": ("fail", [("particles", "out_of_spec", "9,5E+09 is below the minimum 1.0E+10")]),
    }


def test_without_decimal_comma_a_comma_is_invalid_never_guessed(write: Write,
                                                                spec: Path) -> None:
    path = write("eu.csv", EUROPEAN)
    run = run_cli("check", str(path), "--spec", str(spec), "--format", "json")
    assert (run.code, run.err) == (1, "")
    first = as_json(run.out)["batches"][0]
    assert [(c["name"], c["status"], c["reason"], c["message"]) for c in first["checks"]] == [
        ("batch_identity", "pass", None, None),
        ("ph", "fail", "invalid",
         "cannot read '7,4': a decimal comma is not read unless --decimal , is given"),
        ("particles", "fail", "invalid",
         "cannot read '2,1E+11': a decimal comma is not read unless --decimal , is given"),
        ("endotoxin", "fail", "invalid",
         "cannot read '<0,25': a decimal comma is not read unless --decimal , is given"),
    ]


def test_quiet_prints_nothing_but_writes_reports(write: Write, spec: Path,
                                                 tmp_path: Path) -> None:
    a = write("a.csv", "batch_id,ph,particles_per_ml,endotoxin\nA,7.4,2E11,0.1\n")
    b = write("b.csv", "batch_id,ph,particles_per_ml,endotoxin\nB,7.4,2E11,0.9\n")
    outs = [tmp_path / "out" / name for name in ("r.json", "r.xml", "r.md", "r.csv")]
    run = run_cli("check", str(a), str(b), "--spec", str(spec), "--quiet",
                  *(arg for o in outs for arg in ("-o", str(o))))
    assert (run.code, run.out, run.err) == (1, "", "")
    assert all(o.stat().st_size > 0 for o in outs)
    assert [i["path"] for i in json.loads(outs[0].read_text())["inputs"]] == [str(a), str(b)]


def test_a_missing_second_input_exits_2_naming_it(write: Write, spec: Path,
                                                  tmp_path: Path) -> None:
    a = write("a.csv", "batch_id,ph,particles_per_ml,endotoxin\nA,7.4,2E11,0.1\n")
    out = tmp_path / "r.xml"
    run = run_cli("check", str(a), str(tmp_path / "b.csv"), "--spec", str(spec), "-o", str(out))
    assert (run.code, run.out) == (2, "")
    assert run.err == f"exoqc: {tmp_path / 'b.csv'}: file not found\n"
    assert not out.exists()
