"""Building a Spec from a merged, schema-valid spec mapping: the spec-wide keys and derived
attributes here, each check's rule by the module of its rule kind (qc.rules.KINDS)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from qc import rules
from qc.errors import ExpressionError, LinkError
from qc.model import (
    IDENTITY_CHECK,
    Check,
    Derived,
    Limits,
    ReportOnly,
    Rule,
    Spec,
    SpecFile,
    header_key,
)
from qc.rules.dates import iso_date, spec_formats
from qc.rules.entry import Entry
from qc.spec.location import Locator, SpecPath

# The keys every check has, whatever its rule; each rule kind owns the rest (its KEYS), and
# specs/spec.schema.json lists exactly these together (tests/rules/test_rule_registry.py).
COMMON_KEYS = ("name", "column", "description", "required", "report_only")
# Keys that refine a rule: a report-only check without a rule may not set them.
REFINING = ("unit", "rounding", "date_format")


def build(data: Mapping[str, Any], where: Locator, files: tuple[SpecFile, ...]) -> Spec:
    derived = _derived(data.get("derived", {}), where)
    context = _Context(
        where=where,
        derived={d.key: d for d in derived},
        rounding=data.get("rounding"),
        date_formats=spec_formats(data.get("date_format"), where, ("date_format",)),
    )
    checks = tuple(_check(item, context, ("checks", i)) for i, item in enumerate(data["checks"]))
    seen: dict[str, int] = {}
    for i, check in enumerate(checks):
        if check.name == IDENTITY_CHECK:
            raise where.error(("checks", i, "name"), f"{IDENTITY_CHECK!r} is reserved for exoqc's "
                              "own batch id check")
        if check.name in seen:
            raise where.error(("checks", i, "name"), f"duplicate check name {check.name!r} "
                              f"(also checks[{seen[check.name]}])")
        seen[check.name] = i
    effective = data.get("effective_date")
    if effective is not None:
        iso_date(effective, where, ("effective_date",))
    return Spec(
        name=data["name"],
        version=str(data["version"]),
        id_column=data["id_column"],
        checks=checks,
        files=files,
        title=data.get("title", ""),
        derived=derived,
        status=data.get("status"),
        effective_date=effective,
        approved_by=data.get("approved_by"),
        columns=tuple((str(k), str(v)) for k, v in data.get("columns", {}).items()),
    )


@dataclass(frozen=True)
class _Context:
    where: Locator
    derived: dict[str, Derived]
    rounding: str | None
    date_formats: tuple[str, ...]


def _derived(table: Mapping[str, str], where: Locator) -> tuple[Derived, ...]:
    """Parse every derived expression and link the derived names used inside others
    (shared, not copied: qc/engine/derived/expr.py `link`)."""
    from qc.engine.derived import expr

    trees: dict[str, expr.Node] = {}
    for name, text in table.items():
        try:
            trees[name] = expr.parse(text)
        except ExpressionError as exc:
            raise where.error(("derived", name), str(exc)) from None
    try:
        linked = expr.link(trees, header_key)
    except LinkError as exc:
        raise where.error(("derived", exc.name), str(exc)) from None
    return tuple(Derived(name=name, expression=table[name], tree=linked[name],
                         inputs=tuple(dict.fromkeys(expr.columns(linked[name]))))
                 for name in trees)


def _check(item: Mapping[str, Any], ctx: _Context, at: SpecPath) -> Check:
    column = item["column"]
    alternatives = (column,) if isinstance(column, str) else tuple(column)
    report_only = bool(item.get("report_only", False))
    rule = _rule(item, ctx, at, report_only)
    source = ctx.derived.get(header_key(alternatives[0]))
    if source is not None:
        if len(alternatives) > 1:
            raise ctx.where.error((*at, "column"), f"derived attribute {source.name!r} cannot "
                                  "be one of several column alternatives")
        if not isinstance(rule, Limits | ReportOnly):
            raise ctx.where.error((*at, "column"), f"derived attribute {source.name!r} can "
                                  "only be checked with min/max limits")
    return Check(
        name=item["name"],
        column=alternatives[0],
        rule=rule,
        required=item.get("required", True),
        description=item.get("description", ""),
        columns=alternatives if len(alternatives) > 1 else (),
        report_only=report_only,
    )


def _rule(item: Mapping[str, Any], ctx: _Context, at: SpecPath, report_only: bool) -> Rule:
    chosen = [kind for kind in rules.KINDS if kind.chosen(item)]
    if not chosen and report_only:
        for key in REFINING:
            if key in item:
                raise ctx.where.error((*at, key), f"{key} needs a rule (min/max or dates)")
        return ReportOnly()
    if len(chosen) != 1:
        found = " and ".join(kind.LABEL for kind in chosen) if chosen else "none"
        raise ctx.where.error(at, f"a check needs exactly one rule: {_choices()} (found {found})")
    if "match" in item and "allowed" not in item:
        raise ctx.where.error((*at, "match"), "match applies only to allowed")
    entry = Entry(item, at, ctx.where, rounding=ctx.rounding, date_formats=ctx.date_formats)
    built: Rule = chosen[0].build(entry)
    return built


def _choices() -> str:
    """`min/max limits, allowed, forbidden, equals or pattern`."""
    names = list(dict.fromkeys(kind.NAMED for kind in rules.KINDS))
    return f"{', '.join(names[:-1])} or {names[-1]}"
