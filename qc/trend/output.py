"""Trend report files: planned and written like check's reports (qc/output.py), in the
trend formats (.html control charts, .json numbers)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from functools import partial

from qc.output import Planned, plan_outputs, write_atomically
from qc.trend.analyse import Trend
from qc.trend.report import SUFFIXES, render_html, render_json

WRITERS: dict[str, Callable[[Trend], Iterator[str]]] = {"json": render_json, "html": render_html}


def plan(outputs: Sequence[str], inputs: Sequence[str]) -> list[Planned]:
    """Every -o path with its format, checked before any work."""
    return plan_outputs(outputs, inputs, SUFFIXES)


def write(trend: Trend, planned: Sequence[Planned]) -> None:
    """Write every trend report whole or not at all."""
    write_atomically([(p.path, partial(WRITERS[p.fmt], trend)) for p in planned])
