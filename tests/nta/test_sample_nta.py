"""The shipped sample data: the NTA exports, the batch file that joins to them, and the
unchanged expectations of sample_data/expected_*.json under the extended clinical spec."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from tests.conftest import ROOT, run_cli

SAMPLE = ROOT / "sample_data"
EXPORTS = sorted((SAMPLE / "nta").glob("EXO-*"))
ID_PATTERN = r"EXO-\d{4}-\d{3}"
AS_OF = "2026-04-01"  # the clinical spec checks expiry dates against `today`


def _verdicts(report: dict[str, object]) -> dict[str, dict[str, object]]:
    batches = report["batches"]
    assert isinstance(batches, list)
    return {
        b["batch_id"]: {
            "verdict": b["verdict"],
            "failed": {c["name"]: c["reason"] for c in b["checks"] if c["status"] == "fail"},
            "warned": [c["name"] for c in b["checks"] if c["status"] == "warn"],
        }
        for b in batches
    }


@pytest.mark.parametrize("spec", ["clinical", "research"])
def test_sample_expectations_still_hold(spec: str) -> None:
    expected = json.loads((SAMPLE / f"expected_{spec}.json").read_text(encoding="utf-8"))
    run = run_cli("check", str(SAMPLE / "batches.csv"), "--spec", spec, "-f", "json",
                  "--as-of", AS_OF)
    assert run.code == expected["exit_code"], run
    assert _verdicts(json.loads(run.out)) == expected["batches"]


def test_clinical_distribution_check_is_not_tested_without_nta_data() -> None:
    run = run_cli("check", str(SAMPLE / "batches.csv"), "--spec", "clinical", "-f", "json",
                  "--as-of", AS_OF)
    report = json.loads(run.out)
    assert "column 'pct_in_window' is not in the file; optional check 'size_distribution' " \
           "is not tested" in report["notes"]
    checks = {c["name"]: c for c in report["batches"][0]["checks"]}
    assert checks["size_distribution"]["status"] == "not_tested"
    assert checks["size_distribution"]["message"] == \
        "column 'pct_in_window' is not in the file (optional)"


def test_the_readme_commands(tmp_path: Path) -> None:
    assert [p.name for p in EXPORTS] == [
        "EXO-2026-101_ExperimentSummary.csv", "EXO-2026-102_ExperimentSummary.csv",
        "EXO-2026-103_20260115_0001_rawdata.txt"]
    summary = tmp_path / "nta_summary.csv"
    run = run_cli("nta", *map(str, EXPORTS), "--id-pattern", ID_PATTERN, "-o", str(summary))
    assert run.code == 0, run
    rows = {r["batch_id"]: r for r in csv.DictReader(io.StringIO(summary.read_text("utf-8")))}
    assert {k: (r["instrument"], r["pct_in_window"], r["mode_nm"]) for k, r in rows.items()} == {
        "EXO-2026-101": ("NanoSight", "99.37", "98.4"),
        "EXO-2026-102": ("NanoSight", "98.28", "95.3"),
        "EXO-2026-103": ("ZetaView", "47.60", "115.0"),  # mode looks fine; half is > 150 nm
    }
    check = run_cli("check", str(SAMPLE / "nta_batches.csv"), "--join", str(summary),
                    "--spec", "clinical", "-f", "json", "--as-of", AS_OF)
    assert check.code == 1, check
    verdicts = _verdicts(json.loads(check.out))
    assert verdicts == {
        "EXO-2026-101": {"verdict": "pass", "failed": {}, "warned": []},
        "EXO-2026-102": {"verdict": "pass", "failed": {}, "warned": []},
        "EXO-2026-103": {"verdict": "fail", "failed": {"size_distribution": "out_of_spec"},
                         "warned": []},
        # no NTA export: the optional distribution check is not tested ("no value (optional)")
        "EXO-2026-104": {"verdict": "pass", "failed": {}, "warned": []},
    }
    direct = run_cli("check", str(SAMPLE / "nta_batches.csv"), *(
        a for p in EXPORTS for a in ("--join", str(p))), "--id-pattern", ID_PATTERN,
        "--spec", "clinical", "-f", "json", "--as-of", AS_OF)
    assert _verdicts(json.loads(direct.out)) == verdicts
