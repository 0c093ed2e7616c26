"""The new commands keep start-up light: their --help imports no heavy module."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import ROOT

HEAVY = ("pandas", "jsonschema", "rich", "pyarrow", "cryptography", "numpy")
PROBE = """
import sys
from qc.cli import main
try:
    main(sys.argv[1:], prog_name="exoqc")
except SystemExit:
    pass
print(",".join(m for m in {heavy!r} if m in sys.modules), file=sys.stderr)
"""


@pytest.mark.parametrize("command", [["verify"], ["keygen"], ["audit", "verify"],
                                     ["selftest"], ["check"]])
def test_help_imports_nothing_heavy(command: list[str]) -> None:
    done = subprocess.run([sys.executable, "-c", PROBE.format(heavy=HEAVY), *command, "--help"],
                          cwd=ROOT, capture_output=True, text=True, check=False)
    assert (done.returncode, done.stderr) == (0, "\n")
    assert done.stdout.startswith(f"Usage: exoqc {' '.join(command)} ")
