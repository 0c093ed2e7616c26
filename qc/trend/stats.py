"""Control-chart statistics for one attribute: pure functions of numpy arrays, no I/O.

Individuals/moving-range (I-MR) chart: the centre line is the mean, the within-batch
sigma is the mean moving range divided by d2 = 1.128 (the bias constant for ranges of
two), and the control limits are the centre ± 3 sigma. Capability: Cpk uses the within
sigma, Ppk the overall sample standard deviation (n - 1); with a one-sided spec only the
side that exists counts (CPU = (USL - mean) / 3 sigma, CPL = (mean - LSL) / 3 sigma, and
PPU/PPL with the overall sigma).

A sigma below the round-off of the values (`roundoff`) is no variation: it is 0, and no
index is computed from it (a constant series of 0.2 has no Ppk, not one of 1e15).

Nelson rules (Nelson 1984, J Qual Technol 16:237), with zones measured from the centre
in units of sigma; "beyond" is strictly more than, "within" strictly less than. A point
whose float comparison is within round-off of a zone boundary is compared again exactly
(`Zones`), so a point exactly at the centre + 3 sigma is not beyond it:

1. one point beyond 3 sigma;
2. nine or more points in a row on the same side of the centre;
3. six or more points in a row steadily increasing, or steadily decreasing;
4. fourteen or more points in a row alternating up and down;
5. two out of three points in a row beyond 2 sigma on the same side;
6. four out of five points in a row beyond 1 sigma on the same side;
7. fifteen points in a row within 1 sigma, on either side;
8. eight points in a row none of which is within 1 sigma, on either side.

Overlapping windows of one rule are merged, so a run of twelve points above the centre
is one rule-2 signal naming those twelve points. Rules 5 and 6 merge each side apart; rule
3 merges rises and falls together (a rise of six then a fall of six, sharing the peak, is
one signal).
"""

from __future__ import annotations

import itertools
import math
import sys
from collections.abc import Callable
from fractions import Fraction

import msgspec
import numpy as np
import numpy.typing as npt

D2 = 1.128  # E[range] / sigma for subgroups of two (moving ranges of consecutive points)
D2_EXACT = Fraction(1128, 1000)  # the same table value, for exact zone comparisons
MIN_POINTS = 8  # fewer usable points: "not enough data"
EPS = sys.float_info.epsilon
NEAR = 1e-9  # distance to a zone boundary (in sigmas) below which a point is compared exactly
NO_VARIATION = "no variation"

Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]
Signs = npt.NDArray[np.int8]

RULES: dict[int, str] = {
    1: "1 point beyond 3\u03c3",
    2: "9 points in a row on one side of the centre line",
    3: "6 points in a row steadily increasing or decreasing",
    4: "14 points in a row alternating up and down",
    5: "2 of 3 points in a row beyond 2\u03c3 on the same side",
    6: "4 of 5 points in a row beyond 1\u03c3 on the same side",
    7: "15 points in a row within 1\u03c3 of the centre line",
    8: "8 points in a row beyond 1\u03c3, none within",
}


class Signal(msgspec.Struct, frozen=True):
    """One out-of-trend signal: the Nelson rule and the positions (0-based) it involves."""

    rule: int
    points: tuple[int, ...]

    @property
    def name(self) -> str:
        return RULES[self.rule]


class Capability(msgspec.Struct, frozen=True):
    """A capability index and which one it is: `Cpk` (within sigma) or `Ppk` (overall
    sigma), or `CPU`/`CPL` (`PPU`/`PPL`) for a one-sided spec. `why` says why `value` is
    None: "no variation" (sigma 0) or "no spec limit"."""

    value: float | None
    kind: str
    why: str = ""

    @property
    def status(self) -> str:
        return "computed" if self.value is not None else "not_computed"


class Chart(msgspec.Struct, frozen=True):
    """The I-MR numbers for one attribute."""

    n: int
    mean: float
    mr_bar: float
    sigma_within: float
    sigma_overall: float
    ucl: float
    lcl: float
    cpk: Capability
    ppk: Capability
    signals: tuple[Signal, ...]

    @property
    def no_variation(self) -> bool:
        """No variation between consecutive results: no control limits, rules or Cpk."""
        return self.sigma_within == 0


def capability(mean: float, sigma: float, lsl: float | None, usl: float | None, *,
               overall: bool = False) -> Capability:
    """Cpk (two-sided), CPU (upper limit only) or CPL (lower limit only) for a mean and
    the within sigma; with `overall`, Ppk, PPU or PPL for the overall sigma."""
    letter = "P" if overall else "C"
    if (lsl is None) == (usl is None):  # two-sided, or no limit at all
        kind = letter + "pk"
    else:
        kind = letter + ("PU" if usl is not None else "PL")
    if lsl is None and usl is None:
        return Capability(None, kind, "no spec limit")
    if not sigma > 0:
        return Capability(None, kind, NO_VARIATION)
    sides = []
    if usl is not None:
        sides.append((usl - mean) / (3 * sigma))
    if lsl is not None:
        sides.append((mean - lsl) / (3 * sigma))
    return Capability(min(sides), kind)


def moving_ranges(x: Floats) -> Floats:
    return np.abs(np.diff(x))


def roundoff(x: Floats) -> float:
    """The size of the round-off in a sum (or mean) of the values of `x`: a sigma or mean
    moving range no larger than this is no variation at all."""
    if not len(x):
        return 0.0
    return max(len(x), 16) * EPS * float(np.max(np.abs(x)))


def chart(x: Floats, lsl: float | None = None, usl: float | None = None) -> Chart | None:
    """The I-MR chart of a series in time order; None when it has fewer than MIN_POINTS."""
    x = np.asarray(x, dtype=np.float64)
    n = len(x)
    if n < MIN_POINTS:
        return None
    tiny = roundoff(x)
    # a constant series is its own mean, exactly; otherwise the sum is correctly rounded
    mean = float(x[0]) if bool(np.all(x == x[0])) else math.fsum(x.tolist()) / n
    mr_bar = math.fsum(moving_ranges(x).tolist()) / (n - 1)
    sigma_o = float(np.sqrt(math.fsum(((x - mean) ** 2).tolist()) / (n - 1)))
    if mr_bar <= tiny:
        mr_bar = 0.0
    if sigma_o <= tiny:
        sigma_o = 0.0
    sigma_w = mr_bar / D2
    return Chart(
        n=n,
        mean=mean,
        mr_bar=mr_bar,
        sigma_within=sigma_w,
        sigma_overall=sigma_o,
        ucl=mean + 3 * sigma_w,
        lcl=mean - 3 * sigma_w,
        cpk=capability(mean, sigma_w, lsl, usl),
        ppk=capability(mean, sigma_o, lsl, usl, overall=True),
        signals=tuple(nelson(x, mean, sigma_w, lambda: exact_imr(x)))
        if sigma_w > 0 else (),
    )


def _runs(flags: Bools, length: int) -> Bools:
    """ends[i]: flags[i-length+1 .. i] are all True."""
    n = len(flags)
    ends = np.zeros(n, dtype=bool)
    if n < length:
        return ends
    window = np.lib.stride_tricks.sliding_window_view(flags, length)
    ends[length - 1:] = window.all(axis=1)
    return ends


def _k_of_m(flags: Bools, k: int, m: int) -> Bools:
    """ends[i]: at least k of flags[i-m+1 .. i] are True."""
    n = len(flags)
    ends = np.zeros(n, dtype=bool)
    if n < m:
        return ends
    window = np.lib.stride_tricks.sliding_window_view(flags.astype(np.int64), m)
    ends[m - 1:] = window.sum(axis=1) >= k
    return ends


def _merge(ends: Bools, length: int, rule: int, keep: Bools | None = None) -> list[Signal]:
    """Windows of `length` points ending at `ends`, overlapping ones merged into one signal.

    With `keep`, a signal names only the points of its windows that are flagged in `keep`
    (rules 5 and 6 name the points beyond the zone, not the one that is not).
    """
    signals: list[Signal] = []
    start = stop = -1
    for end in np.flatnonzero(ends).tolist():
        first = end - length + 1
        if first <= stop:
            stop = end
            continue
        if stop >= 0:
            signals.append(_signal(rule, start, stop, keep))
        start, stop = first, end
    if stop >= 0:
        signals.append(_signal(rule, start, stop, keep))
    return signals


def _signal(rule: int, start: int, stop: int, keep: Bools | None) -> Signal:
    points = range(start, stop + 1)
    return Signal(rule, tuple(i for i in points if keep is None or keep[i]))


class Zones:
    """Where each point lies against the lines centre + k sigma, decided exactly near a line.

    Floats decide first; a point within round-off of a line (NEAR sigmas, or the float
    error of its distance, whichever is larger) is compared again in exact rational
    arithmetic: each value as the decimal it is written as (the shortest decimal of its
    float), against the centre and sigma given by `exact` (by default the floats given,
    as decimals; `chart` gives the data's own mean and mean moving range / 1.128).
    """

    def __init__(self, x: Floats, centre: float, sigma: float,
                 exact: Callable[[], tuple[Fraction, Fraction]] | None = None) -> None:
        self.x = np.asarray(x, dtype=np.float64)
        self.centre, self.sigma = centre, sigma
        self.z = (self.x - centre) / sigma
        scale = np.abs(self.x) + abs(centre)
        self.slack = NEAR + (len(self.x) + 16) * EPS * (scale / sigma + np.abs(self.z))
        self._given = exact or (lambda: (Fraction(repr(centre)), Fraction(repr(sigma))))
        self._exact: tuple[list[Fraction], Fraction, Fraction] | None = None

    def exact(self) -> tuple[list[Fraction], Fraction, Fraction]:
        """The values, the centre and sigma as exact fractions."""
        if self._exact is None:
            self._exact = ([Fraction(repr(v)) for v in self.x.tolist()], *self._given())
        return self._exact

    def sign(self, k: int) -> Signs:
        """-1, 0 or 1 per point: the sign of x - (centre + k sigma)."""
        gap = self.z - k
        signs = np.sign(gap).astype(np.int8)
        for i in np.flatnonzero(np.abs(gap) <= self.slack).tolist():
            values, mean, sigma = self.exact()
            diff = values[i] - mean - k * sigma
            signs[i] = (diff > 0) - (diff < 0)
        return signs

    def beyond(self, k: int) -> Bools:
        """Strictly more than k sigma above the centre (k > 0), or below it (k < 0)."""
        return self.sign(k) > 0 if k > 0 else self.sign(k) < 0


def exact_imr(x: Floats) -> tuple[Fraction, Fraction]:
    """The mean and the within sigma (mean moving range / 1.128) of a series, exactly, from
    each value as the decimal it is written as (the shortest decimal of its float)."""
    values = [Fraction(repr(v)) for v in np.asarray(x, dtype=np.float64).tolist()]
    mean = sum(values, Fraction(0)) / len(values)
    ranges = (abs(b - a) for a, b in itertools.pairwise(values))
    return mean, sum(ranges, Fraction(0)) / (len(values) - 1) / D2_EXACT


def nelson(x: Floats, centre: float, sigma: float,
           exact: Callable[[], tuple[Fraction, Fraction]] | None = None) -> list[Signal]:
    """Every Nelson-rule signal in a series, ordered by rule then position. `exact` gives
    the centre and sigma as fractions, for points within round-off of a zone line."""
    if not sigma > 0 or not math.isfinite(sigma):
        return []
    x = np.asarray(x, dtype=np.float64)
    zones = Zones(x, centre, sigma, exact)
    above, below = zones.sign(0) > 0, zones.sign(0) < 0
    hi1, lo1 = zones.beyond(1), zones.beyond(-1)
    hi2, lo2 = zones.beyond(2), zones.beyond(-2)
    hi3, lo3 = zones.beyond(3), zones.beyond(-3)
    within1 = (zones.sign(1) < 0) & (zones.sign(-1) > 0)
    step = np.sign(np.diff(x)).astype(np.int8)  # floats keep the order of the decimals
    up = np.zeros(len(x), dtype=bool)
    down = np.zeros(len(x), dtype=bool)
    up[1:] = step > 0  # up[i]: point i is higher than point i-1
    down[1:] = step < 0
    signals: list[Signal] = []
    signals += _merge(hi3 | lo3, 1, 1)
    signals += _merge(_runs(above, 9), 9, 2) + _merge(_runs(below, 9), 9, 2)
    # Six points steadily rising need five rises in a row, ending at the sixth point.
    signals += _merge(_runs(up, 5) | _runs(down, 5), 6, 3)
    alternating = np.zeros(len(x), dtype=bool)
    alternating[2:] = (step[1:] * step[:-1]) < 0  # point i-1 is a peak or a trough
    signals += _merge(_runs(alternating, 12), 14, 4)
    signals += _merge(_k_of_m(hi2, 2, 3), 3, 5, hi2) + _merge(_k_of_m(lo2, 2, 3), 3, 5, lo2)
    signals += _merge(_k_of_m(hi1, 4, 5), 5, 6, hi1) + _merge(_k_of_m(lo1, 4, 5), 5, 6, lo1)
    signals += _merge(_runs(within1, 15), 15, 7)
    signals += _merge(_runs(hi1 | lo1, 8), 8, 8)
    return sorted(signals, key=lambda s: (s.rule, s.points))
