"""Read one sheet of an Excel workbook (.xlsx, .xlsm) as the text a technician sees.

The reader is python-calamine (Rust): it imports in milliseconds and reads a 10,000-row
sheet about ten times faster than openpyxl (see docs/ci.md, "Excel inputs"). This module
is imported only when an Excel file is read, never on CSV runs.

Cells become text: the integer 85 is `85` (not `85.0`), other numbers the 15 significant
digits Excel shows (`=0.7-0.2` is `0.5`, not `0.49999999999999994`), booleans
`true`/`false`, dates `2026-03-07` (a date-time at midnight is a date), empty cells empty.
A formula cell shows its cached value, the one Excel computed when the file was saved. A
formula with no cached value (a workbook written by a program and never opened in Excel)
and an error value (`#N/A`) both read as empty through calamine, so when a sheet has
formulas or error cells its XML is scanned for them: those cells are reported so the
engine judges them `invalid`, never `missing` and never a pass. So are the cells of a
range merged over several batch rows: one result never stands for several batches.

A number cell whose number format is a percentage (`0%`, `0.0%`) reads as Excel shows it,
`12%` for a stored 0.12 (the styles are read from the workbook's XML; calamine gives
values only). A header cell merged across columns whose covered columns hold values is
refused: those columns would have no header and their results would never be judged.

Without --sheet the sheet Excel opens is judged, but a workbook where more than one
visible sheet holds the spec's id column is refused: a batch is never silently unread.
Every other sheet holding a value, hidden or not, is named (Sheet.unread) for a note.
"""

from __future__ import annotations

import datetime as dt
import io
import posixpath
import re
import zipfile
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from xml.etree.ElementTree import Element, ParseError, iterparse
from xml.sax.saxutils import unescape

import msgspec
from msgspec.structs import replace

from qc.errors import InputError
from qc.inputs.layout import (
    Header,
    Layout,
    NotBatch,
    checked_header,
    find_header,
    not_batch_text,
    trailing,
)

if TYPE_CHECKING:
    from python_calamine import CalamineWorkbook

_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_STRICT_REL_NS = "http://purl.oclc.org/ooxml/officeDocument/relationships"
# A formula element, or an error-typed cell (t="e"): the only cells calamine misreads.
_INTEREST = re.compile(rb"<(?:\w+:)?f[\s/>]|\st\s*=\s*[\"']e[\"']")
_SHEET_DATA = re.compile(rb"<(?:\w+:)?sheetData[\s>]")
_C_OPEN = re.compile(rb"<(?:\w+:)?c[\s/>]")
_C_CLOSE = re.compile(rb"</(?:\w+:)?c\s*>")
_REF_ATTR = re.compile(rb"\sr\s*=\s*[\"']([A-Z]+[0-9]+)[\"']")
_TYPE_ATTR = re.compile(rb"\st\s*=\s*[\"'](\w+)[\"']")
_F = re.compile(rb"<(?:\w+:)?f\b[^>]*?(?:/>|>(.*?)</(?:\w+:)?f\s*>)", re.S)
_V = re.compile(rb"<(?:\w+:)?v\b[^>]*?(?:/>|>(.*?)</(?:\w+:)?v\s*>)", re.S)
_CELL_REF = re.compile(r"([A-Z]+)([0-9]+)")


class Sheet(msgspec.Struct, frozen=True):
    """The non-empty rows of a sheet as text, below its header row.

    `rows[i]` is the spreadsheet row number of `cells[i]`. `broken` maps (index into
    cells, column index) to why a cell cannot be judged: a formula with no cached value
    or an Excel error value (`#N/A`, `#DIV/0!`), which calamine both reads as empty.
    """

    name: str
    hidden: str | None  # "hidden" or "very hidden" when the sheet read is not visible
    header: list[str]
    header_row: int
    cells: list[list[str]]
    rows: list[int]
    broken: dict[tuple[int, int], str]
    above: tuple[tuple[int, str], ...] = ()  # non-empty rows above the header, not read
    not_batches: tuple[NotBatch, ...] = ()  # rows under the data that are not batches
    unread: tuple[str, ...] = ()  # the other sheets holding values: `'Old' (hidden)`


# What exoqc says about a cell that holds no value it can judge.
UNCALCULATED = ("formula with no cached value: open the workbook in Excel and save it, or "
                "export the values")
EXCEL_ERROR = "Excel error value {}: the formula could not be calculated"


def cell_text(value: object) -> str:
    """A cell value as a technician sees it in Excel (before number formats)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _number_text(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds" if value.microsecond == 0
                               else "microseconds")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    return str(value)


def _number_text(value: float) -> str:
    """A number as Excel shows it at full precision: 15 significant digits, so the double
    that `=0.7-0.2` leaves (0.49999999999999994) reads 0.5, as Excel shows and exports it,
    and fails `< 0.5` as the CSV export does. Integers stay integers (`85`, not `85.0`);
    very large or small values keep an exponent (`2.5e+20`, `1e-05`), which the engine
    reads as numbers."""
    text = format(value, ".15g")
    if "e" in text or "n" in text:  # exponent, or inf/nan (never in a cell)
        return text
    return "0" if text == "-0" else text


def read_sheet(raw: bytes, shown: str, sheet: str | None,
               layout: Layout | None = None) -> Sheet:
    """The sheet named (matched as Excel does, ignoring case), or else the one Excel opens:
    the active sheet if it is visible, else the first visible one. A hidden or very hidden
    sheet is read only when named. InputError names the file and the problem."""
    import python_calamine

    try:
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(raw))
    except python_calamine.PasswordError:
        raise InputError(f"{shown}: the workbook is password-protected") from None
    except Exception as exc:  # calamine raises several unrelated types for a broken file
        raise InputError(f"{shown}: cannot read as an Excel workbook: {_one_line(exc)}"
                         ) from None
    names = list(book.sheet_names)
    if not names:
        raise InputError(f"{shown}: the workbook has no sheets")
    states, active = _sheet_states(raw, shown, len(names))
    layout = layout or Layout(header_row=1, set_aside=False)
    if sheet is None:
        index = _opened(states, active)
        if index is None:
            raise InputError(f"{shown}: every sheet is hidden; name the one to judge with "
                             "--sheet")
        name = names[index]
        _refuse_several(book, names, states, shown, layout)
    elif sheet in names:
        index, name = names.index(sheet), sheet
    elif [n.casefold() for n in names].count(sheet.casefold()) == 1:  # Excel ignores case
        index = [n.casefold() for n in names].index(sheet.casefold())
        name = names[index]
    else:
        raise InputError(f"{shown}: no sheet {sheet!r}; the sheets are: "
                         + ", ".join(repr(n) for n in names))
    try:
        found = book.get_sheet_by_index(index)
        grid = found.to_python(skip_empty_area=False)
        merged = list(found.merged_cell_ranges or ())
    except Exception as exc:
        raise InputError(f"{shown}: sheet {name!r}: cannot read: {_one_line(exc)}") from None
    pending = _broken_cells(raw, shown, index)
    grid = _as_percent(grid, _percent_cells(raw, shown, index))
    state = states[index]
    got = _table(grid, shown, name, pending, None if state == "visible" else state,
                 layout=layout, merged=merged)
    return replace(got, unread=_unread(book, names, states, index, shown))


def _unread(book: CalamineWorkbook, names: Sequence[str], states: Sequence[str], index: int,
            shown: str) -> tuple[str, ...]:
    """The other sheets that hold any value, each named as `'Old' (hidden)` or `'Summary'`:
    exoqc judges one sheet per run, and a batch on another sheet, hidden or not, is never
    left unread without a word. Empty sheets (Excel's `Sheet2`) are not named."""
    out = []
    for i, other in enumerate(names):
        if i == index:
            continue
        try:
            filled = book.get_sheet_by_index(i).height > 0
        except Exception as exc:
            raise InputError(f"{shown}: sheet {other!r}: cannot read: {_one_line(exc)}"
                             ) from None
        if filled:
            out.append(repr(other) + ("" if states[i] == "visible" else f" ({states[i]})"))
    return tuple(out)


def _refuse_several(book: CalamineWorkbook, names: Sequence[str], states: Sequence[str], shown: str,
                    layout: Layout) -> None:
    """InputError when more than one visible sheet holds the spec's id column in its
    header: without --sheet exoqc would judge one and leave the batches of the others
    unread, and nothing would say so. Hidden sheets are not counted (Excel does not show
    them; they are judged only when --sheet names them)."""
    visible = [i for i, state in enumerate(states) if state == "visible"]
    if len(visible) < 2:
        return
    holding = []
    for i in visible:
        try:
            found = book.get_sheet_by_index(i)
            grid = found.to_python(skip_empty_area=False)
            merged = list(found.merged_cell_ranges or ())
        except Exception as exc:
            raise InputError(f"{shown}: sheet {names[i]!r}: cannot read: {_one_line(exc)}"
                             ) from None
        if _holds_id(_filled(_texts(grid), merged), layout, f"{shown}: sheet {names[i]!r}"):
            holding.append(names[i])
    if len(holding) > 1:
        raise InputError(f"{shown}: {len(holding)} visible sheets hold the id column "
                         f"{layout.id_column!r} (" + ", ".join(repr(n) for n in holding)
                         + "); exoqc judges one sheet per run: name it with --sheet")


def _holds_id(texts: Sequence[Sequence[str]], layout: Layout, where: str) -> bool:
    """Whether the header exoqc would find in this sheet holds the spec's id column."""
    from qc.model import header_key

    if layout.header_row is not None:
        row = texts[layout.header_row - 1] if layout.header_row <= len(texts) else []
    else:
        try:
            at = find_header(texts, layout, where).row
        except InputError:
            return True  # only raised for a row above a header holding the id column
        row = texts[at - 1] if at <= len(texts) else []
    return header_key(layout.id_column) in {layout.key(c) for c in row if c.strip()}


def _sheet_states(raw: bytes, shown: str, count: int) -> tuple[list[str], int]:
    """Each sheet's state ("visible", "hidden", "very hidden"), in workbook order, and the
    index of the active sheet (the tab Excel opens), from xl/workbook.xml."""
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as zf:
            book = _parse(zf.read("xl/workbook.xml"))
    except (zipfile.BadZipFile, KeyError, ParseError, OSError) as exc:
        raise InputError(f"{shown}: cannot read as an Excel workbook: {_one_line(exc)}"
                         ) from None
    sheets = [el for el in book.iter() if _local(el.tag) == "sheet"]
    names = {"hidden": "hidden", "veryHidden": "very hidden"}
    states = [names.get(el.get("state") or "visible", "visible") for el in sheets]
    if len(states) != count:  # not the sheets calamine lists: trust neither
        raise InputError(f"{shown}: cannot read as an Excel workbook: its sheet list is "
                         "inconsistent")
    view = next((el for el in book.iter() if _local(el.tag) == "workbookView"), None)
    tab = view.get("activeTab", "0") if view is not None else "0"
    active = int(tab) if tab.isdigit() and int(tab) < count else 0
    return states, active


def _opened(states: Sequence[str], active: int) -> int | None:
    """The sheet Excel shows on opening: the active one if visible, else the first visible."""
    if states[active] == "visible":
        return active
    return next((i for i, state in enumerate(states) if state == "visible"), None)


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


Merge = tuple[tuple[int, int], tuple[int, int]]  # ((row, col), (row, col)), 0-based


def _table(grid: Sequence[Sequence[object]], shown: str, name: str,
           pending: dict[tuple[int, int], tuple[str, str]], hidden: str | None = None, *,
           layout: Layout | None = None, merged: Sequence[Merge] = ()) -> Sheet:
    """Header = the row qc/inputs/layout.py finds (a header cell merged down over a
    two-row header counts in its lowest row); every later non-empty row is a batch, but
    for the rows under the data that are not batches."""
    layout = layout or Layout(header_row=1, set_aside=False)
    raw = _texts(grid)
    shown_rows = _filled(raw, merged)
    at = _header_at(shown_rows, shown, name, layout, merged, raw)
    # Merged cells are filled (as Excel shows them) in the title, group and name rows
    # only; in the data rows each cell is read as stored, then a range merged over
    # several batch rows is judged invalid below.
    texts = shown_rows[:at.row] + raw[at.row:]
    _refuse_merged_header(texts, at.row, pending, merged, shown, name)
    header: list[str] | None = None
    header_row = 0
    cells: list[list[str]] = []
    rows: list[int] = []
    broken: dict[tuple[int, int], str] = {}
    by_row: dict[int, list[int]] = {}
    for r, c in pending:
        by_row.setdefault(r, []).append(c)
    for r, row in enumerate(texts, start=1):
        marks = by_row.get(r, [])
        if r < at.row:
            continue
        if header is None:
            if r == at.row and (any(row) or marks):
                if marks:
                    raise InputError(f"{shown}: sheet {name!r}: header cell "
                                     f"{_ref(r, marks[0])}: {pending[(r, marks[0])][1]}")
                header = _trim(row)
                header_row = r
            continue
        if not any(row) and not marks:
            continue
        width = len(header)
        # beyond the header, or under an empty header cell inside it: read under no name
        unnamed = [c for c in range(len(row)) if c >= width or not header[c].strip()]
        extra = next((c for c in unnamed if row[c]), None)
        if extra is None:
            extra = next((c for c in marks if c >= width or not header[c].strip()), None)
        if extra is not None:
            raise InputError(f"{shown}: sheet {name!r}: cell {_ref(r, extra)} has a value but "
                             "its column has no header")
        row = (row + [""] * width)[:width]
        for c in marks:
            # Shown as what it is (the formula, the error), judged invalid by the engine.
            row[c], broken[(len(cells), c)] = pending[(r, c)]
        cells.append(row)
        rows.append(r)
    if header is None:
        raise InputError(f"{shown}: sheet {name!r} is empty")
    keys = [layout.key(h) for h in header]
    from qc.model import header_key

    want = header_key(layout.id_column)
    id_index = keys.index(want) if want in keys else None
    cut = trailing(len(cells), lambda i: cells[i], id_index, layout)
    if any(i >= len(cells) - cut for i, _ in broken):
        cut = 0  # a broken cell is never set aside: its row stays a batch, judged invalid
    aside = tuple(NotBatch(shown, rows[i], not_batch_text(cells[i], id_index, layout) or "")
                  for i in range(len(cells) - cut, len(cells)))
    if cut:
        cells, rows = cells[:-cut], rows[:-cut]
    _mark_merged(cells, rows, broken, raw, merged, len(header))
    if not cells and aside:
        raise InputError(f"{shown}: sheet {name!r}: no batch rows below the header")
    return Sheet(name, hidden, header, header_row, cells, rows, broken, at.above, aside)


def _refuse_merged_header(texts: Sequence[Sequence[str]], header_row: int,
                          pending: dict[tuple[int, int], tuple[str, str]],
                          merged: Sequence[Merge], shown: str, name: str) -> None:
    """InputError for a header cell merged across columns whose covered columns hold
    values below it: Excel shows one header over both (two replicates under
    `endotoxin_eu_per_ml`), but a column has one header, so the covered columns would be
    read without one and their results never judged. Empty covered columns (a wide
    header cell for looks) are fine."""
    at = header_row - 1
    for (r1, c1), (r2, c2) in merged:
        if c2 <= c1 or not r1 <= at <= r2:
            continue
        covered = range(c1 + 1, c2 + 1)
        held = any(c < len(row) and row[c] for row in texts[header_row:] for c in covered)
        if held or any(r > header_row and c in covered for r, c in pending):
            top = texts[r1][c1] if r1 < len(texts) and c1 < len(texts[r1]) else ""
            raise InputError(
                f"{shown}: sheet {name!r}: header {top!r} is merged over columns "
                f"{_letters(c1)}-{_letters(c2)}, which hold values: give each result its own "
                "column or use replicates in one cell")


def _texts(grid: Sequence[Sequence[object]]) -> list[list[str]]:
    return [[v.strip() if type(v) is str else cell_text(v) for v in row] for row in grid]


def _filled(texts: list[list[str]], merged: Sequence[Merge]) -> list[list[str]]:
    """The rows with a cell merged over several rows (`Batch ID` over a two-row header)
    shown in every row it covers, as Excel shows it; only vertical merges are filled.
    Used for the header rows only (see _mark_merged for the data rows). `texts` is not
    changed (and is returned as it is when nothing is merged over rows)."""
    if not any(r2 > r1 for (r1, _), (r2, _) in merged):
        return texts
    out = [list(row) for row in texts]
    for (r1, c1), (r2, c2) in merged:
        if r2 <= r1 or r1 >= len(out):
            continue
        top = out[r1]
        for c in range(c1, c2 + 1):
            value = top[c] if c < len(top) else ""
            for r in range(r1 + 1, min(r2, len(out) - 1) + 1):
                row = out[r]
                if c < len(row) and not row[c]:
                    row[c] = value
    return out


MERGED = "merged over rows {}-{}: one result cannot stand for several batches"
COVERED = ("hidden under the merged cell {}, which Excel shows instead: a value Excel does "
           "not show is never judged")


def _mark_merged(cells: list[list[str]], rows: Sequence[int],
                 broken: dict[tuple[int, int], str], raw: Sequence[Sequence[str]],
                 merged: Sequence[Merge], width: int) -> None:
    """Each cell of a range merged over two or more batch rows, its top-left cell and the
    cells it covers alike, becomes invalid: Excel shows the top-left value over rows
    that hold no result of their own (filling it down would pass batches that were never
    tested), and a program can leave other values in the covered cells, which Excel does
    not show. The cell shows the merged value; an already broken cell keeps its reason.
    In a range over one batch row (across columns), a covered cell that holds a value (a
    program wrote it; Excel empties them) is invalid: Excel shows the top-left value there."""
    at = {row: i for i, row in enumerate(rows)}
    for (r1, c1), (r2, c2) in merged:
        batches = [at[r] for r in range(r1 + 1, r2 + 2) if r in at]
        top = raw[r1] if r1 < len(raw) else []
        value = top[c1] if c1 < len(top) else ""
        if len(batches) == 1:
            i = batches[0]
            for c in range(c1, min(c2, width - 1) + 1):
                if (rows[i] - 1, c) != (r1, c1) and cells[i][c] and (i, c) not in broken:
                    cells[i][c] = value
                    broken[(i, c)] = COVERED.format(_ref(r1 + 1, c1))
        if len(batches) < 2:
            continue
        why = MERGED.format(r1 + 1, r2 + 1)
        for i in batches:
            for c in range(c1, min(c2, width - 1) + 1):
                if (i, c) not in broken:
                    cells[i][c] = value
                    broken[(i, c)] = why


def _header_at(texts: list[list[str]], shown: str, name: str, layout: Layout,
               merged: Sequence[Merge], raw: Sequence[Sequence[str]]) -> Header:
    """The header found, moved down to the lowest row of a two-row header (the name row
    under the group row: the rows its vertically merged cells cover)."""
    where = f"{shown}: sheet {name!r}"
    found = find_header(texts, layout, where)
    lowest = found.row
    for (r1, _), (r2, _) in merged:
        if r1 + 1 == found.row and r2 > r1:
            lowest = max(lowest, r2 + 1)
    if lowest == found.row or layout.header_row is not None:
        return found
    extra = tuple((r, next((c for c in texts[r - 1] if c), ""))
                  for r in range(found.row, lowest) if any(texts[r - 1]))
    # The rows the merged cell pulls into the header are above it too: a row there with
    # a batch id or results is refused, as above any header (never ignored). Its cells
    # are judged as stored, without the merged header cell's text.
    return checked_header(replace(found, row=lowest, above=found.above + extra), raw,
                          layout, where)


def _trim(header: list[str]) -> list[str]:
    """The header without its empty cells on the right."""
    end = len(header)
    while end and not header[end - 1]:
        end -= 1
    return header[:end]


def _ref(row: int, col: int) -> str:
    return f"{_letters(col)}{row}"


def _letters(col: int) -> str:
    """A 0-based column index as Excel names it: 0 is A, 26 is AA."""
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(ord("A") + rem) + letters
    return letters


def _col(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - ord("A") + 1
    return n - 1


# --- cells calamine reads as empty but that are not ---------------------------------------


def _broken_cells(raw: bytes, shown: str, index: int) -> dict[tuple[int, int], tuple[str, str]]:
    """{(row, column index): (text shown, why)} for the cells of sheet `index` that hold
    no value to judge although calamine reads them as empty: formulas with no cached
    value (Excel always stores the value it computed; a program that writes formulas,
    such as openpyxl, pandas or a LIMS exporter, stores none) and error values."""
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as zf:
            part = _sheet_part(zf, index)
            if part is None:
                return {}
            data = zf.read(part)
    except (zipfile.BadZipFile, KeyError, ParseError, OSError) as exc:
        raise InputError(f"{shown}: cannot read as an Excel workbook: {_one_line(exc)}"
                         ) from None
    if not _INTEREST.search(data):
        return {}  # the common case: plain values, no need to look further
    try:
        return dict(_scan(data))
    except ParseError as exc:
        raise InputError(f"{shown}: cannot read as an Excel workbook: {_one_line(exc)}"
                         ) from None


# --- numbers shown as a percentage ----------------------------------------------------------

_PERCENT_IDS = frozenset({9, 10})  # Excel's built-in `0%` and `0.00%`
_QUOTED = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]')  # "text", \x and [colour] in a format code
_STYLED = re.compile(rb"\ss\s*=\s*[\"'](\d+)[\"']")


def _percent_styles(zf: zipfile.ZipFile) -> frozenset[int]:
    """The cell style indices (the `s` of a cell) whose number format shows a percentage:
    `0%`, `0.0%`, or any custom format with a `%` that is not quoted text."""
    try:
        data = zf.read(_styles_part(zf))
    except KeyError:
        return frozenset()
    root = _parse(data)
    percent = set(_PERCENT_IDS)
    for el in root.iter():
        if _local(el.tag) == "numFmt":
            code = _QUOTED.sub("", el.get("formatCode") or "")
            number = el.get("numFmtId") or ""
            if "%" in code and number.isdigit():
                percent.add(int(number))
    xfs = next((el for el in root.iter() if _local(el.tag) == "cellXfs"), None)
    if xfs is None:
        return frozenset()
    styles = [el for el in xfs if _local(el.tag) == "xf"]
    return frozenset(i for i, el in enumerate(styles)
                     if (el.get("numFmtId") or "0").isdigit()
                     and int(el.get("numFmtId") or "0") in percent)


def _styles_part(zf: zipfile.ZipFile) -> str:
    """The zip member holding the styles, found through the workbook's relations."""
    try:
        rels = _parse(zf.read("xl/_rels/workbook.xml.rels"))
    except KeyError:
        return "xl/styles.xml"
    for rel in rels.iter():
        if _local(rel.tag) == "Relationship" and rel.get("Type", "").endswith("/styles"):
            target = rel.get("Target", "")
            if target.startswith("/"):
                return target.lstrip("/")
            return posixpath.normpath(posixpath.join("xl", target))
    return "xl/styles.xml"


def _percent_cells(raw: bytes, shown: str, index: int) -> set[tuple[int, int]]:
    """{(row, column index)} of the number cells of sheet `index` that Excel shows as a
    percentage (a stored 0.12 shown as `12%`). Text, boolean and error cells are left out:
    a percent format changes how a number is shown only."""
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as zf:
            styles = _percent_styles(zf)
            if not styles:
                return set()  # the common case: no percent format in the workbook
            part = _sheet_part(zf, index)
            if part is None:
                return set()
            data = zf.read(part)
    except (zipfile.BadZipFile, KeyError, ParseError, OSError) as exc:
        raise InputError(f"{shown}: cannot read as an Excel workbook: {_one_line(exc)}"
                         ) from None
    begin = _SHEET_DATA.search(data)
    if begin is None:
        return set()
    found: set[tuple[int, int]] = set()
    stop = data.rfind(b"sheetData")
    for hit in _STYLED.finditer(data, begin.end(), stop):
        if int(hit.group(1)) not in styles:
            continue
        start = data.rfind(b"<", 0, hit.start())
        if not _C_OPEN.match(data, start):
            continue  # a row's style (<row s="3">), not a cell's
        head = data[start:data.find(b">", start)]
        ref = _REF_ATTR.search(head)
        where = _CELL_REF.fullmatch(ref.group(1).decode("ascii")) if ref else None
        kind = _TYPE_ATTR.search(head)
        if where is None:
            raise InputError(f"{shown}: a cell shown as a percentage has no reference; "
                             "open the workbook in Excel and save it")
        if kind is None or kind.group(1) == b"n":
            found.add((int(where.group(2)), _col(where.group(1))))
    return found


def _as_percent(grid: list[list[Any]], cells: set[tuple[int, int]]) -> list[list[Any]]:
    """The grid with each number cell of `cells` as Excel shows it: 0.12 as the text `12%`
    (the number times 100 at the 15 significant digits Excel shows, so 0.07 is `7%`, not
    `7.000000000000001%`), which the engine reads as 12 % as in the CSV export."""
    for r, c in cells:
        row = grid[r - 1] if 0 < r <= len(grid) else None
        if row is None or c >= len(row):
            continue
        value = row[c]
        if type(value) in (int, float):
            row[c] = _percent_text(value)
    return grid


def _percent_text(value: float) -> str:
    shown = Decimal(_number_text(float(value))) * 100
    if not shown.is_finite():
        return f"{value}"
    return format(shown.normalize(), "f") + "%"


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _sheet_part(zf: zipfile.ZipFile, index: int) -> str | None:
    """The zip member holding the index-th sheet, found through the workbook's relations."""
    book = _parse(zf.read("xl/workbook.xml"))
    sheets = [el for el in book.iter() if _local(el.tag) == "sheet"]
    if index >= len(sheets):
        return None
    rid = sheets[index].get(f"{{{_REL_NS}}}id") or sheets[index].get(f"{{{_STRICT_REL_NS}}}id")
    rels = _parse(zf.read("xl/_rels/workbook.xml.rels"))
    for rel in rels.iter():
        if _local(rel.tag) == "Relationship" and rel.get("Id") == rid:
            target = rel.get("Target", "")
            if target.startswith("/"):
                return target.lstrip("/")
            return posixpath.normpath(posixpath.join("xl", target))
    return None


def _parse(data: bytes) -> Element:
    root: Element | None = None
    for _, el in iterparse(io.BytesIO(data), events=("end",)):
        root = el
    assert root is not None
    return root


def _scan(data: bytes) -> Iterator[tuple[tuple[int, int], tuple[str, str]]]:
    """The broken cells, found by jumping from each `<f` or `t="e"` in `<sheetData>`.

    Formulas and errors are usually few, so the scan jumps between them rather than
    parsing every cell (ten times faster on a 10,000-row sheet). In XML text a `<` is
    always escaped, so every `<` in sheetData opens or closes an element. A cell
    without an `r` reference (Excel always writes one) falls back to a full parse.
    """
    begin = _SHEET_DATA.search(data)
    if begin is None:
        return
    stop = data.rfind(b"sheetData")
    pos = begin.end()
    while (found := _INTEREST.search(data, pos, stop)) is not None:
        j = found.start() + 1
        while j > 0:
            j = data.rfind(b"<", 0, j)
            if _C_OPEN.match(data, j):
                break
        gt = data.find(b">", j)
        if j <= 0 or gt < 0:
            raise ParseError(f"a formula or error outside a cell at byte {found.start()}")
        if data[gt - 1:gt] == b"/":  # <c r="D2" t="e"/>: a cell with no children
            pos = gt + 1
        else:
            end = _C_CLOSE.search(data, gt, stop)
            if end is None:
                raise ParseError(f"a cell that does not end, at byte {j}")
            pos = end.end()
        cell = data[j:pos]
        head = cell[:cell.index(b">")]
        ref = _REF_ATTR.search(head)
        where = _CELL_REF.fullmatch(ref.group(1).decode("ascii")) if ref else None
        if where is None:
            yield from _scan_slowly(data)
            return
        kind = _TYPE_ATTR.search(head)
        f = _F.search(cell)
        v = _V.search(cell)
        judged = _judge(None if kind is None else kind.group(1).decode("ascii"),
                        None if f is None else _text(f.group(1)),
                        None if v is None else _text(v.group(1)))
        if judged is not None:
            yield (int(where.group(2)), _col(where.group(1))), judged


def _text(raw: bytes | None) -> str:
    return unescape((raw or b"").decode("utf-8"), {"&quot;": '"', "&apos;": "'"})


def _judge(kind: str | None, formula: str | None, value: str | None
           ) -> tuple[str, str] | None:
    """(text shown, why) for a cell with no value to judge; None for a sound cell."""
    if kind == "e":
        error = value or "#VALUE!"
        return error, EXCEL_ERROR.format(error)
    if formula is None:
        return None
    # A formula whose result is text may cache the empty text (t="str", <v></v>): that is
    # a value. Anything else with no value was never computed.
    if value or (value is not None and kind == "str"):
        return None
    return "=" + (formula or "..."), UNCALCULATED


def _scan_slowly(data: bytes) -> Iterator[tuple[tuple[int, int], tuple[str, str]]]:
    """The same as _scan, by parsing every element (for cells without an `r` reference)."""
    row = 0
    col = -1
    for event, el in iterparse(io.BytesIO(data), events=("start", "end")):
        tag = _local(el.tag)
        if event == "start":
            if tag == "row":
                row = int(el.get("r") or row + 1)
                col = -1
            elif tag == "c":
                found = _CELL_REF.fullmatch(el.get("r") or "")
                col = _col(found.group(1)) if found else col + 1
                if found:
                    row = int(found.group(2))
            continue
        if tag == "row":
            el.clear()  # keep memory flat on long sheets
        if tag != "c":
            continue
        formula = value = None
        for child in el:
            name = _local(child.tag)
            if name == "f":
                formula = child
            elif name == "v":
                value = child
        judged = _judge(el.get("t"), None if formula is None else formula.text or "",
                        None if value is None else value.text or "")
        if judged is not None:
            yield (row, col), judged
        el.clear()
