"""Excel: the sheet judged is the one Excel opens; hidden sheets only when named, and noted.

The workbooks are built here with openpyxl: a stale hidden (or very hidden) first sheet
where the batch passes, and the visible sheet where it fails.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.integrity.conftest import Lab
from tests.integrity.output import verdict


def _book(path: str, sheets: list[tuple[str, str, str]], active: int | None = None) -> None:
    """sheets: (name, state, size_nm of batch B-1); state visible/hidden/veryHidden."""
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, state, size in sheets:
        ws = wb.create_sheet(name)
        ws.append(["batch_id", "size_nm"])
        ws.append(["B-1", int(size)])
        ws.sheet_state = state
    if active is not None:
        wb.active = active
    else:  # openpyxl makes the first sheet active: make it the first visible one, as Excel
        wb.active = next(i for i, (_, state, _) in enumerate(sheets) if state == "visible")
    wb.save(path)


@pytest.mark.parametrize("state", ["hidden", "veryHidden"])
def test_a_hidden_first_sheet_is_not_judged_by_default(lab: Lab, state: str) -> None:
    _book("lab.xlsx", [("stale", state, "100"), ("current", "visible", "900")])
    run = run_cli("check", "lab.xlsx", "-s", "approved.yaml", "-o", "r.json", "-q")
    assert run.code == 1, run  # the visible sheet, where B-1 fails
    doc = Lab(Path()).doc()
    assert doc["inputs"][0]["sheet"] == "current"
    # Not judged, but never silently: the note names the hidden sheet left unread.
    shown = {"hidden": "hidden", "veryHidden": "very hidden"}[state]
    assert doc["notes"] == [f"lab.xlsx: sheet not read: 'stale' ({shown})"]


def test_the_active_sheet_is_judged_when_visible(lab: Lab) -> None:
    _book("lab.xlsx", [("old", "hidden", "100"), ("notes", "visible", "100"),
                       ("today", "visible", "900")], active=2)
    _strip_id("lab.xlsx", "notes")
    run = run_cli("check", "lab.xlsx", "-s", "approved.yaml", "-o", "r.json", "-q")
    assert run.code == 1, run
    assert Lab(Path()).doc()["inputs"][0]["sheet"] == "today"


def _strip_id(path: str, sheet: str) -> None:
    """Sheet `sheet` becomes a cover tab: `batch_id` is named in a note, but no row holds
    it beside the spec's columns, so the sheet has no header holding the id column."""
    import openpyxl

    wb = openpyxl.load_workbook(path)
    ws = wb[sheet]
    ws.delete_rows(1, ws.max_row)
    ws.append(["Release QC, lot series 2026"])
    ws.append(["batch_id", "is listed on the next tab"])
    ws["B1"] = "see tab today"
    wb.save(path)


@pytest.mark.parametrize("active", [0, 1])
def test_two_visible_sheets_of_batches_exit_2_naming_them(lab: Lab, active: int) -> None:
    # The failing batch is on the sheet Excel does not open: never silently unread.
    _book("lab.xlsx", [("Batches 1", "visible", "100"), ("Batches 2", "visible", "900")],
          active=active)
    run = run_cli("check", "lab.xlsx", "-s", "approved.yaml", "-o", "r.json", "-q")
    assert (run.code, run.out, run.err) == (
        2, "", "exoqc: lab.xlsx: 2 visible sheets hold the id column 'batch_id' ('Batches 1', "
               "'Batches 2'); exoqc judges one sheet per run: name it with --sheet\n")
    assert not Path("r.json").exists()
    named = run_cli("check", "lab.xlsx", "-s", "approved.yaml", "-o", "r.json", "-q",
                    "--sheet", "Batches 2")
    assert named.code == 1, named
    assert Lab(Path()).doc()["inputs"][0]["sheet"] == "Batches 2"
    assert run_cli("verify", "r.json").code == 0


def test_a_sheet_whose_header_is_found_below_a_title_counts(lab: Lab) -> None:
    import openpyxl

    _book("lab.xlsx", [("Batches 1", "visible", "100"), ("Batches 2", "visible", "900")])
    wb = openpyxl.load_workbook("lab.xlsx")
    wb["Batches 2"].insert_rows(1, 2)
    wb["Batches 2"]["A1"] = "Release QC, second shift"
    wb.save("lab.xlsx")
    run = run_cli("check", "lab.xlsx", "-s", "approved.yaml")
    assert run.code == 2, run
    assert "('Batches 1', 'Batches 2')" in run.err
    assert run.err.count("\n") == 1


def test_a_hidden_second_sheet_of_batches_is_not_counted(lab: Lab) -> None:
    _book("lab.xlsx", [("current", "visible", "900"), ("stale", "hidden", "100"),
                       ("older", "veryHidden", "100")])
    run = run_cli("check", "lab.xlsx", "-s", "approved.yaml", "-o", "r.json", "-q")
    assert run.code == 1, run
    assert Lab(Path()).doc()["inputs"][0]["sheet"] == "current"


def test_a_hidden_active_sheet_gives_way_to_the_first_visible(lab: Lab) -> None:
    _book("lab.xlsx", [("a", "visible", "900"), ("b", "hidden", "100")], active=1)
    run = run_cli("check", "lab.xlsx", "-s", "approved.yaml", "-o", "r.json", "-q")
    assert run.code == 1, run
    assert Lab(Path()).doc()["inputs"][0]["sheet"] == "a"


def test_every_sheet_hidden_exits_2(lab: Lab) -> None:
    _book("lab.xlsx", [("a", "visible", "100"), ("b", "hidden", "100")])
    # openpyxl refuses to save a workbook with no visible sheet; a crafted file has one
    with zipfile.ZipFile("lab.xlsx") as zf:
        parts = {name: zf.read(name) for name in zf.namelist()}
    book = parts["xl/workbook.xml"].decode("utf-8")
    assert book.count('state="visible"') == 1  # sheet a's
    parts["xl/workbook.xml"] = book.replace('state="visible"', 'state="hidden"').encode()
    with zipfile.ZipFile("lab.xlsx", "w") as zf:
        for name, content in parts.items():
            zf.writestr(name, content)
    run = run_cli("check", "lab.xlsx", "-s", "approved.yaml")
    assert (run.code, run.err) == (2, "exoqc: lab.xlsx: every sheet is hidden; name the one "
                                      "to judge with --sheet\n")


@pytest.mark.parametrize(("state", "said"), [("hidden", "hidden"), ("veryHidden", "very hidden")])
def test_a_hidden_sheet_named_with_sheet_is_judged_and_noted(lab: Lab, state: str,
                                                             said: str) -> None:
    _book("lab.xlsx", [("stale", state, "100"), ("current", "visible", "900")])
    run = run_cli("check", "lab.xlsx", "-s", "approved.yaml", "-o", "r.json", "-q",
                  "--sheet", "stale")
    assert run.code == 0, run
    doc = Lab(Path()).doc()
    assert doc["inputs"][0]["sheet"] == "stale"
    assert doc["notes"] == [f"lab.xlsx: sheet 'stale' is {said} in the workbook (Excel does "
                            "not show it); judged because --sheet named it",
                            "lab.xlsx: sheet not read: 'current'"]
    assert run_cli("verify", "r.json").code == 0


def test_the_sheet_read_is_verified(lab: Lab) -> None:
    _book("lab.xlsx", [("stale", "hidden", "100"), ("current", "visible", "900")])
    run_cli("check", "lab.xlsx", "-s", "approved.yaml", "-o", "r.json", "-q")
    Lab(Path()).edit(lambda doc: doc["inputs"][0].__setitem__("sheet", "stale"))
    run = run_cli("verify", "r.json")
    assert run.code == 1
    assert ('  - input lab.xlsx: sheet: report says "stale", re-evaluation gives "current"'
            in verdict(run.out).splitlines())


def test_a_csv_report_records_no_sheet(lab: Lab) -> None:
    lab.check()
    assert "sheet" not in lab.doc()["inputs"][0]
