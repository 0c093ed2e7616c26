"""Finding a spec (a built-in name or a path) and reading one file of it, with its guards:
size, UTF-8, YAML 1.2 or JSON without duplicate keys or hostile nesting."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec

from qc.errors import SpecError, YamlError
from qc.spec.location import Locator

if TYPE_CHECKING:
    from importlib.abc import Traversable  # importing it loads importlib.resources

BUILTIN = ("clinical", "research")
MAX_SPEC_BYTES = 1 << 20


def specs_dir() -> Traversable:
    """Where the shipped specs and the schema live: inside the installed package, or,
    when running from a source checkout, in the repository's top-level specs/."""
    package = Path(__file__).resolve().parents[1]
    if package.is_dir():  # imported from files (not a zip): importlib.resources not needed
        packaged = package / "specs"
        return packaged if packaged.is_dir() else package.parent / "specs"
    from importlib import resources

    zipped = resources.files("qc") / "specs"
    if zipped.is_dir():
        return zipped
    return Path(__file__).resolve().parents[2] / "specs"


class Source(msgspec.Struct, frozen=True):
    """One spec file as read: its data, positions, and where it lives."""

    shown: str
    sha256: str
    data: dict[str, Any]
    where: Locator
    folder: Traversable | None  # where its `extends` paths are relative to
    identity: str  # for cycle detection
    builtin: bool = False
    # Read from the snapshot of a shipped spec (qc/spec/shipped.py): bytes, schema and
    # version as recorded, so already known to be valid; never True for a file by path.
    checked: bool = False


def locate(name_or_path: str, folder: Traversable | None, builtin_parent: bool
           ) -> tuple[Traversable, str, str, Traversable | None, bool]:
    """Where a spec reference points: (file, name shown in messages, identity for cycle
    detection, folder its own `extends` are relative to, whether it is built in)."""
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


def read_file(name_or_path: str, source: Traversable, shown: str) -> bytes:
    """The bytes of one spec file: the only place a spec file is read, through the one
    reading policy (qc.inputs.files: regular files only, size cap); a file holding a
    private key is refused without quoting it."""
    from qc.inputs.files import looks_like_key, read_bytes

    try:
        if isinstance(source, Path):
            if not source.exists() and not source.is_symlink():
                raise FileNotFoundError
            raw = read_bytes(str(source), "spec file", SpecError, shown=shown)
        else:  # a file shipped inside an installed package (zip import)
            if source.is_dir():
                raise SpecError(f"{shown}: is a folder, not a spec file")
            raw = source.read_bytes()
    except FileNotFoundError:
        bare = "/" not in name_or_path and not Path(name_or_path).suffix
        hint = f" (built-in specs: {', '.join(BUILTIN)})" if bare else ""
        raise SpecError(f"{shown}: spec file not found{hint}") from None
    except OSError as exc:
        raise SpecError(f"{shown}: cannot read spec file: {exc.strerror}") from None
    key = looks_like_key(raw)
    if key is not None:
        raise SpecError(f"{shown}: looks like a {key}, not a spec (its content is not shown)")
    return raw


def read_source(raw: bytes, shown: str, folder: Traversable | None, *, identity: str = "",
                builtin: bool = False, shipped: str | None = None) -> Source:
    """Parse one file's bytes (not yet checked against the schema: see schema.check_file).

    `shipped`: the file name of a built-in spec in `folder`, the built-in specs folder;
    when its bytes are those recorded in qc/spec/shipped.json, the data comes from there,
    already checked (`Source.checked`), and YAML is not even imported."""
    if len(raw) > MAX_SPEC_BYTES:
        raise SpecError(f"{shown}: spec file is larger than {MAX_SPEC_BYTES // 1024} KiB")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SpecError(f"{shown}: spec file is not UTF-8 text (byte {exc.start})") from None
    sha256 = hashlib.sha256(raw).hexdigest()
    if builtin and shipped is not None and folder is not None:
        from qc.spec.shipped import lookup

        recorded = lookup(shipped, sha256, folder)
        if recorded is not None:
            data, positions = recorded
            where = Locator(shown, {k: (shown, *v) for k, v in positions.items()})
            return Source(shown, sha256, data, where, folder, identity or shown, builtin,
                          checked=True)
    data, positions = _parse(text, shown)
    where = Locator(shown, {k: (shown, *v) for k, v in positions.items()})
    return Source(shown, sha256, data, where, folder, identity or shown, builtin)


def _parse(text: str, shown: str) -> tuple[Any, dict[tuple[str | int, ...], tuple[int, int]]]:
    from qc.spec import yaml12  # PyYAML: not imported for a spec read from the snapshot

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
    from qc.spec.yaml12 import MAX_DEPTH

    deepest = 0
    stack = [(data, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, depth)
            if depth > MAX_DEPTH:
                break
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return deepest
