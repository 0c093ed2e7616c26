"""`allowed`: the whole value is one of the entries: the same tokens (qc/rules/text.py `key`:
case, width, dash and space variants ignored; `No-growth` is `no growth`).
A cell that is not a result at all (`Pending`, `#N/A`, `TBD`) is `invalid` rather than
out of spec.

```yaml
- name: sterility
  column: sterility
  allowed: [no growth, negative]
```
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import numpy as np

from qc.engine.cells import Cells
from qc.model import Allowed, Readings, Reason, Status
from qc.rules.entry import Entry
from qc.rules.outcome import Outcome, blank, mark, states
from qc.rules.text import distinct_keys, fold_cells, key, non_results

RULE = Allowed
KEYS = ("allowed",)
LABEL = NAMED = "allowed"  # how the builder names this rule
CELLWISE = True  # a cell's verdict depends on its text alone (see qc.rules.CELLWISE)


def chosen(item: Mapping[str, Any]) -> bool:
    """Whether a check's mapping sets this rule."""
    return "allowed" in item


def build(entry: Entry) -> Allowed:
    entry.plain()
    return Allowed(tuple(entry.item["allowed"]))


def evaluate(rule: Allowed, cells: Cells, **_: object) -> Outcome:
    folded = fold_cells(cells)
    accepted = {key(v) for v in rule.values}
    codes, keys = distinct_keys(cells)
    bad = ~np.array([k in accepted for k in keys] or [True], dtype=bool)[codes]
    out = blank(len(cells))
    junk = non_results(folded)
    mark(out, bad & ~junk, Status.FAIL, Reason.OUT_OF_SPEC)
    mark(out, junk, Status.FAIL, Reason.INVALID)
    choices = ", ".join(rule.values)
    for i in np.flatnonzero(bad).tolist():
        text = cells.text[i].as_py()
        what = "is not a result" if junk[i] else "is not one of"
        out.message[i] = f"{text!r} {what}: {choices}" if not junk[i] else f"{text!r} {what}"
    return replace(out, readings=Readings(states(len(cells), not_a_result=junk)))


def notation(rule: Allowed) -> str:
    return "one of: " + ", ".join(rule.values)
