"""`exoqc verify`: every tamper case is caught and named; missing files exit 2."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from qc.spec import specs_dir
from tests.conftest import ROOT, run_cli
from tests.gmp.tiny import SPEC
from tests.integrity.output import verdict

CSV = "batch_id,size_nm\nB-1,100\nB-2,250\nB-3,120\n"
NOT_RE_RUN = ("exoqc: note: not re-run: a file is not the one the report was made from, and "
              "verify re-runs only files with the recorded sha256 (run exoqc check on the "
              "changed files to see their verdicts)\n")


@pytest.fixture(autouse=True)
def _fixed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    monkeypatch.setenv("EXOQC_HOST", "lab-1")
    monkeypatch.chdir(tmp_path)  # the report records the relative paths given


def _sha(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _check(*extra: str, spec: str = "spec.yaml") -> None:
    Path("spec.yaml").write_text(SPEC, "utf-8")
    Path("batches.csv").write_text(CSV, "utf-8")
    result = run_cli("check", "batches.csv", "-s", spec, "-o", "r.json", "-q", *extra)
    assert (result.code, result.err) == (1, ""), result


def test_an_untouched_report_verifies() -> None:
    _check()
    result = run_cli("verify", "r.json")
    assert (result.code, verdict(result.out), result.err) == (
        0, "verified: r.json: 3 batches, inputs and spec unchanged, every result reproduced\n",
        "")


def test_an_edited_byte_in_an_input_is_caught() -> None:
    _check()
    before = _sha("batches.csv")
    Path("batches.csv").write_text(CSV.replace("250", "150"), "utf-8")
    result = run_cli("verify", "r.json")
    # Issue 15: only files with the recorded sha256 are re-run (a changed file is never
    # evaluated nor quoted), so the changed file is named and the run stops there.
    assert (result.code, result.err) == (1, NOT_RE_RUN)
    assert verdict(result.out).splitlines() == [
        "NOT VERIFIED: r.json: 1 difference:",
        f"  - input batches.csv: sha256 changed (report {before[:16]}…, file batches.csv now "
        f"{_sha('batches.csv')[:16]}…)",
    ]
    # what the edit changed is what `exoqc check` of the changed file says
    check = run_cli("check", "batches.csv", "-s", "spec.yaml", "-q")
    assert check.code == 0  # B-2 was 250 nm (fail), is now 150 nm (pass)


def test_an_edited_byte_in_the_input_that_changes_no_verdict_is_still_caught() -> None:
    _check()
    before = _sha("batches.csv")
    Path("batches.csv").write_text(CSV + "\n", "utf-8")  # a blank line: same batches
    result = run_cli("verify", "r.json")
    assert (result.code, verdict(result.out)) == (1, (
        "NOT VERIFIED: r.json: 1 difference:\n"
        f"  - input batches.csv: sha256 changed (report {before[:16]}…, file batches.csv now "
        f"{_sha('batches.csv')[:16]}…)\n"))


def test_an_edited_byte_in_the_spec_is_caught() -> None:
    _check()
    before = _sha("spec.yaml")
    Path("spec.yaml").write_text(SPEC.replace("max: 200", "max: 300"), "utf-8")
    result = run_cli("verify", "r.json")
    assert (result.code, result.err) == (1, NOT_RE_RUN)
    assert verdict(result.out).splitlines() == [
        "NOT VERIFIED: r.json: 1 difference:",
        f"  - spec spec.yaml: sha256 changed (report {before[:16]}…, file spec.yaml now "
        f"{_sha('spec.yaml')[:16]}…)",
    ]
    check = run_cli("check", "batches.csv", "-s", "spec.yaml", "-q")
    assert check.code == 0  # with max 300, B-2 (250 nm) passes: the spec was loosened


def test_an_edited_verdict_in_the_report_is_caught() -> None:
    _check()
    doc = json.loads(Path("r.json").read_text("utf-8"))
    doc["batches"][1]["verdict"] = "pass"
    doc["batches"][1]["checks"][1]["message"] = "fine"
    Path("r.json").write_text(json.dumps(doc, indent=2), "utf-8")
    result = run_cli("verify", "r.json")
    assert (result.code, verdict(result.out)) == (1, (
        "NOT VERIFIED: r.json: 2 differences:\n"
        "  - batch 'B-2' (batches.csv row 3): verdict edited: report says \"pass\", "
        're-evaluation gives "fail"\n'
        "  - batch 'B-2' (batches.csv row 3): check 'particle_size': message edited: report "
        'says "fine", re-evaluation gives "250 nm is above the maximum 200 nm"\n'))


def test_an_edited_summary_and_a_removed_batch_are_caught() -> None:
    _check()
    doc = json.loads(Path("r.json").read_text("utf-8"))
    doc["summary"]["fail"] = 0
    del doc["batches"][2]
    Path("r.json").write_text(json.dumps(doc), "utf-8")
    result = run_cli("verify", "r.json")
    assert (result.code, verdict(result.out)) == (1, (
        "NOT VERIFIED: r.json: 2 differences:\n"
        "  - summary fail: report says 0, re-evaluation gives 1\n"
        "  - batches: the report lists 2, re-evaluation gives 3\n"))


def test_missing_files_exit_2_naming_each() -> None:
    _check()
    Path("batches.csv").unlink()
    Path("spec.yaml").unlink()
    result = run_cli("verify", "r.json")
    assert (result.code, result.out, result.err) == (2, "", (
        "exoqc: r.json: cannot verify: spec file spec.yaml not found; "
        "input file batches.csv not found\n"))


def test_files_are_found_by_name_under_inputs(tmp_path: Path) -> None:
    _check()
    archive = tmp_path / "archive"
    archive.mkdir()
    for name in ("batches.csv", "spec.yaml"):
        shutil.move(name, archive / name)
    result = run_cli("verify", "r.json", "--inputs", str(archive))
    assert (result.code, result.err) == (0, ""), result
    assert result.out.startswith("verified: r.json: 3 batches")


def test_a_builtin_spec_is_verified_by_its_hash() -> None:
    shutil.copy(ROOT / "sample_data" / "batches.csv", "batches.csv")
    result = run_cli("check", "batches.csv", "-s", "clinical", "-o", "r.json", "-q")
    assert result.code == 1
    assert run_cli("verify", "r.json").code == 0
    doc = json.loads(Path("r.json").read_text("utf-8"))
    real = doc["spec"]["files"][0]["sha256"]
    doc["spec"]["files"][0]["sha256"] = "0" * 64
    Path("r.json").write_text(json.dumps(doc), "utf-8")
    result = run_cli("verify", "r.json")
    assert (result.code, verdict(result.out)) == (1, (
        "NOT VERIFIED: r.json: 1 difference:\n"
        f"  - spec builtin:clinical: sha256 changed (report {'0' * 16}…, file "
        f"{specs_dir() / 'clinical.yaml'} now {real[:16]}…)\n"))


def test_not_a_report_exits_2() -> None:
    Path("x.json").write_text("[1, 2]", "utf-8")
    assert (run_cli("verify", "x.json").err, run_cli("verify", "nope.json").err) == (
        "exoqc: x.json: not an exoqc JSON report with provenance (written by exoqc check -o "
        "REPORT.json, version 0.1 or later with attribution)\n",
        "exoqc: nope.json: report not found\n")


def test_an_edit_in_place_is_found_line_by_line() -> None:
    _check()
    data = Path("r.json").read_bytes()
    line = next(x for x in data.split(b"\n") if b'"batch_id": "B-2"' in x)
    Path("r.json").write_bytes(data.replace(line, line.replace(b'"verdict": "fail"',
                                                               b'"verdict": "pass"')))
    result = run_cli("verify", "r.json")
    assert (result.code, verdict(result.out)) == (1, (
        "NOT VERIFIED: r.json: 1 difference:\n"
        "  - batch 'B-2' (batches.csv row 3): verdict edited: report says \"pass\", "
        're-evaluation gives "fail"\n'))


def test_a_truncated_report_is_caught() -> None:
    _check()
    data = Path("r.json").read_bytes()
    Path("r.json").write_bytes(data[:-60])
    result = run_cli("verify", "r.json")
    assert (result.code, verdict(result.out)) == (1, (
        "NOT VERIFIED: r.json: 1 difference:\n"
        "  - batch 'B-3' (batches.csv row 4): the report's record is not valid JSON\n"))


def test_a_reformatted_report_with_the_same_values_verifies_with_a_note() -> None:
    _check()
    doc = json.loads(Path("r.json").read_text("utf-8"))
    Path("r.json").write_text(json.dumps(doc, indent=4), "utf-8")
    result = run_cli("verify", "r.json")
    assert (result.code, result.err) == (0, (
        "exoqc: note: the report's bytes are not exactly as exoqc writes them (reformatted?), "
        "but every value matches\n"))
