"""The JUnit report validates against junit-10.xsd as the Jenkins xUnit plugin publishes it
(vendored in tests/render/schemas/, see its README), and its counts agree with its test
cases: `skipped` counts the checks that were not judged (issue 16, item 6)."""

from __future__ import annotations

import functools
import hashlib
import json
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest
import xmlschema
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import ROOT, run_cli

Write = Callable[[str, str | bytes], Path]

XSD = Path(__file__).parent / "schemas" / "junit-10.xsd"
XSD_SHA256 = "62ca5a7bd8a6b8268818a64192bd8f94dbf38b63eb85a19c159deba08244f1fd"
SAMPLE = ROOT / "sample_data" / "batches.csv"
GOLDEN_INPUTS = Path(__file__).parent / "golden" / "ci" / "inputs"

SPEC = """\
name: schema-spec
version: "1"
id_column: batch_id
checks:
  - name: size
    column: size_nm
    max: 150
    warn_max: 140
  - name: note
    column: note
    required: false
    pattern: "[a-z ]*"
  - name: protein
    column: protein
    report_only: true
"""


@functools.cache
def load_schema() -> xmlschema.XMLSchema10:
    return xmlschema.XMLSchema10(str(XSD))


@pytest.fixture
def schema() -> xmlschema.XMLSchema10:
    return load_schema()


def test_the_vendored_schema_is_the_published_one() -> None:
    assert hashlib.sha256(XSD.read_bytes()).hexdigest() == XSD_SHA256
    assert "Copyright (c) 2014, Gregory Boissinot" in XSD.read_text("utf-8")
    assert "junit-10.xsd" in (XSD.parent / "README.md").read_text("utf-8")


def counts_agree(root: ET.Element) -> None:
    """Every count attribute equals what the test cases say."""
    total = {"tests": 0, "failures": 0, "errors": 0}
    for suite in root.iter("testsuite"):
        cases = suite.findall("testcase")
        assert int(suite.get("tests", "")) == len(cases)
        assert int(suite.get("failures", "")) == sum(c.find("failure") is not None for c in cases)
        assert int(suite.get("errors", "")) == sum(c.find("error") is not None for c in cases)
        assert int(suite.get("skipped", "")) == sum(c.find("skipped") is not None for c in cases)
        total["tests"] += len(cases)
        total["failures"] += int(suite.get("failures", ""))
        total["errors"] += int(suite.get("errors", ""))
    assert {k: int(root.get(k, "")) for k in total} == total
    for case in root.iter("testcase"):  # a batch is never both judged and skipped
        assert not (case.find("skipped") is not None and case.find("failure") is not None)


def test_sample_run_validates_and_counts_skipped_checks(schema: xmlschema.XMLSchema10,
                                                        tmp_path: Path) -> None:
    out = tmp_path / "r.xml"
    run = run_cli("check", str(SAMPLE), "--spec", "clinical", "--as-of", "2026-04-01",
                  "-o", str(out), "-o", str(tmp_path / "r.json"), "-q")
    assert run.code == 1, run
    summary = json.loads((tmp_path / "r.json").read_text("utf-8"))["summary"]
    schema.validate(str(out))
    root = ET.parse(out).getroot()
    counts_agree(root)
    [suite] = root.findall("testsuite")
    assert suite.get("file") == str(SAMPLE)  # GitLab's link, where the schema allows it
    batches = [c for c in suite.findall("testcase") if c.find("skipped") is None]
    skipped = [c for c in suite.findall("testcase") if c.find("skipped") is not None]
    assert len(batches) == 24
    # the JSON report's count of unjudged check results, each a skipped test case:
    # size_distribution (column absent), its window, protein (report only) for every
    # batch, and one optional ph left empty
    assert int(suite.get("skipped", "")) == len(skipped) == (
        summary["checks_not_tested"] + summary["checks_reported"]) == 3 * 24 + 1
    assert {c.get("name", "").split(" / ")[1] for c in skipped} == {
        "size_distribution", "size_distribution_window", "protein", "ph"}
    assert {s.get("type") for c in skipped for s in c.iter("skipped")} == {
        "not_tested", "reported"}


def test_golden_inputs_validate(schema: xmlschema.XMLSchema10, tmp_path: Path) -> None:
    for name in ("lab1.csv", "lab2.csv", "spec.yaml"):
        shutil.copyfile(GOLDEN_INPUTS / name, tmp_path / name)
    out = tmp_path / "r.xml"
    run = run_cli("check", str(tmp_path / "lab1.csv"), str(tmp_path / "lab2.csv"),
                  "--spec", str(tmp_path / "spec.yaml"), "-o", str(out), "-q")
    assert run.code == 1, run
    schema.validate(str(out))
    counts_agree(ET.parse(out).getroot())


def test_the_schema_is_strict_where_the_old_report_broke_it(
        schema: xmlschema.XMLSchema10, write: Write, tmp_path: Path) -> None:
    """The attributes the report used to write (file/line on a test case, skipped and
    timestamp on testsuites) are refused: the validation above has teeth."""
    spec = write("spec.yaml", SPEC)
    out = tmp_path / "r.xml"
    run_cli("check", str(write("a.csv", "batch_id,size_nm\nA1,120\n")), "--spec", str(spec),
            "-o", str(out), "-q")
    root = ET.parse(out).getroot()
    assert schema.is_valid(root)
    for path, attr in ((".//testcase", "file"), (".//testcase", "line"), (".", "skipped"),
                       (".", "timestamp")):
        bad = ET.parse(out).getroot()
        element = bad if path == "." else bad.find(path)
        assert element is not None
        element.set(attr, "1")
        assert not schema.is_valid(bad), (path, attr)


def test_a_failing_batch_with_an_unjudged_check_stays_failed(write: Write,
                                                              tmp_path: Path) -> None:
    """Jenkins shows a test case holding <skipped> as skipped, even with a <failure>: the
    unjudged check is its own test case, the batch's stays a failure."""
    spec = write("spec.yaml", SPEC)
    data = write("a.csv", "batch_id,size_nm,note,protein\nA1,170,,12\nA2,145,ok,\n")
    out = tmp_path / "r.xml"
    run = run_cli("check", str(data), "--spec", str(spec), "-o", str(out), "-q")
    assert run.code == 1, run
    suite = ET.parse(out).getroot().find("testsuite")
    assert suite is not None
    cases = {c.get("name"): c for c in suite.findall("testcase")}
    assert list(cases) == ["A1", "A1 / note", "A1 / protein", "A2", "A2 / protein"]
    a1 = cases["A1"]
    assert [e.tag for e in a1] == ["failure"]
    assert (a1.findtext("failure") or "").splitlines()[0] == f"{data} row 2"
    assert [e.tag for e in cases["A2"]] == ["system-out"]
    assert (cases["A2"].findtext("system-out") or "").splitlines() == [
        f"{data} row 3", "warning: size: 145 is above the alert limit 140"]
    note = cases["A1 / note"].find("skipped")
    assert note is not None and note.get("type") == "not_tested"
    assert (note.get("message") or "").startswith("note not tested: ")
    protein = cases["A1 / protein"].find("skipped")
    assert protein is not None and protein.get("type") == "reported"
    assert cases["A1 / protein"].findtext("skipped") == f"{data} row 2 value='12'"
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == ("5", "1", "3")


ID_CHARS = st.characters(codec="utf-8", exclude_characters=",\"\r\n")


@settings(max_examples=40)  # each example is a whole CLI run
@given(ids=st.lists(st.text(ID_CHARS, min_size=1, max_size=12), min_size=1, max_size=5,
                    unique_by=str.strip),
       values=st.lists(st.sampled_from(["120", "145", "170", "", "x", "<200"]), min_size=5,
                       max_size=5),
       notes=st.lists(st.sampled_from(["", "ok", "Bad!"]), min_size=5, max_size=5))
def test_any_report_validates(ids: list[str], values: list[str], notes: list[str]) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        (work / "spec.yaml").write_text(SPEC, "utf-8")
        lines = ["batch_id,size_nm,note,protein"]
        lines += [f'"{i}",{v},{n},1' for i, v, n in zip(ids, values, notes, strict=False)]
        (work / "a.csv").write_text("\n".join(lines) + "\n", "utf-8")
        out = work / "r.xml"
        run = run_cli("check", str(work / "a.csv"), "--spec", str(work / "spec.yaml"),
                      "-o", str(out), "-q")
        if run.code == 2:  # e.g. an id that trims to nothing: no report at all
            assert not out.exists()
            return
        load_schema().validate(str(out))
        counts_agree(ET.parse(out).getroot())
