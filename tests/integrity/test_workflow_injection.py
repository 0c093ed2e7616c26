"""No batch id, value or file name can inject a GitHub Actions workflow command.

A small simulated runner reads exoqc's real output as actions/runner does: a line ends at
LF, CR or CRLF; `::name props::data` is a command once leading whitespace is trimmed
(.NET `TrimStart`: Unicode spaces, not only ASCII); the legacy `##[name]data` is a command
anywhere in a line; `::stop-commands::TOKEN` ignores every command until `::TOKEN::`.
The only commands it may find are the annotations exoqc means: one per failing batch."""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qc.render.github import escape_data, escape_property
from qc.render.text import no_workflow_commands, workflow_safe
from tests.conftest import run_cli
from tests.gmp.tiny import SPEC


@dataclass(frozen=True)
class Command:
    name: str
    data: str


def _dotnet_space(char: str) -> bool:
    """char.IsWhiteSpace: the separators Zs, Zl, Zp, and TAB..CR, NEL, NBSP."""
    return (unicodedata.category(char) in ("Zs", "Zl", "Zp")
            or char in "\t\n\x0b\x0c\r\x85\xa0")


def runner(text: str) -> list[Command]:
    """The workflow commands a runner would act on in `text` (stdout or stderr)."""
    found: list[Command] = []
    stopped: str | None = None
    for line in re.split(r"\r\n|\r|\n", text):
        trimmed = line
        while trimmed and _dotnet_space(trimmed[0]):
            trimmed = trimmed[1:]
        if stopped is not None:
            if trimmed == f"::{stopped}::":
                stopped = None
            continue
        command = None
        end = trimmed.find("::", 2)
        if trimmed.startswith("::") and end >= 0:
            command = Command(trimmed[2:end].split(" ", 1)[0], trimmed[end + 2:])
        else:
            start = line.find("##[")
            close = line.find("]", start) if start >= 0 else -1
            if close >= 0:
                command = Command(line[start + 3:close].split(" ", 1)[0], line[close + 1:])
        if command is None:
            continue
        found.append(command)
        if command.name == "stop-commands":
            stopped = command.data
    return found


def test_the_simulated_runner_reads_what_a_runner_reads() -> None:
    """The runner model itself: without exoqc's escaping, each of these is a command."""
    assert runner("::error file=a::boom") == [Command("error", "boom")]
    assert runner("  \u3000::warning::w") == [Command("warning", "w")]
    assert runner("text ##[error]legacy") == [Command("error", "legacy")]
    assert runner("x\r::error::after a bare CR") == [Command("error", "after a bare CR")]
    assert runner("::stop-commands::t\n::error::silenced\n::t::\n::error::again") == [
        Command("stop-commands", "t"), Command("error", "again")]
    assert runner("a ::error::not at the start") == []


HOSTILE_IDS = [
    "::stop-commands::x",
    "::error::forged",
    "##[error]x",
    "  ::warning::indented",
    "\u00a0::error::nbsp",
    "\u3000::error::ideographic space",
    "\u2003::error::em space",
    "padding-padding-padding-::error::wrapped",
    "a" * 23 + "::stop-commands::wrapped",
    "x##[set-output name=a]b",
]
HOSTILE_VALUES = ["::error::value", "##[error]value", " " * 30 + "::stop-commands::v",
                  "v" * 40 + "::error::wrapped value", "1##[add-mask]FAIL"]


def _batches() -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["batch_id", "size_nm"])
    for i, batch in enumerate(HOSTILE_IDS):
        writer.writerow([batch, "250" if i % 2 else "100"])
    for i, value in enumerate(HOSTILE_VALUES):
        writer.writerow([f"V-{i}", value])
    return out.getvalue()


def _failing() -> int:
    return sum(1 for i in range(len(HOSTILE_IDS)) if i % 2) + len(HOSTILE_VALUES)


@pytest.fixture
def files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    Path("spec.yaml").write_text(SPEC, "utf-8")
    Path("b.csv").write_text(_batches(), "utf-8")
    return tmp_path


@pytest.mark.parametrize("args", [(), ("-v",), ("-f", "github"), ("-f", "table", "-v"),
                                  ("-f", "json")])
def test_only_exoqcs_own_annotations_reach_the_runner(files: Path, args: tuple[str, ...]) -> None:
    run = run_cli("check", "b.csv", "-s", "spec.yaml", *args, env={"GITHUB_ACTIONS": "true"})
    assert run.code == 1, run
    commands = runner(run.out) + runner(run.err)
    annotated = "github" in args or not args or args == ("-v",)
    expected = _failing() if annotated else 0
    assert [c.name for c in commands] == ["error"] * expected, commands
    for command in commands:
        assert command.data.startswith("particle_size: ")  # exoqc's message, not a forgery
    if "json" in args:  # the JSON on stdout still holds the ids, unchanged
        ids = {b["batch_id"] for b in json.loads(run.out)["batches"]}
        assert {"::stop-commands::x", "::error::forged", "##[error]x"} <= ids


def test_under_github_actions_a_row_is_one_line(files: Path) -> None:
    run = run_cli("check", "b.csv", "-s", "spec.yaml", "-v", "-f", "table",
                  env={"GITHUB_ACTIONS": "true"})
    lines = run.out.splitlines()
    rows = [line for line in lines if "particle_size" in line]
    assert len(rows) == len(HOSTILE_IDS) + len(HOSTILE_VALUES)
    # Long ids and values stay whole on their row (at 100 columns they would wrap).
    for text in ("padding-padding-padding-::error::wrapped", "v" * 40 + "::error::wrapped value"):
        assert any(text in line for line in lines), text
    # An id that starts a row is escaped where the runner would read it.
    assert any(line.startswith("\\x3a:error::forged ") for line in lines)


@pytest.mark.parametrize("width", [60, 61, 67, 80, 100])
def test_a_wrapped_table_never_starts_a_line_with_a_command(width: int, files: Path) -> None:
    """Outside GitHub Actions the table wraps: no wrapped line may start a command either."""
    from qc.render import RenderOptions
    from qc.render.table import render
    from qc.run import RunOptions, run

    report = run(RunOptions(inputs=("b.csv",), spec="spec.yaml"))
    text = "".join(render(report, RenderOptions(width=width, verbose=True)))
    assert runner(text) == []
    wrapped = "".join(render(report, RenderOptions(width=width, verbose=True, wrap=False)))
    assert runner(wrapped) == []


def test_error_lines_on_stderr_are_neutralised(files: Path) -> None:
    run = run_cli("check", "##[error]forged.csv", "-s", "spec.yaml",
                  env={"GITHUB_ACTIONS": "true"})
    assert run.code == 2
    assert "forged.csv" in run.err
    assert runner(run.err) == []


def test_the_github_format_escapes_per_the_toolkit() -> None:
    assert escape_data("100% \r\n::x ##[y]") == "100%25 %0D%0A::x #\\x23[y]"
    assert escape_property("a:b,c%##[d]") == "a%3Ab%2Cc%25#\\x23[d]"


@given(st.text(alphabet=st.sampled_from(list(":#[] \u00a0\u3000\t\r\nax")), max_size=40))
@settings(max_examples=400)
def test_no_text_survives_as_a_command(text: str) -> None:
    assert runner(no_workflow_commands(text)) == []


@given(st.text(alphabet=st.sampled_from(list(":#[] \u00a0\nax\\u0")), max_size=60),
       st.lists(st.integers(0, 60), max_size=6))
@settings(max_examples=300)
def test_chunks_split_anywhere_give_the_same_safe_text(text: str, cuts: list[int]) -> None:
    points = sorted({min(c, len(text)) for c in cuts})
    chunks = [text[a:b] for a, b in zip([0, *points], [*points, len(text)], strict=True)]
    assert "".join(workflow_safe(chunks)) == no_workflow_commands(text)
    assert runner("".join(workflow_safe(chunks))) == []


def test_json_on_stdout_keeps_each_value(files: Path) -> None:
    """`##[` in a JSON string is written `#\\u0023[`: the parsed values are the same."""
    text = "".join(workflow_safe(['{"a": "x##', '[error]y", "b": "::z"}'], "\\u{:04x}"))
    assert "##[" not in text
    assert json.loads(text) == {"a": "x##[error]y", "b": "::z"}


HOSTILE_SPEC = """\
name: hostile
version: "1"
title: "##[error]forged title"
id_column: batch_id
checks:
  - name: size
    column: size_nm
    description: "::stop-commands::x ##[warning]forged ::error::forged"
    unit: nm
    min: 30
    max: 150
"""


@pytest.mark.parametrize("args", [("spec", "show", "hostile.yaml"),
                                  ("spec", "show", "hostile.yaml", "-f", "json"),
                                  ("spec", "validate", "hostile.yaml"),
                                  ("trend", "t.csv", "-s", "hostile.yaml"),
                                  ("trend", "t.csv", "-s", "hostile.yaml", "-f", "json")])
def test_every_command_prints_no_workflow_command(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch,
                                                  args: tuple[str, ...]) -> None:
    """Not only check: spec show (table and JSON), spec validate and trend print spec text
    that a CI runner must never act on; JSON stays the same JSON."""
    monkeypatch.chdir(tmp_path)
    Path("hostile.yaml").write_text(HOSTILE_SPEC, "utf-8")
    rows = "".join(f"B{i},{100 + i % 7}\n" for i in range(12))
    Path("t.csv").write_text("batch_id,size_nm\n" + rows, "utf-8")
    for width in ("60", "200"):
        run = run_cli(*args, env={"GITHUB_ACTIONS": "true", "COLUMNS": width})
        assert run.code in (0, 2), run
        assert runner(run.out) + runner(run.err) == [], run
        if "json" in args:
            text = json.dumps(json.loads(run.out))
            assert "forged" in text
