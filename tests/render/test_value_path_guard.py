"""The engine is the only code that reads cell text: the renderers (HTML report, charts,
certificates, every other format) and trend use CheckResult.readings and never import the
value parser (qc.engine.cells) or the rules' readers."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

# Modules that read cell text: only the engine and the rules may import them.
READERS = ("qc.engine.cells", "qc.engine.derived", "qc.rules")
# A rule kind is one module that also writes its criterion in lab notation (issue 13,
# item 3): the notation module may import the rule modules for that, and for nothing that
# reads a cell (test_notation_uses_the_rules_only_for_notation).
NOTATION = ROOT / "qc" / "render" / "notation.py"
NOTATION_MAY = ("qc", "qc.rules")
CONSUMERS = sorted([*(ROOT / "qc" / "render").rglob("*.py"), *(ROOT / "qc" / "trend").rglob("*.py")])


def _imports(path: Path) -> set[str]:
    """Every module a file imports, at any depth (deferred imports inside functions too)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def test_there_are_consumers_to_check() -> None:
    names = {p.relative_to(ROOT).as_posix() for p in CONSUMERS}
    assert {"qc/render/html/report.py", "qc/render/html/charts.py",
            "qc/trend/analyse.py"} <= names


@pytest.mark.parametrize("path", CONSUMERS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_consumers_never_import_the_value_parser(path: Path) -> None:
    bad = sorted(m for m in _imports(path)
                 if any(m == r or m.startswith(r + ".") for r in READERS)
                 and not (path == NOTATION and m in NOTATION_MAY))
    assert not bad, f"{path.relative_to(ROOT)} imports {bad}: use CheckResult.readings"


def test_importing_the_consumers_loads_no_cell_reader() -> None:
    modules = [p.relative_to(ROOT).with_suffix("").as_posix().replace("/", ".")
               for p in CONSUMERS if p.name != "__init__.py"]
    code = ("import sys\n" + "".join(f"import {m}\n" for m in modules)
            + "print(sorted(m for m in sys.modules if m.startswith(('qc.engine.cells', "
              "'qc.engine.derived', 'qc.rules'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, timeout=600, check=True).stdout
    assert out.strip() == "[]"


def test_notation_uses_the_rules_only_for_notation() -> None:
    """What render/notation.py calls from the rule modules writes criteria; it never calls
    a rule's evaluate or a cell reader."""
    tree = ast.parse(NOTATION.read_text(encoding="utf-8"))
    called = {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
    assert not called & {"evaluate", "parse_numbers", "parse_one", "read_cells", "read_dates"}
