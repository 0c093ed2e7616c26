"""Excel: merged cells in the data rows, a merged id header that spans a results row, and
numbers read as Excel shows them (attack round 2: A8, A9, A11). Workbooks are built here
with openpyxl and judged through the CLI."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.worksheet.cell_range import CellRange

from tests.conftest import run_cli
from tests.inputs.test_excel import cache

Write = Callable[[str, str | bytes], Path]

SPEC = """\
name: merged
version: "1"
id_column: batch_id
checks:
  - name: size
    column: size_nm
    unit: nm
    max: 150
  - name: sterility
    column: sterility
    allowed: [no growth]
  - name: endotoxin
    column: endotoxin_eu_per_ml
    unit: EU/mL
    max_exclusive: 0.5
"""
HEADER = ["batch_id", "size_nm", "sterility", "endotoxin_eu_per_ml"]
MERGED = "merged over rows {}-{}: one result cannot stand for several batches"


@pytest.fixture
def spec(write: Write) -> Path:
    return write("spec.yaml", SPEC)


def check(path: Path, spec: Path, *args: str) -> tuple[int, dict[str, Any], str]:
    out = path.with_name("r.json")
    run = run_cli("check", path, "-s", spec, "-o", out, "-q", *args)
    doc: dict[str, Any] = json.loads(out.read_text("utf-8")) if out.exists() else {}
    return run.code, doc, run.err


def cells_of(doc: dict[str, Any], name: str) -> list[tuple[str, str, str | None, str, Any]]:
    """(batch, status, reason, value, message) of check `name` for every batch."""
    return [(b["batch_id"], c["status"], c["reason"], c["value"], c.get("message"))
            for b in doc["batches"] for c in b["checks"] if c["name"] == name]


def book(path: Path, rows: list[list[Any]]) -> openpyxl.Workbook:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    for row in rows:
        ws.append(row)
    return wb


# --- A8: merged cells in the data rows -----------------------------------------------------


def test_a_result_merged_down_over_batches_with_none_is_invalid(tmp_path: Path,
                                                                spec: Path) -> None:
    # As Excel writes it: the covered cells are empty; Excel shows `No growth` over the
    # three rows, but batches 2 and 3 have no sterility result of their own.
    path = tmp_path / "lab.xlsx"
    wb = book(path, [HEADER, ["B-1", 100, "No growth", 0.1], ["B-2", 100, None, 0.1],
                     ["B-3", 100, None, 0.1], ["B-4", 100, "No growth", 0.1]])
    ws = wb.active
    assert ws is not None
    ws.merge_cells("C2:C4")
    wb.save(path)
    code, doc, err = check(path, spec)
    assert (code, err) == (1, "")
    why = MERGED.format(2, 4)
    assert cells_of(doc, "sterility") == [
        ("B-1", "fail", "invalid", "No growth", why), ("B-2", "fail", "invalid", "No growth", why),
        ("B-3", "fail", "invalid", "No growth", why), ("B-4", "pass", None, "No growth", None)]
    assert [b["verdict"] for b in doc["batches"]] == ["fail", "fail", "fail", "pass"]
    assert run_cli("verify", tmp_path / "r.json").code == 0


def test_covered_cells_a_program_left_values_in_are_never_judged(tmp_path: Path,
                                                                 spec: Path) -> None:
    # A LIMS exporter can keep values in the covered cells: Excel shows only `Growth` (the
    # top-left cell) over the three rows. Neither what is shown nor what is hidden may
    # stand for three batches.
    path = tmp_path / "lab.xlsx"
    wb = book(path, [HEADER, ["B-1", 100, "Growth", 0.1], ["B-2", 100, "No growth", 0.1],
                     ["B-3", 100, "No growth", 0.1]])
    ws = wb.active
    assert ws is not None
    ws.merged_cells.add(CellRange("C2:C4"))  # adds the range, keeps the covered values
    wb.save(path)
    code, doc, err = check(path, spec)
    assert (code, err) == (1, "")
    why = MERGED.format(2, 4)
    assert cells_of(doc, "sterility") == [
        (b, "fail", "invalid", "Growth", why) for b in ("B-1", "B-2", "B-3")]


def test_a_number_and_a_batch_id_merged_over_rows_are_invalid(tmp_path: Path,
                                                              spec: Path) -> None:
    path = tmp_path / "lab.xlsx"
    wb = book(path, [HEADER, ["B-1", 100, "No growth", 0.1], [None, None, "No growth", 0.1],
                     ["B-3", 120, "No growth", 0.1], ["B-4", 130, "No growth", 0.1]])
    ws = wb.active
    assert ws is not None
    ws.merge_cells("A2:A3")  # one id over two rows
    ws.merge_cells("B2:B3")  # one size over two rows
    wb.save(path)
    code, doc, err = check(path, spec)
    assert (code, err) == (1, "")
    why = MERGED.format(2, 3)
    assert cells_of(doc, "size")[:2] == [("B-1", "fail", "invalid", "100", why)] * 2
    assert [(b["row"], b["verdict"]) for b in doc["batches"]] == [
        (2, "fail"), (3, "fail"), (4, "pass"), (5, "pass")]
    identity = [c for b in doc["batches"][:2] for c in b["checks"]
                if c["name"] == "batch_identity"]
    assert [(c["status"], c["reason"]) for c in identity] == [("fail", "invalid")] * 2


def test_a_merge_over_one_batch_row_and_a_blank_row_is_read(tmp_path: Path,
                                                            spec: Path) -> None:
    # Only one batch under the merged cell: its value is that batch's own result.
    path = tmp_path / "lab.xlsx"
    wb = book(path, [HEADER, ["B-1", 100, "No growth", 0.1], [], ["B-2", 100, "No growth", 0.1]])
    ws = wb.active
    assert ws is not None
    ws.merge_cells("C2:C3")
    ws.merge_cells("B4:D4")  # across one row: the top-left value, covered cells empty
    wb.save(path)
    code, doc, err = check(path, spec)
    assert (code, err) == (1, "")
    assert cells_of(doc, "sterility") == [("B-1", "pass", None, "No growth", None),
                                          ("B-2", "fail", "missing", "", "no value")]
    assert [b["row"] for b in doc["batches"]] == [2, 4]


def test_merged_header_rows_are_still_filled(tmp_path: Path, spec: Path) -> None:
    # The id header over the group row and the name row (A1:A2), a group over B1:D1.
    path = tmp_path / "lab.xlsx"
    wb = book(path, [["Batch ID", "Release tests", None, None], [None, *HEADER[1:]],
                     ["B-1", 100, "No growth", 0.1], ["B-2", 100, "No growth", 0.1]])
    ws = wb.active
    assert ws is not None
    ws.merge_cells("A1:A2")
    ws.merge_cells("B1:D1")
    wb.save(path)
    code, doc, err = check(path, spec, "--columns", str(_map(tmp_path)))
    assert (code, err) == (0, "")
    assert doc["inputs"][0]["header_row"] == 2
    assert [(b["batch_id"], b["row"]) for b in doc["batches"]] == [("B-1", 3), ("B-2", 4)]


def _map(tmp_path: Path) -> Path:
    path = tmp_path / "columns.yaml"
    path.write_text('"Batch ID": batch_id\n', encoding="utf-8")
    return path


# --- A9: a merged id header that pulls a results row into the header -----------------------


def test_a_results_row_inside_a_merged_id_header_exits_2(tmp_path: Path, spec: Path) -> None:
    path = tmp_path / "lab.xlsx"
    wb = book(path, [["batch_id", "QC results", None, None],
                     [None, 100, "Growth", 5.0],  # a batch's results, between the rows
                     [None, *HEADER[1:]],
                     ["B-1", 100, "No growth", 0.1]])
    ws = wb.active
    assert ws is not None
    ws.merge_cells("A1:A3")
    ws.merge_cells("B1:D1")
    wb.save(path)
    code, doc, err = check(path, spec)
    assert (code, doc) == (2, {})
    assert err == (f"exoqc: {path}: sheet 'Sheet': row 2 above the header (row 3) holds "
                   "results ('100', ...): a batch is never ignored; move it below the header "
                   "or remove it\n")


def test_a_merged_id_header_over_a_group_and_a_name_row_is_read(tmp_path: Path,
                                                                spec: Path) -> None:
    path = tmp_path / "lab.xlsx"
    wb = book(path, [["batch_id", "QC results", None, None], [None, *HEADER[1:]],
                     ["B-1", 100, "No growth", 0.1]])
    ws = wb.active
    assert ws is not None
    ws.merge_cells("A1:A2")
    ws.merge_cells("B1:D1")
    wb.save(path)
    code, doc, err = check(path, spec)
    assert (code, err) == (0, "")
    assert doc["notes"] == [f"{path}: header on row 2; ignored above it: row 1 ('batch_id')"]


# --- A11: numbers as Excel shows them (15 significant digits) ------------------------------


@pytest.mark.parametrize(("formula", "cached", "value", "status"), [
    ("=0.7-0.2", "0.49999999999999994", "0.5", "fail"),  # Excel shows and exports 0.5
    ("=0.1+0.2", "0.30000000000000004", "0.3", "pass"),
    ("=0.3-0.1", "0.19999999999999998", "0.2", "pass"),
    ("=4.35E-1+0", "0.435", "0.435", "pass"),
])
def test_a_computed_result_is_judged_as_excel_shows_it(tmp_path: Path, spec: Path,
                                                       formula: str, cached: str, value: str,
                                                       status: str) -> None:
    path = tmp_path / "lab.xlsx"
    book(path, [HEADER, ["B-1", 100, "No growth", formula]]).save(path)
    cache(path, "D2", cached)  # the double Excel stores on save
    code, doc, err = check(path, spec)
    assert (code, err) == (0 if status == "pass" else 1, "")
    said = None if status == "pass" else "0.5 EU/mL is at the exclusive maximum 0.5 EU/mL"
    assert cells_of(doc, "endotoxin") == [
        ("B-1", status, None if status == "pass" else "out_of_spec", value, said)]


def test_very_large_and_small_numbers_stay_numbers(tmp_path: Path, spec: Path) -> None:
    path = tmp_path / "lab.xlsx"
    book(path, [HEADER, ["B-1", 1.2e-7, "No growth", 3.4e-20],
                ["B-2", 2.5e20, "No growth", 0.1]]).save(path)
    code, doc, err = check(path, spec)
    assert (code, err) == (1, "")
    assert cells_of(doc, "size") == [("B-1", "pass", None, "1.2e-07", None),
                                     ("B-2", "fail", "out_of_spec", "2.5e+20",
                                      "2.5e+20 nm is above the maximum 150 nm")]
    assert cells_of(doc, "endotoxin")[0][:4] == ("B-1", "pass", None, "3.4e-20")


def test_a_value_hidden_under_a_merge_across_one_row_is_invalid(tmp_path: Path,
                                                                spec: Path) -> None:
    # B2:C2 merged by a program that kept C2's value: Excel shows `100` over both cells
    # and never shows `No growth`, so that hidden value passes nothing.
    path = tmp_path / "lab.xlsx"
    wb = book(path, [HEADER, ["B-1", 100, "No growth", 0.1], ["B-2", 100, None, 0.1]])
    ws = wb.active
    assert ws is not None
    ws.merged_cells.add(CellRange("B2:C2"))
    ws.merge_cells("B3:C3")  # as Excel writes it: the covered cell is empty, read as such
    wb.save(path)
    code, doc, err = check(path, spec)
    assert (code, err) == (1, "")
    assert cells_of(doc, "sterility") == [
        ("B-1", "fail", "invalid", "100", "hidden under the merged cell B2, which Excel shows "
         "instead: a value Excel does not show is never judged"),
        ("B-2", "fail", "missing", "", "no value")]
    assert cells_of(doc, "size")[0] == ("B-1", "pass", None, "100", None)
