"""Replicates and retests through the real CLI (issue 18): every verdict rule, both input
forms, censored replicates, limit boundaries, `--decimal ,`, USP rounding, the lineage in
the JSON report, and unchanged behaviour without the keys."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, run_cli

HEAD = 'name: r\nversion: "1"\nid_column: batch_id\n'
GROUPED = ("replicate_column: replicate\nresult_status_column: result_status\n"
           "invalidation_column: invalidation_ref\n")


def potency(rule: str, extra: str = "") -> str:
    """A spec with one potency check (70-130 %) and the given replicates rule."""
    return (f"{HEAD}{extra}checks:\n  - name: potency\n    column: potency_pct\n"
            f"    unit: \"%\"\n    min: 70\n    max: 130\n    replicates: {rule}\n")


def judged(write: Callable[..., Path], spec: str, csv: str, *args: str
           ) -> list[dict[str, Any]]:
    """Every batch of the JSON report of `exoqc check` (exit 0 or 1, nothing on stderr)."""
    run = run_cli("check", write("b.csv", csv), "-s", write("s.yaml", spec), "-f", "json",
                  *args)
    assert run.code in (0, 1) and run.err == "", run
    batches: list[dict[str, Any]] = run.json()["batches"]
    return batches


def check(batch: dict[str, Any], name: str = "potency") -> dict[str, Any]:
    found: dict[str, Any] = next(c for c in batch["checks"] if c["name"] == name)
    return found


MEAN = "{count: 3, reportable: mean, max_cv_pct: 15, individual_min: 50, individual_max: 150}"

# (rule, cell, status, reason, words in the message) for the one-cell form.
ONE_CELL = [
    (MEAN, "96;104;99", "pass", None, "mean 99.67 % of 3 replicates (96; 104; 99)"),
    (MEAN, "96 | 104 | 99", "pass", None, "mean 99.67 %"),
    (MEAN, "96;104", "fail", "invalid", "2 of 3 replicates"),
    (MEAN, "96;104;99;98", "fail", "invalid", "4 of 3 replicates"),
    (MEAN, "96;abc;99", "fail", "invalid", "replicate 2 (row 2): cannot read 'abc'"),
    # attack: an empty slot is no replicate, never skipped to make up the count
    (MEAN, "96;;104;99", "fail", "invalid", "has an empty replicate between separators"),
    (MEAN, "96;104;99;", "fail", "invalid", "has an empty replicate between separators"),
    # CV 22 %: the issue's own example of a variability criterion not met
    ("{count: 3, reportable: mean, max_cv_pct: 15}", "80;100;120", "fail", "invalid",
     "CV 20 % exceeds the method's 15 %: the assay result is not valid"),
    (MEAN, "45;90;95", "fail", "invalid", "CV"),
    ("{count: 3, reportable: mean, individual_min: 50}", "45;90;95", "fail", "out_of_spec",
     "replicate 1 (row 2) 45 % is below the individual minimum 50 %"),
    ("{count: 3, reportable: mean, individual_max: 150}", "100;100;151", "fail",
     "out_of_spec", "replicate 3 (row 2) 151 % is above the individual maximum 150 %"),
    # outside the check's limits, inside the individual ones: warn, naming it
    (MEAN, "68;80;82", "warn", None, "but replicate 1 (row 2) 68 is outside 70–130 %"),
    ("{count: 3, reportable: mean}", "60;100;101", "warn", None, "replicate 1 (row 2) 60"),
    # limit boundaries: a mean exactly at a limit passes; just below fails
    ("{count: 2, reportable: mean}", "69;71", "warn", None, "mean 70"),
    ("{count: 2, reportable: mean}", "69;70.98", "fail", "out_of_spec", "is outside 70–130 %"),
    ("{count: 2, reportable: mean}", "130;130", "pass", None, "mean 130"),
    ("{count: 3, reportable: median}", "50;100;200", "warn", None, "median 100"),
    ("{count: 3, reportable: median}", "50;60;200", "fail", "out_of_spec", "median 60"),
    ("{count: 3}", "96;104;99", "pass", None, "each of 3 replicates passes: 96; 104; 99"),
    ("{count: 3}", "96;131;99", "fail", "out_of_spec",
     "replicate 2 (row 2): 131 % is above the maximum 130 %"),
    ("{count: 3}", "96;104;69.9", "fail", "out_of_spec", "replicate 3 (row 2)"),
    ("{min_count: 2, max_count: 3}", "96;104", "pass", None, "each of 2"),
    ("{min_count: 2, max_count: 3}", "96", "fail", "invalid", "1 of 2 to 3 replicates"),
    ("{min_count: 2}", "96;97;98;99;100", "pass", None, "each of 5"),
    ("{count: 3}", "", "fail", "missing", "no value"),
]


@pytest.mark.parametrize(("rule", "cell", "status", "reason", "words"), ONE_CELL)
def test_one_cell_rules(write: Callable[..., Path], rule: str, cell: str, status: str,
                        reason: str | None, words: str) -> None:
    batch = judged(write, potency(rule), f"batch_id,potency_pct\nB-1,{cell}\n")[0]
    result = check(batch)
    assert (result["status"], result["reason"]) == (status, reason), result
    assert words in result["message"], result


def test_censored_replicates_make_an_interval(write: Callable[..., Path]) -> None:
    spec = (f"{HEAD}checks:\n  - name: endotoxin\n    column: e\n    unit: EU/mL\n"
            "    max: 0.5\n    replicates: {count: 2, reportable: mean}\n")
    batches = judged(write, spec, "batch_id,e\nA,<0.05; 0.06\nB,<0.5;0.6\nC,>0.4;0.5\n")
    a, b, c = (check(x, "endotoxin") for x in batches)
    assert (a["status"], a["value"]) == ("pass", "<0.055")  # mean of (-inf..0.05, 0.06)
    assert (b["status"], b["reason"]) == ("fail", "indeterminate")  # below 0.55, maybe above 0.5
    assert (c["status"], c["reason"]) == ("fail", "indeterminate")


def test_a_variability_criterion_with_a_censored_replicate_is_invalid(
        write: Callable[..., Path]) -> None:
    batch = judged(write, potency("{count: 2, reportable: mean, max_range: 10}"),
                   "batch_id,potency_pct\nA,<80;90\n")[0]
    assert (check(batch)["status"], check(batch)["reason"]) == ("fail", "invalid")
    assert "censored" in check(batch)["message"]


def test_max_range(write: Callable[..., Path]) -> None:
    spec = potency("{count: 3, reportable: mean, max_range: 10}")
    a, b = judged(write, spec, "batch_id,potency_pct\nA,95;100;105\nB,95;100;105.1\n")
    assert check(a)["status"] == "pass"
    assert check(b)["reason"] == "invalid"
    assert "range 10.1 % exceeds the method's 10 %" in check(b)["message"]


def test_decimal_comma_never_splits_on_a_comma(write: Callable[..., Path]) -> None:
    spec = potency("{count: 3, reportable: mean}")
    csv = 'batch_id,potency_pct\nA,"96,5;104;99"\nB,"96,5"\n'
    a, b = judged(write, spec, csv, "--decimal", ",")
    assert (check(a)["status"], check(a)["value"]) == ("pass", "99.833")
    assert check(b)["message"] == "1 of 3 replicates"
    without = judged(write, spec, csv)
    assert "decimal comma" in check(without[0])["message"]


def test_usp_rounding_rounds_only_the_final_mean(write: Callable[..., Path]) -> None:
    spec = (f"{HEAD}rounding: usp\nchecks:\n  - name: ph\n    column: ph\n    min: 7.0\n"
            "    max: 7.5\n    replicates: {count: 2, reportable: mean}\n")
    # 7.54 and 7.55 each round (alone) to 7.5 and 7.6; the mean 7.545 rounds to 7.5: pass.
    # Rounding each first would give (7.5 + 7.6) / 2 = 7.55 -> 7.6: fail.
    a, b = judged(write, spec, "batch_id,ph\nA,7.54;7.55\nB,7.55;7.56\n")
    assert check(a, "ph")["status"] == "warn"  # passes, but 7.55 alone is out
    assert check(a, "ph")["value"] == "7.545"
    assert (check(b, "ph")["status"], check(b, "ph")["reason"]) == ("fail", "out_of_spec")


def test_json_lists_every_individual_value(write: Callable[..., Path]) -> None:
    batch = judged(write, potency(MEAN), "batch_id,potency_pct\nA,96;104;99\n")[0]
    result = check(batch)
    assert result["value"] == "99.67"
    assert [(r["replicate"], r["value"], r["status"], r["row"], r["lineage"], r["counted"])
            for r in result["replicates"]] == [
        ("1", "96", "pass", 2, "original", True), ("2", "104", "pass", 2, "original", True),
        ("3", "99", "pass", 2, "original", True)]
    assert "rows" not in batch


# --- repeated rows ---------------------------------------------------------------------

ROWS_SPEC = potency(MEAN, "replicate_column: replicate\n") + (
    "  - name: endotoxin\n    column: endotoxin\n    unit: EU/mL\n    max: 0.5\n")


def test_repeated_rows_group_into_one_batch(write: Callable[..., Path]) -> None:
    csv = ("batch_id,replicate,potency_pct,endotoxin\nA,1,96,0.1\nA,2,104,\nA,3,99,0.10\n"
           "B,1,96,0.1\nB,2,104,0.2\nB,3,99,\nC,1,96,0.1\nC,2,104,\n")
    a, b, c = judged(write, ROWS_SPEC, csv)
    assert (a["row"], a["rows"], a["verdict"]) == (2, [2, 3, 4], "pass")
    assert check(a)["value"] == "99.67"
    assert check(a, "endotoxin")["status"] == "pass"  # blank later cells ignored; 0.10 = 0.1
    assert check(b, "endotoxin")["reason"] == "invalid"
    assert "different values in rows 5, 6" in check(b, "endotoxin")["message"]
    assert check(c)["message"] == "2 of 3 replicates"


def test_a_repeated_replicate_number_is_invalid(write: Callable[..., Path]) -> None:
    csv = "batch_id,replicate,potency_pct,endotoxin\nA,1,96,0.1\nA,1,104,\nA,3,99,\n"
    batch = judged(write, ROWS_SPEC, csv)[0]
    identity = check(batch, "batch_identity")
    assert (identity["status"], identity["reason"]) == ("fail", "invalid")
    assert "row 2 and row 3 both hold replicate '1'" in identity["message"]


def test_summary_rows_are_listed_never_judged(write: Callable[..., Path]) -> None:
    csv = ("batch_id,replicate,potency_pct,endotoxin\nA,1,96,0.1\nA,2,104,\nA,3,99,\n"
           "A,Mean,98,\nA,%CV,4.05,\nA,SD,9999,\n")
    batch = judged(write, ROWS_SPEC, csv)[0]
    result = check(batch)
    assert (batch["verdict"], result["status"]) == ("pass", "pass")  # 9999 is never judged
    summary = [r for r in result["replicates"] if r["lineage"] == "not a replicate"]
    assert [(r["replicate"], r["counted"]) for r in summary] == [
        ("Mean", False), ("%CV", False), ("SD", False)]
    assert "the file's Mean (row 5, 98) disagrees with exoqc's 99.6667" in result["message"]
    assert "SD (row 7, 9999) disagrees" in result["message"]
    assert "%CV" not in result["message"].split("disagrees")[0].split("Mean")[0]


def test_without_the_keys_nothing_changes(write: Callable[..., Path]) -> None:
    spec = f"{HEAD}checks:\n  - name: potency\n    column: potency_pct\n    min: 70\n"
    run = run_cli("check", write("b.csv", "batch_id,potency_pct\nA,96;104;99\nA,90\n"),
                  "-s", write("s.yaml", spec), "-f", "json")
    batches = run.json()["batches"]
    assert len(batches) == 2
    assert all(check(b, "batch_identity")["reason"] == "invalid" for b in batches)
    assert check(batches[0])["message"] == ("cannot read '96;104;99': 3 values in one cell: "
                                            "replicates need a replicate rule in the spec")
    assert "replicates" not in check(batches[0])


# --- retests ---------------------------------------------------------------------------

RETEST_SPEC = potency(MEAN, GROUPED) + (
    "  - name: endotoxin\n    column: endotoxin\n    unit: EU/mL\n    max: 0.5\n")
RETEST_HEAD = "batch_id,replicate,result_status,invalidation_ref,potency_pct,endotoxin\n"


def rows(batch: str, status: str, values: tuple[str, ...], ref: str = "",
         endotoxin: str = "0.1") -> str:
    return "".join(f"{batch},{k + 1},{status},{ref},{v},{endotoxin if k == 0 else ''}\n"
                   for k, v in enumerate(values))


OK, OOS, LOW_RETEST = ("96", "104", "99"), ("60", "62", "61"), ("60", "61", "62")

# (rows of one batch, potency status, reason, words)
RETESTS = [
    (rows("A", "original", OK), "pass", None, "mean 99.67 % of 3 original replicates"),
    (rows("A", "original", OOS) + rows("A", "retest", OK), "fail", "out_of_spec",
     "an OOS original result is not replaced by a retest without a documented invalidation"),
    (rows("A", "invalidated", OOS, "INV-1") + rows("A", "retest", OK), "pass", None,
     "original invalidated (INV-1): 60; 62; 61; retests decide"),
    (rows("A", "Invalidated", OOS, "INV-1") + rows("A", "re-test", LOW_RETEST), "fail",
     "out_of_spec", "mean 61 % of 3 retest replicates"),
    (rows("A", "original", OK) + rows("A", "retest", LOW_RETEST), "fail", "out_of_spec",
     "retest: mean 61 %"),
    # a retest replicate outside the limits is never hidden by a passing original
    (rows("A", "original", OK) + rows("A", "retest", ("68", "75", "80")), "warn", None,
     "retest: mean 74.33 % of 3 retest replicates (68; 75; 80) passes, but replicate 1"),
    (rows("A", "invalidated", OOS, "INV-1") + rows("A", "retest", OK[:2]), "fail",
     "invalid", "2 of 3 replicates (retest)"),
]


@pytest.mark.parametrize(("csv", "status", "reason", "words"), RETESTS)
def test_retest_rules(write: Callable[..., Path], csv: str, status: str, reason: str | None,
                      words: str) -> None:
    batch = judged(write, RETEST_SPEC, RETEST_HEAD + csv)[0]
    result = check(batch)
    assert (result["status"], result["reason"]) == (status, reason), result
    assert words in result["message"], result
    assert batch["rows"] == list(range(2, 2 + csv.count("\n")))
    assert check(batch, "endotoxin")["status"] == "pass"  # no retest values: originals kept


@pytest.mark.parametrize(("csv", "words"), [
    (rows("A", "original", OK) + rows("A", "pending", OK), "result status 'pending' is not"),
    (rows("A", "", OK), "result status empty is not"),
    (rows("A", "invalidated", OOS) + rows("A", "retest", OK),
     "an invalidated result needs its invalidation reference"),
    (rows("A", "retest", OK), "a retest without an original or invalidated result"),
    # attack F2: a placeholder is no documented cause (the words a LIMS leaves for "none")
    *[(rows("A", "invalidated", OOS, ref) + rows("A", "retest", OK),
       "an invalidated result needs its invalidation reference")
      for ref in ("-", "N/A", "none", "?", "TBD", "\u2014", " - ", "#N/A", "...", "n/a",
                  "n.a.", "TBC", "unknown", "pending QA", "to follow", "x", "0", "DEV-XXXX",
                  "see notes", "000", "\uff10")],
])
def test_lineage_problems_make_the_batch_invalid(write: Callable[..., Path], csv: str,
                                                 words: str) -> None:
    batch = judged(write, RETEST_SPEC, RETEST_HEAD + csv)[0]
    identity = check(batch, "batch_identity")
    assert (batch["verdict"], identity["reason"]) == ("fail", "invalid")
    assert words in identity["message"]


def test_an_invalidated_original_without_results_is_no_original(
        write: Callable[..., Path]) -> None:
    """Attack A2 (stub): an `invalidated` row with a reference and no result stood in for
    the original results and the retests alone decided."""
    csv = (RETEST_HEAD + "A,1,invalidated,DEV-2026-014,,\n"
           + rows("A", "retest", OK))
    batch = judged(write, RETEST_SPEC, csv)[0]
    result = check(batch)
    assert (result["status"], result["reason"]) == ("fail", "invalid"), result
    assert "the invalidated original (DEV-2026-014) holds no result" in result["message"]


def test_invalidation_applies_only_to_retested_checks(write: Callable[..., Path]) -> None:
    csv = RETEST_HEAD + rows("A", "invalidated", OOS, "INV-1", endotoxin="0.9") + rows(
        "A", "retest", OK, endotoxin="")
    batch = judged(write, RETEST_SPEC, csv)[0]
    assert check(batch)["status"] == "pass"
    assert check(batch, "endotoxin")["reason"] == "out_of_spec"  # not retested: kept


def test_retests_without_replicates_are_judged_each(write: Callable[..., Path]) -> None:
    spec = (f"{HEAD}result_status_column: s\ninvalidation_column: ref\nchecks:\n"
            "  - name: e\n    column: e\n    max: 0.5\n")
    head = "batch_id,s,ref,e\n"
    a = judged(write, spec, head + "A,original,,0.6\nA,retest,,0.1\nA,retest,,0.2\n")[0]
    b = judged(write, spec, head + "A,invalidated,DEV-9,0.6\nA,retest,,0.1\nA,retest,,0.2\n")[0]
    c = judged(write, spec, head + "A,original,,0.1\nA,original,,0.1\n")[0]
    assert check(a, "e")["reason"] == "out_of_spec"
    assert check(b, "e")["status"] == "pass"
    assert "both hold the result (original)" in check(c, "batch_identity")["message"]


def test_terminal_verbose_shows_the_lineage() -> None:
    run = run_cli("check", ROOT / "sample_data/replicates.csv", "-s",
                  ROOT / "sample_data/replicates.yaml", "--verbose")
    assert run.code == 1
    flat = " ".join(run.out.split())
    assert "original invalidated (DEV-2026-014): 41; 44; 43; retests decide" in flat
    assert "an OOS original result is not replaced by a retest" in flat


def test_the_sample_shows_each_case() -> None:
    run = run_cli("check", ROOT / "sample_data/replicates.csv", "-s",
                  ROOT / "sample_data/replicates.yaml", "-f", "json")
    verdicts = {b["batch_id"]: (b["verdict"], check(b)["status"], check(b)["reason"])
                for b in run.json()["batches"]}
    assert verdicts == {
        "EXO-R-001": ("pass", "pass", None),  # triplicate mean; a Mean row listed
        "EXO-R-002": ("fail", "fail", "invalid"),  # CV above the method's 15 %
        "EXO-R-003": ("pass", "pass", None),  # original invalidated, retests decide
        "EXO-R-004": ("fail", "fail", "out_of_spec"),  # OOS original not invalidated
        "EXO-R-005": ("warn", "warn", None),  # one replicate outside 70-130 %
    }


def test_trend_uses_reportable_results() -> None:
    run = run_cli("trend", ROOT / "sample_data/replicates.csv", "-s",
                  ROOT / "sample_data/replicates.yaml")
    assert run.code in (0, 1), run
    assert "5 batches" in run.out
    assert "out of spec: EXO-R-004" in run.out


@pytest.mark.parametrize("key", ["replicate_column: replicate", "result_status_column: s",
                                 "invalidation_column: ref"])
def test_a_child_of_a_locked_spec_cannot_regroup_its_results(write: Callable[..., Path],
                                                             key: str) -> None:
    """Attack F2: a child of clinical that turns on retests could replace the locked
    sterility result by a retest; grouping keys come under the lock."""
    child = write("child.yaml", f"name: c\nversion: '1'\nextends: clinical\n{key}\n")
    run = run_cli("spec", "validate", child)
    assert run.code == 2, run
    assert f"cannot set {key.split(':')[0]}: it changes which results the locked checks" \
        in run.out + run.err
    assert "sterility" in run.out + run.err
