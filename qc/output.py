"""Report files: checked before any work, written whole or not at all.

Each report goes to a temporary file beside its target and is renamed into place only
when complete, so a crash, a kill or a failed run never leaves a truncated or stale
report that a CI dashboard would read. Past its first 32 MiB a report is written by a
second thread while the renderer renders the rest (`_Writer`). A temporary file names its
writer (host and pid): one left behind by a killed run (`kill -9` during a large write) is
removed by the next run that writes the same target, once that writer is gone.
"""

from __future__ import annotations

import contextlib
import os
import queue
import re
import socket
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

import msgspec

from qc.errors import OutputError
from qc.model import Report
from qc.render import BINARY, SUFFIXES, RenderOptions, get_binary_renderer, get_renderer, require

WRITE_SIZE = 1 << 20  # bytes gathered from the renderer per write
BEHIND_FROM = 32 << 20  # bytes written before a second thread takes over the writing
# A large report (a million batches: 1.4 GB) asks the kernel to start writing each 32 MiB
# back to disk while the next blocks render, so that the final fsync does not wait for the
# whole file (measured: 7.3 s without, about 4.8 s with, for the 1M-row JSON report). A
# report under 32 MiB never makes the call.
WRITEBACK = 32 << 20


class Planned(msgspec.Struct, frozen=True):
    """A report file to write: its path and format, checked before any work."""

    path: Path
    fmt: str


def plan_outputs(outputs: Sequence[str], inputs: Sequence[str],
                 suffixes: Mapping[str, str] = SUFFIXES, *,
                 protected: Sequence[tuple[str, str]] = ()) -> list[Planned]:
    """Check every -o path before any work: not a folder, a known suffix, a folder where a
    file can really be created (probed: root ignores permission bits, and /proc or a
    read-only mount refuse what os.access allows), and not a file the run reads or writes
    otherwise: an input, a `protected` (path, what) pair such as ("a.txt", "the audit
    log"), or another -o however spelled (`./sub/../r.json`, a symlink, a hard link)."""
    guarded = [*((p, "one of the inputs") for p in inputs if p != "-"), *protected]
    planned: list[Planned] = []
    for raw in outputs:
        path = Path(raw)
        if path.is_dir():
            raise OutputError(f"{raw}: is a folder; give a file name")
        refuse_overwrite(raw, guarded)
        _refuse_signed(raw, guarded)
        fmt = suffixes.get(path.suffix.lower())
        if fmt is None:
            known = ", ".join(sorted(suffixes))
            raise OutputError(f"{raw}: unknown report type {path.suffix or '(no suffix)'!r}; "
                              f"use one of {known}")
        key = _same(raw)
        first = next((str(p.path) for p in planned if _same(str(p.path)) == key), None)
        if first is not None:
            raise OutputError(f"{raw}: given twice" if first == raw else
                              f"{raw}: the same file as -o {first!r}: given twice")
        _prepare_folder(raw, path.parent)
        _require(raw, fmt)
        planned.append(Planned(path, fmt))
    return planned


def _refuse_signed(raw: str, guarded: Sequence[tuple[str, str]]) -> None:
    """A report with signatures beside it (REPORT.sig, qc/gmp/signing.py) is never replaced:
    the new report would orphan them, and --sign-key would replace the people's signatures.
    (A REPORT.sig that is a file the run uses, such as the audit log, is named by the
    check of the signature's own path.)"""
    sig = Path(f"{raw}.sig")
    if any(_same(other) == _same(str(sig)) for other, _ in guarded):
        return
    if sig.exists() or sig.is_symlink():
        raise OutputError(f"{raw}: is a signed report ({sig} is beside it); refusing to "
                          "overwrite it or its signatures: move both away first")


def refuse_overwrite(raw: str, guarded: Sequence[tuple[str, str]]) -> None:
    """OutputError naming both files when `raw` is one of the `guarded` (path, what) files."""
    key = _same(raw)
    for other, what in guarded:
        if _same(other) == key:
            also = "" if other == raw else f" {other!r}"
            raise OutputError(f"{raw}: is {what}{also}; refusing to overwrite it")


def _require(raw: str, fmt: str) -> None:
    """A format that needs an optional library (PDF) is refused before any work when the
    library is missing, in one line saying what to install."""
    try:
        require(fmt)
    except OutputError as exc:
        raise OutputError(f"{raw}: {exc}") from None


def _prepare_folder(raw: str, parent: Path) -> None:
    import tempfile  # imported where used: a run without -o writes no file

    blocker = next((p for p in (parent, *parent.parents) if p.exists() and not p.is_dir()),
                   None)
    if blocker is not None:
        raise OutputError(f"{raw}: {str(blocker)!r} is a file, not a folder")
    try:
        parent.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".exoqc-probe.", suffix=".tmp", dir=parent)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise OutputError(f"{raw}: cannot write in folder {str(parent)!r}: "
                          f"{exc.strerror or exc}") from None


def _same(path: str) -> tuple[object, ...]:
    """What makes two paths the same file: device and inode when it exists (a hard link or
    a symlink to an input is that input), the resolved path when not. The path is resolved
    first: `nowhere/../r.json` is `r.json` once -o has made the folder `nowhere`."""
    real = os.path.realpath(path)
    try:
        st = os.stat(real)
    except OSError:
        return ("path", real)
    return ("inode", st.st_dev, st.st_ino)


def write_outputs(report: Report, planned: Sequence[Planned]) -> None:
    """Write every planned report; all are rendered to temporary files before any is renamed."""
    options = RenderOptions(color=False, verbose=True, width=120)

    def chunks(fmt: str) -> Callable[[], Iterable[str | bytes]]:
        if fmt in BINARY:
            return lambda: get_binary_renderer(fmt)(report, options)
        return lambda: get_renderer(fmt)(report, options)

    write_atomically([(item.path, chunks(item.fmt)) for item in planned])


def write_atomically(files: Sequence[tuple[Path, Callable[[], Iterable[str | bytes]]]]
                     ) -> None:
    """Write each (path, chunk source) whole or not at all.

    Every file is written to a temporary file beside its target first; only when all
    are complete are they renamed into place. Text chunks are written as UTF-8, bytes
    (a PDF) as they are.
    """
    done: list[tuple[str, Path]] = []
    try:
        for path, chunks in files:
            # A loop, not a comprehension: if a later file fails, `done` still lists the
            # temporary files written so far, so that `finally` removes them.
            done.append((_write_temp(path, chunks()), path))
        for temp, target in done:
            os.replace(temp, target)
    finally:
        for temp, _ in done:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp)


def _write_temp(path: Path, chunks: Iterable[str | bytes]) -> str:
    import tempfile

    _remove_stale(path)
    try:
        fd, temp = tempfile.mkstemp(prefix=_temp_prefix(path), suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write report: {exc.strerror or exc}") from None
    writer = _Writer(fd)
    try:
        try:
            pending: list[bytes] = []
            size = 0
            for chunk in chunks:
                data = chunk if isinstance(chunk, bytes) else chunk.encode("utf-8")
                pending.append(data)
                size += len(data)
                if size >= WRITE_SIZE:
                    writer.write(b"".join(pending))
                    pending, size = [], 0
            writer.write(b"".join(pending))
            writer.finish()
            os.fsync(fd)
        finally:
            writer.stop()
            os.close(fd)
    except OSError as exc:
        _discard(temp)
        raise OutputError(f"{path}: cannot write report: {exc.strerror}") from None
    except BaseException:
        _discard(temp)
        raise
    os.chmod(temp, 0o644)
    return temp


class _Writer:
    """Writes a report's bytes to its temporary file. Past the first BEHIND_FROM bytes a
    second thread writes (os.write releases the GIL) while the renderer renders the next
    blocks: a million-batch JSON report is 1.4 GB, and rendering and writing each take
    seconds (docs/performance.md, benchmarks/writer_ab.py). A smaller report is written
    by the caller's thread alone. Every WRITEBACK bytes the kernel is asked to start
    writing the file back to disk, so that the final fsync does not wait for all of it.
    The writer thread's first error is raised to the caller at its next call."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.written = self.flushed = 0
        self._queue: queue.Queue[bytes | None] | None = None
        self._thread: threading.Thread | None = None
        self._error: OSError | None = None

    def write(self, data: bytes) -> None:
        if self._error is not None:
            raise self._error
        if self._queue is None and self.written + len(data) <= BEHIND_FROM:
            self._put(data)
            return
        if self._queue is None:
            self._queue = queue.Queue(maxsize=2)
            self._thread = threading.Thread(target=self._drain, name="exoqc-writer",
                                            daemon=True)
            self._thread.start()
        self._queue.put(data)

    def finish(self) -> None:
        """Wait until every byte is written; raise the writer thread's error if any."""
        self.stop()
        if self._error is not None:
            raise self._error

    def stop(self) -> None:
        """End the writer thread once it has written (or, after an error, dropped) what
        is queued."""
        if self._thread is not None and self._thread.is_alive():
            assert self._queue is not None
            self._queue.put(None)
            self._thread.join()

    def _put(self, data: bytes) -> None:
        _write_all(self.fd, data)
        self.written += len(data)
        if self.written - self.flushed >= WRITEBACK:
            _start_writeback(self.fd, self.flushed, self.written - self.flushed)
            self.flushed = self.written

    def _drain(self) -> None:
        assert self._queue is not None
        while (data := self._queue.get()) is not None:
            if self._error is not None:
                continue  # keep taking chunks, so that the caller never blocks
            try:
                self._put(data)
            except OSError as exc:
                self._error = exc


def _start_writeback(fd: int, offset: int, length: int) -> None:
    """Start writing a written range back to disk now (Linux); elsewhere, nothing."""
    advise = getattr(os, "posix_fadvise", None)
    if advise is not None:
        with contextlib.suppress(OSError):
            advise(fd, offset, length, os.POSIX_FADV_DONTNEED)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _discard(temp: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(temp)


def _host() -> str:
    """This machine's name as it may appear in a file name (the folder may be shared)."""
    return re.sub(r"[^A-Za-z0-9-]", "-", socket.gethostname())[:64] or "host"


def _temp_prefix(path: Path, pid: int | None = None) -> str:
    """`.REPORT.HOST.PID.`: the temporary file of `path` names the process writing it."""
    return f".{path.name}.{_host()}.{os.getpid() if pid is None else pid}."


def _remove_stale(path: Path) -> None:
    """Remove temporary files of `path` whose writer, on this host, is no longer running.

    Only names of exactly this shape (`.REPORT.HOST.PID.RANDOM.tmp`, this host) are
    touched; a writer that is alive, or on another host, keeps its file."""
    prefix = f".{path.name}.{_host()}."
    try:
        names = os.listdir(path.parent)
    except OSError:
        return  # the write that follows says why the folder cannot be used
    for name in names:
        if not (name.startswith(prefix) and name.endswith(".tmp")):
            continue
        pid, dot, rest = name[len(prefix):].partition(".")
        if not (pid.isdigit() and dot and rest[:-len(".tmp")]) or "." in rest[:-len(".tmp")]:
            continue
        if not _running(int(pid)):
            with contextlib.suppress(OSError):
                os.unlink(path.parent / name)


def _running(pid: int) -> bool:
    """Whether process `pid` exists on this host (another user's counts as running)."""
    if pid <= 0:
        return True  # not a pid exoqc writes; leave the file alone
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True
