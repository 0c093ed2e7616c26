"""Judge every batch against a spec: pure, vectorised, no I/O.

For each check: find its column (the first of its alternatives that the file has, or a
derived attribute), read the cells, let the rule judge the present ones, and fail the
missing ones unless the check says `required: false`. A report-only check is recorded
and never judged. A batch's verdict is its worst check; the built-in `batch_identity`
check comes first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from qc.engine import units
from qc.engine.arrowbuf import text_scalar, to_numpy
from qc.engine.cells import (
    Bools,
    Cells,
    Interval,
    first_invisible,
    invisible,
    parse_one,
    read_cells,
)
from qc.engine.coded import CodedText, distinct
from qc.errors import InputError
from qc.inputs.table import Table
from qc.model import (
    IDENTITY_CHECK,
    Check,
    CheckResult,
    DateLimits,
    Identity,
    Limits,
    Reason,
    Report,
    Spec,
    Status,
    header_key,
)
from qc.rules import CELLWISE, RULES
from qc.rules.outcome import Outcome, blank, mark
from qc.text import lookalike, tokens


@dataclass(frozen=True)
class Options:
    """How cells are read, and the date `today` means."""

    decimal_comma: bool = False
    as_of: dt.date | None = None


def evaluate(spec: Spec, table: Table, *, options: Options = Options(), tool_version: str,
             generated_at: str, not_for_release: str = "") -> Report:
    """The report for every batch of the table; InputError when the table cannot be judged."""
    identity = Check(IDENTITY_CHECK, spec.id_column, Identity())
    as_of = options.as_of or dt.date.today()
    options = replace(options, as_of=as_of)
    results = [_judge(check, spec, table, options) for check in (identity, *spec.checks)]
    verdicts = np.zeros(len(table), dtype=np.int8)
    for result in results:
        np.maximum(verdicts, result.status, out=verdicts)
    notes = tuple(r.note for r in results if r.note)
    if not_for_release:
        notes = (f"NOT FOR RELEASE: {not_for_release}", *notes)
    return Report(
        spec=spec,
        inputs=table.inputs,
        batch_ids=results[0].value,  # type: ignore[arg-type]
        rows=table.rows,
        input_index=table.input_index,
        results=tuple(results),
        verdicts=verdicts,
        tool_version=tool_version,
        generated_at=generated_at,
        notes=notes,
        as_of=as_of.isoformat(),
        not_for_release=not_for_release,
    )


def find_column(check: Check, table: Table) -> tuple[pa.Array | None, list[str], str]:
    """The check's cells, the inputs that have none of its alternatives, and the header(s)
    used, for the report. With several alternatives, each row takes the first one that has
    a value in that row (see `conflicts` for rows where two disagree)."""
    keys, lacking, used = _alternatives(check, table)
    if not used:
        return None, lacking, check.column
    column = table.columns[keys[used[-1]]]
    for k in reversed(used[:-1]):
        candidate = table.columns[keys[k]]
        has_value = pc.invert(pc.equal(pc.utf8_trim_whitespace(pc.fill_null(
            candidate, text_scalar("").cast(candidate.type))), text_scalar("")))
        column = pc.if_else(has_value, candidate, column)
    names = " / ".join(check.alternatives[k] for k in used)
    return column, lacking, names


def _alternatives(check: Check, table: Table) -> tuple[list[str], list[str], list[int]]:
    """Header keys of the alternatives, the inputs with none of them, and the alternatives
    present in some input (InputError when one of them is a duplicated header)."""
    keys = [header_key(c) for c in check.alternatives]
    present = [k for k, key in enumerate(keys) if table.present.get(key)]
    lacking = [f.path for i, f in enumerate(table.inputs)
               if not any(i in table.present.get(key, ()) for key in keys)]
    for k in present:
        if keys[k] in table.duplicated:
            raise InputError(f"{table.duplicated[keys[k]]}; check {check.name!r} cannot tell "
                             "which to use")
    return keys, lacking, present


def conflicts(check: Check, table: Table, decimal_comma: bool) -> dict[int, str]:
    """Rows where two alternative columns both hold a value and the values differ: which
    one is the result cannot be told, so the row is invalid. Values are equal when they
    read the same (the same interval in the check's unit, or the same normalised text);
    a not-a-result word such as `pending` counts as a value."""
    keys, _, used = _alternatives(check, table)
    if len(used) < 2:
        return {}
    texts = []
    for k in used:
        column = read_cells(table.columns[keys[k]])
        texts.append((check.alternatives[k], column.as_list(), column.missing))
    found = np.zeros(len(table), dtype=np.int64)
    for _, _, missing in texts:
        found += ~missing
    out: dict[int, str] = {}
    for i in np.flatnonzero(found > 1).tolist():
        values = [(name, cells[i]) for name, cells, missing in texts if not missing[i]]
        first_name, first = values[0]
        for name, value in values[1:]:
            if not _same_reading(check, first, value, decimal_comma):
                out[i] = (f"columns {first_name!r} ({first!r}) and {name!r} ({value!r}) "
                          "disagree: keep one result")
                break
    return out


def _same_reading(check: Check, a: str, b: str, decimal_comma: bool) -> bool:
    if isinstance(check.rule, Limits):
        left, right = _read(check, a, decimal_comma), _read(check, b, decimal_comma)
        if isinstance(left, Interval) and isinstance(right, Interval):
            return ((left.lo, left.hi, left.lo_open, left.hi_open)
                    == (right.lo, right.hi, right.lo_open, right.hi_open))
        return a.strip() == b.strip()  # unreadable: the same only as the same text
    return tokens(a) == tokens(b) if tokens(a) else a.strip() == b.strip()


def _read(check: Check, text: str, decimal_comma: bool) -> Interval | str:
    assert isinstance(check.rule, Limits)
    target = units.find(check.rule.unit) if check.rule.unit else None
    return parse_one(text, target, decimal_comma=decimal_comma)


def _absent(check: Check, table: Table, lacking: list[str], what: str) -> CheckResult | None:
    """The result of a check whose column is absent from every input (None if present)."""
    n = len(table)
    needed = check.required and not check.report_only
    if lacking and needed:
        others = check.alternatives[1:]
        alt = f" (or {', '.join(repr(o) for o in others)})" if others else ""
        raise InputError(f"{lacking[0]}: no column {check.column!r}{alt} (needed by {what}"
                         f"check {check.name!r})")
    if len(lacking) < len(table.inputs):
        return None
    out = blank(n)
    kind = "report-only" if check.report_only else "optional"
    verb = "is recorded as absent" if check.report_only else "passes"
    note = f"column {check.column!r} is not in the file; {kind} check {check.name!r} {verb}"
    out.message[:] = f"column {check.column!r} is not in the file ({kind})"
    return CheckResult(check, out.status, out.reason, [None] * n, out.message.tolist(), note)


def _judge(check: Check, spec: Spec, table: Table, options: Options) -> CheckResult:
    derived = spec.derived_named(check.column) if not check.columns else None
    if derived is not None:
        from qc.engine.derived.judge import judge_derived  # deferred: only specs with derived

        return judge_derived(check, derived, table, decimal_comma=options.decimal_comma)
    column, lacking, used = find_column(check, table)
    absent = _absent(check, table, lacking, "")
    if absent is not None:
        return absent
    assert column is not None
    if used != check.column:
        check = replace(check, column=used)
    if isinstance(check.rule, DateLimits) and check.required and not check.report_only:
        _require_bound_columns(check, check.rule, table)
    disagree = conflicts(check, table, options.decimal_comma)
    if _cellwise(check, table) and not disagree:
        return _judge_distinct(check, column, table, options)
    cells = read_cells(column)
    if check.report_only:
        out = report_only(cells)
    else:
        out = RULES[type(check.rule)](
            check.rule, cells, decimal_comma=options.decimal_comma, rows=table.rows,
            inputs=[f.path for f in table.inputs], input_index=table.input_index,
            as_of=options.as_of, lookup=lambda name: _lookup(table, name))
        apply_missing(out, cells.missing, check.required)
        mark_broken(out, table, check)
        mark_lookalike(out, cells)
        mark_invisible(out, cells)
        for i, why in disagree.items():
            mark(out, np.array([i], dtype=np.intp), Status.FAIL, Reason.INVALID)
            out.message[i] = why
    values: Sequence[str | None] = cells.as_list()
    return CheckResult(check, out.status, out.reason, values, out.message.tolist())


def _cellwise(check: Check, table: Table) -> bool:
    """Whether the check's verdict for a row depends on that row's cell text alone: a
    cell-wise rule kind (not DateLimits: `today` and `{column:}` bounds), judged (not
    report-only), and no broken cell under any of its headers (mark_broken goes by row)."""
    return (type(check.rule) in CELLWISE and not check.report_only
            and not any(table.broken.get(header_key(name)) for name in check.alternatives))


def _judge_distinct(check: Check, column: pa.Array, table: Table,
                    options: Options) -> CheckResult:
    """_judge for a cell-wise check: each distinct cell text judged once (the same steps,
    in the same order, as for every row), the verdicts spread to the rows by code."""
    codes, texts = distinct(column)
    cells = read_cells(texts)
    out = RULES[type(check.rule)](
        check.rule, cells, decimal_comma=options.decimal_comma, as_of=options.as_of)
    apply_missing(out, cells.missing, check.required)
    mark_lookalike(out, cells)
    mark_invisible(out, cells)
    return CheckResult(check, out.status[codes], out.reason[codes],
                       CodedText(codes, cells.as_list()),
                       CodedText(codes, out.message.tolist()))


def report_only(cells: Cells) -> Outcome:
    """Recorded, never judged: every row passes; the message repeats the value."""
    out = blank(len(cells))
    out.message[:] = [f"report only: {text}" for text in cells.as_list()]
    out.message[cells.missing] = "report only (no value)"
    return out


def apply_missing(out: Outcome, missing: Bools, required: bool) -> None:
    """Missing cells fail as `missing` unless the check is optional."""
    if not missing.any():
        return
    if required:
        mark(out, missing, Status.FAIL, Reason.MISSING)
        out.message[missing] = "no value"
    else:
        mark(out, missing, Status.PASS, Reason.NONE)
        out.message[missing] = "no value (optional)"


def mark_broken(out: Outcome, table: Table, check: Check) -> None:
    """Cells a spreadsheet could not give a value for (a formula never calculated, an error
    value) are invalid, never a pass; rows are those of the inputs that use each header."""
    for name in check.alternatives:
        broken = table.broken.get(header_key(name))
        if not broken:
            continue
        rows = np.fromiter(broken, dtype=np.intp, count=len(broken))
        keep = [_uses(table, check, name, int(table.input_index[r])) for r in rows.tolist()]
        rows = rows[np.array(keep, dtype=bool)]
        mark(out, rows, Status.FAIL, Reason.INVALID)
        out.message[rows] = [broken[r] for r in rows.tolist()]


def _uses(table: Table, check: Check, name: str, i: int) -> bool:
    """Whether input i reads `name` for this check (its first present alternative)."""
    for alternative in check.alternatives:
        if i in table.present.get(header_key(alternative), ()):
            return header_key(alternative) == header_key(name)
    return False


def mark_lookalike(out: Outcome, cells: Cells) -> None:
    """A word that reads as Latin but holds Cyrillic or Greek look-alike letters (`HeLa`
    with a Cyrillic H) is not what the person who checks it reads: never matched, never a
    pass. Only cells with a Cyrillic or Greek letter are looked at one by one."""
    foreign = to_numpy(pc.match_substring_regex(cells.text, r"[\p{Cyrillic}\p{Greek}]"))
    foreign &= ~cells.missing
    for i in np.flatnonzero(foreign).tolist():
        why = lookalike(cells.text[i].as_py())
        if why is not None:
            mark(out, np.array([i], dtype=np.intp), Status.FAIL, Reason.INVALID)
            out.message[i] = why


def mark_invisible(out: Outcome, cells: Cells) -> None:
    """A cell holding an invisible character (zero-width space, bidi override, escape) was
    judged on text nobody can see: never a pass, whatever the rule made of it."""
    hidden = invisible(cells) & ~cells.missing
    if not hidden.any():
        return
    mark(out, hidden, Status.FAIL, Reason.INVALID)
    for i in np.flatnonzero(hidden).tolist():
        shown = first_invisible(cells.text[i].as_py())
        out.message[i] = f"contains an invisible character ({shown}); retype the value"


def _require_bound_columns(check: Check, rule: DateLimits, table: Table) -> None:
    """A date limit `{column: other}` needs that column in every input (else exit 2)."""
    for bound in rule.bounds().values():
        if bound.kind != "column":
            continue
        present = table.present.get(header_key(bound.column), frozenset())
        lacking = [f.path for i, f in enumerate(table.inputs) if i not in present]
        if lacking:
            raise InputError(f"{lacking[0]}: no column {bound.column!r} (needed by check "
                             f"{check.name!r})")


def _lookup(table: Table, name: str) -> Cells | None:
    key = header_key(name)
    if key not in table.columns:
        return None
    return read_cells(table.columns[key])

