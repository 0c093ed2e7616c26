"""Interval arithmetic is sound: every value the inputs allow lands inside the result."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from qc.engine.derived import expr as derived

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False).map(lambda v: round(v, 3))


@st.composite
def interval(draw: st.DrawFn) -> tuple[float, float, bool, bool]:
    kind = draw(st.sampled_from(["point", "below", "above", "range"]))
    a = draw(finite)
    if kind == "point":
        return a, a, False, False
    if kind == "below":  # `<a` of a positive quantity: 0 < v < a
        a = abs(a) + 0.5
        return 0.0, a, True, True
    if kind == "above":
        return a, math.inf, True, True
    b = draw(finite)
    lo, hi = min(a, b), max(a, b)
    assume(lo < hi)
    return lo, hi, draw(st.booleans()), draw(st.booleans())


def sample(iv: tuple[float, float, bool, bool], t: float) -> float:
    lo, hi, lo_open, hi_open = iv
    if lo == hi:
        return lo
    top = hi if math.isfinite(hi) else lo + 1e6
    value = lo + (top - lo) * t
    if (value == lo and lo_open) or (value == hi and hi_open):
        value = (lo + top) / 2
    return value


def box(iv: tuple[float, float, bool, bool]) -> derived.Box:
    lo, hi, lo_open, hi_open = iv
    return derived.Box(np.array([lo]), np.array([hi]), np.array([lo_open]), np.array([hi_open]),
                       np.array([False]))


@settings(max_examples=400)
@given(interval(), interval(), st.sampled_from("+-*/"), st.floats(0, 1), st.floats(0, 1))
def test_result_contains_every_possible_value(a: tuple[float, float, bool, bool],
                                              b: tuple[float, float, bool, bool], op: str,
                                              s: float, t: float) -> None:
    tree = derived.parse(f"a {op} b")
    with np.errstate(all="ignore"):
        out = derived.evaluate(tree, lambda name: box(a if name == "a" else b), 1)
    x, y = sample(a, s), sample(b, t)
    if out.bad[0]:
        assert op == "/"  # only a divisor range that may hold zero is refused
        return
    value = {"+": x + y, "-": x - y, "*": x * y, "/": x / y if y else math.nan}[op]
    assume(math.isfinite(value))
    lo, hi = float(out.lo[0]), float(out.hi[0])
    slack = 1e-9 * max(1.0, abs(value))
    assert lo - slack <= value <= hi + slack, (a, b, op, x, y, value, out)


@settings(max_examples=300)
@given(st.lists(st.floats(allow_nan=False, allow_infinity=False, width=64), min_size=1,
                max_size=20))
def test_bulk_text_matches_one_by_one(values: list[float]) -> None:
    v = np.array(values)
    closed = np.zeros(len(v), dtype=bool)
    bulk = derived.texts(v, v, closed, closed, ~closed)
    assert bulk.tolist() == [derived.number_text(x) for x in values]


@settings(max_examples=300)
@given(st.lists(interval(), min_size=1, max_size=20))
def test_bulk_interval_text_matches_one_by_one(items: list[tuple[float, float, bool, bool]]
                                               ) -> None:
    lo, hi, lo_open, hi_open = (np.array(column) for column in zip(*items, strict=True))
    bulk = derived.texts(lo, hi, lo_open, hi_open, np.ones(len(items), dtype=bool))
    assert bulk.tolist() == [derived.interval_text(*item) for item in items]
