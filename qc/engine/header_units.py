"""The unit in brackets at the end of a header (`Mean size (µm)`), applied to the
unit-less numbers of that column for a limits check, as the technician means it: `0.12`
under `Mean size (µm)` is 0.12 µm, i.e. 120 nm. A header unit of another dimension than
the check's, or one exoqc does not know, is exit 2 naming the header: a number is never
read in a unit its header contradicts."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from msgspec.structs import replace

from qc.engine import units
from qc.engine.arrowbuf import to_numpy
from qc.engine.cells import GRAMMAR
from qc.errors import InputError
from qc.inputs.table import Table
from qc.model import Check, Limits, Spec, header_key, header_unit


def with_header_units(check: Check, table: Table) -> Table:
    """The table with the check's columns' unit-less numbers given their header's unit
    (only for a limits check; other checks read the cells as written)."""
    if not isinstance(check.rule, Limits) or not table.units:
        return table
    target = units.find(check.rule.unit) if check.rule.unit else None
    columns = dict(table.columns)
    for name in check.alternatives:
        key = header_key(name)
        by_input = table.units.get(key)
        if not by_input or key not in columns:
            continue
        column = columns[key]
        for i, unit in by_input.items():
            written = units.find(unit)
            declared = header_unit(name)
            if (written is None and declared and declared.casefold() == unit.casefold()
                    and unit.isupper()):
                # `MEAN SIZE (NM)` for the spec's `(nm)`: an all-capitals unit has lost its
                # case. `(nM)` (nanomolar) or `(Nm)` has not: read as written, never as nm.
                written = units.find(declared)
            header = table.headers.get(key, name)
            where = table.inputs[i].path
            if written is None and target is None:
                continue  # `pH (-)`: a comment in brackets, and the check reads no unit
            if written is None:
                raise InputError(f"{where}: header {header!r}: {unit!r} is not a unit exoqc "
                                 f"knows (check {check.name!r} reads numbers)")
            if target is None:
                raise InputError(f"{where}: header {header!r} gives a unit ({written.symbol}) "
                                 f"but check {check.name!r} has none")
            if written.dimension != target.dimension:
                raise InputError(f"{where}: header {header!r}: {written.symbol} is not a unit "
                                 f"of {target.dimension} (check {check.name!r} reads "
                                 f"{target.symbol})")
            assert written is not None
            if written.factor == target.factor:
                continue  # the check's own unit: the numbers read the same without it
            column = _append(column, table.input_index == i, written.symbol)
        columns[key] = column
    return replace(table, columns=columns)


def _append(column: pa.ChunkedArray, rows: np.ndarray, unit: str) -> pa.ChunkedArray:
    """` unit` after each number of `rows` written without a unit."""
    text = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    # Read as the number parser reads (qc/engine/cells.py _parse_rest): odd spaces and the
    # minus sign folded, and a decimal comma taken as a point, so that `0,12` under
    # --decimal , gets the header's unit too (whether a comma is allowed is the parser's
    # business; here only whether a unit is written matters).
    probe = pc.fill_null(text, "")
    for space in ("\u00a0", "\u202f", "\u2007", "\u2009"):
        probe = pc.replace_substring(probe, space, " ")
    probe = pc.replace_substring(pc.replace_substring(probe, "\u2212", "-"), ",", ".")
    parts = pc.extract_regex(probe, GRAMMAR)
    matched = to_numpy(parts.is_valid())
    no_unit = np.zeros(len(text), dtype=bool)
    if matched.any():
        units_written = pc.fill_null(parts.field("u"), "")
        no_unit = matched & to_numpy(pc.equal(pc.utf8_trim_whitespace(units_written), ""))
    apply = no_unit & rows & to_numpy(pc.not_equal(pc.utf8_trim_whitespace(
        pc.fill_null(text, "")), ""))
    if not apply.any():
        return column
    suffixed = pc.binary_join_element_wise(pc.utf8_trim_whitespace(pc.fill_null(text, "")),
                                           pa.scalar(" " + unit, text.type),
                                           pa.scalar("", text.type))
    out = pc.if_else(pa.array(apply), suffixed, text)
    return pa.chunked_array([out])


def check_derived_units(spec: Spec, table: Table) -> None:
    """A derived expression reads a header by its name: when the file's header carries a
    unit, the spec's name for it must carry the same one (`Protein (µg/mL)` is not
    `Protein (mg/mL)`), else exit 2 naming both."""
    for derived in spec.derived:
        for name in derived.inputs:
            key = header_key(name)
            for i, unit in table.units.get(key, {}).items():
                if header_unit(name) != unit:
                    raise InputError(
                        f"{table.inputs[i].path}: header {table.headers.get(key, name)!r} has "
                        f"the unit {unit!r}, but derived {derived.name!r} reads {name!r}: "
                        "name the header with its unit in the expression")
