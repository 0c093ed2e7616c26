"""The fast paths agree with the reference paths they stand in for.

- records.read_fast (pyarrow.csv) against records.read_general (pandas' C parser): the
  same columns for every file the fast reader accepts, and it declines (returns None)
  every file the general reader rejects, so errors keep their exact messages.
- The engine's distinct-text evaluation of cell-wise rules against judging every row.
- values.parse_numbers (Arrow kernels) against values.parse_one, cell by cell.
- The lazy report columns behave as the lists they replace.
"""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qc import arrowenv, engine, records, units
from qc.columns import ArrowText, CodedText, distinct
from qc.errors import InputError
from qc.model import Allowed, Check, Equals, Forbidden, Limits, Pattern
from qc.values import Cells, Interval, parse_numbers, parse_one, read_cells

SETTINGS = settings(max_examples=300, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])

# --- CSV readers -------------------------------------------------------------------------

FIELD = st.text(alphabet='ab µ"\t;,\n\r', max_size=6)


@st.composite
def csv_bytes(draw: st.DrawFn) -> bytes:
    """Mostly well-formed files with a few quirks: quotes, blank or ragged rows, BOM, CRLF."""
    width = draw(st.integers(1, 4))
    delimiter = draw(st.sampled_from([",", ";", "\t"]))
    header = [draw(st.sampled_from(["id", "Size", "size ", "a b", "µ"])) for _ in range(width)]
    lines = [delimiter.join(header)]
    for _ in range(draw(st.integers(0, 6))):
        cells = draw(st.lists(FIELD, min_size=width - 1 if width > 1 else 0,
                              max_size=width + 1))
        quoted = [f'"{c}"' if draw(st.booleans()) and '"' not in c else c for c in cells]
        lines.append(delimiter.join(quoted))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    text = newline.join(lines) + draw(st.sampled_from(["", newline]))
    bom = draw(st.sampled_from([b"", b"\xef\xbb\xbf"]))
    return bom + text.encode("utf-8")


def _plain(parsed: records.Parsed) -> tuple[dict[str, list[str | None]], dict[str, str]]:
    columns, duplicated = parsed
    return {k: c.to_pylist() for k, c in columns.items()}, duplicated


@SETTINGS
@given(csv_bytes())
def test_fast_reader_agrees_with_the_general_reader(raw: bytes) -> None:
    fast = records.read_fast(raw, "f.csv")
    try:
        general = records.read_general(raw, "f.csv")
    except InputError:
        assert fast is None  # the general reader's error message is the one shown
        return
    if fast is not None:
        assert _plain(fast) == _plain(general)


@pytest.mark.parametrize("raw", [
    b"id,size\nA,1\n\nB,2\n",  # blank line: kept as an empty row, dropped with its number
    b"id,size\r\nA,1\r\nB,2\r\n",
    b"\xef\xbb\xbfid,size\nA,0.1 \xc2\xb5m\n",
    b"id;size\nA;1,5\n",
])
def test_fast_reader_reads_common_quirks_like_the_general_reader(raw: bytes) -> None:
    fast = records.read_fast(raw, "f.csv")
    assert fast is not None
    assert _plain(fast) == _plain(records.read_general(raw, "f.csv"))


@pytest.mark.parametrize("raw", [
    "id,size\nA,µ\n".encode("utf-16"),
    "id,size\nA,0.1 µm\n".encode("cp1252"),
    b"id,size\nA,1,2\n",  # more fields than the header
    b"id,size\nA\n",  # fewer
    b"\nid,size\nA,1\n",  # blank first line
    b'"id\nx",size\nA,1\n',  # quotes: pandas and Arrow read stray ones differently
    b'id,size\nA,"1"\n',
])
def test_fast_reader_declines_what_it_does_not_handle(raw: bytes) -> None:
    assert records.read_fast(raw, "f.csv") is None


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
                     "7,4", "1e309", "x", "EXO-2026-001"]),
    st.from_regex(r"[<>]?[0-9]{1,3}(\.[0-9]{1,3})? ?(nm|µm|%)?", fullmatch=True),
)
RULES = [
    Limits(unit="nm", min=Decimal(30), max=Decimal(150), warn_max=Decimal(140)),
    Limits(max=Decimal("1.0")),
    Allowed(("no growth", "negative")),
    Forbidden(("HeLa", "HEK293")),
    Equals(True),
    Pattern(r"EXO-\d{4}-\d{3}"),
]


def _table(texts: list[str | None]) -> records.Table:
    column = pa.chunked_array([pa.array(texts, pa.large_string())])
    n = len(texts)
    return records.Table(inputs=(), columns={"c": column}, present={"c": frozenset({0})},
                         duplicated={}, rows=np.arange(2, n + 2), input_index=np.zeros(n, int))


@SETTINGS
@given(st.lists(st.one_of(st.none(), CELL), min_size=1, max_size=40),
       st.sampled_from(RULES), st.booleans())
def test_distinct_evaluation_equals_judging_every_row(texts: list[str | None], rule: object,
                                                      required: bool) -> None:
    check = Check("c", "c", rule, required=required)  # type: ignore[arg-type]
    table = _table(texts)
    table = records.Table((records.InputFile("f", "", len(texts)),), table.columns,
                          table.present, {}, table.rows, table.input_index)
    fast = engine._judge(check, table, engine.Options())
    cells = read_cells(table.columns["c"])
    slow = engine._evaluate(check, cells, table, engine.Options())
    assert fast.status.tolist() == slow.status.tolist()
    assert fast.reason.tolist() == slow.reason.tolist()
    assert list(fast.message) == slow.message.tolist()
    assert list(fast.value) == cells.as_list()


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
        if abs(iv.lo if iv.lo.is_finite() else iv.hi) > Decimal("1e300"):
            continue  # at the edge of the double range the float path may call it overflow
        assert nums.valid[i], (text, iv)
        assert _close(nums.lo[i], iv.lo) and _close(nums.hi[i], iv.hi), (text, iv)
        assert (nums.lo_open[i], nums.hi_open[i]) == (iv.lo_open, iv.hi_open), text


# --- lazy columns -----------------------------------------------------------------------

def test_lazy_columns_behave_as_lists() -> None:
    texts = ["b", "a", None, "b", ""]
    arrow = ArrowText(pa.array(texts, pa.large_string()))
    codes, values = distinct(pa.chunked_array([pa.array(texts, pa.large_string())]))
    coded = CodedText(codes, values.to_pylist())
    for column, expected in ((arrow, texts), (coded, ["b", "a", "", "b", ""])):
        assert len(column) == 5
        assert list(column) == expected
        assert column == expected
        assert column[1] == expected[1] and column[-1] == expected[-1]
        assert column[1:4] == expected[1:4] and column[::2] == expected[::2]
    assert coded.take_distinct(["B", "A", "-"]).tolist() == ["B", "A", "-", "B", "-"]
    with pytest.raises(IndexError):
        arrow[5]


# --- Arrow <-> NumPy helpers (qc/arrowenv.py) ------------------------------------------

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
