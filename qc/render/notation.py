"""A check's criterion in lab notation: `30-150 nm` (en dash), `≤ 0.5 EU/mL`, `one of: a, b`.

Shared by every place that shows a criterion to a person (the HTML certificate, the trend
page, `exoqc spec show`). Each rule kind writes its own (`notation` in its module under
qc/rules/); numbers are shown as the spec wrote them (exact decimals), negatives with a
true minus sign (qc.rules.limits.number).
"""

from __future__ import annotations

from qc.model import Check, ReportOnly, Rule

__all__ = ["alert", "criterion", "rule_text"]


def criterion(check: Check) -> str:
    """The acceptance criterion of a check as a lab writes it on a certificate."""
    if check.report_only:
        return "report only"
    return rule_text(check.rule)


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
