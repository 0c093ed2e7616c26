"""qc.trend.stats against hand-computed values on small fixed series.

Every Nelson rule has one series that triggers it and one, as close as possible, that
does not. The rules are exercised with a fixed centre 0 and sigma 1, so each value is
its own zone: 2.5 is "beyond 2 sigma", 0.5 is "within 1 sigma".
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qc.trend.stats import D2, Signal, capability, chart, nelson


def rules(series: list[float]) -> list[Signal]:
    return nelson(np.array(series, dtype=float), 0.0, 1.0)


def fired(series: list[float], rule: int) -> list[tuple[int, ...]]:
    return [s.points for s in rules(series) if s.rule == rule]


# --- each rule: a series that triggers it, and one that does not ------------------------

# zigzag within 1 sigma that is not long enough to trip rules 4 or 7, used as neutral filler
CALM = [0.5, -0.5, 0.6, -0.4, 0.5, -0.6]


def test_rule1_point_beyond_3_sigma() -> None:
    assert fired([0.5, -0.5, 3.1, 0.2], 1) == [(2,)]
    assert fired([0.5, -0.5, -3.2, 0.2], 1) == [(2,)]
    assert fired([0.5, -0.5, 3.0, 0.2], 1) == []  # exactly 3 sigma is not beyond


def test_rule2_nine_on_one_side() -> None:
    nine = [0.2, 0.4, 0.3, 0.5, 0.1, 0.6, 0.2, 0.4, 0.3]
    assert fired([-0.5, *nine, -0.5], 2) == [tuple(range(1, 10))]
    assert fired([-0.5, *nine[:8], -0.5, 0.3], 2) == []  # eight, then a point below
    assert fired([-0.5, *nine, 0.2, 0.3, -0.5], 2) == [tuple(range(1, 12))]  # one signal, 11 pts
    assert fired([*nine[:4], 0.0, *nine[:5]], 2) == []  # a point on the centre breaks the run


def test_rule3_six_steadily_increasing_or_decreasing() -> None:
    assert fired([0.0, -0.5, -0.3, -0.1, 0.1, 0.3, 0.5, 0.4], 3) == [(1, 2, 3, 4, 5, 6)]
    assert fired([0.9, 0.7, 0.5, 0.3, 0.1, -0.1], 3) == [(0, 1, 2, 3, 4, 5)]
    assert fired([-0.5, -0.3, -0.1, 0.1, 0.3, 0.3], 3) == []  # a tie ends the rise at five
    assert fired([-0.5, -0.3, -0.1, 0.1, 0.3], 3) == []


def test_rule4_fourteen_alternating() -> None:
    zigzag = [0.5 if i % 2 else -0.5 for i in range(14)]
    assert fired(zigzag, 4) == [tuple(range(14))]
    assert fired(zigzag[:13], 4) == []
    broken = [*zigzag[:7], zigzag[6], *zigzag[7:]]  # a repeat in the middle
    assert fired(broken, 4) == []


def test_rule5_two_of_three_beyond_2_sigma_same_side() -> None:
    assert fired([0.1, 2.5, 0.3, 2.2, 0.1], 5) == [(1, 3)]
    assert fired([0.1, -2.5, -2.1, 0.1], 5) == [(1, 2)]
    assert fired([0.1, 2.5, -2.5, 0.1], 5) == []  # opposite sides
    assert fired([2.5, 0.1, 0.2, 2.5], 5) == []  # two of four, not of three


def test_rule6_four_of_five_beyond_1_sigma_same_side() -> None:
    assert fired([0.1, 1.5, 1.2, 0.5, 1.8, 1.1, 0.2], 6) == [(1, 2, 4, 5)]
    assert fired([0.1, -1.5, -1.2, -1.1, -1.8, 0.2], 6) == [(1, 2, 3, 4)]
    assert fired([0.1, 1.5, 1.2, 0.5, 0.6, 1.1, 0.2], 6) == []  # three of five
    assert fired([1.5, -1.2, 1.1, 1.8, -1.1], 6) == []  # four beyond 1 sigma, but not one side


def test_rule7_fifteen_within_1_sigma() -> None:
    hugging = [0.1, -0.2, 0.3, 0.2, -0.1, 0.4, -0.3, 0.2, 0.1, -0.2, 0.3, 0.2, -0.4, 0.1, -0.1]
    assert fired(hugging, 7) == [tuple(range(15))]
    assert fired([*hugging[:14], 1.2], 7) == []
    assert fired([*hugging[:7], 1.0, *hugging[7:14]], 7) == []  # exactly 1 sigma is not within


def test_rule8_eight_beyond_1_sigma_either_side() -> None:
    mixture = [1.5, -1.4, -1.6, 1.2, 1.8, -1.3, 1.1, -1.9]
    assert fired([0.0, *mixture, 0.1], 8) == [tuple(range(1, 9))]
    assert fired([0.0, *mixture[:7], 0.5, *mixture[:3]], 8) == []


def test_calm_series_has_no_signal() -> None:
    assert rules(CALM * 2) == []


def test_no_variation_means_no_rules() -> None:
    assert nelson(np.array([5.0] * 20), 5.0, 0.0) == []


# --- I-MR chart against hand-computed numbers ------------------------------------------


def test_imr_chart_by_hand() -> None:
    x = np.array([10, 12, 11, 13, 12, 14, 13, 15], dtype=float)
    # mean = 100 / 8 = 12.5; moving ranges 2,1,2,1,2,1,2 -> MR-bar = 11 / 7
    # sigma_within = (11 / 7) / 1.128 = 1.393110; UCL = 12.5 + 3 * 1.393110 = 16.679331
    # sigma_overall: deviations -2.5 -0.5 -1.5 0.5 -0.5 1.5 0.5 2.5, squares sum 18 -> sqrt(18/7)
    got = chart(x, lsl=8.0, usl=16.0)
    assert got is not None
    assert got.n == 8
    assert got.mean == 12.5
    assert got.mr_bar == pytest.approx(11 / 7)
    assert got.sigma_within == pytest.approx(11 / 7 / 1.128)
    assert got.sigma_within == pytest.approx(1.393110, abs=1e-6)
    assert got.ucl == pytest.approx(16.679331, abs=1e-6)
    assert got.lcl == pytest.approx(8.320669, abs=1e-6)
    assert got.sigma_overall == pytest.approx(math.sqrt(18 / 7))
    # Cpk = min(16 - 12.5, 12.5 - 8) / (3 * 1.393110) = 3.5 / 4.179331 = 0.837454
    assert got.cpk.kind == "Cpk"
    assert got.cpk.value == pytest.approx(0.837454, abs=1e-6)
    # Ppk = 3.5 / (3 * 1.603567) = 3.5 / 4.810702 = 0.727544
    assert got.ppk.value == pytest.approx(0.727544, abs=1e-6)
    assert D2 == 1.128


def test_fewer_than_eight_points_is_not_enough_data() -> None:
    assert chart(np.array([1.0, 2, 3, 4, 5, 6, 7])) is None


# --- capability against a textbook -----------------------------------------------------


def test_cpk_textbook_off_centre_process() -> None:
    # Montgomery, Introduction to Statistical Quality Control, 6th ed. (Wiley, 2009),
    # §8.3.3 "Process capability ratio for an off-center process": LSL = 38, USL = 62,
    # mean 53, sigma 2 -> Cpu = (62 - 53) / 6 = 1.5, Cpl = (53 - 38) / 6 = 2.5, Cpk = 1.5.
    got = capability(53.0, 2.0, 38.0, 62.0)
    assert got.kind == "Cpk"
    assert got.value == pytest.approx(1.5)


def test_cpl_textbook_one_sided_lower() -> None:
    # Montgomery (6th ed.), Example 8.2: bottle bursting strength, x-bar = 264, s = 32,
    # LSL = 200 psi -> Cpl = (264 - 200) / (3 * 32) = 0.67.
    got = capability(264.0, 32.0, 200.0, None)
    assert (got.kind, round(got.value or 0, 2)) == ("CPL", 0.67)


def test_cpu_one_sided_upper_and_degenerate_cases() -> None:
    assert capability(0.2, 0.05, None, 0.5) == capability(0.2, 0.05, None, 0.5)
    assert capability(0.2, 0.05, None, 0.5).kind == "CPU"
    assert capability(0.2, 0.05, None, 0.5).value == pytest.approx(2.0)
    assert capability(0.2, 0.0, None, 0.5).value is None  # no variation
    assert capability(0.2, 0.05, None, None).value is None  # no spec limit


# --- properties on any series ----------------------------------------------------------

series = st.lists(st.floats(min_value=-6, max_value=6, allow_nan=False), min_size=0, max_size=60)


@settings(max_examples=200)
@given(series)
def test_rule1_names_exactly_the_points_beyond_3_sigma(values: list[float]) -> None:
    named = sorted(p for s in rules(values) if s.rule == 1 for p in s.points)
    assert named == [i for i, v in enumerate(values) if abs(v) > 3]


@settings(max_examples=200)
@given(series)
def test_signals_are_sorted_distinct_and_in_range(values: list[float]) -> None:
    found = rules(values)
    assert found == sorted(found, key=lambda s: (s.rule, s.points))
    for s in found:
        assert s.points and list(s.points) == sorted(set(s.points))
        assert s.points[0] >= 0 and s.points[-1] < len(values)
        assert 1 <= s.rule <= 8
    # merged windows of one rule never overlap (rules 5 and 6 count each side apart)
    for rule in (1, 2, 3, 4, 7, 8):
        spans = [(s.points[0], s.points[-1]) for s in found if s.rule == rule]
        assert all(a[1] < b[0] for a, b in itertools.pairwise(spans))


@settings(max_examples=100)
@given(st.lists(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False), min_size=8,
                max_size=80))
def test_chart_limits_bracket_the_mean(values: list[float]) -> None:
    got = chart(np.array(values))
    assert got is not None
    assert got.lcl <= got.mean <= got.ucl
    assert got.ucl - got.mean == pytest.approx(3 * got.sigma_within)
