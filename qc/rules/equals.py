"""`equals: true|false`: a yes/no result. Accepts true/false, yes/no, y/n, 1/0 in any case;
anything else (`GMP-like`, `pending`) is invalid, never read as yes.

```yaml
- name: gmp
  column: gmp_certified
  equals: true
```
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pyarrow.compute as pc
from msgspec.structs import replace

from qc.engine.arrowbuf import texts, to_numpy
from qc.engine.cells import Cells
from qc.model import Equals, Readings, Reason, Status
from qc.rules.entry import Entry
from qc.rules.outcome import Outcome, blank, mark, states

TRUE = ("true", "yes", "y", "1")
FALSE = ("false", "no", "n", "0")

RULE = Equals
KEYS = ("equals",)
LABEL = NAMED = "equals"  # how the builder names this rule
CELLWISE = True  # a cell's verdict depends on its text alone (see qc.rules.CELLWISE)


def chosen(item: Mapping[str, Any]) -> bool:
    """Whether a check's mapping sets this rule."""
    return "equals" in item


def build(entry: Entry) -> Equals:
    entry.plain()
    return Equals(bool(entry.item["equals"]))


def evaluate(rule: Equals, cells: Cells, **_: object) -> Outcome:
    folded = pc.utf8_lower(cells.text)
    yes = to_numpy(pc.is_in(folded, value_set=texts(TRUE)))
    no = to_numpy(pc.is_in(folded, value_set=texts(FALSE)))
    wanted, other = (yes, no) if rule.value else (no, yes)
    out = blank(len(cells))
    mark(out, other, Status.FAIL, Reason.OUT_OF_SPEC)
    mark(out, ~yes & ~no, Status.FAIL, Reason.INVALID)
    expected = "yes" if rule.value else "no"
    for i in np.flatnonzero(~wanted).tolist():
        text = cells.text[i].as_py()
        out.message[i] = (f"{text!r} is not the required {expected}" if other[i]
                          else f"{text!r} is not a yes/no answer")
    return replace(out, readings=Readings(states(len(cells), ~yes & ~no)))


def notation(rule: Equals) -> str:
    return "yes" if rule.value else "no"
