"""Lifecycle metadata: a draft or not-yet-effective spec prints NOT FOR RELEASE, is recorded
in every report, and `--release` refuses it (exit 2)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from tests.conftest import run_cli

SPEC = """name: t
version: "3"
{lifecycle}id_column: batch_id
checks:
  - name: ph
    column: ph
    min: 7
    max: 8
"""
DATA = "batch_id,ph\nB1,7.4\n"


def _files(write: Callable[..., Path], lifecycle: str) -> tuple[Path, Path]:
    return write("s.yaml", SPEC.format(lifecycle=lifecycle)), write("d.csv", DATA)


def test_draft_prints_the_banner_and_records_the_status(write: Callable[..., Path],
                                                         tmp_path: Path) -> None:
    spec, data = _files(write, "status: draft\n")
    table = run_cli("check", str(data), "--spec", str(spec), "-o", str(tmp_path / "r.json"))
    assert table.code == 0, table
    assert table.out.splitlines()[1] == "*** NOT FOR RELEASE: spec t 3 is a draft ***"
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["spec"]["status"] == "draft"
    assert report["spec"]["not_for_release"] == "spec t 3 is a draft"
    assert report["notes"] == ["NOT FOR RELEASE: spec t 3 is a draft"]
    as_json = run_cli("check", str(data), "--spec", str(spec), "-f", "json")
    assert as_json.err == "exoqc: NOT FOR RELEASE: spec t 3 is a draft\n"


def test_release_refuses_a_draft(write: Callable[..., Path]) -> None:
    spec, data = _files(write, "status: draft\n")
    run = run_cli("check", str(data), "--spec", str(spec), "--release")
    assert (run.code, run.out, run.err) == (
        2, "", f"exoqc: {spec}: NOT FOR RELEASE: spec t 3 is a draft; --release refuses to "
               "judge batches against it\n"), run


def test_not_yet_effective(write: Callable[..., Path]) -> None:
    spec, data = _files(write, "status: approved\neffective_date: 2026-06-01\n"
                               "approved_by: QA (J. Doe)\n")
    early = run_cli("check", str(data), "--spec", str(spec), "--as-of", "2026-05-31",
                    "--release")
    assert (early.code, early.err) == (
        2, f"exoqc: {spec}: NOT FOR RELEASE: spec t 3 is effective from 2026-06-01 (as of "
           "2026-05-31); --release refuses to judge batches against it\n"), early
    on_time = run_cli("check", str(data), "--spec", str(spec), "--as-of", "2026-06-01",
                      "--release", "-f", "json")
    assert (on_time.code, on_time.err) == (0, ""), on_time
    head = json.loads(on_time.out)["spec"]
    assert (head["status"], head["effective_date"], head["approved_by"],
            head["not_for_release"]) == ("approved", "2026-06-01", "QA (J. Doe)", None)


def test_bad_lifecycle_values(write: Callable[..., Path]) -> None:
    spec, _ = _files(write, "status: final\neffective_date: 2026-13-01\n")
    run = run_cli("spec", "validate", str(spec))
    assert (run.code, run.out) == (
        2, f"{spec}:3:9: status: must be one of draft, approved, not 'final'\n"
           f"{spec}:4:17: effective_date: '2026-13-01' is not a date (write 2026-03-07)\n"), run


def test_effective_date_must_be_real(write: Callable[..., Path]) -> None:
    spec, _ = _files(write, "effective_date: 2026-13-01\n")
    run = run_cli("spec", "validate", str(spec))
    assert (run.code, run.out) == (
        2, f"{spec}:3:17: effective_date: '2026-13-01' is not a date (write 2026-03-07)\n"), run


def test_release_refuses_a_spec_that_states_no_status(write: Callable[..., Path]) -> None:
    for lifecycle in ("", "effective_date: 2020-01-01\n", "approved_by: QA\n"):
        spec, data = _files(write, lifecycle)
        run = run_cli("check", str(data), "--spec", str(spec), "--release")
        assert (run.code, run.out, run.err) == (
            2, "", f"exoqc: {spec}: NOT FOR RELEASE: spec t 3 states no status (only an "
                   "approved spec is for release); --release refuses to judge batches "
                   "against it\n"), run
        table = run_cli("check", str(data), "--spec", str(spec))
        assert table.code == 0, table
        assert table.out.splitlines()[1].startswith("*** NOT FOR RELEASE: spec t 3 states no "
                                                    "status"), table


def test_an_approved_spec_without_effective_date_is_effective(
        write: Callable[..., Path]) -> None:
    spec, data = _files(write, "status: approved\n")
    run = run_cli("check", str(data), "--spec", str(spec), "--release", "--as-of",
                  "1999-01-01", "-f", "json")
    assert (run.code, run.err) == (0, ""), run
    assert json.loads(run.out)["spec"]["not_for_release"] is None


def test_release_refuses_the_shipped_specs() -> None:
    from tests.conftest import ROOT

    for builtin in ("clinical", "research"):
        run = run_cli("check", str(ROOT / "sample_data" / "batches.csv"), "--spec", builtin,
                      "--release")
        assert run.code == 2 and "states no status" in run.err, run


def test_approved_by_must_name_someone(write: Callable[..., Path]) -> None:
    """Attack: `approved_by: " "` or a zero-width space was an approval by no one."""
    for who in ('" "', '"\\u200b"', '"-"'):
        spec, _ = _files(write, f"status: approved\napproved_by: {who}\n")
        run = run_cli("spec", "validate", str(spec))
        assert run.code == 2 and "approved_by: names no one" in run.out, (who, run)
    spec, _ = _files(write, 'status: approved\napproved_by: "QA, J. Doe"\n')
    assert run_cli("spec", "validate", str(spec)).code == 0
