"""The CI integration shipped in the repository: the composite action's script really
runs exoqc, fills the job summary and keeps the exit code; the pre-commit hook's command
line works as pre-commit builds it."""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import ROOT, run_cli

Write = Callable[[str, str | bytes], Path]

SPEC = """\
name: ci-spec
version: "1"
id_column: batch_id
checks:
  - name: size
    column: size_nm
    max: 150
    warn_max: 140
"""


def action() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "action.yml").read_text("utf-8"))
    return loaded


def step(name: str) -> dict[str, Any]:
    return next(s for s in action()["runs"]["steps"] if s.get("name") == name)


def test_action_interface() -> None:
    a = action()
    assert {"spec", "inputs", "fail-on"} <= set(a["inputs"])
    assert a["inputs"]["spec"]["required"] is True
    assert a["inputs"]["fail-on"]["default"] == "fail"
    assert a["runs"]["using"] == "composite"
    uses = [s.get("uses", "") for s in a["runs"]["steps"]]
    assert any(u.startswith("actions/upload-artifact@") for u in uses)
    assert '"$GITHUB_ACTION_PATH"' in step("Install exoqc")["run"]
    # Inputs reach scripts through env only: no ${{ }} expression inside a run script.
    for s in a["runs"]["steps"]:
        assert "${{" not in s.get("run", ""), s["name"]


def _run_step(tmp_path: Path, inputs: str, fail_on: str = "fail") -> tuple[int, str, str]:
    """Run the action's "Run exoqc" script with bash, as the runner would."""
    temp = tmp_path / "runner-temp"
    bindir = temp / "exoqc-venv" / "bin"
    bindir.mkdir(parents=True, exist_ok=True)
    shim = bindir / "exoqc"
    shim.write_text(f'#!/bin/sh\nPYTHONPATH={ROOT} exec {sys.executable} -m qc "$@"\n')
    shim.chmod(shim.stat().st_mode | stat.S_IEXEC)
    output, summary = tmp_path / "github-output", tmp_path / "step-summary"
    output.write_text("")
    summary.write_text("# earlier step\n")
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")},
           "RUNNER_TEMP": str(temp), "GITHUB_OUTPUT": str(output),
           "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_ACTIONS": "true",
           "EXOQC_SPEC": "spec.yaml", "EXOQC_INPUTS": inputs, "EXOQC_FAIL_ON": fail_on,
           "EXOQC_SHEET": "", "EXOQC_JUNIT": "exoqc-junit.xml",
           "EXOQC_MARKDOWN": "exoqc-summary.md", "SOURCE_DATE_EPOCH": "1767225600"}
    done = subprocess.run(["bash", "-e", "-c", step("Run exoqc")["run"]], cwd=tmp_path,
                          env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr  # the step itself succeeds; the last one fails
    return (int(re.fullmatch(r"exit-code=(\d)\n", output.read_text())[1]),  # type: ignore[index]
            summary.read_text(), done.stdout)


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_action_script_runs_exoqc_and_keeps_the_exit_code(tmp_path: Path) -> None:
    (tmp_path / "spec.yaml").write_text(SPEC)
    (tmp_path / "lab").mkdir()
    (tmp_path / "lab" / "a.csv").write_text("batch_id,size_nm\nA1,120\nA2,170\n")
    (tmp_path / "lab" / "b.csv").write_text("batch_id,size_nm\nB1,145\n")
    code, summary, stdout = _run_step(tmp_path, "lab/*.csv")
    assert code == 1
    # the spec states no status: the summary's first line says NOT FOR RELEASE
    assert summary.startswith("# earlier step\n**NOT FOR RELEASE: spec ci-spec 1 states no "
                              "status (only an approved spec is for release)**\n\n"
                              "## ❌ exoqc: FAIL\n")
    assert "| A2 | lab/a.csv | 3 | ❌ FAIL | size: 170 is above the maximum 150 |  |" in summary
    assert (tmp_path / "exoqc-junit.xml").read_text().count("<testcase ") == 3
    # Under GitHub Actions with no --format: the table and the annotations.
    assert "FAIL: 3 batches checked: 1 pass, 1 warn, 1 fail" in stdout
    assert "::error file=lab/a.csv,line=3,title=exoqc%3A batch A2 fails ci-spec::" in stdout

    code, _, _ = _run_step(tmp_path, "lab/b.csv", fail_on="warn")
    assert code == 1
    code, _, _ = _run_step(tmp_path, "lab/b.csv")
    assert code == 0
    code, summary, _ = _run_step(tmp_path, "lab/nothing-*.csv")
    assert code == 2
    assert summary.endswith("## exoqc could not judge (exit 2)\n\nSee the step log for the "
                            "reason.\n")
    assert not (tmp_path / "exoqc-junit.xml").exists()  # no stale report from the last run


def test_last_step_exits_with_exoqc_code() -> None:
    last = step("Exit with exoqc's code")
    assert last["if"] == "${{ always() }}"
    assert last["env"]["EXOQC_EXIT"] == "${{ steps.check.outputs.exit-code }}"
    for code in (0, 1, 2):
        done = subprocess.run(["bash", "-c", last["run"]], env={"EXOQC_EXIT": str(code)})
        assert done.returncode == code


def test_pre_commit_hook(write: Write) -> None:
    [hook] = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text("utf-8"))
    assert (hook["id"], hook["entry"], hook["language"], hook["require_serial"]) == (
        "exoqc", "exoqc check", "python", True)
    files = re.compile(hook["files"])
    assert [bool(files.search(p)) for p in ("qc/a.csv", "b.xlsx", "c.xlsm", "spec.yaml")] == [
        True, True, True, False]
    # pre-commit runs: entry + args (the spec) + the changed files.
    spec = write("spec.yaml", SPEC)
    a = write("a.csv", "batch_id,size_nm\nA1,120\n")
    b = write("b.csv", "batch_id,size_nm\nA1,130\n")
    entry = hook["entry"].split()[1:]
    run = run_cli(*entry, "--spec", str(spec), str(a))
    assert run.code == 0
    run = run_cli(*entry, "--spec", str(spec), str(a), str(b), "--quiet")
    assert (run.code, run.out) == (1, "")  # the id in both files fails in both
