"""The rule registry: every rule kind is one module, listed here once.

A rule kind's module owns everything about it (yamllint style):

- `RULE`: the frozen type it judges with (a `msgspec.Struct` in qc.model);
- `KEYS`: the keys of a spec's check it owns (specs/spec.schema.json lists the same);
- `chosen(item)`, `build(entry)`: whether a check's mapping sets this rule, and the rule
  built from it (a located SpecError when the mapping cannot be meant);
- `evaluate(rule, cells, ...)`: status, reason and message columns for a column's cells
  (missing cells are the engine's business, see qc/engine/evaluate.py, not the rule's);
- `notation(rule)`: the criterion in lab notation, for certificates and `spec show`;
- optionally `alert(rule)`, `annotation(rule)`, `never_fails(check)`: the alert band on a
  certificate, what `spec show` adds after the criterion, and what `spec validate` warns of.

Adding a rule kind: its module, one line in KINDS, specs/spec.schema.json and the docs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

from qc.model import Check
from qc.rules import allowed, dates, equals, forbidden, identity, limits, pattern
from qc.rules.entry import Entry, SpecPath
from qc.rules.outcome import Outcome

Evaluator = Callable[..., Outcome]


class Judged(Protocol):
    """What every rule module has: the rule it judges, how, and how it is written."""

    @property
    def RULE(self) -> type[Any]: ...
    @property
    def CELLWISE(self) -> bool: ...
    @property
    def evaluate(self) -> Evaluator: ...
    @property
    def notation(self) -> Callable[[Any], str]: ...


class Kind(Judged, Protocol):
    """A rule kind a spec's check can set."""

    @property
    def KEYS(self) -> tuple[str, ...]: ...
    @property
    def LABEL(self) -> str: ...
    @property
    def NAMED(self) -> str: ...
    @property
    def chosen(self) -> Callable[[Mapping[str, Any]], bool]: ...
    @property
    def build(self) -> Callable[[Entry], Any]: ...


# The rule kinds a spec can set, in the order the spec builder names them.
KINDS: tuple[Kind, ...] = (limits, dates, allowed, forbidden, equals, pattern)
# Rules exoqc adds itself: the batch id check.
BUILT_IN: tuple[Judged, ...] = (identity,)

_BY_RULE: dict[type[Any], Judged] = {k.RULE: k for k in (*KINDS, *BUILT_IN)}

RULES: dict[type[Any], Evaluator] = {rule: k.evaluate for rule, k in _BY_RULE.items()}

# Rule kinds whose verdict and message for a cell depend on that cell's text alone. The
# engine judges each distinct text of such a column once and spreads the result to the
# rows (a lab column has few distinct values). A rule that looks at other rows or other
# columns (like Identity) must stay out of this set.
CELLWISE: frozenset[type[Any]] = frozenset(r for r, k in _BY_RULE.items() if k.CELLWISE)


def kind_of(rule: object) -> Judged:
    """The module of a rule's kind; KeyError for an object that is no rule."""
    return _BY_RULE[type(rule)]


def _optional(rule: object, name: str) -> Callable[..., Any] | None:
    found: Callable[..., Any] | None = getattr(_BY_RULE.get(type(rule)), name, None)
    return found


def alert(rule: object) -> str | None:
    """A rule's alert band on a certificate (`alert outside 60-180 nm`), None without one."""
    band = _optional(rule, "alert")
    if band is None:
        return None
    text: str | None = band(rule)
    return text


def annotation(rule: object) -> str:
    """What `spec show` writes after a rule's criterion (alert band, rounding, formats)."""
    extra = _optional(rule, "annotation")
    return "" if extra is None else str(extra(rule))


def never_fails(check: Check) -> list[tuple[SpecPath, str]]:
    """`spec validate`'s warnings about a check that loads but can never fail."""
    lint = _optional(check.rule, "never_fails")
    found: list[tuple[SpecPath, str]] = [] if lint is None else lint(check)
    return found

