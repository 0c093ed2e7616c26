"""Trend statistics a statistician would sign (issue 17, item 6).

- a published worked example (NIST/SEMATECH e-Handbook of Statistical Methods, 6.3.2.2),
  recomputed here by hand from the textbook formulas;
- mean and sigmas against an independent recomputation (Python's `statistics`);
- a point exactly on centre + 3 sigma is not beyond it;
- a constant series has no variation and no capability index;
- Ppk is named Ppk (PPU/PPL one-sided), with a caveat when the process is not in control;
- `spec_limits` keeps the exclusive limits.
"""

from __future__ import annotations

import itertools
import json
import statistics
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qc.trend import stats
from qc.trend.report import TREND_VERSION
from tests.conftest import run_cli
from tests.htmlparse import Page

# --- a published worked example ---------------------------------------------------------

# NIST/SEMATECH e-Handbook of Statistical Methods, section 6.3.2.2 "Individuals Control
# Charts" (https://www.itl.nist.gov/div898/handbook/pmc/section3/pmc322.htm): "A new
# process was studied in order to monitor flow rate. The first 10 batches resulted in"
NIST_FLOW_RATE = [49.6, 47.6, 49.9, 51.3, 47.8, 51.2, 52.6, 52.4, 53.6, 52.1]
# The handbook prints: Xbar = 50.81, MRbar = 1.8778, UCL = 55.8041, LCL = 45.8159, with
# "1.128 is the value of d2 for n = 2", and finds the process in control.
# By hand from the same formulas:
#   sum of x = 508.1, so Xbar = 508.1 / 10 = 50.81
#   moving ranges 2.0 2.3 1.4 3.5 3.4 1.4 0.2 1.2 1.5, sum 16.9, MRbar = 16.9 / 9 = 1.87777...
#   sigma within = MRbar / 1.128 = 1.664696...; 3 sigma = 4.994090...
#   UCL = 50.81 + 4.994090 = 55.804090..., LCL = 50.81 - 4.994090 = 45.815910...
NIST_MEAN = 50.81
NIST_MR_BAR = 16.9 / 9
NIST_SIGMA = 16.9 / 9 / 1.128


def test_nist_individuals_chart_example() -> None:
    got = stats.chart(np.array(NIST_FLOW_RATE))
    assert got is not None
    assert stats.D2 == 1.128
    assert got.mean == pytest.approx(NIST_MEAN, rel=1e-14)
    assert got.mr_bar == pytest.approx(NIST_MR_BAR, rel=1e-14)
    assert got.sigma_within == pytest.approx(NIST_SIGMA, rel=1e-14)
    # the values as the handbook prints them (4 decimals)
    assert (round(got.mr_bar, 4), round(got.ucl, 4), round(got.lcl, 4)) == (
        1.8778, 55.8041, 45.8159)
    # "the process is in control, since none of the plotted points fall outside either
    # the UCL or LCL"
    assert [s for s in got.signals if s.rule == 1] == []
    assert got.sigma_overall == pytest.approx(statistics.stdev(NIST_FLOW_RATE), rel=1e-14)


NIST_SPEC = """\
name: flow
version: "1"
id_column: batch_id
checks:
  - name: flow_rate
    column: flow_rate
    min: 40
    max: 60
"""


def test_nist_example_through_the_cli(write) -> None:
    spec = write("spec.yaml", NIST_SPEC)  # limits 40-60: ours, not the handbook's
    lines = ["batch_id,flow_rate"] + [f"B{i + 1:02d},{v}" for i, v in
                                      enumerate(NIST_FLOW_RATE)]
    data = write("flow.csv", "\n".join(lines) + "\n")
    run = run_cli("trend", str(data), "--spec", str(spec), "-f", "json")
    assert run.code == 0, run
    flow = json.loads(run.out)["attributes"][0]
    assert flow["n"] == 10
    assert flow["mean"] == pytest.approx(NIST_MEAN, rel=1e-14)
    assert flow["mr_bar"] == pytest.approx(NIST_MR_BAR, rel=1e-14)
    assert round(flow["ucl"], 4) == 55.8041 and round(flow["lcl"], 4) == 45.8159
    # Cpk = min(60 - 50.81, 50.81 - 40) / (3 * 1.664697) = 9.19 / 4.994090 = 1.840175
    assert flow["cpk"]["kind"] == "Cpk"
    assert flow["cpk"]["value"] == pytest.approx(9.19 / (3 * NIST_SIGMA), rel=1e-12)
    assert round(flow["cpk"]["value"], 4) == 1.8402
    # Ppk with the sample standard deviation (n - 1)
    assert flow["ppk"]["kind"] == "Ppk"
    assert flow["ppk"]["value"] == pytest.approx(
        9.19 / (3 * statistics.stdev(NIST_FLOW_RATE)), rel=1e-12)


# --- an independent recomputation -------------------------------------------------------

decimals = st.integers(min_value=-10**6, max_value=10**6).map(lambda k: k / 1000)


@settings(max_examples=200)
@given(st.lists(decimals, min_size=stats.MIN_POINTS, max_size=80).filter(
    lambda v: len(set(v)) > 1))
def test_mean_and_sigmas_equal_an_independent_recomputation(values: list[float]) -> None:
    got = stats.chart(np.array(values))
    assert got is not None
    scale = max(abs(v) for v in values)
    assert got.mean == pytest.approx(statistics.fmean(values), rel=1e-12, abs=1e-12 * scale)
    assert got.sigma_overall == pytest.approx(statistics.stdev(values), rel=1e-9)
    ranges = [abs(b - a) for a, b in itertools.pairwise(values)]
    assert got.mr_bar == pytest.approx(statistics.fmean(ranges), rel=1e-12)
    assert got.sigma_within == pytest.approx(statistics.fmean(ranges) / 1.128, rel=1e-12)
    # and the exact rational mean and sigma of the zone comparisons agree with them
    mean, sigma = stats.exact_imr(np.array(values))
    assert float(mean) == pytest.approx(got.mean, rel=1e-12, abs=1e-12 * scale)
    assert float(sigma) == pytest.approx(got.sigma_within, rel=1e-12)


@settings(max_examples=200)
@given(st.lists(st.integers(min_value=-40, max_value=40), min_size=stats.MIN_POINTS,
                max_size=40).filter(lambda v: len(set(v)) > 1),
       st.sampled_from([1, 10, 100]))
def test_zones_agree_with_exact_rational_arithmetic(ints: list[int], scale: int) -> None:
    # decimals (small integers over 1, 10 or 100): the zones agree with exact arithmetic;
    # a point exactly on a line is rare here (1.128 = 141/125), hence ON_THE_LIMIT below
    values = [k / scale for k in ints]
    got = stats.chart(np.array(values))
    assert got is not None
    x = [Fraction(k, scale) for k in ints]
    mean = sum(x, Fraction(0)) / len(x)
    sigma = sum((abs(b - a) for a, b in itertools.pairwise(x)), Fraction(0)) / (len(x) - 1) \
        / Fraction("1.128")
    beyond3 = [i for i, v in enumerate(x) if abs(v - mean) > 3 * sigma]
    assert [p for s in got.signals if s.rule == 1 for p in s.points] == beyond3
    hi2 = [abs(v - mean) > 2 * sigma and v > mean for v in x]
    lo2 = [abs(v - mean) > 2 * sigma and v < mean for v in x]
    rule5 = {p for s in got.signals if s.rule == 5 for p in s.points}
    for side in (hi2, lo2):
        for end in range(2, len(x)):
            if sum(side[end - 2:end + 1]) >= 2:
                assert {i for i in range(end - 2, end + 1) if side[i]} <= rule5


@settings(max_examples=100)
@given(st.floats(min_value=-1e12, max_value=1e12, allow_nan=False),
       st.integers(min_value=stats.MIN_POINTS, max_value=60))
def test_any_constant_series_has_no_variation(value: float, n: int) -> None:
    got = stats.chart(np.full(n, value), value - 1, value + 1)
    assert got is not None
    assert (got.mean, got.sigma_within, got.sigma_overall) == (value, 0.0, 0.0)
    assert got.cpk.value is None and got.ppk.value is None and got.signals == ()


# --- exact comparison at a zone line ----------------------------------------------------

# Constructed so that the 6th point is exactly on the upper control limit:
#   sum 107.5, mean 10.75; moving ranges 0.88 1.05 0.18 0.07 3.65 3.90 0.16 1.63 1.17, sum
#   12.69, MRbar 1.41; sigma = 1.41 / 1.128 = 1.25; UCL = 10.75 + 3 * 1.25 = 14.5.
# In floats, (14.5 - mean) / sigma is 3.0000000000000018: "beyond" by round-off alone.
ON_THE_LIMIT = [10.43, 9.55, 10.6, 10.78, 10.85, 14.5, 10.6, 10.76, 9.13, 10.3]


def test_the_constructed_point_is_exactly_on_the_limit() -> None:
    x = [Fraction(str(v)) for v in ON_THE_LIMIT]
    mean = sum(x, Fraction(0)) / len(x)
    sigma = sum((abs(b - a) for a, b in itertools.pairwise(x)), Fraction(0)) / 9 / \
        Fraction("1.128")
    assert (mean, sigma) == (Fraction("10.75"), Fraction("1.25"))
    assert x[5] == mean + 3 * sigma
    assert stats.exact_imr(np.array(ON_THE_LIMIT)) == (mean, sigma)
    floats = np.array(ON_THE_LIMIT)
    z = (floats[5] - floats.mean()) / (np.abs(np.diff(floats)).mean() / 1.128)
    assert z > 3  # the float comparison alone would call it beyond


def test_a_point_exactly_on_the_control_limit_is_not_beyond_it() -> None:
    got = stats.chart(np.array(ON_THE_LIMIT))
    assert got is not None
    assert [s for s in got.signals if s.rule == 1] == []
    above = list(ON_THE_LIMIT)
    above[5] = 14.51  # mean 10.751, sigma 1.251970, UCL 14.506910: now beyond
    got = stats.chart(np.array(above))
    assert got is not None
    assert [s.points for s in got.signals if s.rule == 1] == [(5,)]


@pytest.mark.parametrize(("point", "rule", "fires"), [
    (0.4, 1, False),  # (0.4 - 0.1) / 0.1 = 3.0000000000000004 in floats; exactly 3
    (0.4000001, 1, True),
    (-0.2, 1, False),  # exactly -3
    (-0.2000001, 1, True),
])
def test_zone_lines_given_as_decimals_are_compared_exactly(point: float, rule: int,
                                                           fires: bool) -> None:
    series = [0.1, 0.15, 0.05, 0.12, 0.08, 0.1, point, 0.1]
    found = [s for s in stats.nelson(np.array(series), 0.1, 0.1) if s.rule == rule]
    assert bool(found) is fires


def test_points_exactly_on_the_1_and_2_sigma_lines_are_not_beyond_them() -> None:
    # centre 0.3, sigma 0.1: 0.5 and 0.1 are exactly 2 sigma away, 0.4 and 0.2 exactly 1
    # sigma (in floats, (0.5 - 0.3) / 0.1 is 1.9999999999999996 and (0.4 - 0.3) / 0.1 is
    # 0.9999999999999998, and the exact comparison must not change a decision either way)
    def rule(series: list[float], k: int) -> list[tuple[int, ...]]:
        return [s.points for s in stats.nelson(np.array(series), 0.3, 0.1) if s.rule == k]

    assert rule([0.3, 0.5, 0.5, 0.3, 0.1, 0.1, 0.3, 0.3], 5) == []
    assert rule([0.3, 0.5, 0.5000001, 0.3, 0.1, 0.0999999, 0.3, 0.3], 5) == []
    assert rule([0.3, 0.50001, 0.50001, 0.3, 0.09999, 0.09999, 0.3, 0.3], 5) == [(1, 2), (4, 5)]
    assert rule([0.4, 0.4, 0.4, 0.4, 0.3, 0.2, 0.2, 0.2, 0.2], 6) == []
    assert rule([0.4000001] * 4 + [0.3], 6) == [(0, 1, 2, 3)]


def test_exact_limit_through_the_cli(write) -> None:
    spec = write("spec.yaml", NIST_SPEC.replace("min: 40", "min: 0").replace("max: 60",
                                                                             "max: 100"))
    lines = ["batch_id,flow_rate"] + [f"B{i + 1:02d},{v}" for i, v in enumerate(ON_THE_LIMIT)]
    run = run_cli("trend", str(write("h.csv", "\n".join(lines) + "\n")), "--spec", str(spec),
                  "-f", "json")
    assert run.code == 0, run
    got = json.loads(run.out)["attributes"][0]
    assert got["ucl"] == pytest.approx(14.5, rel=1e-15)
    assert [s for s in got["signals"] if s["rule"] == 1] == []


# --- no variation -----------------------------------------------------------------------


def test_a_constant_series_has_no_variation_and_no_capability() -> None:
    got = stats.chart(np.full(12, 0.2), 0.0, 0.5)
    assert got is not None
    assert (got.mean, got.mr_bar, got.sigma_within, got.sigma_overall) == (0.2, 0.0, 0.0, 0.0)
    assert got.no_variation and got.signals == ()
    for cap, kind in ((got.cpk, "Cpk"), (got.ppk, "Ppk")):
        assert (cap.kind, cap.value, cap.status, cap.why) == (
            kind, None, "not_computed", "no variation")


def test_sigma_below_round_off_counts_as_zero() -> None:
    # 0.1 + 0.2 and 0.3 differ by one unit in the last place: round-off, not variation
    series = np.array([0.1 + 0.2, 0.3] * 6)
    assert np.std(series, ddof=1) > 0
    got = stats.chart(series, None, 0.5)
    assert got is not None
    assert got.sigma_overall == 0 and got.sigma_within == 0
    assert got.ppk.value is None and got.ppk.kind == "PPU"
    # a real variation, however small against the mean, is kept
    got = stats.chart(np.array([1000.0, 1000.001] * 6), None, 2000.0)
    assert got is not None and got.sigma_overall > 0 and got.ppk.value is not None


SPEC = """\
name: trend-test
version: "1"
id_column: batch_id
checks:
  - name: size
    column: size_nm
    unit: nm
    min: 50
    max: 200
  - name: endotoxin
    column: endotoxin
    unit: EU/mL
    max_exclusive: 0.5
  - name: purity
    column: purity
    min: 0.1
"""


def history(sizes: list[float], endotoxin: list[str] | None = None,
            purity: list[str] | None = None) -> str:
    n = len(sizes)
    endotoxin = endotoxin or ["0.2"] * n
    purity = purity or [str(0.8 + 0.01 * (i % 3)) for i in range(n)]
    lines = ["batch_id,size_nm,endotoxin,purity"]
    lines += [f"B{i:02d},{s},{e},{p}" for i, (s, e, p) in
              enumerate(zip(sizes, endotoxin, purity, strict=True))]
    return "\n".join(lines) + "\n"


CALM = [100, 104, 98, 101, 99, 103, 97, 102, 100, 96]
DRIFT = [100, 101, 99, 100, 102, 98, 100, 101, 110, 111, 112, 113, 112, 114, 113, 115]


def test_constant_series_in_trend_json(write) -> None:
    spec = write("spec.yaml", SPEC)
    run = run_cli("trend", str(write("h.csv", history(CALM))), "--spec", str(spec), "-f",
                  "json")
    assert run.code == 0, run
    endotoxin = json.loads(run.out)["attributes"][1]
    assert endotoxin["status"] == "no_variation"
    assert (endotoxin["mean"], endotoxin["sigma_overall"], endotoxin["sigma_within"]) == (
        0.2, 0.0, 0.0)
    assert endotoxin["ppk"] == {"kind": "PPU", "value": None, "status": "not_computed",
                                "why": "no variation"}
    table = run_cli("trend", str(write("h.csv", history(CALM))), "--spec", str(spec))
    assert "CPU and PPU: not computed (no variation)" in " ".join(table.out.split())


# --- names, caveat and limits in trend.json ---------------------------------------------


def test_trend_json_names_ppk_and_keeps_exclusive_limits(write) -> None:
    spec = write("spec.yaml", SPEC)
    endotoxin = [str(0.2 + 0.01 * (i % 4)) for i in range(10)]
    run = run_cli("trend", str(write("h.csv", history(CALM, endotoxin))), "--spec", str(spec),
                  "-f", "json")
    assert run.code == 0, run
    data = json.loads(run.out)
    assert data["trend_version"] == TREND_VERSION == 2
    size, endo, purity = data["attributes"]
    assert (size["cpk"]["kind"], size["ppk"]["kind"]) == ("Cpk", "Ppk")
    assert (endo["cpk"]["kind"], endo["ppk"]["kind"]) == ("CPU", "PPU")
    assert (purity["cpk"]["kind"], purity["ppk"]["kind"]) == ("CPL", "PPL")
    assert endo["spec_limits"] == {"min": None, "max": None, "min_exclusive": None,
                                   "max_exclusive": 0.5, "warn_min": None, "warn_max": None}
    # a reviewer recomputes PPU from the JSON alone
    assert endo["ppk"]["value"] == pytest.approx(
        (endo["spec_limits"]["max_exclusive"] - endo["mean"]) / (3 * endo["sigma_overall"]),
        rel=1e-12)
    values = [float(v) for v in endotoxin]
    assert endo["ppk"]["value"] == pytest.approx(
        (0.5 - statistics.fmean(values)) / (3 * statistics.stdev(values)), rel=1e-12)
    assert all(a["ppk"]["status"] == "computed" for a in data["attributes"])
    assert all(a["in_control"] is True and a["caveat"] is None for a in data["attributes"])


def test_capability_carries_a_caveat_when_not_in_control(write, tmp_path: Path) -> None:
    spec = write("spec.yaml", SPEC)
    n = len(DRIFT)
    data = write("h.csv", history(DRIFT, purity=[str(0.8 + 0.01 * (i % 3)) for i in range(n)]))
    run = run_cli("trend", str(data), "--spec", str(spec), "-f", "json")
    assert run.code == 0, run
    size = json.loads(run.out)["attributes"][0]
    assert size["signals"] and size["in_control"] is False
    assert size["cpk"]["value"] is not None
    assert size["caveat"].startswith(f"not in statistical control ({len(size['signals'])} "
                                     "trend signals)")
    table = run_cli("trend", str(data), "--spec", str(spec))
    flat = " ".join(table.out.split())
    assert "caveat on Cpk and Ppk: not in statistical control" in flat
    out = tmp_path / "trend.html"
    assert run_cli("trend", str(data), "--spec", str(spec), "-o", str(out), "-q").code == 0
    page = Page(out.read_text(encoding="utf-8"))
    controlled = [a["in_control"] for a in json.loads(run.out)["attributes"]]
    assert len(page.all("p", "caveat")) == controlled.count(False)
    texts = [" ".join("".join(t).split()) for t in page.section_text]
    assert "Caveat on Cpk and Ppk: not in statistical control" in texts[0]
    assert [("Caveat" in t) for t in texts] == [c is False for c in controlled]


def test_html_names_an_index_not_computed(write, tmp_path: Path) -> None:
    spec = write("spec.yaml", SPEC)
    out = tmp_path / "trend.html"
    run = run_cli("trend", str(write("h.csv", history(CALM))), "--spec", str(spec), "-o",
                  str(out), "-q")
    assert run.code == 0, run
    markup = out.read_text(encoding="utf-8")
    assert "PPU (overall \u03c3)" in markup
    assert "not computed (no variation)" in markup
