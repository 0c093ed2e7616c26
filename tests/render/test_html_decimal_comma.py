"""The HTML report charts the values the engine read: with `--decimal ,` the chart and the
JSON report agree (the chart once re-read the cells without the option and plotted none)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

from tests.conftest import run_cli

SPEC = """\
name: comma
version: "1"
id_column: batch_id
checks:
  - name: size
    column: size_nm
    unit: nm
    min: 50
    max: 200
"""


def test_decimal_comma_values_are_plotted_as_the_json_judged_them(
        write: Callable[..., Path], tmp_path: Path) -> None:
    data = write("batches.csv", "batch_id;size_nm\nB1;100,5\nB2;120,25\nB3;99,0\n")
    spec = write("spec.yaml", SPEC)
    html, report = tmp_path / "r.html", tmp_path / "r.json"
    run = run_cli("check", str(data), "--spec", str(spec), "--decimal", ",",
                  "-o", str(html), "-o", str(report))
    assert run.code == 0, run
    summary = json.loads(report.read_text(encoding="utf-8"))["summary"]
    assert (summary["batches"], summary["pass"]) == (3, 3)
    markup = html.read_text(encoding="utf-8")
    chart = markup[markup.index('id="chart-size"'):]
    chart = chart[:chart.index("</figure>")]
    assert "not readable as a number" not in chart
    assert "Not plotted" not in chart
    # one marker per batch, at heights ordered as the values: 120.25 > 100.5 > 99.0
    markers = chart[chart.index("PathCollection"):]  # the scatter, not the legend's sample
    markers = markers[markers.index("<g clip-path"):]
    markers = markers[:markers.index("</g>")]
    points = re.findall(r'<use xlink:href="#[^"]+" x="([0-9.]+)" y="([0-9.]+)"', markers)
    assert len(points) == 3, points
    xs = [float(x) for x, _ in points]
    ys = [float(y) for _, y in points]
    assert xs == sorted(xs)  # batch order
    assert ys[1] < ys[0] < ys[2]  # SVG y grows downwards
    # the heights are in proportion to the values (a linear axis)
    assert abs((ys[0] - ys[2]) / (ys[1] - ys[2]) - (100.5 - 99.0) / (120.25 - 99.0)) < 1e-3
