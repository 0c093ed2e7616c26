"""The last line of defence (`guard` in qc/cli/guard.py): whatever escapes, one line and exit 2.

Unexpected exceptions are bugs, so the suite's other tests assert they never happen; these
tests prove that if one does, the user still gets exit 2 and a plain line (a traceback only
with --debug), and that a reader leaving the pipe early costs nothing.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, run_cli
from tests.robustness.robust import GOOD, SPEC, csv_text, one_line_error


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC)
    batches = tmp_path / "in.csv"
    batches.write_text(csv_text([GOOD]))
    return spec, batches


@pytest.mark.parametrize(("exc", "line"), [
    (RuntimeError("boom"), "exoqc: internal error: RuntimeError: boom (rerun with --debug for "
                           "the traceback, and please report it)"),
    (MemoryError(), "exoqc: internal error: MemoryError:  (rerun with --debug for the "
                    "traceback, and please report it)"),
    (RecursionError("too deep"), "exoqc: internal error: RecursionError: too deep (rerun with "
                                 "--debug for the traceback, and please report it)"),
    (KeyboardInterrupt(), "exoqc: interrupted"),
])
def test_unexpected_exception_is_one_line(files: tuple[Path, Path],
                                          monkeypatch: pytest.MonkeyPatch,
                                          exc: BaseException, line: str) -> None:
    import qc.run

    def explode(*_: object, **__: object) -> None:
        raise exc

    monkeypatch.setattr(qc.run, "run", explode)
    spec, batches = files
    run = run_cli("check", "-s", spec, batches)
    assert one_line_error(run) == line
    assert run.out == ""


def test_debug_shows_the_traceback(files: tuple[Path, Path],
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    import qc.run

    def explode(*_: object, **__: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(qc.run, "run", explode)
    spec, batches = files
    with pytest.raises(RuntimeError, match="boom"):
        run_cli("check", "-s", spec, batches, "--debug")


def test_debug_on_an_exoqc_error_prints_traceback_then_the_line(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC)
    run = run_cli("check", "-s", spec, tmp_path / "missing.csv", "--debug")
    assert run.code == 2
    assert run.err.startswith("Traceback")
    assert run.err.splitlines()[-1] == f"exoqc: {tmp_path / 'missing.csv'}: file not found"


@pytest.mark.parametrize("fmt", ["table", "json"])
def test_reader_leaving_the_pipe_early(files: tuple[Path, Path], fmt: str) -> None:
    """`exoqc check ... | head -c 10`: the verdict's exit code, nothing on stderr."""
    spec, batches = files
    batches.write_text(csv_text([{**GOOD, "batch_id": f"B{i}", "size_nm": "999"}
                                 for i in range(3000)]))
    shell = (f"{sys.executable} -m qc check -s {spec} {batches} -v -f {fmt} | head -c 10 "
             ">/dev/null; exit ${PIPESTATUS[0]}")
    done = subprocess.run(["bash", "-c", shell], capture_output=True, cwd=ROOT, timeout=600,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert (done.returncode, done.stderr) == (1, b"")
