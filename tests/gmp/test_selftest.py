"""`exoqc selftest`: the bundled cases pass, cover every rule kind and outcome, and a broken
case or installed file fails the run."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from qc.gmp.selftest import runner
from qc.gmp.selftest.runner import CASES, OUTCOMES, iter_cases
from qc.rules import RULES
from tests.conftest import ROOT, run_cli


def test_selftest_passes_and_writes_json_evidence(tmp_path: Path) -> None:
    out = tmp_path / "evidence.json"
    result = run_cli("selftest", "-o", str(out))
    assert (result.code, result.err) == (0, "")
    lines = result.out.splitlines()
    assert lines[0] == "exoqc 0.1.0 selftest: PASS: 6/6 reference cases as expected"
    assert lines[1:7] == [f"  ok   {case['id']}  {case['title']}" for _, case in iter_cases()]
    evidence = json.loads(out.read_text("utf-8"))
    assert evidence["result"] == "pass"
    assert [c["result"] for c in evidence["cases"]] == ["pass"] * 6
    assert evidence["coverage"] == {
        "rule_kinds": sorted(k.__name__ for k in RULES),
        "outcomes": sorted({*OUTCOMES, "fail"}),
        "missing": [],
    }
    paths = {f["path"] for f in evidence["installation"]["files"]}
    assert {"qc/cli/__init__.py", "qc/gmp/selftest/cases/oq01-limits/case.json",
            "specs/clinical.yaml"} <= paths
    assert evidence["installation"]["mismatches"] == []
    assert set(evidence["environment"]["packages"]) >= {"pandas", "pyarrow", "jsonschema",
                                                          "click", "rich", "msgspec"}


def test_selftest_writes_html_evidence(tmp_path: Path) -> None:
    out = tmp_path / "evidence.html"
    result = run_cli("selftest", "-q", "-o", str(out))
    assert (result.code, result.out, result.err) == (0, "", "")
    text = out.read_text("utf-8")
    assert text.startswith("<!DOCTYPE html>")
    assert '<span class="pass">PASS</span>' in text
    assert "&lt;LOD qualifiers" in text  # text is escaped, never markup


def test_a_wrong_evidence_suffix_exits_2_before_running(tmp_path: Path) -> None:
    result = run_cli("selftest", "-o", str(tmp_path / "e.pdf"))
    assert (result.code, result.out, result.err) == (
        2, "", f"exoqc: {tmp_path / 'e.pdf'}: unknown evidence type '.pdf'; use .json or .html\n")


def test_a_case_that_does_not_match_fails_the_selftest(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    cases = tmp_path / "cases"
    shutil.copytree(CASES, cases)
    path = cases / "oq01-limits" / "case.json"
    case = json.loads(path.read_text("utf-8"))
    case["expected"]["batches"][4]["verdict"] = "pass"
    path.write_text(json.dumps(case), "utf-8")
    monkeypatch.setattr(runner, "CASES", cases)
    result = run_cli("selftest")
    assert result.code == 1
    assert result.out.splitlines()[:2] == [
        "exoqc 0.1.0 selftest: FAIL: 5/6 reference cases as expected",
        f"  FAIL OQ-01  {case['title']}",
    ]


def test_a_changed_installed_file_fails_the_selftest(monkeypatch: pytest.MonkeyPatch) -> None:
    real = runner.installed_files

    def tampered() -> dict[str, object]:
        found = real()
        found["mismatches"] = ["qc/engine/units.py: differs from RECORD"]
        return found

    monkeypatch.setattr(runner, "installed_files", tampered)
    result = run_cli("selftest")
    assert result.code == 1
    assert result.out.splitlines()[-1] == "  FAIL installed file qc/engine/units.py: differs from RECORD"


def test_the_clinical_case_agrees_with_the_sample_data_expectations() -> None:
    folder = CASES / "oq06-builtin-clinical"
    sample = ROOT / "sample_data"
    assert (folder / "batches.csv").read_bytes() == (sample / "batches.csv").read_bytes()
    documented = json.loads((sample / "expected_clinical.json").read_text("utf-8"))
    case = json.loads((folder / "case.json").read_text("utf-8"))["expected"]
    assert case["exit_code"] == documented["exit_code"]
    for batch in case["batches"]:
        want = documented["batches"][batch["batch_id"]]
        assert batch["verdict"] == want["verdict"], batch
        failed = {k: v for k, v in batch["problems"].items()
                  if v not in ("warn", "not_tested", "reported")}
        warned = sorted(k for k, v in batch["problems"].items() if v == "warn")
        assert (failed, warned) == (want["failed"], sorted(want["warned"])), batch
