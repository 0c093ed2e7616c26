"""Trend reads the engine's values: a derived attribute (the clinical spec's purity ratio)
is trended on its computed value, not on its 4-significant-digit display text."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from qc.trend import stats
from tests.conftest import ROOT, run_cli

HISTORY = ROOT / "sample_data" / "history.csv"


def test_purity_ratio_is_trended_on_its_value_not_its_text() -> None:
    run = run_cli("trend", str(HISTORY), "--spec", "clinical", "--by", "manufacture_date",
                  "-f", "json")
    assert run.code in (0, 1), run
    purity = next(a for a in json.loads(run.out)["attributes"] if a["check"] == "purity")
    with HISTORY.open(encoding="utf-8", newline="") as f:
        rows = sorted(csv.DictReader(f), key=lambda r: r["manufacture_date"])  # stable
    ratios = np.array([float(r["particle_concentration_per_ml"]) / float(r["protein_ug_per_ml"])
                       for r in rows])
    assert purity["n"] == len(ratios) and not purity["excluded"]
    mean = ratios.mean()
    mr_bar = np.abs(np.diff(ratios)).mean()
    assert purity["mean"] == pytest.approx(mean, rel=1e-12)
    assert purity["mr_bar"] == pytest.approx(mr_bar, rel=1e-12)
    assert purity["sigma_within"] == pytest.approx(mr_bar / stats.D2, rel=1e-12)
    assert purity["sigma_overall"] == pytest.approx(ratios.std(ddof=1), rel=1e-12)
    assert purity["ucl"] == pytest.approx(mean + 3 * mr_bar / stats.D2, rel=1e-12)
    # the display text (4 significant digits) would be off by far more than that
    shown = np.array([float(f"{v:.3e}") for v in ratios])
    assert abs(shown.std(ddof=1) / ratios.std(ddof=1) - 1) > 1e-9
