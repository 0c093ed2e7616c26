"""A column map must never let one column stand in for another the spec reads (attack F1):
a child spec's `columns:` (or `check --columns`) that renames the real endotoxin column
away and a screening column onto it made a 5.0 EU/mL batch pass the locked clinical check."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from tests.conftest import ROOT, run_cli


def _batch_file(tmp_path: Path) -> Path:
    """The first sample batch with endotoxin 5.0 EU/mL (fails < 0.5) and a passing
    screening column beside it."""
    rows = list(csv.reader(io.StringIO((ROOT / "sample_data" / "batches.csv")
                                       .read_text(encoding="utf-8"))))
    header, first = rows[0], rows[1]
    first[header.index("endotoxin_eu_per_ml")] = "5.0"
    path = tmp_path / "b.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([[*header, "endo_screen"], [*first, "0.05"]])
    return path


def _child(tmp_path: Path, columns: str, locked_parent: str = "clinical") -> Path:
    path = tmp_path / "child.yaml"
    path.write_text(f"name: child\nversion: '1'\nextends: {locked_parent}\nstatus: approved\n"
                    f"columns:\n{columns}", encoding="utf-8")
    return path


def test_the_unmapped_file_fails_on_endotoxin(tmp_path: Path) -> None:
    run = run_cli("check", _batch_file(tmp_path), "-s", "clinical", "--as-of", "2026-06-01",
                  "-q")
    assert run.code == 1, run


def test_a_child_may_not_swap_the_column_of_a_locked_check(tmp_path: Path) -> None:
    swap = _child(tmp_path, "  endo_screen: endotoxin_eu_per_ml\n"
                            "  endotoxin_eu_per_ml: endotoxin_raw\n")
    run = run_cli("check", _batch_file(tmp_path), "-s", swap, "--as-of", "2026-06-01")
    assert run.code == 2, run
    assert "locked check 'endotoxin'" in run.err and "child.yaml:6" in run.err
    assert run_cli("spec", "validate", swap).code == 2


def test_a_child_may_not_map_onto_a_locked_column(tmp_path: Path) -> None:
    onto = _child(tmp_path, "  endo_screen: endotoxin_eu_per_ml\n")
    run = run_cli("check", _batch_file(tmp_path), "-s", onto, "--as-of", "2026-06-01")
    assert run.code == 2, run
    assert "locked check 'endotoxin'" in run.err


def test_a_site_map_may_not_rename_a_column_the_spec_reads(tmp_path: Path) -> None:
    site = tmp_path / "map.yaml"
    site.write_text("endo_screen: endotoxin_eu_per_ml\nendotoxin_eu_per_ml: old\n",
                    encoding="utf-8")
    run = run_cli("check", _batch_file(tmp_path), "-s", "clinical", "--columns", site,
                  "--as-of", "2026-06-01")
    assert run.code == 2, run
    assert run.err.count("\n") == 1
    assert "'endotoxin_eu_per_ml': 'old' renames a column check 'endotoxin' reads" in run.err


def test_a_site_map_onto_a_column_the_file_also_has_is_ambiguous(tmp_path: Path) -> None:
    site = tmp_path / "map.yaml"
    site.write_text("endo_screen: endotoxin_eu_per_ml\n", encoding="utf-8")
    run = run_cli("check", _batch_file(tmp_path), "-s", "clinical", "--columns", site,
                  "--as-of", "2026-06-01")
    assert run.code == 2, run
    assert ("('endotoxin_eu_per_ml') and 19 ('endo_screen') both mean 'endotoxin_eu_per_ml' "
            "after the column map") in run.err


def test_an_unlocked_spec_may_not_rename_a_column_it_reads_either(tmp_path: Path) -> None:
    spec = tmp_path / "s.yaml"
    spec.write_text("name: s\nversion: '1'\nid_column: batch_id\ncolumns:\n"
                    "  endo_screen: endotoxin\n  endotoxin: old\nchecks:\n"
                    "  - name: endotoxin\n    column: endotoxin\n    max: 0.5\n",
                    encoding="utf-8")
    data = tmp_path / "d.csv"
    data.write_text("batch_id,endotoxin,endo_screen\nB1,5.0,0.05\n", encoding="utf-8")
    run = run_cli("check", data, "-s", spec)
    assert run.code == 2, run
    assert "s.yaml:6" in run.err and "renames a column check 'endotoxin' reads" in run.err


def test_a_site_map_of_a_header_the_spec_does_not_read_still_works(tmp_path: Path) -> None:
    path = tmp_path / "lims.csv"
    rows = list(csv.reader(io.StringIO((ROOT / "sample_data" / "batches.csv")
                                       .read_text(encoding="utf-8"))))
    rows[0][rows[0].index("endotoxin_eu_per_ml")] = "LAL result"
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows[:2])
    site = tmp_path / "map.yaml"
    site.write_text("LAL result: endotoxin_eu_per_ml\n", encoding="utf-8")
    run = run_cli("check", path, "-s", "clinical", "--columns", site, "--as-of", "2026-06-01",
                  "-f", "json")
    assert run.code == 0, run
    endotoxin = next(c for c in run.json()["batches"][0]["checks"] if c["name"] == "endotoxin")
    assert endotoxin["status"] == "pass" and endotoxin["value"] == "0.08"
