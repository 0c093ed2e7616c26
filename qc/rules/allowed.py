"""`allowed`: the whole value is one of the entries: the same tokens (qc/rules/text.py `key`:
case, width, dash and space variants ignored; `No-growth` is `no growth`).
A cell that is not a result at all (`Pending`, `#N/A`, `TBD`) is `invalid` rather than
out of spec.

Beside the accepted entries a check may list, matched the same way:
- `warn_values`: accepted with a warning (`weak` on a presence marker such as CD63);
- `indeterminate_values`: doubtful words on an absence or safety result (`faint`,
  `equivocal`): never a warning, the check fails as `indeterminate` (retest);
- `forbidden`: families the cell must not name (matched as the `forbidden` rule does): the
  cell fails even when an accepted entry matches too (`UC-MSC, HEK293 co-culture`).

```yaml
- name: sterility
  column: sterility
  allowed: [no growth, negative]
  indeterminate_values: [equivocal]
```
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import numpy.typing as npt
from msgspec.structs import replace

from qc.engine.cells import Cells
from qc.model import Allowed, Forbidden, Readings, Reason, Status
from qc.rules import forbidden as forbidding
from qc.rules.entry import Entry
from qc.rules.outcome import Outcome, blank, mark, states
from qc.rules.text import distinct_keys, fold_cells, key, non_results

RULE = Allowed
KEYS = ("allowed", "match", "warn_values", "indeterminate_values")
MATCHES = ("whole", "words")
LABEL = NAMED = "allowed"  # how the builder names this rule
CELLWISE = True  # a cell's verdict depends on its text alone (see qc.rules.CELLWISE)
WORD_LISTS = ("allowed", "warn_values", "indeterminate_values")


def chosen(item: Mapping[str, Any]) -> bool:
    """Whether a check's mapping sets this rule."""
    return "allowed" in item


def build(entry: Entry) -> Allowed:
    entry.plain()
    match = entry.item.get("match", "whole")
    if match not in MATCHES:
        raise entry.error(("match",), f"match must be one of: {', '.join(MATCHES)}")
    seen: dict[tuple[str, ...], str] = {}
    for name in WORD_LISTS:
        for i, value in enumerate(entry.item.get(name, ())):
            other = seen.setdefault(key(value), name)
            if other != name:
                raise entry.error((name, i), f"{value!r} is also in {other}: an entry belongs "
                                  "to one list")
    return Allowed(tuple(entry.item["allowed"]), match,
                   warn_values=tuple(entry.item.get("warn_values", ())),
                   indeterminate_values=tuple(entry.item.get("indeterminate_values", ())),
                   forbidden=tuple(entry.item.get("forbidden", ())))


def _matcher(values: tuple[str, ...], match: str) -> Callable[[tuple[str, ...]], bool]:
    """Whether a cell's tokens match one of the entries: equal to an entry's, or with
    `match: words` beginning with an entry's whole tokens (never a prefix of its last token)."""
    entries = [key(v) for v in values]
    if match == "words":
        return lambda cell: any(cell[:len(e)] == e for e in entries)
    whole = set(entries)
    return lambda cell: cell in whole


def evaluate(rule: Allowed, cells: Cells, **_: object) -> Outcome:
    folded = fold_cells(cells)
    codes, keys = distinct_keys(cells)

    def hits(values: tuple[str, ...]) -> npt.NDArray[np.bool_]:
        matched = _matcher(values, rule.match)
        found: npt.NDArray[np.bool_] = np.array([matched(k) for k in keys] or [False],
                                                dtype=bool)[codes]
        return found

    accepted, warned, doubtful = hits(rule.values), hits(rule.warn_values), \
        hits(rule.indeterminate_values)
    named = np.zeros(len(cells), dtype=bool)
    forbidden_says: Any = None
    if rule.forbidden:
        forbidden_says = forbidding.evaluate(Forbidden(rule.forbidden), cells)
        named = (forbidden_says.status == Status.FAIL) & \
            (forbidden_says.reason == Reason.OUT_OF_SPEC)
    junk = non_results(folded)
    out = blank(len(cells))
    bad = ~accepted & ~warned
    mark(out, warned & ~accepted, Status.WARN, Reason.NONE)
    mark(out, bad, Status.FAIL, Reason.OUT_OF_SPEC)
    mark(out, doubtful, Status.FAIL, Reason.INDETERMINATE)
    mark(out, named, Status.FAIL, Reason.OUT_OF_SPEC)
    mark(out, junk, Status.FAIL, Reason.INVALID)
    choices = ", ".join(rule.values)
    for i in np.flatnonzero(bad | warned | doubtful | named | junk).tolist():
        text = cells.text[i].as_py()
        if junk[i]:
            out.message[i] = f"{text!r} is not a result"
        elif named[i]:
            out.message[i] = forbidden_says.message[i]
        elif doubtful[i]:
            out.message[i] = f"{text!r} is a doubtful result: retest (accepted: {choices})"
        elif warned[i] and not accepted[i]:
            out.message[i] = f"{text!r} is accepted with a warning (alert word)"
        elif bad[i]:
            what = "is not identified as one of" if rule.match == "words" else "is not one of"
            out.message[i] = f"{text!r} {what}: {choices}"
    return replace(out, readings=Readings(states(len(cells), not_a_result=junk)))


def notation(rule: Allowed) -> str:
    head = "identified as one of: " if rule.match == "words" else "one of: "
    text = head + ", ".join(rule.values)
    if rule.warn_values:
        text += "; alert: " + ", ".join(rule.warn_values)
    if rule.indeterminate_values:
        text += "; indeterminate: " + ", ".join(rule.indeterminate_values)
    if rule.forbidden:
        text += "; not: " + ", ".join(rule.forbidden)
    return text
