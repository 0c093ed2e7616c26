"""`exoqc nta`: summarise instrument exports into one row per file. No printing.

The command line parses the options, this module reads the files (reporting progress
through a callback) and returns an `NtaRun`; `qc.nta.report` renders it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal
from pathlib import Path

import msgspec

from qc import __version__
from qc.gmp.provenance import utc_now
from qc.model import InputFile
from qc.nta.importer import DEFAULT_WINDOW, NtaSummary, summarise
from qc.nta.model import format_window

# -o suffix -> summary format
NTA_SUFFIXES: dict[str, str] = {".csv": "csv", ".json": "json"}


class NtaOptions(msgspec.Struct, frozen=True):
    """Everything `exoqc nta` was asked to do, as plain data."""

    files: tuple[str, ...]
    window: tuple[Decimal, Decimal] = DEFAULT_WINDOW
    id_pattern: str | None = None


class NtaRun(msgspec.Struct, frozen=True):
    """The summaries of every file, in the order given, and what was read."""

    summaries: tuple[NtaSummary, ...]
    inputs: tuple[InputFile, ...]
    window: str
    tool_version: str
    generated_at: str

    def duplicated_ids(self) -> dict[str, list[str]]:
        """batch id -> the files that share it (only ids that occur more than once)."""
        files: dict[str, list[str]] = {}
        for s in self.summaries:
            files.setdefault(" ".join(s.batch_id.split()).casefold(), []).append(s.file)
        return {k: v for k, v in files.items() if len(v) > 1}


def run_nta(options: NtaOptions, progress: Callable[[], None] | None = None) -> NtaRun:
    """Summarise every file; InstrumentFileError (exit 2) names the first file that fails."""
    summaries: list[NtaSummary] = []
    inputs: list[InputFile] = []
    for name in options.files:
        summaries.append(summarise(Path(name), window=options.window,
                                   id_pattern=options.id_pattern))
        inputs.append(InputFile(path=name, sha256=_sha256(Path(name)), rows=1))
        if progress is not None:
            progress()
    return NtaRun(tuple(summaries), tuple(inputs), format_window(options.window),
                  __version__, utc_now())


def _sha256(path: Path) -> str:
    from qc.errors import InputError
    from qc.inputs.files import sha256

    return sha256(str(path), "instrument export", InputError)


@contextlib.contextmanager
def progress_bar(total: int, *, enabled: bool, color: bool = True
                 ) -> Iterator[Callable[[], None] | None]:
    """A rich progress bar on stderr that advances once per call; None when not enabled.
    `color`: whether it may be coloured (--color, NO_COLOR, FORCE_COLOR)."""
    if not enabled:
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    console = Console(stderr=True, no_color=not color)
    with Progress(TextColumn("reading exports"), BarColumn(), MofNCompleteColumn(),
                  console=console, transient=True) as bar:
        task = bar.add_task("read", total=total)
        yield lambda: bar.advance(task)


def summary_columns(summaries: Sequence[NtaSummary]) -> dict[str, list[str]]:
    """The summaries as text columns (the CSV's columns), for joining onto batches."""
    from qc.nta.model import ROW_COLUMNS

    rows = [s.as_row() for s in summaries]
    return {name: [r[name] for r in rows] for name in ROW_COLUMNS}
