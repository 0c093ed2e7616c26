"""The CI integration shipped in the repository: the composite action's script really
runs exoqc, fills the job summary and keeps the exit code; the pre-commit hook's command
line works as pre-commit builds it."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import ROOT, STABLE_ENV, run_cli

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


INPUTS = {"spec", "inputs", "fail-on", "decimal", "as-of", "sheet", "join", "id-pattern",
          "junit", "markdown", "reports", "args", "summary", "artifact-name", "python-version"}
OUTPUTS = {"exit-code", "verdict", "batches", "passed", "warned", "failed", "junit",
           "markdown", "reports"}


def test_action_interface() -> None:
    a = action()
    assert set(a["inputs"]) == INPUTS
    assert all(a["inputs"][name].get("description") for name in INPUTS)
    assert a["inputs"]["spec"]["required"] is True
    assert a["inputs"]["fail-on"]["default"] == "fail"
    assert set(a["outputs"]) == OUTPUTS
    assert {name: o["value"] for name, o in a["outputs"].items()} == {
        name: f"${{{{ steps.check.outputs.{name} }}}}" for name in OUTPUTS}
    assert a["runs"]["using"] == "composite"
    uses = [s.get("uses", "") for s in a["runs"]["steps"]]
    assert any(u.startswith("actions/upload-artifact@") for u in uses)
    assert '"$GITHUB_ACTION_PATH"' in step("Install exoqc")["run"]
    # Inputs reach scripts through env only: no ${{ }} expression inside a run script,
    # and every input but the ones the runner itself reads reaches the Run step.
    for s in a["runs"]["steps"]:
        assert "${{" not in s.get("run", ""), s["name"]
    passed = {v.removeprefix("${{ inputs.").removesuffix(" }}")
              for v in step("Run exoqc")["env"].values()}
    assert passed == INPUTS - {"artifact-name", "python-version"}


@dataclass(frozen=True)
class ActionRun:
    outputs: dict[str, str]
    summary: str
    stdout: str
    stderr: str


def read_outputs(text: str) -> dict[str, str]:
    """$GITHUB_OUTPUT as the runner reads it: `name=value` or `name<<DELIMITER` lines."""
    found: dict[str, str] = {}
    lines = iter(text.split("\n"))
    for line in lines:
        if not line:
            continue
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, mark = line.split("<<", 1)
            value: list[str] = []
            for body in lines:
                if body == mark:
                    break
                value.append(body)
            else:
                raise AssertionError(f"no closing {mark} for {name}")
            found[name] = "\n".join(value)
        else:
            name, _, found[name] = line.partition("=")
    return found


def run_action(tmp_path: Path, **inputs: str) -> ActionRun:
    """Run the action's "Run exoqc" step as the runner does (`shell: python`: the script in
    a file, run by Python), with the inputs in its env and a fake runner around it."""
    temp = tmp_path / "runner-temp"
    bindir = temp / "exoqc-venv" / "bin"
    bindir.mkdir(parents=True, exist_ok=True)
    shim = bindir / "exoqc"
    shim.write_text(f'#!/bin/sh\nPYTHONPATH={ROOT} exec {sys.executable} -m qc "$@"\n')
    shim.chmod(shim.stat().st_mode | stat.S_IEXEC)
    output, summary = tmp_path / "github-output", tmp_path / "step-summary"
    output.write_text("")
    summary.write_text("# earlier step\n")
    run = step("Run exoqc")
    assert run["shell"] == "python"
    script = tmp_path / "step.py"
    script.write_text(run["run"], "utf-8")
    given = {**{name: action()["inputs"][name].get("default", "") for name in INPUTS},
             **{k.replace("_", "-"): v for k, v in inputs.items()}}
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")},
           "RUNNER_TEMP": str(temp), "GITHUB_OUTPUT": str(output),
           "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_ACTIONS": "true",
           "SOURCE_DATE_EPOCH": "1767225600", **STABLE_ENV}
    for var, expression in run["env"].items():
        env[var] = given[expression.removeprefix("${{ inputs.").removesuffix(" }}")]
    done = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr  # the step itself succeeds; the last one fails
    found = read_outputs(output.read_text("utf-8"))
    assert set(found) == OUTPUTS, found
    return ActionRun(found, summary.read_text("utf-8"), done.stdout, done.stderr)


@pytest.fixture
def lab(tmp_path: Path) -> Path:
    (tmp_path / "spec.yaml").write_text(SPEC)
    (tmp_path / "lab").mkdir()
    (tmp_path / "lab" / "a.csv").write_text("batch_id,size_nm\nA1,120\nA2,170\n")
    (tmp_path / "lab" / "b.csv").write_text("batch_id,size_nm\nB1,145\n")
    return tmp_path


def test_action_runs_exoqc_and_sets_every_output(lab: Path) -> None:
    run = run_action(lab, spec="spec.yaml", inputs="lab/*.csv", reports="out/r.json out/r.csv")
    assert run.outputs == {"exit-code": "1", "verdict": "fail", "batches": "3", "passed": "1",
                           "warned": "1", "failed": "1", "junit": "exoqc-junit.xml",
                           "markdown": "exoqc-summary.md",
                           "reports": "exoqc-junit.xml\nexoqc-summary.md\nout/r.json\nout/r.csv"}
    # the spec states no status: the summary's first line says NOT FOR RELEASE
    assert run.summary.startswith("# earlier step\n**NOT FOR RELEASE: spec ci-spec 1 states no "
                                  "status (only an approved spec is for release)**\n\n"
                                  "## ❌ exoqc: FAIL\n")
    assert "| A2 | lab/a.csv | 3 | ❌ FAIL | size: 170 is above the maximum 150 |  |" in run.summary
    assert run.summary.removeprefix("# earlier step\n") == (
        lab / "exoqc-summary.md").read_text("utf-8")
    assert (lab / "exoqc-junit.xml").read_text().count("<testcase ") == 3
    report = json.loads((lab / "out" / "r.json").read_text("utf-8"))
    assert report["provenance"]["options"]["inputs"] == ["lab/a.csv", "lab/b.csv"]
    assert (lab / "out" / "r.csv").read_text("utf-8").startswith("batch_id,row,check,")
    # Under GitHub Actions with no --format: the table and the annotations.
    assert "FAIL: 3 batches checked: 1 pass, 1 warn, 1 fail" in run.stdout
    assert "::error file=lab/a.csv,line=3,title=exoqc%3A batch A2 fails ci-spec::" in run.stdout

    warn = run_action(lab, spec="spec.yaml", inputs="lab/b.csv", fail_on="warn")
    assert (warn.outputs["exit-code"], warn.outputs["verdict"]) == ("1", "warn")
    clean = run_action(lab, spec="spec.yaml", inputs="lab/b.csv", junit="", markdown="",
                       summary="false")
    assert clean.outputs == {"exit-code": "0", "verdict": "warn", "batches": "1", "passed": "0",
                             "warned": "1", "failed": "0", "junit": "", "markdown": "",
                             "reports": ""}
    assert clean.summary == "# earlier step\n"  # summary: false


def test_every_check_option_reaches_exoqc(lab: Path) -> None:
    (lab / "lab" / "eu.csv").write_text("batch_id;size_nm\nE1;120,5\n")
    (lab / "pot.csv").write_text("batch_id,potency\nE1,80\n")
    run = run_action(lab, spec="spec.yaml", inputs="lab/eu.csv", decimal=",",
                     as_of="2026-03-07", sheet="Results", join="pot.csv",
                     id_pattern="(E\\d)", reports="r.json",
                     args="--operator 'Jane Doe' --verbose")
    assert run.outputs["exit-code"] == "0", run.stderr
    report = json.loads((lab / "r.json").read_text("utf-8"))
    assert report["provenance"]["options"] == {
        "spec": "spec.yaml", "inputs": ["lab/eu.csv"], "decimal": ",", "fail_on": "fail",
        "as_of": "2026-03-07", "sheet": "Results", "joins": ["pot.csv"],
        "id_pattern": "(E\\d)", "header_row": None, "columns": None, "encoding": None}
    assert report["provenance"]["operator"] == "Jane Doe"
    assert report["batches"][0]["checks"][-1]["value"] == "120,5"


@pytest.mark.parametrize("field", ["spec", "sheet", "args", "inputs", "as_of"])
def test_no_input_reaches_a_shell(lab: Path, field: str) -> None:
    """Shell syntax in any input is data: nothing is run, nothing is created."""
    evil = "x$(touch pwned1)`touch pwned2`;touch pwned3|touch pwned4&&touch pwned5"
    given = {"spec": "spec.yaml", "inputs": "lab/a.csv"}
    given[field] = (f"--operator '{evil}'" if field == "args" else
                    f"lab/a.csv '{evil}'" if field == "inputs" else evil)
    run = run_action(lab, **given)
    assert not list(lab.glob("pwned*"))
    if field in ("args", "sheet"):  # one argument (quotes removed), recorded as given
        assert run.outputs["exit-code"] == "1", run.stderr
        report = json.loads((lab / "runner-temp" / "exoqc-action-report.json").read_text())
        recorded = (report["provenance"]["operator"] if field == "args" else
                    report["provenance"]["options"]["sheet"])
        assert recorded == evil
    else:
        assert run.outputs["exit-code"] == "2"
        assert run.outputs["verdict"] == "error"


def test_a_glob_that_matches_nothing_could_not_judge_and_leaves_no_stale_report(
        lab: Path) -> None:
    first = run_action(lab, spec="spec.yaml", inputs="lab/a.csv", reports="r.json")
    assert (lab / "r.json").exists() and first.outputs["exit-code"] == "1"
    run = run_action(lab, spec="spec.yaml", inputs="lab/nothing-*.csv", reports="r.json")
    assert run.outputs == {"exit-code": "2", "verdict": "error", "batches": "", "passed": "",
                           "warned": "", "failed": "", "junit": "", "markdown": "",
                           "reports": ""}
    assert "lab/nothing-*.csv" in run.stderr
    assert run.summary.startswith("# earlier step\n## exoqc could not judge (exit 2)\n\n    exoqc: ")
    assert "lab/nothing-*.csv" in run.summary
    assert run.summary.endswith("\nSee the step log for the reason.\n")
    for stale in ("exoqc-junit.xml", "exoqc-summary.md", "r.json"):
        assert not (lab / stale).exists(), stale


def test_a_report_path_naming_an_input_never_deletes_it(lab: Path) -> None:
    before = (lab / "lab" / "a.csv").read_bytes()
    run = run_action(lab, spec="spec.yaml", inputs="lab/a.csv", reports="lab/a.csv")
    assert run.outputs["exit-code"] == "2"
    assert (lab / "lab" / "a.csv").read_bytes() == before


def test_paths_with_spaces_and_a_leading_dash(lab: Path) -> None:
    (lab / "lab 2").mkdir()
    (lab / "lab 2" / "c.csv").write_text("batch_id,size_nm\nC1,100\n")
    (lab / "-x.csv").write_text("batch_id,size_nm\nX1,100\n")  # not an option
    run = run_action(lab, spec="spec.yaml", inputs="\"lab 2/c.csv\"\n-*.csv",
                     reports="r.json")
    assert run.outputs["exit-code"] == "0", run.stderr
    report = json.loads((lab / "r.json").read_text("utf-8"))
    assert report["provenance"]["options"]["inputs"] == ["lab 2/c.csv", "./-x.csv"]


def test_an_unbalanced_quote_or_no_input_is_refused_in_plain_words(lab: Path) -> None:
    run = run_action(lab, spec="spec.yaml", inputs="lab/a.csv", args="--operator 'Jane")
    assert (run.outputs["exit-code"], run.outputs["verdict"]) == ("2", "error")
    assert run.stderr == "exoqc action: input args: No closing quotation\n"
    assert "    exoqc action: input args: No closing quotation\n" in run.summary
    run = run_action(lab, spec="spec.yaml", inputs=" \n ")
    assert run.outputs["exit-code"] == "2"
    assert run.stderr == "exoqc action: input inputs is empty: name the batch files\n"


def test_the_command_line_echo_cannot_start_a_workflow_command(lab: Path) -> None:
    run = run_action(lab, spec="spec.yaml", inputs="lab/a.csv",
                     args="--operator 'x\n::error::forged ##[warning]y'")
    lines = run.stdout.splitlines()
    assert not any(line.lstrip().startswith("::error::forged") for line in lines)
    assert not any("##[" in line for line in lines)


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
