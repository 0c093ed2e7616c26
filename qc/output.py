"""Report files: checked before any work, written whole or not at all.

Each report goes to a temporary file beside its target and is renamed into place only
when complete, so a crash, a kill or a failed run never leaves a truncated or stale
report that a CI dashboard would read. A second thread writes and flushes what the
renderer has finished while it renders the next block (a million-batch JSON report is
1.3 GB: the disk and the renderer each take seconds, and now take them side by side).
"""

from __future__ import annotations

import contextlib
import os
import queue
import tempfile
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from qc.errors import OutputError
from qc.model import Report
from qc.render import SUFFIXES, RenderOptions, get_renderer


@dataclass(frozen=True)
class Planned:
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
        planned.append(Planned(path, fmt))
    return planned


def refuse_overwrite(raw: str, guarded: Sequence[tuple[str, str]]) -> None:
    """OutputError naming both files when `raw` is one of the `guarded` (path, what) files."""
    key = _same(raw)
    for other, what in guarded:
        if _same(other) == key:
            also = "" if other == raw else f" {other!r}"
            raise OutputError(f"{raw}: is {what}{also}; refusing to overwrite it")


def _prepare_folder(raw: str, parent: Path) -> None:
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

    def chunks(fmt: str) -> Callable[[], Iterable[str]]:
        return lambda: get_renderer(fmt)(report, options)

    write_atomically([(item.path, chunks(item.fmt)) for item in planned])


def write_atomically(files: Sequence[tuple[Path, Callable[[], Iterable[str]]]]) -> None:
    """Write each (path, chunk source) whole or not at all.

    Every file is written to a temporary file beside its target first; only when all
    are complete are they renamed into place.
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


def _write_temp(path: Path, chunks: Iterable[str]) -> str:
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write report: {exc.strerror or exc}") from None
    spool = _Spool(fd)
    try:
        for chunk in chunks:
            spool.write(chunk.encode("utf-8"))
        spool.finish()
    except OSError as exc:
        _discard(spool, temp)
        raise OutputError(f"{path}: cannot write report: {exc.strerror}") from None
    except BaseException:
        _discard(spool, temp)
        raise
    os.close(fd)
    os.chmod(temp, 0o644)
    return temp


def _discard(spool: _Spool, temp: str) -> None:
    spool.stop()
    os.close(spool.fd)
    with contextlib.suppress(FileNotFoundError):
        os.unlink(temp)


class _Spool:
    """Writes byte chunks to a file descriptor from a second thread (os.write and fsync
    release the GIL), a few chunks behind the caller. `finish` waits for the last byte to
    be on disk; the first write error is raised to the caller at its next call.

    After each chunk the kernel is asked to start writing it to disk (Linux starts the
    writeback on POSIX_FADV_DONTNEED and never drops unwritten data), so the final fsync
    waits for the last chunks only, not for the whole file."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self._queue: queue.Queue[bytes | None] = queue.Queue(maxsize=2)
        self._error: OSError | None = None
        self._thread = threading.Thread(target=self._drain, name="exoqc-writer", daemon=True)
        self._thread.start()

    def write(self, data: bytes) -> None:
        if self._error is not None:
            raise self._error
        self._queue.put(data)

    def finish(self) -> None:
        self.stop()
        if self._error is not None:
            raise self._error
        os.fsync(self.fd)

    def stop(self) -> None:
        """End the thread once it has written (or, after an error, dropped) what is queued."""
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()

    def _drain(self) -> None:
        offset = 0
        while (data := self._queue.get()) is not None:
            if self._error is not None:
                continue  # keep taking chunks, so that the caller never blocks
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(self.fd, view):]
                if hasattr(os, "posix_fadvise"):
                    os.posix_fadvise(self.fd, offset, len(data), os.POSIX_FADV_DONTNEED)
                offset += len(data)
            except OSError as exc:
                self._error = exc
