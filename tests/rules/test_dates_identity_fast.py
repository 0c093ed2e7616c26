"""The pandas-free paths of two row-wise rules agree with the pandas code they replace.

- Date cells: each distinct text is read once, by qc/engine/dates.py instead of
  `pandas.to_datetime` (tests/engine/test_dates_read.py compares the two per format).
  Same dates, same NaT, for every text.
- Batch identity: repeated ids found with Arrow's dictionary encoding and a bincount
  instead of `pandas.Series.duplicated(keep=False)`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from qc.engine.cells import read_cells
from qc.model import Identity, Status
from qc.rules import dates, identity
from qc.rules.text import NON_RESULTS

SETTINGS = settings(max_examples=300)

# Digits-and-dashes texts hit the NumPy path, month 00/13, day 00/31/32, year 0000 and
# February 29 included; the other texts (padding, other separators, words) go to pandas.
iso_like = st.builds(
    lambda y, m, d: f"{y:04d}-{m:02d}-{d:02d}",
    st.integers(0, 9999), st.integers(0, 13), st.integers(0, 32))
ARABIC_INDIC = "\u0662\u0660\u0662\u0666-\u0660\u0663-\u0660\u0667"  # 2026-03-07
other = st.sampled_from(["2026-3-7", "2026-03-07T00:00", "20260307", "2026/03/07", "",
                         "N/A", "na", "07.03.2026", "2026-03-07 ", ARABIC_INDIC, "soon",
                         "2026-02-29", "2024-02-29", "1677-09-21", "2262-04-12"])
FORMATS = [("%Y-%m-%d",), ("%Y-%m-%d", "%d.%m.%Y"), ("%Y-%m-%d", "%Y-%d-%m")]


def _pandas_readings(texts: list[str], formats: tuple[str, ...]) -> np.ndarray:
    """The code before: one pandas pass per format over every cell."""
    series = pd.Series(texts, dtype=object)
    return np.stack([pd.to_datetime(series, format=f, errors="coerce").to_numpy()
                     .astype("datetime64[D]") for f in formats])


@SETTINGS
@given(st.lists(st.one_of(iso_like, other), min_size=1, max_size=40),
       st.sampled_from(FORMATS))
def test_date_readings_agree_with_pandas(texts: list[str], formats: tuple[str, ...]) -> None:
    cells = read_cells(pa.array(texts, pa.large_string()))
    got = dates.read_dates(cells, formats)
    trimmed = cells.as_list()
    want = _pandas_readings(trimmed, formats)
    ok = ~np.isnat(want)
    first = want[np.argmax(ok, axis=0), np.arange(len(trimmed))]
    conflict = (ok & (want != first)).any(axis=0)
    readable = ok.any(axis=0) & ~conflict & ~cells.missing
    assert got.readable.tolist() == readable.tolist()
    assert got.first[readable].tolist() == first[readable].tolist()
    assert np.isnat(got.first[~readable]).all()
    # every format here names a day: each reading is one day, never a period
    assert got.last[readable].tolist() == first[readable].tolist()


ids = st.sampled_from(["B1", "b1", "B1 ", "B2", "", "N/A", "na", "#N/A", "NULL", "tbd",
                       "Ä1", "ä1", "B3"])


@SETTINGS
@given(st.lists(ids, max_size=30))
def test_repeated_ids_agree_with_pandas_duplicated(values: list[str]) -> None:
    cells = read_cells(pa.array(values, pa.large_string()))
    n = len(values)
    out = identity.evaluate(Identity(), cells, rows=np.arange(2, n + 2, dtype=np.int64),
                            inputs=["b.csv"], input_index=np.zeros(n, dtype=np.int64))
    # The oracle's key: lower case without spaces (qc/text.py id_keys folds those too).
    keys = pd.Series(["".join(v.lower().split()) for v in cells.as_list()], dtype=object)
    junk = keys.isin(NON_RESULTS).to_numpy() & ~cells.missing
    repeated = keys.duplicated(keep=False).to_numpy() & ~cells.missing & ~junk
    said_repeated = [str(m).startswith("batch id also on") for m in out.message]
    assert said_repeated == repeated.tolist()
    for i in np.flatnonzero(repeated).tolist():
        others = [f"row {j + 2}" for j in range(n) if j != i and repeated[j]
                  and keys[j] == keys[i]]
        rest = len(others) - 3
        named = ", ".join(others[:3]) + (f" and {rest} other row{'s' if rest > 1 else ''}"
                                         if rest > 0 else "")
        assert out.message[i] == "batch id also on " + named


# Summary words (`Mean`, `Approved by: ...`) in the id column: identity.summary_words asks
# qc.text.summary_word only about the texts that can be one; the answers must be the same
# as asking about every text.
_PIECES = st.sampled_from(
    ["mean", "MEAN", "Mean", "average", "total", "sd", "SD", "%cv", "%CV", "n", "N", "notes",
     "note", "comment", "comments", "approved", "by", "reviewed", "signature", "Approved by",
     "approved   by", " ", "  ", ":", ": x", "\t", "\n", "\r", "\x01", "\x0b", "\x7f",
     "\u200b", "\u00a0", "\u3000", "\uff2d\uff45\uff41\uff4e", "\ufeff", "\u2028", "EXO-",
     "001", "N1", "x", "é", "\u0415", "\u212a", "size", "-", "Mean size"])
SUMMARY_TEXTS = st.one_of(st.lists(_PIECES, max_size=5).map("".join), st.text(max_size=12))


@SETTINGS
@given(st.lists(SUMMARY_TEXTS, min_size=1, max_size=30))
def test_summary_rows_asks_only_where_a_word_can_be(cells: list[str]) -> None:
    from qc.engine.arrowbuf import texts
    from qc.text import summary_word

    assert identity.summary_rows(texts(cells)).tolist() == [
        summary_word(t) is not None for t in cells]


ASCII_SUMMARY_TEXTS = st.one_of(
    st.lists(_PIECES.filter(str.isascii), max_size=5).map("".join),
    st.text(alphabet=st.characters(max_codepoint=0x7F), max_size=12))


@SETTINGS
@given(st.lists(ASCII_SUMMARY_TEXTS, min_size=1, max_size=30))
def test_summary_rows_of_ascii_text_byte_by_byte(cells: list[str]) -> None:
    """The ASCII path (controls and first bytes read from the buffer) as asking every text."""
    from qc.engine.arrowbuf import texts
    from qc.text import summary_word

    assert identity.summary_rows(texts(cells)).tolist() == [
        summary_word(t) is not None for t in cells]


def test_summary_rows_finds_them_all() -> None:
    from qc.engine.arrowbuf import texts

    cells = ["Mean", " total: 3", "Approved  by: J. Smith", "\uff2d\uff45\uff41\uff4e",
             "M\u200bean", "sd\x01", "EXO-001", "N1", "Mean size", "n", "Mean"]
    assert identity.summary_rows(texts(cells)).tolist() == [
        True, True, True, True, True, True, False, False, False, True, True]


KEYS = st.lists(st.one_of(st.sampled_from(["exo1", "exo2", "", "a" * 64, "a" * 65, "ä1"]),
                          st.text(alphabet="ab\x00", max_size=9)), max_size=40)
HASHES = {
    "real": identity._hashes,
    # Every key colliding, or colliding by length: rows are still told apart exactly.
    "constant": lambda keys: np.zeros(len(keys), dtype=np.uint64),
    "length": lambda keys: np.array([len(k) for k in keys.to_pylist()], dtype=np.uint64),
    "none": lambda keys: None,
}


@SETTINGS
@given(KEYS, st.sampled_from(sorted(HASHES)))
def test_repeats_are_exactly_the_keys_held_twice(keys: list[str], hashing: str) -> None:
    """identity.repeats (a hash and a sort narrow the rows, dictionary encoding decides)
    against counting every key, whatever the hash does."""
    from unittest import mock

    from qc.engine.arrowbuf import texts

    with mock.patch.object(identity, "_hashes", HASHES[hashing]):
        rows, codes, counts = identity.repeats(texts(keys))
    held = pd.Series(keys, dtype=object).duplicated(keep=False).to_numpy()
    found = np.zeros(len(keys), dtype=bool)
    found[rows[counts[codes] > 1]] = True
    assert found.tolist() == held.tolist()
    for a, ca in zip(rows.tolist(), codes.tolist(), strict=True):
        for b, cb in zip(rows.tolist(), codes.tolist(), strict=True):
            assert (ca == cb) == (keys[a] == keys[b])
    assert counts.tolist() == np.bincount(codes, minlength=len(counts)).tolist()


def test_an_id_made_only_of_separators_is_no_batch_id() -> None:
    """`_`, `-_-` or a zero-width space fold to no key at all: invalid, never a pass (and
    never a repeat of another such row)."""
    values = ["_", "-_-", "\u200b", "EXO-1", " _ "]
    cells = read_cells(pa.array(values, pa.large_string()))
    n = len(values)
    out = identity.evaluate(Identity(), cells, rows=np.arange(2, n + 2, dtype=np.int64),
                            inputs=["b.csv"], input_index=np.zeros(n, dtype=np.int64))
    fail, ok = int(Status.FAIL), int(Status.PASS)
    assert out.status.tolist() == [fail, fail, fail, ok, fail]
    assert out.message[0] == "'_' is not a batch id"
    assert out.message[3] is None


def _identity(values: list[str]) -> tuple[list[int], list[str | None]]:
    cells = read_cells(pa.array(values, pa.large_string()))
    n = len(values)
    out = identity.evaluate(Identity(), cells, rows=np.arange(2, n + 2, dtype=np.int64),
                            inputs=["b.csv"], input_index=np.zeros(n, dtype=np.int64))
    return out.status.tolist(), list(out.message)


def test_a_placeholder_is_one_by_its_key_as_ids_compare() -> None:
    """Ids compare ignoring case, spaces and dashes, so `T-B-D` is the placeholder `TBD`, and
    `N-A` the missing token `NA`: each is "not a batch id", never a duplicate of the other
    with a message that names no row."""
    values = ["TBD", "T-B-D", "In-Progress", "n a", "EXO-1", "#N/A"]
    status, message = _identity(values)
    fail, ok = int(Status.FAIL), int(Status.PASS)
    assert status == [fail, fail, fail, fail, ok, fail]
    assert message[:4] == [f"{v!r} is not a batch id" for v in values[:4]]
    assert message[5] == "'#N/A' is not a batch id"


IDS = st.lists(st.sampled_from(["B1", "b-1", "B 1", "B2", "TBD", "t-b-d", "NA", "n-a", "",
                                "Total", "T-otal", "_", "pending", "B3"]),
               min_size=1, max_size=12)


@settings(max_examples=300)
@given(IDS)
def test_a_duplicate_message_names_exactly_the_rows_it_counts(values: list[str]) -> None:
    """Every duplicate-id message names other rows that fail as copies of the same id, and
    names or counts all of them; no two rows that hold an id pass with the same one."""
    import re as _re

    from qc.text import id_keys

    status, message = _identity(values)
    keys = id_keys(pa.array(values, pa.large_string())).to_pylist()
    copies = {i for i, m in enumerate(message) if m and m.startswith("batch id also on ")}
    for i in copies:
        named = _re.findall(r"row (\d+)", message[i])
        rest = _re.search(r" and (\d+) other rows?$", message[i])
        assert named, message[i]
        others = [int(r) - 2 for r in named]
        assert all(j in copies and keys[j] == keys[i] and j != i for j in others)
        group = [j for j in copies if keys[j] == keys[i]]
        assert len(others) + (int(rest.group(1)) if rest else 0) == len(group) - 1
    missing = read_cells(pa.array(values, pa.large_string())).missing  # the engine's to fail
    passing = [keys[i] for i, s in enumerate(status) if s == int(Status.PASS) and not missing[i]]
    assert len(passing) == len(set(passing))
