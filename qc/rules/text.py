"""What the word rules (`allowed`, `forbidden`) and the batch id share: how a cell's text is
folded for comparison, and the words a lab writes where a result should be.

Cells and entries are compared as token sequences (qc/text.py `tokens`: NFKC, case, every
dash and space variant, letters split from digits, end-of-word polarity kept), so `HEK-293`,
`HEK 293`, `hek293` and `HEK` + thin space + `293` are one spelling. Cells that are not
results at all (`Pending`, `#N/A`, `TBD`) are `invalid` rather than out of spec.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from qc.engine.arrowbuf import texts, to_numpy
from qc.engine.cells import Cells
from qc.text import tokens

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


def key(text: str) -> tuple[str, ...]:
    """How a word rule compares a cell or an entry: its tokens; a text with no token at all
    (`+`, `-`, punctuation) is compared as its folded text, never as an empty match."""
    found = tokens(text)
    return found if found else ("\0", fold(text))


def distinct_keys(cells: Cells) -> tuple[np.ndarray, list[tuple[str, ...]]]:
    """Each cell's code into its distinct texts, and each distinct text's `key` (the
    tokens are computed once per distinct text, not per row)."""
    encoded = pc.dictionary_encode(cells.text)
    codes = to_numpy(encoded.indices).astype(np.intp, copy=False)
    return codes, [key(text) for text in encoded.dictionary.to_pylist()]


def fold_cells(cells: Cells) -> pa.Array:
    """Every cell folded as `fold` does, in Arrow."""
    return pc.utf8_lower(pc.replace_substring_regex(cells.text, SPACE, " "))


def non_results(folded: pa.Array) -> np.ndarray:
    """Which folded cells are one of NON_RESULTS."""
    return to_numpy(pc.is_in(folded, value_set=texts(NON_RESULTS)))
