"""JSON-Schema validation of specs (specs/spec.schema.json) and the translation of
jsonschema's errors into located messages a spec author reads.

Almost every spec a run loads is valid. jsonschema-rs (a compiled validator) says whether
a document is valid in about a millisecond; only when it is not does jsonschema, whose
import and first validation cost about a third of the Quick-start baseline, find and word
the problems (benchmarks/spec_validation.py). Both implement Draft 2020-12; a hypothesis
test checks that what jsonschema-rs accepts, jsonschema accepts too
(tests/spec/test_schema_validation.py).
"""

from __future__ import annotations

import functools
import json
from typing import Any

from qc.errors import SpecError
from qc.spec.location import Locator, SpecPath, dotted
from qc.spec.source import specs_dir

SCHEMA_FULL = "full"
SCHEMA_PART = "part"  # one file of an extends chain: only name and version required


def schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((specs_dir() / "spec.schema.json").read_text("utf-8"))
    return loaded


def schema_for(kind: str) -> dict[str, Any]:
    """The schema a document of this kind is validated against."""
    loaded = schema()
    if kind == SCHEMA_PART:
        loaded = {**loaded, "required": ["name", "version"]}
    return loaded


@functools.cache
def _quick(kind: str) -> Any:
    """A jsonschema-rs validator for this kind of document (built once per process)."""
    import jsonschema_rs  # deferred: --help and --version never load a spec

    return jsonschema_rs.Draft202012Validator(schema_for(kind))


def valid(data: Any, kind: str) -> bool:
    """Whether a document is valid against the schema (jsonschema-rs: fast, no messages).
    False for a value jsonschema-rs cannot take (a key that is not text): jsonschema decides."""
    try:
        ok: bool = _quick(kind).is_valid(data)
    except (ValueError, TypeError, OverflowError, RecursionError):
        return False
    return ok


def _validator(kind: str) -> Any:
    import jsonschema  # deferred: ~0.2 s of imports that --help and --version never need

    return jsonschema.Draft202012Validator(schema_for(kind))


def schema_problems(data: Any, where: Locator, kind: str = SCHEMA_FULL) -> list[SpecError]:
    """Every schema violation, as located errors, in document order."""
    described = [_describe(e) for e in _validator(kind).iter_errors(data)]
    described.sort(key=lambda d: (where.line_col(d[0]), dotted(d[0])))
    return [where.error(path, message) for path, message in described]


def broken_checks(data: Any, kind: str = SCHEMA_FULL) -> frozenset[int]:
    """The indexes of the checks that break the schema (a whole `checks` that does: all)."""
    out: set[int] = set()
    for error in _validator(kind).iter_errors(data):
        path = tuple(error.absolute_path)
        if path[:1] == ("checks",):
            if len(path) > 1 and isinstance(path[1], int):
                out.add(path[1])
            elif isinstance(data, dict) and isinstance(data.get("checks"), list):
                out.update(range(len(data["checks"])))
    return frozenset(out)


def validate(data: Any, where: Locator, kind: str) -> None:
    """SpecError naming the first schema violation (and how many more there are)."""
    if valid(data, kind):
        return  # jsonschema would find nothing: do not load it
    problems = schema_problems(data, where, kind)
    if problems:
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        raise SpecError(f"{problems[0]}{more}")


def check_file(data: Any, where: Locator, collect: list[SpecError] | None = None) -> None:
    """Check one file of an extends chain; with `collect`, append its problems there
    instead of raising the first."""
    if collect is not None and isinstance(data, dict):
        collect.extend(schema_problems(data, where, SCHEMA_PART))
    else:
        validate(data, where, SCHEMA_PART)


def _describe(error: Any) -> tuple[SpecPath, str]:
    from qc.rules.entry import shown  # deferred: qc.rules loads every rule kind (pyarrow)

    path: SpecPath = tuple(error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict) \
            and "properties" in error.schema:
        known = list(error.schema.get("properties", {}))
        extra = sorted(k for k in error.instance if k not in known)[0]
        import difflib  # imported where used: only a spec with an unknown key

        close = difflib.get_close_matches(extra, known, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        return (*path, extra, "<key>"), f"unknown key {extra!r}{hint}"
    if error.validator == "required":
        missing = error.message.split("'")[1]
        return path, f"missing required key {missing!r}"
    if error.validator == "type":
        wanted = error.validator_value
        wanted = " or ".join(wanted) if isinstance(wanted, list) else wanted
        article = "an" if str(wanted)[0] in "aeiou" else "a"
        return path, f"must be {article} {wanted}, not {shown(error.instance)}"
    if error.validator == "minItems":
        return path, "must not be empty"
    if error.validator == "pattern" and path and path[-1] == "name":
        return path, f"{shown(error.instance)} is not a valid check name (letters, digits, _ . -)"
    if error.validator == "anyOf":
        last = path[-1] if path else ""
        if last == "column":
            return path, f"must be a column name or a list of them, not {shown(error.instance)}"
        if last == "date_format":
            return path, f"must be a strftime format or a list of them, not {shown(error.instance)}"
        return path, ("must be a number, a date (2026-03-07, today, today+30d) or "
                      f"{{column: name}}, not {shown(error.instance)}")
    if error.validator == "enum":
        choices = ", ".join(str(v) for v in error.validator_value)
        return path, f"must be one of {choices}, not {shown(error.instance)}"
    if error.validator == "propertyNames":
        return path, f"{shown(error.instance)}: names must be identifiers (letters, digits, _)"
    if error.validator == "pattern" and path and path[-1] == "effective_date":
        return path, f"must be an ISO date such as 2026-03-07, not {shown(error.instance)}"
    return path, error.message
