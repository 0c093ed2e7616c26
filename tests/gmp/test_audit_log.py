"""The hash-chained audit log: what a run records, every tamper case, parallel appends."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from qc.gmp.audit import GENESIS
from tests.conftest import ROOT, run_cli
from tests.gmp.tiny import CSV, SPEC


@pytest.fixture(autouse=True)
def _fixed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    monkeypatch.setenv("EXOQC_HOST", "lab-1")
    monkeypatch.chdir(tmp_path)
    Path("spec.yaml").write_text(SPEC, "utf-8")
    Path("batches.csv").write_text(CSV, "utf-8")


def _runs(n: int) -> list[bytes]:
    for i in range(n):
        result = run_cli("check", "batches.csv", "-s", "spec.yaml", "-o", f"r{i}.json",
                         "--operator", f"op{i}", "--audit-log", "audit.log", "-q")
        assert (result.code, result.err) == (1, ""), result
    return Path("audit.log").read_bytes().splitlines(keepends=True)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _verify() -> tuple[int, list[str]]:
    result = run_cli("audit", "verify", "audit.log")
    assert result.err == ""
    return result.code, result.out.splitlines()


def test_each_run_appends_one_chained_line() -> None:
    lines = _runs(3)
    entries = [json.loads(line) for line in lines]
    assert [e["seq"] for e in entries] == [1, 2, 3]
    assert [e["prev"] for e in entries] == [GENESIS, _sha(lines[0][:-1]), _sha(lines[1][:-1])]
    first = entries[0]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", first["time"])
    assert first["time"] != "2023-11-14T22:13:20Z"  # the wall clock, not SOURCE_DATE_EPOCH
    keys = ("generated_at", "operator", "host", "exit_code", "summary")
    assert {k: first[k] for k in keys} == {
        "generated_at": "2023-11-14T22:13:20Z", "operator": "op0", "host": "lab-1", "exit_code": 1,
        "summary": {"batches": 2, "pass": 1, "warn": 0, "fail": 1, "verdict": "fail"}}
    assert first["command"] == ["exoqc", "check", "batches.csv", "-s", "spec.yaml", "-o",
                                "r0.json", "--operator", "op0", "--audit-log", "audit.log",
                                "-q"]
    assert first["spec"]["files"] == [{"path": "spec.yaml",
                                       "sha256": _sha(Path("spec.yaml").read_bytes())}]
    assert first["inputs"] == [{"path": "batches.csv",
                                "sha256": _sha(Path("batches.csv").read_bytes())}]
    assert first["reports"] == [{"path": "r0.json", "sha256": _sha(Path("r0.json").read_bytes())}]
    assert _verify() == (0, [f"intact: audit.log: 3 entries, head sha256 {_sha(lines[2][:-1])}"])


def test_a_run_that_cannot_judge_is_recorded_too() -> None:
    result = run_cli("check", "nope.csv", "-s", "spec.yaml", "--audit-log", "audit.log")
    assert (result.code, result.err) == (2, "exoqc: nope.csv: file not found\n")
    entry = json.loads(Path("audit.log").read_text("utf-8"))
    assert (entry["exit_code"], entry["error"], entry["reports"]) == (
        2, "nope.csv: file not found", [])
    assert "summary" not in entry


def test_signatures_are_among_the_reports_recorded() -> None:
    assert run_cli("keygen", "qa").code == 0
    result = run_cli("check", "batches.csv", "-s", "spec.yaml", "-o", "r.json", "--sign-key",
                     "qa", "--audit-log", "audit.log", "-q")
    assert result.code == 1
    entry = json.loads(Path("audit.log").read_text("utf-8"))
    assert [r["path"] for r in entry["reports"]] == ["r.json", "r.json.sig"]


def test_an_edited_line_is_named() -> None:
    lines = _runs(3)
    lines[1] = lines[1].replace(b'"operator":"op1"', b'"operator":"op9"')
    Path("audit.log").write_bytes(b"".join(lines))
    assert _verify() == (1, [
        "BROKEN: audit.log: 2 problems in 3 lines:",
        "  - line 2: edited (its content no longer matches its own sha256)",
        "  - line 3: does not follow line 2 (prev differs: a line was removed, inserted or "
        "reordered here, or line 2 was edited)",
    ])


def test_an_edited_last_line_is_named() -> None:
    lines = _runs(2)
    lines[1] = lines[1].replace(b'"exit_code":1', b'"exit_code":0')
    Path("audit.log").write_bytes(b"".join(lines))
    assert _verify() == (1, [
        "BROKEN: audit.log: 1 problem in 2 lines:",
        "  - line 2: edited (its content no longer matches its own sha256)",
    ])


def test_an_edited_line_with_a_recomputed_own_hash_is_still_caught() -> None:
    lines = _runs(3)
    entry = json.loads(lines[0])
    entry["exit_code"] = 0
    del entry["sha256"]
    canonical = json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    entry["sha256"] = _sha(canonical.encode())
    lines[0] = json.dumps(entry, sort_keys=True, separators=(",", ":")).encode() + b"\n"
    Path("audit.log").write_bytes(b"".join(lines))
    assert _verify() == (1, [
        "BROKEN: audit.log: 1 problem in 3 lines:",
        "  - line 2: does not follow line 1 (prev differs: a line was removed, inserted or "
        "reordered here, or line 1 was edited)",
    ])


def test_a_removed_line_is_named() -> None:
    lines = _runs(3)
    Path("audit.log").write_bytes(lines[0] + lines[2])
    assert _verify() == (1, [
        "BROKEN: audit.log: 2 problems in 2 lines:",
        "  - line 2: does not follow line 1 (prev differs: a line was removed, inserted or "
        "reordered here, or line 1 was edited)",
        "  - line 2: is entry 3 of its log, expected 2",
    ])


def test_a_removed_first_line_is_named() -> None:
    lines = _runs(2)
    Path("audit.log").write_bytes(lines[1])
    assert _verify() == (1, [
        "BROKEN: audit.log: 2 problems in 1 line:",
        "  - line 1: does not follow the start of the log (prev is not the genesis hash: "
        "earlier lines were removed)",
        "  - line 1: is entry 2 of its log, expected 1",
    ])


def test_reordered_lines_are_named() -> None:
    lines = _runs(3)
    Path("audit.log").write_bytes(lines[0] + lines[2] + lines[1])
    assert _verify() == (1, [
        "BROKEN: audit.log: 4 problems in 3 lines:",
        "  - line 2: does not follow line 1 (prev differs: a line was removed, inserted or "
        "reordered here, or line 1 was edited)",
        "  - line 2: is entry 3 of its log, expected 2",
        "  - line 3: does not follow line 2 (prev differs: a line was removed, inserted or "
        "reordered here, or line 2 was edited)",
        "  - line 3: is entry 2 of its log, expected 3",
    ])


def test_a_truncated_line_is_named_and_blocks_appending() -> None:
    lines = _runs(3)
    Path("audit.log").write_bytes(lines[0] + lines[1] + lines[2][:40])
    assert _verify() == (1, [
        "BROKEN: audit.log: 1 problem in 2 lines:",
        "  - line 3: truncated (the log does not end with a complete line)",
    ])
    result = run_cli("check", "batches.csv", "-s", "spec.yaml", "--audit-log", "audit.log",
                     "-q")
    assert (result.code, result.err) == (2, (
        "exoqc: audit.log: the last line is incomplete (truncated?); run `exoqc audit verify`\n"))


def test_a_missing_log_exits_2() -> None:
    result = run_cli("audit", "verify", "nope.log")
    assert (result.code, result.out, result.err) == (2, "", "exoqc: nope.log: audit log not "
                                                            "found\n")


def test_a_folder_given_as_the_log_exits_2(tmp_path: Path) -> None:
    (tmp_path / "logs").mkdir()
    result = run_cli("audit", "verify", "logs")
    assert (result.code, result.err) == (2, "exoqc: logs: is a folder, not an audit log\n")


def test_an_unwritable_log_is_refused_before_any_work() -> None:
    result = run_cli("check", "batches.csv", "-s", "spec.yaml", "-o", "r.json",
                     "--audit-log", "no/such/folder/audit.log")
    assert (result.code, result.err) == (2, (
        "exoqc: no/such/folder/audit.log: folder 'no/such/folder' does not exist\n"))
    assert not Path("r.json").exists()


def test_parallel_runs_keep_a_valid_chain_with_every_run(tmp_path: Path) -> None:
    n = 8
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "qc", "check", "batches.csv", "-s", "spec.yaml",
             "-o", f"r{i}.json", "--operator", f"job{i}", "--audit-log", "audit.log", "-q"],
            cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for i in range(n)
    ]
    results = [(p.wait(timeout=600), p.stderr.read() if p.stderr else b"") for p in procs]
    for proc in procs:
        for stream in (proc.stdout, proc.stderr):
            if stream:
                stream.close()
    assert results == [(1, b"")] * n
    code, out = _verify()
    assert (code, out[0].split(", head")[0]) == (0, f"intact: audit.log: {n} entries")
    entries = [json.loads(line) for line in Path("audit.log").read_text("utf-8").splitlines()]
    assert sorted(e["operator"] for e in entries) == sorted(f"job{i}" for i in range(n))
    assert [e["seq"] for e in entries] == list(range(1, n + 1))


def test_a_refused_signature_is_recorded_with_the_report_written(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from qc.gmp import verify as verify_module

    def failing(path: str, **_: object) -> verify_module.Verification:
        return verify_module.Verification(path, 2, ("summary fail: simulated",), (), False)

    assert run_cli("keygen", "qa").code == 0
    monkeypatch.setattr(verify_module, "verify_report", failing)
    result = run_cli("check", "batches.csv", "-s", "spec.yaml", "-o", "r.json", "--sign-key",
                     "qa", "--audit-log", "audit.log", "-q")
    assert result.code == 2
    entry = json.loads(Path("audit.log").read_text("utf-8"))
    assert (entry["exit_code"], entry["summary"]["verdict"], entry["error"]) == (
        2, "fail", "r.json: not signed: the report does not verify: summary fail: simulated")
    assert entry["reports"] == [{"path": "r.json", "sha256": _sha(Path("r.json").read_bytes())}]


def _log_bytes() -> bytes:
    import tempfile

    from qc.gmp.audit import append

    with tempfile.TemporaryDirectory() as folder:
        path = str(Path(folder) / "a.log")
        for i in range(3):
            append(path, {"operator": f"op{i}", "exit_code": i, "note": "µ ü"})
        return Path(path).read_bytes()


LOG = _log_bytes()


@given(st.integers(0, len(LOG) - 1), st.integers(0, 255))
@settings(max_examples=300)
def test_any_changed_byte_is_caught(tmp_path_factory: pytest.TempPathFactory, at: int,
                                    value: int) -> None:
    from qc.gmp.audit import verify

    assume(LOG[at] != value)
    path = tmp_path_factory.mktemp("log") / "a.log"
    path.write_bytes(LOG[:at] + bytes([value]) + LOG[at + 1:])
    assert verify(str(path)).problems
