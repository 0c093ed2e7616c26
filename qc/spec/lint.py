"""`exoqc spec validate`: every problem of a spec as `file:line:col: message`, including
things that are legal but cannot be what was meant (a check that can never fail)."""

from __future__ import annotations

from typing import Any

from qc import spec as specs
from qc.errors import SpecError
from qc.model import Spec, header_key
from qc.rules import never_fails


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
        found.extend(((*at, *sub), message) for sub, message in never_fails(check))
    return found
