"""Excel inputs (.xlsx, .xlsm) through the CLI, with workbooks the tests build with openpyxl.

openpyxl writes formulas without a cached value (it cannot calculate), which is exactly
the workbook "written by a program, never opened in Excel"; `cache()` then stores a
value into such a cell the way Excel does on save, for the cached-value cases.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from qc.inputs.excel import cell_text
from tests.conftest import run_cli

Write = Callable[[str, str | bytes], Path]

SPEC = """\
name: xl-spec
version: "1"
id_column: batch_id
checks:
  - name: size
    column: size_nm
    unit: nm
    max: 150
  - name: gmp
    column: gmp
    equals: true
  - name: potency
    column: potency
    min: 50
    required: false
"""


@pytest.fixture
def spec(write: Write) -> Path:
    return write("spec.yaml", SPEC)


def workbook(path: Path, sheets: dict[str, Sequence[Sequence[Any]]]) -> Path:
    wb = openpyxl.Workbook()
    first = True
    for name, rows in sheets.items():
        ws = wb.active if first else wb.create_sheet(name)
        assert ws is not None
        ws.title = name
        first = False
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is not None:
                    ws.cell(row=r, column=c, value=value)
    wb.save(path)
    return path


def cache(path: Path, ref: str, value: str, kind: str | None = None) -> None:
    """Store a cached value into formula cell `ref` of the first sheet, as Excel does."""
    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    xml = members["xl/worksheets/sheet1.xml"].decode()
    cell = re.search(rf'<c r="{ref}"[^>]*>(<f>.*?</f>)<v\s*/>.*?</c>', xml)
    assert cell is not None, xml
    t = f' t="{kind}"' if kind else ""
    xml = xml.replace(cell.group(0), f'<c r="{ref}"{t}>{cell.group(1)}<v>{value}</v></c>')
    members["xl/worksheets/sheet1.xml"] = xml.encode()
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)


def report(run_args: Sequence[str]) -> dict[str, Any]:
    run = run_cli(*run_args, "--format", "json")
    assert run.err == "", run
    result: dict[str, Any] = json.loads(run.out)
    return result


def checks(rep: dict[str, Any], batch: int) -> dict[str, tuple[str, str | None, str | None]]:
    return {c["name"]: (c["status"], c["reason"], c["value"])
            for c in rep["batches"][batch]["checks"]}


HEADER = ["batch_id", "size_nm", "gmp", "potency"]


def test_cells_read_as_a_technician_sees_them(tmp_path: Path, spec: Path) -> None:
    extra = ["made", "at", "ratio", "flag"]
    path = workbook(tmp_path / "lab.xlsx", {"QC": [
        HEADER + extra,
        ["XL-1", 85, True, 96.5, dt.date(2026, 3, 7), dt.datetime(2026, 3, 7, 0, 0), 0.1, False],
        ["XL-2", 85.0, "Yes", None, dt.datetime(2026, 3, 7, 14, 30), dt.time(9, 15),
         3.4e11, True],
        ["XL-3", 162, False, 1e-05, None, None, 2.5e20, None],
    ]})
    rep = report(["check", str(path), "--spec", str(spec), "--verbose"])
    assert [(b["batch_id"], b["row"], b["verdict"]) for b in rep["batches"]] == [
        ("XL-1", 2, "pass"), ("XL-2", 3, "pass"), ("XL-3", 4, "fail")]
    assert checks(rep, 0) == {"batch_identity": ("pass", None, "XL-1"),
                              "size": ("pass", None, "85"), "gmp": ("pass", None, "true"),
                              "potency": ("pass", None, "96.5")}
    assert checks(rep, 1)["potency"] == ("not_tested", None, "")
    assert checks(rep, 2) == {"batch_identity": ("pass", None, "XL-3"),
                              "size": ("fail", "out_of_spec", "162"),
                              "gmp": ("fail", "out_of_spec", "false"),
                              "potency": ("fail", "out_of_spec", "1e-05")}
    # The unchecked columns, through the CSV report's sibling: every cell as text.
    from qc.inputs.excel import read_sheet

    sheet = read_sheet(path.read_bytes(), "lab.xlsx", None)
    assert sheet.header == HEADER + extra
    assert sheet.cells == [
        ["XL-1", "85", "true", "96.5", "2026-03-07", "2026-03-07", "0.1", "false"],
        ["XL-2", "85", "Yes", "", "2026-03-07 14:30:00", "09:15:00", "340000000000", "true"],
        ["XL-3", "162", "false", "1e-05", "", "", "2.5e+20", ""],
    ]


def test_blank_rows_are_skipped_and_rows_stay_spreadsheet_rows(tmp_path: Path,
                                                               spec: Path) -> None:
    path = workbook(tmp_path / "lab.xlsx", {"QC": [
        [None], ["Release QC export"], [None], HEADER,
        ["XL-1", 100, "yes"], [None], [None, None, None], ["XL-2", 170, "yes"],
    ]})
    # A title above the header: the header is found below it (qc/inputs/layout.py), the
    # title is named in a note and never read as a header or a batch.
    rep = report(["check", str(path), "--spec", str(spec)])
    assert [(b["batch_id"], b["row"]) for b in rep["batches"]] == [("XL-1", 5), ("XL-2", 8)]
    assert rep["inputs"][0]["header_row"] == 4
    assert f"{path}: header on row 4; ignored above it: row 2 ('Release QC export')" \
        in rep["notes"]
    path = workbook(tmp_path / "lab2.xlsx", {"QC": [
        [None], [None], HEADER, ["XL-1", 100, "yes"], [None], [None],
        ["XL-2", 170, "yes"], [None],
    ]})
    rep = report(["check", str(path), "--spec", str(spec)])
    assert [(b["batch_id"], b["row"], b["verdict"]) for b in rep["batches"]] == [
        ("XL-1", 4, "pass"), ("XL-2", 7, "fail")]
    assert rep["inputs"][0]["rows"] == 2


def test_formula_without_cached_value_is_invalid_never_a_pass(tmp_path: Path,
                                                              spec: Path) -> None:
    path = workbook(tmp_path / "lab.xlsx", {"QC": [
        [*HEADER, "raw"],
        ["XL-1", "=E2*2", "yes", "=E2", 50],
        ["XL-2", 100, "yes", '=IF(E3>0,"",1)', 60],
    ]})
    rep = report(["check", str(path), "--spec", str(spec)])
    message = ("formula with no cached value: open the workbook in Excel and save it, or "
               "export the values")
    assert [b["verdict"] for b in rep["batches"]] == ["fail", "fail"]
    first = {c["name"]: c for c in rep["batches"][0]["checks"]}
    assert (first["size"]["status"], first["size"]["reason"], first["size"]["value"],
            first["size"]["message"]) == ("fail", "invalid", "=E2*2", message)
    # Optional checks too: an uncalculated formula is not an empty cell.
    assert (first["potency"]["status"], first["potency"]["reason"]) == ("fail", "invalid")
    second = {c["name"]: c for c in rep["batches"][1]["checks"]}
    assert (second["potency"]["reason"], second["potency"]["value"]) == (
        "invalid", '=IF(E3>0,"",1)')


def test_formula_uses_its_cached_value(tmp_path: Path, spec: Path) -> None:
    path = workbook(tmp_path / "lab.xlsx", {"QC": [
        [*HEADER, "raw"],
        ["XL-1", "=E2*2", "yes", '=IF(E2>0,"",1)', 50],
        ["XL-2", "=E3*2", "yes", None, 90],
    ]})
    cache(path, "B2", "100")
    cache(path, "D2", "", kind="str")  # a text formula whose result is the empty text
    cache(path, "B3", "180")
    rep = report(["check", str(path), "--spec", str(spec)])
    assert checks(rep, 0) == {"batch_identity": ("pass", None, "XL-1"),
                              "size": ("pass", None, "100"), "gmp": ("pass", None, "yes"),
                              "potency": ("not_tested", None, "")}
    assert checks(rep, 1)["size"] == ("fail", "out_of_spec", "180")


def test_excel_error_values_are_invalid_never_missing(tmp_path: Path, spec: Path) -> None:
    path = workbook(tmp_path / "lab.xlsx", {"QC": [
        [*HEADER, "raw"],
        ["XL-1", "=E2/0", "yes", "=NA()", 0],
        ["XL-2", 100, "yes", "=E3", 0],
    ]})
    cache(path, "B2", "#DIV/0!", kind="e")  # what Excel stores for a failed formula
    cache(path, "D2", "#N/A", kind="e")
    cache(path, "D3", "70")
    with zipfile.ZipFile(path) as zf:  # an error typed in as a constant, no formula
        members = {n: zf.read(n) for n in zf.namelist()}
    xml = members["xl/worksheets/sheet1.xml"].decode()
    xml = xml.replace('<c r="E3" t="n"><v>0</v></c>', '<c r="E3" t="e"/>')
    members["xl/worksheets/sheet1.xml"] = xml.encode()
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    rep = report(["check", str(path), "--spec", str(spec)])
    got = [[(c["name"], c["status"], c["reason"], c["value"], c["message"]) for c in b["checks"]
            if c["status"] != "pass"] for b in rep["batches"]]
    assert got == [
        [("size", "fail", "invalid", "#DIV/0!",
          "Excel error value #DIV/0!: the formula could not be calculated"),
         ("potency", "fail", "invalid", "#N/A",
          "Excel error value #N/A: the formula could not be calculated")],
        [],
    ]
    from qc.inputs.excel import read_sheet

    sheet = read_sheet(path.read_bytes(), "lab.xlsx", None)
    assert sheet.cells[1] == ["XL-2", "100", "yes", "70", "#VALUE!"]
    assert sheet.broken == {
        (0, 1): ("Excel error value #DIV/0!: the formula could not be calculated"),
        (0, 3): ("Excel error value #N/A: the formula could not be calculated"),
        (1, 4): ("Excel error value #VALUE!: the formula could not be calculated")}


def test_sheet_option_reads_another_sheet(tmp_path: Path, spec: Path) -> None:
    path = workbook(tmp_path / "lab.xlsm", {
        "Cover": [["Release QC"], ["batch list on sheet Results"]],
        "Results": [HEADER, ["XL-9", 120, "y"]],
    })
    rep = report(["check", str(path), "--spec", str(spec), "--sheet", "Results"])
    assert [(b["batch_id"], b["row"], b["verdict"]) for b in rep["batches"]] == [
        ("XL-9", 2, "pass")]
    rep = report(["check", str(path), "--spec", str(spec), "--sheet", "results"])
    assert [b["batch_id"] for b in rep["batches"]] == ["XL-9"]  # Excel ignores case too
    run = run_cli("check", str(path), "--spec", str(spec))  # the first sheet, Cover
    assert (run.code, run.err) == (2, f"exoqc: {path}: no column 'batch_id' (needed by "
                                      "check 'batch_identity'); no column 'size_nm' (needed "
                                      "by check 'size'); no column 'gmp' (needed by check "
                                      "'gmp')\n")


def test_missing_sheet_exits_2_listing_the_sheets(tmp_path: Path, spec: Path) -> None:
    path = workbook(tmp_path / "lab.xlsx", {"QC": [HEADER], "Notes": [["x"]]})
    run = run_cli("check", str(path), "--spec", str(spec), "--sheet", "Results")
    assert (run.code, run.out) == (2, "")
    assert run.err == f"exoqc: {path}: no sheet 'Results'; the sheets are: 'QC', 'Notes'\n"


def test_excel_and_csv_inputs_together(tmp_path: Path, spec: Path, write: Write) -> None:
    (tmp_path / "lab2").mkdir()
    xlsx = workbook(tmp_path / "lab2" / "a.xlsx",
                    {"QC": [HEADER, ["XL-1", 100, "yes"], ["XL-2", 90, "yes"]]})
    csv = write("b.csv", "batch_id,size_nm,gmp\nXL-2,100,yes\nC-1,90,yes\n")
    rep = report(["check", str(csv), str(xlsx), "--spec", str(spec)])
    assert [(i["path"], i["rows"]) for i in rep["inputs"]] == [(str(csv), 2), (str(xlsx), 2)]
    assert [(b["batch_id"], b["input"], b["row"], b["verdict"]) for b in rep["batches"]] == [
        ("XL-2", str(csv), 2, "fail"), ("C-1", str(csv), 3, "pass"),
        ("XL-1", str(xlsx), 2, "pass"), ("XL-2", str(xlsx), 3, "fail")]


def test_empty_sheet_and_header_only(tmp_path: Path, spec: Path) -> None:
    path = workbook(tmp_path / "empty.xlsx", {"QC": []})
    run = run_cli("check", str(path), "--spec", str(spec))
    assert (run.code, run.err) == (2, f"exoqc: {path}: sheet 'QC' is empty\n")
    path = workbook(tmp_path / "header.xlsx", {"QC": [HEADER]})
    run = run_cli("check", str(path), "--spec", str(spec))
    assert (run.code, run.err) == (2, f"exoqc: {path}: sheet 'QC': no batch rows below the "
                                      "header\n")


def test_value_outside_the_header_exits_2(tmp_path: Path, spec: Path) -> None:
    path = workbook(tmp_path / "lab.xlsx", {"QC": [HEADER, ["XL-1", 100, "yes", 60, None,
                                                            "stray"]]})
    run = run_cli("check", str(path), "--spec", str(spec))
    assert (run.code, run.err) == (2, f"exoqc: {path}: sheet 'QC': cell F2 has a value but "
                                      "its column has no header\n")


READS = "exoqc reads CSV files and Excel workbooks (.xlsx, .xlsm)"


@pytest.mark.parametrize(("name", "content", "problem"), [
    ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100),
     "unsupported file type '.xls' (a legacy Excel workbook: save it as .xlsx or CSV)"),
    ("spec.pdf", b"%PDF-1.7\n...", "unsupported file type '.pdf' (a PDF document)"),
    ("calc.ods", b"PK\x03\x04", "unsupported file type '.ods' (an OpenDocument spreadsheet: "
                                "save it as .xlsx or CSV)"),
    ("results.csv", b"%PDF-1.4\n%\xe2\xe3", "unsupported file type: a PDF document"),
    ("results.csv", b"PK\x03\x04\x14\x00",
     "unsupported file type: a ZIP archive (an .xlsx workbook? name it .xlsx)"),
    ("fake.xlsx", b"batch_id,size_nm\nA,1\n", "not an Excel workbook"),
    ("legacy.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100),
     "not an Excel workbook (a legacy Excel (.xls) or other OLE2 file)"),
])
def test_unsupported_files_exit_2_naming_them(write: Write, spec: Path, name: str,
                                              content: bytes, problem: str) -> None:
    path = write(name, content)
    run = run_cli("check", str(path), "--spec", str(spec))
    assert (run.code, run.out) == (2, "")
    assert run.err == f"exoqc: {path}: {problem}; {READS}\n"


def test_broken_workbook_exits_2(write: Write, spec: Path) -> None:
    path = write("broken.xlsx", b"PK\x03\x04" + bytes(64))
    run = run_cli("check", str(path), "--spec", str(spec))
    assert run.code == 2
    assert run.err.startswith(f"exoqc: {path}: cannot read as an Excel workbook: ")
    assert run.err.count("\n") == 1


def test_unreadable_workbook_exits_2(write: Write, spec: Path) -> None:
    file = write("a.csv", "batch_id\n")
    run = run_cli("check", f"{file}/lab.xlsx", "--spec", str(spec))
    assert (run.code, run.err) == (2, f"exoqc: {file}/lab.xlsx: cannot read: Not a directory\n")
    missing = file.parent / "missing.xlsx"
    run = run_cli("check", str(missing), "--spec", str(spec))
    assert (run.code, run.err) == (2, f"exoqc: {missing}: file not found\n")


@pytest.mark.parametrize(("value", "text"), [
    (None, ""), (True, "true"), (False, "false"), (85, "85"), (85.0, "85"), (-80.0, "-80"),
    (0.1, "0.1"), (96.5, "96.5"), (3.4e11, "340000000000"), (2.1e16, "2.1e+16"),
    (1e-05, "1e-05"), (0.7 - 0.2, "0.5"), (0.1 + 0.2, "0.3"), (3 * 1.1, "3.3"),
    (2.9999999999999996, "3"), (-0.0, "0"), (0.1234567890123456, "0.123456789012346"),
    (123456789012345.6, "123456789012346"), (dt.date(2026, 3, 7), "2026-03-07"),
    (dt.datetime(2026, 3, 7), "2026-03-07"),
    (dt.datetime(2026, 3, 7, 14, 30), "2026-03-07 14:30:00"),
    (dt.time(9, 15), "09:15:00"), ("No growth", "No growth"),
])
def test_cell_text(value: object, text: str) -> None:
    assert cell_text(value) == text


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_cell_text_of_a_float_is_the_number_excel_shows(value: float) -> None:
    # Excel shows (and exports) a number at 15 significant digits: the cell's exact
    # binary value rounded half-even, computed here with decimal, not with format().
    from decimal import Context, Decimal

    shown = Context(prec=15).plus(Decimal(value))
    assert Decimal(cell_text(value)) == shown
    assert re.fullmatch(r"-?\d+(\.\d+)?(e[-+]\d+)?", cell_text(value))


SHEET_XML = b"""<?xml version="1.0" encoding="UTF-8"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="1"><c r="A1" t="inlineStr"><is><t>a &lt;f&gt; t="e"</t></is></c>
<c r="B1"><v>1</v></c></row>
<row r="2"><c r="A2"><f>B1*2</f><v>2</v></c>
<c r="B2"><f t="shared" ref="B2:B3" si="0">A2&amp;"x"</f></c>
<c r="C2" t="str"><f>""</f><v></v></c><c r="D2" t="e"/>
<c r="E2" t="e"><f>1/0</f><v>#DIV/0!</v></c></row>
<row r="3"><c r="B3"><f t="shared" si="0"/><v/></c><c r="AA3" s="1"/></row>
</sheetData><extLst><ext><x14:dataValidations xmlns:x14="x"><x14:dataValidation><x14:formula1>
<xm:f xmlns:xm="y">Lists!$A$1:$A$3</xm:f></x14:formula1></x14:dataValidation></x14:dataValidations>
</ext></extLst></worksheet>"""


def test_formula_and_error_scan_agrees_with_a_full_parse() -> None:
    from qc.inputs.excel import EXCEL_ERROR, UNCALCULATED, _scan, _scan_slowly

    expected = {
        (2, 1): ('=A2&"x"', UNCALCULATED),
        (2, 3): ("#VALUE!", EXCEL_ERROR.format("#VALUE!")),
        (2, 4): ("#DIV/0!", EXCEL_ERROR.format("#DIV/0!")),
        (3, 1): ("=...", UNCALCULATED),
    }
    assert dict(_scan(SHEET_XML)) == expected
    assert dict(_scan_slowly(SHEET_XML)) == expected
    # Without cell references the scan falls back to the full parse, which counts the
    # cells of a row: B3, now the first cell of row 3, is in column A.
    no_refs = re.sub(rb' r="[A-Z]+[0-9]+"', b"", SHEET_XML)
    positional = {**expected, (3, 0): expected[(3, 1)]}
    del positional[(3, 1)]
    assert dict(_scan(no_refs)) == positional
