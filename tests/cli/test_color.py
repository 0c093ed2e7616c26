"""Colour (qc/cli/terminal.py): `--color always|never` wins over NO_COLOR, which wins over
FORCE_COLOR, which wins over whether stdout is a terminal; for every command that colours
(check, trend, nta), given on the command or on the root group."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qc.cli.terminal import use_color
from tests.conftest import ROOT, run_cli
from tests.gmp.tiny import CSV, SPEC

ESC = "\x1b["
SAMPLE = ROOT / "sample_data"
ENV_VALUES = st.sampled_from([None, "", "1", "0", "true", "false", "yes"])


@given(choice=st.sampled_from(["auto", "always", "never"]), tty=st.booleans(),
       no_color=ENV_VALUES, force=ENV_VALUES)
def test_precedence(choice: str, tty: bool, no_color: str | None, force: str | None) -> None:
    environ = {k: v for k, v in (("NO_COLOR", no_color), ("FORCE_COLOR", force)) if v is not None}
    got = use_color(choice, tty=tty, environ=environ)
    if choice != "auto":
        assert got is (choice == "always")
    elif no_color:
        assert got is False
    elif force and force not in ("0", "false"):
        assert got is True
    else:
        assert got is tty


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "spec.yaml").write_text(SPEC, "utf-8")
    (tmp_path / "batches.csv").write_text(CSV, "utf-8")
    return tmp_path


COMMANDS = {
    "check": ("check", "batches.csv", "-s", "spec.yaml"),
    "trend": ("trend", str(SAMPLE / "history.csv"), "-s", "clinical", "--by",
              "manufacture_date"),
    "nta": ("nta", str(SAMPLE / "nta" / "EXO-2026-101_ExperimentSummary.csv")),
}
# (where --color goes, its value, environment, coloured?)
CASES = [
    ("command", "always", {"NO_COLOR": "1"}, True),
    ("root", "always", {"NO_COLOR": "1"}, True),
    ("command", "never", {"FORCE_COLOR": "1"}, False),
    ("root", "never", {"FORCE_COLOR": "1"}, False),
    ("none", "", {"FORCE_COLOR": "1"}, True),
    ("none", "", {"FORCE_COLOR": "1", "NO_COLOR": "1"}, False),
    ("none", "", {}, False),  # not a terminal
    ("command", "auto", {"FORCE_COLOR": "1"}, True),
]


@pytest.mark.usefixtures("folder")
@pytest.mark.parametrize("name", list(COMMANDS))
@pytest.mark.parametrize(("where", "value", "env", "coloured"), CASES)
def test_every_colouring_command(name: str, where: str, value: str, env: dict[str, str],
                                 coloured: bool) -> None:
    args = COMMANDS[name]
    if where == "command":
        args = (*args, "--color", value)
    elif where == "root":
        args = ("--color", value, *args)
    full = {"NO_COLOR": None, "FORCE_COLOR": None, **env}
    r = run_cli(*args, env=full)
    assert r.code in (0, 1), r
    assert (ESC in r.out) is coloured, r


@pytest.mark.usefixtures("folder")
def test_the_commands_own_color_wins_over_the_root_groups() -> None:
    r = run_cli("--color", "never", "check", "batches.csv", "-s", "spec.yaml", "--color",
                "always")
    assert ESC in r.out, r


@pytest.mark.usefixtures("folder")
def test_colour_never_reaches_json_or_errors() -> None:
    r = run_cli("check", "batches.csv", "-s", "spec.yaml", "-f", "json", "--color", "always")
    assert ESC not in r.out and r.json()["summary"]
    bad = run_cli("check", "nothing.csv", "-s", "spec.yaml", "--color", "always")
    assert (bad.code, ESC in bad.err) == (2, False), bad


def test_a_bad_choice_is_a_usage_error() -> None:
    r = run_cli("check", "x.csv", "-s", "clinical", "--color", "sometimes")
    assert r.code == 2 and "'sometimes' is not one of 'auto', 'always', 'never'" in r.err, r


@pytest.mark.usefixtures("folder")
@pytest.mark.parametrize("root", [("--color", "never"), ("--color=always",)])
def test_a_report_made_with_the_root_groups_color_verifies(root: tuple[str, ...]) -> None:
    """--color changes only what is printed: verify re-reads the recorded command line
    with it before `check` and finds nothing to re-run differently."""
    made = run_cli(*root, "check", "batches.csv", "-s", "spec.yaml", "-o", "r.json",
                   "--color", "always")
    assert made.code == 1, made
    checked = run_cli("verify", "r.json")
    assert checked.code == 0, checked
