"""The shipped specs judge sample_data/batches.csv exactly as sample_data/expected_*.json say
(as of the date recorded there)."""

from __future__ import annotations

import json

import pytest

from tests.conftest import ROOT, run_cli


@pytest.mark.parametrize("spec", ["clinical", "research"])
def test_sample_expectations(spec: str) -> None:
    expected = json.loads((ROOT / f"sample_data/expected_{spec}.json").read_text())
    run = run_cli("check", str(ROOT / "sample_data/batches.csv"), "--spec", spec,
                  "--as-of", expected["as_of"], "-f", "json")
    assert run.code == expected["exit_code"], run
    got: dict[str, dict[str, object]] = {}
    for batch in json.loads(run.out)["batches"]:
        got[batch["batch_id"]] = {
            "verdict": batch["verdict"],
            "failed": {c["name"]: c["reason"] for c in batch["checks"] if c["status"] == "fail"},
            "warned": [c["name"] for c in batch["checks"] if c["status"] == "warn"],
        }
    assert got == expected["batches"]


def test_clinical_records_the_whole_chain_and_the_derived_inputs() -> None:
    run = run_cli("check", str(ROOT / "sample_data/batches.csv"), "--spec", "clinical",
                  "--as-of", "2026-04-01", "-f", "json")
    report = json.loads(run.out)
    assert [f["path"] for f in report["spec"]["files"]] == ["builtin:clinical", "builtin:base"]
    assert report["as_of"] == "2026-04-01"
    batch = next(b for b in report["batches"] if b["batch_id"] == "EXO-2026-020")
    purity = next(c for c in batch["checks"] if c["name"] == "purity")
    assert purity == {
        "name": "purity", "column": "particles_per_ug_protein", "status": "warn",
        "reason": None, "value": "6.486E+09",
        "message": "6.486E+09 particles/µg is below the alert limit 1.0E+10 particles/µg (from "
                   "particle_concentration_per_ml 2.4E+11, protein_ug_per_ml 37.0)"}


def test_clinical_expiry_fails_after_the_expiry_date() -> None:
    run = run_cli("check", str(ROOT / "sample_data/batches.csv"), "--spec", "clinical",
                  "--as-of", "2028-01-10", "-f", "json")
    batch = json.loads(run.out)["batches"][0]
    expiry = next(c for c in batch["checks"] if c["name"] == "expiry")
    assert (expiry["status"], expiry["reason"], expiry["message"]) == (
        "fail", "out_of_spec", "2028-01-06 is before the minimum today (2028-01-10)")
