"""Every ```yaml block of docs/spec-format.md is a complete spec that loads and validates."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import ROOT, run_cli

DOC = ROOT / "docs/spec-format.md"
BLOCKS = re.findall(r"^```yaml\n(.*?)^```", DOC.read_text(encoding="utf-8"), re.S | re.M)


def test_the_doc_has_examples() -> None:
    assert len(BLOCKS) >= 9


@pytest.mark.parametrize("block", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_each_example_loads(write: Callable[..., Path], block: str) -> None:
    spec = write("example.yaml", block)
    shown = run_cli("spec", "show", str(spec))
    assert shown.code == 0, shown
    validated = run_cli("spec", "validate", str(spec))
    assert validated.code == 0, validated


def test_the_hostile_examples_are_the_real_messages(write: Callable[..., Path]) -> None:
    text = DOC.read_text(encoding="utf-8")
    for expression in ("\"__import__('os')\"", "a.b", "10**10**10", "'9e999999'",
                       "(" * 60 + "a" + ")" * 60, "__builtins__"):
        spec = write("spec.yaml", f'name: t\nversion: "1"\nid_column: batch_id\nderived:\n'
                                  f"  ratio: {expression}\nchecks:\n  - name: c\n"
                                  "    column: ratio\n    min: 1\n")
        run = run_cli("spec", "validate", str(spec))
        line = run.out.strip().replace(str(spec), "spec.yaml")
        assert line in text, line
