"""qc/engine/replicates.py in pieces: the statistics, the combined interval, the shown
value, and the per-batch readings the renderers and trend use (issue 18)."""

from __future__ import annotations

import math
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import numpy as np

import qc
from qc.engine.cells import Interval
from qc.engine.replicates import _combine, _shown, _statistics
from qc.model import Reading

D = Decimal


def iv(lo: str, hi: str | None = None) -> Interval:
    return Interval(D(lo), D(hi if hi is not None else lo), False, False, None)


def test_statistics_use_the_sample_sd() -> None:
    mean, sd, cv, spread = _statistics([D(96), D(104), D(99)])
    assert round(mean, 4) == D("99.6667")
    assert round(sd, 4) == D("4.0415")  # n - 1
    assert cv is not None and round(cv, 2) == D("4.05")
    assert spread == D(8)
    assert _statistics([D(0), D(0)])[2] is None  # no CV of a zero mean


def test_a_censored_replicate_widens_the_mean_and_median() -> None:
    values = [iv("-Infinity", "0.05"), iv("0.06")]
    lo, hi = _combine(values, "mean")
    assert (lo, hi) == (D("-Infinity"), D("0.055"))
    lo, hi = _combine([iv("1"), iv("2"), iv("3", "Infinity")], "median")
    assert (lo, hi) == (D(2), D(2))
    assert _shown(D("-Infinity"), D("0.055"), values) == "<0.055"
    assert _shown(D("99.66666"), D("99.66666"), [iv("96")]) == "99.67"


def test_readings_are_the_reportable_result(write: Callable[..., Path]) -> None:
    spec = write("s.yaml", 'name: r\nversion: "1"\nid_column: batch_id\n'
                 "replicate_column: rep\nchecks:\n  - name: p\n    column: p\n    max: 130\n"
                 "    replicates: {count: 2, reportable: mean}\n"
                 "  - name: d\n    column: d\n    type: date\n    min: 2020-01-01\n"
                 "  - name: e\n    column: e\n    max: 1\n")
    csv = write("b.csv", "batch_id,rep,p,d,e\nA,1,100,2026-01-02,<0.5\nA,2,101,,\n"
                "B,1,100,2026-01-02,0.2\nB,2,,,0.3\n")
    report = qc.check(csv, spec).result
    assert [int(r) for r in report.rows] == [2, 4] and report.groups == ((2, 3), (4, 5))
    p, d, e = report.results[1:]
    assert p.readings.lo is not None and p.readings.lo[0] == 100.5
    assert list(p.readings.state) == [Reading.VALUE, Reading.INVALID]  # B: 1 of 2
    assert math.isnan(float(p.readings.lo[1]))
    assert d.readings.date is not None and str(d.readings.date[0]) == "2026-01-02"
    assert e.readings.hi_open is not None and bool(e.readings.hi_open[0])  # <0.5 kept open
    assert list(e.readings.state) == [Reading.VALUE, Reading.INVALID]  # 0.2 vs 0.3
    assert np.isnan(e.readings.hi[1])  # type: ignore[index]
