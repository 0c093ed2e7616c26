"""Built in, first in every batch: the batch id is present, is an id (not `#N/A`, `NULL`,
`TBD`: see rules/text.py NON_RESULTS) and no other row carries it.

Rows sharing an id all fail (not only the later ones), because no one can tell which
row is the real batch; ids compare ignoring case and surrounding spaces.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from qc.model import Identity, Reason, Status
from qc.rules.outcome import Outcome, blank, mark
from qc.rules.text import NON_RESULTS
from qc.values import Cells


def evaluate(rule: Identity, cells: Cells, *, rows: npt.NDArray[np.int64],
             inputs: list[str], input_index: npt.NDArray[np.int64], **_: object) -> Outcome:
    out = blank(len(cells))  # an empty id fails as missing in the engine, like any cell
    keys = pd.Series(pc.utf8_lower(cells.text).to_numpy(zero_copy_only=False), dtype=object)
    # `#N/A`, `NULL`, `TBD`: a formula or an export that failed, not a batch's id.
    junk = pc.is_in(keys.to_numpy(), value_set=pa.array(NON_RESULTS)).to_numpy(
        zero_copy_only=False) & ~cells.missing
    mark(out, junk, Status.FAIL, Reason.INVALID)
    for i in np.flatnonzero(junk).tolist():
        out.message[i] = f"{cells.text[i].as_py()!r} is not a batch id"
    dup = keys.duplicated(keep=False).to_numpy() & ~cells.missing & ~junk
    if not dup.any():
        return out
    mark(out, dup, Status.FAIL, Reason.INVALID)
    where: dict[str, list[int]] = defaultdict(list)
    positions = np.flatnonzero(dup).tolist()
    for i in positions:
        where[keys[i]].append(i)
    several_inputs = len(set(input_index.tolist())) > 1
    for i in positions:
        others = [j for j in where[keys[i]] if j != i]
        out.message[i] = "batch id also on " + ", ".join(
            _place(j, rows, inputs, input_index, several_inputs) for j in others)
    return out


def _place(j: int, rows: npt.NDArray[np.int64], inputs: list[str],
           input_index: npt.NDArray[np.int64], several_inputs: bool) -> str:
    if several_inputs:
        return f"{inputs[int(input_index[j])]} row {int(rows[j])}"
    return f"row {int(rows[j])}"
