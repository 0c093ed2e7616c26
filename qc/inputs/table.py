"""`Table`: the engine's one input type, the batches of every input file as text columns."""

from __future__ import annotations

import msgspec
import numpy as np
import numpy.typing as npt
import pyarrow as pa

from qc.inputs.layout import NotBatch
from qc.model import InputFile


class Table(msgspec.Struct, frozen=True, eq=False):
    """The batches of every input, in file order then row order."""

    inputs: tuple[InputFile, ...]
    columns: dict[str, pa.ChunkedArray]  # header_key -> cells (null where a file lacks it)
    present: dict[str, frozenset[int]]  # header_key -> the inputs that have the column
    duplicated: dict[str, str]  # header_key -> where it appears twice, for the error message
    rows: npt.NDArray[np.int64]
    input_index: npt.NDArray[np.int64]
    joined: tuple[InputFile, ...] = ()  # files whose columns were joined on (qc/inputs/join.py)
    # header_key -> {cell index: why}: Excel cells with no value to judge (a formula never
    # calculated, an error value such as #N/A); the engine judges them invalid.
    broken: dict[str, dict[int, str]] = msgspec.field(default_factory=dict)
    # Rows under the data that are not batches (a `Mean` row, notes, a sign-off), and a
    # note per file whose header is not row 1 (qc/inputs/layout.py).
    not_batches: tuple[NotBatch, ...] = ()
    header_notes: tuple[str, ...] = ()
    # A note per workbook naming its other sheets that hold values: exoqc reads one sheet.
    sheet_notes: tuple[str, ...] = ()
    # header_key -> {input index: unit}: the unit in brackets at the end of the header
    # (`Mean size (µm)`), the unit of that column's unit-less numbers in that input.
    units: dict[str, dict[int, str]] = msgspec.field(default_factory=dict)
    headers: dict[str, str] = msgspec.field(default_factory=dict)  # header_key -> as written

    def __len__(self) -> int:
        return len(self.rows)
