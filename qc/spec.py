"""Load a release spec: find it, parse YAML or JSON, validate against the schema, build a Spec."""

from __future__ import annotations

import difflib
import hashlib
import json
from collections.abc import Iterator, Mapping
from decimal import Decimal
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path
from typing import Any

from qc import units, yaml12
from qc.errors import SpecError
from qc.model import (
    IDENTITY_CHECK,
    Allowed,
    Check,
    Equals,
    Forbidden,
    Limits,
    Pattern,
    Rule,
    Spec,
    SpecFile,
)

BUILTIN = ("clinical", "research")
MAX_SPEC_BYTES = 1 << 20
RULE_KEYS = ("allowed", "forbidden", "equals", "pattern")
LIMIT_KEYS = ("min", "max", "warn_min", "warn_max")


def specs_dir() -> Traversable:
    """Where the shipped specs and the schema live: inside the installed package, or,
    when running from a source checkout, in the repository's top-level specs/."""
    packaged = resources.files("qc") / "specs"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "specs"


def schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((specs_dir() / "spec.schema.json").read_text("utf-8"))
    return loaded


def load_spec(name_or_path: str) -> Spec:
    """Load a built-in spec by name (`clinical`, `research`) or any spec file by path."""
    if name_or_path in BUILTIN:
        source = specs_dir() / f"{name_or_path}.yaml"
        shown = f"builtin:{name_or_path}"
    else:
        source = Path(name_or_path)
        shown = name_or_path
    try:
        if source.is_dir():
            raise SpecError(f"{shown}: is a folder, not a spec file")
        raw = source.read_bytes()
    except FileNotFoundError:
        hint = f" (built-in specs: {', '.join(BUILTIN)})" if "/" not in name_or_path else ""
        raise SpecError(f"{shown}: spec file not found{hint}") from None
    except OSError as exc:
        raise SpecError(f"{shown}: cannot read spec file: {exc.strerror}") from None
    return parse_spec(raw, shown)


def parse_spec(raw: bytes, shown: str) -> Spec:
    """Build a Spec from a file's bytes; `shown` is how errors and reports name the file."""
    if len(raw) > MAX_SPEC_BYTES:
        raise SpecError(f"{shown}: spec file is larger than {MAX_SPEC_BYTES // 1024} KiB")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SpecError(f"{shown}: spec file is not UTF-8 text (byte {exc.start})") from None
    data, positions = _parse(text, shown)
    where = _Locator(shown, positions)
    _validate_schema(data, where)
    spec = _build(data, where, SpecFile(shown, hashlib.sha256(raw).hexdigest()))
    return spec


def _parse(text: str, shown: str) -> tuple[Any, yaml12.Positions]:
    if shown.lower().endswith(".json"):
        try:
            return json.loads(text, parse_float=Decimal, parse_int=Decimal,
                              parse_constant=_no_constant), {}
        except json.JSONDecodeError as exc:
            raise SpecError(f"{shown}:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}") from None
        except ValueError as exc:
            raise SpecError(f"{shown}: invalid JSON: {exc}") from None
    try:
        return yaml12.load(text)
    except yaml12.YamlError as exc:
        at = f":{exc.line}:{exc.column}" if exc.line else ""
        raise SpecError(f"{shown}{at}: invalid YAML: {exc}") from None


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not a number a spec may use")


class _Locator:
    """Turns a path inside the spec into `file:line:col: checks[2].min`."""

    def __init__(self, shown: str, positions: yaml12.Positions) -> None:
        self.shown = shown
        self.positions = positions

    def error(self, path: tuple[str | int, ...], message: str) -> SpecError:
        line_col = self.positions.get(path) or self.positions.get(tuple(p for p in path if p != "<key>"))
        at = f":{line_col[0]}:{line_col[1]}" if line_col else ""
        key = _dotted(path)
        return SpecError(f"{self.shown}{at}: {key + ': ' if key else ''}{message}")


def _dotted(path: tuple[str | int, ...]) -> str:
    out = ""
    for part in path:
        if part == "<key>":
            continue
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def _validate_schema(data: Any, where: _Locator) -> None:
    from qc.schemacheck import surely_valid

    if surely_valid(data, schema()):
        return  # certainly valid: jsonschema would find nothing (see qc/schemacheck.py)
    import jsonschema  # deferred: ~0.2 s of imports that --help and --version never need

    validator = jsonschema.Draft202012Validator(schema())
    errors = sorted(validator.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path])
    if not errors:
        return
    first = errors[0]
    path, message = _describe(first)
    more = f" (and {len(errors) - 1} more problems)" if len(errors) > 1 else ""
    raise where.error(path, message + more)


def _describe(error: Any) -> tuple[tuple[str | int, ...], str]:
    path: tuple[str | int, ...] = tuple(error.absolute_path)
    if error.validator == "additionalProperties":
        known = list(error.schema.get("properties", {}))
        extra = sorted(k for k in error.instance if k not in known)[0]
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
        return path, f"must be {article} {wanted}, not {_show(error.instance)}"
    if error.validator == "minItems":
        return path, "must not be empty"
    if error.validator == "pattern" and path and path[-1] == "name":
        return path, f"{_show(error.instance)} is not a valid check name (letters, digits, _ . -)"
    return path, error.message


def _show(value: Any) -> str:
    if isinstance(value, Decimal):
        return f"the number {value}"
    if isinstance(value, bool):
        return f"{str(value).lower()}"
    if value is None:
        return "empty"
    if isinstance(value, str):
        return repr(value)
    return type(value).__name__


def _build(data: Mapping[str, Any], where: _Locator, source: SpecFile) -> Spec:
    checks = tuple(_iter_checks(data["checks"], where))
    seen: dict[str, int] = {}
    for i, check in enumerate(checks):
        if check.name == IDENTITY_CHECK:
            raise where.error(("checks", i, "name"), f"{IDENTITY_CHECK!r} is reserved for exoqc's "
                              "own batch id check")
        if check.name in seen:
            raise where.error(("checks", i, "name"),
                              f"duplicate check name {check.name!r} (also checks[{seen[check.name]}])")
        seen[check.name] = i
    version = data["version"]
    return Spec(
        name=data["name"],
        version=str(version),
        id_column=data["id_column"],
        checks=checks,
        files=(source,),
        title=data.get("title", ""),
    )


def _iter_checks(items: list[Mapping[str, Any]], where: _Locator) -> Iterator[Check]:
    for i, item in enumerate(items):
        yield Check(
            name=item["name"],
            column=item["column"],
            rule=_rule(item, where, ("checks", i)),
            required=item.get("required", True),
            description=item.get("description", ""),
        )


def _rule(item: Mapping[str, Any], where: _Locator, at: tuple[str | int, ...]) -> Rule:
    kinds = [k for k in RULE_KEYS if k in item]
    has_limits = any(k in item for k in LIMIT_KEYS)
    if has_limits:
        kinds.insert(0, "min/max")
    if len(kinds) != 1:
        found = " and ".join(kinds) if kinds else "none"
        raise where.error(at, "a check needs exactly one rule: min/max limits, allowed, "
                              f"forbidden, equals or pattern (found {found})")
    if "unit" in item and not has_limits:
        raise where.error((*at, "unit"), "unit applies only to min/max limits")
    if has_limits:
        return _limits(item, where, at)
    if "allowed" in item:
        return Allowed(tuple(item["allowed"]))
    if "forbidden" in item:
        return Forbidden(tuple(item["forbidden"]))
    if "equals" in item:
        return Equals(bool(item["equals"]))
    from qc.rules.text import compile_pattern  # deferred: imports pyarrow

    try:
        compile_pattern(item["pattern"])
    except ValueError as exc:
        raise where.error((*at, "pattern"), str(exc)) from None
    return Pattern(item["pattern"])


def _limits(item: Mapping[str, Any], where: _Locator, at: tuple[str | int, ...]) -> Limits:
    unit = item.get("unit")
    if unit is not None:
        found = units.find(unit)
        if found is None:
            raise where.error((*at, "unit"), f"unknown unit {unit!r}")
        unit = found.symbol
    values: dict[str, Decimal | None] = {}
    for key in LIMIT_KEYS:
        value = item.get(key)
        if value is not None and not value.is_finite():
            raise where.error((*at, key), f"must be a finite number, not {value}")
        values[key] = value
    lo, hi, wlo, whi = (values[k] for k in LIMIT_KEYS)
    if lo is not None and hi is not None and lo > hi:
        raise where.error((*at, "min"), f"min {lo} is greater than max {hi}")
    if wlo is not None and whi is not None and wlo > whi:
        raise where.error((*at, "warn_min"), f"warn_min {wlo} is greater than warn_max {whi}")
    for key, value in (("warn_min", wlo), ("warn_max", whi)):
        if value is None:
            continue
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            bounds = f"{lo if lo is not None else '-∞'}..{hi if hi is not None else '∞'}"
            raise where.error((*at, key), f"{key} {value} lies outside the action limits {bounds}")
    return Limits(unit=unit, min=lo, max=hi, warn_min=wlo, warn_max=whi)
