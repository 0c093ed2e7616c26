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
from typing import Any

import msgspec
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from msgspec.structs import replace

from qc.engine import units
from qc.engine.arrowbuf import text_scalar, to_numpy
from qc.engine.batch_dates import read_batch_dates
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
    Ints,
    Limits,
    Reading,
    Readings,
    Reason,
    Report,
    Spec,
    Status,
    header_key,
    lineage_notes,
    severity,
)
from qc.rules import CELLWISE, RULES, limits
from qc.rules.outcome import Outcome, blank, mark
from qc.text import lookalike, tokens


class Options(msgspec.Struct, frozen=True):
    """How cells are read, and the date `today` means."""

    decimal_comma: bool = False
    as_of: dt.date | None = None


def evaluate(spec: Spec, table: Table, *, options: Options = Options(), tool_version: str,
             generated_at: str, not_for_release: str = "") -> Report:
    """The report for every batch of the table; InputError when the table cannot be judged."""
    identity = Check(IDENTITY_CHECK, spec.id_column, Identity())
    from qc.engine.header_units import check_derived_units

    _refuse_missing((identity, *spec.checks), spec, table)
    check_derived_units(spec, table)
    as_of = options.as_of or dt.date.today()
    options = replace(options, as_of=as_of)
    rows, input_index = table.rows, table.input_index
    groups: tuple[tuple[int, ...], ...] | None = None
    if spec.replicated:
        results, first, groups = _judge_replicated(identity, spec, table, options)
        rows, input_index = table.rows[first], table.input_index[first]
    else:
        results = [_judge(check, spec, table, options) for check in (identity, *spec.checks)]
    verdicts = np.zeros(len(rows), dtype=np.int8)
    for result in results:
        np.maximum(verdicts, severity(result.status), out=verdicts)
    dates = read_batch_dates(spec, table) if spec.manufacture_column or spec.expiry_column else ()
    notes = (*lineage_notes(spec.lineage), *(r.note for r in results if r.note))
    if not_for_release and spec.status is not None:
        # A draft or not-yet-effective spec; one that states no status is recorded in
        # Report.not_for_release (every human report's banner, the JSON's spec section).
        notes = (f"NOT FOR RELEASE: {not_for_release}", *notes)
    return Report(
        spec=spec,
        inputs=table.inputs,
        batch_ids=results[0].value,  # type: ignore[arg-type]
        rows=rows,
        input_index=input_index,
        results=tuple(results),
        verdicts=verdicts,
        tool_version=tool_version,
        generated_at=generated_at,
        notes=notes,
        as_of=as_of.isoformat(),
        not_for_release=not_for_release,
        batch_dates=dates,
        groups=groups,
    )


def _judge_replicated(identity: Check, spec: Spec, table: Table, options: Options
                      ) -> tuple[list[CheckResult], Ints, tuple[tuple[int, ...], ...] | None]:
    """The results of a spec with replicates or retests (qc/engine/replicates.py): one
    entry per batch, the batches' first rows, and each batch's rows when rows group."""
    from qc.engine import replicates as rep  # deferred: only specs that use replicates

    plan = rep.plan(spec, table)
    first = plan.first

    def judge(check: Check, t: Table) -> CheckResult:
        return _judge(check, spec, t, options)

    if spec.grouped:
        head = judge(identity, rep.take(table, first))
        status, reason = np.array(head.status), np.array(head.reason)
        message = list(head.message)
        for b, why in plan.problems.items():
            status[b], reason[b] = Status.FAIL, Reason.INVALID
            message[b] = why if message[b] is None else f"{message[b]}; {why}"
        results = [replace(head, status=status, reason=reason, message=message)]
        checks = [rep.judge_check(c, table, plan, judge,
                                  conflicts(c, table, options.decimal_comma),
                                  options.decimal_comma) for c in spec.checks]
        groups = tuple(tuple(int(table.rows[m.row]) for m in batch) for batch in plan.members)
        return [*results, *checks], first, groups
    results = [judge(identity, table)]
    results += [judge(c, table) if c.replicates is None else
                rep.judge_check(c, table, plan, judge,
                                conflicts(c, table, options.decimal_comma),
                                options.decimal_comma) for c in spec.checks]
    return results, first, None


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


def _refuse_missing(checks: Sequence[Check], spec: Spec, table: Table) -> None:
    """Every column a judged check needs that an input lacks, in one InputError (exit 2),
    each with the closest header present ("did you mean 'Batch No'?")."""
    needed: dict[tuple[str, ...], list[str]] = {}
    first: str | None = None
    for check in checks:
        if not check.required or check.report_only:
            continue
        if not check.columns and spec.derived_named(check.column) is not None:
            continue
        _, lacking, _ = _alternatives(check, table)
        if lacking:
            first = first or lacking[0]
            needed.setdefault(tuple(check.alternatives), []).append(check.name)
    if not needed:
        return
    problems = []
    for names, by in needed.items():
        alt = f" (or {', '.join(repr(o) for o in names[1:])})" if names[1:] else ""
        near = _closest(names, table)
        hint = f"; did you mean {near!r}?" if near else ""
        word = "check" if len(by) == 1 else "checks"
        problems.append(f"no column {names[0]!r}{alt} (needed by {word} "
                        f"{', '.join(repr(b) for b in by)}{hint})")
    raise InputError(f"{first}: " + "; ".join(problems))


def _closest(names: Sequence[str], table: Table) -> str | None:
    """The header present that is closest to one of the names, as written in the file."""
    import difflib

    present = {key: table.headers.get(key, key) for key in table.columns}
    for name in names:
        found = difflib.get_close_matches(header_key(name), list(present), n=1, cutoff=0.6)
        if found:
            return present[found[0]]
    return None


def judge_absent(check: Check, table: Table, lacking: list[str], what: str
                 ) -> CheckResult | None:
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
    verb = "is recorded as absent" if check.report_only else "is not tested"
    note = f"column {check.column!r} is not in the file; {kind} check {check.name!r} {verb}"
    mark(out, np.arange(n), Status.REPORTED if check.report_only else Status.NOT_TESTED,
         Reason.NONE)
    out.message[:] = f"column {check.column!r} is not in the file ({kind})"
    return CheckResult(check, out.status, out.reason, [None] * n, out.message.tolist(),
                       absent_readings(check, n), note)


def absent_readings(check: Check, n: int) -> Readings:
    """Every batch ABSENT, with the value columns of the check's kind (all NaN / NaT)."""
    state = np.full(n, Reading.ABSENT, dtype=np.int8)
    if isinstance(check.rule, Limits):
        nan = np.full(n, np.nan)
        no = np.zeros(n, dtype=bool)
        return Readings(state, lo=nan, hi=nan.copy(), lo_open=no, hi_open=no.copy())
    if isinstance(check.rule, DateLimits):
        nat = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
        return Readings(state, date=nat, date_end=nat.copy())
    return Readings(state)


def _judge(check: Check, spec: Spec, table: Table, options: Options) -> CheckResult:
    derived = spec.derived_named(check.column) if not check.columns else None
    if derived is not None:
        from qc.engine.derived.judge import judge_derived  # deferred: only specs with derived

        return judge_derived(check, derived, table, decimal_comma=options.decimal_comma)
    from qc.engine.header_units import with_header_units

    table = with_header_units(check, table)
    column, lacking, used = find_column(check, table)
    absent = judge_absent(check, table, lacking, "")
    if absent is not None:
        return absent
    assert column is not None
    if used != check.column:
        check = replace(check, column=used)
    if isinstance(check.rule, DateLimits) and check.required and not check.report_only:
        _require_bound_columns(check, check.rule, table)
    disagree = conflicts(check, table, options.decimal_comma)
    if _cellwise(check, table) and not disagree:
        return _judge_distinct(check, column, table, options, lacking)
    cells = read_cells(column)
    broken: Ints | None = None
    if check.report_only:
        out = report_only(cells)
        if isinstance(check.rule, Limits):  # recorded, never judged: the value is still read
            out = replace(out, readings=limits.read(check.rule, cells,
                                                    decimal_comma=options.decimal_comma))
        hidden = invisible_cells(cells)
    else:
        out = RULES[type(check.rule)](
            check.rule, cells, decimal_comma=options.decimal_comma, rows=table.rows,
            inputs=[f.path for f in table.inputs], input_index=table.input_index,
            as_of=options.as_of, lookup=lambda name: _lookup(table, name))
        apply_missing(out, cells.missing, check.required)
        broken = mark_broken(out, table, check)
        alike = mark_lookalike(out, cells)
        hidden = mark_invisible(out, cells) | alike
        if disagree:
            rows = np.fromiter(disagree, dtype=np.intp, count=len(disagree))
            mark(out, rows, Status.FAIL, Reason.INVALID)
            for i, why in disagree.items():
                out.message[i] = why
            hidden[rows] = True
    values: Sequence[str | None] = cells.as_list()
    read = readings(out.readings, cells.missing, hidden, broken,
                    absent=_absent_rows(check, table, lacking))
    return CheckResult(check, out.status, out.reason, values, out.message.tolist(), read)


def _cellwise(check: Check, table: Table) -> bool:
    """Whether the check's verdict for a row depends on that row's cell text alone: a
    cell-wise rule kind (not DateLimits: `today` and `{column:}` bounds), judged (not
    report-only), and no broken cell under any of its headers (mark_broken goes by row)."""
    return (type(check.rule) in CELLWISE and not check.report_only
            and not any(table.broken.get(header_key(name)) for name in check.alternatives))


def _judge_distinct(check: Check, column: pa.Array, table: Table, options: Options,
                    lacking: list[str]) -> CheckResult:
    """_judge for a cell-wise check: each distinct cell text judged once (the same steps,
    in the same order, as for every row), the verdicts spread to the rows by code."""
    codes, texts = distinct(column)
    cells = read_cells(texts)
    out = RULES[type(check.rule)](
        check.rule, cells, decimal_comma=options.decimal_comma, as_of=options.as_of)
    apply_missing(out, cells.missing, check.required)
    alike = mark_lookalike(out, cells)
    hidden = mark_invisible(out, cells) | alike
    read = readings(out.readings, cells.missing, hidden, None, codes=codes,
                    absent=_absent_rows(check, table, lacking))
    return CheckResult(check, out.status[codes], out.reason[codes],
                       CodedText(codes, cells.as_list()),
                       CodedText(codes, out.message.tolist()), read)


def readings(read: Readings | None, missing: Bools, hidden: Bools, broken: Ints | None, *,
             codes: Ints | None = None, absent: Ints | None = None) -> Readings:
    """What the engine read from each cell: the rule's reading (VALUE where the rule reads
    no value of its own), then the engine's steps over it: missing cells, spreadsheet cells
    with no value, invisible characters, and rows of inputs without the column. Value
    columns are NaN / NaT wherever the state is not VALUE (the rule leaves them so for the
    cells it could not read; the engine's steps blank the rest). With `codes`, `read` and
    the masks are per distinct cell text (see Readings); `absent` and `broken` are rows."""
    n = len(missing)
    state = np.zeros(n, dtype=np.int8) if read is None else np.array(read.state, dtype=np.int8)
    state[missing] = Reading.MISSING
    columns: dict[str, Any] = {}
    if read is not None:
        columns = {"lo": read.lo, "hi": read.hi, "lo_open": read.lo_open,
                   "hi_open": read.hi_open, "date": read.date,
                   "date_end": read.date_end}
    spread = (absent is not None and absent.size) or (broken is not None and broken.size)
    if codes is not None and spread:
        # Rows that differ from their distinct text: spread to one entry per row first.
        state, hidden = state[codes], hidden[codes]
        columns = {k: None if v is None else v[codes] for k, v in columns.items()}
        codes = None
    blank = [np.flatnonzero(hidden)] if hidden.any() else []
    blank += [rows for rows in (broken, absent) if rows is not None and rows.size]
    state[hidden] = Reading.INVALID
    if broken is not None and broken.size:
        state[broken] = Reading.INVALID
    if absent is not None and absent.size:
        state[absent] = Reading.ABSENT
    for rows in blank:  # few rows: copies of the rule's columns with those rows blanked
        for key, empty in (("lo", np.nan), ("hi", np.nan), ("date", np.datetime64("NaT")),
                           ("date_end", np.datetime64("NaT"))):
            if columns.get(key) is not None:
                columns[key] = columns[key].copy()
                columns[key][rows] = empty
    return Readings(state, codes=codes, **columns)


def _absent_rows(check: Check, table: Table, lacking: list[str]) -> Ints | None:
    """Rows of inputs that have none of the check's alternatives (their cells read ABSENT)."""
    if not lacking:
        return None
    gone = [i for i, f in enumerate(table.inputs) if f.path in lacking]
    return np.flatnonzero(np.isin(table.input_index, gone)).astype(np.intp)


def report_only(cells: Cells) -> Outcome:
    """Recorded, never judged: every row is REPORTED; the message repeats the value."""
    out = blank(len(cells))
    out.status[:] = Status.REPORTED
    out.message[:] = [f"report only: {text}" for text in cells.as_list()]
    out.message[cells.missing] = "report only (no value)"
    return out


def apply_missing(out: Outcome, missing: Bools, required: bool) -> None:
    """Missing cells fail as `missing`; in an optional check they are not tested."""
    if not missing.any():
        return
    if required:
        mark(out, missing, Status.FAIL, Reason.MISSING)
        out.message[missing] = "no value"
    else:
        mark(out, missing, Status.NOT_TESTED, Reason.NONE)
        out.message[missing] = "no value (optional)"


def mark_broken(out: Outcome, table: Table, check: Check) -> Ints:
    """Cells a spreadsheet could not give a value for (a formula never calculated, an error
    value) are invalid, never a pass; rows are those of the inputs that use each header.
    Returns the rows marked."""
    broken = broken_cells(table, check)
    rows = np.fromiter(broken, dtype=np.intp, count=len(broken))
    if rows.size:
        mark(out, rows, Status.FAIL, Reason.INVALID)
        out.message[rows] = list(broken.values())
    return rows


def broken_cells(table: Table, check: Check) -> dict[int, str]:
    """The check's cells that a spreadsheet gave no value for: row -> why."""
    found: dict[int, str] = {}
    for name in check.alternatives:
        broken = table.broken.get(header_key(name), {})
        found.update({r: why for r, why in broken.items()
                      if _uses(table, check, name, int(table.input_index[r]))})
    return found


def _uses(table: Table, check: Check, name: str, i: int) -> bool:
    """Whether input i reads `name` for this check (its first present alternative)."""
    for alternative in check.alternatives:
        if i in table.present.get(header_key(alternative), ()):
            return header_key(alternative) == header_key(name)
    return False


def mark_lookalike(out: Outcome, cells: Cells) -> Bools:
    """A word that reads as Latin but holds Cyrillic or Greek look-alike letters (`HeLa`
    with a Cyrillic H) is not what the person who checks it reads: never matched, never a
    pass. So is a Latin word mixed with letters of another script (Cherokee, Armenian...),
    or with digits of another script (`A\u066549`), and a combining mark that composes no
    letter (`HeL\u0335a`). Only cells with a letter outside the Latin script, a combining mark
    or a digit outside ASCII are looked at one by one. Returns which cells were marked."""
    marked = np.zeros(len(cells), dtype=bool)
    # ASCII letters are all Latin and ASCII holds no combining mark or other-script digit, so
    # only a column with a non-ASCII cell can hold such a word; the test is cheap, the
    # Unicode-script pattern costs about 0.5 ms to compile on each call, which was a third of
    # judging the Quick start's 24 batches.
    if to_numpy(pc.string_is_ascii(cells.text)).all():
        return marked
    foreign = to_numpy(pc.match_substring_regex(
        cells.text, r"[^\p{Latin}\P{L}]|\p{M}|[^0-9\P{Nd}]"))
    foreign &= ~cells.missing
    for i in np.flatnonzero(foreign).tolist():
        why = lookalike(cells.text[i].as_py())
        if why is not None:
            marked[i] = True
            mark(out, np.array([i], dtype=np.intp), Status.FAIL, Reason.INVALID)
            out.message[i] = why
    return marked


def mark_invisible(out: Outcome, cells: Cells) -> Bools:
    """A cell holding an invisible character (zero-width space, bidi override, escape) was
    judged on text nobody can see: never a pass, whatever the rule made of it. Returns
    which cells were marked."""
    hidden = invisible_cells(cells)
    if not hidden.any():
        return hidden
    mark(out, hidden, Status.FAIL, Reason.INVALID)
    for i in np.flatnonzero(hidden).tolist():
        out.message[i] = invisible_message(cells.text[i].as_py())
    return hidden


def invisible_cells(cells: Cells) -> Bools:
    """The present cells that hold an invisible character."""
    return invisible(cells) & ~cells.missing


def invisible_message(text: str) -> str:
    return f"contains an invisible character ({first_invisible(text)}); retype the value"


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

