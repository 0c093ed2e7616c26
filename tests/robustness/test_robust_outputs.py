"""Report files: refused before any work when they cannot be right, and never left half written.

`-o` at an input (or a link to one, or the spec), a folder, a path under a regular file,
or a folder where no file can be created is exit 2 before anything is read: the tests
prove "before" by giving an input that does not exist, whose error would otherwise win.
A run killed with SIGKILL while writing leaves the old report or the new one, whole; it
may leave its hidden temporary file (`.NAME.XXXX.tmp`) beside the target, since SIGKILL
cannot be caught (docs/testing.md).
"""

from __future__ import annotations

import itertools
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from qc.render import SUFFIXES
from tests.conftest import ROOT, run_cli
from tests.robustness.robust import GOOD, SPEC, csv_text, one_line_error


@pytest.fixture
def spec(tmp_path: Path) -> Path:
    path = tmp_path / "spec.yaml"
    path.write_text(SPEC)
    return path


def _listing(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


def test_output_refused_before_any_work(tmp_path: Path, spec: Path) -> None:
    batches = tmp_path / "in.csv"
    batches.write_text(csv_text([GOOD]))
    (tmp_path / "link.json").symlink_to(batches)
    os.link(batches, tmp_path / "hard.json")
    spec_json = tmp_path / "spec.json"
    spec_json.write_text("{}")
    (tmp_path / "folder.json").mkdir()
    before = _listing(tmp_path)
    missing = tmp_path / "not-there.csv"  # read first, its error would win
    cases = [
        # Another spelling of an input: the line names both.
        ([batches, "-o", tmp_path / "link.json"], f"link.json: is one of the inputs "
                                                  f"{str(batches)!r}; refusing to overwrite it"),
        ([batches, "-o", tmp_path / "hard.json"], f"hard.json: is one of the inputs "
                                                  f"{str(batches)!r}; refusing to overwrite it"),
        ([missing, "-o", tmp_path], ": is a folder; give a file name"),
        ([missing, "-o", tmp_path / "folder.json"], "folder.json: is a folder; give a file name"),
        ([missing, "-o", batches / "x.json"], f"in.csv/x.json: {str(batches)!r} is a file, not "
                                              "a folder"),
        ([missing, "-o", batches / "a" / "b" / "x.json"],
         f"in.csv/a/b/x.json: {str(batches)!r} is a file, not a folder"),
        ([missing, "-o", tmp_path / "report.docx"],
         f"report.docx: unknown report type '.docx'; use one of {', '.join(sorted(SUFFIXES))}"),
        ([missing, "-o", tmp_path / "r.json", "-o", tmp_path / "r.json"], "r.json: given twice"),
    ]
    for args, tail in cases:
        run = run_cli("check", "-s", spec, *args)
        line = one_line_error(run)
        assert line.startswith("exoqc: ") and line.endswith(tail), (line, tail)
        assert run.out == ""
    run = run_cli("check", "-s", spec_json, batches, "-o", spec_json)
    assert one_line_error(run) == f"exoqc: {spec_json}: is the spec; refusing to overwrite it"
    assert _listing(tmp_path) == before  # no output, no partial or temporary file
    assert spec_json.read_text() == "{}"


@pytest.mark.parametrize(("target", "problem"), [
    ("/proc/exoqc-report.json", "cannot write in folder '/proc': No such file or directory"),
    ("/sys/exoqc-report.json", "cannot write in folder '/sys': Permission denied"),
    ("/dev/null/exoqc-report.json", "'/dev/null' is a file, not a folder"),
])
def test_unwritable_place_is_refused_before_any_work(tmp_path: Path, spec: Path, target: str,
                                                     problem: str) -> None:
    """Tests run as root, for whom permission bits do not apply: these places refuse anyway."""
    if not Path(target).parent.exists() and not target.startswith("/dev/null"):
        pytest.skip(f"no {Path(target).parent} here")
    run = run_cli("check", "-s", spec, tmp_path / "not-there.csv", "-o", target)
    assert one_line_error(run) == f"exoqc: {target}: {problem}"


def test_failed_run_leaves_an_existing_report_untouched(tmp_path: Path, spec: Path) -> None:
    old = tmp_path / "report.json"
    old.write_text("OLD REPORT\n")
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"\x00")
    run = run_cli("check", "-s", spec, bad, "-o", old)
    assert one_line_error(run) == f"exoqc: {bad}: not a text file (it contains NUL bytes)"
    assert old.read_text() == "OLD REPORT\n"
    assert _listing(tmp_path) == {"spec.yaml", "bad.csv", "report.json"}


# 60,000 batches make a ~55 MB JSON report, most of its time in writing and fsync; set
# EXOQC_KILL_ROWS=200000 for the 180 MB run measured in docs/testing.md.
ROWS = int(os.environ.get("EXOQC_KILL_ROWS", "60000"))
TRIALS = int(os.environ.get("EXOQC_KILL_TRIALS", "6"))
KILL_SUFFIXES = [s for s in (".json", ".csv") if s in SUFFIXES]


def _big_input(path: Path) -> None:
    rows = ({**GOOD, "batch_id": f"B{i}"} for i in range(ROWS))
    path.write_text(csv_text(list(rows)))


def _complete(path: Path, suffix: str) -> bool:
    text = path.read_text(encoding="utf-8")
    if suffix == ".json":
        return len(json.loads(text)["batches"]) == ROWS
    return text.count("\n") > ROWS  # CSV: a line per check of every batch, and a header


@pytest.mark.parametrize("suffix", KILL_SUFFIXES)
def test_sigkill_never_leaves_a_truncated_report(tmp_path: Path, spec: Path, suffix: str) -> None:
    batches = tmp_path / "big.csv" if suffix != ".csv" else tmp_path / "big-in.csv"
    _big_input(batches)
    target = tmp_path / f"report{suffix}"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    argv = [sys.executable, "-m", "qc", "check", "-s", str(spec), str(batches), "-q", "-o",
            str(target)]
    start = time.perf_counter()
    subprocess.run(argv, env=env, cwd=ROOT, check=True, timeout=600)
    full = time.perf_counter() - start
    assert _complete(target, suffix)
    rng = random.Random(5)
    outcomes = []
    for trial in range(TRIALS):
        target.write_text("OLD REPORT\n")
        proc = subprocess.Popen(argv, env=env, cwd=ROOT)
        if trial % 2:  # at a random moment of the whole run
            time.sleep(rng.uniform(0.05, 1.0) * full)
        else:  # while the temporary file is being written: the dangerous window
            deadline = time.perf_counter() + full * 2
            while not list(tmp_path.glob(f".{target.name}.*.tmp")):
                if proc.poll() is not None or time.perf_counter() > deadline:
                    break
                time.sleep(0.002)
            if trial:  # trial 0 kills as soon as the temporary file exists, so that
                time.sleep(rng.uniform(0, 0.2))  # "old" below holds however fast the disk
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        if target.read_text(encoding="utf-8") == "OLD REPORT\n":
            outcomes.append("old")
        else:
            assert _complete(target, suffix), f"trial {trial}: a truncated report"
            outcomes.append("new")
        for stray in tmp_path.glob(f".{target.name}.*.tmp"):
            assert stray.name.startswith(".")  # hidden, beside the target, never the report
            stray.unlink()
    print(f"SIGKILL outcomes ({ROWS} batches, {suffix}): {outcomes}")  # shown with -s
    assert "old" in outcomes  # the kill did land during the run at least once


# --- the writer (qc.output._write_temp) -------------------------------------------------------


def _chunks(parts: list[str]) -> object:
    return lambda: iter(parts)


def test_spooled_file_holds_every_chunk_in_order(tmp_path: Path) -> None:
    from qc.output import write_atomically

    parts = [f"{i}:{'é' * (i % 7)}\u2028{'x' * i}\n" for i in range(2000)]
    target = tmp_path / "r.json"
    write_atomically([(target, _chunks(parts))])  # type: ignore[list-item]
    assert target.read_bytes() == "".join(parts).encode("utf-8")
    assert oct(target.stat().st_mode & 0o777) == "0o644"
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]


@pytest.mark.parametrize("behind", [False, True])
@pytest.mark.parametrize("after", [0, 3])
def test_disk_full_mid_write_keeps_the_old_report(tmp_path: Path, after: int, behind: bool,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """A write error reaches the caller as a one-line OutputError, whether the caller or
    the writer thread met it; the temporary file goes, the old report stays, and no writer
    thread is left running."""
    import errno
    import threading

    from qc import output
    from qc.errors import OutputError

    if behind:  # the writer thread takes over after the first write
        monkeypatch.setattr(output, "BEHIND_FROM", output.WRITE_SIZE)

    target = tmp_path / "r.json"
    target.write_text("old report\n")
    real_write = os.write
    calls = []

    def full(fd: int, data: bytes) -> int:
        calls.append(len(data))
        if len(calls) > after:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_write(fd, data)

    monkeypatch.setattr(output.os, "write", full)
    with pytest.raises(OutputError) as caught:
        output.write_atomically(  # each chunk a whole write: the error comes after `after`
            [(target, _chunks(["x" * output.WRITE_SIZE] * 5))])  # type: ignore[list-item]
    assert str(caught.value) == f"{target}: cannot write report: No space left on device"
    assert target.read_text() == "old report\n"
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]
    assert not [t for t in threading.enumerate() if t.name == "exoqc-writer"]


def test_renderer_error_mid_write_keeps_the_old_report(tmp_path: Path) -> None:
    from qc.output import write_atomically

    target = tmp_path / "r.json"
    target.write_text("old report\n")

    def broken() -> object:
        yield "a" * 1000
        raise RuntimeError("renderer bug")

    with pytest.raises(RuntimeError, match="renderer bug"):
        write_atomically([(target, broken)])  # type: ignore[list-item]
    assert target.read_text() == "old report\n"
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]


def test_the_writer_thread_keeps_every_byte_in_order(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    from qc import output

    started: list[str] = []
    real = threading.Thread

    def thread(*args: object, **kwargs: object) -> threading.Thread:
        started.append(str(kwargs.get("name")))
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(output.threading, "Thread", thread)
    monkeypatch.setattr(output, "BEHIND_FROM", 2 * output.WRITE_SIZE)
    parts = [f"{i}:{'é' * (i % 7)}{'x' * (i % 5000)}\n" for i in range(3000)]
    target = tmp_path / "r.json"
    output.write_atomically([(target, _chunks(parts))])  # type: ignore[list-item]
    assert target.read_bytes() == "".join(parts).encode("utf-8")
    assert started == ["exoqc-writer"]
    assert not [t for t in threading.enumerate() if t.name == "exoqc-writer"]


def test_a_small_report_is_written_without_a_thread(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from qc import output

    def no_thread(*args: object, **kwargs: object) -> None:
        raise AssertionError("a thread for a small report")

    monkeypatch.setattr(output.threading, "Thread", no_thread)
    target = tmp_path / "r.md"
    output.write_atomically([(target, _chunks(["a\n"] * 100_000))])  # type: ignore[list-item]
    assert target.read_text() == "a\n" * 100_000


def test_a_renderer_error_stops_the_writer_thread(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    from qc import output

    monkeypatch.setattr(output, "BEHIND_FROM", output.WRITE_SIZE)
    target = tmp_path / "r.json"
    target.write_text("old report\n")

    def broken() -> object:
        for _ in range(5):
            yield "a" * output.WRITE_SIZE
        raise RuntimeError("renderer bug")

    with pytest.raises(RuntimeError, match="renderer bug"):
        output.write_atomically([(target, broken)])  # type: ignore[list-item]
    assert target.read_text() == "old report\n"
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]
    assert not [t for t in threading.enumerate() if t.name == "exoqc-writer"]


def test_writes_without_posix_fadvise(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """macOS has no posix_fadvise: the file is the same, flushed by the final fsync only."""
    from qc import output

    monkeypatch.delattr(output.os, "posix_fadvise", raising=False)
    target = tmp_path / "r.md"
    output.write_atomically([(target, _chunks(["a\n", "b\n"]))])  # type: ignore[list-item]
    assert target.read_text() == "a\nb\n"


# --- temporary files left by a killed run --------------------------------------------------


def test_a_killed_writers_temp_file_is_removed_by_the_next_write(tmp_path: Path) -> None:
    """`kill -9` during a large write leaves a hidden temp file; the next run writing the same
    target removes it once its writer is gone."""
    from qc.output import write_atomically

    target = tmp_path / "r.json"
    script = ("import sys, time\n"
              "from pathlib import Path\n"
              "from qc.output import write_atomically\n"
              "def chunks():\n"
              "    yield 'x' * (3 << 20)\n"
              "    print('writing', flush=True)\n"
              "    time.sleep(600)\n"
              "    yield 'never'\n"
              "write_atomically([(Path(sys.argv[1]), chunks)])\n")
    with subprocess.Popen([sys.executable, "-c", script, str(target)],
                          stdout=subprocess.PIPE, text=True) as writer:
        try:
            assert writer.stdout is not None and writer.stdout.readline() == "writing\n"
        finally:
            writer.send_signal(signal.SIGKILL)
            writer.wait(timeout=60)
    [stale] = tmp_path.glob(f".{target.name}.*.tmp")
    assert stale.stat().st_size >= 3 << 20 and f".{writer.pid}." in stale.name
    write_atomically([(target, lambda: iter(["new report\n"]))])
    assert target.read_text() == "new report\n"
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]


def test_only_temp_files_of_a_gone_writer_on_this_host_are_removed(tmp_path: Path) -> None:
    from qc import output

    target = tmp_path / "r.json"
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait(timeout=60)
    kept = [
        output._temp_prefix(target, os.getpid()) + "abcd1234.tmp",  # a live writer (here)
        output._temp_prefix(target, os.getppid()) + "abcd1234.tmp",  # a live writer
        f".r.json.other-host.{dead.pid}.abcd1234.tmp",  # another host's writer: unknown
        output._temp_prefix(tmp_path / "s.json", dead.pid) + "abcd1234.tmp",  # another target
        output._temp_prefix(target, dead.pid) + "abcd1234.tmp.keep",  # not a temp name
        output._temp_prefix(target, dead.pid) + "ab.cd.tmp",  # not a temp name
        ".r.json.notes.tmp",
    ]
    removed = [output._temp_prefix(target, dead.pid) + "zz_9x8y7.tmp"]
    for name in kept + removed:
        (tmp_path / name).write_text("partial")
    output.write_atomically([(target, lambda: iter(["report\n"]))])
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*kept, "r.json"])


@pytest.mark.parametrize("has_fadvise", [True, False])
def test_writeback_of_a_large_report_keeps_its_bytes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     has_fadvise: bool) -> None:
    """A report past WRITEBACK asks the kernel to start writing back as it goes; where the
    OS has no posix_fadvise (macOS) nothing is asked. The bytes are the same either way."""
    from qc import output

    calls: list[tuple[int, int]] = []
    monkeypatch.setattr(output, "WRITEBACK", 3 * output.WRITE_SIZE)
    if has_fadvise:
        monkeypatch.setattr(output.os, "posix_fadvise",
                            lambda fd, offset, length, advice: calls.append((offset, length)),
                            raising=False)
    else:
        monkeypatch.delattr(output.os, "posix_fadvise", raising=False)
    chunks = [f"line {i} \u00b5\u2028\n" * 2000 for i in range(400)]
    target = tmp_path / "big.txt"
    output.write_atomically([(target, lambda: iter(chunks))])
    assert target.read_bytes() == "".join(chunks).encode("utf-8")
    if has_fadvise:
        assert calls and calls[0][0] == 0
        assert all(b[0] == a[0] + a[1] for a, b in itertools.pairwise(calls))
    else:
        assert calls == []
