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

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

import numpy as np

from qc.engine.cells import Cells
from qc.model import Allowed, Readings, Reason, Status
from qc.rules.entry import Entry
from qc.rules.outcome import Outcome, blank, mark, states
from qc.rules.text import distinct_keys, fold_cells, key, non_results

RULE = Allowed
KEYS = ("allowed", "match")
MATCHES = ("whole", "words")
LABEL = NAMED = "allowed"  # how the builder names this rule
CELLWISE = True  # a cell's verdict depends on its text alone (see qc.rules.CELLWISE)


def chosen(item: Mapping[str, Any]) -> bool:
    """Whether a check's mapping sets this rule."""
    return "allowed" in item


def build(entry: Entry) -> Allowed:
    entry.plain()
    match = entry.item.get("match", "whole")
    if match not in MATCHES:
        raise entry.error(("match",), f"match must be one of: {', '.join(MATCHES)}")
    return Allowed(tuple(entry.item["allowed"]), match)


def _accepted(rule: Allowed) -> Callable[[tuple[str, ...]], bool]:
    """Whether a cell's tokens are accepted: equal to an entry's, or with `match: words`
    beginning with an entry's whole tokens (never a prefix of its last token)."""
    entries = [key(v) for v in rule.values]
    if rule.match == "words":
        return lambda cell: any(cell[:len(e)] == e for e in entries)
    whole = set(entries)
    return lambda cell: cell in whole


def evaluate(rule: Allowed, cells: Cells, **_: object) -> Outcome:
    folded = fold_cells(cells)
    accepted = _accepted(rule)
    codes, keys = distinct_keys(cells)
    bad = ~np.array([accepted(k) for k in keys] or [True], dtype=bool)[codes]
    out = blank(len(cells))
    junk = non_results(folded)
    mark(out, bad & ~junk, Status.FAIL, Reason.OUT_OF_SPEC)
    mark(out, junk, Status.FAIL, Reason.INVALID)
    choices = ", ".join(rule.values)
    for i in np.flatnonzero(bad).tolist():
        text = cells.text[i].as_py()
        what = ("is not a result" if junk[i] else
                "is not identified as one of" if rule.match == "words" else "is not one of")
        out.message[i] = f"{text!r} {what}: {choices}" if not junk[i] else f"{text!r} {what}"
    return replace(out, readings=Readings(states(len(cells), not_a_result=junk)))


def notation(rule: Allowed) -> str:
    if rule.match == "words":
        return "identified as one of: " + ", ".join(rule.values)
    return "one of: " + ", ".join(rule.values)
