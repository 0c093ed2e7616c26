"""Trend reads reportable results (issue 18): a batch in replicate rows is one point, its
reportable value as the engine decided it (here the mean of three replicates), never the
first replicate's cell."""

from __future__ import annotations

import statistics
from pathlib import Path

from tests.conftest import run_cli

SPEC = """\
name: r
version: "1"
id_column: batch_id
replicate_column: replicate
checks:
  - name: potency
    column: potency_pct
    unit: "%"
    min: 70
    max: 130
    replicates: {count: 3, reportable: mean, max_cv_pct: 15}
"""


def test_trend_takes_the_reportable_mean_of_each_batch(tmp_path: Path) -> None:
    rows, means = ["batch_id,replicate,potency_pct"], []
    for b in range(10):
        values = [95 + b, 100 + b // 2, 98 - b // 3]
        means.append(sum(values) / 3)
        rows += [f"B{b},{k + 1},{v}" for k, v in enumerate(values)]
    rows += ["BX,1,60", "BX,2,120", "BX,3,90"]  # CV 33 %: invalid, never a point
    data = tmp_path / "h.csv"
    data.write_text("\n".join(rows) + "\n", encoding="utf-8")
    spec = tmp_path / "s.yaml"
    spec.write_text(SPEC, encoding="utf-8")
    run = run_cli("trend", data, "-s", spec, "-f", "json")
    assert run.code == 0, run
    potency = run.json()["attributes"][0]
    assert potency["n"] == 10
    assert abs(potency["mean"] - statistics.mean(means)) < 1e-9
    assert abs(potency["sigma_overall"] - statistics.stdev(means)) < 1e-9
    assert [e["batch_id"] for e in potency["excluded"]] == ["BX"]
    # said as the engine said it, not as an unreadable cell
    assert potency["excluded"][0]["why"].startswith("not a valid result: CV 33")
