"""Start-up guard (not timed): `exoqc --help` and `--version` load no heavy module.

Each case runs in a fresh interpreter, since the test process itself has everything
loaded, and lists which of the heavy modules the command imported.
"""

from __future__ import annotations

import json
import subprocess
import sys

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
