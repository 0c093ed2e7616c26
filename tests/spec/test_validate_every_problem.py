"""`exoqc spec validate` lists every problem of a spec at once, each as file:line:col, in
document order (qc/spec/lint.py `validate`)."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import run_cli

THREE = """name: bad
version: "1"
id_column: batch_id
checks:
  - name: size
    column: size_nm
    unit: nm
    min: 200
    max: 100
  - name: ph
    column: ph
    min: 6
    maxx: 8
  - name: potency
    column: potency
    unit: parsecs
    min: 1
  - name: size
    column: other
    allowed: [a]
"""


def test_four_mistakes_in_one_run(tmp_path: Path) -> None:
    spec = tmp_path / "s.yaml"
    spec.write_text(THREE, "utf-8")
    r = run_cli("spec", "validate", spec)
    assert (r.code, r.err) == (2, ""), r
    assert r.out.splitlines() == [
        f"{spec}:8:10: checks[0].min: min 200 is greater than max 100",
        f"{spec}:13:5: checks[1]: unknown key 'maxx' (did you mean 'max'?)",
        f"{spec}:16:11: checks[2].unit: unknown unit 'parsecs'",
        f"{spec}:18:11: checks[3].name: duplicate check name 'size' (also checks[0])",
    ]


def test_each_fixed_problem_leaves_the_others(tmp_path: Path) -> None:
    spec = tmp_path / "s.yaml"
    spec.write_text(THREE.replace("maxx", "max").replace("min: 200", "min: 20"), "utf-8")
    r = run_cli("spec", "validate", spec)
    assert r.out.splitlines() == [
        f"{spec}:16:11: checks[2].unit: unknown unit 'parsecs'",
        f"{spec}:18:11: checks[3].name: duplicate check name 'size' (also checks[0])",
    ], r


def test_check_still_stops_at_the_first(tmp_path: Path) -> None:
    """A run needs a whole spec: exit 2 with one line, the first problem."""
    spec = tmp_path / "s.yaml"
    spec.write_text(THREE, "utf-8")
    (tmp_path / "b.csv").write_text("batch_id,size_nm\nB-1,1\n", "utf-8")
    r = run_cli("check", tmp_path / "b.csv", "-s", spec)
    assert r.code == 2 and len(r.err.splitlines()) == 1, r


def test_a_derived_problem_and_a_check_problem(tmp_path: Path) -> None:
    spec = tmp_path / "s.yaml"
    spec.write_text("name: d\nversion: '1'\nid_column: batch_id\nderived:\n"
                    "  ratio: a / (b\nchecks:\n"
                    "  - {name: r, column: ratio, min: 1}\n"
                    "  - {name: x, column: x, unit: furlongs, min: 1}\n", "utf-8")
    r = run_cli("spec", "validate", spec)
    lines = r.out.splitlines()
    assert r.code == 2 and len(lines) == 2, r
    assert lines[0].startswith(f"{spec}:5:10: derived.ratio: ")
    assert lines[1] == f"{spec}:8:32: checks[1].unit: unknown unit 'furlongs'"
