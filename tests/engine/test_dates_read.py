"""qc/engine/dates.py reads date text exactly as `pandas.to_datetime(format=..., errors=
"coerce")` does, for ISO and the formats the specs and docs declare, except the two
readings it refuses on purpose (`today`/`now`, a leading minus)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from qc.engine import dates
from qc.engine.cells import read_cells
from qc.rules import dates as date_rule

SETTINGS = settings(max_examples=400)

# The formats the docs declare, and the rest of the ISO family pandas treats specially.
FORMATS = ["%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y", "%m/%d/%Y", "%Y/%m/%d", "%Y.%m.%d",
           "%Y%m%d", "%Y %m %d", "%Y\\%m\\%d", "%Y-%m", "%Y", "%d %m %Y", "%d-%m-%Y",
           "%d.%m.%YT", "%m%d%Y"]
ARABIC = "\u0660\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669"


def _number(width: int) -> st.SearchStrategy[str]:
    return st.builds(lambda n, pad, space: (" " if space else "") + str(n).zfill(pad),
                     st.integers(0, 10 ** width + 5), st.integers(0, width + 1),
                     st.booleans())


digits = st.text(st.sampled_from("0123456789" + ARABIC[:3]), min_size=1, max_size=5)
part = st.one_of(_number(2), _number(4), digits)
sep = st.sampled_from(["-", ".", "/", "\\", " ", "  ", "\t", "", "T", "t", ",", "--"])
structured = st.builds(lambda a, s1, b, s2, c, lead, tail: lead + a + s1 + b + s2 + c + tail,
                       part, sep, part, sep, part, st.sampled_from(["", "", " ", "-", "+"]),
                       st.sampled_from(["", "", " ", "T", "T00", "Z", "0"]))
free = st.text(st.sampled_from("0123456789-./\\ T" + ARABIC[:2]), max_size=12)
words = st.sampled_from(["", "today", "now", "Today", "NaT", "nan", "N/A", "soon",
                         "2026-02-29", "2024-02-29", "0000-02-29", "0000-01-01",
                         "9999-12-31", "-2026-03-07", "+2026-03-07", "12026-03-07",
                         "07.03.2026", "7.3.2026", "2026-3-7", "2026- 3- 7", "2026-03- 7"])
texts = st.lists(st.one_of(structured, free, words), min_size=1, max_size=30)


def _pandas(values: list[str], fmt: str) -> list[object]:
    read = pd.to_datetime(pd.Series(values, dtype=object), format=fmt, errors="coerce")
    return read.to_numpy().astype("datetime64[D]").tolist()  # type: ignore[no-any-return]


def _refused(text: str) -> bool:
    return text.startswith("-") or text in ("today", "now")


@SETTINGS
@given(texts, st.sampled_from(FORMATS))
@example(["07.03.\u0662\u0660\u0662\u0666", "1\u0662.03.2026"], "%d.%m.%Y")
@example(["2026  03\t07"], "%Y %m %d")
@example(["2026-03- 7", "2026-3-7", "0000-02-29", "2026-02-29", "\u0662\u0660\u0662\u0666-03-07",
          "2026-03-07T00", "20260307"], "%Y-%m-%d")
@example(["20260307", "2026037", "202637", "-20260307"], "%Y%m%d")
@example(["2026-3", "2026-03-07", "2026"], "%Y-%m")
def test_read_texts_agrees_with_pandas(values: list[str], fmt: str) -> None:
    got = dates.read_texts(values, fmt).tolist()
    want = _pandas(values, fmt)
    for text, mine, theirs in zip(values, got, want, strict=True):
        if _refused(text):
            assert mine is None, text
        else:
            assert mine == theirs, (text, fmt)


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_readable_formats_never_import_pandas(fmt: str) -> None:
    assert dates.compile_format(fmt) is not None


@pytest.mark.parametrize("fmt", ["%d %b %Y", "%y-%m-%d", "%d.%m.%Y %H:%M", "%d%d", "%Y-%m-%d%"])
def test_other_formats_go_to_pandas_and_agree(fmt: str) -> None:
    assert dates.compile_format(fmt) is None
    values = ["07 Mar 2026", "26-03-07", "07.03.2026 10:00", "0707", "2026-03-07"]
    if fmt in ("%d%d", "%Y-%m-%d%"):
        with pytest.raises(Exception):  # noqa: B017  pandas refuses the format itself
            _pandas(values, fmt)
        return
    assert dates.read_texts(values, fmt).tolist() == _pandas(values, fmt)
    assert dates.read_texts(["today", "now"], fmt).tolist() == [None, None]
    assert None not in _pandas(["today", "now"], fmt)


def test_refused_readings_are_what_pandas_would_have_read() -> None:
    """The deviations are real: pandas reads these, exoqc does not."""
    values = ["today", "now", "-2026-03-07"]
    assert all(v is not None for v in _pandas(values, "%Y-%m-%d"))
    assert dates.read_texts(values, "%Y-%m-%d").tolist() == [None, None, None]


def test_a_wall_clock_word_in_a_date_cell_fails_as_unreadable() -> None:
    cells = read_cells(pa.array(["today", "2026-03-07", "-2026-03-07"], pa.large_string()))
    read = date_rule.read_dates(cells, (dates.ISO, "%d.%m.%Y"))
    assert read.readable.tolist() == [False, True, False]
    assert read.problem[0] == "cannot read 'today' as a date (ISO 2026-03-07 or %d.%m.%Y)"
    assert np.isnat(read.first[[0, 2]]).all()
