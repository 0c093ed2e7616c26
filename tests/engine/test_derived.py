"""Derived attributes: safe parsing (hostile expressions are spec errors), interval
arithmetic over censored inputs, missing/invalid inputs, and the exact re-check."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qc.engine.derived import expr as derived
from qc.errors import ExpressionError
from tests import spec_helpers
from tests.conftest import run_cli
from tests.spec_helpers import HEAD, checks_of, csv

judge = spec_helpers.judge

RATIO = HEAD + """derived:
  ratio: particles / protein
checks:
  - name: purity
    column: ratio
    unit: particles/µg
    min: 2.0e+9
"""


def spec_with(expression: str) -> str:
    return (HEAD + f"derived:\n  ratio: {expression}\nchecks:\n  - name: c\n"
            "    column: ratio\n    min: 1\n")


HOSTILE = [
    ("\"__import__('os')\"", "function calls are not allowed"),
    ("particles.__class__", "attribute access is not allowed"),
    ("10**10**10", "'**' is not allowed"),
    ("'9e999999'", "number 9e999999 is too large (at most 1E+300)"),
    ("'2 * 1e400'", "number 1e400 is too large (at most 1E+300)"),
    ("\"'x' * 3\"", "'x' is not a number"),
    ("a[0]", "subscripts are not allowed"),
    ("\"lambda: 1\"", "lambda is not allowed"),
    ("a if b else c", "'if' expressions are not allowed"),
    ("\"[x for x in a]\"", "comprehensions are not allowed"),
    ("a < b", "comparisons are not allowed"),
    ("a % b", "'%' is not allowed"),
    ("a // b", "'//' is not allowed"),
    ("\"open('x').read()\"", "function calls are not allowed"),
    ("__builtins__", "name '__builtins__' is not allowed (write column names that start "
                     "with '__' in backticks)"),
    ("'True'", "True is not a number"),
    ("\"a; b\"", "not an arithmetic expression: invalid syntax"),
]


@pytest.mark.parametrize(("expression", "problem"), HOSTILE)
def test_hostile_expressions_are_spec_errors(write: Callable[..., Path], expression: str,
                                             problem: str) -> None:
    spec = write("s.yaml", spec_with(expression))
    data = write("b.csv", "batch_id,a,b\nB1,1,2\n")
    run = run_cli("check", str(data), "--spec", str(spec))
    suffix = "" if problem.endswith(")") else \
        " (only numbers, column names, + - * / and parentheses)"
    if problem.startswith(("number", "name", "not an")):
        suffix = ""
    assert (run.code, run.out) == (2, ""), run
    assert run.err == f"exoqc: {spec}:5:10: derived.ratio: {problem}{suffix}\n", run


def test_deeply_nested_parentheses_are_rejected(write: Callable[..., Path]) -> None:
    spec = write("s.yaml", spec_with("(" * 200 + "a" + ")" * 200))
    run = run_cli("spec", "validate", str(spec))
    assert run.code == 2, run
    assert run.out == f"{spec}:5:10: derived.ratio: nested deeper than 50 levels\n"


def test_a_very_long_expression_is_rejected(write: Callable[..., Path]) -> None:
    spec = write("s.yaml", spec_with(" + ".join(["a"] * 400)))
    run = run_cli("spec", "validate", str(spec))
    assert (run.code, run.out) == (
        2, f"{spec}:5:10: derived.ratio: expression is longer than 1000 characters\n"), run


def test_a_long_flat_sum_is_too_deep() -> None:
    with pytest.raises(ExpressionError, match="nested deeper than 50 levels"):
        derived.parse(" + ".join(["a"] * 60))


@settings(max_examples=200)
@given(st.text(max_size=60))
def test_any_text_parses_or_is_refused_cleanly(text: str) -> None:
    """Whatever is written, parse() returns a whitelisted tree or raises ExpressionError."""
    try:
        tree = derived.parse(text)
    except ExpressionError:
        return
    assert isinstance(tree, derived.Num | derived.Col | derived.Neg | derived.Bin)


def test_ratio_is_computed_and_its_inputs_shown(judge: Callable[..., object]) -> None:
    run = judge(RATIO, csv("batch_id,particles,protein", "B1,2.4E+11,37.0", "B2,3.0E+11,15"))
    assert run.code == 0, run
    first, second = checks_of(run)
    assert first[0] == {"name": "purity", "column": "ratio", "status": "pass", "reason": None,
                        "value": "6.486E+09",
                        "message": "6.486E+09 from particles 2.4E+11, protein 37.0"}
    assert second[0]["value"] == "2.0E+10"


def test_censored_protein_makes_the_ratio_a_lower_bound(judge: Callable[..., object]) -> None:
    """domain.md cases 42 and 43: protein <2 with 2E11 particles passes; <200 with 1E11
    straddles 2E9 and is indeterminate."""
    run = judge(RATIO, csv("batch_id,particles,protein", "B1,2.0E+11,<2", "B2,1E+11,<200"))
    assert run.code == 1, run
    ok, straddles = checks_of(run)
    assert (ok[0]["status"], ok[0]["value"]) == ("pass", ">1.0E+11")
    assert straddles[0] == {
        "name": "purity", "column": "ratio", "status": "fail", "reason": "indeterminate",
        "value": ">5.0E+08",
        "message": ">5.0E+08 particles/µg may fall below the minimum 2.0E+9 particles/µg "
                   "(retest more sensitively) (from particles 1E+11, protein <200)"}


def test_censored_numerator_above_a_bound(judge: Callable[..., object]) -> None:
    run = judge(RATIO, csv("batch_id,particles,protein", "B1,>4E+11,10"))
    assert checks_of(run)[0][0]["value"] == ">4.0E+10"


def test_division_by_zero_is_invalid(judge: Callable[..., object]) -> None:
    run = judge(RATIO, csv("batch_id,particles,protein", "B1,2E+11,0", "B2,2E+11,0.0"))
    assert run.code == 1, run
    for row in checks_of(run):
        assert row[0] == {"name": "purity", "column": "ratio", "status": "fail",
                          "reason": "invalid", "value": None,
                          "message": "cannot compute: division by zero (or by a range that "
                                     "includes zero) (from particles 2E+11, protein "
                                     f"{row[0]['message'].rsplit(' ', 1)[1]}"}


def test_dividing_by_a_range_that_holds_zero_is_invalid(judge: Callable[..., object]) -> None:
    spec = spec_with("a / (b - 1)")
    run = judge(spec, csv("batch_id,a,b", "B1,5,<3"))
    assert checks_of(run)[0][0]["reason"] == "invalid"


def test_missing_and_invalid_inputs(judge: Callable[..., object]) -> None:
    run = judge(RATIO, csv("batch_id,particles,protein", "B1,2E+11,", "B2,abc,10",
                           "B3,,abc"))
    assert run.code == 1, run
    missing, invalid, both = checks_of(run)
    assert (missing[0]["status"], missing[0]["reason"]) == ("fail", "missing")
    assert missing[0]["message"] == ("no value: an input is empty (particles, protein) "
                                     "(from particles 2E+11, protein (empty))")
    assert (invalid[0]["reason"], invalid[0]["message"]) == (
        "invalid", "particles: cannot read 'abc': not a number (from particles abc, "
                   "protein 10)")
    assert both[0]["reason"] == "missing"


def test_optional_derived_check_with_a_missing_input_is_not_tested(judge: Callable[..., object]
                                                             ) -> None:
    spec = RATIO + "    required: false\n"
    run = judge(spec, csv("batch_id,particles,protein", "B1,2E+11,"))
    assert run.code == 0, run
    assert checks_of(run)[0][0]["status"] == "not_tested"


def test_absent_input_column_is_exit_2(judge: Callable[..., object], tmp_path: Path) -> None:
    run = judge(RATIO, csv("batch_id,particles", "B1,2E+11"))
    assert (run.code, run.err) == (
        2, f"exoqc: {tmp_path / 'batches.csv'}: no column 'protein' (needed by derived "
           "attribute 'ratio' of check 'purity')\n"), run


def test_exact_recheck_near_the_limit(judge: Callable[..., object]) -> None:
    """0.3 / 0.1 is 2.9999999999999996 in floats; exactly 3 with Decimals."""
    spec = HEAD + "derived:\n  r: a / b\nchecks:\n  - name: c\n    column: r\n    min: 3\n"
    run = judge(spec, csv("batch_id,a,b", "B1,0.3,0.1", "B2,0.2999999,0.1"))
    ok, low = checks_of(run)
    assert ok[0]["status"] == "pass"
    assert (low[0]["status"], low[0]["reason"]) == ("fail", "out_of_spec")


def test_backticks_arithmetic_and_derived_of_derived(judge: Callable[..., object]) -> None:
    spec = HEAD + """derived:
  total: "`Count A (n)` + count_b"
  mean: total / 2 - -1
checks:
  - name: m
    column: mean
    min: 6
    max: 6
"""
    run = judge(spec, csv("batch_id,Count A (n),count_b", "B1,4,6"))
    assert run.code == 0, run
    assert checks_of(run)[0][0]["value"] == "6"


def test_derived_cycle_is_a_spec_error(write: Callable[..., Path]) -> None:
    spec = write("s.yaml", HEAD + "derived:\n  a: b + 1\n  b: a * 2\nchecks:\n"
                 "  - name: c\n    column: a\n    min: 1\n")
    run = run_cli("spec", "validate", str(spec))
    assert (run.code, run.out) == (2, f"{spec}:5:6: derived.a: refers to itself: a -> b -> a\n")


def test_derived_attribute_needs_limits(write: Callable[..., Path]) -> None:
    spec = write("s.yaml", HEAD + "derived:\n  a: b + 1\nchecks:\n"
                 "  - name: c\n    column: a\n    allowed: [x]\n")
    run = run_cli("spec", "validate", str(spec))
    assert (run.code, run.out) == (
        2, f"{spec}:8:13: checks[0].column: derived attribute 'a' can only be checked with "
           "min/max limits\n")


def test_report_only_derived(judge: Callable[..., object]) -> None:
    spec = HEAD + "derived:\n  r: a / b\nchecks:\n  - name: c\n    column: r\n" \
                  "    report_only: true\n"
    run = judge(spec, csv("batch_id,a,b", "B1,1,4", "B2,1,0"))
    assert run.code == 0, run
    first, second = checks_of(run)
    assert first[0]["message"] == "report only: 0.25 from a 1, b 4"
    assert second[0]["status"] == "pass"


def test_overflow_is_invalid_and_an_open_divisor_bounds_the_ratio(judge: Callable[..., object]
                                                                  ) -> None:
    spec = HEAD + """derived:
  r: 1e300 * a * 1e300
  q: a / b
checks:
  - name: c
    column: r
    min: 1
  - name: d
    column: q
    max: 2
"""
    run = judge(spec, csv("batch_id,a,b", "B1,5,>3"))
    overflow, bounded = checks_of(run)[0]
    assert (overflow["reason"], overflow["message"]) == (
        "invalid", "cannot compute: the value overflows (from a 5)")
    assert (bounded["status"], bounded["value"]) == ("pass", "(0, 1.66667)")


def test_a_derived_name_shadows_a_file_column_with_a_note(judge: Callable[..., object]) -> None:
    spec = HEAD + "derived:\n  r: a / b\nchecks:\n  - name: c\n    column: r\n    min: 1\n"
    run = judge(spec, csv("batch_id,a,b,R", "B1,4,2,0.1"))
    assert run.code == 0, run
    assert checks_of(run)[0][0]["value"] == "2"
    assert json.loads(run.out)["notes"] == [
        "derived attribute 'r' is computed from a, b; the file's column of the same name is not "
        "used"]
