"""Built in, first in every batch: the batch id is present, is an id (not `#N/A`, `NULL`,
`TBD`: see rules/text.py NON_RESULTS) and no other row carries it.

Rows sharing an id all fail (not only the later ones), because no one can tell which
row is the real batch. Ids compare on their normalised form (qc/text.py `id_keys`: NFKC,
case, invisible characters, spaces, dashes and underscores ignored, digits of every script
read as ASCII digits), so `EXO-001`, `exo 001` + a zero-width space and `EXO-\u0660\u0660\u0661`
are one id. A message names at most a few other rows, so
that work and report size grow linearly with the rows sharing an id.
"""

from __future__ import annotations

import functools
import re

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
from msgspec.structs import replace

from qc.engine.arrowbuf import indices, string_bytes, texts, to_numpy
from qc.engine.cells import MISSING_TOKENS, Cells
from qc.model import Identity, Readings, Reason, Status
from qc.rules.outcome import Outcome, blank, mark, states
from qc.rules.text import NON_RESULTS
from qc.text import SUMMARY_WORDS, id_keys, summary_word

SHOWN = 3  # other rows named in a duplicate-id message; the rest are counted

# Plain ASCII text without a control character reads as a summary word only if it
# starts with one: `summary_word` itself (NFKC, invisible characters, whitespace) is
# asked only about the texts this lets through and about every other text.
assert all(re.fullmatch(r"[a-z% ]+", w) for w in SUMMARY_WORDS)
_MAYBE_SUMMARY = ("(?i)^ *(?:" + "|".join(w.replace(" ", " +") for w in SUMMARY_WORDS)
                  + ") *(?::|$)")

# The bytes that can begin a text _MAYBE_SUMMARY matches.
_STARTS = np.zeros(256, dtype=bool)
_STARTS[[ord(" "), *(ord(c) for w in SUMMARY_WORDS for c in (w[0], w[0].upper()))]] = True

RULE = Identity
CELLWISE = False  # looks at every row: a repeated id fails on each of them


def evaluate(rule: Identity, cells: Cells, *, rows: npt.NDArray[np.int64],
             inputs: list[str], input_index: npt.NDArray[np.int64], **_: object) -> Outcome:
    out = blank(len(cells))  # an empty id fails as missing in the engine, like any cell
    folded = id_keys(cells.text)
    # `#N/A`, `NULL`, `TBD`: a formula or an export that failed, not a batch's id. Ids are
    # compared by their keys, so `T-B-D` and `N A` are placeholders as `TBD` and `NA` are.
    junk = to_numpy(pc.is_in(folded, value_set=_placeholder_keys())) & ~cells.missing
    mark(out, junk, Status.FAIL, Reason.INVALID)
    for i in np.flatnonzero(junk).tolist():
        out.message[i] = f"{cells.text[i].as_py()!r} is not a batch id"
    # `Mean`, `Total`, `Approved by` between batch rows: a summary row inside the data
    # (rows under the data are set aside by the reader, qc/inputs/layout.py), never a batch.
    summary = summary_rows(cells.text)
    if summary.any():
        summary &= ~cells.missing & ~junk
        mark(out, summary, Status.FAIL, Reason.INVALID)
        for i in np.flatnonzero(summary).tolist():
            out.message[i] = (f"{cells.text[i].as_py()!r} looks like a summary row inside the "
                              "data, not a batch id")
        junk = junk | summary
    # An id made only of separators (`_`, `-_-`, a zero-width space) names no batch.
    empty = (to_numpy(pc.binary_length(folded)) == 0) & ~cells.missing & ~junk
    if empty.any():
        mark(out, empty, Status.FAIL, Reason.INVALID)
        for i in np.flatnonzero(empty).tolist():
            out.message[i] = f"{cells.text[i].as_py()!r} is not a batch id"
        junk = junk | empty
    # Every copy of a repeated id: a key that occurs more than once among the rows that
    # hold an id (a missing, placeholder or summary row is no copy of anything).
    keys = np.full(len(cells), -1, dtype=np.intp)
    candidates, codes, counts = repeats(folded)
    keys[candidates] = codes
    keys[cells.missing | junk] = -1
    held = np.flatnonzero(keys >= 0)
    counts = np.bincount(keys[held], minlength=len(counts))
    dup = np.zeros(len(cells), dtype=bool)
    dup[held[counts[keys[held]] > 1]] = True
    out = replace(out, readings=Readings(states(len(cells), not_a_result=junk)))
    if not dup.any():
        return out
    mark(out, dup, Status.FAIL, Reason.INVALID)
    positions = np.flatnonzero(dup)
    # The first SHOWN + 1 rows of each repeated id, in row order: enough to name SHOWN
    # others for every row (a row among them skips itself).
    first: dict[int, list[int]] = {}
    for i in positions.tolist():
        seen = first.setdefault(int(keys[i]), [])
        if len(seen) <= SHOWN:
            seen.append(i)
    several_inputs = len(set(input_index.tolist())) > 1
    for i in positions.tolist():
        key = int(keys[i])
        others = [j for j in first[key] if j != i][:SHOWN]
        rest = int(counts[key]) - 1 - len(others)
        named = ", ".join(_place(j, rows, inputs, input_index, several_inputs) for j in others)
        if rest:
            named += f" and {rest:,} other row{'s' if rest > 1 else ''}"
        out.message[i] = "batch id also on " + named
    return out


def _place(j: int, rows: npt.NDArray[np.int64], inputs: list[str],
           input_index: npt.NDArray[np.int64], several_inputs: bool) -> str:
    if several_inputs:
        return f"{inputs[int(input_index[j])]} row {int(rows[j])}"
    return f"row {int(rows[j])}"


def notation(rule: Identity) -> str:
    return "present and unique"


Ints = npt.NDArray[np.intp]
_MIX = np.uint64(0x9E3779B97F4A7C15)
_WIDEST_HASHED = 64  # bytes: longer keys are all compared exactly


@functools.cache
def _placeholder_keys() -> pa.Array:
    """The id keys of NON_RESULTS and of the missing tokens (`-` and `--` have none: an id of
    separators only is caught as such)."""
    keys = id_keys(texts((*NON_RESULTS, *MISSING_TOKENS)))
    return pc.take(keys, indices(np.flatnonzero(to_numpy(pc.binary_length(keys)))))


def repeats(keys: pa.Array) -> tuple[Ints, Ints, Ints]:
    """(rows, codes, counts): the rows whose key may occur more than once, each one's code
    among them (equal codes exactly when the keys are equal) and how many rows hold each
    code. A row left out holds a key no other row holds.

    Every key is compared exactly: a 64-bit hash of each key (ASCII keys of at most
    _WIDEST_HASHED bytes, padded to one width) only narrows the rows to those whose hash
    repeats, since equal keys have equal hashes; a sort of the hashes finds them
    (dictionary-encoding a million distinct ids took several times as long)."""
    rows = np.arange(len(keys), dtype=np.intp)
    hashes = _hashes(keys)
    if hashes is not None and len(keys):
        ordered = np.sort(hashes)
        twice = ordered[1:][ordered[1:] == ordered[:-1]]  # sorted (np.unique imports np.ma)
        rows = np.empty(0, dtype=np.intp)
        if twice.size:  # each row's hash looked up among the few repeated ones
            at = np.minimum(np.searchsorted(twice, hashes), len(twice) - 1)
            rows = np.flatnonzero(twice[at] == hashes).astype(np.intp)
    if not rows.size:
        return rows, rows, rows
    exact = pc.dictionary_encode(keys if rows.size == len(keys) else pc.take(keys, indices(rows)))
    codes = to_numpy(exact.indices).astype(np.intp, copy=False)
    return rows, codes, np.bincount(codes).astype(np.intp)


def _hashes(keys: pa.Array) -> npt.NDArray[np.uint64] | None:
    """A 64-bit hash of each key, or None where keys are not ASCII or some is too long."""
    if keys.null_count or not pc.all(pc.string_is_ascii(keys)).as_py():
        return None
    width = pc.max(pc.binary_length(keys)).as_py() or 0
    if width > _WIDEST_HASHED:
        return None
    width = max(8, -(-width // 8) * 8)
    # ASCII padded with one byte (NUL: never part of a key) to one width: equal keys are
    # equal rows of 8-byte words, mixed into one hash word by word.
    _, data = string_bytes(pc.utf8_rpad(keys, width=width, padding="\x00"))
    words = data.view(np.uint64).reshape(len(keys), width // 8)
    hashes = np.zeros(len(keys), dtype=np.uint64)
    for j in range(width // 8):
        hashes ^= words[:, j]
        hashes *= _MIX
        hashes ^= hashes >> np.uint64(29)
    return hashes


def summary_rows(text: pa.Array) -> npt.NDArray[np.bool_]:
    """Which cells `summary_word` reads a summary word in, each distinct text asked once
    and only where the answer can be a word (at 1M distinct batch ids, asking every one
    took seconds)."""
    if not text.null_count and pc.all(pc.string_is_ascii(text)).as_py():
        # ASCII, the common case, byte by byte: a control character anywhere, or a first
        # byte that can start a summary word (then the pattern decides).
        control = ~to_numpy(pc.ascii_is_printable(text))
        offsets, data = string_bytes(text)
        filled = np.flatnonzero(np.diff(offsets))
        may_start = np.zeros(len(text), dtype=bool)
        may_start[filled] = _STARTS[data[offsets[filled]]]
        starts = np.flatnonzero(may_start & ~control)
        if starts.size:
            control[starts] = to_numpy(pc.match_substring_regex(
                pc.take(text, indices(starts)), _MAYBE_SUMMARY))
        maybe = np.flatnonzero(control)
    else:
        plain = to_numpy(pc.string_is_ascii(text)) & ~to_numpy(
            pc.match_substring_regex(text, r"[\x00-\x1f\x7f]"))
        maybe = np.flatnonzero(~plain | to_numpy(
            pc.match_substring_regex(text, _MAYBE_SUMMARY)))
    out = np.zeros(len(text), dtype=bool)
    if maybe.size:
        encoded = pc.dictionary_encode(pc.take(text, indices(maybe)))
        words = np.array([t is not None and summary_word(t) is not None
                          for t in encoded.dictionary.to_pylist()], dtype=bool)
        out[maybe] = words[to_numpy(encoded.indices).astype(np.intp, copy=False)]
    return out
