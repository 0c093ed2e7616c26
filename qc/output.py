"""Report files: checked before any work, written whole or not at all.

Each report goes to a temporary file beside its target and is renamed into place only
when complete, so a crash, a kill or a failed run never leaves a truncated or stale
report that a CI dashboard would read.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
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
                 suffixes: Mapping[str, str] = SUFFIXES) -> list[Planned]:
    """Check every -o path before any work: known suffix, not an input, not a folder."""
    planned: list[Planned] = []
    sources = {_same(p) for p in inputs if p != "-"}
    for raw in outputs:
        path = Path(raw)
        if path.is_dir():
            raise OutputError(f"{raw}: is a folder; give a file name")
        fmt = suffixes.get(path.suffix.lower())
        if fmt is None:
            known = ", ".join(sorted(suffixes))
            raise OutputError(f"{raw}: unknown report type {path.suffix or '(no suffix)'!r}; "
                              f"use one of {known}")
        if _same(raw) in sources:
            raise OutputError(f"{raw}: is one of the inputs; refusing to overwrite it")
        if any(p.path == path for p in planned):
            raise OutputError(f"{raw}: given twice")
        parent = path.parent
        try:
            parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"{raw}: cannot create folder {str(parent)!r}: {exc.strerror}"
                              ) from None
        if not os.access(parent, os.W_OK):
            raise OutputError(f"{raw}: folder {str(parent)!r} is not writable")
        planned.append(Planned(path, fmt))
    return planned


def _same(path: str) -> str:
    return os.path.realpath(path)


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
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            for chunk in chunks:
                fh.write(chunk)
            fh.flush()
            os.fsync(fh.fileno())
    except OSError as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise OutputError(f"{path}: cannot write report: {exc.strerror}") from None
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise
    os.chmod(temp, 0o644)
    return temp
