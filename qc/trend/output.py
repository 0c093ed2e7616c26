"""Trend report files: checked before any work, written whole or not at all (temp + rename)."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from qc.errors import OutputError
from qc.trend.analyse import Trend
from qc.trend.report import SUFFIXES, render_html, render_json

WRITERS: dict[str, Callable[[Trend], Iterator[str]]] = {"json": render_json, "html": render_html}


def plan(outputs: Sequence[str], inputs: Sequence[str]) -> list[tuple[Path, str]]:
    """Every -o path with its format; OutputError for an unknown suffix or an input."""
    planned: list[tuple[Path, str]] = []
    sources = {os.path.realpath(p) for p in inputs if p != "-"}
    for raw in outputs:
        path = Path(raw)
        fmt = SUFFIXES.get(path.suffix.lower())
        if fmt is None:
            raise OutputError(f"{raw}: unknown trend report type {path.suffix or '(no suffix)'!r}"
                              f"; use one of {', '.join(sorted(SUFFIXES))}")
        if path.is_dir():
            raise OutputError(f"{raw}: is a folder; give a file name")
        if os.path.realpath(raw) in sources:
            raise OutputError(f"{raw}: is one of the inputs; refusing to overwrite it")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"{raw}: cannot create folder {str(path.parent)!r}: "
                              f"{exc.strerror}") from None
        planned.append((path, fmt))
    return planned


def write(trend: Trend, planned: Sequence[tuple[Path, str]]) -> None:
    """Render every file to a temporary beside its target, then rename them all."""
    done: list[tuple[str, Path]] = []
    try:
        for path, fmt in planned:
            done.append((_temp(WRITERS[fmt](trend), path), path))
        for temp, target in done:
            os.replace(temp, target)
    finally:
        for temp, _ in done:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp)


def _temp(chunks: Iterator[str], path: Path) -> str:
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            for chunk in chunks:
                fh.write(chunk)
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
