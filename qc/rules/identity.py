"""Built in, first in every batch: the batch id is present and no other row carries it.

Rows sharing an id all fail (not only the later ones), because no one can tell which
row is the real batch; ids compare ignoring case and surrounding spaces.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import numpy.typing as npt
import pyarrow.compute as pc

from qc.columns import distinct
from qc.model import Identity, Reason, Status
from qc.rules.outcome import Outcome, blank, mark
from qc.values import Cells


def evaluate(rule: Identity, cells: Cells, *, rows: npt.NDArray[np.int64],
             inputs: list[str], input_index: npt.NDArray[np.int64], **_: object) -> Outcome:
    out = blank(len(cells))  # an empty id fails as missing in the engine, like any cell
    keys, _ = distinct(pc.utf8_lower(cells.text))
    dup = (np.bincount(keys)[keys] > 1) & ~cells.missing
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
