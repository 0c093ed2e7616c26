"""`exoqc spec validate|show|list|schema` and `exoqc init`."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import jsonschema

from tests.conftest import ROOT, run_cli

GOOD = """name: t
version: "1"
id_column: batch_id
checks:
  - name: size
    column: size
    unit: nm
    min: 30
    max: 150
    warn_min: 40
    warn_max: 140
"""


def test_validate_ok_and_builtins() -> None:
    run = run_cli("spec", "validate", str(ROOT / "specs/clinical.yaml"),
                  str(ROOT / "specs/research.yaml"), str(ROOT / "specs/base.yaml"))
    assert run.code == 0, run
    assert run.out.splitlines() == [f"{ROOT / 'specs'}/{n}.yaml: ok"
                                    for n in ("clinical", "research", "base")]


def test_validate_lists_every_schema_problem(write: Callable[..., Path]) -> None:
    spec = write("s.yaml", GOOD.replace("min: 30", "mn: 30").replace("unit: nm", "unit: 5")
                 + "  - name: x\n    colum: y\n")
    run = run_cli("spec", "validate", str(spec))
    assert run.code == 2, run
    assert run.out.splitlines() == [
        f"{spec}:7:11: checks[0].unit: must be a string, not the number 5",
        f"{spec}:8:5: checks[0]: unknown key 'mn' (did you mean 'min'?)",
        f"{spec}:12:5: checks[1]: missing required key 'column'",
        f"{spec}:13:5: checks[1]: unknown key 'colum' (did you mean 'column'?)",
    ]


def test_validate_semantic_problems(write: Callable[..., Path]) -> None:
    spec = write("s.yaml", """name: t
version: "1"
id_column: batch_id
derived:
  constant: 2 * 3
  unused: a / b
checks:
  - name: only_alerts
    column: a
    warn_min: 1
  - name: anything
    column: b
    pattern: ".*"
  - name: twice
    column: [c, C]
    allowed: [x]
  - name: const
    column: constant
    min: 1
  - name: self
    column: d
    type: date
    min: {column: d}
""")
    run = run_cli("spec", "validate", str(spec))
    assert run.code == 2, run
    assert run.out.splitlines() == [
        f"{spec}:5:13: derived.constant: references no column: the value is a constant",
        f"{spec}:6:11: derived.unused: no check uses this derived attribute",
        f"{spec}:8:5: checks[0]: has only alert limits: it can warn but never fail out of spec "
        "(add min or max, or make it report_only)",
        f"{spec}:13:14: checks[1].pattern: matches any value: the check can never fail",
        f"{spec}:15:17: checks[2].column[1]: column alternative 'C' is listed twice",
        f"{spec}:23:10: checks[4].min: compares column 'd' with itself",
    ]


def test_validate_unknown_unit_and_limit_order(write: Callable[..., Path]) -> None:
    spec = write("s.yaml", GOOD.replace("unit: nm", "unit: furlongs"))
    run = run_cli("spec", "validate", str(spec))
    assert (run.code, run.out) == (2, f"{spec}:7:11: checks[0].unit: unknown unit 'furlongs'\n")
    spec = write("s.yaml", GOOD.replace("max: 150", "max: 20"))
    run = run_cli("spec", "validate", str(spec))
    assert (run.code, run.out) == (2, f"{spec}:8:10: checks[0].min: min 30 is greater than "
                                      "max 20\n")


def test_validate_missing_file() -> None:
    run = run_cli("spec", "validate", "nope.yaml")
    assert (run.code, run.out) == (2, "nope.yaml: spec file not found\n"), run


def test_show_lab_notation(write: Callable[..., Path]) -> None:
    spec = write("s.yaml", """name: lab
version: "2"
title: Notation
status: approved
effective_date: 2026-01-01
approved_by: QA
id_column: batch_id
derived:
  ratio: a / b
checks:
  - name: size
    column: size
    unit: nm
    min: 30
    max: 150
    warn_min: 40
    warn_max: 140
  - name: endo
    column: e
    unit: EU/mL
    max: 1.0
  - name: endo_strict
    column: e2
    unit: EU/mL
    max_exclusive: 0.25
  - name: purity
    column: p
    unit: "%"
    min_exclusive: 90
  - name: protein
    column: protein
    report_only: true
  - name: sterility
    column: s
    allowed: [no growth, negative]
  - name: source
    column: src
    forbidden: [HeLa, HEK293]
  - name: ratio
    column: ratio
    min: 2.0e+9
    rounding: usp
  - name: expiry
    column: exp
    type: date
    min: today
    warn_min: today+30d
    required: false
""")
    run = run_cli("spec", "show", str(spec))
    assert run.code == 0, run
    lines = [line.rstrip() for line in run.out.splitlines()]
    assert lines[:3] == ["lab 2 · Notation", "status: approved · effective 2026-01-01 · "
                         "approved by QA", "batch id column: batch_id"]
    body = "\n".join(lines)
    for expected in ("30–150 nm (alert 40–140)",
                     "report only", "one of: no growth, negative", "not: HeLa, HEK293",
                     "ratio = a / b", "≥ 2.0E+9, USP rounding",
                     "date ≥ today (alert ≥ today+30d); optional"):
        assert expected in body, expected


def test_show_builtin_resolves_extends() -> None:
    run = run_cli("spec", "show", "clinical")
    assert run.code == 0, run
    assert "extends: builtin:clinical -> builtin:base" in run.out
    wide = run_cli("spec", "show", "clinical")  # the CLI runner is not a terminal: 100 columns
    assert "particles_per_ug_protein =" in wide.out
    assert "≤ 0.25)" in run.out and "< 0.5 EU/mL (alert" in run.out


def test_list_builtins() -> None:
    run = run_cli("spec", "list")
    assert run.code == 0, run
    lines = run.out.splitlines()
    assert lines[0].split() == ["builtin", "name", "version", "status", "title"]
    assert lines[1].split()[:4] == ["clinical", "clinical-msc-ev", "2026.7", "-"]
    assert lines[2].split()[:4] == ["research", "research-msc-ev", "2026.4", "-"]
    assert len(lines) == 3  # base.yaml is not a user-facing built-in


def test_schema_is_the_shipped_json_schema() -> None:
    run = run_cli("spec", "schema")
    assert run.code == 0, run
    schema = json.loads(run.out)
    assert schema == json.loads((ROOT / "specs/spec.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)


def test_init_writes_files_that_pass_and_refuses_to_overwrite(tmp_path: Path) -> None:
    target = tmp_path / "new"
    run = run_cli("init", str(target))
    assert run.code == 0, run
    assert run.out.splitlines() == [
        f"wrote {target / 'spec.yaml'}", f"wrote {target / 'batches.csv'}",
        f"next: exoqc check {target / 'batches.csv'} --spec {target / 'spec.yaml'}"]
    checked = run_cli("check", str(target / "batches.csv"), "--spec", str(target / "spec.yaml"))
    assert checked.code == 0, checked
    assert "PASS: 3 batches checked: 3 pass, 0 warn, 0 fail" in checked.out
    assert run_cli("spec", "validate", str(target / "spec.yaml")).code == 0
    before = (target / "spec.yaml").read_text()
    (target / "spec.yaml").write_text(before + "# my edit\n")
    again = run_cli("init", str(target))
    assert (again.code, again.err) == (
        2, f"exoqc: {target / 'spec.yaml'}: already exists; refusing to overwrite it\n"), again
    assert (target / "spec.yaml").read_text().endswith("# my edit\n")


def test_init_refuses_when_only_the_csv_exists(tmp_path: Path) -> None:
    (tmp_path / "batches.csv").write_text("x\n")
    run = run_cli("init", str(tmp_path))
    assert (run.code, run.err) == (
        2, f"exoqc: {tmp_path / 'batches.csv'}: already exists; refusing to overwrite it\n")
    assert not (tmp_path / "spec.yaml").exists()


def test_help_of_every_new_command() -> None:
    for args in (("spec",), ("spec", "validate"), ("spec", "show"), ("spec", "list"),
                 ("spec", "schema"), ("init",)):
        run = run_cli(*args, "--help")
        assert run.code == 0, run
        assert run.out.startswith("Usage: "), run


def test_spec_show_lines_end_without_padding() -> None:
    run = run_cli("spec", "show", "clinical")
    assert run.code == 0, run
    lines = run.out.splitlines()
    assert any("criterion" in line for line in lines)  # the table was printed
    assert [line for line in lines if line != line.rstrip()] == []
