"""Shared test machinery, defined once for the whole tree:

- `run_cli` runs `exoqc ARGS...` as a user does, in-process through the real click entry
  point; `run_process` runs it as a child process (`python -m qc`) where signals, start-up
  imports or a hang matter. Both return a `Run`.
- `golden(name, text)` compares an output with `golden/<name>` beside the test file, byte
  for byte; `pytest --update-golden` rewrites the files instead (review the diff).
- Hypothesis profiles: no deadline and no time-based health check anywhere (no test depends
  on wall time); under CI (`CI` set) the `ci` profile is derandomized, so a failure seen in
  CI reproduces locally with `CI=1 pytest ...`.
- `write` writes inputs into tmp_path; every test runs with a fixed operator and host and
  outside GitHub Actions.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, settings

from qc.cli import main

ROOT = Path(__file__).resolve().parent.parent

settings.register_profile("exoqc", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("ci", parent=settings.get_profile("exoqc"), derandomize=True,
                          database=None, print_blob=True)
settings.load_profile("ci" if os.environ.get("CI") else "exoqc")


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str

    def __str__(self) -> str:  # shown when an assertion on a Run fails
        return f"exit {self.code}\n--- stdout\n{self.out[:4000]}\n--- stderr\n{self.err[:4000]}"

    def json(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.out)
        return data


def run_cli(*args: str | os.PathLike[str], stdin: bytes | None = None,
            env: Mapping[str, str | None] | None = None) -> Run:
    """`exoqc ARGS...` in-process, with stdout and stderr kept apart."""
    result = CliRunner().invoke(main, [str(a) for a in args], input=stdin, env=env,
                                catch_exceptions=False)
    return Run(result.exit_code, result.stdout, result.stderr)


def run_process(*args: str | os.PathLike[str], timeout: float = 600, **kw: Any) -> Run:
    """`exoqc ARGS...` as a separate process (`python -m qc`), from the repository root.
    `timeout` is generous: it stops a hang, it does not time the run."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "qc", *map(str, args)], capture_output=True,
                          timeout=timeout, env=env, cwd=ROOT, **kw)
    return Run(done.returncode, done.stdout.decode("utf-8", "replace"),
               done.stderr.decode("utf-8", "replace"))


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, str | bytes], Path]:
    """write("name.csv", text_or_bytes) -> the file's path in tmp_path."""

    def _write(name: str, content: str | bytes) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    return _write


STABLE_ENV = {"EXOQC_HOST": "test-host", "EXOQC_OPERATOR": "test-operator"}


def mask_versions(text: str) -> str:
    """Output with what differs between installations (the exoqc version, and the library
    versions a report records) masked, so that a golden file pins exoqc's behaviour only."""
    from qc import __version__

    text = text.replace(__version__, "VERSION")
    return re.sub(r'("versions": )\{[^}]*\}', r'\1{"...": "..."}', text)  # still JSON


@pytest.fixture(autouse=True)
def _stable_attribution(monkeypatch: pytest.MonkeyPatch) -> None:
    """Reports record who ran them and where: make that the same on every machine."""
    for name, value in STABLE_ENV.items():
        monkeypatch.setenv(name, value)
    # Under GitHub Actions the default output gains annotations; tests that want them set it.
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    # The terminal's width and colour come from these (qc/cli/terminal.py): tests set them.
    for name in ("COLUMNS", "FORCE_COLOR", "NO_COLOR"):
        monkeypatch.delenv(name, raising=False)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true",
                     help="Rewrite the golden files (tests/*/golden/) from the current output "
                          "instead of comparing; review the diff before committing.")


@pytest.fixture
def golden(request: pytest.FixtureRequest) -> Callable[[str, str], None]:
    """golden(name, text): compare text, byte for byte as UTF-8 (line ends included), with
    golden/<name> in the test file's folder, or rewrite that file with --update-golden."""
    folder = request.path.parent / "golden"

    def _compare(name: str, text: str) -> None:
        path = folder / name
        if request.config.getoption("--update-golden"):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(text.encode("utf-8"))
            return
        assert path.exists(), f"no golden file {path}; run pytest --update-golden"
        assert text == path.read_bytes().decode("utf-8")

    return _compare
