"""The spec side of replicates and retests: a check's `replicates:` rule and the spec-wide
`replicate_column`, `result_status_column` and `invalidation_column`, checked for sense
(the schema has checked their types)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from qc.model import Check, Limits, Replicates, Rule, header_key
from qc.rules.entry import SpecPath, Where


def build(item: Mapping[str, Any], rule: Rule, report_only: bool, where: Where,
          at: SpecPath) -> Replicates:
    """A check's replicate rule: a count (or min_count / max_count) and how to combine."""
    if not isinstance(rule, Limits) or report_only:
        raise where.error(at, "replicates apply only to judged min/max checks")
    count = _int(item, "count", where, at)
    low = _int(item, "min_count", where, at)
    high = _int(item, "max_count", where, at)
    if count is not None and (low is not None or high is not None):
        raise where.error(at, "give count, or min_count / max_count, not both")
    if count is None and low is None:
        raise where.error(at, "give the number of replicates the method requires: count "
                          "(or min_count)")
    if count is not None:
        low = high = count
    assert low is not None
    if high is not None and high < low:
        raise where.error((*at, "max_count"), f"max_count {high} is less than min_count {low}")
    reportable = str(item.get("reportable", "each"))
    numbers = {k: _number(item, k, where, at) for k in
               ("max_cv_pct", "max_range", "individual_min", "individual_max")}
    averaged = reportable in ("mean", "median")
    for key, value in numbers.items():
        if value is not None and not averaged:
            raise where.error((*at, key), f"{key} applies only to reportable: mean or median "
                              "(with each, every replicate is judged against the limits)")
    lo, hi = numbers["individual_min"], numbers["individual_max"]
    if lo is not None and hi is not None and lo > hi:
        raise where.error((*at, "individual_min"), f"individual_min {lo} is greater than "
                          f"individual_max {hi}")
    if lo is not None and rule.lower is not None and lo > rule.lower:
        raise where.error((*at, "individual_min"), f"individual_min {lo} is tighter than the "
                          f"check's lower limit {rule.lower}")
    if hi is not None and rule.upper is not None and hi < rule.upper:
        raise where.error((*at, "individual_max"), f"individual_max {hi} is tighter than the "
                          f"check's upper limit {rule.upper}")
    return Replicates(min_count=low, max_count=high, reportable=reportable,
                      max_cv_pct=numbers["max_cv_pct"], max_range=numbers["max_range"],
                      individual_min=lo, individual_max=hi)


def _int(item: Mapping[str, Any], key: str, where: Where, at: SpecPath) -> int | None:
    value = item.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or int(value) != value or value < 1:
        raise where.error((*at, key), f"{key} must be a whole number of at least 1")
    return int(value)


def _number(item: Mapping[str, Any], key: str, where: Where, at: SpecPath) -> Decimal | None:
    value = item.get(key)
    if value is None:
        return None
    number = Decimal(str(value))
    if not number.is_finite():
        raise where.error((*at, key), f"{key} must be a finite number")
    return number


def grouping(found: Mapping[str, str | None], id_column: str, checks: tuple[Check, ...],
             where: Where) -> None:
    """The grouping columns make sense together: retests need an invalidation reference
    column, and none of them is the batch id or a checked column."""
    status, reference = found["result_status_column"], found["invalidation_column"]
    if (status is None) != (reference is None):
        key = "invalidation_column" if status is not None else "result_status_column"
        raise where.error((key,), "result_status_column and invalidation_column go together: "
                          "an original result is invalidated only with a documented reference")
    seen = {header_key(id_column): "id_column"}
    for key, column in found.items():
        if column is None:
            continue
        if header_key(column) in seen:
            raise where.error((key,), f"{column!r} is already the {seen[header_key(column)]}")
        seen[header_key(column)] = key
    for i, check in enumerate(checks):
        for name in check.alternatives:
            if header_key(name) in seen and seen[header_key(name)] != "id_column":
                raise where.error(("checks", i, "column"), f"{name!r} is the "
                                  f"{seen[header_key(name)]}, not a result")


def describe(rule: Replicates, unit: str | None) -> str:
    """The replicate rule in words, for `spec show`: `mean of 3 replicates, CV ≤ 15 %,
    each replicate 50–150 %`."""
    count = (str(rule.min_count) if rule.max_count == rule.min_count else
             f"{rule.min_count}–{rule.max_count}" if rule.max_count is not None
             else f"≥ {rule.min_count}")
    how = "each of" if rule.reportable == "each" else f"{rule.reportable} of"
    parts = [f"{how} {count} replicates"]
    u = f" {unit}" if unit else ""
    if rule.max_cv_pct is not None:
        parts.append(f"CV ≤ {rule.max_cv_pct} %")
    if rule.max_range is not None:
        parts.append(f"range ≤ {rule.max_range}{u}")
    if rule.individual_min is not None or rule.individual_max is not None:
        from qc.rules.limits import span

        parts.append(f"each replicate {span(rule.individual_min, rule.individual_max, unit)}")
    return ", ".join(parts)
