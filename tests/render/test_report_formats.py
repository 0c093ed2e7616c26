"""The CI report formats through the CLI: JUnit read back by junitparser, Markdown table
shape, CSV formula neutralisation, GitHub workflow-command escaping, and what stdout
shows under GitHub Actions."""

from __future__ import annotations

import csv
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import junitparser
import pytest
from hypothesis import given
from hypothesis import strategies as st

from qc.render.csv_report import neutral
from qc.render.github import escape_data, escape_property
from qc.render.junit import xml_safe
from qc.render.markdown import cell
from tests.conftest import run_cli

Write = Callable[[str, str | bytes], Path]

SPEC = """\
name: fmt-spec
version: "2"
id_column: batch_id
checks:
  - name: size
    column: size_nm
    unit: nm
    max: 150
    warn_max: 140
  - name: sterility
    column: sterility
    allowed: [no growth]
"""


@pytest.fixture
def spec(write: Write) -> Path:
    return write("spec.yaml", SPEC)


def test_junit_read_back_by_junitparser(write: Write, spec: Path, tmp_path: Path) -> None:
    a = write("a.csv", "batch_id,size_nm,sterility\nA1,120,No growth\nA2,170,No growth\n"
                       "A3,145,Growth\n")
    b = write("lab2/b.csv", "batch_id,size_nm,sterility\nB1,141,No growth\nB2,100,no growth\n")
    out = tmp_path / "reports" / "junit.xml"
    run = run_cli("check", str(a), str(b), "--spec", str(spec), "-o", str(out), "-q")
    assert (run.code, run.out, run.err) == (1, "", "")
    xml = junitparser.JUnitXml.fromfile(str(out))
    assert (xml.tests, xml.failures) == (5, 2)
    suites = list(xml)
    assert [(s.name, s.tests, s.failures, s.errors, s.skipped) for s in suites] == [
        (str(a), 3, 2, 0, 0), (str(b), 2, 0, 0, 0)]
    cases = [(c.name, c.classname, c.is_passed) for s in suites for c in s]
    assert cases == [("A1", "fmt-spec", True), ("A2", "fmt-spec", False),
                     ("A3", "fmt-spec", False), ("B1", "fmt-spec", True),
                     ("B2", "fmt-spec", True)]
    a2, a3 = list(suites[0])[1:]
    [failure] = a2.result
    assert isinstance(failure, junitparser.Failure)
    assert failure.message == "size: 170 nm is above the maximum 150 nm"
    assert failure.type == "out_of_spec"
    [failure] = a3.result
    assert failure.message == "sterility: 'Growth' is not one of: no growth"
    assert a3.system_out == f"{a} row 4\nwarning: size: 145 nm is above the alert limit 140 nm"
    b1 = next(iter(suites[1]))
    assert b1.is_passed
    assert b1.system_out == f"{b} row 2\nwarning: size: 141 nm is above the alert limit 140 nm"


def test_junit_with_forbidden_control_characters_still_parses(write: Write, spec: Path,
                                                              tmp_path: Path) -> None:
    nasty = "A\x01B\x1b[31mC\x0bD\x7f\ufffeE"
    a = write("a.csv", f"batch_id,size_nm,sterility\n{nasty},170,\"x\x02y\"\n".encode())
    out = tmp_path / "junit.xml"
    run = run_cli("check", str(a), "--spec", str(spec), "-o", str(out), "-q")
    assert (run.code, run.err) == (1, "")
    ET.parse(out)  # raises on any character XML 1.0 forbids
    [suite] = list(junitparser.JUnitXml.fromfile(str(out)))
    [case] = list(suite)
    assert case.name == "A\\x01B\\x1b[31mC\\x0bD\x7f\\ufffeE"
    [failure] = case.result
    # Control characters are invisible in a spreadsheet: such cells are invalid (issue 5).
    assert failure.message == ("batch_identity: contains an invisible character (U+0001); "
                               "retype the value; size: 170 nm is above the maximum 150 nm; "
                               "sterility: contains an invisible character (U+0002); "
                               "retype the value")


@given(st.text())
def test_xml_safe_always_parses(text: str) -> None:
    element = ET.Element("t", {"a": xml_safe(text)})
    element.text = xml_safe(text)
    back = ET.fromstring(ET.tostring(element, encoding="unicode"))
    assert back.get("a") == xml_safe(text)


def _table_lines(markdown: str) -> list[str]:
    return [line for line in markdown.splitlines() if line.startswith("|")]


def _cells(line: str) -> int:
    return len(re.findall(r"(?<!\\)\|", line)) - 1


def test_markdown_table_keeps_its_shape(write: Write, tmp_path: Path) -> None:
    spec = write("spec.yaml", SPEC + "  - name: note\n    column: note\n"
                                      "    allowed: [ok]\n")
    a = write("a.csv", 'batch_id,size_nm,sterility,note\n'
                       'A|1,170,No growth,"a | b\nsecond line"\n'
                       'A2,120,No growth,"`code` <script>x</script> **bold** [l](u)"\n'
                       'A3,120,No growth,ok\n')
    out = tmp_path / "summary.md"
    run = run_cli("check", str(a), "--spec", str(spec), "-o", str(out), "-q")
    assert (run.code, run.err) == (1, "")
    text = out.read_text(encoding="utf-8")
    lines = _table_lines(text)
    assert len(lines) == 4  # header, rule, the two failing batches; A3 passes
    assert {_cells(line) for line in lines} == {6}
    assert lines[2] == (
        "| A\\|1 | " + cell(str(a)) + " | 2 | ❌ FAIL | size: 170 nm is above the maximum "
        "150 nm<br>note: 'a \\| b\\\\nsecond line' is not one of: ok |  |")
    assert "<script>" not in text and "&lt;script&gt;" in text
    assert "\\`code\\`" in text and "\\*\\*bold\\*\\*" in text
    banner = "**NOT FOR RELEASE: spec fmt-spec 2 states no status (only an approved spec is for release)**\n\n"
    assert text.startswith(banner + "## ❌ exoqc: FAIL\n\n**3 batches checked: 1 pass, 0 warn, "
                           "2 fail**")
    assert "- Spec: fmt\\-spec 2" in text or "- Spec: fmt-spec 2" in text


def test_markdown_all_pass(write: Write, spec: Path, tmp_path: Path) -> None:
    a = write("a.csv", "batch_id,size_nm,sterility\nA1,120,No growth\n")
    out = tmp_path / "summary.md"
    run = run_cli("check", str(a), "--spec", str(spec), "-o", str(out), "-q")
    assert (run.code, run.err) == (0, "")
    text = out.read_text(encoding="utf-8")
    # the spec states no status: the first line says NOT FOR RELEASE and no green tick shows
    assert text.startswith("**NOT FOR RELEASE: spec fmt-spec 2 states no status")
    assert "\n\n## ⚪ exoqc: PASS\n\n**1 batch checked: 1 pass, 0 warn, 0 fail**" in text
    assert text.endswith("\nNo batch failed or warned.\n")
    approved = write("approved.yaml", spec.read_text("utf-8").replace(
        "id_column:", "status: approved\nid_column:", 1))
    run = run_cli("check", str(a), "--spec", str(approved), "-o", str(out), "-q")
    assert (run.code, run.err) == (0, "")
    text = out.read_text(encoding="utf-8")
    assert text.startswith("## ✅ exoqc: PASS\n\n**1 batch checked: 1 pass, 0 warn, 0 fail**")
    assert text.endswith("\nEvery batch passed.\n")
    assert _table_lines(text) == []


@given(st.text())
def test_markdown_cell_never_breaks_a_row(text: str) -> None:
    escaped = cell(text)
    assert "\n" not in escaped and "\r" not in escaped
    assert _cells(f"| {escaped} |") == 1
    assert "<" not in escaped.replace("<br>", "")


def test_csv_neutralises_formulas(write: Write, tmp_path: Path) -> None:
    spec = write("spec.yaml", "name: s\nversion: '1'\nid_column: batch_id\nchecks:\n"
                              "  - name: temp\n    column: temp\n    max: -65\n"
                              "  - name: source\n    column: source\n    forbidden: [HeLa]\n")
    a = write("a.csv", "batch_id,temp,source\n=1+1,-80,+SUM(A1)\n@x,-20,-cmd\n"
                       "B3,+5,@HeLa\n")
    out = tmp_path / "report.csv"
    run = run_cli("check", str(a), "--spec", str(spec), "-o", str(out), "-q")
    assert (run.code, run.err) == (1, "")
    with out.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["batch_id", "row", "check", "column", "status", "reason", "value",
                       "message"]
    assert rows[1:] == [
        ["'=1+1", "2", "batch_identity", "batch_id", "pass", "", "'=1+1", ""],
        ["'=1+1", "2", "temp", "temp", "pass", "", "-80", ""],
        ["'=1+1", "2", "source", "source", "pass", "", "'+SUM(A1)", ""],
        ["'@x", "3", "batch_identity", "batch_id", "pass", "", "'@x", ""],
        ["'@x", "3", "temp", "temp", "fail", "out_of_spec", "-20",
         "'-20 is above the maximum -65"],
        ["'@x", "3", "source", "source", "pass", "", "'-cmd", ""],
        ["B3", "4", "batch_identity", "batch_id", "pass", "", "B3", ""],
        ["B3", "4", "temp", "temp", "fail", "out_of_spec", "+5",
         "'+5 is above the maximum -65"],
        ["B3", "4", "source", "source", "fail", "out_of_spec", "'@HeLa",
         "'@HeLa' names a forbidden entry: HeLa"],
    ]


@pytest.mark.parametrize(("text", "shown"), [
    ("=1+1", "'=1+1"), ("+SUM(A1)", "'+SUM(A1)"), ("-cmd", "'-cmd"), ("@x", "'@x"),
    ("\tx", "'\tx"), ("\rx", "'\rx"), ("-80", "-80"), ("+5", "+5"), ("-2.5E+3", "-2.5E+3"),
    ("-", "'-"), ("-80 °C", "'-80 °C"), ("EXO-1", "EXO-1"), ("", ""),
])
def test_neutral(text: str, shown: str) -> None:
    assert neutral(text) == shown


def test_csv_streams_in_blocks(write: Write, spec: Path, tmp_path: Path) -> None:
    rows = "".join(f"B{i},{100 + i % 60},No growth\n" for i in range(12_000))
    a = write("a.csv", "batch_id,size_nm,sterility\n" + rows)
    out = tmp_path / "report.csv"
    run = run_cli("check", str(a), "--spec", str(spec), "-o", str(out), "-q")
    assert (run.code, run.err) == (1, "")
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1 + 12_000 * 3
    assert lines[-3:] == ["B11999,12001,batch_identity,batch_id,pass,,B11999,",
                          "B11999,12001,size,size_nm,fail,out_of_spec,159,"
                          "159 nm is above the maximum 150 nm",
                          "B11999,12001,sterility,sterility,pass,,No growth,"]


def test_github_annotations(write: Write, spec: Path) -> None:
    a = write("a,b:c%.csv", "batch_id,size_nm,sterility\nA1,120,No growth\n"
                            "\"X:1,2%\",170,\"50%\nmore\"\nA3,145,No growth\n")
    run = run_cli("check", str(a), "--spec", str(spec), "--format", "github")
    path = str(a).replace("%", "%25").replace(":", "%3A").replace(",", "%2C")
    assert (run.code, run.err) == (1, "")
    assert run.out == (
        f"::error file={path},line=3,title=exoqc%3A batch X%3A1%2C2%25 fails fmt-spec::"
        "size: 170 nm is above the maximum 150 nm%0A"
        "sterility: '50%25\\nmore' is not one of: no growth\n"
        f"::warning file={path},line=4,title=exoqc%3A batch A3 warns fmt-spec::"
        "size: 145 nm is above the alert limit 140 nm\n")


def test_github_annotations_from_stdin_name_no_file(spec: Path) -> None:
    run = run_cli("check", "-", "--spec", str(spec), "--format", "github",
                  stdin=b"batch_id,size_nm,sterility\nA1,170,No growth\n")
    assert (run.code, run.err) == (1, "")
    assert run.out == ("::error title=exoqc%3A batch A1 fails fmt-spec::"
                       "size: 170 nm is above the maximum 150 nm\n")


def test_github_escaping() -> None:
    assert escape_data("50% a\r\nb: c, d") == "50%25 a%0D%0Ab: c, d"
    assert escape_property("50% a\r\nb: c, d") == "50%25 a%0D%0Ab%3A c%2C d"


def test_under_github_actions_default_prints_table_and_annotations(write: Write,
                                                                     spec: Path) -> None:
    a = write("a.csv", "batch_id,size_nm,sterility\nA1,170,No growth\n")
    # The table shows the run's time: pin it, or two runs a second apart differ.
    env = {"GITHUB_ACTIONS": "true", "SOURCE_DATE_EPOCH": "1767225600"}
    run = run_cli("check", str(a), "--spec", str(spec), env=env)
    table = run_cli("check", str(a), "--spec", str(spec), "--format", "table", env=env)
    assert (run.code, table.code) == (1, 1)
    annotation = (f"::error file={str(a).replace(':', '%3A').replace(',', '%2C')},line=2,"
                  "title=exoqc%3A batch A1 fails fmt-spec::size: 170 nm is above the "
                  "maximum 150 nm\n")
    assert run.out == table.out + annotation
    assert "FAIL: 1 batch checked: 0 pass, 0 warn, 1 fail" in table.out
    assert "::error" not in table.out
    quiet = run_cli("check", str(a), "--spec", str(spec), "--quiet", env=env)
    assert (quiet.code, quiet.out, quiet.err) == (1, "", "")


def test_outside_github_actions_default_is_the_table(write: Write, spec: Path) -> None:
    a = write("a.csv", "batch_id,size_nm,sterility\nA1,170,No growth\n")
    # The table shows the run's time: pin it, or two runs a second apart differ.
    epoch = {"SOURCE_DATE_EPOCH": "1767225600"}
    run = run_cli("check", str(a), "--spec", str(spec), env=epoch)
    table = run_cli("check", str(a), "--spec", str(spec), "--format", "table", env=epoch)
    assert (run.code, run.out) == (1, table.out)
    assert "::error" not in run.out


def test_every_suffix_and_format_is_registered() -> None:
    from qc.render import RENDERERS, SUFFIXES, get_renderer

    assert {".xml": "junit", ".md": "markdown", ".csv": "csv"}.items() <= SUFFIXES.items()
    for name in RENDERERS:
        assert callable(get_renderer(name))


def test_unknown_report_suffix_lists_the_new_ones(write: Write, spec: Path) -> None:
    a = write("a.csv", "batch_id,size_nm,sterility\nA1,120,No growth\n")
    target = a.parent / "r.docx"
    run = run_cli("check", str(a), "--spec", str(spec), "-o", str(target))
    assert (run.code, run.out) == (2, "")
    assert run.err == (f"exoqc: {target}: unknown report type '.docx'; use one of .csv, .html, "
                       ".json, .md, .pdf, .txt, .xml\n")
    assert not target.exists()


