"""The shipped specs as already read and checked, so that `--spec clinical` neither parses
YAML nor validates against the schema on every run.

`shipped.json` beside this module records, for each YAML file of the top-level `specs/`
folder, its sha256 and what `yaml12` read from it (the data and the line and column of
each value), together with exoqc's version and the sha256 of `spec.schema.json`. It is
written by `python -m qc.spec.shipped`, which refuses to write it unless every file is
valid against the schema on its own and every built-in spec is valid once its `extends`
chain is merged.

A built-in spec file is taken from the snapshot only when its bytes, the schema's bytes
and exoqc's version are exactly those recorded; anything else (an edited spec, another
schema, another version, a missing or unreadable snapshot) reads the file the long way,
parsed and validated. A file given by path is never taken from it, whatever its bytes.
tests/spec/test_shipped.py fails while the snapshot is stale.
"""

from __future__ import annotations

import hashlib
import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qc import __version__

if TYPE_CHECKING:
    from importlib.abc import Traversable  # importing it loads importlib.resources

SNAPSHOT = Path(__file__).with_name("shipped.json")
FORMAT = 1

Positions = dict[tuple[str | int, ...], tuple[int, int]]


def lookup(file_name: str, sha256: str, folder: Traversable) -> tuple[Any, Positions] | None:
    """The data and positions of the shipped spec file `file_name` (in `folder`, the
    built-in specs folder) whose bytes have this sha256, or None: read the file itself."""
    try:
        recorded = json.loads(SNAPSHOT.read_bytes(), parse_float=Decimal, parse_int=Decimal)
        entry = recorded["files"].get(file_name) if recorded.get("format") == FORMAT else None
        if (entry is None or entry["sha256"] != sha256
                or recorded["tool_version"] != __version__
                or recorded["schema_sha256"] != _schema_sha256(folder)):
            return None
        positions: Positions = {
            tuple(int(p) if isinstance(p, Decimal) else p for p in path): (int(line), int(col))
            for path, line, col in entry["positions"]}
        return entry["data"], positions
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None  # no usable snapshot: the file is read and validated as any other


def builtin_names() -> dict[str, str]:
    """The name each shipped spec file states (`clinical-msc-ev` -> `clinical.yaml`), read
    from the snapshot; empty when there is no usable snapshot."""
    try:
        recorded = json.loads(SNAPSHOT.read_bytes())
        return {str(entry["data"]["name"]): file for file, entry in recorded["files"].items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def _schema_sha256(folder: Traversable) -> str:
    return hashlib.sha256((folder / "spec.schema.json").read_bytes()).hexdigest()


def snapshot(folder: Traversable) -> dict[str, Any]:
    """What `shipped.json` should hold for the specs in `folder`; SpecError (or
    ValueError for a value JSON cannot carry exactly) when a spec is not valid."""
    from qc.spec.schema import SCHEMA_FULL, SCHEMA_PART, validate
    from qc.spec.source import BUILTIN, Source, read_source

    files: dict[str, Any] = {}
    fresh: dict[str, Source] = {}
    for item in sorted(folder.iterdir(), key=lambda f: f.name):
        if not item.name.endswith(".yaml"):
            continue
        raw = item.read_bytes()
        shown = f"builtin:{item.name.removesuffix('.yaml')}"
        source = read_source(raw, shown, folder, identity=shown, builtin=True)
        validate(source.data, source.where, SCHEMA_PART)
        positions = [[list(path), line, col]
                     for path, (_, line, col) in source.where.entries.items()]
        files[item.name] = {"sha256": source.sha256, "data": source.data,
                            "positions": positions}
        fresh[item.name] = source
    out = {"format": FORMAT, "tool_version": __version__,
           "schema_sha256": _schema_sha256(folder), "files": files}
    # Every built-in spec must also be valid merged with the specs it extends (built-in
    # specs extend built-in specs by file name): a run that takes them from here skips
    # that check too. Merged from the files just parsed, not from the snapshot.
    from qc.spec.extends import Resolved, merge

    for name in BUILTIN:
        chain = [fresh[f"{name}.yaml"]]
        while "extends" in chain[-1].data:
            chain.append(fresh[chain[-1].data["extends"]])
        data, where = merge(Resolved(tuple(chain)))
        validate(data, where, SCHEMA_FULL)
    return out


def encode(value: Any) -> str:
    """JSON text for the snapshot: numbers written as the exact Decimal read."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)}: {encode(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(encode(v) for v in value) + "]"
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{value} cannot be written to the snapshot")
        return str(value)
    if value is None or isinstance(value, bool | str | int):
        return json.dumps(value)
    raise ValueError(f"{value!r} ({type(value).__name__}) cannot be written to the snapshot")


def render(folder: Traversable) -> str:
    """The text of `shipped.json` for the specs in `folder` (one file per line)."""
    content = snapshot(folder)
    files = ",\n".join(f"  {json.dumps(name)}: {encode(entry)}"
                       for name, entry in content["files"].items())
    head = {k: v for k, v in content.items() if k != "files"}
    return (json.dumps(head)[:-1] + ', "files": {\n' + files + "\n}}\n")


def main(argv: list[str]) -> int:
    """`python -m qc.spec.shipped [--check]`: write the snapshot (or say whether it is
    current: exit 1 when not)."""
    from qc.spec.source import specs_dir

    text = render(specs_dir())
    current = SNAPSHOT.read_text("utf-8") if SNAPSHOT.exists() else ""
    if argv[1:] == ["--check"]:
        print("shipped.json is current" if text == current else
              "shipped.json is stale: run python -m qc.spec.shipped")
        return 0 if text == current else 1
    SNAPSHOT.write_text(text, encoding="utf-8")
    print(f"wrote {SNAPSHOT}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
