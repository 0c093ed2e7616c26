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
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow.compute as pc

from qc.engine.arrowbuf import to_numpy
from qc.engine.cells import MISSING_TOKENS, Cells
from qc.engine.dates import ISO, read_texts
from qc.model import DateBound, DateLimits, Readings, Reason, Status
from qc.rules.outcome import Outcome, blank, mark, states

Days = npt.NDArray[np.datetime64]
Bools = npt.NDArray[np.bool_]


@dataclass(frozen=True, eq=False)
class Dates:
    """A column read as dates: `value` (NaT where unreadable), and why each bad cell is."""

    value: Days
    readable: npt.NDArray[np.bool_]
    problem: npt.NDArray[np.object_]  # str or None


def formats_of(rule: DateLimits) -> tuple[str, ...]:
    return tuple(dict.fromkeys((ISO, *rule.formats)))


def read_dates(cells: Cells, formats: tuple[str, ...]) -> Dates:
    """Every cell under every format; a cell two formats read differently is ambiguous."""
    encoded = pc.dictionary_encode(cells.text)
    codes = to_numpy(encoded.indices).astype(np.intp, copy=False)
    distinct: list[str] = encoded.dictionary.to_pylist()
    readings = _readings(distinct, formats)[:, codes]
    ok = ~np.isnat(readings)
    count = ok.sum(axis=0)
    first = readings[np.argmax(ok, axis=0), np.arange(len(codes))]
    conflict = (ok & (readings != first)).any(axis=0)
    readable = (count > 0) & ~conflict & ~cells.missing
    problem = np.full(len(codes), None, dtype=object)
    shown = " or ".join("ISO 2026-03-07" if f == ISO else f for f in formats)
    for i in np.flatnonzero(~readable & ~cells.missing).tolist():
        cell = distinct[codes[i]]
        if conflict[i]:
            reads = ", ".join(f"{f} reads {readings[k, i]}" for k, f in enumerate(formats)
                              if ok[k, i])
            problem[i] = f"{cell!r} is ambiguous: {reads}"
        else:
            problem[i] = f"cannot read {cell!r} as a date ({shown})"
    value = np.where(readable, first, np.datetime64("NaT"))
    return Dates(value.astype("datetime64[D]"), readable, problem)


def _readings(distinct: list[str], formats: tuple[str, ...]) -> Days:
    """Each distinct text under each format (NaT where the format does not read it).

    Missing tokens are never read (the caller ignores them); qc/engine/dates.py reads the
    rest as pandas.to_datetime would (tests/engine/test_dates_read.py)."""
    out = np.full((len(formats), len(distinct)), np.datetime64("NaT"), dtype="datetime64[D]")
    wanted = [j for j, text in enumerate(distinct) if text.lower() not in MISSING_TOKENS]
    for k, fmt in enumerate(formats):
        out[k, wanted] = read_texts([distinct[j] for j in wanted], fmt)
    return out


def evaluate(rule: DateLimits, cells: Cells, *, as_of: dt.date | None = None,
             lookup: Callable[[str], Cells | None] | None = None, **_: object) -> Outcome:
    formats = formats_of(rule)
    dates = read_dates(cells, formats)
    n = len(cells)
    today = np.datetime64(as_of or dt.date.today(), "D")
    out = blank(n)
    present = ~cells.missing
    mark(out, present & ~dates.readable, Status.FAIL, Reason.INVALID)
    out.message[:] = dates.problem
    failed = ~present | ~dates.readable
    limits = rule.bounds()
    bounds = {}
    for key, bound in limits.items():
        values, problems = _bound(bound, n, today, formats, lookup)
        unusable = present & dates.readable & ~failed & (problems != None)  # noqa: E711
        mark(out, unusable, Status.FAIL, Reason.INVALID)
        out.message[unusable] = problems[unusable]
        failed |= unusable
        bounds[key] = values
    judged = ~failed
    v = dates.value
    for key, status, reason, kind, outside in _SIDES:
        if key not in bounds:
            continue
        limit = bounds[key]
        hit = judged & outside(v, limit)
        mark(out, hit, status, reason)
        bound = limits[key]
        for i in np.flatnonzero(hit).tolist():
            out.message[i] = f"{v[i]} is {kind} {_bound_text(bound, limit[i])}"
        judged &= ~hit
    return replace(out, readings=Readings(states(n, ~dates.readable), date=dates.value))


# Each limit: its key, the verdict of a date beyond it, the message's words, and which
# dates are beyond it. Action limits come first, so a date beyond both fails.
_SIDES: tuple[tuple[str, Status, Reason, str, Callable[[Days, Days], Bools]], ...] = (
    ("min", Status.FAIL, Reason.OUT_OF_SPEC, "before the minimum", np.less),
    ("min_exclusive", Status.FAIL, Reason.OUT_OF_SPEC, "not after the exclusive minimum",
     np.less_equal),
    ("max", Status.FAIL, Reason.OUT_OF_SPEC, "after the maximum", np.greater),
    ("max_exclusive", Status.FAIL, Reason.OUT_OF_SPEC, "not before the exclusive maximum",
     np.greater_equal),
    ("warn_min", Status.WARN, Reason.NONE, "before the alert limit", np.less),
    ("warn_max", Status.WARN, Reason.NONE, "after the alert limit", np.greater),
)


def _bound_text(bound: DateBound, value: Any) -> str:
    return str(value) if bound.kind == "date" else f"{bound} ({value})"


def _bound(bound: DateBound, n: int, today: np.datetime64, formats: tuple[str, ...],
           lookup: Callable[[str], Cells | None] | None) -> tuple[Days, npt.NDArray[np.object_]]:
    """The limit per row, and per row why it cannot be used (None where it can)."""
    problems = np.full(n, None, dtype=object)
    if bound.kind == "date":
        return np.full(n, np.datetime64(bound.date, "D")), problems
    if bound.kind == "today":
        return np.full(n, today + np.timedelta64(bound.days, "D")), problems
    cells = lookup(bound.column) if lookup is not None else None
    if cells is None:
        problems[:] = f"no column {bound.column!r} to compare with"
        return np.full(n, np.datetime64("NaT"), dtype="datetime64[D]"), problems
    other = read_dates(cells, formats)
    problems[cells.missing] = f"{bound.column} is empty, so there is nothing to compare with"
    bad = ~other.readable & ~cells.missing
    problems[bad] = [f"{bound.column}: {p}" for p in other.problem[bad].tolist()]
    return other.value, problems
