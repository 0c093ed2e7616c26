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
    assert doc["notes"] == []


def test_the_active_sheet_is_judged_when_visible(lab: Lab) -> None:
    _book("lab.xlsx", [("old", "visible", "100"), ("today", "visible", "900")], active=1)
    run = run_cli("check", "lab.xlsx", "-s", "approved.yaml", "-o", "r.json", "-q")
    assert run.code == 1, run
    assert Lab(Path()).doc()["inputs"][0]["sheet"] == "today"


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
                            "not show it); judged because --sheet named it"]
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
