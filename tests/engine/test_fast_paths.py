"""The fast paths agree with the reference paths they stand in for.

- The engine's distinct-text evaluation of cell-wise rules against judging every row
  (main's per-row `_judge`: missing, invisible characters, broken Excel cells).
- values.parse_numbers (Arrow kernels) against values.parse_one, cell by cell.
- The lazy report columns behave as the lists they replace.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from decimal import Decimal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qc.engine import arrowbuf as arrowenv
from qc.engine import evaluate as engine
from qc.engine import units
from qc.engine.cells import Cells, Interval, parse_numbers, parse_one, read_cells
from qc.engine.coded import CodedText, distinct
from qc.inputs import read as records
from qc.model import Allowed, Check, Equals, Forbidden, Limits, Pattern, Spec, SpecFile

SETTINGS = settings(max_examples=300)

def test_load_table_keeps_row_numbers_and_drops_blank_rows(tmp_path: object) -> None:
    path = f"{tmp_path}/b.csv"
    with open(path, "wb") as fh:
        fh.write(b"id,size\nA,1\n,\n  ,  \nB,2\n\nC,3\n")
    table = records.load_table([path])
    assert table.rows.tolist() == [2, 5, 7]
    assert table.columns["id"].to_pylist() == ["A", "B", "C"]


# --- distinct-text evaluation -----------------------------------------------------------

CELL = st.one_of(
    st.sampled_from(["", " ", "NA", "n/a", "no growth", "No  Growth ", "Growth", "pending",
                     "yes", "Y", "0", "GMP-like", "HeLa s3", "donor MICHELA-07", "<0.5",
                     "<2", "1.0", "1.0000", "0.15 µm", "150", "150.0000001", ">95",
                     "7,4", "1e309", "x", "EXO-2026-001", "He\u200bLa", "1\u202e0",
                     "no\x85growth", "\ufeff150", "150.05", "150.049", "30", "30.0"]),
    st.from_regex(r"[<>]?[0-9]{1,3}(\.[0-9]{1,3})? ?(nm|µm|%)?", fullmatch=True),
)
RULES = [
    Limits(unit="nm", min=Decimal(30), max=Decimal(150), warn_max=Decimal(140)),
    Limits(max=Decimal("1.0")),
    Limits(unit="nm", min_exclusive=Decimal(30), max_exclusive=Decimal(150)),
    Limits(unit="nm", min=Decimal("30.0"), max=Decimal("150.0"), rounding="usp"),
    Allowed(("no growth", "negative")),
    Forbidden(("HeLa", "HEK293")),
    Equals(True),
    Pattern(r"EXO-\d{4}-\d{3}"),
]


def _table(texts: list[str | None], broken: dict[int, str]) -> records.Table:
    column = pa.chunked_array([pa.array(texts, pa.large_string())])
    n = len(texts)
    return records.Table(inputs=(records.InputFile("f", "", n),), columns={"c": column},
                         present={"c": frozenset({0})}, duplicated={},
                         rows=np.arange(2, n + 2), input_index=np.zeros(n, np.int64),
                         broken={"c": broken} if broken else {})


SPEC = Spec("s", "1", "id", (), (SpecFile("s.yaml", ""),))


@SETTINGS
@given(st.lists(st.one_of(st.none(), CELL), min_size=1, max_size=40),
       st.sampled_from(RULES), st.booleans(), st.booleans(), st.booleans())
def test_distinct_evaluation_equals_judging_every_row(texts: list[str | None], rule: object,
                                                      required: bool, report_only: bool,
                                                      with_broken: bool) -> None:
    check = Check("c", "c", rule, required=required,  # type: ignore[arg-type]
                  report_only=report_only)
    table = _table(texts, {0: "formula never calculated"} if with_broken else {})
    options = engine.Options(as_of=dt.date(2026, 1, 1))
    fast = engine._judge(check, SPEC, table, options)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(engine, "CELLWISE", frozenset())
        slow = engine._judge(check, SPEC, table, options)
    assert fast.status.tolist() == slow.status.tolist()
    assert fast.reason.tolist() == slow.reason.tolist()
    assert list(fast.message) == list(slow.message)
    assert list(fast.value) == list(slow.value)
    assert isinstance(fast.value, CodedText) == (not report_only and not with_broken)


# --- numbers ----------------------------------------------------------------------------

NUMBER_CELL = st.one_of(
    CELL,
    st.from_regex(r"[<>≤≥]?(<=|>=)? ?[-+\u2212]?[0-9]{0,4}(\.[0-9]{0,4})?([eE][-+]?[0-9]{1,3})?"
                  r"( ?[x\u00d7] ?10\^[0-9]{1,2})? ?(nm|um|µm|μm|%|mL|EU/mL|d\.nm)?",
                  fullmatch=True),
)


def _close(a: float, b: Decimal) -> bool:
    if b.is_infinite():
        return a == float(b)
    return math.isclose(a, float(b), rel_tol=1e-12, abs_tol=0.0)


@SETTINGS
@given(st.lists(NUMBER_CELL, min_size=1, max_size=30), st.sampled_from(["nm", "%", None]),
       st.booleans())
def test_parse_numbers_agrees_with_parse_one(texts: list[str], unit: str | None,
                                            comma: bool) -> None:
    target = units.find(unit) if unit else None
    cells: Cells = read_cells(pa.array(texts, pa.large_string()))
    nums = parse_numbers(cells, target, decimal_comma=comma)
    for i, text in enumerate(cells.as_list()):
        if cells.missing[i]:
            assert not nums.valid[i]
            continue
        iv = parse_one(text, target, decimal_comma=comma)
        if isinstance(iv, str) or not (iv.lo.is_finite() or iv.hi.is_finite()):
            assert not nums.valid[i], (text, iv)
            continue
        assert isinstance(iv, Interval)
        edge = abs(iv.lo if iv.lo.is_finite() else iv.hi)
        if edge > Decimal("1e300") or Decimal(0) < edge < Decimal("1e-300"):
            continue  # at the edges of the double range the float path may overflow, or lose
            # digits to subnormals (1E-320 x 10^10)
        assert nums.valid[i], (text, iv)
        assert _close(nums.lo[i], iv.lo) and _close(nums.hi[i], iv.hi), (text, iv)
        assert (nums.lo_open[i], nums.hi_open[i]) == (iv.lo_open, iv.hi_open), text


# --- lazy columns -----------------------------------------------------------------------

def test_lazy_columns_behave_as_lists() -> None:
    texts = ["b", "a", None, "b", ""]
    codes, values = distinct(pa.chunked_array([pa.array(texts, pa.large_string())]))
    coded = CodedText(codes, values.to_pylist())
    expected = ["b", "a", "", "b", ""]
    assert len(coded) == 5
    assert list(coded) == expected
    assert coded == expected
    assert coded[1] == expected[1] and coded[-1] == expected[-1]
    assert coded[1:4] == expected[1:4] and coded[::2] == expected[::2]
    assert coded.take_distinct(["B", "A", "-"]).tolist() == ["B", "A", "-", "B", "-"]
    with pytest.raises(IndexError):
        coded[5]


# --- Arrow <-> NumPy helpers (qc/engine/arrowbuf.py) ------------------------------------------

@SETTINGS
@given(st.lists(st.booleans(), max_size=70), st.integers(0, 20), st.integers(0, 70))
def test_bool_helpers_round_trip_like_pyarrow(mask: list[bool], start: int, size: int) -> None:
    array = arrowenv.bools(np.array(mask, dtype=bool)).slice(start, size)
    assert arrowenv.to_numpy(array).tolist() == array.to_pylist()
    assert arrowenv.to_numpy(pa.chunked_array([array, array])).tolist() == array.to_pylist() * 2


@SETTINGS
@given(st.lists(st.integers(-(2**40), 2**40), max_size=30), st.integers(0, 5))
def test_integer_and_float_helpers_agree_with_pyarrow(values: list[int], start: int) -> None:
    ints = arrowenv.indices(np.array(values, dtype=np.int64)).slice(start)
    assert arrowenv.to_numpy(ints).tolist() == ints.to_pylist()
    floats = pc.cast(ints, pa.float64())
    assert arrowenv.to_numpy(floats).tolist() == floats.to_pylist()
    small = pc.cast(pc.bit_wise_and(ints, arrowenv.indices(np.full(len(ints), 0x7F))), pa.int8())
    assert arrowenv.to_numpy(small).tolist() == small.to_pylist()


@SETTINGS
@given(st.lists(st.text(max_size=5), max_size=20))
def test_texts_builds_the_same_array_as_pyarrow(values: list[str]) -> None:
    assert arrowenv.texts(values).equals(pa.array(values, pa.large_string()))
    assert all(arrowenv.text_scalar(v).as_py() == v for v in values)


@given(st.lists(st.text(max_size=6), max_size=12), st.integers(0, 4),
       st.sampled_from(["string", "large_string"]))
def test_string_bytes_are_the_texts_bytes(values: list[str], start: int, kind: str) -> None:
    """arrowbuf.string_bytes: offsets from 0 and the bytes they index, for slices and both
    string widths (what identity's hashes and summary-word scan read)."""
    column = pa.array(values, type=getattr(pa, kind)()).slice(min(start, len(values)))
    offsets, data = arrowenv.string_bytes(column)
    got = [bytes(data[a:b]).decode("utf-8") for a, b in itertools.pairwise(offsets.tolist())]
    assert got == column.to_pylist()
    assert offsets[0] == 0 and len(data) == offsets[-1]


CELL_TEXT = st.one_of(
    st.sampled_from(["", "NA", "n/a", "N/A ", " na", "nA1", "n/aa", "\u212a", "\uff2e\uff21",
                     "N\u00c0", "EXO-1", "2026-01-02", "a\x01", "a\tb", "\x7f", "\u200b"]),
    st.text(alphabet=st.characters(max_codepoint=0x7F), max_size=5),
    st.text(max_size=4))


@given(st.lists(CELL_TEXT, min_size=1, max_size=30))
def test_missing_and_invisible_cells_as_the_patterns_find_them(values: list[str]) -> None:
    """read_cells lower-cases only the cells short enough to be a missing token, and
    `invisible` skips the pattern for ASCII without control characters: the same cells as
    lower-casing every cell and running the pattern over every cell."""
    from qc.engine.cells import INVISIBLE, MISSING_TOKENS, invisible

    cells = read_cells(pa.array(values, type=pa.large_string()))
    every = pc.is_in(pc.utf8_lower(cells.text), value_set=pa.array(MISSING_TOKENS))
    assert cells.missing.tolist() == every.to_pylist()
    assert invisible(cells).tolist() == pc.match_substring_regex(
        cells.text, INVISIBLE).to_pylist()
