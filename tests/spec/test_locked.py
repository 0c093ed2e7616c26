"""Locked checks (issue 14, item 8): a spec that extends a locked check may only narrow it;
removing it, making it optional or report-only, changing its column, unit, rounding or
matching, or loosening a limit is a spec error (exit 2) naming both files. The shipped
clinical spec locks its safety checks; its source allow-list stays open, and every report
shows an override."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from qc.spec.locked import loosenings
from tests.conftest import ROOT, run_cli

SAMPLE = ROOT / "sample_data" / "batches.csv"
HEAD = 'name: lab\nversion: "1"\nextends: clinical\n'


def _child(write: Callable[..., Path], body: str) -> Path:
    return write("lab.yaml", HEAD + body)


def _refused(write: Callable[..., Path], body: str) -> str:
    """The one-line error `spec validate` and `check` give for a child of clinical."""
    spec = _child(write, body)
    validated = run_cli("spec", "validate", str(spec))
    assert validated.code == 2, validated
    checked = run_cli("check", str(SAMPLE), "-s", str(spec), "-f", "json")
    assert checked.code == 2, checked
    assert checked.out == ""  # no half-written report
    line = checked.err.strip()
    assert "\n" not in line and "Traceback" not in line
    assert "lab.yaml" in line and "builtin:clinical" in line  # both files named
    return line


# Each attempt to loosen a locked check of the clinical spec, and the words that say so.
LOOSENINGS = [
    ("remove: [sterility]\n", "cannot remove check 'sterility'"),
    ("remove: [endotoxin]\n", "cannot remove check 'endotoxin'"),
    ("remove: [mycoplasma]\n", "cannot remove check 'mycoplasma'"),  # inherited from base
    ("remove: [cell_source]\n", "cannot remove check 'cell_source'"),
    ("checks:\n  - name: endotoxin\n    column: endotoxin_eu_per_ml\n    unit: EU/mL\n"
     "    max_exclusive: 5\n    warn_max: 0.25\n", "loosens its max limit (0.5 -> 5)"),
    ("checks:\n  - name: endotoxin\n    column: endotoxin_eu_per_ml\n    unit: EU/mL\n"
     "    max: 0.5\n    warn_max: 0.25\n", "loosens its max limit (0.5 -> 0.5)"),
    ("checks:\n  - name: endotoxin\n    column: endotoxin_eu_per_ml\n    unit: EU/mL\n"
     "    max_exclusive: 0.5\n", "drops its warn_max (0.25)"),
    ("checks:\n  - name: endotoxin\n    column: endotoxin_eu_per_ml\n    unit: IU/mL\n"
     "    max_exclusive: 0.5\n    warn_max: 0.25\n", "changes its unit (EU/mL -> IU/mL)"),
    ("checks:\n  - name: endotoxin\n    column: endotoxin_eu_per_ml\n    unit: EU/mL\n"
     "    rounding: usp\n    max_exclusive: 0.5\n    warn_max: 0.25\n", "changes its rounding"),
    ("checks:\n  - name: endotoxin\n    column: endotoxin_other\n    unit: EU/mL\n"
     "    max_exclusive: 0.5\n    warn_max: 0.25\n", "changes its column"),
    ("checks:\n  - name: endotoxin\n    column: endotoxin_eu_per_ml\n    report_only: true\n"
     "    unit: EU/mL\n    max_exclusive: 0.5\n    warn_max: 0.25\n", "makes it report-only"),
    ("checks:\n  - name: sterility\n    column: sterility\n    required: false\n"
     "    allowed: [no growth]\n    indeterminate_values: [equivocal, inconclusive, "
     "indeterminate, faint]\n", "makes it optional"),
    ("checks:\n  - name: sterility\n    column: sterility\n    allowed: [no growth, "
     "no growth at 7 days]\n    indeterminate_values: [equivocal, inconclusive, "
     "indeterminate, faint]\n", "adds 'no growth at 7 days' to allowed"),
    ("checks:\n  - name: sterility\n    column: sterility\n    allowed: [no growth]\n"
     "    match: words\n    indeterminate_values: [equivocal, inconclusive, indeterminate, "
     "faint]\n", "changes its matching (none -> words)"),
    ("checks:\n  - name: sterility\n    column: sterility\n    allowed: [no growth]\n",
     "drops 'equivocal', 'inconclusive', 'indeterminate', 'faint' from indeterminate_values"),
    ("checks:\n  - name: sterility\n    column: sterility\n    pattern: '.*'\n",
     "changes its rule (allowed dropped)"),
    ("checks:\n  - name: cell_source\n    column: cell_source\n    forbidden: [HeLa]\n",
     "drops 'HepG2'"),
    ("checks:\n  - name: cd63\n    column: cd63\n    allowed: [positive, detected, faint]\n"
     "    warn_values: [weak]\n", "adds 'faint' to allowed"),
    ("checks:\n  - name: cd63\n    column: cd63\n    allowed: [positive]\n"
     "    warn_values: [weak, negative]\n", "adds 'negative' to warn_values"),
    ("checks:\n  - name: endotoxin\n    column: endotoxin_eu_per_ml\n    locked: false\n"
     "    unit: EU/mL\n    max_exclusive: 0.5\n    warn_max: 0.25\n", "unlocks it"),
]


@pytest.mark.parametrize(("body", "says"), LOOSENINGS,
                         ids=[f"loosen{i}" for i in range(len(LOOSENINGS))])
def test_a_child_of_clinical_cannot_loosen_a_locked_check(write: Callable[..., Path], body: str,
                                                         says: str) -> None:
    assert says in _refused(write, body)


def test_a_lock_on_an_inherited_check_names_where_it_was_defined(
        write: Callable[..., Path]) -> None:
    line = _refused(write, "checks:\n  - name: mycoplasma\n    column: mycoplasma\n"
                           "    allowed: [negative, positive]\n")
    assert "locked in builtin:clinical, defined in builtin:base" in line


NARROWINGS = """\
checks:
  - name: endotoxin
    column: endotoxin_eu_per_ml
    description: Our own, stricter endotoxin limit
    unit: EU/mL
    max_exclusive: 0.2
    warn_max: 0.1
  - name: cd63
    column: cd63
    allowed: [positive]
    warn_values: [weak, detected]
  - name: cell_source
    column: cell_source
    forbidden: [HeLa, HepG2, Hep G2, MCF-7, MCF7, A549, U87, U-87, K562, PANC-1, MDA-MB-231,
                MDAMB231, HEK293, HEK293T, HEK 293, 293T, Expi293, hTERT, SV40, immortal,
                transformed, He La, S V40, SV4O, Vero]
  - name: cell_source_identity
    column: cell_source
    allowed: [BM-MSC, AT-MSC, UC-MSC, WJ-MSC, UC/WJ-MSC, placental MSC, DP-MSC]
    match: words
"""


def test_narrowing_and_the_open_allow_list_are_accepted_and_reported(
        write: Callable[..., Path]) -> None:
    spec = _child(write, NARROWINGS)
    assert run_cli("spec", "validate", str(spec)).code == 0
    batches = write("in.csv", SAMPLE.read_text("utf-8").replace(
        "\"BM-MSC, P3, donor 014\",Yes", "\"DP-MSC, P3, donor 014\",Yes", 1))
    run = run_cli("check", str(batches), "-s", str(spec), "-f", "json", "--as-of", "2026-04-01")
    report = json.loads(run.out)
    row3 = next(b for b in report["batches"] if b["row"] == 3)
    checks = {c["name"]: c for c in row3["checks"]}
    assert checks["cell_source_identity"]["status"] == "pass"  # the lab's qualified source
    assert checks["cd63"]["status"] == "pass"  # Positive
    assert checks["endotoxin"]["status"] == "warn"  # 0.11: below 0.2, above the alert 0.1
    lineage = report["spec"]["lineage"]
    assert {"check": "cell_source_identity", "how": "overridden", "file": str(spec),
            "parent": "builtin:clinical"} in lineage
    assert {"check": "sterility", "how": "inherited", "file": "builtin:clinical",
            "parent": None} in lineage
    assert "sterility" in report["spec"]["locked"] and "cd63" in report["spec"]["locked"]
    assert "cell_source_identity" not in report["spec"]["locked"]
    assert any(n.startswith("spec overrides: ") and "cell_source_identity (by " in n
               for n in report["notes"])
    shown = run_cli("spec", "show", str(spec))
    assert "cell_source_identity (by " in shown.out and "locked (a spec extending" in shown.out
    for suffix in ("md", "html", "txt", "xml"):
        out = batches.parent / f"report.{suffix}"
        run_cli("check", str(batches), "-s", str(spec), "-q", "-o", str(out))
        assert "spec overrides: cell" in out.read_text("utf-8"), suffix
    assert "spec overrides: cell_source" in run_cli("check", str(batches), "-s", str(spec)).out


def test_the_resolved_spec_keeps_its_locks(write: Callable[..., Path]) -> None:
    shown = run_cli("spec", "show", "clinical", "-f", "json")
    resolved = json.loads(shown.out)
    assert "locked" not in resolved  # the top-level list became locked: true on the checks
    locked = {c["name"] for c in resolved["checks"] if c.get("locked")}
    assert locked == {"cell_source", "cd63", "mycoplasma", "tsg101", "calnexin", "sterility",
                      "endotoxin"}
    write("flat.yaml", shown.out)
    child = write("child.yaml", 'name: c\nversion: "1"\nextends: flat.yaml\nremove: [cd63]\n')
    run = run_cli("spec", "validate", str(child))
    assert run.code == 2 and "cannot remove check 'cd63'" in run.out + run.err


def test_a_top_level_lock_must_name_a_check(write: Callable[..., Path]) -> None:
    spec = _child(write, "locked: [sterilty]\n")
    run = run_cli("spec", "validate", str(spec))
    assert run.code == 2 and "no check named 'sterilty' to lock" in run.out + run.err


def test_locks_protect_spec_wide_defaults_and_derived_attributes(
        write: Callable[..., Path]) -> None:
    write("parent.yaml", 'name: p\nversion: "1"\nid_column: batch_id\nderived:\n'
                         "  ratio: a / b\nchecks:\n  - name: purity\n    column: ratio\n"
                         "    min: 2\n    locked: true\n")
    for body, says in (("rounding: usp\n", "cannot change the spec-wide rounding"),
                       ("derived:\n  ratio: a / b * 100\n", "cannot change derived attribute"),
                       ("remove: [ratio]\n", "cannot")):
        child = write("child.yaml", 'name: c\nversion: "1"\nextends: parent.yaml\n' + body)
        run = run_cli("spec", "validate", str(child))
        assert run.code == 2 and says in run.out + run.err, (body, run)


def test_a_new_derived_attribute_cannot_shadow_a_locked_column(
        write: Callable[..., Path]) -> None:
    line = _refused(write, "derived:\n  endotoxin_eu_per_ml: ph * 0\n")
    assert "cannot change derived attribute 'endotoxin_eu_per_ml'" in line
    assert "a column of the batch file" in line


@pytest.mark.parametrize("name", ["EndotoxinEuPerMl", "endotoxin_eu_per_ml_", "_Endotoxin_EU_per_ml",
                                  "ENDOTOXIN__EU_PER_ML"])
def test_no_spelling_of_a_derived_name_escapes_the_lock(write: Callable[..., Path],
                                                        name: str) -> None:
    """Attack A1: a derived name that differs from the locked column only in case,
    underscores or a unit (which header matching ignores) replaced the endotoxin result."""
    line = _refused(write, f"derived:\n  {name!r}: ph * 0\n")
    assert "cannot change derived attribute" in line and "locked check 'endotoxin'" in line


def test_an_unlocked_check_may_still_change_freely(write: Callable[..., Path]) -> None:
    spec = _child(write, "remove: [ph]\nchecks:\n  - name: potency\n    column: potency\n"
                         "    min: 1\n")
    assert run_cli("spec", "validate", str(spec)).code == 0


@pytest.mark.parametrize(("parent", "child", "ok"), [
    ({"min": 1, "max": 5}, {"min": 2, "max": 4}, True),
    ({"min": 1}, {"min_exclusive": 1}, True),
    ({"min_exclusive": 1}, {"min": 1}, False),
    ({"min": 1}, {}, False),
    ({"max": 5}, {"max": 6}, False),
    ({"warn_min": 2, "min": 1}, {"warn_min": 3, "min": 1}, True),
    ({"warn_min": 2, "min": 1}, {"warn_min": 1.5, "min": 1}, False),
    ({"allowed": ["a", "b"]}, {"allowed": ["A"]}, True),
    ({"allowed": ["a"]}, {"allowed": ["a"], "warn_values": ["b"]}, False),
    ({"allowed": ["a", "b"]}, {"allowed": ["a"], "warn_values": ["B"]}, True),
    ({"forbidden": ["x"]}, {"forbidden": ["X", "y"]}, True),
    ({"forbidden": ["x", "z"]}, {"forbidden": ["x"]}, False),
    ({"type": "date", "min": "today"}, {"type": "date", "min": "2020-01-01"}, False),
    ({"column": "a", "description": "x"}, {"column": "a", "description": "y"}, True),
    # attack A12: a NaN or infinite limit is never narrower (was an internal error)
    ({"max_exclusive": 0.5}, {"max_exclusive": float("nan")}, False),
    ({"min": 1}, {"min": float("-inf")}, False),
    ({"max": 5}, {"max": float("inf")}, False),
])
def test_the_narrowing_rule(parent: dict[str, object], child: dict[str, object],
                            ok: bool) -> None:
    assert (loosenings(parent, child) == []) is ok
