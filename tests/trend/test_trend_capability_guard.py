"""`exoqc trend` never shows a capability index that out-of-spec or censored results belie,
and never counts a batch twice (a repeated batch id, the same file given twice)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.conftest import run_cli
from tests.htmlparse import Page

Write = Callable[[str, str | bytes], Path]

SPEC = """\
name: guard-test
version: "1"
id_column: batch_id
checks:
  - name: endotoxin
    column: endotoxin
    unit: EU/mL
    max: 0.5
  - name: size
    column: size_nm
    unit: nm
    min: 50
    max: 200
"""

EXACT = ["0.08", "0.09", "0.07", "0.08", "0.10", "0.09", "0.08", "0.07", "0.09", "0.08"]
SIZES = ["100", "104", "98", "101", "99", "103", "97", "102", "100", "96"]
OVERSTATE = "out of spec or beyond a limit (censored): an index would overstate capability"


def history(endotoxin: list[str], ids: list[str] | None = None) -> str:
    ids = ids or [f"B{i:02d}" for i in range(len(endotoxin))]
    lines = ["batch_id,endotoxin,size_nm"]
    lines += [f"{b},{e},{SIZES[i % 10]}" for i, (b, e) in enumerate(zip(ids, endotoxin, strict=True))]
    return "\n".join(lines) + "\n"


def trend(write: Write, text: str) -> dict[str, Any]:
    spec = write("spec.yaml", SPEC)
    result = run_cli("trend", str(write("h.csv", text)), "--spec", str(spec), "-f", "json")
    assert result.code == 0, result
    data: dict[str, Any] = json.loads(result.out)
    return data


def endotoxin(data: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = next(a for a in data["attributes"] if a["check"] == "endotoxin")
    return found


def test_censored_results_beyond_the_limit_leave_no_index(write: Write) -> None:
    data = trend(write, history(EXACT + [">2.0"] * 6))
    a = endotoxin(data)
    assert (a["status"], a["n"], len(a["out_of_spec"])) == ("computed", 10, 6)
    why = f"6 results {OVERSTATE}"
    assert a["cpk"] == {"kind": "CPU", "value": None, "status": "not_computed", "why": why}
    assert a["ppk"] == {"kind": "PPU", "value": None, "status": "not_computed", "why": why}
    assert a["caveat"] == ("6 of 16 results (38%) are censored and excluded from the statistics "
                           "(more than 10%): the indices describe only the exact results")
    size = next(x for x in data["attributes"] if x["check"] == "size")
    assert size["cpk"]["status"] == "computed"  # the other attribute is not touched
    spec = write("spec.yaml", SPEC)
    table = run_cli("trend", str(write("h.csv", history(EXACT + [">2.0"] * 6))), "--spec",
                    str(spec))
    assert table.code == 0, table
    assert f"CPU and PPU: not computed (6 results {OVERSTATE})" in " ".join(table.out.split())
    out = write("t.html", "")
    page = run_cli("trend", str(write("h.csv", history(EXACT + [">2.0"] * 6))), "--spec",
                   str(spec), "-o", str(out), "-q")
    assert page.code == 0, page
    assert f"not computed (6 results {OVERSTATE})" in " ".join(
        " ".join(Page(out.read_text(encoding="utf-8")).text).split())


def test_an_exact_result_out_of_spec_leaves_no_index(write: Write) -> None:
    a = endotoxin(trend(write, history([*EXACT, "0.7"])))
    assert (a["n"], a["out_of_spec"]) == (11, ["B10"])
    assert a["ppk"]["status"] == "not_computed"
    assert a["ppk"]["why"] == f"1 result {OVERSTATE}"
    assert "censored" not in (a["caveat"] or "")  # no censored result here


def test_a_censored_result_straddling_the_limit_leaves_no_index(write: Write) -> None:
    # `>0.3` may be above the 0.5 maximum: not out of spec (indeterminate), yet no index
    a = endotoxin(trend(write, history([*EXACT, ">0.3"])))
    assert a["out_of_spec"] == []
    assert (a["cpk"]["why"], a["ppk"]["value"]) == (f"1 result {OVERSTATE}", None)


def test_few_censored_results_within_spec_keep_the_index(write: Write) -> None:
    values = EXACT + EXACT[:9] + ["<0.05"]  # 1 of 20 censored: 5 %
    a = endotoxin(trend(write, history(values)))
    assert (a["cpk"]["status"], a["ppk"]["status"], a["caveat"]) == ("computed", "computed", None)


def test_many_censored_results_within_spec_give_a_caveat(write: Write) -> None:
    a = endotoxin(trend(write, history(EXACT + ["<0.05"] * 2)))  # 2 of 12: 17 %
    assert a["ppk"]["status"] == "computed"
    assert a["caveat"] is not None and a["caveat"].startswith("2 of 12 results (17%) are censored")


def test_repeated_batch_ids_are_excluded_from_every_attribute(write: Write) -> None:
    four = EXACT[:4]
    ids = [f"EXO-{i + 1:03d}" for i in range(4)]
    data = trend(write, history(four * 3, ids * 3))
    for a in data["attributes"]:
        assert (a["n"], a["status"]) == (0, "not_enough_data")
        assert len(a["excluded"]) == 12
        assert all(e["why"].startswith("batch id not unique: batch id also on row ")
                   for e in a["excluded"])
    assert endotoxin(data)["excluded"][0]["why"] == "batch id not unique: batch id also on row 6, row 10"
    assert ("batch ids not unique, 12 batches excluded from every attribute: EXO-001 (3 times), "
            "EXO-002 (3 times), EXO-003 (3 times), EXO-004 (3 times)") in data["notes"]


def test_a_repeated_id_among_unique_ones_drops_only_its_rows(write: Write) -> None:
    ids = [f"B{i:02d}" for i in range(12)]
    ids[11] = "B03"
    ids[7] = ""  # no id at all
    a = endotoxin(trend(write, history([*EXACT, "0.09", "0.08"], ids)))
    assert a["n"] == 9
    assert [(e["batch_id"], e["why"]) for e in a["excluded"]] == [
        ("B03", "batch id not unique: batch id also on row 13"),
        ("", "batch id not valid: no value"),
        ("B03", "batch id not unique: batch id also on row 5")]


def test_the_same_file_given_twice_is_exit_2(write: Write) -> None:
    spec = write("spec.yaml", SPEC)
    data = write("h.csv", history(EXACT))
    for second in (str(data), str(data.parent / "." / "h.csv")):
        result = run_cli("trend", str(data), second, "--spec", str(spec), "-q")
        assert result.code == 2, result
        assert result.out == ""
        assert result.err == (f"exoqc: {second}: given more than once; each file's batches "
                              "would count twice\n")


def test_the_engines_indeterminate_verdict_leaves_no_index(write: Write) -> None:
    # `≤0.5` against `max_exclusive: 0.5` may be 0.5 itself, out of spec: its interval
    # ends at the limit, and the engine calls it indeterminate
    spec = write("s.yaml", SPEC.replace("    max: 0.5", "    max_exclusive: 0.5"))
    data = write("h.csv", history([*EXACT, "\u22640.5"]))
    result = run_cli("trend", str(data), "--spec", str(spec), "-f", "json")
    assert result.code == 0, result
    a = endotoxin(json.loads(result.out))
    assert a["out_of_spec"] == []
    assert (a["cpk"]["value"], a["cpk"]["why"]) == (None, f"1 result {OVERSTATE}")
