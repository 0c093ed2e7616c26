"""`extends` chains: override by name, `remove`, inherited keys, cycles, the files recorded
in the report, and column alternatives."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

from tests import spec_helpers
from tests.conftest import run_cli
from tests.spec_helpers import checks_of, csv

judge = spec_helpers.judge

PARENT = """name: parent
version: "1"
id_column: batch_id
checks:
  - name: size
    column: size_nm
    unit: nm
    min: 30
    max: 150
  - name: sterility
    column: sterility
    allowed: [no growth]
  - name: ph
    column: ph
    min: 7
    max: 8
"""
DATA = csv("batch_id,size_nm,sterility,ph", "B1,160,no growth,9")


def test_child_overrides_removes_and_adds(write: Callable[..., Path]) -> None:
    write("base/parent.yaml", PARENT)
    child = write("child.yaml", """name: child
version: "2"
extends: base/parent.yaml
remove: [ph]
checks:
  - name: size
    column: size_nm
    unit: nm
    min: 30
    max: 200
  - name: gmp
    column: gmp
    equals: true
    required: false
""")
    data = write("b.csv", DATA)
    run = run_cli("check", str(data), "--spec", str(child), "-f", "json")
    assert run.code == 0, run
    report = json.loads(run.out)
    names = [c["name"] for c in report["batches"][0]["checks"]]
    assert names == ["batch_identity", "size", "sterility", "gmp"]
    assert (report["spec"]["name"], report["spec"]["version"]) == ("child", "2")
    assert report["spec"]["files"] == [
        {"path": str(child), "sha256": hashlib.sha256(child.read_bytes()).hexdigest()},
        {"path": str(child.parent / "base/parent.yaml"),
         "sha256": hashlib.sha256((child.parent / "base/parent.yaml").read_bytes()).hexdigest()},
    ]
    assert report["spec"]["sha256"] == report["spec"]["files"][0]["sha256"]


def test_chain_of_three_and_relative_paths(write: Callable[..., Path]) -> None:
    write("a/parent.yaml", PARENT)
    write("a/b/middle.yaml", 'name: middle\nversion: "1"\nextends: ../parent.yaml\n'
          "remove: [sterility]\n")
    leaf = write("leaf.yaml", 'name: leaf\nversion: "1"\nextends: a/b/middle.yaml\n'
                 "title: Leaf\n")
    run = run_cli("spec", "show", str(leaf), "--format", "json")
    assert run.code == 0, run
    resolved = json.loads(run.out)
    assert resolved["title"] == "Leaf"
    assert [c["name"] for c in resolved["checks"]] == ["size", "ph"]
    shown = run_cli("spec", "show", str(leaf))
    assert f"extends: {leaf} -> {leaf.parent / 'a/b/../parent.yaml'}" not in shown.out
    assert "extends: " in shown.out


def test_cycle_is_exit_2_naming_the_files(write: Callable[..., Path]) -> None:
    a = write("a.yaml", 'name: a\nversion: "1"\nextends: b.yaml\n')
    b = write("b.yaml", 'name: b\nversion: "1"\nextends: a.yaml\n')
    data = write("d.csv", DATA)
    run = run_cli("check", str(data), "--spec", str(a))
    assert (run.code, run.out) == (2, ""), run
    assert run.err == (f"exoqc: {b}:3:10: extends: extends forms a cycle: {a} -> {b} -> "
                       f"{a.parent / 'a.yaml'}\n")


def test_self_extension_is_a_cycle(write: Callable[..., Path]) -> None:
    a = write("a.yaml", 'name: a\nversion: "1"\nextends: a.yaml\n')
    run = run_cli("spec", "validate", str(a))
    assert (run.code, run.out) == (
        2, f"{a}:3:10: extends: extends forms a cycle: {a} -> {a.parent / 'a.yaml'}\n"), run


def test_missing_parent_names_the_extends_line(write: Callable[..., Path]) -> None:
    a = write("a.yaml", 'name: a\nversion: "1"\nextends: nowhere.yaml\n')
    run = run_cli("spec", "validate", str(a))
    assert (run.code, run.out) == (
        2, f"{a}:3:10: extends: {a.parent / 'nowhere.yaml'}: spec file not found\n"), run


def test_remove_of_an_unknown_check(write: Callable[..., Path]) -> None:
    write("p.yaml", PARENT)
    child = write("c.yaml", 'name: c\nversion: "1"\nextends: p.yaml\nremove: [sise]\n')
    run = run_cli("spec", "validate", str(child))
    assert (run.code, run.out) == (
        2, f"{child}:4:10: remove[0]: no inherited check named 'sise' (inherited: size, "
           "sterility, ph)\n"), run


def test_child_needs_its_own_name_and_version(write: Callable[..., Path]) -> None:
    write("p.yaml", PARENT)
    child = write("c.yaml", 'extends: p.yaml\nversion: "1"\n')
    run = run_cli("spec", "validate", str(child))
    assert (run.code, run.out) == (2, f"{child}:1:1: missing required key 'name'\n"), run


def test_error_in_an_inherited_check_names_the_parent_file(write: Callable[..., Path]) -> None:
    parent = write("p.yaml", PARENT.replace("min: 7", "min: 9"))
    child = write("c.yaml", 'name: c\nversion: "1"\nextends: p.yaml\n')
    run = run_cli("spec", "validate", str(child))
    assert (run.code, run.out) == (
        2, f"{parent}:15:10: checks[2].min: min 9 is greater than max 8\n"), run


def test_extends_a_builtin_and_lifecycle_is_not_inherited(write: Callable[..., Path]) -> None:
    child = write("c.yaml", 'name: site\nversion: "1"\nextends: clinical\nremove: [expiry]\n')
    run = run_cli("spec", "show", str(child), "--format", "json")
    assert run.code == 0, run
    resolved = json.loads(run.out)
    assert resolved["name"] == "site"
    assert "expiry" not in [c["name"] for c in resolved["checks"]]
    assert "status" not in resolved
    assert resolved["derived"] == {
        "particles_per_ug_protein": "particle_concentration_per_ml / protein_ug_per_ml"}


def test_builtin_base_is_not_a_user_facing_name() -> None:
    run = run_cli("spec", "show", "base")
    assert (run.code, run.err) == (2, "exoqc: base: spec file not found (built-in specs: "
                                      "clinical, research)\n"), run


def test_resolved_json_is_itself_a_loadable_spec(write: Callable[..., Path]) -> None:
    resolved = run_cli("spec", "show", "clinical", "--format", "json")
    assert resolved.code == 0, resolved
    assert '"min": 1.0E+10' in resolved.out  # numbers keep their digits as written
    copy = write("resolved.json", resolved.out)
    root = Path(__file__).resolve().parents[2]
    data = str(root / "sample_data/batches.csv")
    original = run_cli("check", data, "--spec", "clinical", "--as-of", "2026-04-01", "-f", "json")
    again = run_cli("check", data, "--spec", str(copy), "--as-of", "2026-04-01", "-f", "json")
    assert again.code == original.code == 1
    strip = [[(c["name"], c["status"], c["reason"], c["message"]) for c in b["checks"]]
             for b in json.loads(original.out)["batches"]]
    assert strip == [[(c["name"], c["status"], c["reason"], c["message"]) for c in b["checks"]]
                     for b in json.loads(again.out)["batches"]]


# --- column alternatives -------------------------------------------------------------------

ALTERNATIVES = """name: t
version: "1"
id_column: batch_id
checks:
  - name: size
    column: [mean_particle_size_nm, "Mean size (nm)", size_nm]
    unit: nm
    max: 150
"""


def test_alternatives_that_disagree_are_invalid(judge: Callable[..., object]) -> None:
    """500 in one alternative and 120 in another used to pass on 120 (issue 14, item 6)."""
    run = judge(ALTERNATIVES, csv("batch_id,size_nm,Mean size (nm)", "B1,500,120"))
    assert run.code == 1, run
    check = checks_of(run)[0][0]
    assert (check["status"], check["reason"]) == ("fail", "invalid")
    assert check["message"] == ("columns 'Mean size (nm)' ('120') and 'size_nm' ('500') "
                                "disagree: keep one result")


def test_first_alternative_with_a_value_wins(judge: Callable[..., object]) -> None:
    run = judge(ALTERNATIVES, csv("batch_id,size_nm,Mean size (nm)", "B1,500,"))
    assert run.code == 1, run
    assert checks_of(run)[0][0]["value"] == "500"


def test_alternatives_per_input_file(write: Callable[..., Path]) -> None:
    spec = write("s.yaml", ALTERNATIVES)
    one = write("one.csv", csv("batch_id,size_nm", "B1,100"))
    two = write("two.csv", csv("batch_id,MEAN SIZE (NM)", "B2,200"))
    run = run_cli("check", str(one), str(two), "--spec", str(spec), "-f", "json")
    assert run.code == 1, run
    first, second = checks_of(run)
    assert (first[0]["value"], second[0]["value"]) == ("100", "200")
    assert first[0]["column"] == "Mean size (nm) / size_nm"
    assert second[0]["message"] == "200 nm is above the maximum 150 nm"


def test_no_alternative_present_is_exit_2(write: Callable[..., Path]) -> None:
    spec = write("s.yaml", ALTERNATIVES)
    data = write("d.csv", csv("batch_id,size", "B1,100"))
    run = run_cli("check", str(data), "--spec", str(spec))
    assert (run.code, run.err) == (
        2, f"exoqc: {data}: no column 'mean_particle_size_nm' (or 'Mean size (nm)', "
           "'size_nm') (needed by check 'size'; did you mean 'size'?)\n"), run


def test_column_must_be_text_or_list(write: Callable[..., Path]) -> None:
    spec = write("s.yaml", ALTERNATIVES.replace("[mean_particle_size_nm, \"Mean size (nm)\", "
                                                "size_nm]", "12"))
    run = run_cli("spec", "validate", str(spec))
    assert (run.code, run.out) == (
        2, f"{spec}:6:13: checks[0].column: must be a column name or a list of them, not the "
           "number 12\n"), run
