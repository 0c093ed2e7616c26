"""Locked checks: what a spec that extends a locked check may change in it.

A locked check may only get stricter in a child: its numeric limits narrowed, entries
removed from its accepted words (`allowed`, `warn_values`), entries added to its
`forbidden` and `indeterminate_values` words, its description or method reworded. Anything else
(removing it, making it optional or report-only, changing its column, unit, rounding,
matching or rule, loosening a limit) is a spec error naming both files (qc/spec/extends.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from qc.text import tokens

# Keys a child may change freely.
FREE = ("name", "description", "method", "locked")  # method: a reference shown, never judged
# Numeric bounds: (inclusive key, strict key or None), for lower and upper limits.
LOWER = (("min", "min_exclusive"), ("warn_min", None))
UPPER = (("max", "max_exclusive"), ("warn_max", None))
# Word lists a child may only shrink, and those it may only grow.
SHRINK = ("allowed", "warn_values")
GROW = ("forbidden", "indeterminate_values")


def loosenings(parent: Mapping[str, Any], child: Mapping[str, Any]) -> list[str]:
    """What a child's version of a locked check changes beyond narrowing it (empty: it may)."""
    found: list[str] = []
    handled = set(FREE)
    if parent.get("required", True) and not child.get("required", True):
        found.append("makes it optional")
    if child.get("report_only", False) and not parent.get("report_only", False):
        found.append("makes it report-only")
    handled |= {"required", "report_only"}
    found += _words(parent, child)
    handled |= {*SHRINK, *GROW}
    if parent.get("type") != "date" and child.get("type") != "date":
        found += _limits(parent, child)
        handled |= {key for pair in (*LOWER, *UPPER) for key in pair if key}
    for key in sorted({*parent, *child} - handled):
        if parent.get(key) != child.get(key):
            what = "matching" if key == "match" else key
            found.append(f"changes its {what} ({_shown(parent.get(key))} -> "
                         f"{_shown(child.get(key))})")
    return found


def _keys(values: Any) -> dict[tuple[str, ...], str]:
    return {tokens(str(v)) or (str(v),): str(v) for v in values or ()}


def _words(parent: Mapping[str, Any], child: Mapping[str, Any]) -> list[str]:
    found: list[str] = []
    if ("allowed" in parent) != ("allowed" in child):
        found.append("changes its rule (allowed "
                     + ("dropped" if "allowed" in parent else "added") + ")")
        return found
    accepted = _keys(parent.get("allowed"))
    # a warn word may come from the parent's accepted words: moving it there is stricter
    limits = {"allowed": accepted, "warn_values": {**accepted, **_keys(parent.get("warn_values"))}}
    for key in SHRINK:
        limit = limits[key]
        extra = [v for k, v in _keys(child.get(key)).items() if k not in limit]
        if extra:
            found.append(f"adds {', '.join(map(repr, extra))} to {key}")
    for key in GROW:
        kept = _keys(child.get(key))
        dropped = [v for k, v in _keys(parent.get(key)).items() if k not in kept]
        if dropped:
            found.append(f"drops {', '.join(map(repr, dropped))} from {key}")
    return found


def _bound(item: Mapping[str, Any], inclusive: str, strict: str | None) -> tuple[Any, bool] | None:
    if strict and strict in item:
        return item[strict], True
    if inclusive in item:
        return item[inclusive], False
    return None


def _limits(parent: Mapping[str, Any], child: Mapping[str, Any]) -> list[str]:
    found: list[str] = []
    for pairs, sign in ((LOWER, 1), (UPPER, -1)):
        for inclusive, strict in pairs:
            was = _bound(parent, inclusive, strict)
            now = _bound(child, inclusive, strict)
            if was is None:
                continue
            name = inclusive if strict is None else f"{inclusive} limit"
            if now is None:
                found.append(f"drops its {name} ({_shown(was[0])})")
            elif not _narrower(was, now, sign):
                found.append(f"loosens its {name} ({_shown(was[0])} -> {_shown(now[0])})")
    return found


def _narrower(was: tuple[Any, bool], now: tuple[Any, bool], sign: int) -> bool:
    """Whether the child's bound admits no value the parent's refuses (sign 1: a lower
    bound, -1: an upper one)."""
    try:
        old, new = Decimal(str(was[0])), Decimal(str(now[0]))
    except ArithmeticError:
        return was == now
    if not (old.is_finite() and new.is_finite()):
        return False  # `.nan`, `.inf`: never narrower (the spec check says what is wrong)
    if old != new:
        return (new - old) * sign > 0
    return now[1] or not was[1]


def _shown(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, list):
        return "[" + ", ".join(map(str, value)) + "]"
    return str(value)
