"""The `exoqc` process (qc/cli/process.py): it ends without the interpreter's teardown, and
still gives every byte of output, the same exit status, exit handlers and waiting threads
what Python's own exit would."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, run_cli, run_process


def _python(code: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, cwd=tmp_path, timeout=600)


def _batches(tmp_path: Path, rows: int) -> Path:
    lines = ["batch_id,purity_pct"] + [f"B{i:05d},{90 + i % 20}" for i in range(rows)]
    path = tmp_path / "b.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    spec = tmp_path / "s.yaml"
    spec.write_text('name: s\nversion: "1"\nid_column: batch_id\nchecks:\n'
                    "  - name: purity\n    column: purity_pct\n    min: 95\n",
                    encoding="utf-8")
    return path


def test_every_byte_of_a_long_output_arrives_through_a_pipe(tmp_path: Path) -> None:
    data = _batches(tmp_path, 20_000)
    run = run_process("check", data, "--spec", tmp_path / "s.yaml", "-f", "json")
    assert run.code == 1, run
    report = json.loads(run.out)  # the whole report, up to its last byte
    assert report["summary"]["batches"] == 20_000
    assert report["summary"]["fail"] == 20_000 * 5 // 20


def test_a_report_file_is_whole_when_the_process_ends(tmp_path: Path) -> None:
    data = _batches(tmp_path, 5_000)
    out = tmp_path / "r.json"
    run = run_process("check", data, "--spec", tmp_path / "s.yaml", "-o", out, "--quiet")
    assert run.code == 1, run
    assert json.loads(out.read_text(encoding="utf-8"))["summary"]["batches"] == 5_000


@pytest.mark.parametrize(("args", "code"), [(["--version"], 0),
                                            (["check", "missing.csv", "-s", "clinical"], 2),
                                            (["no-such-command"], 2)])
def test_the_exit_status_is_the_commands(args: list[str], code: int) -> None:
    assert run_process(*args).code == code


def test_exit_handlers_run_and_what_they_print_arrives(tmp_path: Path) -> None:
    done = _python("import atexit, sys\n"
                   "atexit.register(lambda: print('handler ran', file=sys.stderr))\n"
                   "sys.argv = ['exoqc', '--version']\n"
                   "from qc.cli.process import run\nrun()\n", tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("exoqc ")
    assert "handler ran" in done.stderr


def test_a_running_thread_is_waited_for(tmp_path: Path) -> None:
    """Python's exit joins threads that are not daemons: so does exoqc's."""
    done = _python("import sys, threading, time\n"
                   "def late():\n"
                   "    time.sleep(0.5)\n"
                   "    open('late.txt', 'w').write('written')\n"
                   "threading.Thread(target=late).start()\n"
                   "sys.argv = ['exoqc', '--version']\n"
                   "from qc.cli.process import run\nrun()\n", tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "late.txt").read_text() == "written"


@pytest.mark.parametrize(("code", "status"), [(None, 0), (3, 3), (-1, 255), (256, 0)])
def test_end_gives_the_status_python_gives(tmp_path: Path, code: int | None,
                                           status: int) -> None:
    done = _python(f"from qc.cli.process import end\nend({code!r})\n", tmp_path)
    assert done.returncode == status, done.stderr
    plain = _python(f"import sys\nsys.exit({code!r})\n", tmp_path)
    assert plain.returncode == status


def test_a_message_as_exit_code_is_printed_by_python(tmp_path: Path) -> None:
    done = _python("from qc.cli.process import end\nend('stopped')\n", tmp_path)
    assert (done.returncode, done.stderr.strip()) == (1, "stopped")


def test_the_command_group_in_process_keeps_the_collector() -> None:
    """Only the process entry turns the collector off: the library and in-process runs
    (click's CliRunner, as in these tests) keep it."""
    assert gc.isenabled()
    assert run_cli("--version").code == 0
    assert gc.isenabled()


@pytest.mark.parametrize(("args", "code"), [
    (["--version"], 0),
    (["check", "sample_data/batches.csv", "--spec", "clinical"], 1),
    (["spec", "show", "clinical"], 0),
])
def test_a_closed_stdout_is_a_reader_that_left(args: list[str], code: int) -> None:
    """Started with stdout closed (`exoqc ... >&-`): nothing to print to, the command's
    own exit status, no traceback and no internal error."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "qc", *args], capture_output=False,
                          stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT, timeout=600,
                          preexec_fn=lambda: os.close(1))
    assert done.returncode == code, done.stderr
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr


def test_an_unwritable_stderr_is_exit_2_not_a_verdict(tmp_path: Path) -> None:
    """The error line cannot be written (`2>/dev/full`): the run could not report, exit 2
    (it was 1, the exit status of a failed batch)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with open("/dev/full", "w") as full:
        done = subprocess.run([sys.executable, "-m", "qc", "check", str(tmp_path / "none.csv"),
                               "--spec", "clinical"], stdout=subprocess.DEVNULL, stderr=full,
                              env=env, cwd=ROOT, timeout=600)
    assert done.returncode == 2


def test_openblas_is_asked_for_one_thread_unless_the_environment_says(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from qc.cli.process import one_blas_thread

    monkeypatch.delitem(sys.modules, "numpy", raising=False)  # as in a fresh `exoqc` process
    env: dict[str, str] = {"OMP_NUM_THREADS": "8"}
    one_blas_thread(env)
    assert env == {"OMP_NUM_THREADS": "8", "OPENBLAS_NUM_THREADS": "1"}  # Arrow's is kept
    for given in ({"OPENBLAS_NUM_THREADS": "4"}, {"GOTO_NUM_THREADS": "2"}):
        env = dict(given)
        one_blas_thread(env)
        assert env == given  # the user's count stands


def test_too_late_once_numpy_is_loaded() -> None:
    import numpy  # OpenBLAS has read its thread count

    from qc.cli.process import one_blas_thread

    assert numpy.__name__ in sys.modules
    env: dict[str, str] = {}
    one_blas_thread(env)
    assert env == {}


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="threads counted in /proc")
def test_the_process_starts_no_blas_threads(tmp_path: Path) -> None:
    # `run` sets the variable before numpy loads: with it, importing numpy starts no thread
    # (without it, OpenBLAS starts one per core).
    code = ("import os, sys\n"
            "from qc.cli import process\n"
            "def main():\n"
            "    import numpy\n"
            "    print(os.environ.get('OPENBLAS_NUM_THREADS', '-'), len(os.listdir('/proc/self/task')))\n"
            "    sys.exit(0)\n"
            "process.main = main\n"
            "process.run()\n")
    env = {k: v for k, v in os.environ.items()
           if k not in ("OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS")}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**env, "PYTHONPATH": str(ROOT)}, cwd=tmp_path, timeout=600)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["1", "1"]


def _failing_batches(tmp_path: Path, rows: int) -> tuple[Path, Path]:
    data = _batches(tmp_path, rows)
    return data, tmp_path / "s.yaml"


@pytest.mark.skipif(os.name != "posix", reason="non-blocking pipes and fcntl")
@pytest.mark.parametrize("fmt", ["github", "json"])
def test_a_non_blocking_stdout_pipe_gets_every_byte(tmp_path: Path, fmt: str,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """A parent that hands its own non-blocking pipe over as stdout: Python's buffered
    writer dropped what the full pipe refused, so the reader got the first 64 KiB and the
    exit code said nothing of it."""
    import fcntl
    import time

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # the same report twice
    data, spec = _failing_batches(tmp_path, 4_000)
    args = ["check", str(data), "--spec", str(spec), "-f", fmt]
    whole = run_process(*args)
    assert whole.code == 1 and len(whole.out) > 90_000, whole  # more than a pipe holds
    read_end, write_end = os.pipe()
    flags = fcntl.fcntl(write_end, fcntl.F_GETFL)
    fcntl.fcntl(write_end, fcntl.F_SETFL, flags | os.O_NONBLOCK)
    child = subprocess.Popen([sys.executable, "-m", "qc", *args], stdout=write_end,
                             stderr=subprocess.PIPE, cwd=ROOT,
                             env={**os.environ, "PYTHONPATH": str(ROOT)})
    os.close(write_end)
    time.sleep(0.5)  # the pipe fills while nobody reads: the child must wait, not drop
    got = bytearray()
    while chunk := os.read(read_end, 65536):
        got += chunk
    os.close(read_end)
    assert child.stderr is not None
    with child.stderr:
        assert child.stderr.read() == b""
    assert child.wait(timeout=600) == 1
    assert got.decode("utf-8") == whole.out


@pytest.mark.skipif(os.name != "posix", reason="RLIMIT_FSIZE")
@pytest.mark.parametrize("fmt", ["table", "json"])
def test_stdout_cut_short_by_the_file_size_limit_is_exit_2(tmp_path: Path, fmt: str) -> None:
    """`ulimit -f`: the write stops short of the output; the table was cut without a word
    and exit 1, as if whole."""
    import resource

    data, spec = _failing_batches(tmp_path, 4_000)
    limit = 8 * 1024  # the table is about 15 KB, the JSON report 1.5 MB

    def small_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    with (tmp_path / "out.txt").open("wb") as out:
        done = subprocess.run([sys.executable, "-m", "qc", "check", str(data), "--spec",
                               str(spec), "-f", fmt], stdout=out, stderr=subprocess.PIPE,
                              cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                              preexec_fn=small_files, timeout=600)
    err = done.stderr.decode()
    assert done.returncode == 2, err
    assert err == "exoqc: stdout: the output could not be written whole: File too large\n"
    assert (tmp_path / "out.txt").stat().st_size == limit
