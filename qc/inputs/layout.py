"""Where a lab export's table is: which row holds the header, which headers are the
spec's columns (the site column map), and which rows under the data are not batches.

Real exports put a title above the header (`QC results, lot series 2026`), a group row
over the names, and a `Mean` row, notes or a sign-off under the data. The readers
(qc/inputs/read.py for CSV, qc/inputs/excel.py) give this module the rows as text; it
decides the structure, never a verdict: every cell of a batch row is still judged by
the engine, and every row it sets aside is named in the report.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence

import msgspec

from qc.errors import InputError
from qc.model import header_key
from qc.text import prose, summary_word

SEARCHED = 20  # rows searched for the header when the first row does not hold it
SHOWN_TEXT = 40  # characters of a set-aside row's text quoted in a note


class Layout(msgspec.Struct, frozen=True):
    """What the readers need from the spec and the command line to find the table.

    `wanted`: the header keys of the columns the spec's required checks read; `columns`:
    the site column map, lab header -> spec column (keys compared by header_key);
    `header_row`: the spreadsheet row of the header (--header-row), None to find it;
    `id_pattern`: the regex of the spec's id-format check, if it has one."""

    id_column: str = "batch_id"
    wanted: tuple[str, ...] = ()
    id_pattern: str | None = None
    header_row: int | None = None
    columns: Mapping[str, str] = msgspec.field(default_factory=dict)
    encoding: str | None = None
    set_aside: bool = True  # set aside rows under the data (batch files, not --join files)

    def key(self, header: str) -> str:
        """A file header's key after the column map (`Batch No` -> batch_id)."""
        key = header_key(header)
        mapped = self.mapped.get(key)
        return header_key(mapped) if mapped is not None else key

    @property
    def mapped(self) -> dict[str, str]:
        return {header_key(k): v for k, v in self.columns.items()}

    def holds_header(self, cells: Sequence[str]) -> bool:
        """The row holds the id column and at least half of the wanted columns."""
        keys = {self.key(c) for c in cells if c.strip()}
        if header_key(self.id_column) not in keys:
            return False
        wanted = set(self.wanted)
        return 2 * len(wanted & keys) >= len(wanted)

    def looks_like_id(self, text: str) -> bool:
        if self.id_pattern is None:
            return False
        try:
            return re.fullmatch(self.id_pattern, text.strip()) is not None
        except re.error:
            return False


class Header(msgspec.Struct, frozen=True):
    """The header found in one file: its spreadsheet row and the non-empty rows above it
    (row number, first text), which are not read."""

    row: int
    above: tuple[tuple[int, str], ...] = ()


class NotBatch(msgspec.Struct, frozen=True):
    """A row under the data that is not a batch: a summary, a note or a sign-off."""

    input: str
    row: int
    text: str


def find_header(rows: Sequence[Sequence[str]], layout: Layout, shown: str,
                first: int = 1) -> Header:
    """The header among `rows` (spreadsheet rows `first`, `first + 1`, ...): the row given
    by --header-row, else the first row if it holds the id column, else the first of the
    first SEARCHED rows that holds the id column and half the wanted columns, else the
    first non-empty row (whose missing columns the engine names)."""
    filled = [(first + i, list(r)) for i, r in enumerate(rows) if any(c.strip() for c in r)]
    if layout.header_row is not None:
        index = layout.header_row - first
        if not 0 <= index < len(rows) or not any(c.strip() for c in rows[index]):
            raise InputError(f"{shown}: --header-row {layout.header_row}: the row is empty "
                             "or beyond the end of the file")
        return _checked(Header(layout.header_row, _above(filled, layout.header_row)), filled,
                        layout, shown)
    if not filled:
        return Header(first)
    top_row, top = filled[0]
    if header_key(layout.id_column) in {layout.key(c) for c in top}:
        return Header(top_row, _above(filled, top_row))
    for row, cells in filled:
        if row - first >= SEARCHED:
            break
        if layout.holds_header(cells):
            return _checked(Header(row, _above(filled, row)), filled, layout, shown)
    return Header(top_row, _above(filled, top_row))


# a result as a cell holds it: `120`, `<0.5`, `3.4E+11`, `0,092 µm`
_NUMBER = re.compile(r"[<>≤≥]?=?\s*[-+\u2212]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][-+]?\d+)?"
                     r"\s*\S{0,8}")


def _checked(header: Header, filled: Sequence[tuple[int, Sequence[str]]], layout: Layout,
             shown: str) -> Header:
    """The header, unless a row above it looks like a batch: a cell matching the spec's id
    pattern, or results: two or more numbers among three or more values, or a value for
    every column of the header, at least half of them numbers (`B1,112` above
    `batch_id,size`). Such a row would be ignored, and a batch is never dropped silently:
    InputError naming it."""
    width = next((sum(1 for c in cells if c.strip()) for row, cells in filled
                  if row == header.row), 0)
    for row, cells in filled:
        if row >= header.row:
            break
        values = [c.strip() for c in cells if c.strip()]
        ident = next((v for v in values if layout.looks_like_id(v)), None)
        numbers = sum(1 for v in values if _NUMBER.fullmatch(v))
        as_wide = len(values) >= max(width, 2) and 2 * numbers >= len(values)
        if ident is not None or (len(values) >= 3 and numbers >= 2) or as_wide:
            what = (f"batch id {ident!r}" if ident is not None
                    else f"results ({_first_text(cells)!r}, ...)")
            raise InputError(f"{shown}: row {row} above the header (row {header.row}) holds "
                             f"{what}: a batch is never ignored; move it below the header "
                             "or remove it")
    return header


def checked_header(header: Header, rows: Sequence[Sequence[str]], layout: Layout,
                   shown: str, first: int = 1) -> Header:
    """The header, unless a row above it holds a batch id or results (see _checked);
    `rows` are spreadsheet rows `first`, `first + 1`, ..."""
    filled = [(first + i, list(r)) for i, r in enumerate(rows) if any(c.strip() for c in r)]
    return _checked(header, filled, layout, shown)


def _above(filled: Sequence[tuple[int, Sequence[str]]], row: int) -> tuple[tuple[int, str], ...]:
    return tuple((r, _first_text(cells)) for r, cells in filled if r < row)


def _first_text(cells: Sequence[str]) -> str:
    text = next((c.strip() for c in cells if c.strip()), "")
    return text if len(text) <= SHOWN_TEXT else text[:SHOWN_TEXT - 1] + "…"


def header_note(shown: str, header: Header) -> str | None:
    """The note for a header that is not on row 1, or None."""
    if header.row == 1 and not header.above:
        return None
    note = f"{shown}: header on row {header.row}"
    if header.above:
        listed = ", ".join(f"row {r} ({t!r})" for r, t in header.above)
        note += f"; ignored above it: {listed}"
    return note


def trailing(count: int, row_cells: Callable[[int], Sequence[str]], id_index: int | None,
             layout: Layout) -> int:
    """How many of the last rows (indices count-1, count-2, ...) are not batches: scanning
    up from the bottom, a row whose id cell is a summary or signature word, or whose only
    value is prose in its first cell; the first batch-like row stops the scan. None when
    the header has no id column (the engine then names the missing column)."""
    if id_index is None or not layout.set_aside:
        return 0  # no id column: not the spec's table, nothing to set aside
    k = 0
    while k < count:
        if not_batch_text(row_cells(count - 1 - k), id_index, layout) is None:
            break
        k += 1
    return k


def not_batch_text(cells: Sequence[str], id_index: int | None, layout: Layout) -> str | None:
    """What a row under the data says when it is not a batch (its id cell or its first
    cell), else None. A cell that matches the spec's id pattern is always a batch id."""
    ident = cells[id_index].strip() if id_index is not None and id_index < len(cells) else ""
    if ident and not layout.looks_like_id(ident) and (word := summary_word(ident)) is not None:
        return ident if _summary_like(word, cells, id_index) else None
    values = [c for c in cells if c.strip()]
    first = cells[0].strip() if cells else ""
    if not ident and first and not layout.looks_like_id(first) and (word := summary_word(first)):
        # `Mean` written in column A beside an empty id column
        return first if _summary_like(word, cells, 0) else None
    if len(values) == 1 and first and prose(first) and not layout.looks_like_id(first):
        return first
    return None


STATISTICS = ("mean", "average", "total", "sd", "%cv", "n")  # the rest are notes, sign-offs


def _summary_like(word: str, cells: Sequence[str], at: int | None) -> bool:
    """Whether the rest of a row that starts with a summary word holds what such a row
    holds: numbers only after a statistic (`Mean`, `SD`, `n`), at most two values (a name,
    a date) after a note or sign-off. A row with results in it (`Total, ..., No growth,
    Positive`) is kept as a batch row, where the id check finds it invalid: a row with
    results is never set aside unjudged."""
    rest = [c.strip() for j, c in enumerate(cells) if j != at and c.strip()]
    if word.casefold() in STATISTICS:
        return all(_NUMBER.fullmatch(v) for v in rest)
    return len(rest) <= 2


def not_batch_notes(found: Sequence[NotBatch], several: bool) -> tuple[str, ...]:
    """One note per row set aside: `not a batch: row 14 ('Mean')`."""
    return tuple(f"not a batch: {f.input + ' ' if several else ''}row {f.row} "
                 f"({_short(f.text)!r})" for f in found)


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SHOWN_TEXT else text[:SHOWN_TEXT - 1] + "…"
