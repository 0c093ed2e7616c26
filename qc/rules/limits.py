"""Numeric limits: inclusive action limits (fail outside) and alert limits (warn outside).

A cell is an interval (see values.py). It passes only when every value the interval
allows lies within the limits; it is out of spec when none does, and indeterminate
when it straddles a limit (`<2` against a maximum of 1.0: retest more sensitively).
Comparisons run on floats, vectorised; any cell whose float bounds land on or near a
limit is re-read with exact decimals, so `7.6` passes `max: 7.6` and `0.15 µm` equals
`150 nm`, with no rounding.

```yaml
- name: endotoxin
  column: endotoxin_eu_per_ml
  unit: EU/mL
  max: 0.5
  warn_max: 0.25
```
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from decimal import ROUND_HALF_UP, Context, Decimal
from typing import Any

import numpy as np
from msgspec.structs import replace

from qc.engine import units
from qc.engine.cells import Bools, Cells, Floats, Interval, Numbers, parse_numbers, parse_one
from qc.model import DOUBLE_MAX, Check, Limits, Readings, Reason, Status
from qc.rules.entry import Entry, SpecPath, shown
from qc.rules.outcome import Outcome, blank, mark, states

NEAR = 1e-9  # relative distance to a limit below which a float comparison is re-done exactly


def _lower(lo: Any, hi: Any, lo_open: Any, hi_open: Any, limit: Any, strict: bool
           ) -> tuple[Any, Any]:
    """(inside, outside) of a lower limit: `min` (value >= limit) or `min_exclusive` (>)."""
    if strict:
        return (lo > limit) | ((lo == limit) & lo_open), hi <= limit
    return lo >= limit, (hi < limit) | ((hi == limit) & hi_open)


def _upper(lo: Any, hi: Any, lo_open: Any, hi_open: Any, limit: Any, strict: bool
           ) -> tuple[Any, Any]:
    """(inside, outside) of an upper limit: `max` (value <= limit) or `max_exclusive` (<):
    a censored `<0.25` passes `max_exclusive: 0.25`; `0.25` does not."""
    if strict:
        return (hi < limit) | ((hi == limit) & hi_open), lo >= limit
    return hi <= limit, (lo > limit) | ((lo == limit) & lo_open)


def _classify(lo: Any, hi: Any, lo_open: Any, hi_open: Any, lower: Any, upper: Any,
              lower_strict: bool = False, upper_strict: bool = False,
              rounded: Callable[[Any, Any], Any] | None = None) -> tuple[Any, Any]:
    """(inside, outside) of the range between `lower` and `upper` for intervals (lo, hi).

    Works element-wise on numpy arrays of floats and on single Decimals alike. With
    `rounded(value, limit)`, each bound is first rounded the way that limit is written.
    """
    inside = lo == lo  # all True (NaN rows are excluded by the caller)
    outside = lo != lo
    for limit, strict, side in ((lower, lower_strict, _lower), (upper, upper_strict, _upper)):
        if limit is None:
            continue
        a, b = (lo, hi) if rounded is None else (rounded(lo, limit), rounded(hi, limit))
        i, o = side(a, b, lo_open, hi_open, limit, strict)
        inside = inside & i
        outside = outside | o
    return inside, outside


def usp_round(value: Decimal, limit: Decimal) -> Decimal:
    """`value` rounded half-up to the decimal places of `limit` as written (USP General
    Notices): against NMT 1.0, 1.04 is 1.0 and 1.05 is 1.1."""
    if not value.is_finite():
        return value
    return value.quantize(_quantum(limit), ROUND_HALF_UP, _WIDE)


_WIDE = Context(prec=400)  # room for any double's digits at any limit's places


@functools.lru_cache(maxsize=256)
def _quantum(limit: Decimal) -> Decimal:
    return Decimal(1).scaleb(int(limit.as_tuple().exponent))


def judge_interval(iv: Interval, rule: Limits) -> tuple[bool, bool, bool]:
    """(ok, out, calm) of one exactly read value: inside the action limits, wholly
    outside them, inside the alert limits."""
    rounded = usp_round if rule.rounding == "usp" else None
    ok, bad = _classify(iv.lo, iv.hi, iv.lo_open, iv.hi_open, rule.lower, rule.upper,
                        rule.min is None, rule.max is None, rounded)
    calm, _ = _classify(iv.lo, iv.hi, iv.lo_open, iv.hi_open, rule.warn_min, rule.warn_max,
                        rounded=rounded)
    return bool(ok), bool(bad), bool(calm)


def evaluate(rule: Limits, cells: Cells, *, decimal_comma: bool = False, **_: object) -> Outcome:
    target = units.find(rule.unit) if rule.unit else None
    nums = parse_numbers(cells, target, decimal_comma=decimal_comma)
    texts: list[str] = []  # the cells as Python text, read once when rows need re-reading

    def shown(i: int) -> str:
        if not texts:
            texts.extend(cells.as_list())
        return texts[i]

    def exact(i: int) -> Interval | str:
        return parse_one(shown(i), target, decimal_comma=decimal_comma)

    out = judge(rule, nums, ~cells.missing, exact, shown)
    return replace(out, readings=readings(nums))


def read(rule: Limits, cells: Cells, *, decimal_comma: bool = False) -> Readings:
    """The cells read as intervals in the rule's unit, without judging them (report-only)."""
    target = units.find(rule.unit) if rule.unit else None
    return readings(parse_numbers(cells, target, decimal_comma=decimal_comma))


def readings(nums: Numbers) -> Readings:
    """The intervals as read (state VALUE where a number was read, else INVALID)."""
    return Readings(states(len(nums.lo), ~nums.valid), lo=nums.lo, hi=nums.hi,
                    lo_open=nums.lo_open, hi_open=nums.hi_open)


def judge(rule: Limits, nums: Numbers, present: Bools, exact: Callable[[int], Interval | str],
          shown: Callable[[int], str],
          describe: Callable[[int], Interval | str] | None = None) -> Outcome:
    """Status, reason and message for intervals `nums`: floats first, vectorised; rows near
    a limit (or within rounding distance of one) are re-judged with `exact(i)`. Messages
    read each row with `describe(i)` (default: `exact`)."""
    target = units.find(rule.unit) if rule.unit else None
    n = len(nums.lo)
    limits = [rule.lower, rule.upper, rule.warn_min, rule.warn_max]
    as_float = [None if v is None else float(v) for v in limits]
    ok, bad = _classify(nums.lo, nums.hi, nums.lo_open, nums.hi_open, as_float[0], as_float[1],
                        rule.min is None, rule.max is None)
    calm, _ = _classify(nums.lo, nums.hi, nums.lo_open, nums.hi_open, as_float[2], as_float[3])
    near = np.zeros(n, dtype=bool)
    for limit, written in zip(as_float, limits, strict=True):
        if limit is not None and written is not None:
            tol = NEAR * max(1.0, abs(limit))
            if rule.rounding == "usp":
                tol += float(Decimal(1).scaleb(written.as_tuple().exponent)) * 0.5 * (1 + NEAR)  # type: ignore[arg-type]
            with np.errstate(invalid="ignore"):
                near |= (np.abs(nums.lo - limit) <= tol) | (np.abs(nums.hi - limit) <= tol)
    for i in np.flatnonzero(near & nums.valid).tolist():
        iv = exact(i)
        if isinstance(iv, Interval):
            ok[i], bad[i], calm[i] = judge_interval(iv, rule)
    out = blank(n)
    valid = nums.valid & present
    mark(out, ~valid, Status.FAIL, Reason.INVALID)
    mark(out, valid & bad, Status.FAIL, Reason.OUT_OF_SPEC)
    mark(out, valid & ~ok & ~bad, Status.FAIL, Reason.INDETERMINATE)
    mark(out, valid & ok & ~calm, Status.WARN, Reason.NONE)
    speak = out.status != Status.PASS
    if rule.rounding == "usp":
        speak |= valid & (nums.lo == nums.hi) & _rounding_changes(nums.lo, limits)
    read = describe or exact
    for i in np.flatnonzero(speak).tolist():
        out.message[i] = _message(shown(i), read(i), rule, target, int(out.status[i]),
                                  int(out.reason[i]))
    return out


def _rounding_changes(values: Floats, limits: list[Decimal | None]) -> Bools:
    """Rows whose value USP rounding may change (not already at every limit's places);
    a superset, since the message itself is computed exactly."""
    changes = np.zeros(len(values), dtype=bool)
    for exponent in {v.as_tuple().exponent for v in limits if v is not None}:
        scaled = values / 10.0 ** int(exponent)
        with np.errstate(invalid="ignore"):
            changes |= np.abs(scaled - np.round(scaled)) > 1e-9 * np.maximum(1.0, np.abs(scaled))
    return changes


def _message(text: str, iv: Interval | str, rule: Limits, target: units.Unit | None,
             status: int, reason: int) -> str | None:
    if isinstance(iv, str):
        return f"cannot read {text!r}: {iv}"
    shown = text
    if iv.unit is not None and target is not None and iv.unit != target:
        bound = iv.hi if iv.hi.is_finite() else iv.lo
        shown = f"{text} (= {_number(bound)} {target.symbol})"
    elif target is not None and not text.rstrip().endswith(target.symbol):
        shown = f"{text} {target.symbol}"
    if rule.rounding == "usp":
        note = _rounding_note(iv, rule)
        if status == Status.PASS:
            return f"{shown}{note}" if note else None
        shown += note
    if status == Status.WARN:
        side, limit = _side(iv, rule.warn_min, rule.warn_max)
        verb = "reaches" if iv.lo_open or iv.hi_open else "is"
        return f"{shown} {verb} {side} the alert limit {_limit(limit, target)}"
    side, limit = _side(iv, rule.lower, rule.upper)
    strict = (rule.max is None) if side == "above" else (rule.min is None)
    word = "maximum" if side == "above" else "minimum"
    if strict:
        word = f"exclusive {word}"
    if reason == Reason.INDETERMINATE:
        verb = "may reach" if strict else ("may exceed" if side == "above" else "may fall below")
        return f"{shown} {verb} the {word} {_limit(limit, target)} (retest more sensitively)"
    if strict and (iv.lo == limit or iv.hi == limit):
        return f"{shown} is at the {word} {_limit(limit, target)}"
    return f"{shown} is {side} the {word} {_limit(limit, target)}"


def _rounding_note(iv: Interval, rule: Limits) -> str:
    """` (rounded 1.0)`: the value as compared under USP rounding, where it differs."""
    if iv.lo != iv.hi:
        return ""
    limits = [v for v in (rule.lower, rule.upper, rule.warn_min, rule.warn_max) if v is not None]
    seen: list[str] = []
    for limit in limits:
        rounded = usp_round(iv.lo, limit)
        if rounded != iv.lo and str(rounded) not in seen:
            seen.append(str(rounded))
    return f" (rounded {' / '.join(seen)}, usp)" if seen else ""


def _side(iv: Interval, lower: Decimal | None, upper: Decimal | None) -> tuple[str, Decimal]:
    """Which limit an interval leaves the range by: ("above", upper) or ("below", lower)."""
    if upper is not None and (iv.hi >= upper or lower is None):
        return "above", upper
    assert lower is not None
    return "below", lower


def _limit(value: Decimal, target: units.Unit | None) -> str:
    return f"{value} {target.symbol}" if target is not None else str(value)


def _number(value: Decimal) -> str:
    """A converted value as a person would write it: 162, 0.25, 2.1E+11."""
    if value != 0 and (abs(value) >= 10**7 or abs(value) < Decimal("0.0001")):
        return f"{value.normalize():E}"
    return format(value.normalize(), "f")


# --- the spec side: keys, building from a spec entry, lab notation ----------------------

RULE = Limits
LIMIT_KEYS = ("min", "max", "warn_min", "warn_max", "min_exclusive", "max_exclusive")
KEYS = ("type", "unit", *LIMIT_KEYS, "rounding")
LABEL = "min/max"  # how the builder names this rule among those a check sets
NAMED = "min/max limits"  # how the builder lists it among the rules a check may set
CELLWISE = True  # a cell's verdict depends on its text alone (see qc.rules.CELLWISE)


def chosen(item: Mapping[str, Any]) -> bool:
    """Whether a check's mapping sets this rule."""
    return item.get("type") != "date" and any(k in item for k in LIMIT_KEYS)


def build(entry: Entry) -> Limits:
    """Numeric limits from a check's mapping: finite, in range, in order, in a known unit."""
    entry.refuse("date_format", "date_format applies only to type: date checks")
    item = entry.item
    unit = item.get("unit")
    if unit is not None:
        found = units.find(unit)
        if found is None:
            raise entry.error(("unit",), f"unknown unit {unit!r}")
        unit = found.symbol
    values: dict[str, Decimal | None] = {}
    for key in LIMIT_KEYS:
        value = item.get(key)
        if value is not None and not isinstance(value, Decimal):
            datelike = isinstance(value, dict) or (
                isinstance(value, str) and re.match(r"\s*(today|\d{4}-\d{2}-\d{2})", value))
            hint = " (dates need type: date)" if datelike else ""
            raise entry.error((key,), f"must be a number, not {shown(value)}{hint}")
        if value is not None and not value.is_finite():
            raise entry.error((key,), f"must be a finite number, not {value}")
        # Limits are compared as doubles too; copy_abs() cannot overflow the context.
        if value is not None and value.copy_abs() > DOUBLE_MAX:
            raise entry.error((key,), f"{_short(value)} is beyond the range of numbers "
                              "exoqc compares (about ±1.8e308)")
        values[key] = value
    for low, high in (("min", "min_exclusive"), ("max", "max_exclusive")):
        if values[low] is not None and values[high] is not None:
            raise entry.error((high,), f"give {low} or {high}, not both")
    lo, hi, wlo, whi, xlo, xhi = (values[k] for k in LIMIT_KEYS)
    lower = lo if lo is not None else xlo
    upper = hi if hi is not None else xhi
    lower_key = "min" if lo is not None else "min_exclusive"
    upper_key = "max" if hi is not None else "max_exclusive"
    if lower is not None and upper is not None:
        strict = xlo is not None or xhi is not None
        if lower > upper or (strict and lower == upper):
            word = "is greater than" if lower > upper else "leaves no value below"
            raise entry.error((lower_key,), f"{lower_key} {lower} {word} {upper_key} {upper}")
    if wlo is not None and whi is not None and wlo > whi:
        raise entry.error(("warn_min",), f"warn_min {wlo} is greater than warn_max {whi}")
    for key, value in (("warn_min", wlo), ("warn_max", whi)):
        if value is None:
            continue
        if (lower is not None and value < lower) or (upper is not None and value > upper):
            low_text = lower if lower is not None else "-∞"
            bounds = f"{low_text}..{upper if upper is not None else '∞'}"
            raise entry.error((key,), f"{key} {value} lies outside the action limits {bounds}")
    rounding = item.get("rounding", entry.rounding)
    return Limits(unit=unit, min=lo, max=hi, warn_min=wlo, warn_max=whi, min_exclusive=xlo,
                  max_exclusive=xhi, rounding="usp" if rounding == "usp" else None)


def _short(value: Decimal) -> str:
    text = str(value)
    return text if len(text) <= 40 else f"{value:.6E}"


def number(value: Decimal) -> str:
    """A spec number as written, with U+2212 for a minus: `-65` -> U+2212 65, `1.0E+10` stays."""
    text = str(value)
    return "\u2212" + text[1:] if text.startswith("-") else text


def _unit(unit: str | None) -> str:
    return f" {unit}" if unit else ""


def span(lower: Decimal | None, upper: Decimal | None, unit: str | None) -> str:
    """An inclusive range in lab notation: `30-150 nm` (en dash), `≤ 0.5 EU/mL`, `≥ 2.0E+9 /µg`."""
    u = _unit(unit)
    if lower is not None and upper is not None:
        if lower == upper:
            return f"= {number(lower)}{u}"
        # An en dash between negatives reads as a minus sign: write "to" instead.
        joint = " to " if lower < 0 or upper < 0 else "\u2013"
        return f"{number(lower)}{joint}{number(upper)}{u}"
    if upper is not None:
        return f"≤ {number(upper)}{u}"
    if lower is not None:
        return f"≥ {number(lower)}{u}"
    return "any value"


def strict_span(rule: Limits) -> str:
    """Limits with a strict side (`min_exclusive`, `max_exclusive`): `< 0.25 EU/mL`,
    `> 90 %`, `> 0 and ≤ 5 %`."""
    u = _unit(rule.unit)
    lower = None if rule.lower is None else (
        f"{'>' if rule.min is None else '≥'} {number(rule.lower)}")
    upper = None if rule.upper is None else (
        f"{'<' if rule.max is None else '≤'} {number(rule.upper)}")
    return f"{' and '.join(p for p in (lower, upper) if p)}{u}"


def notation(rule: Limits) -> str:
    """The criterion in lab notation: `30-150 nm`, `≤ 0.5 EU/mL`, `> 0 and ≤ 5 %`."""
    if rule.min_exclusive is not None or rule.max_exclusive is not None:
        return strict_span(rule)
    return span(rule.min, rule.max, rule.unit)


def alert(rule: Limits) -> str | None:
    """The alert band on a certificate (`alert outside 60-180 nm`), None when there is none."""
    if rule.warn_min is None and rule.warn_max is None:
        return None
    if rule.warn_min is not None and rule.warn_max is not None:
        return f"alert outside {span(rule.warn_min, rule.warn_max, rule.unit)}"
    if rule.warn_max is not None:
        return f"alert above {number(rule.warn_max)}{_unit(rule.unit)}"
    assert rule.warn_min is not None
    return f"alert below {number(rule.warn_min)}{_unit(rule.unit)}"


def annotation(rule: Limits) -> str:
    """What `spec show` adds after the criterion: the alert band, USP rounding."""
    text = ""
    if rule.warn_min is not None or rule.warn_max is not None:
        text += f" (alert {span(rule.warn_min, rule.warn_max, None)})"
    if rule.rounding == "usp":
        text += ", USP rounding"
    return text


def never_fails(check: Check) -> list[tuple[SpecPath, str]]:
    """`spec validate`: limits that can warn but never fail."""
    rule = check.rule
    assert isinstance(rule, Limits)
    if rule.lower is None and rule.upper is None:
        return [((), "has only alert limits: it can warn but never fail out of spec (add min "
                     "or max, or make it report_only)")]
    return []
