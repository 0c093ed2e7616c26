"""`type: date`: inclusive date limits: an ISO date, `today`, `today+30d`, or another column.

Cells are read as ISO dates (`2026-03-07`) and with every format the spec declares in
`date_format` (strftime). A cell that no format reads is invalid, and so is one that
two formats read differently (`04/05/2026` under both `%d/%m/%Y` and `%m/%d/%Y`): the
tool never guesses. `today` is the run's as-of date (`exoqc check --as-of`).
Parsing is vectorised: one `pandas.to_datetime` pass per declared format.

```yaml
- name: expiry
  column: expiry_date
  type: date
  min: today              # expired batches fail
  warn_min: today+30d     # expiring within 30 days warns
- name: shelf_life
  column: expiry_date
  type: date
  min: {column: manufacture_date}
  date_format: "%d.%m.%Y"
```
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from qc.errors import SpecError
from qc.model import DateBound, DateLimits, Reason, Status
from qc.rules.outcome import Outcome, blank, mark
from qc.values import Cells

ISO = "%Y-%m-%d"
Days = npt.NDArray[np.datetime64]


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
    text = pd.Series(cells.text.to_numpy(zero_copy_only=False), dtype=object)
    try:
        readings = np.stack([
            pd.to_datetime(text, format=fmt, errors="coerce").to_numpy().astype("datetime64[D]")
            for fmt in formats
        ])
    except ValueError as exc:  # a directive Python accepts but pandas does not
        raise SpecError(f"date_format {formats}: {exc}") from None
    ok = ~np.isnat(readings)
    count = ok.sum(axis=0)
    first = readings[np.argmax(ok, axis=0), np.arange(len(text))]
    conflict = (ok & (readings != first)).any(axis=0)
    readable = (count > 0) & ~conflict & ~cells.missing
    problem = np.full(len(text), None, dtype=object)
    shown = " or ".join("ISO 2026-03-07" if f == ISO else f for f in formats)
    for i in np.flatnonzero(~readable & ~cells.missing).tolist():
        cell = text[i]
        if conflict[i]:
            reads = ", ".join(f"{f} reads {readings[k, i]}" for k, f in enumerate(formats)
                              if ok[k, i])
            problem[i] = f"{cell!r} is ambiguous: {reads}"
        else:
            problem[i] = f"cannot read {cell!r} as a date ({shown})"
    value = np.where(readable, first, np.datetime64("NaT"))
    return Dates(value.astype("datetime64[D]"), readable, problem)


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
    bounds = {}
    for key in ("min", "max", "warn_min", "warn_max"):
        bound: DateBound | None = getattr(rule, key)
        if bound is None:
            continue
        values, problems = _bound(bound, n, today, formats, lookup)
        unusable = present & dates.readable & ~failed & (problems != None)  # noqa: E711
        mark(out, unusable, Status.FAIL, Reason.INVALID)
        out.message[unusable] = problems[unusable]
        failed |= unusable
        bounds[key] = values
    judged = ~failed
    v = dates.value
    for key, status, reason, word in (("min", Status.FAIL, Reason.OUT_OF_SPEC, "before"),
                                      ("max", Status.FAIL, Reason.OUT_OF_SPEC, "after"),
                                      ("warn_min", Status.WARN, Reason.NONE, "before"),
                                      ("warn_max", Status.WARN, Reason.NONE, "after")):
        if key not in bounds:
            continue
        limit = bounds[key]
        hit = judged & ((v < limit) if word == "before" else (v > limit))
        mark(out, hit, status, reason)
        kind = "alert limit" if key.startswith("warn") else (
            "minimum" if key == "min" else "maximum")
        bound = getattr(rule, key)
        for i in np.flatnonzero(hit).tolist():
            out.message[i] = (f"{v[i]} is {word} the {kind} {_bound_text(bound, limit[i])}")
        judged &= ~hit
    return out


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
