"""A check's criterion in lab notation: `30-150 nm` (en dash), `≤ 0.5 EU/mL`, `one of: a, b`.

Pure functions of the spec's model, shared by every place that shows a criterion to a
person (the HTML certificate, the trend page, later `exoqc spec show`). Numbers are
shown as the spec wrote them (exact decimals), negatives with a true minus sign.
"""

from __future__ import annotations

from decimal import Decimal

from qc.model import (
    Allowed,
    Check,
    DateLimits,
    Equals,
    Forbidden,
    Identity,
    Limits,
    Pattern,
    ReportOnly,
    Rule,
)


def number(value: Decimal) -> str:
    """A spec number as written, with U+2212 for a minus: `-65` -> U+2212 65, `1.0E+10` stays."""
    text = str(value)
    return "\u2212" + text[1:] if text.startswith("-") else text


def _unit(unit: str | None) -> str:
    return f" {unit}" if unit else ""


def span(lower: Decimal | None, upper: Decimal | None, unit: str | None) -> str:
    """An inclusive range in lab notation: `30-150 nm` (en dash), `≤ 0.5 EU/mL`, `≥ 2.0E+9 /µg`."""
    u = _unit(unit)
    if lower is not None and upper is not None:
        if lower == upper:
            return f"= {number(lower)}{u}"
        # An en dash between negatives reads as a minus sign: write "to" instead.
        joint = " to " if lower < 0 or upper < 0 else "\u2013"
        return f"{number(lower)}{joint}{number(upper)}{u}"
    if upper is not None:
        return f"≤ {number(upper)}{u}"
    if lower is not None:
        return f"≥ {number(lower)}{u}"
    return "any value"


def strict_span(rule: Limits) -> str:
    """Limits with a strict side (`min_exclusive`, `max_exclusive`): `< 0.25 EU/mL`,
    `> 90 %`, `> 0 and ≤ 5 %`."""
    u = _unit(rule.unit)
    lower = None if rule.lower is None else (
        f"{'>' if rule.min is None else '≥'} {number(rule.lower)}")
    upper = None if rule.upper is None else (
        f"{'<' if rule.max is None else '≤'} {number(rule.upper)}")
    return f"{' and '.join(p for p in (lower, upper) if p)}{u}"


def date_span(rule: DateLimits) -> str:
    """Date limits: `date ≥ today`, `date > manufacture_date`, `date 2026-01-01 to 2026-12-31`."""
    if rule.min is not None and rule.max is not None:
        return f"date {rule.min} to {rule.max}"
    sides = []
    if rule.lower is not None:
        sides.append(f"{'>' if rule.min is None else '≥'} {rule.lower}")
    if rule.upper is not None:
        sides.append(f"{'<' if rule.max is None else '≤'} {rule.upper}")
    return "date " + " and ".join(sides) if sides else "any date"


def criterion(check: Check) -> str:
    """The acceptance criterion of a check as a lab writes it on a certificate."""
    if check.report_only:
        return "report only"
    return rule_text(check.rule)


def rule_text(rule: Rule) -> str:
    if isinstance(rule, Limits):
        if rule.min_exclusive is not None or rule.max_exclusive is not None:
            return strict_span(rule)
        return span(rule.min, rule.max, rule.unit)
    if isinstance(rule, DateLimits):
        return date_span(rule)
    if isinstance(rule, ReportOnly):
        return "report only"
    if isinstance(rule, Allowed):
        return "one of: " + ", ".join(rule.values)
    if isinstance(rule, Forbidden):
        return "not: " + ", ".join(rule.values)
    if isinstance(rule, Equals):
        return "yes" if rule.value else "no"
    if isinstance(rule, Pattern):
        return f"matches {rule.regex}"
    if isinstance(rule, Identity):
        return "present and unique"
    raise TypeError(f"unknown rule {rule!r}")  # pragma: no cover


def alert(check: Check) -> str | None:
    """The alert band of a numeric check (`alert outside 60-180 nm`), None when it has none."""
    rule = check.rule
    if check.report_only:
        return None
    if isinstance(rule, DateLimits):
        if rule.warn_min is not None and rule.warn_max is not None:
            return f"alert outside {rule.warn_min} to {rule.warn_max}"
        if rule.warn_min is not None:
            return f"alert before {rule.warn_min}"
        return f"alert after {rule.warn_max}" if rule.warn_max is not None else None
    if not isinstance(rule, Limits) or (rule.warn_min is None and rule.warn_max is None):
        return None
    if rule.warn_min is not None and rule.warn_max is not None:
        return f"alert outside {span(rule.warn_min, rule.warn_max, rule.unit)}"
    if rule.warn_max is not None:
        return f"alert above {number(rule.warn_max)}{_unit(rule.unit)}"
    assert rule.warn_min is not None
    return f"alert below {number(rule.warn_min)}{_unit(rule.unit)}"
