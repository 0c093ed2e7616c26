"""Start-up guard (not timed): `exoqc --help` and `--version` load no heavy module.

Each case runs in a fresh interpreter, since the test process itself has everything
loaded, and lists which of the heavy modules the command imported.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import ROOT

HEAVY = ("pandas", "pyarrow", "numpy", "jsonschema", "rich", "yaml")
CHILD = """
import json, runpy, sys
watched = set(json.loads(sys.argv[2]))
sys.argv = ["exoqc", *json.loads(sys.argv[1])]
code = None
try:
    runpy.run_module("qc", run_name="__main__")
except SystemExit as exc:
    code = exc.code
heavy = sorted({m.split(".")[0] for m in sys.modules} & watched)
print(json.dumps({"code": code, "heavy": heavy}), file=sys.stderr)
"""


def _imported(*args: str) -> dict[str, object]:
    done = subprocess.run([sys.executable, "-c", CHILD, json.dumps(args), json.dumps(HEAVY)],
                          capture_output=True, text=True, cwd=ROOT, timeout=60)
    result: dict[str, object] = json.loads(done.stderr.strip().splitlines()[-1])
    return result


@pytest.mark.parametrize("args", [("--help",), ("--version",), ("check", "--help")],
                         ids=["help", "version", "check-help"])
def test_help_and_version_import_no_heavy_module(args: tuple[str, ...]) -> None:
    assert _imported(*args) == {"code": 0, "heavy": []}


SPEC = """name: t
version: "1"
id_column: batch_id
checks:
  - {name: size, column: size_nm, unit: nm, min: 30, max: 150}
  - {name: sterility, column: sterility, allowed: [no growth]}
  - {name: gmp, column: gmp, equals: true}
  - {name: id_format, column: batch_id, pattern: "EXO-\\\\d+"}
"""


def test_checking_an_unquoted_utf8_file_imports_neither_pandas_nor_jsonschema(
        write: Callable[[str, str], Path]) -> None:
    spec = write("spec.yaml", SPEC)
    data = write("b.csv", "batch_id,size_nm,sterility,gmp\nEXO-1,0.1 µm,No Growth,Y\n"
                          "EXO-2,<200,growth,no\nEXO-2,,NA,maybe\n")
    done = _imported("check", str(data), "--spec", str(spec), "-o", str(data) + ".json")
    assert done["code"] == 1
    assert "pyarrow" in done["heavy"] and "pandas" not in done["heavy"]  # type: ignore[operator]
    assert "jsonschema" not in done["heavy"]  # type: ignore[operator]  # a valid spec
