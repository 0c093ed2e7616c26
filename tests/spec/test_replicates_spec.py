"""The spec keys of replicates and retests (issue 18): what loads, what is refused with a
located message, and that the spec's sha256 covers them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import run_cli

HEAD = 'name: r\nversion: "1"\nid_column: batch_id\n'
CHECK = ("checks:\n  - name: potency\n    column: potency_pct\n    min: 70\n    max: 130\n"
         "    replicates: RULE\n")


@pytest.mark.parametrize(("rule", "message"), [
    ("{reportable: mean}", "give the number of replicates the method requires"),
    ("{count: 3, min_count: 2}", "give count, or min_count / max_count, not both"),
    ("{count: 2.5}", "count must be a whole number of at least 1"),
    ("{count: 0}", "is less than the minimum of 1"),
    ("{min_count: 3, max_count: 2}", "max_count 2 is less than min_count 3"),
    ("{count: 3, max_cv_pct: 15}", "max_cv_pct applies only to reportable: mean or median"),
    ("{count: 3, reportable: mean, individual_min: 80}",
     "individual_min 80 is tighter than the check's lower limit 70"),
    ("{count: 3, reportable: mean, individual_max: 120}",
     "individual_max 120 is tighter than the check's upper limit 130"),
    ("{count: 3, reportable: average}", "average"),
    ("{count: 3, each: true}", "each"),
])
def test_bad_replicate_rules_are_refused(write: Callable[..., Path], rule: str,
                                         message: str) -> None:
    run = run_cli("spec", "validate", write("s.yaml", HEAD + CHECK.replace("RULE", rule)))
    assert run.code == 2, run
    said = run.out + run.err
    assert "checks[0].replicates" in said and message in said, run


@pytest.mark.parametrize(("top", "message"), [
    ("result_status_column: s\n", "result_status_column and invalidation_column go together"),
    ("invalidation_column: ref\n", "result_status_column and invalidation_column go together"),
    ("replicate_column: batch_id\n", "'batch_id' is already the id_column"),
    ("replicate_column: potency_pct\n", "'potency_pct' is the replicate_column, not a result"),
])
def test_bad_grouping_columns_are_refused(write: Callable[..., Path], top: str,
                                          message: str) -> None:
    spec = HEAD + top + CHECK.replace("RULE", "{count: 1}")
    run = run_cli("spec", "validate", write("s.yaml", spec))
    assert run.code == 2 and message in run.out + run.err, run


def test_replicates_need_numeric_limits(write: Callable[..., Path]) -> None:
    spec = (HEAD + "checks:\n  - name: s\n    column: s\n    allowed: [ok]\n"
            "    replicates: {count: 2}\n")
    run = run_cli("spec", "validate", write("s.yaml", spec))
    assert run.code == 2
    assert "replicates apply only to judged min/max checks" in run.out + run.err


def test_a_derived_check_has_no_replicates(write: Callable[..., Path]) -> None:
    spec = (HEAD + "derived:\n  r: a / b\nchecks:\n  - name: r\n    column: r\n    max: 1\n"
            "    replicates: {count: 2}\n")
    run = run_cli("spec", "validate", write("s.yaml", spec))
    assert run.code == 2 and "it has no replicates" in run.out + run.err


def test_a_missing_grouping_column_is_one_line_exit_2(write: Callable[..., Path]) -> None:
    spec = write("s.yaml", HEAD + "replicate_column: replicate\n" +
                 CHECK.replace("RULE", "{count: 1}"))
    run = run_cli("check", write("b.csv", "batch_id,potency_pct\nA,90\n"), "-s", spec)
    assert (run.code, run.out) == (2, "")
    assert run.err.strip().endswith("no column 'replicate' (the spec's replicate_column)")
    assert len(run.err.strip().splitlines()) == 1


def test_spec_show_and_json_keep_the_keys(write: Callable[..., Path]) -> None:
    spec = write("s.yaml", HEAD + "replicate_column: rep\n" + CHECK.replace(
        "RULE", "{count: 3, reportable: mean, max_cv_pct: 15, individual_min: 50}"))
    shown = run_cli("spec", "show", spec)
    assert "replicate column: rep" in shown.out
    assert "mean of 3 replicates, CV ≤ 15 %, each replicate ≥ 50" in shown.out
    as_json = run_cli("spec", "show", spec, "--format", "json")
    assert '"replicate_column": "rep"' in as_json.out and '"max_cv_pct": 15' in as_json.out
