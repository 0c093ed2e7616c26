"""Batches given in memory (`qc.check`): a table of text cells becomes the engine's `Table`.

Two shapes are taken: a mapping column -> list of cell texts, and a list of row mappings
column -> cell text. Every cell must be a `str` (None: an empty cell): a float or a date
object would skip the engine's reading of the text (decimal comma, censored values,
units, invisible characters), so they are refused with InputError, never converted. The
table is then what a CSV file with the same header and cells gives: entirely blank rows
are left out, rows are numbered as in that file (header = row 1), headers match ignoring
case and runs of spaces, and a header given twice is an error once a check needs it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from qc.engine.arrowbuf import texts
from qc.errors import InputError
from qc.inputs.table import Table
from qc.model import InputFile, header_key

SHOWN = "<table>"


def is_table(value: object) -> bool:
    """Whether `value` is a table of cells (as opposed to a path or a list of paths)."""
    if isinstance(value, Mapping):
        return True
    return (isinstance(value, Sequence) and not isinstance(value, str | bytes)
            and len(value) > 0 and all(isinstance(row, Mapping) for row in value))


def table_of_cells(value: Mapping[str, Sequence[str | None]] | Sequence[Mapping[str, Any]],
                   ) -> Table:
    header, columns = _columns(value)
    if not header:
        raise InputError(f"{SHOWN}: no columns")
    size = len(columns[0])
    rows = np.arange(2, size + 2, dtype=np.int64)
    keep = [i for i in range(size) if any(c[i].strip() for c in columns)]
    if not keep:
        raise InputError(f"{SHOWN}: no batch rows")
    keys = [header_key(h) for h in header]
    first: dict[str, list[str]] = {}
    duplicated: dict[str, str] = {}
    for i, key in enumerate(keys):
        if key in first:
            duplicated.setdefault(key, f"{SHOWN}: columns {keys.index(key) + 1} and {i + 1} "
                                       f"are both named {header[i]!r}")
            continue
        first[key] = [columns[i][r] for r in keep]
    digest = hashlib.sha256(json.dumps({"header": header, "cells": columns},
                                       ensure_ascii=False).encode("utf-8")).hexdigest()
    file = InputFile(path=SHOWN, sha256=digest, rows=len(keep))
    import pyarrow as pa  # the engine's column type

    return Table(
        inputs=(file,),
        columns={k: pa.chunked_array([texts(cells)]) for k, cells in first.items()},
        present={k: frozenset({0}) for k in first},
        duplicated=duplicated,
        rows=rows[keep],
        input_index=np.zeros(len(keep), dtype=np.int64),
    )


def _columns(value: Mapping[str, Sequence[str | None]] | Sequence[Mapping[str, Any]],
             ) -> tuple[list[str], list[list[str]]]:
    """The header and each column's cells, every cell a str ("" for None)."""
    if isinstance(value, Mapping):
        header = [_name(k) for k in value]
        cells = [_cells(name, value[name]) for name in value]
        sizes = {len(c) for c in cells}
        if len(sizes) > 1:
            counts = ", ".join(f"{h!r}: {len(c)}" for h, c in zip(header, cells, strict=True))
            raise InputError(f"{SHOWN}: columns of different lengths ({counts})")
        return header, cells
    header = []
    for row in value:
        header.extend(_name(k) for k in row if k not in header)
    columns: list[list[str]] = [[] for _ in header]
    for number, row in enumerate(value, start=2):
        for j, name in enumerate(header):
            columns[j].append(_cell(row.get(name), name, number))
    return header, columns


def _name(key: object) -> str:
    if not isinstance(key, str):
        raise InputError(f"{SHOWN}: column name {key!r} is not text")
    return key


def _cells(name: str, column: object) -> list[str]:
    if isinstance(column, str | bytes) or not isinstance(column, Sequence):
        raise InputError(f"{SHOWN}: column {name!r} is not a list of cell texts")
    return [_cell(cell, name, number) for number, cell in enumerate(column, start=2)]


def _cell(cell: object, name: str, row: int) -> str:
    if cell is None:
        return ""
    if not isinstance(cell, str):
        raise InputError(f"{SHOWN}: row {row}, column {name!r}: {cell!r} is a "
                         f"{type(cell).__name__}, not text; give cells as they are written "
                         "(e.g. '0.3', '<0.5', '2026-03-07') so that exoqc reads them")
    return cell
