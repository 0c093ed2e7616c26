"""Strict limits (min_exclusive / max_exclusive), USP rounding, and report-only checks."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests import spec_helpers
from tests.conftest import run_cli
from tests.spec_helpers import HEAD, checks_of, csv

judge = spec_helpers.judge

STRICT = HEAD + """checks:
  - name: endotoxin
    column: e
    unit: EU/mL
    max_exclusive: 0.25
  - name: purity
    column: p
    unit: "%"
    min_exclusive: 90
    required: false
"""


@pytest.mark.parametrize(("cell", "status", "reason", "message"), [
    ("<0.25", "pass", None, None),
    ("0.2499", "pass", None, None),
    ("0.25", "fail", "out_of_spec", "0.25 EU/mL is at the exclusive maximum 0.25 EU/mL"),
    ("250 mEU/mL", "fail", "invalid", "cannot read '250 mEU/mL': unknown unit 'mEU/mL'"),
    ("≤0.25", "fail", "indeterminate",
     "≤0.25 EU/mL may reach the exclusive maximum 0.25 EU/mL (retest more sensitively)"),
    ("0.3", "fail", "out_of_spec", "0.3 EU/mL is above the exclusive maximum 0.25 EU/mL"),
    ("<0.5", "fail", "indeterminate",
     "<0.5 EU/mL may reach the exclusive maximum 0.25 EU/mL (retest more sensitively)"),
])
def test_max_exclusive(judge: Callable[..., object], cell: str, status: str,
                       reason: str | None, message: str | None) -> None:
    run = judge(STRICT, csv("batch_id,e", f"B1,{cell}"))
    got = checks_of(run)[0][0]
    assert (got["status"], got["reason"], got["message"]) == (status, reason, message), run


@pytest.mark.parametrize(("cell", "status"), [("90", "fail"), (">90", "pass"), ("90.01", "pass"),
                                              ("≥90", "fail"), ("0.9", "fail")])
def test_min_exclusive(judge: Callable[..., object], cell: str, status: str) -> None:
    run = judge(STRICT, csv("batch_id,e,p", f"B1,0.1,{cell}"))
    assert checks_of(run)[0][1]["status"] == status, run


def test_both_inclusive_and_exclusive_on_one_side(write: Callable[..., Path]) -> None:
    spec = write("s.yaml", STRICT.replace("max_exclusive: 0.25", "max_exclusive: 0.25\n"
                                          "    max: 0.3"))
    run = run_cli("spec", "validate", str(spec))
    assert (run.code, run.out) == (
        2, f"{spec}:8:20: checks[0].max_exclusive: give max or max_exclusive, not both\n"), run


def test_exclusive_limits_that_leave_nothing(write: Callable[..., Path]) -> None:
    spec = write("s.yaml", HEAD + "checks:\n  - name: c\n    column: c\n    min_exclusive: 5\n"
                 "    max: 5\n")
    run = run_cli("spec", "validate", str(spec))
    assert (run.code, run.out) == (
        2, f"{spec}:7:20: checks[0].min_exclusive: min_exclusive 5 leaves no value below "
           "max 5\n"), run


USP = HEAD + """rounding: usp
checks:
  - name: endotoxin
    column: e
    max: 1.0
  - name: potency
    column: p
    min: 50
    max: 150
    rounding: exact
    required: false
"""


@pytest.mark.parametrize(("cell", "status", "message"), [
    ("1.04", "pass", "1.04 (rounded 1.0, usp)"),
    ("1.049999", "pass", "1.049999 (rounded 1.0, usp)"),
    ("1.05", "fail", "1.05 (rounded 1.1, usp) is above the maximum 1.0"),
    ("1.0", "pass", None),
    ("0.7", "pass", None),
    ("2", "fail", "2 is above the maximum 1.0"),
])
def test_usp_rounding(judge: Callable[..., object], cell: str, status: str,
                      message: str | None) -> None:
    run = judge(USP, csv("batch_id,e", f"B1,{cell}"))
    got = checks_of(run)[0][0]
    assert (got["status"], got["value"], got["message"]) == (status, cell, message), run


def test_check_level_exact_overrides_spec_rounding(judge: Callable[..., object]) -> None:
    run = judge(USP, csv("batch_id,e,p", "B1,0.5,150.4"))
    assert checks_of(run)[0][1]["status"] == "fail", run


def test_report_only(judge: Callable[..., object]) -> None:
    spec = HEAD + """checks:
  - name: protein
    column: protein
    report_only: true
  - name: marker
    column: marker
    report_only: true
    allowed: [positive]
  - name: absent
    column: not_there
    report_only: true
"""
    run = judge(spec, csv("batch_id,protein,marker", "B1,18.5,negative", "B2,,garbage"))
    assert run.code == 0, run
    first, second = checks_of(run)
    assert [(c["status"], c["value"], c["message"]) for c in first] == [
        ("reported", "18.5", "report only: 18.5"),
        ("reported", "negative", "report only: negative"),
        ("reported", None, "column 'not_there' is not in the file (report-only)")]
    assert second[0]["message"] == "report only (no value)"
