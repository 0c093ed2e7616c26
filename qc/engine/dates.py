"""Read date text under a strftime format, without pandas, the way `pandas.to_datetime(texts,
format=fmt, errors="coerce")` reads it.

A format made of `%Y`, `%m`, `%d` (each at most once) and literal characters is read here:
ISO (`%Y-%m-%d`) and every format the shipped specs and docs declare (`%d.%m.%Y`,
`%d/%m/%Y`, `%m/%d/%Y`). pandas reads such a text in up to two ways, and so does this
module:

1. A format of the ISO family (`%Y`, then `%m` and `%d` behind one separator from
   `- . / \\ space`, or `%Y%m%d`) first goes through pandas' ISO parser: four ASCII digits
   of year, then a month and a day of one or two ASCII digits behind that separator (two
   without one); year 0000 included (proleptic Gregorian, as NumPy).
2. Otherwise the format's regular expression, as Python's `_strptime` builds it: `%Y` is
   four digits (any script), `%m` and `%d` one or two, `%d` also ` 7`; a run of whitespace
   in the format matches any run; letters match in any case; the text must match to its
   end; the date must exist (years 1 to 9999).

Two readings of pandas are refused on purpose (fail safe): `today` and `now`, which pandas
reads as the wall-clock time instead of the run's as-of date, and a leading minus, which
its ISO parser reads as a year before the common era. Any other format (`%b`, `%y`, ...)
goes to pandas itself, imported only then. tests/engine/test_dates_read.py compares this
module with pandas on generated texts.

A format without a day (`%m/%Y`, `%b %Y`, `%Y`) names a period, not a day: `read_periods`
gives each text's first and last day (`12/2026` is 2026-12-01 to 2026-12-31), and the date
rule judges the period as a whole (qc/rules/dates.py). `PARTIAL_ISO` are the partial ISO
forms read beside any declared format: `2026-12` (a month) and `2026` (a year).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from functools import lru_cache
from typing import cast

import msgspec
import numpy as np
import numpy.typing as npt

from qc.errors import SpecError

ISO = "%Y-%m-%d"
PARTIAL_ISO = ("%Y-%m", "%Y")
Days = npt.NDArray[np.datetime64]

# Python's _strptime.TimeRE pieces for the three directives read here (pandas uses them).
_DIRECTIVES = {
    "Y": r"(?P<Y>\d\d\d\d)",
    "m": r"(?P<m>1[0-2]|0[1-9]|[1-9])",
    "d": r"(?P<d>3[0-1]|[1-2]\d|0[1-9]|[1-9]| [1-9])",
}
_ISO_FAMILY = re.compile(r"%Y(?:([-/ \\.]?)%m(?:\1%d)?)?")
_ISO_SEPARATORS = "-./\\ "
_ASCII_DIGITS = frozenset("0123456789")
_DAYS_IN_MONTH = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


class DateFormat(msgspec.Struct, frozen=True):
    """How one format is read: its regular expression, and its ISO shape if it has one."""

    pattern: re.Pattern[str]
    iso_parts: int  # 0 (not of the ISO family), 1 (%Y), 2 (%Y %m) or 3 (%Y %m %d)
    iso_separator: str


@lru_cache(maxsize=64)
def compile_format(fmt: str) -> DateFormat | None:
    """The reader of `fmt`, or None when it holds a directive other than %Y %m %d."""
    pieces: list[str] = []
    seen: set[str] = set()
    i = 0
    while i < len(fmt):
        if fmt[i] != "%":
            j = fmt.find("%", i)
            j = len(fmt) if j < 0 else j
            pieces.extend(r"\s+" if run.isspace() else re.escape(run)
                          for run in re.split(r"(\s+)", fmt[i:j]) if run)
            i = j
            continue
        directive = fmt[i + 1:i + 2]
        if directive not in _DIRECTIVES or directive in seen:
            return None  # another directive, a doubled one, or a stray `%`
        seen.add(directive)
        pieces.append(_DIRECTIVES[directive])
        i += 2
    iso = _ISO_FAMILY.fullmatch(fmt) if fmt != "%Y%m" else None
    parts = 0 if iso is None else fmt.count("%")
    separator = "" if iso is None else (iso.group(1) or "")
    return DateFormat(re.compile("".join(pieces), re.IGNORECASE), parts, separator)


def read_texts(texts: Sequence[str], fmt: str) -> Days:
    """Each text under `fmt` as a day, NaT where the format does not read it."""
    out = np.full(len(texts), np.datetime64("NaT"), dtype="datetime64[D]")
    reader = compile_format(fmt)
    if reader is None:
        if texts:
            out[:] = _pandas_dates(texts, fmt)
        return out
    found: list[int] = []
    days: list[str] = []
    for i, text in enumerate(texts):
        ymd = read_one(text, reader)
        if ymd is not None:
            found.append(i)
            days.append(f"{ymd[0]:04d}-{ymd[1]:02d}-{ymd[2]:02d}")
    if found:
        out[found] = np.array(days, dtype="datetime64[D]")
    return out


def period_of(fmt: str) -> str:
    """What one reading of `fmt` names: "day", "month" or "year" (the finest field it holds).

    A format that names a day of the year or a week (`%j`, `%U`, `%W`, `%c`, `%x`) is a day."""
    directives = set(re.findall(r"%[-#]?([A-Za-z])", fmt.replace("%%", "")))
    if directives & set("dejcxUWVuaAw"):
        return "day"
    if directives & set("mbBh"):
        return "month"
    return "year" if directives & set("yYG") else "day"


def read_periods(texts: Sequence[str], fmt: str) -> tuple[Days, Days]:
    """Each text under `fmt` as its first and last day (equal for a format with a day);
    NaT where the format does not read it."""
    first = read_texts(texts, fmt)
    period = period_of(fmt)
    if period == "day":
        return first, first
    return first, last_day(first, period)


def last_day(first: Days, period: str) -> Days:
    """The last day of the month or year that starts on `first` (NaT stays NaT)."""
    if period == "month":
        start, step = first.astype("datetime64[M]"), np.timedelta64(1, "M")
    else:
        start, step = first.astype("datetime64[Y]"), np.timedelta64(1, "Y")
    return cast(Days, (start + step).astype("datetime64[D]") - np.timedelta64(1, "D"))


def add_offset(days: Days, amount: int, unit: str) -> Days:
    """`days` moved by `amount` days, months or years; a day past the end of the target
    month is clamped to its last day (2026-01-31 + 1 month is 2026-02-28). NaT stays NaT."""
    if unit == "day":
        return days + np.timedelta64(amount, "D")
    months = amount * (12 if unit == "year" else 1)
    month = days.astype("datetime64[M]")
    day_of_month = days - month.astype("datetime64[D]")
    target = month + np.timedelta64(months, "M")
    start = target.astype("datetime64[D]")
    last = (target + np.timedelta64(1, "M")).astype("datetime64[D]") - np.timedelta64(1, "D")
    moved: Days = start + np.minimum(day_of_month, last - start)
    return moved


def read_one(text: str, reader: DateFormat) -> tuple[int, int, int] | None:
    """(year, month, day) of one text, or None where pandas gives NaT (or is refused)."""
    if reader.iso_parts:  # no leading minus: refused (see the module docstring)
        got = _iso(text, reader.iso_parts, reader.iso_separator)
        if got is not None:
            return got
    match = reader.pattern.match(text)
    if match is None or match.end() != len(text):
        return None
    fields = match.groupdict()
    year = int(fields.get("Y") or 1900)
    month = int(fields.get("m") or 1)
    day = int(fields.get("d") or 1)
    try:
        dt.date(year, month, day)
    except ValueError:
        return None
    return year, month, day


def _iso(text: str, parts: int, separator: str) -> tuple[int, int, int] | None:
    """pandas' ISO parser under a date format of the ISO family (exact match)."""
    n = len(text)
    if n < 4 or not _digits(text[:4]):
        return None
    year, i = int(text[:4]), 4
    if i == n:
        return (year, 1, 1) if parts == 1 else None
    has_separator = text[i] not in _ASCII_DIGITS
    if has_separator:
        if text[i] not in _ISO_SEPARATORS or parts == 1 or text[i] != separator:
            return None
        i += 1
        if i == n or text[i] not in _ASCII_DIGITS:
            return None
    elif parts == 1 or separator:
        return None
    month, i = _one_or_two(text, i, has_separator)
    if month is None or not 1 <= month <= 12:
        return None
    if i == n:
        return (year, month, 1) if parts == 2 and has_separator else None
    if has_separator:
        if text[i] != separator or i == n - 1 or parts == 2:
            return None
        i += 1
    if parts != 3 or text[i] not in _ASCII_DIGITS:
        return None
    day, i = _one_or_two(text, i, has_separator)
    if day is None or not 1 <= day <= _days_in(year, month) or i != n:
        return None
    return year, month, day


def _one_or_two(text: str, i: int, optional_second: bool) -> tuple[int | None, int]:
    value = int(text[i])
    i += 1
    if i < len(text) and text[i] in _ASCII_DIGITS:
        return value * 10 + int(text[i]), i + 1
    return (value if optional_second else None), i


def _digits(text: str) -> bool:
    return all(c in _ASCII_DIGITS for c in text)


def _days_in(year: int, month: int) -> int:
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    return 29 if month == 2 and leap else _DAYS_IN_MONTH[month - 1]


def _pandas_dates(texts: Sequence[str], fmt: str) -> Days:
    import pandas as pd  # imported where used: only formats this module does not read

    try:
        read = pd.to_datetime(pd.Series(list(texts), dtype=object), format=fmt,
                              errors="coerce")
    except ValueError as exc:  # a directive Python accepts but pandas does not
        raise SpecError(f"date_format {fmt!r}: {exc}") from None
    values = read.to_numpy().astype("datetime64[D]")
    refused = np.array([t.startswith("-") or t in ("today", "now") for t in texts], dtype=bool)
    values[refused] = np.datetime64("NaT")
    return values
