"""Excel (attack round 3: B4, B5, B9): numbers formatted as a percentage read as Excel
shows them, a header merged over columns holding values is refused, and the sheets not
read are named. Workbooks are built here with openpyxl and judged through the CLI."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from tests.conftest import run_cli

Write = Callable[[str, str | bytes], Path]

SPEC = """\
name: percent
version: "1"
id_column: batch_id
checks:
  - name: aggregates
    column: aggregates_pct
    unit: "%"
    max: 5
  - name: potency
    column: potency_pct
    unit: "%"
    min: 50
    max: 150
  - name: purity
    column: purity_pct
    unit: "%"
    min: 7
    required: false
  - name: endotoxin
    column: endotoxin_eu_per_ml
    unit: EU/mL
    max_exclusive: 0.5
"""
HEADER = ["batch_id", "aggregates_pct", "potency_pct", "endotoxin_eu_per_ml"]


@pytest.fixture
def spec(write: Write) -> Path:
    return write("spec.yaml", SPEC)


def check(path: Path, spec: Path, *args: str) -> tuple[int, dict[str, Any], str]:
    out = path.with_name("r.json")
    run = run_cli("check", path, "-s", spec, "-o", out, "-q", *args)
    doc: dict[str, Any] = json.loads(out.read_text("utf-8")) if out.exists() else {}
    return run.code, doc, run.err


def result(doc: dict[str, Any], name: str) -> tuple[str, str | None, Any, Any]:
    """(status, reason, value, message) of check `name` for the one batch."""
    (found,) = [c for c in doc["batches"][0]["checks"] if c["name"] == name]
    return found["status"], found["reason"], found["value"], found.get("message")


def workbook(path: Path, header: list[str], values: list[Any],
             formats: dict[str, str]) -> openpyxl.Workbook:
    """One batch row; `formats` maps a header to the number format of its cell."""
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(header)
    ws.append(values)
    for name, fmt in formats.items():
        ws.cell(2, header.index(name) + 1).number_format = fmt
    wb.save(path)
    return wb


# --- B4: a number shown as a percentage ---------------------------------------------------


@pytest.mark.parametrize("fmt", ["0%", "0.00%", "0.0%", '#,##0.0%;[Red]-0.0%'])
def test_a_percent_cell_is_read_as_excel_shows_it(tmp_path: Path, spec: Path,
                                                  fmt: str) -> None:
    # Excel shows 12% (and its CSV export writes 12%); the stored value is 0.12, which
    # passed `max: 5` before.
    path = tmp_path / "lab.xlsx"
    workbook(path, HEADER, ["B-1", 0.12, 96, 0.1], {"aggregates_pct": fmt})
    code, doc, err = check(path, spec)
    assert (code, err) == (1, "")
    assert result(doc, "aggregates") == ("fail", "out_of_spec", "12%",
                                         "12% is above the maximum 5 %")


def test_potency_shown_as_96_percent_passes_50_to_150(tmp_path: Path, spec: Path) -> None:
    path = tmp_path / "lab.xlsx"
    workbook(path, HEADER, ["B-1", 0.01, 0.96, 0.1],
             {"aggregates_pct": "0%", "potency_pct": "0%"})
    code, doc, err = check(path, spec)
    assert (code, err) == (0, "")
    assert result(doc, "potency") == ("pass", None, "96%", None)
    assert result(doc, "aggregates") == ("pass", None, "1%", None)


def test_a_percent_is_read_at_15_significant_digits(tmp_path: Path, spec: Path) -> None:
    # 0.07 * 100 is 7.000000000000001 in floating point: the report shows `7%`, as Excel.
    path = tmp_path / "lab.xlsx"
    workbook(path, [*HEADER, "purity_pct"], ["B-1", 0.0123, 1, 0.1, 0.07],
             {"purity_pct": "0.0%", "aggregates_pct": "0.00%", "potency_pct": "0%"})
    code, doc, err = check(path, spec)
    assert (code, err) == (0, "")
    assert result(doc, "purity")[2] == "7%"
    assert result(doc, "aggregates")[2] == "1.23%"
    assert result(doc, "potency")[:3] == ("pass", None, "100%")


def test_a_percent_cell_under_another_unit_is_invalid_as_in_the_csv(tmp_path: Path,
                                                                    spec: Path,
                                                                    write: Write) -> None:
    path = tmp_path / "lab.xlsx"
    workbook(path, HEADER, ["B-1", 0.01, 96, 0.12], {"endotoxin_eu_per_ml": "0%"})
    code, doc, err = check(path, spec)
    csv = write("export.csv", ",".join(HEADER) + "\nB-1,1,96,12%\n")
    csv_code, csv_doc, csv_err = check(csv, spec)
    assert result(doc, "endotoxin")[:3] == ("fail", "invalid", "12%")
    assert result(doc, "endotoxin") == result(csv_doc, "endotoxin")
    assert (code, err) == (csv_code, csv_err) == (1, "")


@pytest.mark.parametrize("fmt", ['0.00"%"', "0.00\\%", "0.00"])
def test_a_literal_percent_sign_does_not_scale(tmp_path: Path, spec: Path, fmt: str) -> None:
    # A quoted or escaped % is text Excel prints after the number, unscaled: 0.12 shows
    # `0.12%`, read as the number 0.12 under the check's unit.
    path = tmp_path / "lab.xlsx"
    workbook(path, HEADER, ["B-1", 0.12, 96, 0.1], {"aggregates_pct": fmt})
    code, doc, err = check(path, spec)
    assert (code, err) == (0, "")
    assert result(doc, "aggregates") == ("pass", None, "0.12", None)


def test_text_under_a_percent_format_is_read_as_typed(tmp_path: Path, spec: Path) -> None:
    path = tmp_path / "lab.xlsx"
    workbook(path, HEADER, ["B-1", "n.d.", 96, 0.1], {"aggregates_pct": "0%"})
    code, doc, _ = check(path, spec)
    assert code == 1
    assert result(doc, "aggregates")[2] == "n.d."


# --- B5: a header merged over several columns ---------------------------------------------


def _replicates(path: Path, second: Any) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["batch_id", "aggregates_pct", "potency_pct", "endotoxin_eu_per_ml", None])
    ws.append(["B-1", 1, 96, 0.08, second])
    ws.merge_cells("D1:E1")
    wb.save(path)


def test_a_header_merged_over_columns_holding_values_exits_2(tmp_path: Path,
                                                             spec: Path) -> None:
    # Two replicates under one merged header: the second (5.0 EU/mL) was never judged.
    path = tmp_path / "lab.xlsx"
    _replicates(path, 5.0)
    code, doc, err = check(path, spec)
    assert (code, doc) == (2, {})
    assert err == (f"exoqc: {path}: sheet 'Sheet': header 'endotoxin_eu_per_ml' is merged "
                   "over columns D-E, which hold values: give each result its own column or "
                   "use replicates in one cell\n")


def test_a_header_merged_over_empty_columns_is_read(tmp_path: Path, spec: Path) -> None:
    path = tmp_path / "lab.xlsx"
    _replicates(path, None)
    code, doc, err = check(path, spec)
    assert (code, err) == (0, "")
    assert result(doc, "endotoxin")[:3] == ("pass", None, "0.08")


# --- B9: the sheets not read --------------------------------------------------------------


def _sheets(path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Batches"
    ws.append(HEADER)
    ws.append(["B-1", 1, 96, 0.1])
    old = wb.create_sheet("Old")
    old.append(HEADER)
    old.append(["B-2", 40, 96, 5.0])  # a failing batch, on a hidden sheet
    old.sheet_state = "hidden"
    summary = wb.create_sheet("Summary")
    summary.append(["Batch", "aggregates_pct"])  # not the spec's id column
    summary.append(["B-3", 40])
    wb.create_sheet("Empty")
    wb.active = 0
    wb.save(path)


def test_the_sheets_not_read_are_named_in_every_report(tmp_path: Path, spec: Path) -> None:
    path = tmp_path / "lab.xlsx"
    _sheets(path)
    outs = [tmp_path / f"r{s}" for s in (".json", ".md", ".txt", ".html")]
    run = run_cli("check", path, "-s", spec, *(a for o in outs for a in ("-o", o)))
    assert run.code == 0, run
    note = f"{path}: sheets not read: 'Old' (hidden), 'Summary'"
    doc = json.loads(outs[0].read_text("utf-8"))
    assert doc["inputs"][0]["sheet"] == "Batches"
    assert note in doc["notes"]
    assert not [n for n in doc["notes"] if "Empty" in n]
    assert note in " ".join(run.out.split())  # the terminal wraps long lines
    for out in outs[1:]:
        assert "sheets not read: " in out.read_text("utf-8"), out
    assert run_cli("verify", outs[0]).code == 0


def test_several_visible_sheets_with_the_id_column_are_still_refused(tmp_path: Path,
                                                                      spec: Path) -> None:
    path = tmp_path / "lab.xlsx"
    wb = openpyxl.Workbook()
    for ws in (wb.active, wb.create_sheet("More")):
        assert ws is not None
        ws.append(HEADER)
        ws.append(["B-1", 1, 96, 0.1])
    wb.save(path)
    code, _, err = check(path, spec)
    assert code == 2
    assert "2 visible sheets hold the id column 'batch_id'" in err


def test_a_value_under_an_empty_header_cell_inside_the_header_is_refused(
        tmp_path: Path) -> None:
    """Attack round 4: a header centred across two columns ("Center Across Selection", no
    merge) leaves the second column's header cell empty; its value (a second replicate,
    5.0 EU/mL) was read under no name and never judged."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["batch_id", "endotoxin", None, "potency"])
    sheet.append(["EXO-001", 0.08, 5.0, 80])
    path = tmp_path / "lab.xlsx"
    book.save(path)
    spec = tmp_path / "s.yaml"
    spec.write_text("name: s\nversion: '1'\nid_column: batch_id\nchecks:\n"
                    "  - name: endotoxin\n    column: endotoxin\n    max: 0.5\n",
                    encoding="utf-8")
    run = run_cli("check", path, "-s", spec)
    assert run.code == 2, run
    assert "cell C2 has a value but its column has no header" in run.err
