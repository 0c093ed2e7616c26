"""Hostile cell values through the real CLI: never a pass, always the reason a lab can act on.

One batch that passes every check (robust.GOOD) gets one cell replaced; the run must
exit 1, the batch must fail, and the check reading that column must give the expected
reason and message. A few values that a lab does mean (a no-break space between number
and unit) are listed under READ_AS_MEANT, so that the line between the two stays visible.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.robustness.robust import CHECK_OF, GOOD, SPEC, check_of, csv_text

ZWSP = "\u200b"
INVISIBLE = "contains an invisible character (U+200B); retype the value"

# (column, cell, reason, message)
NOT_PASS: list[tuple[str, str, str, str]] = [
    ("size_nm", "1e309", "invalid", "cannot read '1e309': number too large"),
    ("size_nm", "1e999999999", "invalid", "cannot read '1e999999999': number too large"),
    ("size_nm", "1e308 x 10^1", "invalid", "cannot read '1e308 x 10^1': number too large"),
    ("size_nm", "-0", "out_of_spec", "-0 nm is below the minimum 30 nm"),
    ("size_nm", "0x10", "invalid", "cannot read '0x10': unknown unit 'x10'"),
    ("size_nm", "١٢٣", "invalid", "cannot read '١٢٣': not a number"),
    ("size_nm", "\uff11\uff12\uff13", "invalid", "cannot read '\uff11\uff12\uff13': not a number"),
    ("size_nm", "85 nm nm", "invalid", "cannot read '85 nm nm': unknown unit 'nm nm'"),
    ("size_nm", "8 5", "invalid", "cannot read '8 5': unknown unit '5'"),
    ("size_nm", "8..5", "invalid", "cannot read '8..5': unknown unit '.5'"),
    ("size_nm", "85e", "invalid", "cannot read '85e': unknown unit 'e'"),
    ("size_nm", "+-85", "invalid", "cannot read '+-85': not a number"),
    ("size_nm", "#N/A", "invalid", "cannot read '#N/A': not a number"),
    ("size_nm", "#VALUE!", "invalid", "cannot read '#VALUE!': not a number"),
    ("size_nm", "NULL", "invalid", "cannot read 'NULL': not a number"),
    ("size_nm", "NaN", "invalid", "cannot read 'NaN': not a number"),
    ("size_nm", "inf", "invalid", "cannot read 'inf': not a number"),
    ("size_nm", "Infinity", "invalid", "cannot read 'Infinity': not a number"),
    ("size_nm", "—", "invalid", "cannot read '—': not a number"),
    ("size_nm", "'85", "invalid", "cannot read \"'85\": not a number"),
    ("size_nm", "85 mL", "invalid", "cannot read '85 mL': mL is not a unit of length (expected nm)"),
    ("size_nm", "85%", "invalid", "cannot read '85%': % is not a unit of length (expected nm)"),
    ("size_nm", "85 nm\n90 nm", "invalid",
     "cannot read '85 nm\\n90 nm': unknown unit 'nm\\n90 nm'"),
    ("size_nm", "\u00a0", "missing", "no value"),
    ("size_nm", "\u00a0\u00a0 \t", "missing", "no value"),
    ("size_nm", f"8{ZWSP}5", "invalid", INVISIBLE),
    ("size_nm", f"85{ZWSP}", "invalid", INVISIBLE),
    ("size_nm", f"{ZWSP}85", "invalid", INVISIBLE),
    ("size_nm", ZWSP, "invalid", INVISIBLE),
    ("size_nm", "8\u200d5", "invalid",
     "contains an invisible character (U+200D); retype the value"),
    ("size_nm", "\u202e58", "invalid",
     "contains an invisible character (U+202E); retype the value"),
    ("size_nm", "85\x1b[2J", "invalid",
     "contains an invisible character (U+001B); retype the value"),
    ("size_nm", "<100", "indeterminate",
     "<100 nm may fall below the minimum 30 nm (retest more sensitively)"),
    ("size_nm", ">20", "indeterminate",
     ">20 nm may exceed the maximum 250 nm (retest more sensitively)"),
    ("conc_per_ml", "2.1 x 10^11 x 10^2", "invalid",
     "cannot read '2.1 x 10^11 x 10^2': unknown unit 'x 10^2'"),
    ("conc_per_ml", "#DIV/0!", "invalid", "cannot read '#DIV/0!': not a number"),
    ("sterility", "#N/A", "invalid", "'#N/A' is not a result"),
    ("sterility", "#VALUE!", "invalid", "'#VALUE!' is not a result"),
    ("sterility", "NULL", "invalid", "'NULL' is not a result"),
    ("sterility", "pending", "invalid", "'pending' is not a result"),
    ("sterility", "'No growth", "out_of_spec",
     "\"'No growth\" is not one of: no growth, negative"),
    ("sterility", "No growth growth", "out_of_spec",
     "'No growth growth' is not one of: no growth, negative"),
    ("sterility", "no growth\nnegative", "out_of_spec",
     "'no growth\\nnegative' is not one of: no growth, negative"),
    ("sterility", f"No{ZWSP}growth", "invalid", INVISIBLE),
    ("cell_source", "#N/A", "invalid", "'#N/A' is not a result"),
    ("cell_source", "NULL", "invalid", "'NULL' is not a result"),
    ("cell_source", "hela s3", "out_of_spec", "'hela s3' names a forbidden entry: HeLa"),
    ("cell_source", f"He{ZWSP}La", "invalid", INVISIBLE),
    ("cell_source", "He\u00adLa", "invalid",
     "contains an invisible character (U+00AD); retype the value"),
    ("lot_code", "#N/A", "invalid", "'#N/A' does not match the pattern EXO-\\d{4}-\\d{3}"),
    ("lot_code", "'EXO-2026-001", "invalid",
     "\"'EXO-2026-001\" does not match the pattern EXO-\\d{4}-\\d{3}"),
    # full-width digits are plain digits in NFKC, which `pattern` matches (issue 14 item 1;
    # tests/rules/test_text_rules_failsafe.py); a hyphen other than `-` is not `-`
    ("lot_code", "EXO\u20102026\u2010001", "invalid",
     "'EXO\u20102026\u2010001' does not match the pattern EXO-\\d{4}-\\d{3}"),
    ("lot_code", f"EXO-2026-001{ZWSP}", "invalid", INVISIBLE),
    ("gmp", "#N/A", "invalid", "'#N/A' is not a yes/no answer"),
    ("gmp", "NULL", "invalid", "'NULL' is not a yes/no answer"),
    ("gmp", "'Yes", "invalid", "\"'Yes\" is not a yes/no answer"),
    ("gmp", "yes yes", "invalid", "'yes yes' is not a yes/no answer"),
    ("gmp", "-0", "invalid", "'-0' is not a yes/no answer"),
    ("gmp", f"Yes{ZWSP}", "invalid", INVISIBLE),
    ("batch_id", "#N/A", "invalid", "'#N/A' is not a batch id"),
    ("batch_id", "NULL", "invalid", "'NULL' is not a batch id"),
    ("batch_id", "#REF!", "invalid", "'#REF!' is not a batch id"),
    ("batch_id", ZWSP, "invalid", INVISIBLE),
]


@pytest.fixture
def spec(tmp_path: Path) -> Path:
    path = tmp_path / "spec.yaml"
    path.write_text(SPEC)
    return path


def _one(spec: Path, column: str, cell: str, *extra: str) -> tuple[int, dict[str, object]]:
    path = spec.parent / "in.csv"
    path.write_text(csv_text([{**GOOD, column: cell}]), encoding="utf-8")
    run = run_cli("check", "-s", spec, path, "-f", "json", *extra)
    assert run.err == "", run
    report = run.json()
    return run.code, report


@pytest.mark.parametrize(("column", "cell", "reason", "message"),
                         [pytest.param(*case, id=f"{case[0]}={case[1]!r}") for case in NOT_PASS])
def test_hostile_value_never_passes(spec: Path, column: str, cell: str, reason: str,
                                    message: str) -> None:
    code, report = _one(spec, column, cell)
    assert code == 1
    assert report["batches"][0]["verdict"] == "fail"  # type: ignore[index]
    check = check_of(report, 0, CHECK_OF[column])
    assert (check["status"], check["reason"], check["message"]) == ("fail", reason, message)
    assert check["value"] == cell.strip(" \t\n\u00a0")  # the report keeps what was written


def test_decimal_comma_without_the_option(spec: Path) -> None:
    """`85,5` is not 85 nor 855: invalid until --decimal , is given."""
    code, report = _one(spec, "size_nm", "85,5")
    check = check_of(report, 0, "size")
    assert (code, check["status"], check["reason"]) == (1, "fail", "invalid")
    assert str(check["message"]).startswith("cannot read '85,5': ")
    code, report = _one(spec, "size_nm", "85,5", "--decimal", ",")
    assert (code, check_of(report, 0, "size")["status"]) == (0, "pass")


# Values a lab means and exoqc reads as meant: the other side of the line.
READ_AS_MEANT = [
    ("size_nm", "85\u00a0nm"),  # Excel's no-break space between number and unit
    ("size_nm", "\u00a0118.4\u00a0"),
    ("size_nm", "1.184 x 10^2 nm"),
    ("size_nm", "0.1184 µm"),
    ("sterility", "No\u00a0growth"),
    ("sterility", "  NO GROWTH  "),
    ("gmp", "TRUE\u00a0"),
    ("lot_code", "EXO-2026-001\n"),  # surrounding whitespace is trimmed from every cell
]


@pytest.mark.parametrize(("column", "cell"), READ_AS_MEANT)
def test_value_read_as_meant(spec: Path, column: str, cell: str) -> None:
    code, report = _one(spec, column, cell)
    assert (code, report["batches"][0]["verdict"]) == (0, "pass")  # type: ignore[index]


def test_duplicate_ids_hidden_by_an_invisible_character_fail(spec: Path) -> None:
    path = spec.parent / "in.csv"
    path.write_text(csv_text([GOOD, {**GOOD, "batch_id": f"B1{ZWSP}"}]), encoding="utf-8")
    run = run_cli("check", "-s", spec, path, "-f", "json")
    assert run.code == 1, run
    report = run.json()
    # Both fail: the twin is invisible, and the original is no longer alone (issue 14).
    assert [b["verdict"] for b in report["batches"]] == ["fail", "fail"]
    assert check_of(report, 0, "batch_identity")["message"] == "batch id also on row 3"
    assert check_of(report, 1, "batch_identity")["message"] == INVISIBLE
