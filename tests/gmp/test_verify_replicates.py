"""`exoqc verify` on a replicate and retest report (issue 18): the report re-runs from its
recorded spec (whose sha256 covers the replicate keys), and an edited individual result or
row list is caught."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import ROOT, run_cli
from tests.integrity.output import verdict


@pytest.fixture(autouse=True)
def _fixed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    monkeypatch.chdir(tmp_path)
    for name in ("replicates.csv", "replicates.yaml"):
        shutil.copy(ROOT / "sample_data" / name, tmp_path / name)
    run = run_cli("check", "replicates.csv", "-s", "replicates.yaml", "-o", "r.json", "-q")
    assert (run.code, run.err) == (1, ""), run


def _edit(change: str, into: str) -> None:
    text = Path("r.json").read_text("utf-8")
    assert change in text
    Path("r.json").write_text(text.replace(change, into, 1), "utf-8")


def test_a_replicate_report_verifies() -> None:
    run = run_cli("verify", "r.json")
    assert run.code == 0, run
    assert verdict(run.out).startswith("verified: r.json: 5 batches")


def test_an_edited_individual_result_is_caught() -> None:
    _edit('"value": "68", "status": "fail"', '"value": "69", "status": "fail"')
    run = run_cli("verify", "r.json")
    assert run.code == 1
    assert "check 'potency': replicates edited" in run.out


def test_an_edited_row_list_is_caught() -> None:
    record = json.loads(Path("r.json").read_text("utf-8"))
    rows = record["batches"][0]["rows"]
    _edit(f'"rows": {json.dumps(rows)}', f'"rows": {json.dumps(rows[:-1])}')
    run = run_cli("verify", "r.json")
    assert run.code == 1
    assert "rows edited" in run.out


def test_an_edited_replicate_key_in_the_spec_is_caught() -> None:
    spec = Path("replicates.yaml")
    spec.write_text(spec.read_text("utf-8").replace("max_cv_pct: 15", "max_cv_pct: 25"),
                    "utf-8")
    run = run_cli("verify", "r.json")
    assert run.code == 1
    assert "replicates.yaml" in run.out + run.err
