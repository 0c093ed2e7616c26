"""`exoqc spec validate|show|list`: lint a spec, show it in lab notation, list the built-ins."""

from __future__ import annotations

import io
import json
import re
from decimal import Decimal
from typing import Any

from qc import spec as specs
from qc.errors import SpecError
from qc.model import (
    Check,
    DateBound,
    DateLimits,
    Limits,
    Pattern,
    ReportOnly,
    Rule,
    Spec,
    header_key,
)
from qc.render.notation import rule_text, span

# --- validate --------------------------------------------------------------------------------


def validate(ref: str) -> list[str]:
    """Every problem of a spec (and the files it extends) as `file:line:col: message`."""
    collected: list[SpecError] = []
    try:
        resolved = specs.resolve(ref, collect=collected)
    except SpecError as exc:
        return [*(str(p) for p in collected), str(exc)]
    if collected:
        return [str(p) for p in collected]
    try:
        data, where = specs.merge(resolved)
    except SpecError as exc:
        return [str(exc)]
    problems = specs.schema_problems(data, where)
    if problems:
        return [str(p) for p in problems]
    try:
        spec = specs.build_spec(resolved)
    except SpecError as exc:
        return [str(exc)]
    return [str(where.error(path, message)) for path, message in lint(spec, data)]


def lint(spec: Spec, data: dict[str, Any]) -> list[tuple[tuple[str | int, ...], str]]:
    """Problems in a spec that loads: things that are legal but cannot be what was meant."""
    found: list[tuple[tuple[str | int, ...], str]] = []
    used = {header_key(c.column) for c in spec.checks}
    for d in spec.derived:
        if not d.inputs:
            found.append((("derived", d.name), "references no column: the value is a "
                          "constant"))
        elif d.key not in used and not any(
                header_key(d.name) in map(header_key, o.inputs)
                for o in spec.derived):
            found.append((("derived", d.name), "no check uses this derived attribute"))
    for i, check in enumerate(spec.checks):
        at: tuple[str | int, ...] = ("checks", i)
        keys = [header_key(c) for c in check.alternatives]
        for k, key in enumerate(keys):
            if key in keys[:k]:
                found.append(((*at, "column", k), f"column alternative {check.alternatives[k]!r}"
                              " is listed twice"))
        if check.report_only:
            continue
        found.extend(((*at, *sub), message) for sub, message in _never_fails(check))
    return found


def _never_fails(check: Check) -> list[tuple[tuple[str | int, ...], str]]:
    rule = check.rule
    if isinstance(rule, Limits) and rule.lower is None and rule.upper is None:
        return [((), "has only alert limits: it can warn but never fail out of spec (add min "
                     "or max, or make it report_only)")]
    if isinstance(rule, DateLimits):
        if rule.lower is None and rule.upper is None:
            return [((), "has only alert limits: it can warn but never fail out of spec")]
        for key, bound in rule.bounds().items():
            if bound.kind == "column" and \
                    header_key(bound.column) in map(header_key, check.alternatives):
                return [((key,), f"compares column {bound.column!r} with itself")]
    if isinstance(rule, Pattern):
        try:
            anything = re.compile(rule.regex)
            if anything.fullmatch("") and anything.fullmatch("any value 123 !?"):
                return [(("pattern",), "matches any value: the check can never fail")]
        except re.error:
            pass
    return []


# --- show ------------------------------------------------------------------------------------


def criterion(rule: Rule) -> str:
    """A check's criterion for `spec show`: the certificate's lab notation (qc.render.notation) plus
    what a spec author sets beside it: the alert band, USP rounding, date formats."""
    text = rule_text(rule)
    if isinstance(rule, Limits):
        if rule.warn_min is not None or rule.warn_max is not None:
            text += f" (alert {span(rule.warn_min, rule.warn_max, None)})"
        if rule.rounding == "usp":
            text += ", USP rounding"
    elif isinstance(rule, DateLimits):
        band = _date_band(rule.warn_min, rule.warn_max)
        if band:
            text += f" (alert {band})"
        if rule.formats:
            text += "; formats " + ", ".join(rule.formats)
    return text


def _date_band(lo: DateBound | None, hi: DateBound | None) -> str:
    if lo is not None and hi is not None:
        return f"{lo} to {hi}"
    if lo is not None:
        return f"≥ {lo}"
    return f"≤ {hi}" if hi is not None else ""


def _check_row(check: Check, spec: Spec) -> tuple[str, str, str]:
    derived = spec.derived_named(check.column) if not check.columns else None
    column = " | ".join(check.alternatives)
    if derived is not None:
        column = f"{derived.name} = {derived.expression}"
    text = criterion(check.rule)
    if check.report_only and not isinstance(check.rule, ReportOnly):
        text = f"report only ({text})"
    if not check.required and not check.report_only:
        text += "; optional"
    return check.name, column, text


def show_table(ref: str, width: int = 100) -> str:
    """The resolved spec as a table a lab person reads: one line per check."""
    from rich import box
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from qc.render.text import visible

    spec = specs.load_spec(ref)
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, no_color=True, color_system=None,
                      highlight=False, emoji=False, markup=False, legacy_windows=False)
    console.print(Text(visible(f"{spec.name} {spec.version}" + (f" · {spec.title}"
                                                                   if spec.title else ""))))
    status = spec.status or "not stated"
    extra = [f"status: {status}" + (" (NOT FOR RELEASE)" if spec.status == "draft" else "")]
    if spec.effective_date:
        extra.append(f"effective {spec.effective_date}")
    if spec.approved_by:
        extra.append(f"approved by {spec.approved_by}")
    console.print(Text(visible(" · ".join(extra))))
    if len(spec.files) > 1:
        console.print(Text(visible("extends: " + " -> ".join(f.path for f in spec.files))))
    console.print(Text(visible(f"batch id column: {spec.id_column}")))
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    table.add_column("check", overflow="fold")
    table.add_column("column", overflow="fold")
    table.add_column("criterion", overflow="fold", ratio=1)
    for check in spec.checks:
        table.add_row(*(Text(visible(cell)) for cell in _check_row(check, spec)))
    console.print(table)
    return buffer.getvalue()


def show_json(ref: str) -> str:
    """The resolved spec (extends applied) as JSON: itself a spec that `check` can load.
    Numbers keep their digits as written (1.0E+10 stays 1.0E+10)."""
    resolved = specs.resolve(ref)
    specs.build_spec(resolved)  # refuse to show a spec that does not load
    data, _ = specs.merge(resolved)
    numbers: list[str] = []

    def mark(value: Any) -> Any:
        if isinstance(value, Decimal):
            numbers.append(str(value))
            return f"\x00{len(numbers) - 1}\x00"
        if isinstance(value, dict):
            return {k: mark(v) for k, v in value.items()}
        if isinstance(value, list):
            return [mark(v) for v in value]
        return value

    text = json.dumps(mark(data), indent=2, ensure_ascii=False)
    return re.sub(r'"\\u0000(\d+)\\u0000"', lambda m: numbers[int(m.group(1))], text) + "\n"


def list_builtin() -> str:
    """The built-in specs, one per line: name, version, title, status."""
    rows = [("builtin", "name", "version", "status", "title")]
    for builtin in specs.BUILTIN:
        spec = specs.load_spec(builtin)
        rows.append((builtin, spec.name, spec.version, spec.status or "-", spec.title))
    widths = [max(len(r[k]) for r in rows) for k in range(4)]
    lines = ["  ".join([*(r[k].ljust(widths[k]) for k in range(4)), r[4]]).rstrip()
             for r in rows]
    return "\n".join(lines) + "\n"
