"""Every input the fuzzers (fuzz/) found, replayed through the same harness: no crash.

Add a crash file under fuzz_regressions/records/ or fuzz_regressions/spec/ and it is
tested here; the file name says what it found.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "fuzz"))

from harness import check_records, check_spec

HERE = Path(__file__).parent / "fuzz_regressions"


@pytest.mark.parametrize("path", sorted((HERE / "records").iterdir()), ids=lambda p: p.name)
def test_records_regression(path: Path) -> None:
    check_records(path.read_bytes())


@pytest.mark.parametrize("path", sorted((HERE / "spec").iterdir()), ids=lambda p: p.name)
def test_spec_regression(path: Path) -> None:
    check_spec(path.read_bytes())


def test_scaled_number_read_only_view_through_the_cli(tmp_path: Path) -> None:
    """The first fuzz crash: `2.1 x 10^11` scaled a read-only Arrow view (exit 2, 'internal
    error') in any file where every such cell parsed; now it is read."""
    from tests.conftest import run_cli
    from tests.robustness.robust import GOOD, SPEC, csv_text

    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC)
    batches = tmp_path / "in.csv"
    batches.write_text(csv_text([{**GOOD, "conc_per_ml": "3.4 x 10^11"}]))
    run = run_cli("check", "-s", spec, batches)
    assert (run.code, run.err) == (0, ""), run
