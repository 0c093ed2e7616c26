"""`forbidden`: the value fails when an entry occurs in it as whole words, ignoring case and
runs of spaces: `forbidden: [HeLa]` catches `hela s3` and `HeLa-derived EVs` but not
`donor MICHELA-07`. It also fails when the entry's tokens (qc/text.py `tokens`: width,
case, dash and space variants folded, letters split from digits) occur in a row among the
cell's: `HEK 293`, `HEK-293` and `HEK293T` all name `HEK293`, and so do spellings with
look-alike letters of other scripts (Greek alpha, Latin small capitals). A cell that is not a result
at all (`Pending`, `#N/A`, `TBD`) is `invalid` rather than out of spec.

```yaml
- name: source
  column: cell_source
  forbidden: [HeLa, HEK293]
```
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow.compute as pc

from qc.engine.arrowbuf import indices, to_numpy
from qc.engine.cells import Cells
from qc.model import Forbidden, Readings, Reason, Status
from qc.rules.entry import Entry
from qc.rules.outcome import Outcome, blank, mark, states
from qc.rules.text import SPACE, fold_cells, non_results
from qc.text import skeleton, tokens

_EDGE_L = r"(?:^|[^\pL\pN_])"
_EDGE_R = r"(?:$|[^\pL\pN_])"

RULE = Forbidden
KEYS = ("forbidden",)
LABEL = NAMED = "forbidden"  # how the builder names this rule
CELLWISE = True  # a cell's verdict depends on its text alone (see qc.rules.CELLWISE)


def chosen(item: Mapping[str, Any]) -> bool:
    """Whether a check's mapping sets this rule."""
    return "forbidden" in item


def build(entry: Entry) -> Forbidden:
    entry.plain()
    return Forbidden(tuple(entry.item["forbidden"]))


def _literal(word: str) -> str:
    """An RE2 pattern for a word or phrase, any run of spaces inside matching any other."""
    escaped = (re.escape(part) for part in word.split())
    return SPACE.join(escaped)


def _contains(cell: tuple[str, ...], entry: tuple[str, ...]) -> bool:
    """Whether the entry's tokens occur in the cell's tokens, in a row."""
    n = len(entry)
    return n > 0 and any(cell[i:i + n] == entry for i in range(len(cell) - n + 1))


def _names(text: str, entries: list[tuple[str, ...]]) -> bool:
    """Whether the text names an entry as written, or as read with its look-alike letters
    taken for the Latin ones (qc/text.py `skeleton`: `He\u029f\u03b1` is HeLa)."""
    return any(_contains(t, e) for t in {tokens(text), tokens(skeleton(text))} for e in entries)


def _token_hits(rule: Forbidden, cells: Cells) -> npt.NDArray[np.bool_]:
    """Which cells name an entry once both are read as tokens (qc/text.py `tokens`): the
    respellings `HEK 293`, `HEK-293`, `HEK\uff12\uff19\uff13` of `HEK293`. Each distinct
    cell text is tokenised once."""
    entries = [tokens(v) for v in rule.values]
    # Only cells that might name an entry are tokenised: an ASCII cell names one only if its
    # letters and digits, lower-cased and run together, hold the entry's tokens run together.
    text = cells.text
    squeezed = pc.replace_substring_regex(pc.utf8_lower(text), r"[^a-z0-9]+", "")
    maybe = ~to_numpy(pc.string_is_ascii(text))
    for entry in entries:
        maybe |= to_numpy(pc.match_substring(squeezed, re.sub(r"[^a-z0-9]", "", "".join(entry))))
    hits = np.zeros(len(cells), dtype=bool)
    rows = np.flatnonzero(maybe)
    if rows.size:
        encoded = pc.dictionary_encode(pc.take(text, indices(rows)))
        named = np.array([_names(t, entries) for t in encoded.dictionary.to_pylist()] or [False])
        hits[rows] = named[to_numpy(encoded.indices).astype(np.intp, copy=False)]
    return hits


def evaluate(rule: Forbidden, cells: Cells, **_: object) -> Outcome:
    words = "|".join(_literal(v) for v in rule.values)
    hit = pc.match_substring_regex(cells.text, f"(?i){_EDGE_L}(?:{words}){_EDGE_R}")
    bad = to_numpy(hit) | _token_hits(rule, cells)
    junk = non_results(fold_cells(cells))
    out = blank(len(cells))
    mark(out, bad & ~junk, Status.FAIL, Reason.OUT_OF_SPEC)
    mark(out, junk, Status.FAIL, Reason.INVALID)
    for i in np.flatnonzero(bad | junk).tolist():
        text = cells.text[i].as_py()
        if junk[i]:
            out.message[i] = f"{text!r} is not a result"
            continue
        named = [v for v in rule.values
                 if _word(v).search(text) or _names(text, [tokens(v)])]
        out.message[i] = f"{text!r} names a forbidden entry: {', '.join(named) or '(see spec)'}"
    return replace(out, readings=Readings(states(len(cells), not_a_result=junk)))


def _word(entry: str) -> re.Pattern[str]:
    """Python's twin of the RE2 word match, only to name the entry in a message."""
    words = r"\s+".join(re.escape(part) for part in entry.split())
    return re.compile(rf"(?:^|[\W_]){words}(?:$|[\W_])", re.I)


def notation(rule: Forbidden) -> str:
    return "not: " + ", ".join(rule.values)
