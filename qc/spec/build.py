"""Building a Spec from a merged, schema-valid spec mapping: the spec-wide keys and derived
attributes here, each check's rule by the module of its rule kind (qc.rules.KINDS)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from typing import Any, TypeVar

import msgspec

from qc import rules
from qc.errors import ExpressionError, LinkError, SpecError
from qc.model import (
    IDENTITY_CHECK,
    Check,
    Derived,
    Limits,
    Lineage,
    ReportOnly,
    Rule,
    Spec,
    SpecFile,
    header_key,
)
from qc.rules.dates import iso_date, spec_formats
from qc.rules.entry import Entry
from qc.spec.column_map import read_columns, taken_away
from qc.spec.location import Locator, SpecPath

# The keys every check has, whatever its rule; each rule kind owns the rest (its KEYS), and
# specs/spec.schema.json lists exactly these together (tests/rules/test_rule_registry.py).
COMMON_KEYS = ("name", "column", "description", "method", "required", "report_only", "locked",
               "replicates")
# Keys that refine a rule: a report-only check without a rule may not set them.
REFINING = ("unit", "rounding", "date_format")

T = TypeVar("T")


def build(data: Mapping[str, Any], where: Locator, files: tuple[SpecFile, ...], *,
          lineage: tuple[Lineage, ...] = (), collect: list[SpecError] | None = None,
          skip: frozenset[int] = frozenset()) -> Spec:
    """The Spec of a merged, schema-valid mapping; SpecError at the first problem. With
    `collect` (`exoqc spec validate`), every problem is appended there instead and the
    checks that have one are left out, as are the checks in `skip` (their schema is
    already reported broken)."""
    def attempt(make: Callable[[], T], fallback: T) -> T:
        if collect is None:
            return make()
        try:
            return make()
        except SpecError as exc:
            collect.append(exc)
            return fallback

    none: tuple[Derived, ...] = ()
    derived = attempt(lambda: _derived(data.get("derived", {}), where), none)
    context = _Context(
        where=where,
        derived={d.key: d for d in derived},
        rounding=data.get("rounding"),
        date_formats=attempt(lambda: spec_formats(data.get("date_format"), where,
                                                  ("date_format",)), ()),
    )
    built = [(i, attempt(partial(_check, item, context, ("checks", i)), None))
             for i, item in enumerate(data["checks"]) if i not in skip]
    checks = tuple(c for _, c in built if c is not None)
    seen: dict[str, int] = {}
    for i, check in ((i, c) for i, c in built if c is not None):
        if check.name == IDENTITY_CHECK:
            attempt(partial(_raise, where.error(
                ("checks", i, "name"), f"{IDENTITY_CHECK!r} is reserved for exoqc's own "
                "batch id check")), None)
        if check.name in seen:
            attempt(partial(_raise, where.error(
                ("checks", i, "name"), f"duplicate check name {check.name!r} (also "
                f"checks[{seen[check.name]}])")), None)
        seen.setdefault(check.name, i)
    approver = data.get("approved_by")
    if approver is not None and not any(ch.isalnum() for ch in approver):
        attempt(partial(_raise, where.error(("approved_by",), "names no one (it holds no letter "
                                            "or digit)")), None)
    effective = data.get("effective_date")
    if effective is not None:
        attempt(partial(iso_date, effective, where, ("effective_date",)), None)
    spec = Spec(
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
        lineage=lineage,
        locked=tuple(item["name"] for item in data["checks"] if item.get("locked") is True),
        laboratory=data.get("laboratory", ""),
        product=data.get("product", ""),
        manufacture_column=data.get("manufacture_column"),
        expiry_column=data.get("expiry_column"),
        **_grouping(data, where, checks),
        columns=tuple((str(k), str(v)) for k, v in data.get("columns", {}).items()),
    )
    read = read_columns(spec)
    for lab, column in spec.columns:
        for problem in taken_away(((lab, column),), read):
            attempt(partial(_raise, where.error(("columns", lab), problem)), None)
    return spec


def _raise(error: SpecError) -> None:
    raise error


class _Context(msgspec.Struct, frozen=True):
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
        if "replicates" in item:
            raise ctx.where.error((*at, "replicates"), f"derived attribute {source.name!r} "
                                  "is computed from one row: it has no replicates")
        if not isinstance(rule, Limits | ReportOnly):
            raise ctx.where.error((*at, "column"), f"derived attribute {source.name!r} can "
                                  "only be checked with min/max limits")
    replicates = None
    if "replicates" in item:
        from qc.spec.replicates import build as build_replicates  # only specs that use it

        replicates = build_replicates(item["replicates"], rule, report_only, ctx.where,
                                      (*at, "replicates"))
    return Check(
        replicates=replicates,
        name=item["name"],
        column=alternatives[0],
        rule=rule,
        required=item.get("required", True),
        description=item.get("description", ""),
        method=item.get("method", ""),
        columns=alternatives if len(alternatives) > 1 else (),
        report_only=report_only,
    )


def _grouping(data: Mapping[str, Any], where: Locator, checks: tuple[Check, ...]
              ) -> dict[str, str | None]:
    """The spec-wide replicate and retest columns (see qc/spec/replicates.py)."""
    found = {k: data.get(k) for k in ("replicate_column", "result_status_column",
                                      "invalidation_column")}
    if any(v is not None for v in found.values()):
        from qc.spec.replicates import grouping

        grouping(found, data["id_column"], checks, where)
    return found


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
    for key in ("match", "warn_values", "indeterminate_values"):
        if key in item and "allowed" not in item:
            raise ctx.where.error((*at, key), f"{key} applies only to allowed")
    entry = Entry(item, at, ctx.where, rounding=ctx.rounding, date_formats=ctx.date_formats)
    built: Rule = chosen[0].build(entry)
    return built


def _choices() -> str:
    """`min/max limits, allowed, forbidden, equals or pattern`."""
    names = list(dict.fromkeys(kind.NAMED for kind in rules.KINDS))
    return f"{', '.join(names[:-1])} or {names[-1]}"
