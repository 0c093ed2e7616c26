"""`forbidden`: the value fails when an entry occurs in it as whole words, ignoring case and
runs of spaces: `forbidden: [HeLa]` catches `hela s3` and `HeLa-derived EVs` but not
`donor MICHELA-07`. A cell that is not a result at all (`Pending`, `#N/A`, `TBD`) is
`invalid` rather than out of spec.

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
import pyarrow.compute as pc

from qc.engine.arrowbuf import to_numpy
from qc.engine.cells import Cells
from qc.model import Forbidden, Readings, Reason, Status
from qc.rules.entry import Entry
from qc.rules.outcome import Outcome, blank, mark, states
from qc.rules.text import SPACE, fold_cells, non_results

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


def evaluate(rule: Forbidden, cells: Cells, **_: object) -> Outcome:
    words = "|".join(_literal(v) for v in rule.values)
    hit = pc.match_substring_regex(cells.text, f"(?i){_EDGE_L}(?:{words}){_EDGE_R}")
    bad = to_numpy(hit)
    junk = non_results(fold_cells(cells))
    out = blank(len(cells))
    mark(out, bad & ~junk, Status.FAIL, Reason.OUT_OF_SPEC)
    mark(out, junk, Status.FAIL, Reason.INVALID)
    for i in np.flatnonzero(bad | junk).tolist():
        text = cells.text[i].as_py()
        if junk[i]:
            out.message[i] = f"{text!r} is not a result"
            continue
        named = [v for v in rule.values if _word(v).search(text)]
        out.message[i] = f"{text!r} names a forbidden entry: {', '.join(named) or '(see spec)'}"
    return replace(out, readings=Readings(states(len(cells), not_a_result=junk)))


def _word(entry: str) -> re.Pattern[str]:
    """Python's twin of the RE2 word match, only to name the entry in a message."""
    words = r"\s+".join(re.escape(part) for part in entry.split())
    return re.compile(rf"(?:^|[\W_]){words}(?:$|[\W_])", re.I)


def notation(rule: Forbidden) -> str:
    return "not: " + ", ".join(rule.values)
