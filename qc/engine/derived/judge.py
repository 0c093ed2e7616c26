"""Judge a check on a derived attribute: read its input columns, compute the attribute as
intervals (qc/engine/derived/expr.py) and judge it with the ordinary numeric limits.

A missing input makes the value missing; an unreadable input, a unit written in an input
cell, or a zero divisor makes it invalid; never a pass. The report's `value` is the
derived value as text (`1.51E+10`, `>1.0E+11`); its message names the inputs as written.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np

from qc.engine.cells import Cells, Interval, Numbers, parse_numbers, parse_one, read_cells
from qc.engine.derived import expr
from qc.errors import InputError
from qc.inputs.table import Table
from qc.model import Check, CheckResult, Derived, Limits, Reason, Status, header_key
from qc.rules import limits
from qc.rules.outcome import blank, mark


def judge_derived(check: Check, derived: Derived, table: Table, *, decimal_comma: bool
                  ) -> CheckResult:
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
        if lacking and check.required and not check.report_only:
            raise InputError(f"{lacking[0]}: no column {name!r} (needed by derived attribute "
                             f"{derived.name!r} of check {check.name!r})")
        if len(lacking) == len(table.inputs):
            return _absent(check, name, n)
        cells[name] = read_cells(table.columns[key])
        nums[name] = parse_numbers(cells[name], None, decimal_comma=decimal_comma)

    def box(name: str) -> expr.Box:
        got = nums[name]
        lo, lo_open = expr.positive_censored(got.lo, got.hi, got.lo_open)
        return expr.Box(lo, got.hi, lo_open, got.hi_open, ~got.valid)

    missing = np.zeros(n, dtype=bool)
    unreadable = np.zeros(n, dtype=bool)
    broken: dict[int, str] = {}  # spreadsheet cells with no value (uncalculated formula, error)
    for name in derived.inputs:
        missing |= cells[name].missing
        unreadable |= ~cells[name].missing & ~nums[name].valid
        for row, why in table.broken.get(header_key(name), {}).items():
            broken.setdefault(row, f"{name}: {why}")
    if broken:
        rows = np.fromiter(broken, dtype=np.intp, count=len(broken))
        unreadable[rows] = True
        missing[rows] = False
    tree: expr.Node = derived.tree  # type: ignore[assignment]
    with np.errstate(all="ignore"):
        value = expr.evaluate(tree, box, n)
    overflow = (value.lo == np.inf) | (value.hi == -np.inf)  # beyond the double range
    computed = (~missing & ~unreadable & ~value.bad & ~overflow & ~np.isnan(value.lo)
                & ~np.isnan(value.hi))
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
            out.message[i] = broken.get(i) or "; ".join(bad)
        zero = ~missing & ~unreadable & ~computed
        mark(out, zero, Status.FAIL, Reason.INVALID)
        out.message[zero] = "cannot compute: division by zero (or by a range that includes zero)"
        out.message[zero & overflow & ~value.bad] = "cannot compute: the value overflows"
        if missing.any():
            if check.required:
                mark(out, missing, Status.FAIL, Reason.MISSING)
            else:
                mark(out, missing, Status.PASS, Reason.NONE)
            empty = ", ".join(derived.inputs)
            out.message[missing] = f"no value: an input is empty ({empty})"
        said = out.message != None  # noqa: E711 - element-wise on an object array
        out.message[said] = out.message[said] + " (from " + sources[said] + ")"
        out.message[~said] = shown[~said] + " from " + sources[~said]
    note = ""
    if header_key(derived.name) in table.columns:
        note = (f"derived attribute {derived.name!r} is computed from "
                f"{', '.join(derived.inputs)}; the file's column of the same name is not used")
    return CheckResult(check, out.status, out.reason, texts, out.message.tolist(), note)


def _float_row(nums: Numbers, i: int) -> Interval | str:
    """A computed row as an Interval of its float bounds, for messages."""
    if not nums.valid[i]:
        return "cannot compute"
    lo, hi = Decimal(repr(float(nums.lo[i]))), Decimal(repr(float(nums.hi[i])))
    return Interval(lo, hi, bool(nums.lo_open[i]), bool(nums.hi_open[i]), None)


def _absent(check: Check, name: str, n: int) -> CheckResult:
    out = blank(n)
    kind = "report-only" if check.report_only else "optional"
    note = f"column {name!r} is not in the file; {kind} check {check.name!r} is not computed"
    out.message[:] = f"column {name!r} is not in the file ({kind})"
    return CheckResult(check, out.status, out.reason, [None] * n, out.message.tolist(), note)


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
