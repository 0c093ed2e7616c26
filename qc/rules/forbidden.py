"""`forbidden`: an entry names a family. The cell fails when the entry's tokens (qc/rules/text.py
`key`) start a run of the cell's tokens, its last token as a prefix: `HEK293` catches
`HEK-293`, `HEK293T` and `HEK 293 FT`; `HeLa` catches `hela s3` and `HeLa-derived EVs` but
never `donor MICHELA-07`; `MCF-7` catches `MCF 7`. A name that leaves out the family's
first token (`293-T`) needs its own entry. A cell that is not a result at all (`Pending`,
`#N/A`, `TBD`) is `invalid` rather than out of spec.

```yaml
- name: source
  column: cell_source
  forbidden: [HeLa, HEK293]
```
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import numpy as np

from qc.engine.cells import Cells
from qc.model import Forbidden, Readings, Reason, Status
from qc.rules.entry import Entry
from qc.rules.outcome import Outcome, blank, mark, states
from qc.rules.text import distinct_keys, fold_cells, key, non_results

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


def names(entry: tuple[str, ...], cell: tuple[str, ...]) -> bool:
    """Whether an entry's tokens start a run of the cell's tokens, the last as a prefix."""
    *whole, last = entry
    width = len(entry)
    return any(cell[i:i + width - 1] == tuple(whole) and cell[i + width - 1].startswith(last)
               for i in range(len(cell) - width + 1))


def evaluate(rule: Forbidden, cells: Cells, **_: object) -> Outcome:
    entries = [(v, key(v)) for v in rule.values]
    codes, keys = distinct_keys(cells)
    named = [[v for v, k in entries if names(k, cell)] for cell in keys]
    bad = np.array([bool(n) for n in named] or [False], dtype=bool)[codes]
    junk = non_results(fold_cells(cells))
    out = blank(len(cells))
    mark(out, bad & ~junk, Status.FAIL, Reason.OUT_OF_SPEC)
    mark(out, junk, Status.FAIL, Reason.INVALID)
    for i in np.flatnonzero(bad | junk).tolist():
        text = cells.text[i].as_py()
        if junk[i]:
            out.message[i] = f"{text!r} is not a result"
            continue
        out.message[i] = f"{text!r} names a forbidden entry: {', '.join(named[codes[i]])}"
    return replace(out, readings=Readings(states(len(cells), not_a_result=junk)))


def notation(rule: Forbidden) -> str:
    return "not: " + ", ".join(rule.values)
