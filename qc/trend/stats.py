"""Control-chart statistics for one attribute: pure functions of numpy arrays, no I/O.

Individuals/moving-range (I-MR) chart: the centre line is the mean, the within-batch
sigma is the mean moving range divided by d2 = 1.128 (the bias constant for ranges of
two), and the control limits are the centre ± 3 sigma. Capability: Cpk uses the within
sigma, Ppk the overall sample standard deviation (n - 1); with a one-sided spec only the
side that exists counts (CPU = (USL - mean) / 3 sigma, CPL = (mean - LSL) / 3 sigma).

Nelson rules (Nelson 1984, J Qual Technol 16:237), with zones measured from the centre
in units of sigma; "beyond" is strictly more than, "within" strictly less than:

1. one point beyond 3 sigma;
2. nine or more points in a row on the same side of the centre;
3. six or more points in a row steadily increasing, or steadily decreasing;
4. fourteen or more points in a row alternating up and down;
5. two out of three points in a row beyond 2 sigma on the same side;
6. four out of five points in a row beyond 1 sigma on the same side;
7. fifteen points in a row within 1 sigma, on either side;
8. eight points in a row none of which is within 1 sigma, on either side.

Overlapping windows of one rule are merged, so a run of twelve points above the centre
is one rule-2 signal naming those twelve points.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

D2 = 1.128  # E[range] / sigma for subgroups of two (moving ranges of consecutive points)
MIN_POINTS = 8  # fewer usable points: "not enough data"

Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]

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


@dataclass(frozen=True)
class Signal:
    """One out-of-trend signal: the Nelson rule and the positions (0-based) it involves."""

    rule: int
    points: tuple[int, ...]

    @property
    def name(self) -> str:
        return RULES[self.rule]


@dataclass(frozen=True)
class Capability:
    """A capability index and which one it is: `Cpk`, or `CPU`/`CPL` for a one-sided spec."""

    value: float | None  # None: no spec limit, or no variation
    kind: str


@dataclass(frozen=True)
class Chart:
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


def capability(mean: float, sigma: float, lsl: float | None, usl: float | None) -> Capability:
    """Cpk (two-sided), CPU (upper limit only) or CPL (lower limit only) for a mean and sigma."""
    kind = "Cpk" if lsl is not None and usl is not None else "CPU" if usl is not None else "CPL"
    if (lsl is None and usl is None) or not sigma > 0:
        return Capability(None, kind if lsl is not None or usl is not None else "Cpk")
    sides = []
    if usl is not None:
        sides.append((usl - mean) / (3 * sigma))
    if lsl is not None:
        sides.append((mean - lsl) / (3 * sigma))
    return Capability(min(sides), kind)


def moving_ranges(x: Floats) -> Floats:
    return np.abs(np.diff(x))


def chart(x: Floats, lsl: float | None = None, usl: float | None = None) -> Chart | None:
    """The I-MR chart of a series in time order; None when it has fewer than MIN_POINTS."""
    n = len(x)
    if n < MIN_POINTS:
        return None
    mean = float(np.mean(x))
    mr_bar = float(np.mean(moving_ranges(x)))
    sigma_w = mr_bar / D2
    sigma_o = float(np.std(x, ddof=1))
    return Chart(
        n=n,
        mean=mean,
        mr_bar=mr_bar,
        sigma_within=sigma_w,
        sigma_overall=sigma_o,
        ucl=mean + 3 * sigma_w,
        lcl=mean - 3 * sigma_w,
        cpk=capability(mean, sigma_w, lsl, usl),
        ppk=capability(mean, sigma_o, lsl, usl),
        signals=tuple(nelson(x, mean, sigma_w)) if sigma_w > 0 else (),
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


def nelson(x: Floats, centre: float, sigma: float) -> list[Signal]:
    """Every Nelson-rule signal in a series, ordered by rule then position."""
    if not sigma > 0 or not math.isfinite(sigma):
        return []
    z = (np.asarray(x, dtype=np.float64) - centre) / sigma
    above, below = z > 0, z < 0
    up = np.zeros(len(z), dtype=bool)
    down = np.zeros(len(z), dtype=bool)
    d = np.diff(z)
    up[1:] = d > 0  # up[i]: point i is higher than point i-1
    down[1:] = d < 0
    signals: list[Signal] = []
    signals += _merge(np.abs(z) > 3, 1, 1)
    signals += _merge(_runs(above, 9) | _runs(below, 9), 9, 2)
    # Six points steadily rising need five rises in a row, ending at the sixth point.
    signals += _merge(_runs(up, 5) | _runs(down, 5), 6, 3)
    alternating = np.zeros(len(z), dtype=bool)
    alternating[2:] = (d[1:] * d[:-1]) < 0  # point i-1 is a peak or a trough
    signals += _merge(_runs(alternating, 12), 14, 4)
    hi2, lo2 = z > 2, z < -2
    signals += _merge(_k_of_m(hi2, 2, 3), 3, 5, hi2) + _merge(_k_of_m(lo2, 2, 3), 3, 5, lo2)
    hi1, lo1 = z > 1, z < -1
    signals += _merge(_k_of_m(hi1, 4, 5), 5, 6, hi1) + _merge(_k_of_m(lo1, 4, 5), 5, 6, lo1)
    signals += _merge(_runs(np.abs(z) < 1, 15), 15, 7)
    signals += _merge(_runs(np.abs(z) > 1, 8), 8, 8)
    return sorted(signals, key=lambda s: (s.rule, s.points))
