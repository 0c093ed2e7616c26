"""`forbidden`: an entry names a family. The cell fails when the entry's tokens (qc/rules/text.py
`key`) start a run of the cell's tokens, its last token as a prefix: `HEK293` catches
`HEK-293`, `HEK293T` and `HEK 293 FT`; `HeLa` catches `hela s3` and `HeLa-derived EVs` but
never `donor MICHELA-07`; `MCF-7` catches `MCF 7`. A name that leaves out the family's
first token (`293-T`) needs its own entry. A cell that is not a result at all (`Pending`,
`#N/A`, `TBD`) is `invalid` rather than out of spec. A cell is also read with its
look-alike letters of other scripts taken for Latin ones (`He\u029f\u03b1` names HeLa).

```yaml
- name: source
  column: cell_source
  forbidden: [HeLa, HEK293]
```
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow.compute as pc
from msgspec.structs import replace

from qc.engine.arrowbuf import indices, to_numpy
from qc.engine.cells import Cells
from qc.model import Forbidden, Readings, Reason, Status
from qc.rules.entry import Entry
from qc.rules.outcome import Outcome, blank, mark, states
from qc.rules.text import fold_cells, key, non_results
from qc.text import skeleton

RULE = Forbidden
KEYS = ("forbidden",)
LABEL = NAMED = "forbidden"  # how the builder names this rule
CELLWISE = True  # a cell's verdict depends on its text alone (see qc.rules.CELLWISE)


def chosen(item: Mapping[str, Any]) -> bool:
    """Whether a check's mapping sets this rule (with `allowed` beside it, the `allowed`
    rule judges both: qc/rules/allowed.py)."""
    return "forbidden" in item and "allowed" not in item


def build(entry: Entry) -> Forbidden:
    entry.plain()
    return Forbidden(tuple(entry.item["forbidden"]))


def names(entry: tuple[str, ...], cell: tuple[str, ...]) -> bool:
    """Whether an entry's tokens start a run of the cell's tokens, the last as a prefix."""
    *whole, last = entry
    width = len(entry)
    return any(cell[i:i + width - 1] == tuple(whole) and cell[i + width - 1].startswith(last)
               for i in range(len(cell) - width + 1))


class _Index:
    """The entries by token, so that a cell's tokens are looked up rather than every entry
    tried at every position (the clinical spec's identity check lists about 60): an entry
    of one token by each prefix of the cell's token, a longer one by its first token,
    which `names` compares whole. Finds exactly what `names` finds."""

    def __init__(self, entries: list[tuple[str, tuple[str, ...]]]) -> None:
        self.values = [value for value, _ in entries]  # as the spec lists them, repeats too
        self.single: dict[str, list[str]] = {}
        self.longer: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
        for value, tokens in entries:
            if len(tokens) == 1:
                self.single.setdefault(tokens[0], []).append(value)
            else:
                self.longer.setdefault(tokens[0], []).append((value, tokens))
        self.widest = max((len(t) for t in self.single), default=0)

    def named(self, cell: tuple[str, ...]) -> set[str]:
        found: set[str] = set()
        for i, token in enumerate(cell):
            for end in range(1, min(len(token), self.widest) + 1):
                found.update(self.single.get(token[:end], ()))
            for value, tokens in self.longer.get(token, ()):
                if value not in found and names(tokens, cell[i:]):
                    found.add(value)
        return found


def _named(index: _Index, text: str) -> list[str]:
    """The entries a cell names, as written, as read with its look-alike letters taken for
    the Latin ones (qc/text.py `skeleton`: `He\u029f\u03b1` is HeLa), or with its
    punctuation dropped; in the order of the entries."""
    readings = {key(text), key(skeleton(text))}
    # and with punctuation dropped (`HEK·293`, `HEK/293`): over-reading a deny-list is safe
    readings |= {tuple(t for t in cell if t.isalnum()) for cell in set(readings)}
    found: set[str] = set()
    for cell in readings:
        if cell:
            found |= index.named(cell)
    return [value for value in index.values if value in found]


def _maybe(entries: list[tuple[str, tuple[str, ...]]], cells: Cells) -> npt.NDArray[np.bool_]:
    """Cells that might name an entry: every non-ASCII cell, and each ASCII cell whose
    letters and digits, lower-cased and run together, hold an entry's run together (a
    superset of the cells that name one: only these are tokenised)."""
    squeezed = pc.replace_substring_regex(pc.utf8_lower(cells.text), r"[^a-z0-9]+", "")
    maybe = ~to_numpy(pc.string_is_ascii(cells.text))
    for _, entry in entries:
        joined = re.sub(r"[^a-z0-9]", "", "".join(entry))
        maybe |= to_numpy(pc.match_substring(squeezed, joined)) if joined else True
    return maybe


def evaluate(rule: Forbidden, cells: Cells, **_: object) -> Outcome:
    entries = [(v, key(v)) for v in rule.values]
    rows = np.flatnonzero(_maybe(entries, cells))
    bad = np.zeros(len(cells), dtype=bool)
    which: dict[int, list[str]] = {}
    if rows.size:
        encoded = pc.dictionary_encode(pc.take(cells.text, indices(rows)))
        index = _Index(entries)
        named = [_named(index, t) for t in encoded.dictionary.to_pylist()]
        codes = to_numpy(encoded.indices).astype(np.intp, copy=False)
        for row, code in zip(rows.tolist(), codes.tolist(), strict=True):
            if named[code]:
                bad[row] = True
                which[row] = named[code]
    junk = non_results(fold_cells(cells))
    out = blank(len(cells))
    mark(out, bad & ~junk, Status.FAIL, Reason.OUT_OF_SPEC)
    mark(out, junk, Status.FAIL, Reason.INVALID)
    for i in np.flatnonzero(bad | junk).tolist():
        text = cells.text[i].as_py()
        if junk[i]:
            out.message[i] = f"{text!r} is not a result"
            continue
        out.message[i] = f"{text!r} names a forbidden entry: {', '.join(which[i])}"
    return replace(out, readings=Readings(states(len(cells), not_a_result=junk)))


def notation(rule: Forbidden) -> str:
    return "not: " + ", ".join(rule.values)
