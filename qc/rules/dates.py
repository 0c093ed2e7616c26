"""`type: date`: date limits (inclusive, or strict `min_exclusive` / `max_exclusive`): an ISO
date, `today`, `today+30d`, or another column.

Cells are read as ISO dates (`2026-03-07`) and with every format the spec declares in
`date_format` (strftime). A cell that no format reads is invalid, and so is one that
two formats read differently (`04/05/2026` under both `%d/%m/%Y` and `%m/%d/%Y`): the
tool never guesses. `today` is the run's as-of date (`exoqc check --as-of`).
Each distinct cell text is read once, by qc/engine/dates.py, as `pandas.to_datetime`
reads it but without pandas for ISO and for formats made of `%Y`, `%m`, `%d`; `today`,
`now` and a leading minus are never read.

```yaml
- name: expiry
  column: expiry_date
  type: date
  min: today              # expired batches fail
  warn_min: today+30d     # expiring within 30 days warns
- name: shelf_life
  column: expiry_date
  type: date
  min_exclusive: {column: manufacture_date}   # strictly after
  date_format: "%d.%m.%Y"
```
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from typing import Any

import msgspec
import numpy as np
import numpy.typing as npt
import pyarrow.compute as pc
from msgspec.structs import replace

from qc.engine.arrowbuf import to_numpy
from qc.engine.cells import MISSING_TOKENS, Cells
from qc.engine.dates import ISO, PARTIAL_ISO, add_offset, read_periods
from qc.model import DATE_KEYS, Check, DateBound, DateLimits, Readings, Reason, Status, header_key
from qc.rules.entry import Entry, SpecPath, Where, shown
from qc.rules.outcome import Outcome, blank, mark, states

Days = npt.NDArray[np.datetime64]
Bools = npt.NDArray[np.bool_]


class Dates(msgspec.Struct, frozen=True, eq=False):
    """A column read as dates: each cell's period `first` to `last` (one day for a full
    date, NaT where unreadable), and why each bad cell is."""

    first: Days
    last: Days
    readable: npt.NDArray[np.bool_]
    problem: npt.NDArray[np.object_]  # str or None
    partial: Bools  # the cell names a period (before any `partial:` convention)


def formats_of(rule: DateLimits) -> tuple[str, ...]:
    return tuple(dict.fromkeys((ISO, *PARTIAL_ISO, *rule.formats)))


def read_dates(cells: Cells, formats: tuple[str, ...], partial: str | None = None) -> Dates:
    """Every cell under every format; a cell two formats read differently is ambiguous.

    A format without a day reads a period (`2026-12`: the whole of December); `partial`
    ("start" or "end") makes such a period the one day the lab's convention means."""
    encoded = pc.dictionary_encode(cells.text)
    codes = to_numpy(encoded.indices).astype(np.intp, copy=False)
    distinct: list[str] = encoded.dictionary.to_pylist()
    # Each distinct text is read and judged once; its reading is spread to its rows last.
    starts, ends = _readings(distinct, formats)
    ok = ~np.isnat(starts)
    pick = np.argmax(ok, axis=0), np.arange(len(distinct))
    first, last = starts[pick], ends[pick]
    conflict = (ok & ((starts != first) | (ends != last))).any(axis=0)
    readable = ok.any(axis=0) & ~conflict
    problem = np.full(len(distinct), None, dtype=object)
    shown = " or ".join("ISO 2026-03-07" if f == ISO else f for f in formats
                        if f not in PARTIAL_ISO)
    for j in np.flatnonzero(~readable).tolist():
        cell = distinct[j]
        if conflict[j]:
            reads = ", ".join(f"{f} reads {_period(starts[k, j], ends[k, j])}"
                              for k, f in enumerate(formats) if ok[k, j])
            problem[j] = f"{cell!r} is ambiguous: {reads}"
        else:
            problem[j] = f"cannot read {cell!r} as a date ({shown})"
    nat = np.datetime64("NaT")
    first = np.where(readable, first, nat).astype("datetime64[D]")
    last = np.where(readable, last, nat).astype("datetime64[D]")
    spans = readable & (first != last)
    if partial == "start":
        last = first
    elif partial == "end":
        first = last
    present = ~cells.missing
    first, last, problem = first[codes], last[codes], problem[codes]
    if not present.all():
        first[~present] = last[~present] = nat
        problem[~present] = None
    return Dates(first, last, readable[codes] & present, problem, spans[codes] & present)


def _readings(distinct: list[str], formats: tuple[str, ...]) -> tuple[Days, Days]:
    """Each distinct text under each format: its first and last day (NaT where the format
    does not read it).

    Missing tokens are never read (the caller ignores them); qc/engine/dates.py reads the
    rest as pandas.to_datetime would (tests/engine/test_dates_read.py)."""
    shape = (len(formats), len(distinct))
    starts = np.full(shape, np.datetime64("NaT"), dtype="datetime64[D]")
    ends = starts.copy()
    wanted = [j for j, text in enumerate(distinct) if text.lower() not in MISSING_TOKENS]
    for k, fmt in enumerate(formats):
        starts[k, wanted], ends[k, wanted] = read_periods([distinct[j] for j in wanted], fmt)
    return starts, ends


def _period(first: Any, last: Any) -> str:
    return str(first) if first == last else f"{first} to {last}"


def evaluate(rule: DateLimits, cells: Cells, *, as_of: dt.date | None = None,
             lookup: Callable[[str], Cells | None] | None = None, **_: object) -> Outcome:
    """Each cell's period against each limit (itself a period where it is a partial date
    in another column): certainly beyond an action limit fails `out_of_spec`; a period that
    straddles one fails `indeterminate` (the date is not known well enough to judge)."""
    formats = formats_of(rule)
    dates = read_dates(cells, formats, rule.partial)
    n = len(cells)
    today = np.datetime64(as_of or dt.date.today(), "D")
    out = blank(n)
    present = ~cells.missing
    mark(out, present & ~dates.readable, Status.FAIL, Reason.INVALID)
    out.message[:] = dates.problem
    failed = ~present | ~dates.readable
    limits = rule.bounds()
    bounds: dict[str, tuple[Days, Days]] = {}
    for key, bound in limits.items():
        low, high, problems = _bound(bound, n, today, formats, rule.partial, lookup)
        unusable = present & dates.readable & ~failed & (problems != None)  # noqa: E711
        mark(out, unusable, Status.FAIL, Reason.INVALID)
        out.message[unusable] = problems[unusable]
        failed |= unusable
        bounds[key] = (low, high)
    judged = ~failed
    first, last = dates.first, dates.last
    # Action limits first, both certain and straddling, then alert limits: a period that
    # may be beyond an action limit is indeterminate even when it is certainly in alert.
    order = [(c, side) for group in (_SIDES[:4], _SIDES[4:]) for c in (True, False)
             for side in group]
    for certain, (key, status, reason, kind, beyond, touches) in order:
        if key not in bounds:
            continue
        low, high = bounds[key]
        hit = judged & (beyond(first, last, low, high) if certain
                        else touches(first, last, low, high))
        straddle = not certain
        mark(out, hit, status, Reason.INDETERMINATE if straddle and reason else reason)
        bound = limits[key]
        for i in np.flatnonzero(hit).tolist():
            limit = _bound_text(bound, low[i], high[i])
            period = _period(first[i], last[i])
            out.message[i] = (f"cannot tell whether {period} is within the "
                              f"{_LIMIT_NAMES[key]} {limit}: a partial date straddles "
                              "the limit; give the full date" if straddle
                              else f"{period} is {kind} {limit}")
        judged &= ~hit
    for i in np.flatnonzero(judged & dates.partial).tolist():
        out.message[i] = (f"read as {first[i]} (partial: {rule.partial})" if rule.partial
                          else f"read as {_period(first[i], last[i])}, within the limits")
    return replace(out, readings=Readings(states(n, ~dates.readable), date=first,
                                          date_end=last))


# Each limit: its key, the verdict beyond it, the message's words, which periods are
# certainly beyond it and which straddle it, given the period `first..last` and the limit's
# own period `low..high` (one day unless a partial date in another column). Action limits
# come first, so a date beyond both fails.
Judge = Callable[[Days, Days, Days, Days], Bools]
_LIMIT_NAMES = {"min": "minimum", "min_exclusive": "exclusive minimum", "max": "maximum",
                "max_exclusive": "exclusive maximum", "warn_min": "alert limit",
                "warn_max": "alert limit"}
_SIDES: tuple[tuple[str, Status, Reason, str, Judge, Judge], ...] = (
    ("min", Status.FAIL, Reason.OUT_OF_SPEC, "before the minimum",
     lambda f, la, lo, hi: la < lo, lambda f, la, lo, hi: f < hi),
    ("min_exclusive", Status.FAIL, Reason.OUT_OF_SPEC, "not after the exclusive minimum",
     lambda f, la, lo, hi: la <= lo, lambda f, la, lo, hi: f <= hi),
    ("max", Status.FAIL, Reason.OUT_OF_SPEC, "after the maximum",
     lambda f, la, lo, hi: f > hi, lambda f, la, lo, hi: la > lo),
    ("max_exclusive", Status.FAIL, Reason.OUT_OF_SPEC, "not before the exclusive maximum",
     lambda f, la, lo, hi: f >= hi, lambda f, la, lo, hi: la >= lo),
    ("warn_min", Status.WARN, Reason.NONE, "before the alert limit",
     lambda f, la, lo, hi: la < lo, lambda f, la, lo, hi: f < hi),
    ("warn_max", Status.WARN, Reason.NONE, "after the alert limit",
     lambda f, la, lo, hi: f > hi, lambda f, la, lo, hi: la > lo),
)


def _bound_text(bound: DateBound, low: Any, high: Any) -> str:
    return str(low) if bound.kind == "date" else f"{bound} ({_period(low, high)})"


def _bound(bound: DateBound, n: int, today: np.datetime64, formats: tuple[str, ...],
           partial: str | None, lookup: Callable[[str], Cells | None] | None
           ) -> tuple[Days, Days, npt.NDArray[np.object_]]:
    """The limit per row as a period (one day unless the other column holds a partial
    date), and per row why it cannot be used (None where it can)."""
    problems = np.full(n, None, dtype=object)
    if bound.kind == "date":
        day = np.full(n, np.datetime64(bound.date, "D"))
        return day, day, problems
    if bound.kind == "today":
        day = np.full(n, today + np.timedelta64(bound.days, "D"))
        return day, day, problems
    cells = lookup(bound.column) if lookup is not None else None
    if cells is None:
        problems[:] = f"no column {bound.column!r} to compare with"
        nat = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
        return nat, nat, problems
    other = read_dates(cells, formats, partial)
    problems[cells.missing] = f"{bound.column} is empty, so there is nothing to compare with"
    bad = ~other.readable & ~cells.missing
    problems[bad] = [f"{bound.column}: {p}" for p in other.problem[bad].tolist()]
    low, high = other.first, other.last
    if bound.offset:
        low = add_offset(low, bound.offset, bound.offset_unit)
        high = add_offset(high, bound.offset, bound.offset_unit)
    return low, high, problems


# --- the spec side: keys, building from a spec entry, lab notation ----------------------

RULE = DateLimits
KEYS = ("type", *DATE_KEYS, "date_format", "partial")
LABEL = "date limits"  # how the builder names this rule among those a check sets
NAMED = "min/max limits"  # how the builder lists it among the rules a check may set
CELLWISE = False  # `today` and {column: other} make a verdict depend on more than the cell


def chosen(item: Mapping[str, Any]) -> bool:
    """Whether a check's mapping sets this rule."""
    return item.get("type") == "date" and any(k in item for k in DATE_KEYS)


def build(entry: Entry) -> DateLimits:
    """Date limits from a check's mapping: each a date, `today±Nd` or a column, in order."""
    item = entry.item
    for key in ("unit", "rounding"):
        if key in item:
            raise entry.error((key,), f"{key} does not apply to type: date checks")
    bounds = {k: _date_bound(item[k], entry.where, (*entry.at, k)) for k in DATE_KEYS
              if k in item}
    for inclusive, strict in (("min", "min_exclusive"), ("max", "max_exclusive")):
        if inclusive in bounds and strict in bounds:
            raise entry.error((strict,), f"give {inclusive} or {strict}, not both")
    lower = "min" if "min" in bounds else "min_exclusive"
    upper = "max" if "max" in bounds else "max_exclusive"
    fixed = {k: b.date for k, b in bounds.items() if b.kind == "date"}
    today = {k: b.days for k, b in bounds.items() if b.kind == "today"}
    for order in (fixed, today):
        for low, high in ((lower, upper), ("warn_min", "warn_max"), (lower, "warn_min"),
                          ("warn_max", upper)):
            if low in order and high in order and order[low] > order[high]:  # type: ignore[operator]
                raise entry.error((low,), f"{low} {bounds[low]} is after {high} "
                                  f"{bounds[high]}")
        open_ended = lower == "min_exclusive" or upper == "max_exclusive"
        if open_ended and lower in order and upper in order and order[lower] == order[upper]:
            raise entry.error((lower,), f"{lower} {bounds[lower]} and {upper} "
                              f"{bounds[upper]} leave no date between them")
    formats = spec_formats(item.get("date_format"), entry.where, (*entry.at, "date_format")) \
        or entry.date_formats
    partial = item.get("partial")
    if partial is not None and partial not in ("start", "end"):
        raise entry.error(("partial",), f"{shown(partial)} is not a partial-date convention "
                          "(write start or end)")
    return DateLimits(**bounds, formats=formats, partial=partial)


def spec_formats(value: Any, where: Where, at: SpecPath) -> tuple[str, ...]:
    """A spec's `date_format` (one strftime format or a list), each checked."""
    if value is None:
        return ()
    formats = (value,) if isinstance(value, str) else tuple(value)
    for i, fmt in enumerate(formats):
        place = at if isinstance(value, str) else (*at, i)
        if "%" not in fmt:
            raise where.error(place, f"{fmt!r} is not a strftime format (e.g. \"%d.%m.%Y\")")
        try:
            dt.datetime.strptime("", fmt)
        except ValueError as exc:
            if "directive" in str(exc) or "stray" in str(exc):
                raise where.error(place, f"{fmt!r} is not a valid strftime format: {exc}"
                                  ) from None
    return formats


_TODAY = re.compile(r"^today(?:\s*([+-])\s*(\d{1,5})\s*d)?$")


def iso_date(text: str, where: Where, at: SpecPath) -> dt.date:
    """A date a spec writes (`2026-03-07`), or a located SpecError."""
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise ValueError
        return dt.date.fromisoformat(text)
    except ValueError:
        raise where.error(at, f"{text!r} is not a date (write 2026-03-07)") from None


_OFFSET = re.compile(r"^([+-]?\d{1,4})\s*(day|month|year)s?$")


def _date_bound(value: Any, where: Where, at: SpecPath) -> DateBound:
    if isinstance(value, dict):
        offset = value.get("offset")
        if offset is None:
            return DateBound("column", column=value["column"])
        found = _OFFSET.match(str(offset).strip()) if isinstance(offset, str) else None
        if found is None:
            raise where.error((*at, "offset"), f"{shown(offset)} is not a date offset "
                              "(write 24 months, 30 days, 1 year or -7 days)")
        return DateBound("column", column=value["column"], offset=int(found.group(1)),
                         offset_unit=found.group(2))
    if isinstance(value, str):
        found = _TODAY.match(value.strip())
        if found:
            days = int(found.group(2) or 0) * (-1 if found.group(1) == "-" else 1)
            return DateBound("today", days=days)
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
            return DateBound("date", date=iso_date(value.strip(), where, at).isoformat())
    raise where.error(at, f"{shown(value)} is not a date limit (write 2026-03-07, today, "
                          "today+30d, today-7d, {column: name} or "
                          "{column: name, offset: 24 months})")


def notation(rule: DateLimits) -> str:
    """Date limits: `date ≥ today`, `date > manufacture_date`, `date 2026-01-01 to 2026-12-31`."""
    if rule.min is not None and rule.max is not None:
        return f"date {rule.min} to {rule.max}"
    sides = []
    if rule.lower is not None:
        sides.append(f"{'>' if rule.min is None else '≥'} {rule.lower}")
    if rule.upper is not None:
        sides.append(f"{'<' if rule.max is None else '≤'} {rule.upper}")
    return "date " + " and ".join(sides) if sides else "any date"


def alert(rule: DateLimits) -> str | None:
    """The alert band on a certificate (`alert before today+30d`), None when there is none."""
    if rule.warn_min is not None and rule.warn_max is not None:
        return f"alert outside {rule.warn_min} to {rule.warn_max}"
    if rule.warn_min is not None:
        return f"alert before {rule.warn_min}"
    return f"alert after {rule.warn_max}" if rule.warn_max is not None else None


def annotation(rule: DateLimits) -> str:
    """What `spec show` adds after the criterion: the alert band, the date formats."""
    text = ""
    band = _date_band(rule.warn_min, rule.warn_max)
    if band:
        text += f" (alert {band})"
    if rule.formats:
        text += "; formats " + ", ".join(rule.formats)
    if rule.partial:
        text += f"; a partial date means its {'last' if rule.partial == 'end' else 'first'} day"
    return text


def _date_band(lo: DateBound | None, hi: DateBound | None) -> str:
    if lo is not None and hi is not None:
        return f"{lo} to {hi}"
    if lo is not None:
        return f"≥ {lo}"
    return f"≤ {hi}" if hi is not None else ""


def never_fails(check: Check) -> list[tuple[SpecPath, str]]:
    """`spec validate`: date limits that can never fail, or that compare a column with itself."""
    rule = check.rule
    assert isinstance(rule, DateLimits)
    if rule.lower is None and rule.upper is None:
        return [((), "has only alert limits: it can warn but never fail out of spec")]
    for key, bound in rule.bounds().items():
        if bound.kind == "column" and \
                header_key(bound.column) in map(header_key, check.alternatives):
            return [((key,), f"compares column {bound.column!r} with itself")]
    return []
