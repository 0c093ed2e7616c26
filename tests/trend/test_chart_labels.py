"""Chart labels are plain text: a log-scale axis is labelled `1e13`, never with matplotlib's
TeX markup (`$\\mathdefault{10^{13}}$`), in the report a user writes and in the charts."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from qc.render.html import charts
from tests.conftest import ROOT, run_cli

TEXT = re.compile(r"<text\b[^>]*>([^<]*)</text>")


def texts(markup: str) -> list[str]:
    return TEXT.findall(markup)


def test_log_axis_of_the_html_report_is_plain_text(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    run = run_cli("check", ROOT / "sample_data" / "batches.csv", "--spec", "clinical", "-o",
                  out, "-q")
    assert run.code == 1, run  # the sample has failing batches
    markup = out.read_text(encoding="utf-8")
    assert "<svg" in markup
    assert "mathdefault" not in markup
    labels = texts(markup)
    assert not [t for t in labels if "$" in t or "\\" in t or "^" in t]
    # particle concentration (1e10-1e13 particles/mL) is drawn on a log axis, by decade
    assert {"1e10", "1e11", "1e12", "1e13"} <= set(labels)


@pytest.mark.parametrize(("values", "low", "high"), [
    ([2e-4, 5e-4, 1e-3, 3e-2, 8e-2], None, 0.1),  # small numbers: 1e-4 .. 1e-1
    ([1.2e10, 9e11, 3e12, 2.5e10], 1e10, 1e13),
    ([150.0, 240.0, 900.0, 16000.0], 100.0, None),
])
def test_results_chart_log_ticks_are_plain_text(values: list[float], low: float | None,
                                                 high: float | None) -> None:
    x = np.array(values)
    svg = charts.results_chart("c", "u", charts.Points(x, x, np.ones(len(x), dtype=bool)),
                               np.zeros(len(x), dtype=np.int8),
                               charts.Limits(min=low, max=high), salt="t")
    labels = texts(svg)
    assert "mathdefault" not in svg
    assert not [t for t in labels if "$" in t or "\\" in t or "{" in t]
    assert any(re.fullmatch(r"1e-?\d+|10+|1", t) for t in labels), labels


@pytest.mark.parametrize(("value", "text"), [
    (1e13, "1e13"), (2.5e10, "2.5e10"), (1e-5, "1e-5"), (0.05, "0.05"), (120.0, "120"),
    (-65.0, "-65"), (7.8, "7.8")])
def test_plain_number(value: float, text: str) -> None:
    assert charts.plain_number(value) == text
