"""`exoqc trend` as a user runs it: ordering, exclusions, signals, outputs and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from qc.trend import stats
from tests.conftest import ROOT, run_cli
from tests.htmlparse import Page

HISTORY = str(ROOT / "sample_data" / "history.csv")

SPEC = """\
name: trend-test
version: "1"
id_column: batch_id
checks:
  - name: size
    column: size_nm
    unit: nm
    min: 50
    max: 200
    warn_max: 180
  - name: endotoxin
    column: endotoxin
    unit: EU/mL
    max: 0.5
  - name: sterility
    column: sterility
    allowed: [no growth]
"""


def csv(rows: list[tuple[str, str, str, str]]) -> str:
    lines = ["batch_id,made,size_nm,endotoxin,sterility"]
    lines += [f"{b},{d},{s},{e},no growth" for b, d, s, e in rows]
    return "\n".join(lines) + "\n"


SIZES = [100, 104, 98, 101, 99, 103, 97, 102, 100, 96]


def rows(n: int = 10) -> list[tuple[str, str, str, str]]:
    # file order is reversed against the date order, to show --by at work
    return [(f"B{i:02d}", f"2025-01-{n - i:02d}", str(SIZES[i % 10]), "0.1") for i in range(n)]


def test_history_shows_a_signal_before_any_batch_fails() -> None:
    # as of the first manufacture date: the clinical spec checks expiry against `today`
    check = run_cli("check", HISTORY, "--spec", "clinical", "-q", "--as-of", "2024-01-12")
    assert check.code == 0, check
    result = run_cli("trend", HISTORY, "--spec", "clinical", "--by", "manufacture_date",
                     "-f", "json")
    assert result.code == 0, result
    data = json.loads(result.out)
    size = next(a for a in data["attributes"] if a["check"] == "particle_size")
    assert size["status"] == "computed" and size["n"] == 60
    assert size["out_of_spec"] == [] and size["alerts"] == []
    assert {s["rule"] for s in size["signals"]} >= {1, 2, 5}
    others = [a["check"] for a in data["attributes"]
              if a["signals"] and a["check"] != "particle_size"]
    assert others == []
    storage = next(a for a in data["attributes"] if a["check"] == "storage_temperature")
    assert storage["status"] == "no_variation"
    endotoxin = next(a for a in data["attributes"] if a["check"] == "endotoxin")
    assert [(e["value"], e["why"]) for e in endotoxin["excluded"]] == [
        ("<0.05", "censored (a detection-limit result): excluded from the statistics")] * 2
    assert data["summary"] == {"batches": 60, "attributes": 8, "signals": len(size["signals"]),
                               "out_of_spec": 0}


def test_fail_on_signal_exits_1() -> None:
    result = run_cli("trend", HISTORY, "--spec", "clinical", "--by", "manufacture_date",
                     "--fail-on-signal", "-q")
    assert (result.code, result.out, result.err) == (1, "", "")


def test_json_numbers_match_the_statistics(write) -> None:
    spec = write("spec.yaml", SPEC)
    data = write("h.csv", csv(rows()))
    result = run_cli("trend", str(data), "--spec", str(spec), "--by", "made", "-f", "json")
    assert result.code == 0, result
    got = json.loads(result.out)
    assert got["order_by"] == "made"
    size = got["attributes"][0]
    ordered = np.array(SIZES[::-1], dtype=float)  # dates run backwards through the file
    expected = stats.chart(ordered, 50.0, 200.0)
    assert expected is not None
    assert size["mean"] == pytest.approx(expected.mean)
    assert size["sigma_within"] == pytest.approx(expected.sigma_within)
    assert size["ucl"] == pytest.approx(expected.ucl)
    assert size["cpk"] == {"kind": "Cpk", "value": pytest.approx(expected.cpk.value),
                           "status": "computed", "why": None}
    assert size["ppk"] == {"kind": "Ppk", "value": pytest.approx(expected.ppk.value),
                           "status": "computed", "why": None}
    assert size["spec_limits"] == {"min": 50.0, "max": 200.0, "min_exclusive": None,
                                   "max_exclusive": None, "warn_min": None, "warn_max": 180.0}
    assert size["criterion"] == "50\u2013200 nm"
    endotoxin = got["attributes"][1]
    assert endotoxin["status"] == "no_variation"
    assert endotoxin["cpk"] == {"kind": "CPU", "value": None, "status": "not_computed",
                                "why": "no variation"}
    assert endotoxin["ppk"] == {"kind": "PPU", "value": None, "status": "not_computed",
                                "why": "no variation"}
    assert endotoxin["in_control"] is None and endotoxin["caveat"] is None
    assert [a["check"] for a in got["attributes"]] == ["size", "endotoxin"]  # numeric only


def test_censored_values_are_excluded_and_listed(write) -> None:
    spec = write("spec.yaml", SPEC)
    r = rows()
    r[3] = (r[3][0], r[3][1], "<120", "<0.05")
    r[5] = (r[5][0], r[5][1], "", "0.1")
    result = run_cli("trend", str(write("h.csv", csv(r))), "--spec", str(spec), "-f", "json")
    assert result.code == 0, result
    size = json.loads(result.out)["attributes"][0]
    assert size["n"] == 8
    assert [(e["batch_id"], e["value"], e["why"]) for e in size["excluded"]] == [
        ("B03", "<120", "censored (a detection-limit result): excluded from the statistics"),
        ("B05", "", "no value")]
    values = [float(s) for i, (_, _, s, _) in enumerate(r) if i not in (3, 5)]
    assert size["mean"] == pytest.approx(sum(values) / 8)


def test_fewer_than_8_usable_points_is_not_enough_data(write) -> None:
    spec = write("spec.yaml", SPEC)
    result = run_cli("trend", str(write("h.csv", csv(rows(7)))), "--spec", str(spec),
                     "-f", "json")
    assert result.code == 0, result
    size = json.loads(result.out)["attributes"][0]
    assert (size["status"], size["n"], size["mean"], size["cpk"], size["signals"]) == (
        "not_enough_data", 7, None, None, [])
    assert size["note"] == "not enough data: 7 usable results, 8 needed"
    table = run_cli("trend", str(write("h.csv", csv(rows(7)))), "--spec", str(spec))
    assert "not enough data: 7 usable results, 8 needed" in table.out


def test_signals_name_rule_and_batches_apart_from_out_of_spec(write) -> None:
    spec = write("spec.yaml", SPEC)
    r = [(f"B{i:02d}", f"2025-02-{i + 1:02d}", str(s), "0.1")
         for i, s in enumerate([100, 101, 99, 100, 102, 98, 100, 101, 99, 100, 250])]
    result = run_cli("trend", str(write("h.csv", csv(r))), "--spec", str(spec), "-f", "json")
    size = json.loads(result.out)["attributes"][0]
    assert size["out_of_spec"] == ["B10"]
    assert {"rule": 1, "description": "1 point beyond 3\u03c3", "batches": ["B10"]} in \
        size["signals"]


def test_table_output(write) -> None:
    spec = write("spec.yaml", SPEC)
    result = run_cli("trend", str(write("h.csv", csv(rows()))), "--spec", str(spec),
                     "--by", "made")
    assert result.code == 0, result
    assert "ordered by made" in " ".join(result.out.split())
    lines = [line.rstrip() for line in result.out.splitlines()]
    lines = lines[next(i for i, line in enumerate(lines) if "trend signals" in line) - 1:]
    assert lines[1] == "0 trend signals and 0 out-of-spec results in 10 batches, 2 attributes"
    assert lines[2] == "size (nm): 50\u2013200 nm"
    assert lines[3].split() == ["n", "excl.", "mean", "\u03c3", "within", "\u03c3", "overall",
                                "LCL", "UCL", "Cpk", "Ppk", "signals", "OOS"]
    assert lines[5].split()[:3] == ["10", "0", "100"]
    assert "no variation between consecutive batches" in result.out


@pytest.mark.parametrize(("cell", "shown"), [("14/03/2025", "'14/03/2025'"), ("", "empty"),
                                              ("2025-02-30", "'2025-02-30'")])
def test_unparseable_date_is_exit_2_naming_the_row(write, cell, shown) -> None:
    spec = write("spec.yaml", SPEC)
    r = rows()
    r[4] = (r[4][0], cell, r[4][2], r[4][3])
    data = write("h.csv", csv(r))
    result = run_cli("trend", str(data), "--spec", str(spec), "--by", "made")
    assert (result.code, result.out, result.err) == (
        2, "", f"exoqc: {data}: row 6: made is {shown}, not an ISO date (YYYY-MM-DD)\n")


def test_dates_with_times_and_ties_keep_file_order(write) -> None:
    spec = write("spec.yaml", SPEC)
    r = [(f"B{i:02d}", "2025-03-01" if i % 2 else f"2025-03-01T0{i // 2}:00", "100", "0.1")
         for i in range(8)]
    result = run_cli("trend", str(write("h.csv", csv(r))), "--spec", str(spec), "--by", "made",
                     "-o", str(Path(spec).parent / "t.json"), "-q")
    assert result.code == 0, result
    # a bare date is midnight: B01, B03, B05, B07 tie with B00 and keep file order
    got = json.loads((Path(spec).parent / "t.json").read_text(encoding="utf-8"))
    assert got["summary"]["batches"] == 8


def test_missing_by_column_is_exit_2(write) -> None:
    spec = write("spec.yaml", SPEC)
    data = write("h.csv", csv(rows()))
    result = run_cli("trend", str(data), "--spec", str(spec), "--by", "manufacture_date")
    assert (result.code, result.err) == (
        2, f"exoqc: {data}: no column 'manufacture_date' (given by --by)\n")


def test_missing_required_column_is_exit_2(write) -> None:
    spec = write("spec.yaml", SPEC)
    data = write("h.csv", "batch_id,size_nm\nB1,100\n")
    result = run_cli("trend", str(data), "--spec", str(spec))
    assert (result.code, result.err) == (
        2, f"exoqc: {data}: no column 'endotoxin' (needed by check 'endotoxin')\n")


def test_spec_without_numeric_checks_is_exit_2(write) -> None:
    spec = write("spec.yaml", 'name: s\nversion: "1"\nid_column: batch_id\nchecks:\n'
                 "  - name: sterility\n    column: sterility\n    allowed: [no growth]\n")
    data = write("h.csv", csv(rows()))
    result = run_cli("trend", str(data), "--spec", str(spec))
    assert (result.code, result.err) == (
        2, f"exoqc: {spec}: no check with min/max limits, nothing to trend\n")


def test_unknown_output_suffix_is_exit_2_before_work(write) -> None:
    spec = write("spec.yaml", SPEC)
    data = write("h.csv", csv(rows()))
    result = run_cli("trend", str(data), "--spec", str(spec), "-o", "trend.pdf")
    assert (result.code, result.out, result.err) == (
        2, "", "exoqc: trend.pdf: unknown report type '.pdf'; use one of .html, .json\n")


def test_html_output_has_a_chart_per_attribute(write) -> None:
    spec = write("spec.yaml", SPEC)
    out = Path(spec).parent / "out" / "trend.html"
    r = rows()
    r[2] = ("<script>x()</script>", r[2][1], r[2][2], r[2][3])
    result = run_cli("trend", str(write("h.csv", csv(r))), "--spec", str(spec), "--by", "made",
                     "-o", str(out), "-q")
    assert (result.code, result.out, result.err) == (0, "", "")
    markup = out.read_text(encoding="utf-8")
    page = Page(markup)
    assert len(page.all("section", "attribute")) == 2
    assert markup.count("<svg") == 2
    assert page.all("script") == []
    assert "&lt;script&gt;x()&lt;/script&gt;" in markup


def test_trend_html_is_deterministic(write) -> None:
    spec = write("spec.yaml", SPEC)
    data = write("h.csv", csv(rows()))
    pages = []
    for name in ("a.html", "b.html"):
        out = Path(spec).parent / name
        result = run_cli("trend", str(data), "--spec", str(spec), "--by", "made", "-o",
                         str(out), "-q", env={"SOURCE_DATE_EPOCH": "1767225600"})
        assert result.code == 0, result
        pages.append(out.read_text(encoding="utf-8"))
    assert pages[0] == pages[1]
    assert "2026-01-01T00:00:00Z" in pages[0]


def test_several_inputs_in_file_order(write) -> None:
    spec = write("spec.yaml", SPEC)
    first = write("a.csv", csv(rows(5)))
    second = write("b.csv", csv([(f"C{i}", "2025-02-01", "100", "0.1") for i in range(4)]))
    result = run_cli("trend", str(first), str(second), "--spec", str(spec), "-f", "json")
    assert result.code == 0, result
    got = json.loads(result.out)
    assert [f["rows"] for f in got["inputs"]] == [5, 4]
    assert got["summary"]["batches"] == 9 and got["order_by"] is None
    assert got["attributes"][0]["n"] == 9


def test_trend_table_lines_end_without_padding() -> None:
    result = run_cli("trend", HISTORY, "--spec", "clinical", "--by", "manufacture_date")
    lines = result.out.splitlines()
    assert any("UCL" in line for line in lines), result  # the tables were printed
    assert [line for line in lines if line != line.rstrip()] == []
