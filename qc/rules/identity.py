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

import re
from dataclasses import replace

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from qc.engine.arrowbuf import indices, texts, to_numpy
from qc.engine.cells import Cells
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

RULE = Identity
CELLWISE = False  # looks at every row: a repeated id fails on each of them


def evaluate(rule: Identity, cells: Cells, *, rows: npt.NDArray[np.int64],
             inputs: list[str], input_index: npt.NDArray[np.int64], **_: object) -> Outcome:
    out = blank(len(cells))  # an empty id fails as missing in the engine, like any cell
    lowered = pc.utf8_lower(cells.text)
    # `#N/A`, `NULL`, `TBD`: a formula or an export that failed, not a batch's id.
    junk = to_numpy(pc.is_in(lowered, value_set=texts(NON_RESULTS))) & ~cells.missing
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
    # Every copy of a repeated id: a code that occurs more than once (hashing, no sort).
    keys = to_numpy(pc.dictionary_encode(id_keys(cells.text)).indices).astype(np.intp,
                                                                             copy=False)
    counts = np.bincount(keys)
    dup = (counts[keys] > 1) & ~cells.missing & ~junk
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


def summary_rows(text: pa.Array) -> npt.NDArray[np.bool_]:
    """Which cells `summary_word` reads a summary word in, each distinct text asked once
    and only where the answer can be a word (at 1M distinct batch ids, asking every one
    took seconds)."""
    plain = to_numpy(pc.string_is_ascii(text)) & ~to_numpy(
        pc.match_substring_regex(text, r"[\x00-\x1f\x7f]"))
    maybe = np.flatnonzero(~plain | to_numpy(pc.match_substring_regex(text, _MAYBE_SUMMARY)))
    out = np.zeros(len(text), dtype=bool)
    if maybe.size:
        encoded = pc.dictionary_encode(pc.take(text, indices(maybe)))
        words = np.array([t is not None and summary_word(t) is not None
                          for t in encoded.dictionary.to_pylist()], dtype=bool)
        out[maybe] = words[to_numpy(encoded.indices).astype(np.intp, copy=False)]
    return out
