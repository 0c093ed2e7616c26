"""Word rules: `allowed` (the whole value is one of the entries), `forbidden` (no entry occurs
as whole words), `pattern` (the whole value matches a regular expression).

Matching ignores case and runs of spaces. `forbidden: [HeLa]` catches `hela s3` and
`HeLa-derived EVs` but not `donor MICHELA-07`. Patterns use RE2 syntax and are matched
by Arrow's RE2 engine, which runs in time linear in the cell's length: a pattern such as
`(a+)+$` cannot backtrack catastrophically. Cells that are not results at all
(`Pending`, `#N/A`, `TBD`) are `invalid` rather than out of spec.

```yaml
- name: sterility
  column: sterility
  allowed: [no growth, negative]
- name: source
  column: cell_source
  forbidden: [HeLa, HEK293]
- name: batch_id_format
  column: batch_id
  pattern: "EXO-\\d{4}-\\d{3}"
```
"""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from qc.engine.arrowbuf import texts, to_numpy
from qc.engine.cells import Cells
from qc.model import Allowed, Forbidden, Pattern, Readings, Reason, Status
from qc.rules.outcome import Outcome, blank, mark, states

MAX_PATTERN = 1000
# Words a lab writes where a result should be: never a result, whatever the rule.
NON_RESULTS = (
    "pending", "in progress", "tbd", "nt", "not tested", "not done", "invalid", "cancelled",
    "repeat", "null", "nan", "none", "-", "--", "—", "?", "#n/a", "#value!", "#div/0!",
    "#ref!", "#name?", "#num!", "#null!",
)
_SPACE = r"[\s\x{00A0}]+"
_EDGE_L = r"(?:^|[^\pL\pN_])"
_EDGE_R = r"(?:$|[^\pL\pN_])"


def fold(text: str) -> str:
    """Case and spacing folded the way the word rules compare."""
    return " ".join(text.split()).lower()


def _folded(cells: Cells) -> pa.Array:
    return pc.utf8_lower(pc.replace_substring_regex(cells.text, _SPACE, " "))


def _non_results(folded: pa.Array) -> np.ndarray:
    return to_numpy(pc.is_in(folded, value_set=texts(NON_RESULTS)))


def _literal(word: str) -> str:
    """An RE2 pattern for a word or phrase, any run of spaces inside matching any other."""
    escaped = (re.escape(part) for part in word.split())
    return _SPACE.join(escaped)


def evaluate_allowed(rule: Allowed, cells: Cells, **_: object) -> Outcome:
    folded = _folded(cells)
    hit = pc.is_in(folded, value_set=texts([fold(v) for v in rule.values]))
    out = blank(len(cells))
    bad = ~to_numpy(hit)
    junk = _non_results(folded)
    mark(out, bad & ~junk, Status.FAIL, Reason.OUT_OF_SPEC)
    mark(out, junk, Status.FAIL, Reason.INVALID)
    choices = ", ".join(rule.values)
    for i in np.flatnonzero(bad).tolist():
        text = cells.text[i].as_py()
        what = "is not a result" if junk[i] else "is not one of"
        out.message[i] = f"{text!r} {what}: {choices}" if not junk[i] else f"{text!r} {what}"
    return replace(out, readings=Readings(states(len(cells), not_a_result=junk)))


def evaluate_forbidden(rule: Forbidden, cells: Cells, **_: object) -> Outcome:
    words = "|".join(_literal(v) for v in rule.values)
    hit = pc.match_substring_regex(cells.text, f"(?i){_EDGE_L}(?:{words}){_EDGE_R}")
    bad = to_numpy(hit)
    junk = _non_results(_folded(cells))
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


def evaluate_pattern(rule: Pattern, cells: Cells, **_: object) -> Outcome:
    hit = pc.match_substring_regex(cells.text, compile_pattern(rule.regex))
    bad = ~to_numpy(hit)
    out = blank(len(cells))
    mark(out, bad, Status.FAIL, Reason.INVALID)
    for i in np.flatnonzero(bad).tolist():
        out.message[i] = f"{cells.text[i].as_py()!r} does not match the pattern {rule.regex}"
    return out
