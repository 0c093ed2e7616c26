"""Properties of replicates and retests (issue 18), through the real CLI: no arrangement
passes with a replicate outside the individual limits; permuting replicates or rows never
changes a verdict; a passing retest never turns an un-invalidated OOS original into a pass."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import run_cli

SPEC = ('name: r\nversion: "1"\nid_column: batch_id\nreplicate_column: replicate\n'
        "result_status_column: status\ninvalidation_column: ref\nchecks:\n"
        "  - name: potency\n    column: potency\n    unit: \"%\"\n    min: 70\n    max: 130\n"
        "    replicates: {count: 3, reportable: REPORTABLE, individual_min: 50, "
        "individual_max: 150}\n")
ONE_CELL = ('name: r\nversion: "1"\nid_column: batch_id\nchecks:\n'
            "  - name: potency\n    column: potency\n    unit: \"%\"\n    min: 70\n"
            "    max: 130\n    replicates: {count: 3, reportable: REPORTABLE, "
            "individual_min: 50, individual_max: 150}\n")
HEAD = "batch_id,replicate,status,ref,potency\n"
SETTINGS = settings(suppress_health_check=[HealthCheck.too_slow,
                                           HealthCheck.function_scoped_fixture],
                    max_examples=15)

value = st.one_of(st.integers(30, 170).map(str),
                  st.decimals(30, 170, places=2).map(str),
                  st.sampled_from(["<60", ">140", "<200", "101"]))
reportable = st.sampled_from(["each", "mean", "median"])


def _run(tmp_path: Path, spec: str, csv: str) -> list[dict[str, Any]]:
    (tmp_path / "s.yaml").write_text(spec, "utf-8")
    (tmp_path / "b.csv").write_text(csv, "utf-8")
    run = run_cli("check", tmp_path / "b.csv", "-s", tmp_path / "s.yaml", "-f", "json")
    assert run.code in (0, 1) and run.err == "", run
    return [next(c for c in b["checks"] if c["name"] == "potency") | {"verdict": b["verdict"]}
            for b in run.json()["batches"]]


def _spec(template: str, how: str) -> str:
    """The template with `reportable: how` (individual limits only where they apply)."""
    spec = template.replace("REPORTABLE", how)
    if how == "each":
        spec = spec.replace(", individual_min: 50, individual_max: 150", "")
    return spec


def _outside(text: str) -> bool:
    """Whether a replicate as written is (or may be) outside the individual limits 50-150."""
    if text.startswith("<"):
        return float(text[1:]) > 50
    if text.startswith(">"):
        return float(text[1:]) < 150
    return not 50 <= float(text) <= 150


@SETTINGS
@given(values=st.lists(value, min_size=3, max_size=3), how=reportable,
       one_cell=st.booleans())
def test_no_arrangement_passes_with_a_replicate_outside_the_individual_limits(
        tmp_path: Path, values: list[str], how: str, one_cell: bool) -> None:
    if one_cell:
        if how == "each":
            return  # individual limits apply to mean / median only
        got = _run(tmp_path, _spec(ONE_CELL, how),
                   "batch_id,potency\nA," + ";".join(values) + "\n")[0]
    else:
        got = _run(tmp_path, _spec(SPEC, how), HEAD + "".join(
            f"A,{k + 1},original,,{v}\n" for k, v in enumerate(values)))[0]
    if how == "each":
        return
    if any(_outside(v) for v in values):
        assert got["status"] == "fail", (values, got)


@SETTINGS
@given(values=st.lists(value, min_size=3, max_size=6), how=reportable,
       invalidated=st.booleans(), seed=st.integers(0, 2**32))
def test_permuting_replicates_or_rows_never_changes_a_verdict(
        tmp_path: Path, values: list[str], how: str, invalidated: bool, seed: int) -> None:
    spec = _spec(SPEC, how)
    status = "invalidated" if invalidated else "original"
    ref = "INV-1" if invalidated else ""
    lines = [f"A,{k + 1},{status},{ref},{v}\n" for k, v in enumerate(values[:3])]
    lines += [f"A,{k + 1},retest,,{v}\n" for k, v in enumerate(values[3:])]
    lines += [f"B,{k + 1},original,,{v}\n" for k, v in enumerate(reversed(values[:3]))]
    shuffled = lines[:]
    random.Random(seed).shuffle(shuffled)
    first = _run(tmp_path, spec, HEAD + "".join(lines))
    again = _run(tmp_path, spec, HEAD + "".join(shuffled))
    key = [(b["status"], b["reason"], b["verdict"]) for b in first]
    # Batches are listed in the order of their first rows, which the shuffle may change.
    assert sorted(key) == sorted((b["status"], b["reason"], b["verdict"]) for b in again), (
        lines, shuffled)
    # In one cell: the order of the replicates never changes the verdict either.
    cell = _spec(ONE_CELL, how)
    three = values[:3]
    mixed = three[:]
    random.Random(seed).shuffle(mixed)
    a, b = _run(tmp_path, cell, f"batch_id,potency\nA,{';'.join(three)}\n"
                                f"B,{'|'.join(mixed)}\n")
    assert (a["status"], a["reason"]) == (b["status"], b["reason"])


oos = st.one_of(st.integers(30, 69).map(str), st.integers(131, 170).map(str))
passing = st.integers(70, 130).map(str)


@SETTINGS
@given(originals=st.lists(st.one_of(passing, oos), min_size=3, max_size=3),
       retests=st.lists(passing, min_size=1, max_size=3), how=reportable,
       status=st.sampled_from(["original", "invalidated"]))
def test_a_passing_retest_never_passes_an_oos_original_that_was_not_invalidated(
        tmp_path: Path, originals: list[str], retests: list[str], how: str,
        status: str) -> None:
    spec = SPEC.replace("REPORTABLE", how).replace(
        ", individual_min: 50, individual_max: 150", "")
    # `invalidated` without a reference is not an invalidation.
    csv = HEAD + "".join(f"A,{k + 1},{status},,{v}\n" for k, v in enumerate(originals))
    csv += "".join(f"A,{k + 1},retest,,{v}\n" for k, v in enumerate(retests))
    got = _run(tmp_path, spec, csv)[0]
    original_oos = _run(tmp_path, spec, HEAD + "".join(
        f"A,{k + 1},original,,{v}\n" for k, v in enumerate(originals)))[0]
    if original_oos["status"] == "fail":
        assert got["verdict"] == "fail", (originals, retests, got)
