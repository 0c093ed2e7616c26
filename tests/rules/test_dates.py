"""`type: date` checks: ISO and declared formats, ambiguity, today/--as-of, column limits."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests import spec_helpers
from tests.conftest import run_cli
from tests.spec_helpers import HEAD, checks_of, csv

judge = spec_helpers.judge

EXPIRY = HEAD + """checks:
  - name: expiry
    column: expiry
    type: date
    min: today
    warn_min: today+30d
"""


def test_expired_warns_and_passes_as_of_a_date(judge: Callable[..., object]) -> None:
    """domain.md case 46: expiry 2024-02-29 evaluated on 2024-03-07 fails."""
    run = judge(EXPIRY, csv("batch_id,expiry", "B1,2024-02-29", "B2,2024-03-20", "B3,2024-06-01",
                            "B4,2024-03-07"), "--as-of", "2024-03-07")
    assert run.code == 1, run
    expired, soon, fine, today = (c[0] for c in checks_of(run))
    assert expired == {"name": "expiry", "column": "expiry", "status": "fail",
                       "reason": "out_of_spec", "value": "2024-02-29",
                       "message": "2024-02-29 is before the minimum today (2024-03-07)"}
    assert (soon["status"], soon["message"]) == (
        "warn", "2024-03-20 is before the alert limit today+30d (2024-04-06)")
    assert fine["status"] == "pass"
    assert today["status"] == "warn"  # the minimum is inclusive; the alert still fires
    assert json.loads(run.out)["as_of"] == "2024-03-07"


def test_as_of_is_recorded_and_defaults_to_today(judge: Callable[..., object]) -> None:
    import datetime as dt

    run = judge(EXPIRY, csv("batch_id,expiry", "B1,2999-01-01"))
    assert run.code == 0, run
    assert json.loads(run.out)["as_of"] == dt.date.today().isoformat()


def test_bad_as_of_is_exit_2(judge: Callable[..., object]) -> None:
    run = judge(EXPIRY, csv("batch_id,expiry", "B1,2999-01-01"), "--as-of", "07.03.2024")
    assert (run.code, run.err) == (
        2, "exoqc: --as-of: '07.03.2024' is not an ISO date such as 2026-03-07\n"), run


def test_ambiguous_formats_are_invalid(judge: Callable[..., object]) -> None:
    """domain.md case 47: 04/05/2026 under two declared formats reads two dates."""
    spec = HEAD + """date_format: ["%d/%m/%Y", "%m/%d/%Y"]
checks:
  - name: expiry
    column: expiry
    type: date
    min: 2026-01-01
"""
    run = judge(spec, csv("batch_id,expiry", "B1,04/05/2026", "B2,25/12/2026", "B3,12/12/2026",
                          "B4,2026-12-12"))
    first, second, third, fourth = (c[0] for c in checks_of(run))
    assert (first["status"], first["reason"], first["message"]) == (
        "fail", "invalid",
        "'04/05/2026' is ambiguous: %d/%m/%Y reads 2026-05-04, %m/%d/%Y reads 2026-04-05")
    assert second["status"] == third["status"] == fourth["status"] == "pass"


def test_undeclared_formats_and_impossible_dates_are_invalid(judge: Callable[..., object]
                                                             ) -> None:
    """domain.md case 49: 2026-02-30 and an Excel serial are not dates."""
    run = judge(EXPIRY, csv("batch_id,expiry", "B1,2026-02-30", "B2,45358", "B3,07.03.2026",
                            "B4,"), "--as-of", "2026-01-01")
    bad30, serial, dotted, empty = (c[0] for c in checks_of(run))
    assert bad30["message"] == "cannot read '2026-02-30' as a date (ISO 2026-03-07)"
    assert serial["reason"] == dotted["reason"] == "invalid"
    assert (empty["reason"], empty["message"]) == ("missing", "no value")


def test_check_level_format_and_column_limit(judge: Callable[..., object]) -> None:
    spec = HEAD + """checks:
  - name: shelf_life
    column: expiry
    type: date
    date_format: "%d.%m.%Y"
    min: {column: made}
    max: 2030-12-31
"""
    run = judge(spec, csv("batch_id,made,expiry", "B1,01.02.2026,01.02.2027",
                          "B2,01.02.2026,31.01.2026", "B3,,01.02.2027", "B4,soon,01.02.2027",
                          "B5,2026-01-01,2031-01-01"))
    ok, early, no_made, bad_made, late = (c[0] for c in checks_of(run))
    assert ok["status"] == "pass"
    assert (early["reason"], early["message"]) == (
        "out_of_spec", "2026-01-31 is before the minimum made (2026-02-01)")
    assert (no_made["reason"], no_made["message"]) == (
        "invalid", "made is empty, so there is nothing to compare with")
    assert bad_made["message"] == ("made: cannot read 'soon' as a date (ISO 2026-03-07 or "
                                   "%d.%m.%Y)")
    assert late["message"] == "2031-01-01 is after the maximum 2030-12-31"


@pytest.mark.parametrize(("limit", "problem"), [
    ("tomorrow", "'tomorrow' is not a date limit (write 2026-03-07, today, today+30d, today-7d, "
                 "{column: name} or {column: name, offset: 24 months})"),
    ("2026-02-30", "'2026-02-30' is not a date (write 2026-03-07)"),
    ("5", "the number 5 is not a date limit (write 2026-03-07, today, today+30d, today-7d, "
          "{column: name} or {column: name, offset: 24 months})"),
])
def test_bad_date_limits(write: Callable[..., Path], limit: str, problem: str) -> None:
    spec = write("s.yaml", EXPIRY.replace("min: today\n", f"min: {limit}\n"))
    run = run_cli("spec", "validate", str(spec))
    assert (run.code, run.out) == (2, f"{spec}:8:10: checks[0].min: {problem}\n"), run


def test_date_limits_out_of_order(write: Callable[..., Path]) -> None:
    spec = write("s.yaml", EXPIRY.replace("warn_min: today+30d", "max: today-7d"))
    run = run_cli("spec", "validate", str(spec))
    assert (run.code, run.out) == (
        2, f"{spec}:8:10: checks[0].min: min today is after max today-7d\n"), run


def test_numeric_limit_on_a_date_needs_type(write: Callable[..., Path]) -> None:
    spec = write("s.yaml", EXPIRY.replace("    type: date\n", ""))
    run = run_cli("spec", "validate", str(spec))
    assert (run.code, run.out) == (
        2, f"{spec}:7:10: checks[0].min: must be a number, not 'today' (dates need type: "
           "date)\n"), run


def test_bad_strftime_format_is_a_spec_error(write: Callable[..., Path]) -> None:
    spec = write("s.yaml", EXPIRY.replace("    type: date\n",
                                          '    type: date\n    date_format: "%d.%Q"\n'))
    run = run_cli("spec", "validate", str(spec))
    assert (run.code, run.out) == (
        2, f"{spec}:8:18: checks[0].date_format: '%d.%Q' is not a valid strftime format: 'Q' is "
           "a bad directive in format '%d.%Q'\n"), run


def test_absent_limit_column_is_exit_2(judge: Callable[..., object], tmp_path: Path) -> None:
    spec = HEAD + "checks:\n  - name: s\n    column: expiry\n    type: date\n" \
                  "    min: {column: made}\n"
    run = judge(spec, csv("batch_id,expiry", "B1,2026-01-01"))
    assert (run.code, run.err) == (
        2, f"exoqc: {tmp_path / 'batches.csv'}: no column 'made' (needed by check 's')\n"), run


def test_source_date_epoch_fixes_today(write: Callable[..., Path]) -> None:
    spec = write("s.yaml", EXPIRY)
    data = write("d.csv", csv("batch_id,expiry", "B1,2025-12-01"))
    run = run_cli("check", str(data), "--spec", str(spec), "-f", "json",
                  env={"SOURCE_DATE_EPOCH": "1764000000"})  # 2025-11-24T16:00:00Z
    assert json.loads(run.out)["as_of"] == "2025-11-24"
    assert checks_of(run)[0][0]["message"] == (
        "2025-12-01 is before the alert limit today+30d (2025-12-24)")


def test_verify_reruns_a_date_check_as_of_the_recorded_day(write: Callable[..., Path],
                                                           tmp_path: Path) -> None:
    """Without --as-of, the day `today` meant is recorded, so `exoqc verify` reproduces it."""
    spec = write("s.yaml", EXPIRY)
    data = write("d.csv", csv("batch_id,expiry", "B1,2025-12-01"))
    report = tmp_path / "r.json"
    env = {"SOURCE_DATE_EPOCH": "1764000000"}  # 2025-11-24
    made = run_cli("check", str(data), "--spec", str(spec), "-o", str(report), "-q", env=env)
    assert made.code == 0, made
    doc = json.loads(report.read_text())
    assert doc["provenance"]["options"]["as_of"] == "2025-11-24"
    verified = run_cli("verify", str(report))  # today is another day
    assert verified.code == 0, verified
    assert verified.out.startswith(f"verified: {report}: 1 batches"), verified


STRICT = HEAD + """checks:
  - name: shelf_life
    column: expiry
    type: date
    min_exclusive: {column: made}
    max_exclusive: today+1000d
"""


def test_exclusive_date_limits_fail_on_the_day(judge: Callable[..., object]) -> None:
    """Strictly after manufacture: a batch that expires on the day it is made fails."""
    run = judge(STRICT, csv("batch_id,made,expiry", "B1,2026-02-01,2026-02-02",
                            "B2,2026-02-01,2026-02-01", "B3,2026-02-01,2026-01-31",
                            "B4,2026-02-01,2028-12-25", "B5,2026-02-01,2028-12-24"),
                "--as-of", "2026-03-31")
    after, same_day, before, at_max, below_max = (c[0] for c in checks_of(run))
    assert after["status"] == below_max["status"] == "pass"
    assert (same_day["reason"], same_day["message"]) == (
        "out_of_spec", "2026-02-01 is not after the exclusive minimum made (2026-02-01)")
    assert before["message"] == "2026-01-31 is not after the exclusive minimum made (2026-02-01)"
    assert (at_max["reason"], at_max["message"]) == (
        "out_of_spec",
        "2028-12-25 is not before the exclusive maximum today+1000d (2028-12-25)")


@pytest.mark.parametrize(("limits", "problem"), [
    ("    min: 2026-01-01\n    min_exclusive: 2026-01-01\n",
     "9:20: checks[0].min_exclusive: give min or min_exclusive, not both"),
    ("    min_exclusive: 2026-01-01\n    max: 2026-01-01\n",
     "8:20: checks[0].min_exclusive: min_exclusive 2026-01-01 and max 2026-01-01 leave no "
     "date between them"),
    ("    min_exclusive: today+5d\n    max_exclusive: today\n",
     "8:20: checks[0].min_exclusive: min_exclusive today+5d is after max_exclusive today"),
    ("    min_exclusive: 7\n",
     "8:20: checks[0].min_exclusive: the number 7 is not a date limit (write 2026-03-07, "
     "today, today+30d, today-7d, {column: name} or "
                     "{column: name, offset: 24 months})"),
])
def test_bad_exclusive_date_limits(write: Callable[..., Path], limits: str,
                                   problem: str) -> None:
    spec = write("s.yaml", HEAD + "checks:\n  - name: d\n    column: d\n    type: date\n"
                 + limits)
    run = run_cli("spec", "validate", str(spec))
    assert (run.code, run.out) == (2, f"{spec}:{problem}\n"), run


def test_spec_show_writes_strict_date_limits(write: Callable[..., Path]) -> None:
    spec = write("s.yaml", STRICT)
    run = run_cli("spec", "show", str(spec))
    assert run.code == 0, run
    assert "date > made and < today+1000d" in run.out
