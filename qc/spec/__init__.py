"""Load a release spec: find it, parse YAML or JSON, validate against the schema, build a Spec."""

from __future__ import annotations

import difflib
import functools
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path
from typing import Any

from qc.engine import units
from qc.errors import ExpressionError, SpecError, YamlError
from qc.model import (
    DATE_KEYS,
    DOUBLE_MAX,
    IDENTITY_CHECK,
    Allowed,
    Check,
    DateBound,
    DateLimits,
    Derived,
    Equals,
    Forbidden,
    Limits,
    Pattern,
    ReportOnly,
    Rule,
    Spec,
    SpecFile,
    header_key,
)
from qc.spec import yaml12

BUILTIN = ("clinical", "research")
MAX_SPEC_BYTES = 1 << 20
RULE_KEYS = ("allowed", "forbidden", "equals", "pattern")
LIMIT_KEYS = ("min", "max", "warn_min", "warn_max", "min_exclusive", "max_exclusive")
LIFECYCLE_KEYS = ("status", "effective_date", "approved_by")
TOP_ORDER = ("name", "version", "title", "status", "effective_date", "approved_by", "id_column",
             "rounding", "date_format", "derived", "checks")


def specs_dir() -> Traversable:
    """Where the shipped specs and the schema live: inside the installed package, or,
    when running from a source checkout, in the repository's top-level specs/."""
    packaged = resources.files("qc") / "specs"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "specs"


def schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((specs_dir() / "spec.schema.json").read_text("utf-8"))
    return loaded


def load_spec(name_or_path: str) -> Spec:
    """Load a built-in spec by name (`clinical`, `research`) or any spec file by path,
    following its `extends` chain."""
    return build_spec(resolve(name_or_path))


def parse_spec(raw: bytes, shown: str) -> Spec:
    """Build a Spec from one file's bytes (no `extends`); `shown` names it in errors."""
    source = _read_source(raw, shown, None)
    if "extends" in source.data:
        raise source.where.error(("extends",), "extends needs a spec file on disk")
    return build_spec(Resolved((source,)))


def build_spec(resolved: Resolved) -> Spec:
    data, where = merge(resolved)
    _validate_schema(data, where, SCHEMA_FULL)
    files = tuple(SpecFile(s.shown, s.sha256) for s in resolved.chain)
    return _build(data, where, files)


@dataclass(frozen=True)
class Source:
    """One spec file as read: its data (schema-checked), positions, and where it lives."""

    shown: str
    sha256: str
    data: dict[str, Any]
    where: _Locator
    folder: Traversable | None  # where its `extends` paths are relative to
    identity: str  # for cycle detection
    builtin: bool = False


@dataclass(frozen=True)
class Resolved:
    """A spec and its ancestors: chain[0] is the file asked for, chain[-1] the farthest."""

    chain: tuple[Source, ...]


def _locate(name_or_path: str, folder: Traversable | None, builtin_parent: bool
            ) -> tuple[Traversable, str, str, Traversable | None, bool]:
    if name_or_path in BUILTIN:
        source = specs_dir() / f"{name_or_path}.yaml"
        return source, f"builtin:{name_or_path}", f"builtin:{name_or_path}", specs_dir(), True
    if builtin_parent:
        source = specs_dir() / name_or_path
        shown = f"builtin:{name_or_path.removesuffix('.yaml')}"
        return source, shown, shown, specs_dir(), True
    path = Path(name_or_path) if folder is None else Path(str(folder)) / name_or_path
    shown = name_or_path if folder is None else str(path)
    try:
        identity = str(path.resolve())
    except OSError:
        identity = str(path)
    return path, shown, identity, path.parent, False


def _read_file(name_or_path: str, source: Traversable, shown: str) -> bytes:
    try:
        if source.is_dir():
            raise SpecError(f"{shown}: is a folder, not a spec file")
        return source.read_bytes()
    except FileNotFoundError:
        bare = "/" not in name_or_path and not Path(name_or_path).suffix
        hint = f" (built-in specs: {', '.join(BUILTIN)})" if bare else ""
        raise SpecError(f"{shown}: spec file not found{hint}") from None
    except OSError as exc:
        raise SpecError(f"{shown}: cannot read spec file: {exc.strerror}") from None


def resolve(name_or_path: str, collect: list[SpecError] | None = None) -> Resolved:
    """Read a spec and every spec it extends; SpecError for a missing file or a cycle.

    With `collect`, schema problems of each file are appended there instead of raised.
    """
    chain: list[Source] = []
    ref, folder, builtin_parent = name_or_path, None, False
    via: Source | None = None
    while True:
        source, shown, identity, parent_folder, builtin = _locate(ref, folder, builtin_parent)
        if any(s.identity == identity for s in chain):
            names = " -> ".join([*(s.shown for s in chain), shown])
            assert via is not None
            raise via.where.error(("extends",), f"extends forms a cycle: {names}")
        try:
            raw = _read_file(ref, source, shown)
        except SpecError as exc:
            if via is None:
                raise
            raise via.where.error(("extends",), str(exc)) from None
        current = _read_source(raw, shown, parent_folder, identity=identity, builtin=builtin,
                               collect=collect)
        chain.append(current)
        parent = current.data.get("extends")
        if parent is None:
            return Resolved(tuple(chain))
        ref, folder, builtin_parent, via = parent, parent_folder, builtin, current


def _read_source(raw: bytes, shown: str, folder: Traversable | None, *, identity: str = "",
                 builtin: bool = False, collect: list[SpecError] | None = None) -> Source:
    if len(raw) > MAX_SPEC_BYTES:
        raise SpecError(f"{shown}: spec file is larger than {MAX_SPEC_BYTES // 1024} KiB")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SpecError(f"{shown}: spec file is not UTF-8 text (byte {exc.start})") from None
    data, positions = _parse(text, shown)
    where = _Locator(shown, {k: (shown, *v) for k, v in positions.items()})
    if collect is not None and isinstance(data, dict):
        collect.extend(schema_problems(data, where, SCHEMA_PART))
    else:
        _validate_schema(data, where, SCHEMA_PART)
    return Source(shown, hashlib.sha256(raw).hexdigest(), data, where, folder,
                  identity or shown, builtin)


NOT_INHERITED = ("name", "version", "extends", "remove", *LIFECYCLE_KEYS)


def merge(resolved: Resolved) -> tuple[dict[str, Any], _Locator]:
    """The spec the chain means: each file's keys over its parent's; checks by name.

    Returns the merged data (itself a valid spec without `extends`) and a locator that
    names the file, line and column each merged value came from.
    """
    data: dict[str, Any] = {}
    origin: dict[str, Source] = {}  # top-level key -> the file it came from
    checks: list[tuple[dict[str, Any], Source, int]] = []
    for source in reversed(resolved.chain):
        own = source.data
        for key in NOT_INHERITED:
            data.pop(key, None)
            origin.pop(key, None)
        names = [c[0]["name"] for c in checks]
        mine: dict[str, int] = {}
        for i, item in enumerate(own.get("checks", [])):
            if item["name"] in mine:
                raise source.where.error(("checks", i, "name"), f"duplicate check name "
                                         f"{item['name']!r} (also checks[{mine[item['name']]}])")
            mine[item["name"]] = i
        for i, name in enumerate(own.get("remove", [])):
            if name not in names:
                known = ", ".join(names) or "none"
                raise source.where.error(("remove", i), f"no inherited check named {name!r} "
                                         f"(inherited: {known})")
            names = [n for n in names if n != name]
            checks = [c for c in checks if c[0]["name"] != name]
        for key, value in own.items():
            if key in ("extends", "remove"):
                continue
            if key == "checks":
                for i, item in enumerate(value):
                    at = next((j for j, c in enumerate(checks) if c[0]["name"] == item["name"]),
                              None)
                    if at is None:
                        checks.append((item, source, i))
                    else:
                        checks[at] = (item, source, i)
                continue
            data[key] = value
            origin[key] = source
    root = resolved.chain[0]
    entries: dict[tuple[str | int, ...], tuple[str, int, int]] = {}
    for key, source in origin.items():
        entries.update({p: v for p, v in source.where.entries.items() if p and p[0] == key})
    for j, (_, source, i) in enumerate(checks):
        for path, place in source.where.entries.items():
            if len(path) >= 2 and path[0] == "checks" and path[1] == i:
                entries[("checks", j, *path[2:])] = place
    if () in root.where.entries:
        entries[()] = root.where.entries[()]
    if checks:
        data["checks"] = [c[0] for c in checks]
        entries.setdefault(("checks",), root.where.entries.get(("checks",), (root.shown, 0, 0)))
    ordered = {k: data[k] for k in TOP_ORDER if k in data}
    return ordered, _Locator(root.shown, entries)


def _parse(text: str, shown: str) -> tuple[Any, yaml12.Positions]:
    if shown.lower().endswith(".json"):
        try:
            data = json.loads(text, parse_float=Decimal, parse_int=Decimal,
                              parse_constant=_no_constant, object_pairs_hook=_no_duplicates)
        except json.JSONDecodeError as exc:
            raise SpecError(f"{shown}:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}") from None
        except ValueError as exc:
            raise SpecError(f"{shown}: invalid JSON: {exc}") from None
        except RecursionError:
            raise SpecError(f"{shown}: invalid JSON: nested deeper than "
                            f"{yaml12.MAX_DEPTH} levels") from None
        if _depth(data) > yaml12.MAX_DEPTH:
            raise SpecError(f"{shown}: invalid JSON: nested deeper than {yaml12.MAX_DEPTH} levels")
        return data, {}
    try:
        return yaml12.load(text)
    except YamlError as exc:
        at = f":{exc.line}:{exc.column}" if exc.line else ""
        raise SpecError(f"{shown}{at}: invalid YAML: {exc}") from None


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not a number a spec may use")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """JSON objects as the YAML loader reads mappings: a key given twice is an error."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate key {key!r}")
        out[key] = value
    return out


def _depth(data: Any) -> int:
    """How deeply lists and objects nest (iterative: the data may be hostile)."""
    deepest = 0
    stack = [(data, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, depth)
            if depth > yaml12.MAX_DEPTH:
                break
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return deepest


class _Locator:
    """Turns a path inside the (merged) spec into `file:line:col: checks[2].min: ...`."""

    def __init__(self, shown: str, entries: dict[tuple[str | int, ...], tuple[str, int, int]]
                 ) -> None:
        self.shown = shown
        self.entries = entries

    def line_col(self, path: tuple[str | int, ...]) -> tuple[int, int]:
        """(line, column) of a path, for sorting problems in document order."""
        place = self.place(path).rsplit(":", 2)
        return (int(place[1]), int(place[2])) if len(place) == 3 and place[2].isdigit() \
            else (0, 0)

    def place(self, path: tuple[str | int, ...]) -> str:
        """`file:line:col` of a path (or of its nearest ancestor that has a position)."""
        found = self.entries.get(path) or self.entries.get(tuple(p for p in path if p != "<key>"))
        trimmed = tuple(p for p in path if p != "<key>")
        while found is None and trimmed:
            trimmed = trimmed[:-1]
            found = self.entries.get(trimmed)
        if found is None or not found[1]:
            return found[0] if found else self.shown
        return f"{found[0]}:{found[1]}:{found[2]}"

    def error(self, path: tuple[str | int, ...], message: str) -> SpecError:
        # An unknown key is named in the message; the location is the mapping that holds it.
        key = _dotted(path[:-2] if path[-1:] == ("<key>",) else path)
        return SpecError(f"{self.place(path)}: {key + ': ' if key else ''}{message}")


def _dotted(path: tuple[str | int, ...]) -> str:
    out = ""
    for part in path:
        if part == "<key>":
            continue
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


SCHEMA_FULL = "full"
SCHEMA_PART = "part"  # one file of an extends chain: only name and version required


def schema_for(kind: str) -> dict[str, Any]:
    """The schema a document of this kind is validated against."""
    loaded = schema()
    if kind == SCHEMA_PART:
        loaded = {**loaded, "required": ["name", "version"]}
    return loaded


def _validator(kind: str) -> Any:
    import jsonschema  # deferred: ~0.2 s of imports that --help and --version never need

    return jsonschema.Draft202012Validator(schema_for(kind))


def schema_problems(data: Any, where: _Locator, kind: str = SCHEMA_FULL) -> list[SpecError]:
    """Every schema violation, as located errors, in document order."""
    described = [_describe(e) for e in _validator(kind).iter_errors(data)]
    described.sort(key=lambda d: (where.line_col(d[0]), _dotted(d[0])))
    return [where.error(path, message) for path, message in described]


def _validate_schema(data: Any, where: _Locator, kind: str) -> None:
    from qc.spec.schemacheck import surely_valid

    if surely_valid(data, schema_for(kind)):
        return  # certainly valid: jsonschema would find nothing (see qc/spec/schemacheck.py)
    problems = schema_problems(data, where, kind)
    if problems:
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        raise SpecError(f"{problems[0]}{more}")


def _describe(error: Any) -> tuple[tuple[str | int, ...], str]:
    path: tuple[str | int, ...] = tuple(error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict) \
            and "properties" in error.schema:
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
    if error.validator == "anyOf":
        last = path[-1] if path else ""
        if last == "column":
            return path, f"must be a column name or a list of them, not {_show(error.instance)}"
        if last == "date_format":
            return path, f"must be a strftime format or a list of them, not {_show(error.instance)}"
        return path, ("must be a number, a date (2026-03-07, today, today+30d) or "
                      f"{{column: name}}, not {_show(error.instance)}")
    if error.validator == "enum":
        choices = ", ".join(str(v) for v in error.validator_value)
        return path, f"must be one of {choices}, not {_show(error.instance)}"
    if error.validator == "propertyNames":
        return path, f"{_show(error.instance)}: names must be identifiers (letters, digits, _)"
    if error.validator == "pattern" and path and path[-1] == "effective_date":
        return path, f"must be an ISO date such as 2026-03-07, not {_show(error.instance)}"
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
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def _build(data: Mapping[str, Any], where: _Locator, files: tuple[SpecFile, ...]) -> Spec:
    derived = _derived(data.get("derived", {}), where)
    context = _Context(
        where=where,
        derived={d.key: d for d in derived},
        rounding=data.get("rounding"),
        date_formats=_formats(data.get("date_format"), where, ("date_format",)),
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
        _iso_date(effective, where, ("effective_date",))
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
    )


@dataclass(frozen=True)
class _Context:
    where: _Locator
    derived: dict[str, Derived]
    rounding: str | None
    date_formats: tuple[str, ...]


def _derived(table: Mapping[str, str], where: _Locator) -> tuple[Derived, ...]:
    """Parse every derived expression and inline derived names used inside others."""
    from qc.engine.derived import expr

    trees: dict[str, expr.Node] = {}
    for name, text in table.items():
        try:
            trees[name] = expr.parse(text)
        except ExpressionError as exc:
            raise where.error(("derived", name), str(exc)) from None
    keys = {header_key(name): name for name in trees}
    out: list[Derived] = []
    def inline(col: str, trail: tuple[str, ...]) -> expr.Node | None:
        other = keys.get(header_key(col))
        if other is None:
            return None
        if other in trail:
            cycle = " -> ".join((*trail, other))
            raise where.error(("derived", trail[0]), f"refers to itself: {cycle}")
        return expr.substitute(trees[other], lambda c: inline(c, (*trail, other)))

    for name, tree in trees.items():
        full = expr.substitute(tree, functools.partial(_inline_from, inline, name))
        inputs = tuple(dict.fromkeys(expr.columns(full)))
        out.append(Derived(name=name, expression=text, tree=full, inputs=inputs))
    return tuple(out)


def _inline_from(inline: Any, start: str, col: str) -> Any:
    return inline(col, (start,))


def _formats(value: Any, where: _Locator, at: tuple[str | int, ...]) -> tuple[str, ...]:
    if value is None:
        return ()
    formats = (value,) if isinstance(value, str) else tuple(value)
    for i, fmt in enumerate(formats):
        place = at if isinstance(value, str) else (*at, i)
        if "%" not in fmt:
            raise where.error(place, f"{fmt!r} is not a strftime format (e.g. \"%d.%m.%Y\")")
        try:
            datetime.strptime("", fmt)
        except ValueError as exc:
            if "directive" in str(exc) or "stray" in str(exc):
                raise where.error(place, f"{fmt!r} is not a valid strftime format: {exc}"
                                  ) from None
    return formats


def _check(item: Mapping[str, Any], ctx: _Context, at: tuple[str | int, ...]) -> Check:
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


def _rule(item: Mapping[str, Any], ctx: _Context, at: tuple[str | int, ...],
          report_only: bool) -> Rule:
    where = ctx.where
    is_date = item.get("type") == "date"
    kinds = [k for k in RULE_KEYS if k in item]
    has_limits = any(k in item for k in LIMIT_KEYS)
    if has_limits:
        kinds.insert(0, "date limits" if is_date else "min/max")
    if not kinds and report_only:
        for key in ("unit", "rounding", "date_format"):
            if key in item:
                raise where.error((*at, key), f"{key} needs a rule (min/max or dates)")
        return ReportOnly()
    if len(kinds) != 1:
        found = " and ".join(kinds) if kinds else "none"
        raise where.error(at, "a check needs exactly one rule: min/max limits, allowed, "
                              f"forbidden, equals or pattern (found {found})")
    if is_date:
        if not has_limits:
            raise where.error((*at, "type"), "type: date needs min, max, warn_min or warn_max")
        return _date_limits(item, ctx, at)
    for key in ("date_format",):
        if key in item:
            raise where.error((*at, key), f"{key} applies only to type: date checks")
    if "unit" in item and not has_limits:
        raise where.error((*at, "unit"), "unit applies only to min/max limits")
    if "rounding" in item and not has_limits:
        raise where.error((*at, "rounding"), "rounding applies only to min/max limits")
    if has_limits:
        return _limits(item, ctx, at)
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


def _limits(item: Mapping[str, Any], ctx: _Context, at: tuple[str | int, ...]) -> Limits:
    where = ctx.where
    unit = item.get("unit")
    if unit is not None:
        found = units.find(unit)
        if found is None:
            raise where.error((*at, "unit"), f"unknown unit {unit!r}")
        unit = found.symbol
    values: dict[str, Decimal | None] = {}
    for key in LIMIT_KEYS:
        value = item.get(key)
        if value is not None and not isinstance(value, Decimal):
            datelike = isinstance(value, dict) or (
                isinstance(value, str) and re.match(r"\s*(today|\d{4}-\d{2}-\d{2})", value))
            hint = " (dates need type: date)" if datelike else ""
            raise where.error((*at, key), f"must be a number, not {_show(value)}{hint}")
        if value is not None and not value.is_finite():
            raise where.error((*at, key), f"must be a finite number, not {value}")
        # Limits are compared as doubles too; copy_abs() cannot overflow the context.
        if value is not None and value.copy_abs() > DOUBLE_MAX:
            raise where.error((*at, key), f"{_short(value)} is beyond the range of numbers "
                              "exoqc compares (about ±1.8e308)")
        values[key] = value
    for low, high in (("min", "min_exclusive"), ("max", "max_exclusive")):
        if values[low] is not None and values[high] is not None:
            raise where.error((*at, high), f"give {low} or {high}, not both")
    lo, hi, wlo, whi, xlo, xhi = (values[k] for k in LIMIT_KEYS)
    lower = lo if lo is not None else xlo
    upper = hi if hi is not None else xhi
    lower_key = "min" if lo is not None else "min_exclusive"
    upper_key = "max" if hi is not None else "max_exclusive"
    if lower is not None and upper is not None:
        strict = xlo is not None or xhi is not None
        if lower > upper or (strict and lower == upper):
            word = "is greater than" if lower > upper else "leaves no value below"
            raise where.error((*at, lower_key), f"{lower_key} {lower} {word} {upper_key} {upper}")
    if wlo is not None and whi is not None and wlo > whi:
        raise where.error((*at, "warn_min"), f"warn_min {wlo} is greater than warn_max {whi}")
    for key, value in (("warn_min", wlo), ("warn_max", whi)):
        if value is None:
            continue
        if (lower is not None and value < lower) or (upper is not None and value > upper):
            low_text = lower if lower is not None else "-∞"
            bounds = f"{low_text}..{upper if upper is not None else '∞'}"
            raise where.error((*at, key), f"{key} {value} lies outside the action limits {bounds}")
    rounding = item.get("rounding", ctx.rounding)
    return Limits(unit=unit, min=lo, max=hi, warn_min=wlo, warn_max=whi, min_exclusive=xlo,
                  max_exclusive=xhi, rounding="usp" if rounding == "usp" else None)


_TODAY = re.compile(r"^today(?:\s*([+-])\s*(\d{1,5})\s*d)?$")


def _iso_date(text: str, where: _Locator, at: tuple[str | int, ...]) -> date:
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        raise where.error(at, f"{text!r} is not a date (write 2026-03-07)") from None


def _date_bound(value: Any, where: _Locator, at: tuple[str | int, ...]) -> DateBound:
    if isinstance(value, dict):
        return DateBound("column", column=value["column"])
    if isinstance(value, str):
        found = _TODAY.match(value.strip())
        if found:
            days = int(found.group(2) or 0) * (-1 if found.group(1) == "-" else 1)
            return DateBound("today", days=days)
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
            return DateBound("date", date=_iso_date(value.strip(), where, at).isoformat())
    raise where.error(at, f"{_show(value)} is not a date limit (write 2026-03-07, today, "
                          "today+30d, today-7d or {column: name})")


def _date_limits(item: Mapping[str, Any], ctx: _Context, at: tuple[str | int, ...]) -> DateLimits:
    where = ctx.where
    for key in ("unit", "rounding"):
        if key in item:
            raise where.error((*at, key), f"{key} does not apply to type: date checks")
    bounds = {k: _date_bound(item[k], where, (*at, k)) for k in DATE_KEYS if k in item}
    for inclusive, strict in (("min", "min_exclusive"), ("max", "max_exclusive")):
        if inclusive in bounds and strict in bounds:
            raise where.error((*at, strict), f"give {inclusive} or {strict}, not both")
    lower = "min" if "min" in bounds else "min_exclusive"
    upper = "max" if "max" in bounds else "max_exclusive"
    fixed = {k: b.date for k, b in bounds.items() if b.kind == "date"}
    today = {k: b.days for k, b in bounds.items() if b.kind == "today"}
    for order in (fixed, today):
        for low, high in ((lower, upper), ("warn_min", "warn_max"), (lower, "warn_min"),
                          ("warn_max", upper)):
            if low in order and high in order and order[low] > order[high]:  # type: ignore[operator]
                raise where.error((*at, low), f"{low} {bounds[low]} is after {high} "
                                  f"{bounds[high]}")
        open_ended = lower == "min_exclusive" or upper == "max_exclusive"
        if open_ended and lower in order and upper in order and order[lower] == order[upper]:
            raise where.error((*at, lower), f"{lower} {bounds[lower]} and {upper} "
                              f"{bounds[upper]} leave no date between them")
    formats = _formats(item.get("date_format"), where, (*at, "date_format")) or ctx.date_formats
    return DateLimits(**bounds, formats=formats)


def _short(value: Decimal) -> str:
    text = str(value)
    return text if len(text) <= 40 else f"{value:.6E}"
