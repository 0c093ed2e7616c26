"""records.read_fast (pyarrow.csv) stands in for main's general reader (pandas) only where
it gives the same table: same cells, rows, duplicated headers, sha256; every file it takes
is one the general reader reads without error, and it declines anything else (quotes
other than around whole fields, CR-only or stray CR line ends, ragged or too-wide rows,
non-UTF-8), so
errors keep the general reader's exact messages.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qc.errors import InputError
from qc.inputs import read as records

SETTINGS = settings(max_examples=400,
                    suppress_health_check=[HealthCheck.too_slow,
                                           HealthCheck.function_scoped_fixture])

FIELD = st.text(alphabet='ab µ"\t;,\n\r\x0b\x1c\x85\u2028\u200b\xa0', max_size=5)


@st.composite
def csv_bytes(draw: st.DrawFn) -> bytes:
    """Mostly well-formed files with quirks: quotes, blank, ragged or wide rows, BOM, CRLF,
    CR-only, odd whitespace, empty headers, duplicated headers."""
    width = draw(st.integers(1, 4))
    delimiter = draw(st.sampled_from([",", ";", "\t"]))
    header = [draw(st.sampled_from(["id", "Size", "size ", "a b", "µ", ""]))
              for _ in range(width)]
    lines = [delimiter.join(header)]
    for _ in range(draw(st.integers(0, 6))):
        cells = draw(st.lists(FIELD, min_size=max(width - 1, 0), max_size=width + 1))
        quoted = [f'"{c}"' if draw(st.booleans()) and '"' not in c else c for c in cells]
        lines.append(delimiter.join(quoted))
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    text = newline.join(lines) + draw(st.sampled_from(["", newline]))
    bom = draw(st.sampled_from([b"", b"\xef\xbb\xbf"]))
    return bom + text.encode("utf-8")


CLEAN = st.text(alphabet="ab µ\t;,\x0b\x0c\x1c\x1f\x85\u2028\u200b\xa0\u3000#\\'", max_size=4)


@st.composite
def plain_csv_bytes(draw: st.DrawFn) -> bytes:
    """Files the fast reader mostly takes: no quotes, rows as wide as the header (blank
    lines, blank or whitespace-only rows included), so the comparison is not vacuous."""
    width = draw(st.integers(1, 4))
    delimiter = draw(st.sampled_from([",", ";", "\t"]))
    header = [draw(st.sampled_from(["id", "Size", "size ", "a b", "µ", "", " x\u200b"]))
              for _ in range(width)]
    lines = [delimiter.join(header)]
    for _ in range(draw(st.integers(0, 8))):
        cells = [draw(CLEAN).replace(delimiter, "") for _ in range(width)]
        lines.append("" if draw(st.integers(0, 5)) == 0 else delimiter.join(cells))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    text = newline.join(lines) + draw(st.sampled_from(["", newline]))
    bom = draw(st.sampled_from([b"", b"\xef\xbb\xbf"]))
    return bom + text.encode("utf-8")


def _plain(read: records._Read) -> object:
    return ({k: c.to_pylist() for k, c in read.columns.items()}, read.rows.tolist(),
            read.duplicated, read.file, read.broken, read.not_batches, read.units,
            read.headers)


def _general(path: str) -> records._Read:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(records, "read_fast", lambda raw: None)
        return records._read(path, None)


QUOTABLE = st.text(alphabet="ab µ\t;,'\x0b\x1c\x85\u2028\xa0", max_size=4)


@st.composite
def quoted_csv_bytes(draw: st.DrawFn) -> bytes:
    """Files whose quotes mostly wrap whole fields (taken by the fast reader), some not."""
    width = draw(st.integers(1, 4))
    delimiter = draw(st.sampled_from([",", ";", "\t"]))
    quote = st.sampled_from(['"{}"', '"{}"', "{}", ' "{}"', '"{}" ', '"{}""', '"{}\n"'])
    lines = []
    for _ in range(draw(st.integers(1, 6))):
        cells = draw(st.lists(QUOTABLE, min_size=width, max_size=width))
        lines.append(delimiter.join(draw(quote).format(c) for c in cells))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    return (newline.join(lines) + draw(st.sampled_from(["", newline]))).encode()


@SETTINGS
@given(st.one_of(csv_bytes(), plain_csv_bytes(), quoted_csv_bytes()))
def test_fast_reader_agrees_with_the_general_reader(tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes(raw)
    try:
        general: object = _plain(_general(str(path)))
    except InputError as exc:
        general = str(exc)
    if records.read_fast(raw) is None:
        return
    try:
        fast: object = _plain(records._read(str(path), None))
    except InputError as exc:
        fast = str(exc)
    assert fast == general


@pytest.mark.parametrize("raw", [
    b"id,size\nA,1\nB,2\n",
    b"id,size\r\nA,1\r\nB,2\r\n",
    b"\xef\xbb\xbfid,size\nA,0.1 \xc2\xb5m\n",
    b"id;size\nA;1,5\n",
    b"id,,size\nA,,1\n,,\nB,,2",  # an unnamed column with no value in it
    b"id,size,Size\nA,1,2\n",
    b'id,size\nA,"1"\n',  # quotes around whole fields: the Quick-start sample
    b'"batch id",source\r\n"A","UC-MSC, P4, donor 011"\r\nB,""\r\n',
    b'id;size\n"a;b";"1,5"',
    b"id,size\nA,1\n\nB,2\n",  # a blank line: a blank row, its line counted
    b"id\r\nA\r\n\r\n\r\nB\r\n\r\n",
    b"id,size\nA,1\n\nMean,1\n\n",
])
def test_fast_reader_takes_common_files(tmp_path: Path, raw: bytes) -> None:
    assert records.read_fast(raw) is not None
    path = tmp_path / "f.csv"
    path.write_bytes(raw)
    assert _plain(records._read(str(path), None)) == _plain(_general(str(path)))


def test_both_readers_refuse_a_value_under_an_empty_header(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes(b"id,,size\nA,x,1\n,,\nB,,2")
    assert records.read_fast(path.read_bytes()) is not None
    said = []
    for read in (lambda: records._read(str(path), None), lambda: _general(str(path))):
        with pytest.raises(InputError) as caught:
            read()
        said.append(str(caught.value))
    assert said[0] == said[1] == (f"{path}: row 2, column 2: 'x' has a value but its column "
                                  "has no header; name the column or remove the value")


@pytest.mark.parametrize("raw", [
    b"\xff\xfei\x00d\x00,\x00s\x00i\x00z\x00e\x00\n\x00A\x00,\x00\xb5\x00\n\x00",  # UTF-16
    b"id,size\nA,0.1 \xb5m\n",  # Windows-1252
    b"id,size\nA,1,2\n",  # wider than the header: exit 2 with the general reader's message
    b"id,size\nA\n",  # narrower
    b"\nid,size\nA,1\n",  # blank first line
    b'"id\nx",size\nA,1\n',  # a line break inside quotes
    b'id,size\nA,"1""2"\n',  # a doubled quote
    b'id,size\nA, "1"\n',  # text before the opening quote
    b'id,size\nA,"1"x\n',  # text after the closing quote
    b'id,size\nA,"1\rB",2\n',  # a CR inside quotes
    b'\xef\xbb\xbf"id",size\nA,1\n',  # a quoted first field behind a BOM
    b"id,size\rA,1\rB,2\r",  # CR-only line ends
    b"id,size\nA,1\rB,2\n",  # stray CR
    b"id\x85x,size\nA,1\n",  # a header Python splits
    b"id,size",  # no row
])
def test_fast_reader_declines_what_it_does_not_handle(raw: bytes) -> None:
    assert records.read_fast(raw) is None


def test_python_whitespace_is_what_blank_rows_trim() -> None:
    assert set(records._PY_SPACE) == {chr(c) for c in range(0x110000) if chr(c).isspace()}
