"""`exoqc spec show` (a spec after `extends`, in lab notation or as JSON) and `exoqc spec
list` (the built-in specs)."""

from __future__ import annotations

import io
import json
import re
from decimal import Decimal
from typing import Any

from qc import spec as specs
from qc.model import Check, ReportOnly, Rule, Spec, lineage_notes
from qc.render.notation import rule_text
from qc.rules import annotation


def criterion(rule: Rule) -> str:
    """A check's criterion for `spec show`: the certificate's lab notation (qc.render.notation) plus
    what a spec author sets beside it: the alert band, USP rounding, date formats."""
    return rule_text(rule) + annotation(rule)


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
    if check.method:
        text += f"; method {check.method}"
    if check.replicates is not None:
        from qc.spec.replicates import describe

        text += f"; {describe(check.replicates, getattr(check.rule, 'unit', None))}"
    return check.name, column, text


def _trimmed(text: str) -> str:
    """rich pads each table line to the table's width: no line ends in spaces."""
    return "".join(line.rstrip(" ") + "\n" for line in text.splitlines())


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
    extra = [f"status: {status}" + (" (NOT FOR RELEASE)" if spec.status != "approved" else "")]
    if spec.effective_date:
        extra.append(f"effective {spec.effective_date}")
    if spec.approved_by:
        extra.append(f"approved by {spec.approved_by}")
    console.print(Text(visible(" · ".join(extra))))
    if len(spec.files) > 1:
        console.print(Text(visible("extends: " + " -> ".join(f.path for f in spec.files))))
    for note in lineage_notes(spec.lineage):
        console.print(Text(visible(note)))
    if spec.locked:
        console.print(Text(visible("locked (a spec extending this one may only narrow them): "
                                   + ", ".join(spec.locked))))
    console.print(Text(visible(f"batch id column: {spec.id_column}")))
    coa = [f"{label}: {value}" for label, value in (
        ("laboratory", spec.laboratory), ("product", spec.product),
        ("manufacture date column", spec.manufacture_column),
        ("expiry date column", spec.expiry_column)) if value]
    if coa:
        console.print(Text(visible(" · ".join(coa))))
    for key in ("replicate_column", "result_status_column", "invalidation_column"):
        if getattr(spec, key) is not None:
            console.print(Text(visible(f"{key.replace('_', ' ')}: {getattr(spec, key)}")))
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    table.add_column("check", overflow="fold")
    table.add_column("column", overflow="fold")
    table.add_column("criterion", overflow="fold", ratio=1)
    for check in spec.checks:
        table.add_row(*(Text(visible(cell)) for cell in _check_row(check, spec)))
    console.print(table)
    return _trimmed(buffer.getvalue())


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
