"""A check's criterion in lab notation: `30-150 nm` (en dash), `≤ 0.5 EU/mL`, `one of: a, b`.

Shared by every place that shows a criterion to a person (the HTML certificate, the trend
page, `exoqc spec show`). Each rule kind writes its own (`notation` in its module under
qc/rules/); numbers are shown as the spec wrote them (exact decimals), negatives with a
true minus sign (qc.rules.limits.number).
"""

from __future__ import annotations

from qc.model import Check, ReportOnly, Rule

__all__ = ["alert", "brief", "criterion", "rule_text"]


def criterion(check: Check) -> str:
    """The acceptance criterion of a check as a lab writes it on a certificate."""
    if check.report_only:
        return "report only"
    return rule_text(check.rule)


LISTED = 10  # entries of one word list a certificate shows before it counts the rest


def brief(text: str, listed: int = LISTED) -> str:
    """A criterion for a page that must fit one certificate: each word list of more than
    `listed` entries shows its first ones and counts the others (`..., and 40 more (exoqc
    spec show lists them)`); the full criterion is the spec's, whose sha256 the
    certificate states."""
    parts = []
    for part in text.split("; "):
        label, sep, entries = part.partition(": ")
        words = entries.split(", ") if sep else []
        if len(words) > listed:
            part = (f"{label}: {', '.join(words[:listed])}, and {len(words) - listed} more "
                    "(exoqc spec show lists them)")
        parts.append(part)
    return "; ".join(parts)


def rule_text(rule: Rule) -> str:
    if isinstance(rule, ReportOnly):
        return "report only"
    from qc import rules  # each kind's own notation; loaded only when a criterion is shown

    return rules.kind_of(rule).notation(rule)


def alert(check: Check) -> str | None:
    """The alert band of a numeric check (`alert outside 60-180 nm`), None when it has none."""
    if check.report_only:
        return None
    from qc import rules

    return rules.alert(check.rule)
