"""Broken and hostile batch files through the real CLI: exact exit code and one plain line.

Each case is a file's bytes and what must come of it: exit 2 with one `exoqc: <file>:
<problem>` line (never a traceback), or a verdict that a JSON report shows row by row.
Decided semantics (see docs/testing.md, "What the reader decides"):

- a header padded with trailing delimiters (instrument exports) is read: columns with an
  empty name are never checked, whether empty or not;
- a duplicated header name is exit 2 only when a check needs that column;
- a row with more fields than the header is exit 2 (never shifted into other columns);
  a shorter row leaves its last cells empty, which fail as missing where required.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import struct
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import run_cli, run_process
from tests.robustness.robust import GOOD, SPEC, check_of, csv_text, one_line_error

READS = "exoqc reads CSV files and Excel workbooks (.xlsx, .xlsm)"
OK_ROW = "B1,118.4,3.4E+11,No growth,UC-MSC,EXO-2026-001,Yes"
HEADER = "batch_id,size_nm,conc_per_ml,sterility,cell_source,lot_code,gmp"


def _png() -> bytes:
    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + ihdr + b"\0\0\0\0"
            + b"IDAT" + zlib.compress(b"\0\xff\0\0") + b"IEND\xaeB`\x82")


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
    return buffer.getvalue()


def _lines(*lines: str, end: str = "\n") -> bytes:
    return end.join(lines).encode("utf-8") + end.encode()


ROWS_OK = ("B1", "B2", "B3")


def _rows(*ids: str) -> list[str]:
    return [OK_ROW.replace("B1", i, 1) for i in ids]


# (id, file bytes, exit code, stderr line with {f} for the path | expected [(batch, verdict)])
ERRORS: list[tuple[str, bytes, str]] = [
    ("zero-bytes", b"", "the file is empty"),
    ("whitespace-only", b"  \n\t\n \r\n   ", "the file is empty"),
    ("png-image", _png(), "not a text file (it contains NUL bytes)"),
    ("zip-or-xlsx", _zip(), "unsupported file type: a ZIP archive (an .xlsx workbook? name it "
                            f".xlsx); {READS}"),
    ("gzip", gzip.compress(_lines(HEADER, OK_ROW)),
     f"unsupported file type: a gzip-compressed file; {READS}"),
    ("xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100,
     f"unsupported file type: a legacy Excel (.xls) or other OLE2 file; {READS}"),
    ("random-binary", bytes(range(256)) * 4, "not a text file (it contains NUL bytes)"),
    ("nul-in-a-cell", _lines(HEADER, OK_ROW.replace("No growth", "No\0growth")),
     "not a text file (it contains NUL bytes)"),
    ("invalid-utf8-mid-file",
     _lines(HEADER, OK_ROW.replace("118.4", "0.118 µm"), OK_ROW.replace("B1", "B\xff2")
            ).replace(b"B\xc3\xbf2", b"B\xff2"),
     "invalid UTF-8 at byte 120 in a file that is otherwise UTF-8"),
    ("utf16-odd-byte", "\ufeff".encode("utf-16-le") + _lines(HEADER, OK_ROW).decode()
     .encode("utf-16-le") + b"\x00\xd8", "invalid UTF-16 text at byte 232"),
    ("utf16-without-bom", _lines(HEADER, OK_ROW).decode().encode("utf-16-le"),
     "not a text file (it contains NUL bytes)"),
    ("unterminated-quote", _lines(HEADER, 'B1,118.4,3.4E+11,"No growth,UC-MSC,EXO-2026-001,Yes',
                                  *_rows("B2")), "row 2: a quoted value is never closed"),
    ("unterminated-quote-later", _lines(HEADER, *_rows("B1", "B2"), 'B3,"1'),
     "row 4: a quoted value is never closed"),
    ("duplicate-header-that-a-check-needs",
     _lines(HEADER.replace("conc_per_ml", "size_nm"), OK_ROW),
     "columns 2 and 3 are both named 'size_nm'; check 'size' cannot tell which to use"),
    ("duplicate-header-differing-in-case-and-spaces",
     _lines(HEADER + ", SIZE_NM ", OK_ROW + ",1"),
     "columns 2 and 8 are both named ' SIZE_NM '; check 'size' cannot tell which to use"),
    ("first-row-wider-than-header", _lines(HEADER, "X," + OK_ROW),
     "line 2: 8 fields where the header has 7"),
    ("later-row-wider-than-header", _lines(HEADER, *_rows("B1"), "B2,1,2,3,4,5,6,7,8"),
     "line 3: 9 fields where the header has 7"),
    ("rows-padded-but-not-the-header", _lines(HEADER, OK_ROW + ",,,"),
     "line 2: 10 fields where the header has 7"),
    # a value under an empty header would be read under no name and never judged
    ("values-under-empty-header-names", _lines(HEADER + ",,", OK_ROW + ",junk,#N/A"),
     "row 2, column 8: 'junk' has a value but its column has no header; name the column or "
     "remove the value"),
    ("header-only", _lines(HEADER), "no batch rows below the header"),
    ("header-and-blank-rows", _lines(HEADER, ",,,,,,", "", " , ,"),
     "no batch rows below the header"),
    ("not-csv-at-all", b"Lorem ipsum dolor sit amet\nconsectetur\n",
     "no column 'batch_id' (needed by check 'batch_identity'); no column 'size_nm' (needed "
     "by check 'size'); no column 'conc_per_ml' (needed by check 'conc'); no column "
     "'sterility' (needed by check 'sterility'); no column 'cell_source' (needed by check "
     "'source'); no column 'lot_code' (needed by check 'code'); no column 'gmp' (needed by "
     "check 'gmp')"),
]


@pytest.mark.parametrize(("raw", "line"), [pytest.param(r, m, id=i) for i, r, m in ERRORS])
def test_broken_file_is_exit_2_with_one_line(tmp_path: Path, raw: bytes, line: str) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC)
    path = tmp_path / "in.csv"
    path.write_bytes(raw)
    run = run_cli("check", "-s", spec, path)
    assert one_line_error(run) == f"exoqc: {path}: {line}"
    assert run.out == ""


READS: list[tuple[str, bytes, list[tuple[str, str]]]] = [
    ("utf8-bom", b"\xef\xbb\xbf" + _lines(HEADER, OK_ROW), [("B1", "pass")]),
    ("utf16-le-bom-tabs (Excel 'Unicode text')",
     ("\ufeff" + _lines(HEADER, *_rows("B1", "B2"), end="\r\n").decode().replace(",", "\t")
      ).encode("utf-16-le"), [("B1", "pass"), ("B2", "pass")]),
    ("utf16-be-bom", ("\ufeff" + _lines(HEADER, OK_ROW).decode()).encode("utf-16-be"),
     [("B1", "pass")]),
    ("windows-1252", _lines(HEADER, OK_ROW.replace("118.4", "0.1184 µm"),
                            OK_ROW.replace("B1", "B2").replace("No growth", "Nö growth"))
     .decode().encode("cp1252"), [("B1", "pass"), ("B2", "fail")]),
    ("cr-only-line-ends", _lines(HEADER, *_rows(*ROWS_OK), end="\r"),
     [(i, "pass") for i in ROWS_OK]),
    ("crlf-line-ends", _lines(HEADER, *_rows(*ROWS_OK), end="\r\n"),
     [(i, "pass") for i in ROWS_OK]),
    ("mixed-line-ends", (HEADER + "\r\n" + _rows("B1")[0] + "\r" + _rows("B2")[0] + "\n"
                         + _rows("B3")[0] + "\r\n").encode(), [(i, "pass") for i in ROWS_OK]),
    ("no-final-line-end", (HEADER + "\n" + OK_ROW).encode(), [("B1", "pass")]),
    ("header-padded-with-trailing-delimiters", _lines(HEADER + ",,,", OK_ROW + ",,,"),
     [("B1", "pass")]),
    ("header-padded-rows-not", _lines(HEADER + ",,,", OK_ROW), [("B1", "pass")]),
    ("empty-header-names-with-no-values", _lines(HEADER + ",,", OK_ROW + ",,"),
     [("B1", "pass")]),
    ("duplicate-header-no-check-needs", _lines(HEADER + ",note,note", OK_ROW + ",a,b"),
     [("B1", "pass")]),
    ("short-row-leaves-cells-missing", _lines(HEADER, "B1,118.4,3.4E+11,No growth"),
     [("B1", "fail")]),
    ("semicolons", _lines(HEADER.replace(",", ";"), OK_ROW.replace(",", ";")),
     [("B1", "pass")]),
    ("quoted-newline-in-a-cell", _lines(HEADER, OK_ROW.replace("UC-MSC", '"UC-MSC\nP4"')),
     [("B1", "pass")]),
    ("blank-lines-between-rows", _lines(HEADER, "", *_rows("B1"), ",,,,,,", *_rows("B2")),
     [("B1", "pass"), ("B2", "pass")]),
]


@pytest.mark.parametrize(("raw", "verdicts"), [pytest.param(r, v, id=i) for i, r, v in READS])
def test_odd_but_readable_file(tmp_path: Path, raw: bytes, verdicts: list[tuple[str, str]]
                               ) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC)
    path = tmp_path / "in.csv"
    path.write_bytes(raw)
    run = run_cli("check", "-s", spec, path, "-f", "json")
    assert run.err == "", run
    assert run.code == (1 if any(v == "fail" for _, v in verdicts) else 0), run
    report = run.json()
    assert [(b["batch_id"], b["verdict"]) for b in report["batches"]] == verdicts
    assert report["inputs"][0]["sha256"] == hashlib.sha256(raw).hexdigest()


def test_short_row_fails_as_missing_not_shifted(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC)
    path = tmp_path / "in.csv"
    path.write_bytes(_lines(HEADER, "B1,118.4,3.4E+11,No growth"))
    report = run_cli("check", "-s", spec, path, "-f", "json").json()
    for name in ("source", "code", "gmp"):
        assert check_of(report, 0, name)["reason"] == "missing"
    assert check_of(report, 0, "sterility")["status"] == "pass"


def test_row_numbers_stay_those_of_the_spreadsheet(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC)
    path = tmp_path / "in.csv"
    path.write_bytes(_lines(HEADER, "", *_rows("B1"), ",,,,,,", *_rows("B2"), end="\r"))
    report = run_cli("check", "-s", spec, path, "-f", "json").json()
    assert [b["row"] for b in report["batches"]] == [3, 5]


def test_folder_missing_and_unreadable_inputs(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC)
    assert one_line_error(run_cli("check", "-s", spec, tmp_path)) == (
        f"exoqc: {tmp_path}: is a folder, not a batch file")
    assert one_line_error(run_cli("check", "-s", spec, tmp_path / "nope.csv")) == (
        f"exoqc: {tmp_path / 'nope.csv'}: file not found")
    assert one_line_error(run_cli("check", "-s", spec, "/proc/self/mem")) == (
        "exoqc: /proc/self/mem: cannot read: Input/output error")


def test_empty_stdin(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC)
    assert one_line_error(run_cli("check", "-s", spec, "-", stdin=b"")) == (
        "exoqc: <stdin>: the file is empty")


def test_ten_thousand_columns(tmp_path: Path) -> None:
    """Works (about 3 s here). A child process, so that a generous timeout, not a stopwatch,
    catches a run that would never end."""
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC)
    extra = [f"extra_{i}" for i in range(10_000)]
    row = {**GOOD, **dict.fromkeys(extra, "x")}
    path = tmp_path / "wide.csv"
    path.write_text(csv_text([row, {**row, "batch_id": "B2", "size_nm": "999"}],
                             columns=[*GOOD, *extra]))
    run = run_process("check", "-s", spec, path, "-f", "json")
    assert run.code == 1, run
    assert [b["verdict"] for b in run.json()["batches"]] == ["pass", "fail"]


def test_file_changing_while_read_is_judged_on_the_bytes_hashed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The reader reads each file once, then parses and hashes those same bytes.

    The file is rewritten right after it is read (the worst moment): the report must be
    the verdict of the bytes read, with their sha256, not of what is on disk later.
    """
    import qc.inputs.files

    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC)
    path = tmp_path / "in.csv"
    before = _lines(HEADER, *_rows("B1", "B2"))
    after = _lines(HEADER, OK_ROW.replace("118.4", "9999"))
    path.write_bytes(before)
    calls: list[Path] = []
    real = qc.inputs.files.read_bytes

    def read_then_change(name: str, *args: Any, **kwargs: Any) -> bytes:
        data = real(name, *args, **kwargs)
        if Path(name) == path:
            calls.append(Path(name))
            path.write_bytes(after)
        return data

    # every reader goes through qc.inputs.files.read_bytes (the one reading policy)
    monkeypatch.setattr(qc.inputs.files, "read_bytes", read_then_change)
    run = run_cli("check", "-s", spec, path, "-f", "json")
    assert run.code == 0, run
    report = run.json()
    assert len(calls) == 1  # read once: no second look at a file that may have changed
    assert report["inputs"][0]["sha256"] == hashlib.sha256(before).hexdigest()
    assert [(b["batch_id"], b["verdict"]) for b in report["batches"]] == [
        ("B1", "pass"), ("B2", "pass")]
    assert path.read_bytes() == after


def test_file_truncated_by_a_writer_is_never_a_silent_pass(tmp_path: Path) -> None:
    """A writer rewriting the file in pieces while exoqc runs: whatever exoqc saw, its
    report hashes it, and a torn read can only be an error or a verdict on those bytes."""
    import threading

    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC)
    path = tmp_path / "in.csv"
    good = _lines(HEADER, *_rows(*(f"B{i}" for i in range(2000))))
    bad = good.replace(b",118.4,", b",999,")
    states = {hashlib.sha256(good).hexdigest(): "pass", hashlib.sha256(bad).hexdigest(): "fail"}
    path.write_bytes(good)
    stop = threading.Event()

    def writer() -> None:
        k = 0
        while not stop.is_set():
            data = bad if k % 2 else good
            with path.open("r+b") as fh:  # in place, in two pieces: readers see torn files
                fh.write(data[: len(data) // 2])
                fh.flush()
                fh.write(data[len(data) // 2:])
                fh.truncate()
            k += 1

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        outcomes = [run_cli("check", "-s", spec, path, "-f", "json") for _ in range(15)]
    finally:
        stop.set()
        thread.join()
    for run in outcomes:
        assert run.code in (0, 1, 2), run
        if run.code == 2:
            one_line_error(run)
            continue
        report: dict[str, Any] = run.json()
        sha = report["inputs"][0]["sha256"]
        verdicts = {b["verdict"] for b in report["batches"]}
        if sha in states:
            assert verdicts == {states[sha]}
        # any other sha is a torn read: its batches are judged on those bytes, and a
        # batch cut mid-row fails (missing cells) rather than passing.


def test_fifty_megabyte_cell(tmp_path: Path) -> None:
    """No crash, the right verdict, bounded memory (measured in a child process)."""
    import resource

    from tests.conftest import run_process

    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC)
    path = tmp_path / "big.csv"
    cell = "1" * (50 << 20)
    path.write_text(csv_text([{**GOOD, "size_nm": cell},
                              {**GOOD, "batch_id": "B2", "sterility": "no growth " * (5 << 20)},
                              {**GOOD, "batch_id": "B3"}]))
    run = run_process("check", "-s", spec, path, "-f", "json")
    assert run.code == 1, run
    report = run.json()
    size = check_of(report, 0, "size")
    assert (size["status"], size["reason"]) == ("fail", "invalid")
    assert size["message"].endswith("': number too large")
    assert size["value"] == cell
    sterility = check_of(report, 1, "sterility")
    assert (sterility["status"], sterility["reason"]) == ("fail", "out_of_spec")
    assert [b["verdict"] for b in report["batches"]] == ["fail", "fail", "pass"]
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    assert peak_mb < 3000, f"peak RSS {peak_mb:.0f} MB for a 100 MB input"


BUILD: dict[str, Callable[[], bytes]] = {}
