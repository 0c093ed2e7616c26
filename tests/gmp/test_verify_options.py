"""`exoqc verify` re-runs with every option that decides a verdict, including --join."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import ROOT, run_cli


def test_verify_reruns_a_joined_report(tmp_path: Path) -> None:
    summary = tmp_path / "nta.csv"
    r = run_cli("nta", *map(str, sorted((ROOT / "sample_data" / "nta").glob("EXO-*"))),
                "--id-pattern", r"EXO-\d{4}-\d{3}", "-o", str(summary), "--quiet")
    assert r.code == 0, r
    report = tmp_path / "r.json"
    r = run_cli("check", str(ROOT / "sample_data" / "nta_batches.csv"), "--join", str(summary),
                "--spec", "clinical", "-o", str(report), "--quiet")
    assert r.code == 1, r
    r = run_cli("verify", str(report))
    assert r.code == 0, r
    # the join file is an input of the verdict: editing it must be caught
    summary.write_text(summary.read_text().replace("47.60", "99.00"))
    r = run_cli("verify", str(report))
    assert r.code == 1, r
    assert "nta.csv" in r.out + r.err
