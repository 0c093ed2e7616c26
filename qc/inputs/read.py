"""Read batch files into one table of text columns, keeping each batch's file and spreadsheet row.

Every cell is read as text: interpreting it is each rule's business. Encodings: UTF-8
(with or without BOM), UTF-16 with BOM, or Windows-1252 (Excel's 'CSV' on Windows).
Delimiters: comma, semicolon or tab, detected from the header line. Headers match
ignoring case, spaces, `_`, `-`, `.` and a trailing bracketed unit (qc.model.header_key).
The header is found below a title, and rows under the data that are not batches are set
aside (qc/inputs/layout.py). Entirely empty rows are ignored; row numbers stay those of
the spreadsheet.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import threading
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import msgspec
import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from qc.engine.arrowbuf import indices, text_scalar, to_numpy
from qc.errors import InputError
from qc.inputs.layout import Header, Layout, NotBatch, find_header, header_note, trailing
from qc.inputs.table import Table
from qc.model import InputFile, header_key, header_unit

if TYPE_CHECKING:
    import pandas as pd  # imported where used: the fast CSV path never needs it

DELIMITERS = (",", ";", "\t")
STDIN = "-"


class _Read(msgspec.Struct, frozen=True, eq=False):
    """One input file as read: its columns of text cells, row numbers and what was set aside."""

    file: InputFile
    columns: dict[str, pa.ChunkedArray]  # keyed by header_key, large_string, no nulls
    rows: npt.NDArray[np.int64]
    duplicated: dict[str, str]
    broken: dict[str, dict[int, str]] = msgspec.field(default_factory=dict)
    header: Header = msgspec.field(default_factory=lambda: Header(1))
    not_batches: tuple[NotBatch, ...] = ()
    # key -> the header's bracketed unit
    units: dict[str, str] = msgspec.field(default_factory=dict)
    headers: dict[str, str] = msgspec.field(default_factory=dict)  # key -> the header as written
    sheet_note: str | None = None  # the other sheets of a workbook, not read


def load_table(paths: Sequence[str], *, stdin: bytes | None = None,
               sheet: str | None = None, layout: Layout | None = None) -> Table:
    """Read every input; InputError (exit 2) names the file and the problem.

    `sheet` names the sheet to read in Excel workbooks (default: the one Excel opens, see
    qc.inputs.excel.read_sheet); each InputFile records the sheet read. `layout` says
    how to find the header, map the lab's headers and set aside rows that are not
    batches (qc/inputs/layout.py); without it the header is row 1.
    """
    layout = layout if layout is not None else Layout(header_row=1, set_aside=False)
    reads = [_read(path, stdin, sheet, layout) for path in paths]
    keys: dict[str, None] = {}
    for r in reads:
        keys.update(dict.fromkeys(r.columns))
    columns: dict[str, pa.ChunkedArray] = {}
    present: dict[str, frozenset[int]] = {}
    for key in keys:
        if len(reads) == 1:
            columns[key] = reads[0].columns[key]
        else:
            parts = [r.columns[key] if key in r.columns
                     else pa.chunked_array([pa.nulls(len(r.rows), pa.large_string())])
                     for r in reads]
            columns[key] = pa.chunked_array([c for p in parts for c in p.chunks],
                                            pa.large_string())
        present[key] = frozenset(i for i, r in enumerate(reads) if key in r.columns)
    return Table(
        inputs=tuple(r.file for r in reads),
        columns=columns,
        present=present,
        duplicated={k: v for r in reads for k, v in r.duplicated.items()},
        rows=np.concatenate([r.rows for r in reads]),
        input_index=np.concatenate(
            [np.full(len(r.rows), i, dtype=np.int64) for i, r in enumerate(reads)]),
        broken=_offset_broken(reads),
        not_batches=tuple(nb for r in reads for nb in r.not_batches),
        header_notes=tuple(n for r in reads if (n := header_note(r.file.path, r.header))),
        sheet_notes=tuple(r.sheet_note for r in reads if r.sheet_note),
        units={key: {i: r.units[key] for i, r in enumerate(reads) if key in r.units}
               for key in keys if any(key in r.units for r in reads)},
        headers={key: next(r.headers[key] for r in reads if key in r.headers)
                 for key in keys},
    )


def _offset_broken(reads: Sequence[_Read]) -> dict[str, dict[int, str]]:
    """Each file's broken cells, indexed into the concatenated table."""
    broken: dict[str, dict[int, str]] = {}
    offset = 0
    for r in reads:
        for key, cells in r.broken.items():
            broken.setdefault(key, {}).update({offset + i: why for i, why in cells.items()})
        offset += len(r.rows)
    return broken


def _arrow(series: pd.Series) -> pa.ChunkedArray:
    arrow = pa.chunked_array(series.array.__arrow_array__())
    return arrow.cast(pa.large_string())


def _read(path: str, stdin: bytes | None, sheet: str | None = None,
          layout: Layout | None = None) -> _Read:
    layout = layout if layout is not None else Layout(header_row=1, set_aside=False)
    shown = "<stdin>" if path == STDIN else path
    raw = stdin if path == STDIN and stdin is not None else _read_bytes(path)
    if path != STDIN and _file_type(path, raw) == "excel":
        return _read_excel(raw, shown, sheet, layout)
    _refuse_binary(raw, shown)
    digest = _Digest(raw)
    fast = read_fast(raw) if layout.encoding is None else None
    if fast is not None and _first_row_header(fast[1], layout):
        return _fast_read(fast, raw, shown, digest, layout)
    text, encoding = _decode(raw, shown, layout.encoding)
    if not text.strip():
        raise InputError(f"{shown}: the file is empty")
    found = _find_header(text, layout, shown)
    if found.row == 1:
        delimiter = _sniff(text)
        header = _header(text, delimiter, shown)
    else:
        line = text.splitlines()[found.row - 1]
        delimiter = _sniff(line)
        header = _header(line, delimiter, shown)
    frame, empty = _parse(raw, text, encoding, delimiter, header, shown, skip=found.row)
    rows = np.arange(found.row + 1, len(frame) + found.row + 1, dtype=np.int64)[~empty]
    frame = frame.loc[~empty].reset_index(drop=True)
    keys = [layout.key(h) for h in header]
    cut = trailing(len(frame), lambda i: [str(v) for v in frame.iloc[i].tolist()],
                   _id_index(keys, layout), layout)
    set_aside = _set_aside(frame, rows, cut, keys, layout, shown)
    if cut:
        frame, rows = frame.iloc[:len(frame) - cut].reset_index(drop=True), rows[:-cut]
    if frame.empty:
        raise InputError(f"{shown}: no batch rows below the header")
    _headerless(header, lambda j: [str(v) for v in frame[j].tolist()], rows, shown)
    frame, duplicated = _keyed(frame, header, shown, layout)
    file = InputFile(path=shown, sha256=digest.result(), rows=len(frame),
                     header_row=found.row)
    return _Read(file, _columns(frame), rows, duplicated, header=found,
                 not_batches=set_aside, units=_named(header, layout)[0],
                 headers=_named(header, layout)[1])


def _headerless(header: list[str], cells_of: Callable[[int], list[str]],
                rows: npt.NDArray[np.int64], shown: str) -> None:
    """InputError when a batch row holds a value in a column whose header is empty: that
    value would be read under no name and never judged (Excel's reader says the same)."""
    for j, name in enumerate(header):
        if name.strip():
            continue
        for k, value in enumerate(cells_of(j)):
            if value.strip():
                raise InputError(f"{shown}: row {int(rows[k])}, column {j + 1}: {value!r} has a "
                                 "value but its column has no header; name the column or "
                                 "remove the value")


def _first_row_header(header: list[str], layout: Layout) -> bool:
    """Whether the fast reader's header (the first line) is the one to use."""
    if layout.header_row is not None:
        return layout.header_row == 1
    from qc.model import header_key

    return header_key(layout.id_column) in {layout.key(h) for h in header}


def _find_header(text: str, layout: Layout, shown: str) -> Header:
    """The header row of a CSV text: each of the first lines read with its own delimiter
    (a title row's comma must not decide how the header splits)."""
    if layout.header_row == 1:
        return Header(1)
    from qc.inputs.layout import SEARCHED

    depth = max(SEARCHED, layout.header_row or 0)
    lines = text.splitlines()[:depth]
    candidates = []
    for line in lines:
        try:
            candidates.append(_header(line, _sniff(line), shown) if line.strip() else [])
        except InputError:
            candidates.append([line])
    found = find_header(candidates, layout, shown)
    from msgspec.structs import replace

    from qc.inputs.layout import SHOWN_TEXT

    return replace(found, above=tuple(
        (r, line if len(line := lines[r - 1].strip()) <= SHOWN_TEXT
         else line[:SHOWN_TEXT - 1] + "…") for r, _ in found.above))


def _id_index(keys: list[str], layout: Layout) -> int | None:
    from qc.model import header_key

    want = header_key(layout.id_column)
    return keys.index(want) if want in keys else None


def _set_aside(frame: pd.DataFrame, rows: npt.NDArray[np.int64], cut: int, keys: list[str],
               layout: Layout, shown: str) -> tuple[NotBatch, ...]:
    from qc.inputs.layout import not_batch_text

    out = []
    for i in range(len(frame) - cut, len(frame)):
        cells = [str(v) for v in frame.iloc[i].tolist()]
        text = not_batch_text(cells, _id_index(keys, layout), layout) or ""
        out.append(NotBatch(shown, int(rows[i]), text))
    return tuple(out)


def _named(header: list[str], layout: Layout) -> tuple[dict[str, str], dict[str, str]]:
    """The `units` and `headers` fields of a _Read: each key's bracketed unit and the
    header as written (first of each name)."""
    units: dict[str, str] = {}
    headers: dict[str, str] = {}
    for h in header:
        key = layout.key(h)
        if key in headers:
            continue
        headers[key] = h
        unit = header_unit(h)
        if unit is not None:
            units[key] = unit
    return units, headers


def _columns(frame: pd.DataFrame) -> dict[str, pa.ChunkedArray]:
    return {key: _arrow(frame[key]) for key in frame.columns}


class _Digest(threading.Thread):
    """The file's sha256, computed beside the parse (hashlib releases the GIL)."""

    def __init__(self, raw: bytes) -> None:
        super().__init__(daemon=True)
        self.raw = raw
        self.hexdigest = ""
        self.start()

    def run(self) -> None:
        self.hexdigest = hashlib.sha256(self.raw).hexdigest()

    def result(self) -> str:
        self.join()
        return self.hexdigest


Parsed = tuple[dict[str, pa.ChunkedArray], list[str]]  # columns by position, header


# Bytes from which Arrow reads a file with its thread pool: a smaller file is read in one
# block of 1 MiB anyway, and starting the pool took 9 ms of a 24-batch file's 11.
_THREADED_FROM = 2 << 20


def read_fast(raw: bytes) -> Parsed | None:
    """The common case, parsed straight into Arrow (pyarrow.csv) without pandas: UTF-8
    whose quote characters only wrap whole fields (see _plainly_quoted), '\\n' or '\\r\\n'
    line ends, every row exactly as wide as the header (a blank line is a row of empty
    cells, set aside as blank with its line counted, as the general reader does). None
    for anything else (other encodings, quotes, CR-only or stray CR line ends, ragged
    rows), which the general reader then reads with the same result or refuses with its
    exact message. Same cells as the general reader for every file it accepts
    (tests/inputs/test_fast_reader.py)."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in raw:
        return None
    if b"\r" in raw and raw.count(b"\r") != raw.count(b"\r\n"):
        return None  # CR-only or stray CR: pandas and Arrow may split lines differently
    start = 3 if raw.startswith(b"\xef\xbb\xbf") else 0
    end = raw.find(b"\n", start)
    if end < 0:
        return None  # a header and no row
    try:
        line = raw[start:end].decode("utf-8").removesuffix("\r")
    except UnicodeDecodeError:
        return None
    if not line.strip() or len(line.splitlines()) != 1:
        return None  # a blank first line, or one Python splits (U+2028, \x85, ...)
    delimiter = _sniff(line)
    try:
        header = _header(line, delimiter, "")
    except InputError:
        return None
    quoted = b'"' in raw
    if quoted and not _plainly_quoted(raw, delimiter):
        return None
    import pyarrow.csv as pacsv  # deferred: only a run that reads a CSV file needs it

    names = [str(i) for i in range(len(header))]
    try:
        table = pacsv.read_csv(
            pa.py_buffer(raw),
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=1,
                                           use_threads=len(raw) > _THREADED_FROM),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter, quote_char='"' if quoted else False, double_quote=False,
                escape_char=False,
                newlines_in_values=False, ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.large_string()), null_values=[],
                strings_can_be_null=False, quoted_strings_can_be_null=False,
                check_utf8=True),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, ValueError):
        return None
    return {str(i): table.column(i) for i in range(len(header))}, header


def _plainly_quoted(raw: bytes, delimiter: str) -> bool:
    """Every `"` opens or closes a whole field: right after a line start or the delimiter,
    closed right before the delimiter or a line end, with no `"`, CR or LF inside. Such a
    field is its inner text for Arrow and for pandas alike; anything else (doubled quotes,
    text around the quotes, line breaks inside) is left to the general reader."""
    d = re.escape(delimiter.encode())
    field = re.compile(rb'(?:^|(?<=[\n' + d + rb']))"[^"\r\n]*"(?=[\r\n' + d + rb']|\Z)', re.M)
    return 2 * sum(1 for _ in field.finditer(raw)) == raw.count(b'"')


def _fast_read(parsed: Parsed, raw: bytes, shown: str, digest: _Digest,
               layout: Layout) -> _Read:
    by_position, header = parsed
    keys = [layout.key(h) for h in header]
    size = len(by_position["0"]) if header else 0
    first = {key: by_position[str(i)] for i, key in reversed(list(enumerate(keys)))}
    first = {key: first[key] for key in dict.fromkeys(keys)}  # the general reader's order
    # Blank like the general reader: only when every cell is blank, in every column,
    # duplicated names included (a value under a repeated header is still a value).
    empty = _blank_rows(list(by_position.values()), size)
    rows = np.arange(2, size + 2, dtype=np.int64)[~empty]
    kept = np.flatnonzero(~empty)
    positions = list(by_position.values())

    def row_cells(i: int) -> list[str]:
        return [str(c[int(kept[i])].as_py()) for c in positions]

    id_index = _id_index(keys, layout)
    cut = trailing(len(kept), row_cells, id_index, layout)
    set_aside = _fast_set_aside(row_cells, rows, len(kept), cut, id_index, layout, shown)
    if cut:
        kept, rows = kept[:-cut], rows[:-cut]
    keep = None if len(kept) == size else indices(kept)
    columns = {key: column if keep is None else column.take(keep)
               for key, column in first.items()}
    if not rows.size:
        raise InputError(f"{shown}: no batch rows below the header")
    _headerless(header, lambda j: [str(v) for v in (
        positions[j] if keep is None else positions[j].take(keep)).to_pylist()], rows, shown)
    file = InputFile(path=shown, sha256=digest.result(), rows=int(rows.size))
    return _Read(file, columns, rows, _duplicates(keys, header, shown),
                 not_batches=set_aside, units=_named(header, layout)[0],
                 headers=_named(header, layout)[1])


def _fast_set_aside(row_cells: Callable[[int], list[str]], rows: npt.NDArray[np.int64],
                    count: int, cut: int, id_index: int | None, layout: Layout,
                    shown: str) -> tuple[NotBatch, ...]:
    from qc.inputs.layout import not_batch_text

    return tuple(NotBatch(shown, int(rows[i]),
                          not_batch_text(row_cells(i), id_index, layout) or "")
                 for i in range(count - cut, count))


# What Python's str.strip() removes (str.isspace), so that a row is blank on the fast
# path exactly when the general reader's `.str.strip() == ""` finds it blank.
_PY_SPACE = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680"
             + "".join(map(chr, range(0x2000, 0x200B))) + "\u2028\u2029\u202f\u205f\u3000")
_EMPTY = text_scalar("")


def _blank_rows(columns: list[pa.ChunkedArray], size: int) -> npt.NDArray[np.bool_]:
    """Rows whose every cell is blank; each column looks only at the rows still blank."""
    candidates = np.arange(size)
    for column in columns:
        if not candidates.size:
            break
        cells = column if candidates.size == size else column.take(indices(candidates))
        blank = pc.equal(pc.utf8_trim(cells, characters=_PY_SPACE), _EMPTY)
        candidates = candidates[to_numpy(blank)]
    empty = np.zeros(size, dtype=bool)
    empty[candidates] = True
    return empty


# Suffixes of files that are not CSV and that exoqc does not read: refused by name.
UNSUPPORTED = {
    ".xls": "a legacy Excel workbook: save it as .xlsx or CSV",
    ".xlsb": "a binary Excel workbook: save it as .xlsx or CSV",
    ".ods": "an OpenDocument spreadsheet: save it as .xlsx or CSV",
    ".numbers": "a Numbers spreadsheet: export it as .xlsx or CSV",
    ".pdf": "a PDF document",
    ".doc": "a Word document",
    ".docx": "a Word document",
    ".zip": "a ZIP archive",
    ".gz": "a compressed file",
    ".json": "a JSON file",
    ".parquet": "a Parquet file",
}
# Leading bytes of binary files that are sometimes misnamed .csv.
MAGIC = {
    b"%PDF-": "a PDF document",
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1": "a legacy Excel (.xls) or other OLE2 file",
    b"PK\x03\x04": "a ZIP archive (an .xlsx workbook? name it .xlsx)",
    b"\x1f\x8b": "a gzip-compressed file",
}
EXCEL_SUFFIXES = (".xlsx", ".xlsm")  # read by qc/inputs/excel.py, imported only for them
READS = "exoqc reads CSV files and Excel workbooks (.xlsx, .xlsm)"


def _file_type(path: str, raw: bytes) -> str:
    """"excel" or "csv" from the suffix; InputError for a known unsupported type."""
    suffix = Path(path).suffix.lower()
    if suffix in EXCEL_SUFFIXES:
        if not raw.startswith(b"PK\x03\x04"):
            what = next((w for m, w in MAGIC.items() if raw.startswith(m)), None)
            raise InputError(f"{path}: not an Excel workbook" + (f" ({what})" if what else "")
                             + f"; {READS}")
        return "excel"
    if suffix in UNSUPPORTED:
        raise InputError(f"{path}: unsupported file type {suffix!r} ({UNSUPPORTED[suffix]}); "
                         f"{READS}")
    return "csv"


def _refuse_binary(raw: bytes, shown: str) -> None:
    what = next((w for m, w in MAGIC.items() if raw.startswith(m)), None)
    if what is not None:
        raise InputError(f"{shown}: unsupported file type: {what}; {READS}")


def _read_excel(raw: bytes, shown: str, sheet: str | None, layout: Layout) -> _Read:
    from qc.inputs.excel import read_sheet

    got = read_sheet(raw, shown, sheet, layout)
    if not got.cells:
        raise InputError(f"{shown}: sheet {got.name!r}: no batch rows below the header")
    width = len(got.header)
    import pandas as pd

    frame = pd.DataFrame(got.cells, columns=range(width), dtype=str)
    frame, duplicated = _keyed(frame, got.header, shown, layout)
    broken: dict[str, dict[int, str]] = {}
    keys = [layout.key(h) for h in got.header]
    for (i, c), why in got.broken.items():
        broken.setdefault(keys[c], {})[i] = why
    file = InputFile(path=shown, sha256=hashlib.sha256(raw).hexdigest(), rows=len(got.cells),
                     sheet=got.name, hidden=got.hidden, header_row=got.header_row)
    return _Read(file, _columns(frame), np.array(got.rows, dtype=np.int64), duplicated, broken,
                 header=Header(got.header_row, got.above), not_batches=got.not_batches,
                 units=_named(got.header, layout)[0],
                 headers=_named(got.header, layout)[1],
                 sheet_note=(f"{shown}: sheet{'s' if len(got.unread) > 1 else ''} not read: "
                             + ", ".join(got.unread)) if got.unread else None)


def _read_bytes(path: str) -> bytes:
    from qc.inputs.files import read_bytes

    return read_bytes(path, "batch file", InputError)


_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]+")


TEXT_CODECS = ("utf-16", "utf-32")  # handed to pandas as decoded text, not bytes


def _decode(raw: bytes, shown: str, forced: str | None = None) -> tuple[str, str]:
    """The file's text and the codec name pandas should read it with. Encodings are
    detected, not assumed: a BOM says UTF-32 or UTF-16; else UTF-8; else Windows-1252, but
    only when that gives plausible lab text; anything else is refused with one line that
    names the likely encoding (a file that decodes to mojibake never passes). `forced`
    (--encoding) is used instead, strictly, and refused when it gives mojibake."""
    if forced is not None:
        return _decode_as(raw, shown, forced), "text"
    for bom, codec in ((b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"),
                       (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if raw.startswith(bom):
            try:
                return raw.decode(codec), codec
            except UnicodeDecodeError as exc:
                name = codec.upper().replace("UTF", "UTF-").replace("--", "-")
                raise InputError(f"{shown}: invalid {name} text at byte {exc.start}") from None
    if b"\x00" in raw:
        raise InputError(f"{shown}: not a text file (it contains NUL bytes)")
    try:
        return raw.decode("utf-8-sig"), "utf-8-sig"
    except UnicodeDecodeError as exc:
        utf8_error = exc.start
    # Not UTF-8. Excel's Windows 'CSV' is Windows-1252, but a UTF-8 file with one bad
    # byte must not be read as Windows-1252: its µ and en dash would silently become mojibake.
    if _UTF8_MULTIBYTE.search(raw):
        raise InputError(
            f"{shown}: invalid UTF-8 at byte {utf8_error} in a file that is otherwise UTF-8")
    try:
        text = raw.decode("cp1252")
    except UnicodeDecodeError:
        text = None
    cyrillic = _cyrillic(raw)
    if cyrillic is not None:  # Windows-1252 may read it as plausible accented letters
        other = _likely_encoding(raw)
        names = "Windows-1251 (Cyrillic)" + (f" or {other}" if other else "")
        raise InputError(f"{shown}: not UTF-8; it looks like {names} text (as Windows-1251 it "
                         f"reads {cyrillic!r}): save it as UTF-8 CSV")
    garbled = _mojibake(text) if text is not None else None
    if text is not None and garbled is None:
        return text, "cp1252"
    likely = _likely_encoding(raw)
    seen = f" (as Windows-1252 it reads {garbled!r})" if garbled else ""
    hint = (f"it looks like {likely} text: save it as UTF-8 CSV"
            if likely else "save it as UTF-8 CSV")
    raise InputError(f"{shown}: neither UTF-8 nor plausible Windows-1252 text{seen}; {hint}")


def text_encoding(name: str) -> str:
    """Why `name` is not a text encoding Python can decode a file with ("" when it is)."""
    import codecs

    try:
        info = codecs.lookup(name)
    except LookupError:
        return f"{name!r}: no such encoding"
    if not getattr(info, "_is_text_encoding", True):  # rot13, base64, zlib, hex
        return f"{name!r} is not a text encoding (it transforms bytes or text)"
    return ""


def _decode_as(raw: bytes, shown: str, forced: str) -> str:
    """The text in the encoding the user named; InputError when the bytes are not in it or
    read as nonsense in it (a Western 8-bit codec turning UTF-8 or CJK into mojibake)."""
    import codecs

    problem = text_encoding(forced)
    if problem:
        raise InputError(f"{shown}: --encoding {problem}")
    name = codecs.lookup(forced).name
    hint = ""
    if name.replace("-", "_").startswith(("utf_16", "utf_32")) and b"\x00" not in raw:
        try:
            raw.decode("utf-8")
            hint = "; it reads as UTF-8: leave out --encoding"
        except UnicodeDecodeError:
            pass
        # UTF-16 and UTF-32 write a comma or a line end with NUL bytes: a file with none
        # is not in them, whatever it decodes to.
        raise InputError(f"{shown}: not {forced} text: it holds no NUL byte, which every "
                         f"{forced} comma and line end has{hint}")
    if not name.replace("-", "_").startswith("utf") and max(raw, default=0) >= 0x80:
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:  # multi-byte UTF-8 is never valid by chance: any other codec garbles it
            raise InputError(f"{shown}: not {forced} text: its non-ASCII letters are UTF-8, "
                             f"which {forced} would read as other characters; leave out "
                             "--encoding")
    try:
        text = raw.decode(name)
    except UnicodeDecodeError as exc:
        try:
            raw.decode("utf-8")
            hint = "; it reads as UTF-8: leave out --encoding"
        except UnicodeDecodeError:
            pass
        raise InputError(f"{shown}: not {forced} text: invalid byte at {exc.start}"
                         f"{hint}") from None
    if "\x00" in text:
        raise InputError(f"{shown}: not {forced} text (it decodes to NUL characters)")
    if text.startswith("\ufeff"):
        text = text[1:]
    if re.search(r"[\x80-\x9f\ufffd]", text):
        raise InputError(f"{shown}: read as {forced} it holds control or replacement "
                         "characters: not its encoding")
    if _SINGLE_BYTE.match(name):
        garbled = _mojibake(text)
        if garbled is not None:
            raise InputError(f"{shown}: read as {forced} it reads {garbled!r}: not its "
                             "encoding")
    return text


# Western 8-bit codecs, in which another encoding's bytes still decode (to mojibake).
_SINGLE_BYTE = re.compile(r"cp125\d|latin_1|iso8859_\d+|mac_roman|cp437|cp850")


# Non-ASCII characters a lab file in Windows-1252 plausibly holds: accented letters, and
# the signs of lab notation (µ ° ± ² ³ · × – — quotes). A run of other high characters, or
# of two or more non-letters, is text in another encoding read wrongly (GB18030's 北京
# reads ±±¾©).
_LAB_SIGNS = set("µ°±²³·×–—\u2018\u2019“”‰§€£¼½")


def _mojibake(text: str) -> str | None:
    """The first stretch of text that Windows-1252 turned into nonsense, or None."""
    for found in re.finditer(r"[^\x00-\x7f]+", text):
        run = found.group()
        letters = all(ch.isalpha() for ch in run)
        if letters and len(run) <= 3:
            continue  # Müller, Größe, Ångström
        if len(run) == 1 and run in _LAB_SIGNS:
            continue
        line_start = text.rfind("\n", 0, found.start()) + 1
        start = max(found.start() - 8, line_start)
        line_end = text.find("\n", found.end())
        end = min(found.end() + 8, len(text) if line_end < 0 else line_end)
        return text[start:end].strip()[:40]
    return None


# Bytes that Windows-1251 reads as Cyrillic letters: U+0410-U+044F (0xC0-0xFF), Io (0xA8,
# 0xB8).
_CP1251_LETTERS = re.compile(rb"[\xa8\xb8\xc0-\xff]")


def _cyrillic(raw: bytes) -> str | None:
    """A stretch of the text as Windows-1251 reads it when the bytes are Cyrillic text in
    that encoding, else None: every byte above 0x7F is a Cyrillic letter in Windows-1251
    and some word holds two or more of them in a row (Windows-1252 reads the Cyrillic MSC
    abbreviation as the plausible-looking `\u00cc\u00d1\u00ca`; a Western file's µ, °, ±
    or en dash is no Cyrillic letter, and its accented letters rarely stand two in a row)."""
    high = re.findall(rb"[\x80-\xff]+", raw)
    if not high or not any(len(run) >= 2 for run in high):
        return None
    if not all(_CP1251_LETTERS.fullmatch(bytes([b])) for run in high for b in run):
        return None
    text = raw.decode("cp1251")
    found = re.search(r"[\u0400-\u04ff][^\n]{0,30}", text)
    return found.group().strip() if found else None


def _likely_encoding(raw: bytes) -> str | None:
    """The CJK encodings that decode the bytes strictly to CJK text, for the message
    (several may: exoqc names them and does not guess)."""
    names = []
    for codec, name in (("gb18030", "GB18030"), ("big5", "Big5"), ("shift_jis", "Shift-JIS")):
        try:
            text = raw.decode(codec)
        except UnicodeDecodeError:
            continue
        if re.search(r"[\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af]", text):
            names.append(name)
    return " or ".join(names) or None


def _sniff(text: str) -> str:
    first = next((line for line in text.splitlines() if line.strip()), "")
    unquoted = re.sub(r'"[^"]*"', "", first)
    counts = {d: unquoted.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _header(text: str, delimiter: str, shown: str) -> list[str]:
    try:
        names = next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise InputError(f"{shown}: line 1: {exc}") from None
    return names


def _parse(raw: bytes, text: str, encoding: str, delimiter: str, header: list[str],
           shown: str, *, skip: int = 1) -> tuple[pd.DataFrame, npt.NDArray[np.bool_]]:
    """The frame by column position below the header (spreadsheet row `skip`), and which
    rows are blank (every cell of every column, repeated names included)."""
    import pandas as pd  # deferred: only files the fast reader declines need it

    as_text = encoding in TEXT_CODECS or encoding == "text"
    source: io.BytesIO | io.StringIO = (
        io.StringIO(text, newline="") if as_text else io.BytesIO(raw))
    try:
        with warnings.catch_warnings():
            # A first data row wider than the header would otherwise be read with its
            # leading cells as an index (columns shifted) or, with index_col=False,
            # silently cut: both put values under the wrong header.
            warnings.simplefilter("error", pd.errors.ParserWarning)
            frame = _read_csv(source, delimiter, len(header),
                              None if as_text else encoding, skip)
    except pd.errors.ParserWarning:
        raise InputError(f"{shown}: {_too_wide(text, delimiter, len(header))}") from None
    except pd.errors.ParserError as exc:
        raise InputError(f"{shown}: {_parser_message(str(exc))}") from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise InputError(f"{shown}: cannot parse as CSV: {exc}") from None
    return frame, _empty_rows(frame)


def _keyed(frame: pd.DataFrame, header: list[str], shown: str, layout: Layout
           ) -> tuple[pd.DataFrame, dict[str, str]]:
    """The frame with columns keyed by header_key (after the column map), first of each
    name kept; and where a name appears twice."""
    import pandas as pd

    keys = [layout.key(h) for h in header]
    frame.columns = pd.Index(keys)
    # Keep the first of each name; the engine refuses a duplicated column that a check needs.
    return frame.loc[:, ~frame.columns.duplicated()], _duplicates(keys, header, shown)


def _duplicates(keys: list[str], header: list[str], shown: str) -> dict[str, str]:
    """Where a header name appears twice (first repeat of each name)."""
    seen: dict[str, int] = {}
    dupes: dict[str, str] = {}
    for i, key in enumerate(keys):
        if key in seen and key not in dupes:
            j = seen[key]
            if header_key(header[j]) == header_key(header[i]) == key:
                dupes[key] = f"{shown}: columns {j + 1} and {i + 1} are both named {header[i]!r}"
            else:  # the column map renamed one (or both) onto the other
                name = next((h for h in (header[j], header[i]) if header_key(h) == key), key)
                dupes[key] = (f"{shown}: columns {j + 1} ({header[j]!r}) and {i + 1} "
                              f"({header[i]!r}) both mean {name!r} after the column map")
        seen.setdefault(key, i)
    return dupes


def _read_csv(source: io.BytesIO | io.StringIO, delimiter: str, width: int,
              encoding: str | None, skip: int = 1) -> pd.DataFrame:
    import pandas as pd

    return pd.read_csv(
        source,
        sep=delimiter,
        header=None,
        skiprows=skip,
        names=range(width),
        index_col=False,
        dtype=str,
        encoding=encoding,
        keep_default_na=False,
        na_filter=False,
        skip_blank_lines=False,
        engine="c",
    )


def _too_wide(text: str, delimiter: str, width: int) -> str:
    """Where the first row with more fields than the header is (only on the error path)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for fields in reader:
            if len(fields) > width:
                return f"line {reader.line_num}: {len(fields)} fields where the header has {width}"
    except csv.Error:
        pass
    return f"a row has more fields than the header's {width}"


def _parser_message(message: str) -> str:
    found = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", message)
    if found:
        want, line, saw = found.groups()
        return f"line {line}: {saw} fields where the header has {want}"
    found = re.search(r"EOF inside string starting at row (\d+)", message)
    if found:  # pandas counts from 0 at the header: row 1 is the spreadsheet's row 2
        return f"row {int(found.group(1)) + 1}: a quoted value is never closed"
    return "malformed CSV: " + message.replace("Error tokenizing data. C error: ", "").strip()


def _empty_rows(frame: pd.DataFrame) -> npt.NDArray[np.bool_]:
    empty = np.ones(len(frame), dtype=bool)
    for key in frame.columns:
        empty &= (frame[key].str.strip() == "").to_numpy(dtype=bool, na_value=True)
        if not empty.any():
            break
    return empty
