"""Partial dates are periods (issue 14 item 7): `Dec 2026`, `12/2026`, `2026-12` and `2026`
stand for every day of the period. Certainly inside passes, certainly outside fails, a
period that straddles a limit is `indeterminate`; `partial: start|end` names the day a
lab's convention means. Column limits take offsets (`24 months`), clamped to month ends."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from qc.engine import dates
from qc.engine.cells import read_cells
from qc.model import DateBound, DateLimits
from qc.rules import dates as date_rule
from tests import spec_helpers
from tests.spec_helpers import HEAD, checks_of, csv

judge = spec_helpers.judge

SHELF = HEAD + """date_format: ["%b %Y", "%m/%Y"]
checks:
  - name: shelf_life
    column: expiry_date
    type: date
    min_exclusive: {column: manufacture_date}
    max: {column: manufacture_date, offset: 24 months}
"""

IN_DATE = HEAD + """date_format: ["%b %Y", "%m/%Y"]
checks:
  - name: in_date
    column: expiry_date
    type: date
    min: today
"""


def _one(run: object) -> list[tuple[str, str | None, str | None]]:
    return [(c[0]["status"], c[0].get("reason"), c[0].get("message"))
            for c in checks_of(run)]  # type: ignore[arg-type]


def test_a_month_is_not_its_first_day(judge: Callable[..., object]) -> None:
    """The issue's case: manufacture `Dec 2026`, expiry 2026-12-05. Read as 1 December the
    expiry passed "after manufacture"; the month straddles it: indeterminate."""
    run = judge(SHELF, csv("batch_id,manufacture_date,expiry_date",
                           "B1,Dec 2026,2026-12-05",
                           "B2,Nov 2026,2026-12-05",
                           "B3,Dec 2026,2026-11-30",
                           "B4,2026-12,2026-12-05"))
    assert run.code == 1, run
    got = _one(run)
    assert got[0] == ("fail", "indeterminate",
                      "cannot tell whether 2026-12-05 is within the exclusive minimum "
                      "manufacture_date (2026-12-01 to 2026-12-31): a partial date straddles "
                      "the limit; give the full date")
    assert got[1][:2] == ("pass", None)  # after every day of November
    assert got[2] == ("fail", "out_of_spec", "2026-11-30 is not after the exclusive minimum "
                      "manufacture_date (2026-12-01 to 2026-12-31)")
    assert got[3][:2] == ("fail", "indeterminate")  # ISO year-month is read the same way


def test_an_in_date_label_month_is_not_out_of_spec(judge: Callable[..., object]) -> None:
    """The issue's case: a label expiry `Dec 2026` checked on 15 December is not out of spec
    (it was read as 1 December); it straddles the evaluation date."""
    run = judge(IN_DATE, csv("batch_id,expiry_date", "B1,Dec 2026", "B2,12/2026",
                             "B3,Jan 2027", "B4,Nov 2026", "B5,2026", "B6,2027"),
                "--as-of", "2026-12-15")
    got = _one(run)
    assert [g[:2] for g in got] == [("fail", "indeterminate"), ("fail", "indeterminate"),
                                    ("pass", None), ("fail", "out_of_spec"),
                                    ("fail", "indeterminate"), ("pass", None)]
    assert got[2][2] == "read as 2027-01-01 to 2027-01-31, within the limits"
    assert got[3][2] == "2026-11-01 to 2026-11-30 is before the minimum today (2026-12-15)"


@pytest.mark.parametrize(("convention", "verdicts", "message"), [
    ("end", [("pass", None), ("pass", None), ("fail", "out_of_spec")],
     "read as 2026-12-31 (partial: end)"),
    ("start", [("fail", "out_of_spec"), ("fail", "out_of_spec"), ("fail", "out_of_spec")],
     None),
])
def test_a_declared_convention_names_one_day(judge: Callable[..., object], convention: str,
                                             verdicts: list[tuple[str, str | None]],
                                             message: str | None) -> None:
    spec = IN_DATE.replace("    min: today\n", f"    min: today\n    partial: {convention}\n")
    run = judge(spec, csv("batch_id,expiry_date", "B1,Dec 2026", "B2,2026-12", "B3,Nov 2026"),
                "--as-of", "2026-12-15")
    got = _one(run)
    assert [g[:2] for g in got] == verdicts
    if message:
        assert got[0][2] == message
    else:
        assert got[0][2] == "2026-12-01 is before the minimum today (2026-12-15)"


def test_offsets_clamp_to_the_end_of_the_month(judge: Callable[..., object]) -> None:
    """`max: {column: manufacture_date, offset: 24 months}`: 2026-01-31 + 24 months is
    2028-01-31; 2024-02-29 + 1 year is 2025-02-28 (no 29 February in 2025)."""
    spec = SHELF.replace("offset: 24 months}", "offset: 24 months}\n  - name: one_year\n"
                         "    column: retest_date\n    type: date\n"
                         "    max: {column: manufacture_date, offset: 1 year}\n")
    run = judge(spec, csv("batch_id,manufacture_date,expiry_date,retest_date",
                          "B1,2026-01-31,2028-01-31,2027-01-31",
                          "B2,2026-01-31,2028-02-01,2027-01-31",
                          "B3,2024-02-29,2025-02-28,2025-02-28",
                          "B4,2024-02-29,2025-03-01,2025-03-01"))
    got = [[(c["status"], c.get("message")) for c in b] for b in checks_of(run)]
    assert got[0] == [("pass", None), ("pass", None)]
    assert got[1][0] == ("fail", "2028-02-01 is after the maximum manufacture_date + 24 months "
                                 "(2028-01-31)")
    assert got[2] == [("pass", None), ("pass", None)]
    assert got[3][1] == ("fail", "2025-03-01 is after the maximum manufacture_date + 1 year "
                                 "(2025-02-28)")


@pytest.mark.parametrize(("bound", "problem"), [
    ("{column: manufacture_date, offset: 24}", "24 is not a date offset"),
    ("{column: manufacture_date, offset: 2 weeks}", "'2 weeks' is not a date offset"),
    ("{column: manufacture_date, offset: soon}", "'soon' is not a date offset"),
])
def test_a_bad_offset_is_a_spec_error(write: Callable[..., object], bound: str,
                                      problem: str) -> None:
    from tests.conftest import run_cli

    spec = write("s.yaml", SHELF.replace("{column: manufacture_date, offset: 24 months}",
                                         bound))  # type: ignore[operator]
    run = run_cli("spec", "validate", str(spec))
    assert run.code == 2, run
    assert "checks[0].max" in run.out, run


def test_a_bad_convention_is_a_spec_error(write: Callable[..., object]) -> None:
    from tests.conftest import run_cli

    spec = write("s.yaml", IN_DATE + "    partial: middle\n")  # type: ignore[operator]
    run = run_cli("spec", "validate", str(spec))
    assert run.code == 2, run
    assert "checks[0].partial" in run.out, run


def test_spec_show_states_the_convention_and_offset(write: Callable[..., object]) -> None:
    from tests.conftest import run_cli

    spec = write("s.yaml", SHELF.replace("    min_exclusive", "    partial: end\n"
                                         "    min_exclusive"))  # type: ignore[operator]
    run = run_cli("spec", "show", str(spec), env={"COLUMNS": "200"})
    assert run.code == 0, run
    assert "manufacture_date + 24 months" in run.out
    assert "a partial date means its last day" in run.out


# --- properties: a period's verdict is what every one of its days would get --------------

KEYS = ("min", "max", "min_exclusive", "max_exclusive")


def _verdicts(texts: list[str], rule: DateLimits, as_of: dt.date) -> list[tuple[int, int]]:
    out = date_rule.evaluate(rule, read_cells(pa.array(texts, pa.large_string())), as_of=as_of)
    return list(zip(out.status.tolist(), out.reason.tolist(), strict=True))


@given(year=st.integers(2020, 2030), month=st.integers(1, 12), key=st.sampled_from(KEYS),
       limit=st.dates(dt.date(2019, 6, 1), dt.date(2031, 6, 30)), whole_year=st.booleans())
def test_a_period_passes_only_when_every_day_passes(year: int, month: int, key: str,
                                                    limit: dt.date, whole_year: bool) -> None:
    rule = DateLimits(**{key: DateBound("date", date=limit.isoformat())})  # type: ignore[arg-type]
    first = dt.date(year, 1 if whole_year else month, 1)
    end = dates.last_day(np.array([first], dtype="datetime64[D]"),
                         "year" if whole_year else "month")[0].astype(dt.date)
    days = [first + dt.timedelta(d) for d in range((end - first).days + 1)]
    each = _verdicts([d.isoformat() for d in days], rule, limit)
    text = str(year) if whole_year else f"{year}-{month:02d}"
    ((status, reason),) = _verdicts([text], rule, limit)
    if all(s == 0 for s, _ in each):
        assert (status, reason) == (0, 0)  # certainly inside: pass
    elif all(s != 0 for s, _ in each):
        assert (status, reason) == each[0]  # certainly outside: the same failure
    else:
        assert reason == 4  # straddles the limit: indeterminate, never pass


@given(first=st.dates(dt.date(1900, 1, 1), dt.date(2200, 12, 31)),
       months=st.integers(-600, 600))
def test_month_offsets_clamp_and_never_overflow_a_month(first: dt.date, months: int) -> None:
    got = dates.add_offset(np.array([first], dtype="datetime64[D]"), months, "month")[0]
    moved = got.astype(dt.date)
    index = first.year * 12 + first.month - 1 + months
    assert (moved.year, moved.month) == (index // 12, index % 12 + 1)
    next_month = dt.date(moved.year + moved.month // 12, moved.month % 12 + 1, 1)
    assert moved.day == min(first.day, (next_month - dt.timedelta(1)).day)


@given(day=st.dates(dt.date(2025, 10, 1), dt.date(2027, 3, 31)), year=st.integers(2025, 2027),
       month=st.integers(1, 12), key=st.sampled_from(KEYS), months=st.integers(-3, 3))
def test_a_partial_date_in_the_limit_column_is_judged_over_its_period(
        day: dt.date, year: int, month: int, key: str, months: int) -> None:
    """`min_exclusive: {column: manufacture_date}` with `Dec 2026` there: the verdict is
    what every day of December would give, and never a pass when any would fail."""
    bound = DateBound("column", column="other", offset=months, offset_unit="month")
    rule = DateLimits(**{key: bound})  # type: ignore[arg-type]
    first = dt.date(year, month, 1)
    end = dates.last_day(np.array([first], dtype="datetime64[D]"), "month")[0].astype(dt.date)
    others = [first + dt.timedelta(d) for d in range((end - first).days + 1)]

    def verdict(other: str) -> tuple[int, int]:
        cells = read_cells(pa.array([day.isoformat()], pa.large_string()))
        column = read_cells(pa.array([other], pa.large_string()))
        out = date_rule.evaluate(rule, cells, as_of=day, lookup=lambda name: column)
        return int(out.status[0]), int(out.reason[0])

    each = [verdict(o.isoformat()) for o in others]
    status, reason = verdict(f"{year}-{month:02d}")
    if all(s == 0 for s, _ in each):
        assert (status, reason) == (0, 0)
    elif all(s != 0 for s, _ in each):
        assert (status, reason) == each[0]
    else:
        assert reason == 4


def test_a_period_straddling_the_minimum_is_indeterminate_even_inside_the_alert_band(
        judge: Callable[..., object]) -> None:
    """Found by attack: expiry `2026-03` on 2026-03-15 with `min: today` and `warn_min:
    today+30d` only warned (the certain alert hit was taken before the straddled minimum);
    days 1-14 of March are expired, so it is indeterminate."""
    spec = IN_DATE.replace("    min: today\n", "    min: today\n    warn_min: today+30d\n")
    run = judge(spec, csv("batch_id,expiry_date", "B1,2026-03", "B2,2026-05"),
                "--as-of", "2026-03-15")
    got = _one(run)
    assert got[0][:2] == ("fail", "indeterminate"), got
    assert got[1][:2] == ("pass", None)  # May 2026: after today+30d on every day


@given(year=st.integers(2025, 2027), month=st.integers(1, 12),
       as_of=st.dates(dt.date(2025, 1, 1), dt.date(2027, 12, 31)), days=st.integers(0, 60))
def test_with_an_alert_band_a_period_never_does_better_than_its_worst_day(
        year: int, month: int, as_of: dt.date, days: int) -> None:
    rule = DateLimits(min=DateBound("today"), warn_min=DateBound("today", days=days))
    first = dt.date(year, month, 1)
    end = dates.last_day(np.array([first], dtype="datetime64[D]"), "month")[0].astype(dt.date)
    each = _verdicts([(first + dt.timedelta(d)).isoformat()
                      for d in range((end - first).days + 1)], rule, as_of)
    ((status, reason),) = _verdicts([f"{year}-{month:02d}"], rule, as_of)
    worst = max(s for s, _ in each)
    assert status >= worst  # never a better verdict than some day of the period gets
    if any(r == 1 for _, r in each) and not all(r == 1 for _, r in each):
        assert reason == 4  # partly expired: indeterminate
