"""qc.render.notation: every rule kind in the lab notation a certificate uses."""

from __future__ import annotations

from decimal import Decimal

import pytest

from qc.model import Allowed, Check, Equals, Forbidden, Identity, Limits, Pattern, Rule
from qc.render.notation import alert, criterion
from qc.rules.limits import number, span

D = Decimal
MINUS = "\u2212"
DASH = "\u2013"


def check(rule: Rule) -> Check:
    return Check("c", "col", rule)


@pytest.mark.parametrize(("rule", "text"), [
    (Limits("nm", D("30"), D("150")), f"30{DASH}150 nm"),
    (Limits("EU/mL", None, D("1.0")), "\u2264 1.0 EU/mL"),
    (Limits("particles/\u00b5g", D("2.0E+9")), "\u2265 2.0E+9 particles/\u00b5g"),
    (Limits("%", D("50"), D("150")), f"50{DASH}150 %"),
    (Limits(None, D("7.0"), D("7.8")), f"7.0{DASH}7.8"),
    (Limits("\u00b0C", None, D("-65")), f"\u2264 {MINUS}65 \u00b0C"),
    (Limits("\u00b0C", D("-90"), D("-60")), f"{MINUS}90 to {MINUS}60 \u00b0C"),
    (Limits("nm", D("100"), D("100")), "= 100 nm"),
    (Limits("nm"), "any value"),
    (Allowed(("no growth", "negative")), "one of: no growth, negative"),
    (Forbidden(("HeLa", "HEK293")), "not: HeLa, HEK293"),
    (Equals(True), "yes"),
    (Equals(False), "no"),
    (Pattern(r"EXO-\d{4}-\d{3}"), r"matches EXO-\d{4}-\d{3}"),
    (Identity(), "present and unique"),
])
def test_criterion(rule: Rule, text: str) -> None:
    assert criterion(check(rule)) == text


@pytest.mark.parametrize(("rule", "text"), [
    (Limits("nm", D("50"), D("200"), D("60"), D("180")), f"alert outside 60{DASH}180 nm"),
    (Limits("EU/mL", None, D("0.5"), None, D("0.25")), "alert above 0.25 EU/mL"),
    (Limits("particles/\u00b5g", D("2.0E+9"), None, D("1.0E+10")),
     "alert below 1.0E+10 particles/\u00b5g"),
    (Limits("nm", D("50"), D("200")), None),
    (Allowed(("a",)), None),
])
def test_alert(rule: Rule, text: str | None) -> None:
    assert alert(check(rule)) == text


def test_numbers_as_written() -> None:
    assert [number(D(x)) for x in ("50", "1.0E+10", "0.25", "-80")] == [
        "50", "1.0E+10", "0.25", f"{MINUS}80"]
    assert span(D("1.0E+10"), D("1.0E+13"), "particles/mL") == (
        f"1.0E+10{DASH}1.0E+13 particles/mL")


def test_shipped_specs_read_in_lab_notation() -> None:
    from qc.spec import load_spec

    got = {c.name: criterion(c) for c in load_spec("clinical").checks}
    assert got["particle_size"] == f"50{DASH}200 nm"
    assert got["endotoxin"] == "< 0.5 EU/mL"  # written "< 0.5 EU/mL": max_exclusive
    assert got["protein"] == "report only"
    assert got["expiry"] == "date \u2265 today"
    assert got["shelf_life"] == "date > manufacture_date"
    assert got["storage_temperature"] == f"\u2264 {MINUS}65 \u00b0C"
    assert got["gmp_status"].startswith("one of: yes, y, true, 1, GMP, cGMP")
    assert got["sterility"].startswith("one of: no growth, ")


def test_spec_authoring_rules() -> None:
    from qc.model import DateBound, DateLimits, ReportOnly

    assert criterion(check(Limits("EU/mL", max_exclusive=D("0.25")))) == "< 0.25 EU/mL"
    assert criterion(check(Limits("%", min_exclusive=D("90")))) == "> 90 %"
    assert criterion(check(Limits("%", min_exclusive=D("0"), max=D("5")))) == "> 0 and \u2264 5 %"
    assert criterion(check(ReportOnly())) == "report only"
    dates = DateLimits(min=DateBound("today"), warn_min=DateBound("today", days=30))
    assert criterion(check(dates)) == "date \u2265 today"
    assert alert(check(dates)) == "alert before today+30d"
    strict = DateLimits(min_exclusive=DateBound("column", column="made"),
                        max=DateBound("date", date="2030-12-31"))
    assert criterion(check(strict)) == "date > made and \u2264 2030-12-31"
    assert criterion(check(DateLimits(max_exclusive=DateBound("today")))) == "date < today"
    assert criterion(Check("c", "col", Allowed(("x",)), report_only=True)) == "report only"


def test_a_certificate_counts_the_rest_of_a_long_word_list() -> None:
    """Clinical 2026.7's identity check names 60 qualifiers: listed whole, the certificate of
    every batch took two printed pages. The certificate shows ten and counts the rest; the
    criterion itself (spec show) keeps them all."""
    from qc.render.notation import brief

    words = ", ".join(f"w{i}" for i in range(14))
    text = f"identified as one of: BM-MSC, AT-MSC; not: {words}"
    assert brief(text) == ("identified as one of: BM-MSC, AT-MSC; not: "
                           + ", ".join(f"w{i}" for i in range(10))
                           + ", and 4 more (exoqc spec show lists them)")
    assert brief("one of: a, b, c") == "one of: a, b, c"
    assert brief("50–200 nm") == "50–200 nm"
