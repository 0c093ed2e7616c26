"""The benchmark scripts still run (never timed here: docs/performance.md has the figures).
A script that breaks with the code it measures would otherwise be found only at the next
measurement."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT


@pytest.mark.parametrize(("script", "args", "shows"), [
    ("phases.py", ["sample_data/batches.csv", "--spec", "clinical"], "evaluate, every check"),
    ("quickstart_phases.py", ["--runs", "1"], "judge the checks"),
    ("quickstart.py", ["--runs", "1"], "| this checkout |"),
])
def test_a_benchmark_script_runs(script: str, args: list[str], shows: str) -> None:
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / script), *args],
                          capture_output=True, text=True, cwd=ROOT, timeout=600,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr
    assert shows in done.stdout, done.stdout
