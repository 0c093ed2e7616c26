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

from decimal import Decimal
from typing import Any

import numpy as np

from qc import units
from qc.model import Limits, Reason, Status
from qc.rules.outcome import Outcome, blank, mark
from qc.values import Cells, Interval, parse_numbers, parse_one

NEAR = 1e-9  # relative distance to a limit below which a float comparison is re-done exactly


def _classify(lo: Any, hi: Any, lo_open: Any, hi_open: Any, lower: Any, upper: Any
              ) -> tuple[Any, Any]:
    """(inside, outside) of the inclusive range [lower, upper] for intervals (lo, hi).

    Works element-wise on numpy arrays of floats and on single Decimals alike.
    """
    inside = lo == lo  # all True (NaN rows are excluded by the caller)
    outside = lo != lo
    if lower is not None:
        inside = inside & (lo >= lower)
        outside = outside | (hi < lower) | ((hi == lower) & hi_open)
    if upper is not None:
        inside = inside & (hi <= upper)
        outside = outside | (lo > upper) | ((lo == upper) & lo_open)
    return inside, outside


def evaluate(rule: Limits, cells: Cells, *, decimal_comma: bool = False, **_: object) -> Outcome:
    target = units.find(rule.unit) if rule.unit else None
    nums = parse_numbers(cells, target, decimal_comma=decimal_comma)
    n = len(cells)
    limits = [rule.min, rule.max, rule.warn_min, rule.warn_max]
    as_float = [None if v is None else float(v) for v in limits]
    ok, bad = _classify(nums.lo, nums.hi, nums.lo_open, nums.hi_open, as_float[0], as_float[1])
    calm, _ = _classify(nums.lo, nums.hi, nums.lo_open, nums.hi_open, as_float[2], as_float[3])
    near = np.zeros(n, dtype=bool)
    for limit in as_float:
        if limit is not None:
            tol = NEAR * max(1.0, abs(limit))
            near |= (np.abs(nums.lo - limit) <= tol) | (np.abs(nums.hi - limit) <= tol)
    text = cells.text
    for i in np.flatnonzero(near & nums.valid).tolist():
        iv = parse_one(text[i].as_py(), target, decimal_comma=decimal_comma)
        if isinstance(iv, Interval):
            ok[i], bad[i] = _classify(iv.lo, iv.hi, iv.lo_open, iv.hi_open, rule.min, rule.max)
            calm[i], _ = _classify(iv.lo, iv.hi, iv.lo_open, iv.hi_open, rule.warn_min,
                                   rule.warn_max)
    out = blank(n)
    valid = nums.valid & ~cells.missing
    mark(out, ~valid, Status.FAIL, Reason.INVALID)
    mark(out, valid & bad, Status.FAIL, Reason.OUT_OF_SPEC)
    mark(out, valid & ~ok & ~bad, Status.FAIL, Reason.INDETERMINATE)
    mark(out, valid & ok & ~calm, Status.WARN, Reason.NONE)
    for i in np.flatnonzero(out.status != Status.PASS).tolist():
        out.message[i] = _message(text[i].as_py(), rule, target, int(out.status[i]),
                                  int(out.reason[i]), decimal_comma)
    return out


def _message(text: str, rule: Limits, target: units.Unit | None, status: int, reason: int,
             decimal_comma: bool) -> str:
    iv = parse_one(text, target, decimal_comma=decimal_comma)
    if isinstance(iv, str):
        return f"cannot read {text!r}: {iv}"
    shown = text
    if iv.unit is not None and target is not None and iv.unit != target:
        bound = iv.hi if iv.hi.is_finite() else iv.lo
        shown = f"{text} (= {_number(bound)} {target.symbol})"
    elif target is not None and not text.rstrip().endswith(target.symbol):
        shown = f"{text} {target.symbol}"
    if status == Status.WARN:
        side, limit = _side(iv, rule.warn_min, rule.warn_max)
        verb = "reaches" if iv.lo_open or iv.hi_open else "is"
        return f"{shown} {verb} {side} the alert limit {_limit(limit, target)}"
    side, limit = _side(iv, rule.min, rule.max)
    word = "maximum" if side == "above" else "minimum"
    if reason == Reason.INDETERMINATE:
        verb = "may exceed" if side == "above" else "may fall below"
        return f"{shown} {verb} the {word} {_limit(limit, target)} (retest more sensitively)"
    return f"{shown} is {side} the {word} {_limit(limit, target)}"


def _side(iv: Interval, lower: Decimal | None, upper: Decimal | None) -> tuple[str, Decimal]:
    """Which limit an interval leaves the range by: ("above", upper) or ("below", lower)."""
    if upper is not None and (iv.hi > upper or lower is None):
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
