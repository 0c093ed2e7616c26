"""`pattern`: the whole value matches a regular expression. Patterns use RE2 syntax and are
matched by Arrow's RE2 engine, which runs in time linear in the cell's length: a pattern
such as `(a+)+$` cannot backtrack catastrophically.

The pattern sees the cell's Unicode NFKC form (`EXO-2026-001` typed in full-width
forms, U+FF25 and on, is `EXO-2026-001`), never the word rules' folded tokens: case,
dashes and spaces keep their meaning, so `EXO-\\d{4}-\\d{3}` refuses `exo-2026-001` and
`EXO 2026 001`. The engine's invisible-character and look-alike checks apply first, as
for every rule.

```yaml
- name: batch_id_format
  column: batch_id
  pattern: "EXO-\\d{4}-\\d{3}"
```
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from qc.engine.arrowbuf import texts, to_numpy
from qc.engine.cells import Cells
from qc.model import Check, Pattern, Reason, Status
from qc.rules.entry import Entry, SpecPath
from qc.rules.outcome import Outcome, blank, mark

MAX_PATTERN = 1000

RULE = Pattern
KEYS = ("pattern",)
LABEL = NAMED = "pattern"  # how the builder names this rule
CELLWISE = True  # a cell's verdict depends on its text alone (see qc.rules.CELLWISE)


def chosen(item: Mapping[str, Any]) -> bool:
    """Whether a check's mapping sets this rule."""
    return "pattern" in item


def build(entry: Entry) -> Pattern:
    entry.plain()
    try:
        compile_pattern(entry.item["pattern"])
    except ValueError as exc:
        raise entry.error(("pattern",), str(exc)) from None
    return Pattern(entry.item["pattern"])


def compile_pattern(regex: str) -> str:
    """The anchored RE2 pattern for a spec's `pattern`; ValueError when RE2 cannot use it."""
    if len(regex) > MAX_PATTERN:
        raise ValueError(f"pattern is longer than {MAX_PATTERN} characters")
    anchored = f"^(?:{regex})$"
    try:
        pc.match_substring_regex(texts([""]), anchored)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        detail = str(exc).split(":", 1)[-1].strip()
        raise ValueError(f"invalid pattern {regex!r}: {detail}") from None
    return anchored


def evaluate(rule: Pattern, cells: Cells, **_: object) -> Outcome:
    nfkc = pc.utf8_normalize(cells.text, form="NFKC")
    hit = pc.match_substring_regex(nfkc, compile_pattern(rule.regex))
    bad = ~to_numpy(hit)
    out = blank(len(cells))
    mark(out, bad, Status.FAIL, Reason.INVALID)
    for i in np.flatnonzero(bad).tolist():
        out.message[i] = f"{cells.text[i].as_py()!r} does not match the pattern {rule.regex}"
    return out


def notation(rule: Pattern) -> str:
    return f"matches {rule.regex}"


def never_fails(check: Check) -> list[tuple[SpecPath, str]]:
    """`spec validate`: a pattern that matches any value."""
    rule = check.rule
    assert isinstance(rule, Pattern)
    try:
        anything = re.compile(rule.regex)
        if anything.fullmatch("") and anything.fullmatch("any value 123 !?"):
            return [(("pattern",), "matches any value: the check can never fail")]
    except re.error:
        pass
    return []
