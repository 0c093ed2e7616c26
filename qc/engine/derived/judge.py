"""Judge a check on a derived attribute: read its input columns, compute the attribute as
intervals (qc/engine/derived/expr.py) and judge it with the ordinary numeric limits.

A missing input makes the value missing; an unreadable input, a unit written in an input
cell, or a zero divisor makes it invalid; never a pass. The report's `value` is the
derived value as text (`1.51E+10`, `>1.0E+11`); its message names the inputs as written.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
from msgspec.structs import replace

from qc.engine import evaluate as engine
from qc.engine import units
from qc.engine.cells import Cells, Interval, Numbers, parse_numbers, parse_one, read_cells
from qc.engine.derived import expr
from qc.errors import InputError
from qc.inputs.table import Table
from qc.model import (
    Check,
    CheckResult,
    Derived,
    Limits,
    Reading,
    Readings,
    Reason,
    Status,
    header_key,
)
from qc.rules import limits
from qc.rules.outcome import blank, mark


def judge_derived(check: Check, derived: Derived, table: Table, *, decimal_comma: bool
                  ) -> CheckResult:
    """The engine's steps on each input column (absent, missing, broken, invisible: the same
    messages, the input named), then the value computed and judged by numeric limits."""
    n = len(table)
    cells: dict[str, Cells] = {}
    nums: dict[str, Numbers] = {}
    for name in derived.inputs:
        key = header_key(name)
        if key in table.duplicated:
            raise InputError(f"{table.duplicated[key]}; derived attribute {derived.name!r} "
                             "cannot tell which to use")
        present = table.present.get(key, frozenset())
        lacking = [f.path for i, f in enumerate(table.inputs) if i not in present]
        absent = engine.judge_absent(_reading(check, name), table, lacking,
                                     f"derived attribute {derived.name!r} of ")
        if absent is not None:
            return replace(absent, check=check, readings=engine.absent_readings(check, n))
        cells[name] = read_cells(table.columns[key])
        nums[name] = parse_numbers(cells[name], None, decimal_comma=decimal_comma)

    def box(name: str) -> expr.Box:
        got = nums[name]
        lo, lo_open = expr.positive_censored(got.lo, got.hi, got.lo_open)
        return expr.Box(lo, got.hi, lo_open, got.hi_open, ~got.valid)

    missing = np.zeros(n, dtype=bool)
    unreadable = np.zeros(n, dtype=bool)
    said: dict[int, str] = {}  # the engine's broken-cell and invisible-character steps
    for name in derived.inputs:
        missing |= cells[name].missing
        unreadable |= ~cells[name].missing & ~nums[name].valid
        for row, why in engine.broken_cells(table, _reading(check, name)).items():
            said.setdefault(row, f"{name}: {why}")
        hidden = engine.invisible_cells(cells[name])
        for row in np.flatnonzero(hidden).tolist():
            text = cells[name].text[row].as_py()
            said.setdefault(row, f"{name}: {engine.invisible_message(text)}")
        got = nums[name]
        with np.errstate(invalid="ignore"):
            negative = got.valid & (((got.lo < 0) & ~np.isneginf(got.lo)) | (got.hi < 0)
                                    | ((got.hi == 0) & got.hi_open))
        for row in np.flatnonzero(negative).tolist():
            said.setdefault(row, f"{name}: {cells[name].text[row].as_py()!r} is negative, but "
                                 "the inputs of a derived attribute are amounts")
    if said:  # never a pass, whatever the other inputs hold (an empty one included)
        rows = np.fromiter(said, dtype=np.intp, count=len(said))
        unreadable[rows] = True
        missing[rows] = False
    tree: expr.Node = derived.tree  # type: ignore[assignment]
    with np.errstate(all="ignore"):
        value = expr.evaluate(tree, box, n)
    overflow = (value.lo == np.inf) | (value.hi == -np.inf)  # beyond the double range
    computed = (~missing & ~unreadable & ~value.bad & ~overflow & ~np.isnan(value.lo)
                & ~np.isnan(value.hi))
    rule_unit = check.rule.unit if isinstance(check.rule, Limits) else None
    target = units.find(rule_unit) if rule_unit else None
    if target is not None and not target.signed:  # `a - b` below zero: not a possible value
        with np.errstate(invalid="ignore"):
            below = computed & (((value.lo < 0) & ~np.isneginf(value.lo)) | (value.hi < 0))
        for row in np.flatnonzero(below).tolist():
            said.setdefault(row, f"negative, but {target.dimension} cannot be negative")
        unreadable |= below
        missing &= ~below
        computed &= ~below
    result = Numbers(value.lo, value.hi, value.lo_open, value.hi_open, computed,
                     np.ones(n, dtype=bool))
    shown = expr.texts(value.lo, value.hi, value.lo_open, value.hi_open, computed)
    texts: list[str | None] = shown.tolist()
    raw = {name: cells[name].as_list() for name in derived.inputs}
    sources = np.full(n, "", dtype=object)
    for k, name in enumerate(derived.inputs):
        column = np.array(raw[name], dtype=object)
        column[cells[name].missing] = "(empty)"
        sources = sources + (", " if k else "") + f"{name} " + column

    def exact(i: int) -> Interval | str:
        return _exact_row(tree, {name: raw[name][i] for name in derived.inputs}, decimal_comma)

    if check.report_only:
        out = blank(n)
        out.message[:] = [f"report only: {t} from {s}" if t else f"report only (from {s})"
                          for t, s in zip(texts, sources, strict=True)]
    else:
        rule = check.rule
        assert isinstance(rule, Limits)
        out = limits.judge(rule, result, ~missing, exact, lambda i: texts[i] or "",
                           describe=lambda i: _float_row(result, i))
        for i in np.flatnonzero(unreadable & ~missing).tolist():
            bad = [f"{name}: cannot read {raw[name][i]!r}: "
                   f"{parse_one(raw[name][i], None, decimal_comma=decimal_comma)}"
                   for name in derived.inputs
                   if not cells[name].missing[i] and not nums[name].valid[i]]
            out.message[i] = said.get(i) or "; ".join(bad)
        mark(out, unreadable & ~missing, Status.FAIL, Reason.INVALID)
        zero = ~missing & ~unreadable & ~computed
        mark(out, zero, Status.FAIL, Reason.INVALID)
        out.message[zero] = "cannot compute: division by zero (or by a range that includes zero)"
        out.message[zero & overflow & ~value.bad] = "cannot compute: the value overflows"
        if missing.any():
            engine.apply_missing(out, missing, check.required)
            empty = ", ".join(derived.inputs)
            out.message[missing] = out.message[missing] + f": an input is empty ({empty})"
        spoken = out.message != None  # noqa: E711 - element-wise on an object array
        out.message[spoken] = out.message[spoken] + " (from " + sources[spoken] + ")"
        out.message[~spoken] = shown[~spoken] + " from " + sources[~spoken]
    note = ""
    if header_key(derived.name) in table.columns:
        note = (f"derived attribute {derived.name!r} is computed from "
                f"{', '.join(derived.inputs)}; the file's column of the same name is not used")
    state = np.full(n, Reading.VALUE, dtype=np.int8)
    state[~computed] = Reading.INVALID
    state[missing] = Reading.MISSING
    off = state != Reading.VALUE
    read = Readings(state, lo=np.where(off, np.nan, value.lo).astype(np.float64),
                    hi=np.where(off, np.nan, value.hi).astype(np.float64),
                    lo_open=value.lo_open & ~off, hi_open=value.hi_open & ~off)
    return CheckResult(check, out.status, out.reason, texts, out.message.tolist(), read, note)


def _reading(check: Check, name: str) -> Check:
    """The check as if it read the input column `name` (for the engine's column steps)."""
    return replace(check, column=name, columns=())


def _float_row(nums: Numbers, i: int) -> Interval | str:
    """A computed row as an Interval of its float bounds, for messages."""
    if not nums.valid[i]:
        return "cannot compute"
    lo, hi = Decimal(repr(float(nums.lo[i]))), Decimal(repr(float(nums.hi[i])))
    return Interval(lo, hi, bool(nums.lo_open[i]), bool(nums.hi_open[i]), None)


def _exact_row(tree: expr.Node, texts: dict[str, str], decimal_comma: bool) -> Interval | str:
    """One row recomputed with Decimals (50 digits), for values near a limit."""
    read: dict[str, Interval] = {}
    for name, text in texts.items():
        iv = parse_one(text, None, decimal_comma=decimal_comma)
        if isinstance(iv, str):
            return iv
        read[name] = iv

    def box(name: str) -> expr.Box:
        iv = read[name]
        lo = np.array([iv.lo], dtype=object)
        hi = np.array([iv.hi], dtype=object)
        lo_open = np.array([iv.lo_open])
        lo, lo_open = expr.positive_censored(lo, hi, lo_open)
        return expr.Box(lo, hi, lo_open, np.array([iv.hi_open]), np.zeros(1, dtype=bool))

    with expr.exact_context():
        value = expr.evaluate(tree, box, 1, exact=True)
    lo, hi = value.lo[0], value.hi[0]
    if bool(value.bad[0]) or not isinstance(lo, Decimal) or lo.is_nan() or hi.is_nan():
        return "division by zero"
    return Interval(lo, hi, bool(value.lo_open[0]), bool(value.hi_open[0]), None)
