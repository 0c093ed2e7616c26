"""The check session (qc/gmp/session.py): every outcome of `exoqc check` reaches the audit log.

A verdict, a run that could not judge, an internal error and Ctrl-C each leave one entry
with its exit code and outcome, and `exoqc audit verify` accepts the log afterwards.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.gmp.tiny import CSV, SPEC


@pytest.fixture(autouse=True)
def _files(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    Path("spec.yaml").write_text(SPEC, "utf-8")
    Path("batches.csv").write_text(CSV, "utf-8")


def _entries() -> list[dict[str, object]]:
    return [json.loads(line) for line in Path("audit.log").read_text("utf-8").splitlines()]


def _log_verifies(entries: int) -> None:
    result = run_cli("audit", "verify", "audit.log")
    assert (result.code, result.err) == (0, ""), result
    noun = "entry" if entries == 1 else "entries"
    assert result.out.startswith(f"intact: audit.log: {entries} {noun}, head sha256 ")


def _check(*extra: str) -> tuple[int, str]:
    result = run_cli("check", "batches.csv", "-s", "spec.yaml", "--audit-log", "audit.log",
                     "-q", *extra)
    assert result.out == ""
    return result.code, result.err


def _explode(monkeypatch: pytest.MonkeyPatch, exc: BaseException) -> None:
    """The engine raises `exc` (as a bug, or Ctrl-C while judging, would)."""
    import qc.run

    def evaluate(*_: object, **__: object) -> None:
        raise exc

    monkeypatch.setattr(qc.run, "evaluate", evaluate)


def test_a_verdict_is_recorded_as_judged() -> None:
    assert _check() == (1, "")
    Path("batches.csv").write_text("batch_id,size_nm\nB-1,100\n", "utf-8")
    assert _check() == (0, "")
    assert [(e["exit_code"], e["outcome"], e["summary"]["verdict"])  # type: ignore[index]
            for e in _entries()] == [(1, "judged", "fail"), (0, "judged", "pass")]
    assert all("error" not in e for e in _entries())
    _log_verifies(2)


def test_an_internal_error_is_recorded(monkeypatch: pytest.MonkeyPatch) -> None:
    _explode(monkeypatch, RuntimeError("boom"))
    code, err = _check()
    assert (code, err) == (2, "exoqc: internal error: RuntimeError: boom (rerun with --debug "
                              "for the traceback, and please report it)\n")
    [entry] = _entries()
    assert (entry["exit_code"], entry["outcome"], entry["error"], entry["reports"]) == (
        2, "internal error", "internal error: RuntimeError: boom", [])
    assert "summary" not in entry
    _log_verifies(1)


def test_ctrl_c_is_recorded(monkeypatch: pytest.MonkeyPatch) -> None:
    _explode(monkeypatch, KeyboardInterrupt())
    assert _check() == (2, "exoqc: interrupted\n")
    [entry] = _entries()
    assert (entry["exit_code"], entry["outcome"], entry["error"]) == (
        2, "interrupted", "interrupted")
    _log_verifies(1)


def test_ctrl_c_while_printing_is_recorded_with_the_reports_written(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    def interrupted(*_: object) -> None:
        raise KeyboardInterrupt

    # qc.cli.check is the module; `qc.cli`'s attribute of that name is the command
    monkeypatch.setattr(importlib.import_module("qc.cli.check"), "_print", interrupted)
    result = run_cli("check", "batches.csv", "-s", "spec.yaml", "--audit-log", "audit.log",
                     "-o", "r.json")
    assert (result.code, result.err) == (2, "exoqc: interrupted\n")
    [entry] = _entries()
    assert (entry["exit_code"], entry["outcome"]) == (2, "interrupted")
    assert entry["summary"]["verdict"] == "fail"  # type: ignore[index]
    assert [r["path"] for r in entry["reports"]] == ["r.json"]  # type: ignore[attr-defined]
    _log_verifies(1)


def test_a_refused_output_is_recorded_as_could_not_judge() -> None:
    Path("folder").mkdir()
    assert _check("-o", "folder") == (2, "exoqc: folder: is a folder; give a file name\n")
    [entry] = _entries()
    assert (entry["exit_code"], entry["outcome"], entry["error"]) == (
        2, "could not judge", "folder: is a folder; give a file name")
    _log_verifies(1)


def test_a_run_whose_entry_cannot_be_written_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    """The entry of a failed run cannot be appended: the run must not look recorded."""
    from qc.errors import AuditError
    from qc.gmp import audit

    def refuse(path: str, entry: object, key: object = None) -> str:
        raise AuditError(f"{path}: disk full")

    monkeypatch.setattr(audit, "append", refuse)
    _explode(monkeypatch, RuntimeError("boom"))
    assert _check() == (2, "exoqc: this run (internal error: RuntimeError: boom) is not "
                           "recorded in the audit log: audit.log: disk full\n")


def test_every_outcome_through_the_session_api(monkeypatch: pytest.MonkeyPatch) -> None:
    """The session as other callers use it: the outcome returned, the exception re-raised."""
    from qc.gmp.session import SessionOptions, check_session
    from qc.run import RunOptions

    options = RunOptions(inputs=("batches.csv",), spec="spec.yaml")
    shown: list[str] = []
    outcome = check_session(options, SessionOptions(outputs=("r.md",), audit_log="audit.log"),
                            show=lambda report: shown.append(report.summary.verdict.label))
    assert (outcome.exit_code, shown, outcome.written) == (1, ["fail"], (Path("r.md"),))
    assert outcome.audit_head is not None
    _explode(monkeypatch, KeyboardInterrupt())
    with pytest.raises(KeyboardInterrupt):
        check_session(options, SessionOptions(audit_log="audit.log"))
    assert [e["outcome"] for e in _entries()] == ["judged", "interrupted"]
    _log_verifies(2)


def test_a_signature_made_before_a_refused_one_is_recorded(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Two JSON reports: the first is signed, the second refused; the log names both reports
    and the first's signature, so no file the run left is missing from the record."""
    from qc.gmp import verify as verify_module

    real = verify_module.verify_report

    def second_fails(path: str, **kwargs: object) -> verify_module.Verification:
        if path == "b.json":
            return verify_module.Verification(path, 2, ("summary fail: simulated",), (), False)
        return real(path, **kwargs)  # type: ignore[arg-type]

    assert run_cli("keygen", "qa").code == 0
    monkeypatch.setattr(verify_module, "verify_report", second_fails)
    code, err = _check("-o", "a.json", "-o", "b.json", "--sign-key", "qa")
    assert (code, err) == (2, "exoqc: b.json: not signed: the report does not verify: "
                              "summary fail: simulated\n")
    [entry] = _entries()
    assert [r["path"] for r in entry["reports"]] == [  # type: ignore[attr-defined]
        "a.json", "b.json", "a.json.sig"]
    assert Path("a.json.sig").exists() and not Path("b.json.sig").exists()
