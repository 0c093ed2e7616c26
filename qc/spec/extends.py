"""`extends`: reading a spec and every spec it extends, and merging the chain into the
one spec it means, with each merged value still located in the file it came from."""

from __future__ import annotations

from typing import Any

import msgspec

from qc.errors import SpecError
from qc.model import Lineage, header_key
from qc.spec.location import Locator
from qc.spec.locked import loosenings
from qc.spec.schema import check_file
from qc.spec.source import Source, locate, read_file, read_source

LIFECYCLE_KEYS = ("status", "effective_date", "approved_by")
TOP_ORDER = ("name", "version", "title", "status", "effective_date", "approved_by", "id_column",
             "laboratory", "product", "manufacture_column", "expiry_column",
             "replicate_column", "result_status_column", "invalidation_column",
             "rounding", "date_format", "columns", "derived", "checks")


class Resolved(msgspec.Struct, frozen=True):
    """A spec and its ancestors: chain[0] is the file asked for, chain[-1] the farthest."""

    chain: tuple[Source, ...]


def resolve(name_or_path: str, collect: list[SpecError] | None = None) -> Resolved:
    """Read a spec and every spec it extends; SpecError for a missing file or a cycle.

    With `collect`, schema problems of each file are appended there instead of raised.
    """
    chain: list[Source] = []
    ref, folder, builtin_parent = name_or_path, None, False
    via: Source | None = None
    while True:
        source, shown, identity, parent_folder, builtin = locate(ref, folder, builtin_parent)
        if any(s.identity == identity for s in chain):
            names = " -> ".join([*(s.shown for s in chain), shown])
            assert via is not None
            raise via.where.error(("extends",), f"extends forms a cycle: {names}")
        try:
            raw = read_file(ref, source, shown)
        except SpecError as exc:
            if via is None:
                raise
            raise via.where.error(("extends",), str(exc)) from None
        current = read_source(raw, shown, parent_folder, identity=identity, builtin=builtin,
                              shipped=source.name if builtin else None)
        if not current.checked:
            check_file(current.data, current.where, collect)
        chain.append(current)
        parent = current.data.get("extends")
        if parent is None:
            return Resolved(tuple(chain))
        ref, folder, builtin_parent, via = parent, parent_folder, builtin, current


GROUPING = ("replicate_column", "result_status_column", "invalidation_column")
NOT_INHERITED = ("name", "version", "extends", "remove", "locked", *LIFECYCLE_KEYS)


def _follow_id_column(old: Any, new: Any,
                      checks: list[tuple[dict[str, Any], Source, int]]) -> None:
    """A child that names another id column takes the inherited checks of the old one with
    it (the parent's `batch_id_format` then reads the new id column), in place."""
    if not isinstance(old, str) or not isinstance(new, str):
        return
    from qc.model import header_key

    if header_key(old) == header_key(new):
        return
    for j, (item, source, i) in enumerate(checks):
        if isinstance(item.get("column"), str) and header_key(item["column"]) == header_key(old):
            checks[j] = ({**item, "column": new}, source, i)


def merge(resolved: Resolved) -> tuple[dict[str, Any], Locator]:
    """The spec the chain means (see `merge_all`), without its lineage."""
    data, where, _ = merge_all(resolved)
    return data, where


def merge_all(resolved: Resolved) -> tuple[dict[str, Any], Locator, tuple[Lineage, ...]]:
    """The spec the chain means: each file's keys over its parent's; checks and derived
    attributes by name (a child redefines a name or adds one; it drops one only with
    `remove:`, never by declaring its own `derived:`). A locked check (`locked: true` on
    it, or its name in a top-level `locked:`) stays locked in every descendant, which may
    only narrow it (qc/spec/locked.py); anything else is a SpecError naming both files.

    Returns the merged data (itself a valid spec without `extends`, its locks written as
    `locked: true` on the checks), a locator that names the file, line and column each
    merged value came from, and the lineage of the checks (inherited, overridden, removed).
    """
    data: dict[str, Any] = {}
    origin: dict[str, Source] = {}  # top-level key -> the file it came from
    checks: list[tuple[dict[str, Any], Source, int]] = []
    derived: dict[str, tuple[Any, Source]] = {}  # name -> (expression, the file defining it)
    locks: dict[str, Source] = {}  # locked check -> the file that locked it
    changed: list[Lineage] = []
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
            if name in derived and name not in names:
                _keep_locked_derived(name, checks, locks, source, ("remove", i), derived)
                del derived[name]
                continue
            if name not in names:
                known = ", ".join(names) or "none"
                raise source.where.error(("remove", i), f"no inherited check named {name!r} "
                                         f"(inherited: {known})")
            if name in locks:
                raise source.where.error(("remove", i), f"cannot remove check {name!r}: it is "
                                         f"locked in {locks[name].shown}")
            was = next(c[1] for c in checks if c[0]["name"] == name)
            changed.append(Lineage(name, "removed", source.shown, was.shown))
            names = [n for n in names if n != name]
            checks = [c for c in checks if c[0]["name"] != name]
        _follow_id_column(data.get("id_column"), own.get("id_column"), checks)
        for key, value in own.items():
            if key in ("extends", "remove", "locked"):
                continue
            if key == "derived" and isinstance(value, dict):
                for name, text in value.items():
                    if name not in derived or derived[name][0] != text:
                        _keep_locked_derived(name, checks, locks, source, ("derived", name),
                                             derived)
                derived.update({name: (text, source) for name, text in value.items()})
                continue
            if key == "checks":
                for i, item in enumerate(value):
                    at = next((j for j, c in enumerate(checks) if c[0]["name"] == item["name"]),
                              None)
                    if at is None:
                        checks.append((item, source, i))
                        continue
                    parent, was, _ = checks[at]
                    if item["name"] in locks:
                        _narrowing(parent, item, locks[item["name"]], was, source, i)
                    changed.append(Lineage(item["name"], "overridden", source.shown, was.shown))
                    checks[at] = (item, source, i)
                continue
            if key in GROUPING and data.get(key) != value and locks:
                locked = ", ".join(sorted(locks))
                raise source.where.error((key,), f"cannot set {key}: it changes which "
                                         f"results the locked checks ({locked}) judge, and "
                                         "only the file that locked them may set it")
            if key == "columns" and isinstance(value, dict):
                _keep_locked_columns(value, checks, locks, source)
            if key in ("rounding", "date_format") and data.get(key) != value:
                _keep_locked_default(key, checks, locks, source)
            data[key] = value
            origin[key] = source
        for item in own.get("checks", []):
            if item.get("locked") is True:
                locks.setdefault(item["name"], source)
        names = [c[0]["name"] for c in checks]
        for i, name in enumerate(own.get("locked", [])):
            if name not in names:
                raise source.where.error(("locked", i), f"no check named {name!r} to lock "
                                         f"(checks: {', '.join(names) or 'none'})")
            locks.setdefault(name, source)
    checks = [({**item, "locked": True} if item["name"] in locks else item, source, i)
              for item, source, i in checks]
    root = resolved.chain[0]
    entries: dict[tuple[str | int, ...], tuple[str, int, int]] = {}
    for key, source in origin.items():
        entries.update({p: v for p, v in source.where.entries.items() if p and p[0] == key})
    for j, (_, source, i) in enumerate(checks):
        for path, place in source.where.entries.items():
            if len(path) >= 2 and path[0] == "checks" and path[1] == i:
                entries[("checks", j, *path[2:])] = place
    for name, (_, source) in derived.items():
        entries.update({path: place for path, place in source.where.entries.items()
                        if path[:2] == ("derived", name)})
    if derived:
        data["derived"] = {name: text for name, (text, _) in derived.items()}
        entries.setdefault(("derived",), root.where.entries.get(("derived",), (root.shown, 0, 0)))
    if () in root.where.entries:
        entries[()] = root.where.entries[()]
    if checks:
        data["checks"] = [c[0] for c in checks]
        entries.setdefault(("checks",), root.where.entries.get(("checks",), (root.shown, 0, 0)))
    ordered = {k: data[k] for k in TOP_ORDER if k in data}
    return ordered, Locator(root.shown, entries), _lineage(resolved, checks, changed)


def _lineage(resolved: Resolved, checks: list[tuple[dict[str, Any], Source, int]],
             changed: list[Lineage]) -> tuple[Lineage, ...]:
    """Every change an extending file made, then the checks the asked-for file inherits
    unchanged (none for a spec without `extends`)."""
    if len(resolved.chain) == 1:
        return ()
    root = resolved.chain[0]
    inherited = [Lineage(item["name"], "inherited", source.shown)
                 for item, source, _ in checks if source is not root]
    return (*changed, *inherited)


def _narrowing(parent: dict[str, Any], child: dict[str, Any], locker: Source, was: Source,
               source: Source, i: int) -> None:
    """SpecError unless the child's version of a locked check only narrows it."""
    problems = loosenings(parent, child)
    if child.get("locked") is False:
        problems.insert(0, "unlocks it")
    if problems:
        where = f"locked in {locker.shown}" + (f", defined in {was.shown}"
                                                 if was is not locker else "")
        raise source.where.error(("checks", i), f"check {child['name']!r} is {where}: a spec "
                                 "that extends it may only narrow its limits, remove accepted "
                                 "entries or add forbidden ones; this one "
                                 + "; ".join(problems))


def _column_keys(item: dict[str, Any]) -> set[str]:
    """The header keys of a check's columns: matched as the engine matches a derived
    attribute or a header to a column (qc/model.py `header_key`), so that no spelling of a
    derived name (`EndotoxinEuPerMl`, `endotoxin_eu_per_ml_`) escapes the lock."""
    column = item["column"]
    return {header_key(c) for c in ([column] if isinstance(column, str) else column)}


def _keep_locked_derived(name: str, checks: list[tuple[dict[str, Any], Source, int]],
                         locks: dict[str, Source], source: Source, at: tuple[str | int, ...],
                         derived: dict[str, tuple[Any, Source]]) -> None:
    """SpecError when a child defines, redefines or removes a derived attribute a locked
    check reads (a new one would shadow the file column the check was locked on)."""
    key = header_key(name)
    for item, _, _ in checks:
        if item["name"] in locks and key in _column_keys(item):
            was = (f"defined in {derived[name][1].shown}" if name in derived
                   else "a column of the batch file")
            raise source.where.error(at, f"cannot change derived attribute {name!r}: locked "
                                     f"check {item['name']!r} ({locks[item['name']].shown}) "
                                     f"reads it ({was})")


def _keep_locked_default(key: str, checks: list[tuple[dict[str, Any], Source, int]],
                         locks: dict[str, Source], source: Source) -> None:
    """SpecError when a child changes a spec-wide default (`rounding`, `date_format`) that a
    locked check without its own value of that key takes."""
    for item, _, _ in checks:
        dated = item.get("type") == "date"
        limited = any(k in item for k in ("min", "max", "warn_min", "warn_max", "min_exclusive",
                                          "max_exclusive"))
        takes = dated if key == "date_format" else limited and not dated
        if item["name"] in locks and key not in item and takes:
            raise source.where.error((key,), f"cannot change the spec-wide {key}: locked check "
                                     f"{item['name']!r} ({locks[item['name']].shown}) takes it")


def _keep_locked_columns(value: dict[Any, Any], checks: list[tuple[dict[str, Any], Source, int]],
                         locks: dict[str, Source], source: Source) -> None:
    """SpecError when a child's `columns:` map renames a header onto, or away from, the
    column a locked check reads: that would change the locked check's column, which only
    the file that locked it may set (a site map for it is `check --columns`, recorded in
    the report)."""
    for lab, column in value.items():
        keys = {header_key(str(lab)), header_key(str(column))}
        for item, _, _ in checks:
            read = {header_key(c) for c in ([item["column"]] if isinstance(item["column"], str)
                                            else item["column"])}
            if item["name"] in locks and keys & read:
                raise source.where.error(("columns", lab), f"cannot map a header onto or away "
                                         f"from the column of locked check {item['name']!r} "
                                         f"({locks[item['name']].shown}); a site column map "
                                         "for it is `exoqc check --columns FILE`")
