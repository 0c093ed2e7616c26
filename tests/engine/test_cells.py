"""The cell reader: one reference reading per cell, and the vectorised reader agreeing with it."""

from __future__ import annotations

import math
from decimal import Decimal

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qc.engine import units
from qc.engine.cells import Interval, parse_numbers, parse_one, read_cells

NM = units.find("nm")
EU = units.find("EU/mL")
INF = Decimal("Infinity")


@pytest.mark.parametrize(
    ("text", "target", "expected"),
    [
        ("85", NM, (Decimal(85), Decimal(85), False, False)),
        (" 85.0 ", NM, (Decimal("85.0"), Decimal("85.0"), False, False)),
        ("2.1E+11", None, (Decimal("2.1E+11"), Decimal("2.1E+11"), False, False)),
        ("2.1 x 10^11", None, (Decimal("2.1E+11"), Decimal("2.1E+11"), False, False)),
        ("−80", None, (Decimal(-80), Decimal(-80), False, False)),
        ("0.085 µm", NM, (Decimal("85.000"), Decimal("85.000"), False, False)),
        ("0.085 μm", NM, (Decimal("85.000"), Decimal("85.000"), False, False)),
        ("0.085 um", NM, (Decimal("85.000"), Decimal("85.000"), False, False)),
        ("85nm", NM, (Decimal(85), Decimal(85), False, False)),
        ("0.15 µm", NM, (Decimal(150), Decimal(150), False, False)),
        ("<0.5", EU, (-INF, Decimal("0.5"), True, True)),
        ("≤0.5", EU, (-INF, Decimal("0.5"), True, False)),
        ("<= 0.5 IU/mL", EU, (-INF, Decimal("0.5"), True, False)),
        (">95", None, (Decimal(95), INF, True, True)),
        ("≥95", None, (Decimal(95), INF, False, True)),
        ("85\u00a0nm", NM, (Decimal(85), Decimal(85), False, False)),
    ],
)
def test_reads_numbers_as_intervals(text: str, target: units.Unit | None,
                                    expected: tuple[Decimal, Decimal, bool, bool]) -> None:
    iv = parse_one(text, target)
    assert isinstance(iv, Interval)
    assert (iv.lo, iv.hi, iv.lo_open, iv.hi_open) == expected


@pytest.mark.parametrize(
    ("text", "target", "problem"),
    [
        ("abc", NM, "not a number"),
        ("85 mL", NM, "mL is not a unit of length (expected nm)"),
        ("85 %", NM, "% is not a unit of length (expected nm)"),
        ("85 nm", None, "has a unit (nm) but the spec gives none"),
        ("85 nm nm", NM, "unknown unit 'nm nm'"),
        ("8 5", NM, "unknown unit '5'"),
        ("1e309", NM, "number too large"),
        ("1,5", NM, "a decimal comma is not read unless --decimal , is given"),
        ("0x10", NM, "unknown unit 'x10'"),
        ("١٢٣", NM, "not a number"),
        ("nan", NM, "not a number"),
        ("inf", NM, "not a number"),
        ("'85", NM, "not a number"),
        ("8\u200b5", NM, "unknown unit '\\u200b5'"),  # shown escaped, not invisible
    ],
)
def test_refuses_what_it_cannot_read(text: str, target: units.Unit | None, problem: str) -> None:
    assert parse_one(text, target) == problem


def test_decimal_comma_is_read_only_when_asked() -> None:
    iv = parse_one("2,1E+11", None, decimal_comma=True)
    assert isinstance(iv, Interval)
    assert iv.lo == Decimal("2.1E+11")


def test_missing_tokens() -> None:
    cells = read_cells(pa.array(["", " NA ", "n/a", "N/A", None, "0", "NaN", "-"]))
    assert cells.missing.tolist() == [True, True, True, True, True, False, False, False]
    assert cells.as_list()[:2] == ["", "NA"]


CELL = st.one_of(
    st.sampled_from(["", "<", ">", "≤", "≥", "<=", " "]).flatmap(
        lambda q: st.tuples(
            st.just(q),
            st.one_of(st.integers(-10**6, 10**6).map(str),
                      st.decimals(allow_nan=False, allow_infinity=False, places=3).map(str),
                      st.floats(allow_nan=False, allow_infinity=False).map(repr)),
            st.sampled_from(["", " nm", "µm", " um", " %", " mL", " x 10^3", "e5", " EU/mL"]),
        ).map("".join)),
    st.text(max_size=12),
)


@settings(max_examples=400)
@given(st.lists(CELL, min_size=1, max_size=20))
def test_vectorised_reader_agrees_with_the_reference(texts: list[str]) -> None:
    cells = read_cells(pa.array(texts, pa.large_string()))
    got = parse_numbers(cells, NM)
    for i, text in enumerate(cells.as_list()):
        ref = parse_one(text, NM)
        if cells.missing[i] or isinstance(ref, str):
            assert not got.valid[i], text
            continue
        assert got.valid[i], text
        for ours, exact in ((got.lo[i], ref.lo), (got.hi[i], ref.hi)):
            if exact.is_infinite():
                assert ours == float(exact), text
            else:
                assert math.isclose(ours, float(exact), rel_tol=1e-12, abs_tol=1e-300), text
        assert (bool(got.lo_open[i]), bool(got.hi_open[i])) == (ref.lo_open, ref.hi_open), text
