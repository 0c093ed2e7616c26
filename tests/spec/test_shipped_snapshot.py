"""The snapshot of the shipped specs (qc/spec/shipped.py): current, read exactly as the YAML
reads, and used only for a built-in spec whose bytes, schema and version match; any
mismatch reads the file the long way, parsed and validated."""

from __future__ import annotations

import hashlib
import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from qc.errors import SpecError
from qc.spec import BUILTIN, load_spec, resolve, shipped, yaml12
from qc.spec.source import specs_dir
from tests.conftest import ROOT


def _same(a: Any, b: Any) -> bool:
    """Equal, with the same types all the way down (and each Decimal written the same)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, Decimal):
        return str(a) == str(b)
    return bool(a == b)


def _checked(name: str) -> list[bool]:
    return [source.checked for source in resolve(name).chain]


def test_snapshot_is_current() -> None:
    """Fails after a shipped spec, the schema or the version changed: regenerate with
    `python -m qc.spec.shipped` (until then those runs only take the long way)."""
    assert shipped.render(specs_dir()) == shipped.SNAPSHOT.read_text("utf-8"), (
        "qc/spec/shipped.json is stale: run python -m qc.spec.shipped")


@pytest.mark.parametrize("name", ["base.yaml", "clinical.yaml", "research.yaml"])
def test_snapshot_holds_what_the_yaml_reader_reads(name: str) -> None:
    raw = (ROOT / "specs" / name).read_bytes()
    data, positions = yaml12.load(raw.decode("utf-8-sig"))
    recorded = shipped.lookup(name, hashlib.sha256(raw).hexdigest(), specs_dir())
    assert recorded is not None
    assert _same(recorded[0], data)
    assert recorded[1] == positions


@pytest.mark.parametrize("name", BUILTIN)
def test_builtin_spec_from_the_snapshot_is_the_spec_read_the_long_way(
        name: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    fast = load_spec(name)
    assert all(_checked(name))
    monkeypatch.setattr(shipped, "SNAPSHOT", tmp_path / "missing.json")
    assert not any(_checked(name))
    assert load_spec(name) == fast


@pytest.fixture
def specs_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the shipped specs folder, used as the built-in one."""
    folder = tmp_path / "specs"
    shutil.copytree(ROOT / "specs", folder)
    monkeypatch.setattr("qc.spec.source.specs_dir", lambda: folder)
    return folder


def test_copy_of_the_shipped_specs_is_taken_from_the_snapshot(specs_copy: Path) -> None:
    assert _checked("clinical") == [True, True]  # the fixture alone changes nothing


def test_edited_builtin_spec_is_parsed_and_validated(specs_copy: Path) -> None:
    clinical = specs_copy / "clinical.yaml"
    clinical.write_text(clinical.read_text("utf-8") + "\ncolour: blue\n", encoding="utf-8")
    assert _checked("research") == [True]
    with pytest.raises(SpecError, match="unknown key 'colour'"):
        load_spec("clinical")


def test_edited_parent_is_parsed_and_the_merged_spec_validated(specs_copy: Path) -> None:
    before = load_spec("clinical")
    base = specs_copy / "base.yaml"
    base.write_text(base.read_text("utf-8") + "\n# a comment changes the bytes only\n",
                    encoding="utf-8")
    assert _checked("clinical") == [True, False]
    assert load_spec("clinical").checks == before.checks
    base.write_text(base.read_text("utf-8") + "rounding: sometimes\n", encoding="utf-8")
    with pytest.raises(SpecError, match="rounding"):
        load_spec("clinical")


def test_another_schema_reads_every_file_the_long_way(specs_copy: Path) -> None:
    schema = specs_copy / "spec.schema.json"
    schema.write_text(schema.read_text("utf-8") + "\n", encoding="utf-8")
    assert _checked("clinical") == [False, False]


def test_another_version_reads_every_file_the_long_way(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shipped, "__version__", "0.0.0-other")
    assert _checked("clinical") == [False, False]


@pytest.mark.parametrize("content", [b"", b"{not json", b'{"format": 1}', b"[1, 2]",
                                     b'{"format": 1, "files": {"clinical.yaml": 3}}'])
def test_unusable_snapshot_reads_the_file(content: bytes, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    broken = tmp_path / "shipped.json"
    broken.write_bytes(content)
    monkeypatch.setattr(shipped, "SNAPSHOT", broken)
    assert _checked("clinical") == [False, False]
    assert load_spec("clinical").name.startswith("clinical")


def test_a_spec_file_by_path_is_never_taken_from_the_snapshot(tmp_path: Path) -> None:
    for name in ("clinical.yaml", "base.yaml"):
        shutil.copy(ROOT / "specs" / name, tmp_path / name)
    assert _checked(str(tmp_path / "clinical.yaml")) == [False, False]


def test_snapshot_refuses_a_value_json_cannot_carry_exactly() -> None:
    with pytest.raises(ValueError, match="Infinity"):
        shipped.encode({"max": Decimal("Infinity")})
    assert shipped.encode({"a": [Decimal("2026.10"), True, None, "x\"y"]}) == (
        '{"a": [2026.10, true, null, "x\\"y"]}')
