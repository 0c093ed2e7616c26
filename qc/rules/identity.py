"""Built in, first in every batch: the batch id is present, is an id (not `#N/A`, `NULL`,
`TBD`: see rules/text.py NON_RESULTS) and no other row carries it.

Rows sharing an id all fail (not only the later ones), because no one can tell which
row is the real batch; ids compare ignoring case and surrounding spaces.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import numpy.typing as npt
import pyarrow.compute as pc

from qc.engine.arrowbuf import texts, to_numpy
from qc.engine.cells import Cells
from qc.model import Identity, Reason, Status
from qc.rules.outcome import Outcome, blank, mark
from qc.rules.text import NON_RESULTS

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
    # Every copy of a repeated id: a code that occurs more than once (hashing, no sort).
    keys = to_numpy(pc.dictionary_encode(lowered).indices).astype(np.intp, copy=False)
    dup = (np.bincount(keys)[keys] > 1) & ~cells.missing & ~junk
    if not dup.any():
        return out
    mark(out, dup, Status.FAIL, Reason.INVALID)
    where: dict[int, list[int]] = defaultdict(list)
    positions = np.flatnonzero(dup).tolist()
    for i in positions:
        where[int(keys[i])].append(i)
    several_inputs = len(set(input_index.tolist())) > 1
    for i in positions:
        others = [j for j in where[int(keys[i])] if j != i]
        out.message[i] = "batch id also on " + ", ".join(
            _place(j, rows, inputs, input_index, several_inputs) for j in others)
    return out


def _place(j: int, rows: npt.NDArray[np.int64], inputs: list[str],
           input_index: npt.NDArray[np.int64], several_inputs: bool) -> str:
    if several_inputs:
        return f"{inputs[int(input_index[j])]} row {int(rows[j])}"
    return f"row {int(rows[j])}"


def notation(rule: Identity) -> str:
    return "present and unique"
