"""A child spec's `derived:` merges with its parent's by name (issue 14, item 8): declaring
one never drops the parent's purity ratio, and a stale file column of the same name is
never judged instead."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import run_cli

PARENT = """\
name: parent
version: "1"
id_column: batch_id
derived:
  ratio: particles / protein
checks:
  - name: purity
    column: ratio
    min: 100
"""
CHILD = """\
name: child
version: "1"
extends: parent.yaml
derived:
  doubled: particles * 2
checks:
  - name: doubled_min
    column: doubled
    min: 1
"""
# The file carries a stale `ratio` column that would pass; the computed ratio (50) fails.
CSV = "batch_id,particles,protein,ratio\nB1,500,10,1000\n"


def test_a_child_keeps_the_parents_derived_attributes(tmp_path: Path) -> None:
    (tmp_path / "parent.yaml").write_text(PARENT, encoding="utf-8")
    (tmp_path / "child.yaml").write_text(CHILD, encoding="utf-8")
    (tmp_path / "in.csv").write_text(CSV, encoding="utf-8")
    run = run_cli("check", str(tmp_path / "in.csv"), "-s", str(tmp_path / "child.yaml"),
                  "-f", "json")
    assert run.code == 1, run
    checks = {c["name"]: c for c in json.loads(run.out)["batches"][0]["checks"]}
    assert (checks["purity"]["status"], checks["purity"]["reason"]) == ("fail", "out_of_spec")
    assert checks["doubled_min"]["status"] == "pass"


def test_a_child_may_redefine_or_remove_a_derived_attribute(tmp_path: Path) -> None:
    (tmp_path / "parent.yaml").write_text(PARENT, encoding="utf-8")
    redefine = CHILD.replace("  doubled: particles * 2\n",
                             "  doubled: particles * 2\n  ratio: particles / protein * 4\n")
    (tmp_path / "child.yaml").write_text(redefine, encoding="utf-8")
    (tmp_path / "in.csv").write_text(CSV, encoding="utf-8")
    run = run_cli("check", str(tmp_path / "in.csv"), "-s", str(tmp_path / "child.yaml"),
                  "-f", "json")
    checks = {c["name"]: c for c in json.loads(run.out)["batches"][0]["checks"]}
    assert checks["purity"]["status"] == "pass"  # 500 / 10 * 4 = 200 >= 100
    shown = run_cli("spec", "show", str(tmp_path / "child.yaml"), "-f", "json")
    assert json.loads(shown.out)["derived"]["ratio"] == "particles / protein * 4"
