"""README.md stays true to the tool: its usage examples run, and its sample output is what
exoqc prints.

Every `exoqc ...` line of the README's ```sh blocks is run in README order, in one scratch
folder that links the bundled sample_data/, with the date fixed to the one the sample's
expected results record (sample_data/expected_clinical.json, through SOURCE_DATE_EPOCH; the
clinical spec judges expiry against the run's date). A command that names a file the
README uses as a stand-in for the reader's own (`batches.csv`, `my-spec.yaml`, ...) is not
run; any other missing file fails the test, so a mistyped sample path cannot hide.

Every ```text block is the output of one README command (SAMPLE_OUTPUT says which) and may
leave lines out, but each line it shows, with the lines wrapped under it, is printed as
shown and in that order.
"""

from __future__ import annotations

import csv
import datetime as dt
import glob
import json
import os
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import ROOT, STABLE_ENV, Run, run_cli

README = (ROOT / "README.md").read_text(encoding="utf-8")
AS_OF = json.loads((ROOT / "sample_data" / "expected_clinical.json").read_text())["as_of"]
EPOCH = str(int(dt.datetime.fromisoformat(f"{AS_OF}T12:00:00+00:00").timestamp()))
# The module-scoped run precedes conftest's per-test environment: give it the same one.
ENV: dict[str, str | None] = {"SOURCE_DATE_EPOCH": EPOCH, "GITHUB_ACTIONS": None, **STABLE_ENV}

# Files the README names as the reader's own, never shipped: commands using them are not run.
STAND_INS = {"batches.csv", "my-spec.yaml", "lab1/*.csv", "lab2/results.xlsx",
             "eu-export.csv", "results.xlsx", "report.json", "audit.log", "qa.key",
             "qa.key.pub", "head.json", "qp.key", "qp.key.pub"}
# Options whose value a command writes, not reads.
WRITES = {"-o", "--output", "--audit-log"}
FILE_LIKE = re.compile(r"[/*]|\.(csv|xlsx|xlsm|yaml|yml|json|log|key|pub|html|xml|md|txt)$")
# Which command printed each ```text block, by the block's first line.
SAMPLE_OUTPUT = {
    "FAIL: 24 batches checked": ("check", "sample_data/batches.csv", "--spec", "clinical"),
    "exoqc VERSION selftest": ("selftest", "-o", "evidence.html"),
}


def fenced(language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", README, flags=re.M | re.S)


@dataclass(frozen=True)
class Command:
    argv: tuple[str, ...]
    stdout_to: str | None  # `> FILE`
    line: str

    def files(self) -> Iterator[tuple[str, bool]]:
        """Each file-like argument, and whether the command writes it."""
        for i, token in enumerate(self.argv):
            writes = (i > 0 and self.argv[i - 1] in WRITES) or (
                self.argv[0] == "keygen" and i == 1)
            if FILE_LIKE.search(token) and not token.startswith("-"):
                yield token, writes


def readme_commands() -> list[Command]:
    commands = []
    for block in fenced("sh"):
        for line in block.replace("\\\n", " ").splitlines():
            for part in line.split("&&"):
                words = shlex.split(part, comments=True)
                if not words or words[0] != "exoqc":
                    continue  # pip, pytest, python, or exoqc reading another program's output
                argv, stdout_to = words[1:], None
                if ">" in argv:
                    argv, stdout_to = argv[:argv.index(">")], argv[argv.index(">") + 1]
                commands.append(Command(tuple(argv), stdout_to, line.strip()))
    return commands


def expand(argv: tuple[str, ...]) -> list[str]:
    return [a for token in argv for a in (sorted(glob.glob(token)) if "*" in token else [token])]


@dataclass(frozen=True)
class Ran:
    command: Command
    run: Run


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("readme")


@pytest.fixture(scope="module")
def ran(work: Path) -> list[Ran]:
    """Every README command that works on the bundled sample data, run in README order."""
    (work / "sample_data").symlink_to(ROOT / "sample_data")
    before = Path.cwd()
    os.chdir(work)
    done = []
    try:
        for command in readme_commands():
            missing = [f for f, writes in command.files() if not writes and not glob.glob(f)]
            if missing:
                assert set(missing) <= STAND_INS, (
                    f"README command {command.line!r} names {missing}: neither in the sample "
                    "data nor a stand-in (STAND_INS)")
                continue
            run = run_cli(*expand(command.argv), env=ENV)
            if command.stdout_to:
                Path(command.stdout_to).write_text(run.out, encoding="utf-8")
            done.append(Ran(command, run))
        extra = ("check", "my-lab/batches.csv", "--spec", "my-lab/spec.yaml")
        done.append(Ran(Command(extra, None, "exoqc init's next step"),
                        run_cli(*extra, env=ENV)))
    finally:
        os.chdir(before)
    return done


def result(ran: list[Ran], *argv: str) -> Run:
    found = [r.run for r in ran if r.command.argv == argv]
    assert found, f"the README no longer runs `exoqc {' '.join(argv)}`"
    return found[0]


def test_the_readme_examples_on_the_sample_data_run(ran: list[Ran]) -> None:
    assert len(ran) >= 12, [r.command.line for r in ran]  # the parser found the commands
    for r in ran:
        assert r.run.code in (0, 1), (r.command.line, str(r.run))
        assert "Traceback" not in r.run.err and "internal error" not in r.run.err


def test_every_report_a_readme_command_writes_is_written(ran: list[Ran], work: Path) -> None:
    written = [f for r in ran for f, writes in r.command.files() if writes]
    assert {"report.html", "trend.html", "nta_summary.csv", "evidence.html", "qa.key"} <= set(
        written)
    for name in written:
        assert (work / name).stat().st_size > 0, name
    assert (work / "qa.key.pub").stat().st_size > 0


def test_quick_start_exits_1_because_sample_batches_fail(ran: list[Ran]) -> None:
    run = result(ran, "check", "sample_data/batches.csv", "--spec", "clinical")
    assert run.code == 1, run
    assert re.search(r"^FAIL: 24 batches checked: \d+ pass, \d+ warn, \d+ fail \(\d+ check results "
                     r"judged, \d+ not tested, \d+\n {4}reported only\)$", run.out, re.M)


def test_the_starter_spec_and_batches_pass_together(ran: list[Ran]) -> None:
    run = result(ran, "check", "my-lab/batches.csv", "--spec", "my-lab/spec.yaml")
    assert run.code == 0, run
    assert "PASS: 3 batches checked: 3 pass, 0 warn, 0 fail" in run.out


def test_the_nta_example_fails_exo_2026_103_as_the_readme_says(ran: list[Ran],
                                                               work: Path) -> None:
    """"EXO-2026-103 fails `size_distribution`: its mode is 115 nm, but only 47.6 % of its
    particles lie in 30–150 nm." """
    assert "EXO-2026-103 fails `size_distribution`: its mode is 115 nm, but only 47.6 % of" in (
        " ".join(README.split()))
    summary = result(ran, "nta", "sample_data/nta/EXO-*", "--id-pattern", r"EXO-\d{4}-\d{3}",
                     "-o", "nta_summary.csv")
    assert summary.code == 0, summary
    check = result(ran, "check", "sample_data/nta_batches.csv", "--join", "nta_summary.csv",
                   "--spec", "clinical")
    assert check.code == 1, check
    failing = [line.split() for line in check.out.splitlines() if line.startswith("EXO-")]
    assert [(f[0], f[2], f[3]) for f in failing] == [("EXO-2026-103", "FAIL",
                                                      "size_distribution")]
    with (work / "nta_summary.csv").open(encoding="utf-8", newline="") as fh:
        row = next(r for r in csv.DictReader(fh) if r["batch_id"] == "EXO-2026-103")
    assert (row["mode_nm"], row["pct_in_window"], row["window"]) == ("115.0", "47.60", "30-150")


def _groups(text: str) -> list[tuple[str, ...]]:
    """Lines with the lines wrapped under them (indented by 4 or more spaces), trailing
    spaces and the version masked."""
    from qc import __version__

    groups: list[list[str]] = []
    for line in text.splitlines():
        line = re.sub(r"^exoqc [0-9][^ ]* ", "exoqc VERSION ", line).rstrip()
        line = line.replace(f"exoqc {__version__} ", "exoqc VERSION ")
        if line.startswith("    ") and groups:
            groups[-1].append(line)
        elif line:
            groups.append([line])
    return [tuple(g) for g in groups]


@pytest.mark.parametrize("block", fenced("text"), ids=lambda b: b.splitlines()[0][:30])
def test_sample_output_is_what_the_tool_prints(ran: list[Ran], block: str) -> None:
    shown = _groups(block)
    argv = next((v for k, v in SAMPLE_OUTPUT.items() if shown[0][0].startswith(k)), None)
    assert argv is not None, f"README sample output {shown[0][0]!r}: say which command prints it"
    printed = iter(_groups(result(ran, *argv).out))
    for group in shown:  # in order; the README may leave groups out, never change one
        assert group in printed, f"README shows\n{chr(10).join(group)}\nwhich `exoqc " \
                                 f"{' '.join(argv)}` does not print (as of {AS_OF})"


def test_the_readme_spec_example_is_a_valid_spec(tmp_path: Path) -> None:
    (example,) = fenced("yaml")
    spec = tmp_path / "spec.yaml"
    spec.write_text(example, encoding="utf-8")
    run = run_cli("spec", "validate", str(spec))
    assert run.code == 0, run


def _options_table() -> list[str]:
    """The first cell of each row of the README's `check` options table."""
    start = README.index("| option | meaning |")
    rows = README[start:].split("\n\n", 1)[0].splitlines()[2:]
    return [row.split(" | ", 1)[0].removeprefix("| ") for row in rows]


def test_the_options_table_lists_every_check_option() -> None:
    """Read from the click command itself, so that a new option of `exoqc check` without
    its row in the README fails here (each of its names: `-s` and `--spec`)."""
    import click

    from qc.cli.check import check

    cells = _options_table()
    missing = [name for param in check.params if isinstance(param, click.Option)
               for name in (*param.opts, *param.secondary_opts) if name != "--help"
               and not any(re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", c)
                           for c in cells)]
    assert missing == []
    assert len(cells) >= 15  # the table was found


def test_the_options_table_names_no_option_that_check_lacks() -> None:
    import click

    from qc.cli.check import check

    names = {n for p in check.params if isinstance(p, click.Option)
             for n in (*p.opts, *p.secondary_opts)}
    written = {n for cell in _options_table() for n in re.findall(r"(?<![\w-])--?[\w-]+", cell)}
    assert written - names == set()
