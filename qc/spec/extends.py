"""`extends`: reading a spec and every spec it extends, and merging the chain into the
one spec it means, with each merged value still located in the file it came from."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from qc.errors import SpecError
from qc.spec.location import Locator
from qc.spec.schema import check_file
from qc.spec.source import Source, locate, read_file, read_source

LIFECYCLE_KEYS = ("status", "effective_date", "approved_by")
TOP_ORDER = ("name", "version", "title", "status", "effective_date", "approved_by", "id_column",
             "rounding", "date_format", "columns", "derived", "checks")


@dataclass(frozen=True)
class Resolved:
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
        current = read_source(raw, shown, parent_folder, identity=identity, builtin=builtin)
        check_file(current.data, current.where, collect)
        chain.append(current)
        parent = current.data.get("extends")
        if parent is None:
            return Resolved(tuple(chain))
        ref, folder, builtin_parent, via = parent, parent_folder, builtin, current


NOT_INHERITED = ("name", "version", "extends", "remove", *LIFECYCLE_KEYS)


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
    """The spec the chain means: each file's keys over its parent's; checks and derived
    attributes by name (a child redefines a name or adds one; it drops one only with
    `remove:`, never by declaring its own `derived:`).

    Returns the merged data (itself a valid spec without `extends`) and a locator that
    names the file, line and column each merged value came from.
    """
    data: dict[str, Any] = {}
    origin: dict[str, Source] = {}  # top-level key -> the file it came from
    checks: list[tuple[dict[str, Any], Source, int]] = []
    derived: dict[str, tuple[Any, Source]] = {}  # name -> (expression, the file defining it)
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
                del derived[name]
                continue
            if name not in names:
                known = ", ".join(names) or "none"
                raise source.where.error(("remove", i), f"no inherited check named {name!r} "
                                         f"(inherited: {known})")
            names = [n for n in names if n != name]
            checks = [c for c in checks if c[0]["name"] != name]
        _follow_id_column(data.get("id_column"), own.get("id_column"), checks)
        for key, value in own.items():
            if key in ("extends", "remove"):
                continue
            if key == "derived" and isinstance(value, dict):
                derived.update({name: (text, source) for name, text in value.items()})
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
    return ordered, Locator(root.shown, entries)
