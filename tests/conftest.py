"""Shared test helpers: run the CLI as a user does, and write inputs into tmp_path."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from qc.cli import main

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str

    def __str__(self) -> str:  # shown when an assertion on a Run fails
        return f"exit {self.code}\n--- stdout\n{self.out}\n--- stderr\n{self.err}"


def run_cli(*args: str, stdin: bytes | None = None, env: dict[str, str] | None = None) -> Run:
    """`exoqc ARGS...` in-process, with stdout and stderr kept apart."""
    result = CliRunner().invoke(main, list(args), input=stdin, env=env, catch_exceptions=False)
    return Run(result.exit_code, result.stdout, result.stderr)


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


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true",
                     help="Rewrite tests/golden/* from the current output instead of comparing.")


@pytest.fixture
def golden(request: pytest.FixtureRequest) -> Callable[[str, str], None]:
    """golden(name, text): compare with tests/golden/<name>, or rewrite it with --update-golden."""

    def _compare(name: str, text: str) -> None:
        path = ROOT / "tests" / "golden" / name
        if request.config.getoption("--update-golden"):
            path.write_text(text, encoding="utf-8")
            return
        assert path.exists(), f"no golden file {path}; run pytest --update-golden"
        assert text == path.read_text(encoding="utf-8")

    return _compare
