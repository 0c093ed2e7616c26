"""Terminal handling (qc/cli/terminal.py): a reader that left the pipe ends every printing
command quietly, with the exit code it would have had; colour and width in one place."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from qc.cli.terminal import terminal
from tests.conftest import ROOT
from tests.gmp.tiny import CSV, SPEC

SAMPLE = ROOT / "sample_data"


def _closed_pipe(args: list[str], cwd: Path) -> subprocess.CompletedProcess[bytes]:
    """`exoqc ARGS > pipe` whose reader has already gone (as after `| head -2`)."""
    read, write = os.pipe()
    os.close(read)
    try:
        return subprocess.run([sys.executable, "-m", "qc", *args], stdout=write,
                              stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, cwd=cwd,
                              timeout=300, check=False,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
    finally:
        os.close(write)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "spec.yaml").write_text(SPEC, "utf-8")
    (tmp_path / "batches.csv").write_text(CSV, "utf-8")
    rows = "".join(f"B-{i},{100 + i % 200}\n" for i in range(3000))  # more than a pipe holds
    (tmp_path / "many.csv").write_text("batch_id,size_nm\n" + rows, "utf-8")
    for args in (["keygen", "key"],
                 ["check", "batches.csv", "-s", "spec.yaml", "-o", "r.json", "-q",
                  "--audit-log", "audit.log"]):
        done = subprocess.run([sys.executable, "-m", "qc", *args], cwd=tmp_path, timeout=300,
                              capture_output=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
        assert done.returncode in (0, 1), done.stderr
    return tmp_path


# (arguments, the exit code the command has when its output is read)
COMMANDS: list[tuple[list[str], int]] = [
    (["check", "batches.csv", "-s", "spec.yaml"], 1),
    (["check", "many.csv", "-s", "spec.yaml", "-v"], 1),
    (["check", "batches.csv", "-s", "spec.yaml", "-f", "json"], 1),
    (["spec", "show", "clinical"], 0),
    (["spec", "list"], 0),
    (["spec", "schema"], 0),
    (["spec", "validate", "spec.yaml"], 0),
    (["init", "starter"], 0),
    (["verify", "r.json"], 0),
    (["audit", "verify", "audit.log"], 0),
    (["nta", str(SAMPLE / "nta" / "EXO-2026-101_ExperimentSummary.csv")], 0),
    (["trend", str(SAMPLE / "history.csv"), "-s", "clinical", "--by", "manufacture_date"], 0),
    (["selftest"], 0),
    (["--help"], 1),  # click's own handling of a closed pipe: quiet, exit 1
]


@pytest.mark.parametrize(("args", "code"), COMMANDS, ids=[" ".join(a[:3]) for a, _ in COMMANDS])
def test_a_reader_that_left_ends_the_command_quietly(folder: Path, args: list[str],
                                                      code: int) -> None:
    done = _closed_pipe(args, folder)
    assert (done.returncode, done.stderr.decode()) == (code, "")


def test_audit_verify_of_a_broken_log_into_head(folder: Path) -> None:
    """The reported case: `exoqc audit verify LOG | head -2` on a log with many problems."""
    log = folder / "audit.log"
    line = log.read_bytes()
    log.write_bytes(line.replace(b'"seq":1', b'"seq":7') * 5000)
    shell = (f"{sys.executable} -m qc audit verify audit.log | head -2; "
             "exit ${PIPESTATUS[0]}")
    done = subprocess.run(["bash", "-c", shell], capture_output=True, cwd=folder, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert (done.returncode, done.stderr) == (1, b"")
    assert done.stdout.decode().startswith("BROKEN: audit.log: ")


def test_colour_only_on_a_terminal_without_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    class Tty:
        def __init__(self, tty: bool) -> None:
            self.tty = tty

        def isatty(self) -> bool:
            return self.tty

    size: Callable[..., os.terminal_size] = lambda *_: os.terminal_size((40, 24))  # noqa: E731
    monkeypatch.setattr("shutil.get_terminal_size", size)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setattr(sys, "stdout", Tty(True))
    assert terminal() == terminal(default_width=120)
    assert (terminal().color, terminal().width) == (True, 60)  # 40 columns: at least 60
    monkeypatch.setenv("NO_COLOR", "1")
    assert terminal().color is False
    monkeypatch.setattr(sys, "stdout", Tty(False))
    monkeypatch.delenv("NO_COLOR")
    assert (terminal().color, terminal().width, terminal(default_width=120).width) == (
        False, 100, 120)
