"""Read-only text columns for the report, without a million Python strings up front.

A report holds each check's cell text and message for every batch. Turning a million
Arrow strings into a Python list costs more than judging them, and `--quiet` never
reads them, so for cell-wise rules the engine hands out this sequence instead:

- `CodedText`: a column stored as its distinct texts plus one code per row, the shape
  the engine judges cell-wise rules in (a lab column has few distinct values). The JSON
  report renders each distinct (text, message) once and spreads it to the rows.

It behaves as `Sequence[str | None]` and compares equal to a list with the same items.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, overload

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from qc.engine.arrowbuf import text_scalar, to_numpy


class _Column(Sequence[str | None]):
    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, str):
            return NotImplemented
        return len(self) == len(other) and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        head = ", ".join(repr(v) for v in self[:5])
        return f"{type(self).__name__}([{head}{', ...' if len(self) > 5 else ''}], n={len(self)})"


class CodedText(_Column):
    """Row i holds `distinct[codes[i]]`."""

    __slots__ = ("_objects", "codes", "distinct")

    def __init__(self, codes: npt.NDArray[np.intp], distinct: Sequence[str | None]) -> None:
        self.codes = codes
        self.distinct = distinct
        objects = np.empty(len(distinct), dtype=object)
        objects[:] = list(distinct)
        self._objects: npt.NDArray[np.object_] = objects

    def __len__(self) -> int:
        return len(self.codes)

    @overload
    def __getitem__(self, index: int) -> str | None: ...

    @overload
    def __getitem__(self, index: slice) -> list[str | None]: ...

    def __getitem__(self, index: int | slice) -> str | list[str | None] | None:
        if isinstance(index, slice):
            return self._objects[self.codes[index]].tolist()  # type: ignore[no-any-return]
        return self.distinct[int(self.codes[index])]

    def __iter__(self) -> Iterator[str | None]:
        return iter(self._objects[self.codes].tolist())

    def take_distinct(self, values: Sequence[Any]) -> npt.NDArray[np.object_]:
        """`values` (one per distinct text) spread to the rows, as an object array."""
        objects = np.empty(len(values), dtype=object)
        objects[:] = list(values)
        return objects[self.codes]


def distinct(column: pa.Array | pa.ChunkedArray) -> tuple[npt.NDArray[np.intp], pa.Array]:
    """(codes, distinct): each row's index into the column's distinct values (nulls read as
    empty text), in order of first appearance."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
    if column.null_count:
        column = column.fill_null(text_scalar(""))
    encoded = column.dictionary_encode()
    codes = to_numpy(encoded.indices).astype(np.intp, copy=False)
    return codes, encoded.dictionary
