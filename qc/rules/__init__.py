"""The rule registry: one evaluator per rule kind, explicit so that grep finds every one.

An evaluator takes the rule and a column's cells and returns status, reason and
message columns. Missing cells are the engine's business (see engine.py), not the rule's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from qc.model import Allowed, DateLimits, Equals, Forbidden, Identity, Limits, Pattern
from qc.rules import dates, equals, identity, limits, text
from qc.rules.outcome import Outcome

Evaluator = Callable[..., Outcome]

RULES: dict[type[Any], Evaluator] = {
    Limits: limits.evaluate,
    Allowed: text.evaluate_allowed,
    Forbidden: text.evaluate_forbidden,
    Equals: equals.evaluate,
    Pattern: text.evaluate_pattern,
    Identity: identity.evaluate,
    DateLimits: dates.evaluate,
}

# Rule kinds whose verdict and message for a cell depend on that cell's text alone. The
# engine judges each distinct text of such a column once and spreads the result to the
# rows (a lab column has few distinct values). A rule that looks at other rows or other
# columns (like Identity) must stay out of this set.
CELLWISE: frozenset[type[Any]] = frozenset({Limits, Allowed, Forbidden, Equals, Pattern})
