"""The batch dates a certificate of analysis shows: manufacture and expiry, read by the engine.

A spec names them with the top-level keys `manufacture_column` and `expiry_column`. They
are read as the engine reads a date check's cells (trimmed text, missing tokens, invisible
characters, the date formats of a date check on the same column, else ISO), so the
certificate shows the engine's reading and never parses a cell itself. They are shown,
never judged: a date check (`type: date`) judges a date. A named column that an input
lacks cannot be shown, so the run stops (InputError, exit 2), as for a required check.
"""

from __future__ import annotations

import numpy as np

from qc.engine.cells import invisible, read_cells
from qc.errors import InputError
from qc.inputs.table import Table
from qc.model import BatchDate, DateLimits, Reading, Readings, Spec, header_key
from qc.rules.dates import formats_of, read_dates

ROLES = ("manufacture", "expiry")


def read_batch_dates(spec: Spec, table: Table) -> tuple[BatchDate, ...]:
    """Each date column the spec names, read for every batch of the table."""
    named = (("manufacture", spec.manufacture_column), ("expiry", spec.expiry_column))
    return tuple(_read(role, column, spec, table) for role, column in named if column)


def _formats(spec: Spec, column: str) -> tuple[str, ...]:
    key = header_key(column)
    for check in spec.checks:
        if isinstance(check.rule, DateLimits) and header_key(check.column) == key:
            return formats_of(check.rule)
    return formats_of(DateLimits())


def _read(role: str, column: str, spec: Spec, table: Table) -> BatchDate:
    key = header_key(column)
    present = table.present.get(key, frozenset())
    lacking = [f.path for i, f in enumerate(table.inputs) if i not in present]
    if lacking:
        raise InputError(f"{lacking[0]}: no column {column!r} (named by {role}_column in the "
                         "spec)")
    if key in table.duplicated:
        raise InputError(f"{table.duplicated[key]}; {role}_column cannot tell which to use")
    cells = read_cells(table.columns[key])
    dates = read_dates(cells, _formats(spec, column))
    hidden = invisible(cells) & ~cells.missing
    broken = np.zeros(len(cells), dtype=bool)
    broken[list(table.broken.get(key, {}))] = True
    state = np.full(len(cells), Reading.VALUE, dtype=np.int8)
    state[~dates.readable] = Reading.INVALID
    state[hidden | broken] = Reading.INVALID
    state[cells.missing & ~broken] = Reading.MISSING
    value, end = dates.first.copy(), dates.last.copy()
    value[state != Reading.VALUE] = np.datetime64("NaT")
    end[state != Reading.VALUE] = np.datetime64("NaT")
    message: list[str | None] = list(dates.problem)
    for i in np.flatnonzero(hidden).tolist():
        message[i] = "contains an invisible character"
    for i, why in table.broken.get(key, {}).items():
        message[i] = why
    return BatchDate(role=role, column=column, value=cells.as_list(), message=message,
                     readings=Readings(state, date=value, date_end=end))
