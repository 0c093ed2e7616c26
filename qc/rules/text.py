"""What the word rules (`allowed`, `forbidden`) and the batch id share: how a cell's text is
folded for comparison, and the words a lab writes where a result should be.

Matching ignores case and runs of spaces. Cells that are not results at all (`Pending`,
`#N/A`, `TBD`) are `invalid` rather than out of spec.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from qc.engine.arrowbuf import texts, to_numpy
from qc.engine.cells import Cells

# Words a lab writes where a result should be: never a result, whatever the rule.
NON_RESULTS = (
    "pending", "in progress", "tbd", "nt", "not tested", "not done", "invalid", "cancelled",
    "repeat", "null", "nan", "none", "-", "--", "—", "?", "#n/a", "#value!", "#div/0!",
    "#ref!", "#name?", "#num!", "#null!",
)
SPACE = r"[\s\x{00A0}]+"  # a run of spaces, in RE2 syntax


def fold(text: str) -> str:
    """Case and spacing folded the way the word rules compare."""
    return " ".join(text.split()).lower()


def fold_cells(cells: Cells) -> pa.Array:
    """Every cell folded as `fold` does, in Arrow."""
    return pc.utf8_lower(pc.replace_substring_regex(cells.text, SPACE, " "))


def non_results(folded: pa.Array) -> np.ndarray:
    """Which folded cells are one of NON_RESULTS."""
    return to_numpy(pc.is_in(folded, value_set=texts(NON_RESULTS)))
