"""Judge every batch against a spec: pure, vectorised, no I/O.

For each check: find its column, read the cells, let the rule judge the present ones,
and fail the missing ones unless the check says `required: false`. A batch's verdict
is its worst check; the built-in `batch_identity` check comes first.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qc.columns import ArrowText, CodedText, distinct
from qc.errors import InputError
from qc.model import (
    IDENTITY_CHECK,
    Check,
    CheckResult,
    Identity,
    Reason,
    Report,
    Spec,
    Status,
)
from qc.records import Table, header_key
from qc.rules import CELLWISE, RULES
from qc.rules.outcome import Outcome, blank, mark
from qc.values import Cells, read_cells


@dataclass(frozen=True)
class Options:
    """How cells are read."""

    decimal_comma: bool = False


def evaluate(spec: Spec, table: Table, *, options: Options = Options(), tool_version: str,
             generated_at: str) -> Report:
    """The report for every batch of the table; InputError when the table cannot be judged."""
    identity = Check(IDENTITY_CHECK, spec.id_column, Identity())
    results = [_judge(check, table, options) for check in (identity, *spec.checks)]
    verdicts = np.zeros(len(table), dtype=np.int8)
    for result in results:
        np.maximum(verdicts, result.status, out=verdicts)
    notes = tuple(r.note for r in results if r.note)
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
    )


def _judge(check: Check, table: Table, options: Options) -> CheckResult:
    n = len(table)
    key = header_key(check.column)
    lacking = [f.path for i, f in enumerate(table.inputs) if i not in table.present.get(key, ())]
    if key in table.duplicated:
        raise InputError(f"{table.duplicated[key]}; check {check.name!r} cannot tell which to use")
    if lacking and check.required:
        raise InputError(f"{lacking[0]}: no column {check.column!r} (needed by check "
                         f"{check.name!r})")
    if len(lacking) == len(table.inputs):
        out = blank(n)
        note = f"column {check.column!r} is not in the file; optional check {check.name!r} passes"
        out.message[:] = f"column {check.column!r} is not in the file (optional)"
        return CheckResult(check, out.status, out.reason, [None] * n, out.message.tolist(), note)
    column = table.columns[key]
    if type(check.rule) in CELLWISE:
        # Judge each distinct cell text once, then spread the verdicts to the rows.
        codes, texts = distinct(column)
        cells = read_cells(texts)
        out = _evaluate(check, cells, table, options)
        return CheckResult(check, out.status[codes], out.reason[codes],
                           CodedText(codes, cells.as_list()),
                           CodedText(codes, out.message.tolist()))
    cells = read_cells(column)
    out = _evaluate(check, cells, table, options)
    return CheckResult(check, out.status, out.reason, ArrowText(cells.text), out.message.tolist())


def _evaluate(check: Check, cells: Cells, table: Table, options: Options) -> Outcome:
    """The rule's outcome for these cells, with missing cells failed unless optional."""
    evaluator = RULES[type(check.rule)]
    out = evaluator(check.rule, cells, decimal_comma=options.decimal_comma, rows=table.rows,
                    inputs=[f.path for f in table.inputs], input_index=table.input_index)
    missing = cells.missing
    if missing.any():
        if check.required:
            mark(out, missing, Status.FAIL, Reason.MISSING)
            out.message[missing] = "no value"
        else:
            mark(out, missing, Status.PASS, Reason.NONE)
            out.message[missing] = "no value (optional)"
    return out
