"""`exoqc spec validate`: every problem of a spec as `file:line:col: message`, including
things that are legal but cannot be what was meant (a check that can never fail)."""

from __future__ import annotations

import re
from typing import Any

from qc import spec as specs
from qc.errors import SpecError
from qc.model import Spec, header_key
from qc.rules import never_fails


def validate(ref: str) -> list[str]:
    """Every problem of a spec (and the files it extends) as `file:line:col: message`, all
    at once: each file's own, the merged spec's schema problems, then what building each
    check finds (a check whose schema is broken is not built again), and, for a spec
    without problems, the lint."""
    collected: list[SpecError] = []
    try:
        resolved = specs.resolve(ref, collect=collected)
    except SpecError as exc:
        return _unique([*collected, exc])
    try:
        data, where = specs.merge(resolved)
    except SpecError as exc:
        if len(resolved.chain) != 1:
            return _unique([*collected, exc])
        collected.append(exc)  # one file (a check name twice): its checks are still built
        data, where = resolved.chain[0].data, resolved.chain[0].where
    if not isinstance(data, dict) or not isinstance(data.get("checks"), list):
        return _unique([*collected, *specs.schema_problems(data, where)])
    problems = [*collected, *specs.schema_problems(data, where)]
    from qc.spec.build import build
    from qc.spec.schema import broken_checks

    try:
        spec = build(data, where, (), collect=problems, skip=broken_checks(data))
    except (KeyError, TypeError, ValueError, AttributeError):  # data the schema refused
        return _unique(problems)
    if problems:
        return _unique(problems)
    return [str(where.error(path, message)) for path, message in lint(spec, data)]


def _unique(problems: list[SpecError]) -> list[str]:
    """The messages once each (a file's problem and the merged spec's may be the same), in
    document order within each file (a message without a place keeps its turn)."""
    messages = list(dict.fromkeys(str(p) for p in problems))
    return sorted(messages, key=_place)


_PLACE = re.compile(r"^(.*?):(\d+):(\d+): ")


def _place(message: str) -> tuple[str, int, int]:
    found = _PLACE.match(message)
    return (found[1], int(found[2]), int(found[3])) if found else ("", 0, 0)


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
