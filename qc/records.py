"""Read batch files into one table of text columns, keeping each batch's file and spreadsheet row.

Every cell is read as text: interpreting it is each rule's business. Encodings: UTF-8
(with or without BOM), UTF-16 with BOM, or Windows-1252 (Excel's 'CSV' on Windows).
Delimiters: comma, semicolon or tab, detected from the header line. Headers match
ignoring case and runs of spaces. Entirely empty rows are ignored; row numbers stay
those of the spreadsheet (header = row 1).
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from qc.arrowenv import bools, indices, text_scalar, to_numpy
from qc.errors import InputError
from qc.model import InputFile

if TYPE_CHECKING:
    import pandas as pd

DELIMITERS = (",", ";", "\t")
EMPTY = text_scalar("")
STDIN = "-"


def header_key(name: str) -> str:
    """How a header is matched: case folded, spaces trimmed and collapsed."""
    return " ".join(name.split()).casefold()


@dataclass(frozen=True, eq=False)
class Table:
    """The batches of every input, in file order then row order."""

    inputs: tuple[InputFile, ...]
    columns: dict[str, pa.ChunkedArray]  # header_key -> cells (null where a file lacks it)
    present: dict[str, frozenset[int]]  # header_key -> the inputs that have the column
    duplicated: dict[str, str]  # header_key -> where it appears twice, for the error message
    rows: npt.NDArray[np.int64]
    input_index: npt.NDArray[np.int64]

    def __len__(self) -> int:
        return len(self.rows)


@dataclass(frozen=True, eq=False)
class _Read:
    file: InputFile
    columns: dict[str, pa.ChunkedArray]  # keyed by header_key, large_string, empty rows dropped
    rows: npt.NDArray[np.int64]
    duplicated: dict[str, str]


def load_table(paths: Sequence[str], *, stdin: bytes | None = None) -> Table:
    """Read every input; InputError (exit 2) names the file and the problem."""
    reads = [_read(path, stdin) for path in paths]
    keys: dict[str, None] = {}
    for r in reads:
        keys.update(dict.fromkeys(r.columns))
    columns: dict[str, pa.ChunkedArray] = {}
    present: dict[str, frozenset[int]] = {}
    for key in keys:
        parts = []
        for r in reads:
            if key in r.columns:
                parts.append(r.columns[key])
            else:
                parts.append(pa.chunked_array([pa.nulls(len(r.rows), pa.large_string())]))
        columns[key] = pa.chunked_array([c for p in parts for c in p.chunks], pa.large_string())
        present[key] = frozenset(i for i, r in enumerate(reads) if key in r.columns)
    return Table(
        inputs=tuple(r.file for r in reads),
        columns=columns,
        present=present,
        duplicated={k: v for r in reads for k, v in r.duplicated.items()},
        rows=np.concatenate([r.rows for r in reads]),
        input_index=np.concatenate(
            [np.full(len(r.rows), i, dtype=np.int64) for i, r in enumerate(reads)]),
    )


def _arrow(series: pd.Series) -> pa.ChunkedArray:
    arrow = pa.chunked_array(series.array.__arrow_array__())
    return arrow.cast(pa.large_string())


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


def _read(path: str, stdin: bytes | None) -> _Read:
    shown = "<stdin>" if path == STDIN else path
    raw = stdin if path == STDIN and stdin is not None else _read_bytes(path)
    digest = _Digest(raw)
    parsed = read_fast(raw, shown)
    if parsed is None:  # anything unusual: the general reader, and its exact error messages
        parsed = read_general(raw, shown)
    columns, duplicated = parsed
    keys = list(columns)
    size = len(columns[keys[0]]) if keys else 0
    empty = _empty_rows(list(columns.values()), size)
    rows = np.arange(2, size + 2, dtype=np.int64)
    if empty.any():
        rows = rows[~empty]
        keep = bools(~empty)
        columns = {k: c.filter(keep) for k, c in columns.items()}
    if not rows.size:
        raise InputError(f"{shown}: no batch rows below the header")
    file = InputFile(path=shown, sha256=digest.result(), rows=int(rows.size))
    return _Read(file, columns, rows, duplicated)


Parsed = tuple[dict[str, pa.ChunkedArray], dict[str, str]]


def read_general(raw: bytes, shown: str) -> Parsed:
    """Any file exoqc accepts: decoded whole (UTF-8, UTF-16, Windows-1252) and parsed by
    pandas' C engine; every malformed-file error is raised from here."""
    text, encoding = _decode(raw, shown)
    if not text.strip():
        raise InputError(f"{shown}: the file is empty")
    delimiter = _sniff(text)
    header = _header(text, delimiter, shown)
    frame, duplicated = _parse(raw, text, encoding, delimiter, header, shown)
    return {key: _arrow(frame[key]) for key in frame.columns}, duplicated


def read_fast(raw: bytes, shown: str) -> Parsed | None:
    """The common case, parsed straight into Arrow without decoding the file in Python:
    UTF-8 without quote characters, every row as wide as the header. None for anything
    else (other encodings, quotes, ragged or malformed rows, a blank first line), which
    the general reader then handles with the same result or the same error."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in raw:
        return None
    if b'"' in raw:
        # pandas and Arrow disagree on stray quotes (`a"b`, `"a"b`, an unterminated one);
        # quoted files keep the general reader, which has always decided those.
        return None
    start = 3 if raw.startswith(b"\xef\xbb\xbf") else 0
    end = raw.find(b"\n", start)
    first = raw[start:] if end < 0 else raw[start:end]
    if not first.strip():
        return None  # a blank first line
    try:
        line = first.decode("utf-8").rstrip("\r")
    except UnicodeDecodeError:
        return None
    delimiter = _sniff(line)
    try:
        header = _header(line, delimiter, "")
    except InputError:
        return None
    import pyarrow.csv as pacsv  # deferred: only a run that reads a file needs it

    names = [str(i) for i in range(len(header))]
    try:
        table = pacsv.read_csv(
            pa.py_buffer(raw),
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=1),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter, quote_char='"', double_quote=True, escape_char=False,
                newlines_in_values=False, ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.large_string()), null_values=[],
                strings_can_be_null=False, quoted_strings_can_be_null=False),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, ValueError):
        return None
    keys = [header_key(h) for h in header]
    columns: dict[str, pa.ChunkedArray] = {}
    for i, key in enumerate(keys):
        columns.setdefault(key, table.column(i))
    return columns, _duplicates(keys, header, shown)


def _read_bytes(path: str) -> bytes:
    p = Path(path)
    try:
        if p.is_dir():
            raise InputError(f"{path}: is a folder, not a batch file")
        return p.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: file not found") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}") from None


_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]+")


def _decode(raw: bytes, shown: str) -> tuple[str, str]:
    """The file's text and the codec name pandas should read it with."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise InputError(f"{shown}: invalid UTF-16 text at byte {exc.start}") from None
    if b"\x00" in raw:
        raise InputError(f"{shown}: not a text file (it contains NUL bytes)")
    try:
        return raw.decode("utf-8-sig"), "utf-8-sig"
    except UnicodeDecodeError as exc:
        utf8_error = exc.start
    # Not UTF-8. Excel's Windows 'CSV' is Windows-1252, but a UTF-8 file with one bad
    # byte must not be read as Windows-1252: its µ and – would silently become mojibake.  # noqa: RUF003
    if _UTF8_MULTIBYTE.search(raw):
        raise InputError(
            f"{shown}: invalid UTF-8 at byte {utf8_error} in a file that is otherwise UTF-8")
    try:
        return raw.decode("cp1252"), "cp1252"
    except UnicodeDecodeError as exc:
        raise InputError(f"{shown}: neither UTF-8 nor Windows-1252 text (byte {exc.start})"
                         ) from None


def _sniff(text: str) -> str:
    first = next((line for line in text.splitlines() if line.strip()), "")
    unquoted = re.sub(r'"[^"]*"', "", first)
    counts = {d: unquoted.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _header(text: str, delimiter: str, shown: str) -> list[str]:
    try:
        names = next(csv.reader(io.StringIO(text), delimiter=delimiter))
    except csv.Error as exc:
        raise InputError(f"{shown}: line 1: {exc}") from None
    return names


def _parse(raw: bytes, text: str, encoding: str, delimiter: str, header: list[str],
           shown: str) -> tuple[pd.DataFrame, dict[str, str]]:
    import pandas as pd  # deferred: only files the fast reader declines need it

    source: io.BytesIO | io.StringIO = (
        io.StringIO(text) if encoding == "utf-16" else io.BytesIO(raw))
    try:
        frame = pd.read_csv(
            source,
            sep=delimiter,
            header=None,
            skiprows=1,
            names=range(len(header)),
            dtype=str,
            encoding=None if encoding == "utf-16" else encoding,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=False,
            engine="c",
        )
    except pd.errors.ParserError as exc:
        raise InputError(f"{shown}: {_parser_message(str(exc))}") from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise InputError(f"{shown}: cannot parse as CSV: {exc}") from None
    keys = [header_key(h) for h in header]
    frame.columns = pd.Index(keys)
    # Keep the first of each name; the engine refuses a duplicated column that a check needs.
    return frame.loc[:, ~frame.columns.duplicated()], _duplicates(keys, header, shown)


def _duplicates(keys: list[str], header: list[str], shown: str) -> dict[str, str]:
    seen: dict[str, int] = {}
    dupes: dict[str, str] = {}
    for i, key in enumerate(keys):
        if key in seen and key not in dupes:
            dupes[key] = (f"{shown}: columns {seen[key] + 1} and {i + 1} are both named "
                          f"{header[i]!r}")
        seen.setdefault(key, i)
    return dupes


def _parser_message(message: str) -> str:
    found = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", message)
    if found:
        want, line, saw = found.groups()
        return f"line {line}: {saw} fields where the header has {want}"
    return "malformed CSV: " + message.replace("Error tokenizing data. C error: ", "").strip()


def _empty_rows(columns: list[pa.ChunkedArray], size: int) -> npt.NDArray[np.bool_]:
    """Rows whose every cell is blank; each column looks only at the rows still blank."""
    candidates = np.arange(size)
    for column in columns:
        if not candidates.size:
            break
        cells = column if candidates.size == size else column.take(indices(candidates))
        blank = pc.equal(pc.utf8_trim_whitespace(pc.fill_null(cells, EMPTY)), EMPTY)
        candidates = candidates[to_numpy(blank)]
    empty = np.zeros(size, dtype=bool)
    empty[candidates] = True
    return empty
