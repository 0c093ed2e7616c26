"""Real lab exports through the real CLI (issue 16 items 1-3): a title above the header,
rows under the data that are not batches, headers spelled five ways, the site column
map, a two-row Excel header with merged cells, --header-row and --encoding."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from tests.conftest import run_cli

SPEC = """\
name: exports
version: "1"
id_column: batch_id
checks:
  - name: batch_id_format
    column: batch_id
    pattern: 'EXO-\\d{3}'
  - name: size
    column: size
    unit: nm
    max: 150
  - name: potency
    column: potency
    unit: "%"
    min: 50
"""


@pytest.fixture
def spec(tmp_path: Path) -> Path:
    path = tmp_path / "spec.yaml"
    path.write_text(SPEC, encoding="utf-8")
    return path


def check(*args: str | Path) -> tuple[int, dict[str, Any], str]:
    run = run_cli("check", *args, "-f", "json")
    return run.code, (json.loads(run.out) if run.out else {}), run.err


def verdicts(rep: dict[str, Any]) -> list[tuple[str, int, str]]:
    return [(b["batch_id"], b["row"], b["verdict"]) for b in rep["batches"]]


def test_title_row_notes_and_signature_rows_of_a_csv(tmp_path: Path, spec: Path) -> None:
    path = tmp_path / "lims.csv"
    # As a LIMS writes it: a title, a blank line, a semicolon header, data, then a mean
    # row, a notes line and a sign-off.
    path.write_bytes(b"QC results, lot series 2026\r\n\r\nBatch ID;Size (nm);Potency (%)\r\n"
                     b"EXO-001;120;80\r\nEXO-002;170;90\r\nMean;145;85\r\n"
                     b"Notes: EXO-002 re-tested;;\r\nApproved by: J. Smith;;\r\n")
    code, rep, err = check(path, "-s", spec)
    assert (code, err) == (1, "")
    assert verdicts(rep) == [("EXO-001", 4, "pass"), ("EXO-002", 5, "fail")]
    assert rep["inputs"][0]["header_row"] == 3
    assert rep["notes"] == [
        f"{path}: header on row 3; ignored above it: row 1 ('QC results, lot series 2026')",
        "not a batch: row 6 ('Mean')",
        "not a batch: row 7 ('Notes: EXO-002 re-tested')",
        "not a batch: row 8 ('Approved by: J. Smith')",
    ]
    assert rep["not_batches"] == [
        {"input": str(path), "row": 6, "text": "Mean"},
        {"input": str(path), "row": 7, "text": "Notes: EXO-002 re-tested"},
        {"input": str(path), "row": 8, "text": "Approved by: J. Smith"}]
    table = run_cli("check", path, "-s", spec)
    assert "note: not a batch: row 6 ('Mean')" in table.out


def test_a_batch_like_row_under_the_data_is_judged_missing(tmp_path: Path,
                                                          spec: Path) -> None:
    path = tmp_path / "b.csv"
    path.write_text("batch_id,size,potency\nEXO-001,120,80\nEXO-002,,\nTotal,120,80\n",
                    encoding="utf-8")
    code, rep, _ = check(path, "-s", spec)
    assert code == 1
    assert verdicts(rep) == [("EXO-001", 2, "pass"), ("EXO-002", 3, "fail")]
    assert rep["notes"] == ["not a batch: row 4 ('Total')"]


@pytest.mark.parametrize(("tail", "aside"), [
    # a statistic with numbers only, a sign-off with a name and a date: set aside
    ("Mean,120,80\nSD,1.5,2 %\nApproved by,J. Smith,2026-01-02\n", [3, 4, 5]),
    # results that are not numbers after a statistic: a batch row, never set aside unjudged
    ("Total,120,Positive\n", []),
    ("Mean,120,80\nTotal,120,n.d.\n", []),
    # a sign-off with three values is results, not a signature
    ("Approved by,120,80,x\n", []),
])
def test_a_trailing_summary_word_row_with_results_is_judged(tmp_path: Path, spec: Path,
                                                            tail: str, aside: list[int]) -> None:
    """Attack F6: a row under the data whose id is a summary word was set aside whatever
    it held, so a row of results went unjudged and the run passed."""
    path = tmp_path / "b.csv"
    path.write_text("batch_id,size,potency,x\nEXO-001,120,80,\n" + tail, encoding="utf-8")
    code, rep, _ = check(path, "-s", spec)
    assert [n["row"] for n in rep.get("not_batches", [])] == aside
    assert code == (0 if aside else 1)
    if not aside:
        assert rep["batches"][-1]["checks"][0]["reason"] == "invalid"


def test_a_summary_row_inside_the_data_is_invalid(tmp_path: Path, spec: Path) -> None:
    path = tmp_path / "b.csv"
    path.write_text("batch_id,size,potency\nEXO-001,120,80\nmean:,120,80\nEXO-002,120,80\n",
                    encoding="utf-8")
    code, rep, _ = check(path, "-s", spec)
    assert code == 1
    assert verdicts(rep)[1] == ("mean:", 3, "fail")
    ident = rep["batches"][1]["checks"][0]
    assert (ident["status"], ident["reason"]) == ("fail", "invalid")
    assert "not_batches" not in rep


@pytest.mark.parametrize("header", ["batch_id", "Batch ID", "batch-id", "Batch_ID",
                                    "BATCH.ID"])
def test_headers_spelled_five_ways_match(tmp_path: Path, spec: Path, header: str) -> None:
    path = tmp_path / "b.csv"
    path.write_text(f"{header},Size,Potency (%)\nEXO-001,120,80\n", encoding="utf-8")
    code, rep, err = check(path, "-s", spec)
    assert (code, err) == (0, "")
    assert verdicts(rep) == [("EXO-001", 2, "pass")]


def test_header_unit_is_the_unit_of_unitless_cells(tmp_path: Path, spec: Path) -> None:
    path = tmp_path / "b.csv"
    path.write_text("batch_id,Mean size (µm),potency\n".replace("Mean size", "Size")
                    + "EXO-001,0.12,80\nEXO-002,0.2,80\nEXO-003,130 nm,80\n",
                    encoding="utf-8")
    code, rep, _ = check(path, "-s", spec)
    assert code == 1
    assert [b["verdict"] for b in rep["batches"]] == ["pass", "fail", "pass"]
    other = tmp_path / "c.csv"
    other.write_text("batch_id,Size (mL),potency\nEXO-001,0.12,80\n", encoding="utf-8")
    run = run_cli("check", other, "-s", spec)
    assert (run.code, run.err) == (2, f"exoqc: {other}: header 'Size (mL)': mL is not a unit "
                                      "of length (check 'size' reads nm)\n")


def test_every_missing_column_at_once_with_the_closest_header(tmp_path: Path,
                                                               spec: Path) -> None:
    path = tmp_path / "b.csv"
    path.write_text("Batch No,Sise,Potency\nEXO-001,120,80\n", encoding="utf-8")
    run = run_cli("check", path, "-s", spec)
    assert (run.code, run.out) == (2, "")
    assert run.err == (
        f"exoqc: {path}: no column 'batch_id' (needed by checks 'batch_identity', "
        "'batch_id_format'; did you mean 'Batch No'?); no column 'size' (needed by check "
        "'size'; did you mean 'Sise'?)\n")


def test_two_headers_with_one_name_are_a_duplicate(tmp_path: Path, spec: Path) -> None:
    path = tmp_path / "b.csv"
    path.write_text("batch_id,Size,size_,potency\nEXO-001,120,120,80\n", encoding="utf-8")
    run = run_cli("check", path, "-s", spec)
    assert run.code == 2
    assert "columns 2 and 3 are both named" in run.err


def test_column_map_renames_lab_headers_and_verify_rereads_it(tmp_path: Path,
                                                              spec: Path) -> None:
    path = tmp_path / "b.csv"
    path.write_text("Lot No,Mean diameter,Potency\nEXO-001,120,80\n", encoding="utf-8")
    site = tmp_path / "site.yaml"
    site.write_text('"Lot No": batch_id\nMean diameter: size\n', encoding="utf-8")
    out = tmp_path / "r.json"
    run = run_cli("check", path, "-s", spec, "--columns", site, "-o", out)
    assert run.code == 0, run.err
    rep = json.loads(out.read_text(encoding="utf-8"))
    assert rep["provenance"]["options"]["columns"] == str(site)
    assert [(i["path"], i["role"]) for i in rep["inputs"]] == [(str(path), "batches"),
                                                                (str(site), "columns")]
    assert run_cli("verify", out).code == 0
    site.write_text('"Lot No": batch_id\nMean diameter: potency\n', encoding="utf-8")
    assert run_cli("verify", out).code != 0  # the map changed: its hash no longer matches
    refused = run_cli("check", path, "-s", spec, "--columns", site, "-o", site)
    assert refused.code == 2
    assert "is the --columns map; refusing to overwrite it" in refused.err


def test_header_row_option_and_verify(tmp_path: Path, spec: Path) -> None:
    path = tmp_path / "b.csv"
    path.write_text("batch_id,size,potency\nexported by LIMS\nbatch_id,size,potency\n"
                    "EXO-001,120,80\n", encoding="utf-8")
    out = tmp_path / "r.json"
    run = run_cli("check", path, "-s", spec, "--header-row", "3", "-o", out)
    assert run.code == 0, run.err
    rep = json.loads(out.read_text(encoding="utf-8"))
    assert verdicts(rep) == [("EXO-001", 4, "pass")]
    assert rep["provenance"]["options"]["header_row"] == 3
    assert run_cli("verify", out).code == 0
    beyond = run_cli("check", path, "-s", spec, "--header-row", "40")
    assert beyond.code == 2
    assert "--header-row 40: the row is empty or beyond the end of the file" in beyond.err


def test_encoding_option_reads_and_refuses_mojibake(tmp_path: Path, spec: Path) -> None:
    path = tmp_path / "b.csv"
    path.write_bytes("batch_id,size,potency,site\nEXO-001,120,80,北京\n".encode("gb18030"))
    run = run_cli("check", path, "-s", spec, "--encoding", "gb18030", "-f", "json")
    assert run.code == 0, run.err
    assert json.loads(run.out)["provenance"]["options"]["encoding"] == "gb18030"
    wrong = run_cli("check", path, "-s", spec, "--encoding", "cp1252")
    assert wrong.code == 2
    assert "not its encoding" in wrong.err


def test_excel_merged_title_two_row_header_and_signature(tmp_path: Path,
                                                         spec: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet["A1"] = "Release QC, lot series 2026"
    sheet.merge_cells("A1:C1")
    sheet["A2"] = "Batch ID"
    sheet.merge_cells("A2:A3")  # the id header spans the group row and the name row
    sheet["B2"] = "Characterisation"
    sheet.merge_cells("B2:C2")
    sheet["B3"] = "Size (nm)"
    sheet["C3"] = "Potency (%)"
    sheet.append(["EXO-001", 120, 80])
    sheet.append(["EXO-002", 160, 80])
    sheet.append(["Approved by", "J. Smith", None])
    path = tmp_path / "lab.xlsx"
    book.save(path)
    code, rep, err = check(path, "-s", spec)
    assert (code, err) == (1, "")
    assert verdicts(rep) == [("EXO-001", 4, "pass"), ("EXO-002", 5, "fail")]
    assert rep["inputs"][0]["header_row"] == 3
    assert rep["notes"] == [
        f"{path}: header on row 3; ignored above it: row 1 ('Release QC, lot series 2026'), "
        "row 2 ('Batch ID')",
        "not a batch: row 6 ('Approved by')"]


def test_child_spec_columns_and_id_column_carry_to_the_inherited_id_format(
        tmp_path: Path, spec: Path) -> None:
    child = tmp_path / "child.yaml"
    child.write_text('name: site\nversion: "1"\nextends: spec.yaml\nid_column: lot_no\n'
                     'columns:\n  "Lot No.": lot_no\n  Diameter: size\n', encoding="utf-8")
    path = tmp_path / "b.csv"
    path.write_text("Lot No.,Diameter,Potency\nEXO-001,120,80\nBAD,120,80\n",
                    encoding="utf-8")
    code, rep, _ = check(path, "-s", child)
    assert code == 1
    assert verdicts(rep) == [("EXO-001", 2, "pass"), ("BAD", 3, "fail")]
    fmt = rep["batches"][1]["checks"][1]
    assert (fmt["name"], fmt["column"], fmt["reason"]) == ("batch_id_format", "lot_no",
                                                          "invalid")
    site = tmp_path / "site.yaml"
    site.write_text('"Lot No.": lot_no\nDiameter: size\n', encoding="utf-8")
    code, rep, _ = check(path, "-s", child, "--columns", site)
    assert f"--columns {site} replaces the spec's columns: mapping" in rep["notes"]
    assert rep["batches"][0]["checks"][2]["value"] == "120"
    # A swap renames a column the spec reads (Potency) onto another: refused (attack F1).
    site.write_text('"Lot No.": lot_no\nDiameter: potency\nPotency: size\n', encoding="utf-8")
    refused = run_cli("check", path, "-s", child, "--columns", site)
    assert refused.code == 2 and "'Potency': 'size' renames a column check 'potency'" \
        in refused.err, refused


def test_header_unit_applies_under_decimal_comma(tmp_path: Path, spec: Path) -> None:
    path = tmp_path / "b.csv"
    path.write_text("batch_id;Size (µm);potency\nEXO-001;0,12;80\nEXO-002;0,2;80\n",
                    encoding="utf-8")
    code, rep, _ = check(path, "-s", spec, "--decimal", ",")
    assert code == 1
    assert [b["verdict"] for b in rep["batches"]] == ["pass", "fail"]


def test_summary_word_in_the_first_column_beside_an_empty_id(tmp_path: Path,
                                                             spec: Path) -> None:
    path = tmp_path / "b.csv"
    path.write_text("site,batch_id,size,potency\nA,EXO-001,120,80\nMean,,120,80\n",
                    encoding="utf-8")
    code, rep, _ = check(path, "-s", spec)
    assert code == 0
    assert rep["notes"] == ["not a batch: row 3 ('Mean')"]


def test_verify_finds_an_edited_header_row_option(tmp_path: Path, spec: Path) -> None:
    path = tmp_path / "b.csv"
    path.write_text("Title\nbatch_id,size,potency\nEXO-001,120,80\n", encoding="utf-8")
    out = tmp_path / "r.json"
    assert run_cli("check", path, "-s", spec, "--header-row", "2", "-o", out).code == 0
    text = out.read_text(encoding="utf-8")
    out.write_text(text.replace('"header_row": 2,', '"header_row": 1,'), encoding="utf-8")
    run = run_cli("verify", out)
    assert run.code == 1
    assert "option header_row: the report says 1, its recorded command line gives 2" in run.out


@pytest.mark.parametrize(("above", "words"), [
    ("EXO-001,120,80\n", "row 2 above the header (row 3) holds batch id 'EXO-001'"),
    ("B-1,120,80\n", "row 2 above the header (row 3) holds results ('B-1', ...)"),
    (",EXO-001,\n", "holds batch id 'EXO-001'"),
])
@pytest.mark.parametrize("given", [False, True])
def test_a_batch_above_the_header_is_never_ignored(tmp_path: Path, spec: Path, above: str,
                                                   words: str, given: bool) -> None:
    """Attack F4: a batch row above a found (or given) header was only noted, so the
    batch was never judged and the run could pass."""
    path = tmp_path / "b.csv"
    path.write_text("Release QC, lot series 2026\n" + above + "batch_id,size,potency\n"
                    "EXO-002,120,80\n", encoding="utf-8")
    run = run_cli("check", path, "-s", spec, *(["--header-row", "3"] if given else []))
    assert run.code == 2, run
    assert words in run.err and run.err.count("\n") == 1


@pytest.mark.parametrize(("above", "refused"), [
    ("EXO-0,-5\n", True),  # a batch of a two-column file
    ("B1;112\n", True),
    ("Exported,2026-12-01\n", True),  # as wide as the data and a number: cannot tell
    ("QC results, lot series 2026\n", False),  # a title with a comma
    ("Operator,J. Doe\n", False),  # a key and its value
    ("Release QC export\n", False),
])
def test_a_row_as_wide_as_a_narrow_file_with_a_number_is_never_ignored(
        tmp_path: Path, above: str, refused: bool) -> None:
    """A file of an id and one result: a batch row above its header has two values, one
    of them a number, which the three-value rule let through (attack round 5)."""
    spec = tmp_path / "s.yaml"
    spec.write_text('name: s\nversion: "1"\nid_column: batch_id\nchecks:\n'
                    "  - name: x\n    column: x\n    min: 0\n", encoding="utf-8")
    path = tmp_path / "b.csv"
    path.write_text(above + "batch_id,x\nEXO-1,1\n", encoding="utf-8")
    run = run_cli("check", path, "-s", spec)
    if refused:
        assert run.code == 2, run
        assert "row 1 above the header (row 2) holds results" in run.err, run
        assert "a batch is never ignored" in run.err and run.err.count("\n") == 1
    else:
        assert run.code == 0, run
        assert "header on row 2; ignored" in run.out and "row 1 (" in run.out, run


def test_a_batch_above_an_excel_header_is_never_ignored(tmp_path: Path, spec: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["QC results"])
    sheet.append(["EXO-001", 120, 80])
    sheet.append(["batch_id", "size", "potency"])
    sheet.append(["EXO-002", 120, 80])
    path = tmp_path / "b.xlsx"
    book.save(path)
    run = run_cli("check", path, "-s", spec)
    assert run.code == 2, run
    assert "row 2 above the header (row 3) holds batch id 'EXO-001'" in run.err


@pytest.mark.parametrize(("name", "words"), [
    ("rot13", "'rot13' is not a text encoding"),
    ("base64", "'base64' is not a text encoding"),
    ("zlib", "'zlib' is not a text encoding"),
    ("no-such-codec", "'no-such-codec': no such encoding"),
])
def test_encoding_option_refuses_what_is_not_a_text_encoding(tmp_path: Path, spec: Path,
                                                             name: str, words: str) -> None:
    """Attack F8: `--encoding rot13` was an internal error (LookupError)."""
    path = tmp_path / "b.csv"
    path.write_text("batch_id,size,potency\nEXO-001,120,80\n", encoding="utf-8")
    run = run_cli("check", path, "-s", spec, "--encoding", name)
    assert run.code == 2, run
    assert words in run.err and "internal error" not in run.err


@pytest.mark.parametrize("name", ["utf-16", "UTF_16LE", "utf-32"])
@pytest.mark.parametrize("body", ["EXO-001,120,80\n", "EXO-001,120,80,x\n"])  # odd, even
def test_a_wide_encoding_named_for_a_utf8_file_says_so(tmp_path: Path, spec: Path,
                                                       name: str, body: str) -> None:
    path = tmp_path / "b.csv"
    path.write_text("batch_id,size,potency\n" + body, encoding="utf-8")
    run = run_cli("check", path, "-s", spec, "--encoding", name)
    assert run.code == 2, run
    assert "it reads as UTF-8: leave out --encoding" in run.err


@pytest.mark.parametrize("name", ["cp852", "koi8_r", "cp866", "mac_cyrillic", "cp1252",
                                  "latin_1", "gb18030", "shift_jis", "big5"])
def test_an_8_bit_or_cjk_encoding_named_for_a_utf8_file_is_refused(tmp_path: Path,
                                                                     spec: Path,
                                                                     name: str) -> None:
    """Attack A3: `--encoding cp852` on a UTF-8 file turned the Cyrillic look-alike `\u041d\u0435La`
    into mojibake that a deny-list no longer recognised, and the batch passed."""
    path = tmp_path / "b.csv"
    path.write_text("batch_id,size,potency,source\nEXO-001,120,80,\u041d\u0435La-derived\n",
                    encoding="utf-8")
    run = run_cli("check", path, "-s", spec, "--encoding", name)
    assert run.code == 2, run
    assert "its non-ASCII letters are UTF-8" in run.err and "leave out --encoding" in run.err


@pytest.mark.parametrize("header", ["Size (nM)", "Size (Nm)"])
def test_a_header_unit_whose_case_changes_its_meaning_is_not_read_as_nm(
        tmp_path: Path, header: str) -> None:
    """Attack: `Size (nM)` (nanomolar) was read as nm because the header unit matched the
    spec column's `(nm)` ignoring case; only an all-capitals header (`(NM)`) has lost case."""
    spec = tmp_path / "s.yaml"
    spec.write_text("name: s\nversion: '1'\nid_column: batch_id\nchecks:\n"
                    "  - name: size\n    column: Size (nm)\n    unit: nm\n    max: 150\n",
                    encoding="utf-8")
    path = tmp_path / "b.csv"
    path.write_text(f"batch_id,{header}\nB1,120\n", encoding="utf-8")
    run = run_cli("check", path, "-s", spec)
    assert run.code == 2, run
    assert "is not a unit exoqc knows" in run.err
    path.write_text("batch_id,SIZE (NM)\nB1,120\n", encoding="utf-8")
    assert run_cli("check", path, "-s", spec, "-q").code == 0


@pytest.mark.parametrize("text", [
    "batch_id,size,potency,\nEXO-001,120,80,5.0\n",                 # the fast reader
    'batch_id,size,potency,\nEXO-001,"1""20",80,5.0\n',            # the general reader
    "batch_id;size;potency;\nEXO-001;120;80;x\n",
])
def test_a_value_under_an_empty_header_is_never_dropped(tmp_path: Path, spec: Path,
                                                         text: str) -> None:
    """Attack round 4: a value in a column with no header (a second replicate beside its
    result, a header centred across two columns in Excel) was read under no name and never
    judged, while Excel's reader refused it. Both readers now say so (exit 2)."""
    path = tmp_path / "b.csv"
    path.write_text(text, encoding="utf-8")
    run = run_cli("check", path, "-s", spec)
    assert run.code == 2, run
    assert "row 2, column 4:" in run.err and "its column has no header" in run.err


def test_an_empty_trailing_column_is_still_read(tmp_path: Path, spec: Path) -> None:
    path = tmp_path / "b.csv"
    path.write_text("batch_id,size,potency,\nEXO-001,120,80,\n", encoding="utf-8")
    assert run_cli("check", path, "-s", spec, "-q").code == 0
