"""A check that was not judged is never shown as conforming (issue 17, item 1): optional
checks with no value are `not_tested`, report-only checks `reported`, in every format."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.conftest import ROOT, run_cli

SAMPLE = ROOT / "sample_data" / "batches.csv"
AS_OF = "2026-04-01"


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("unjudged")
    run = run_cli("check", str(SAMPLE), "--spec", "clinical", "--as-of", AS_OF,
                  "-o", str(out / "r.json"), "-o", str(out / "r.html"), "-o", str(out / "r.xml"),
                  "-o", str(out / "r.csv"), "-q")
    assert run.code == 1, run
    return out


def test_json_statuses_and_counts(reports: Path) -> None:
    report = json.loads((reports / "r.json").read_text("utf-8"))
    assert report["report_version"] == 2
    statuses = [(c["name"], c["status"]) for b in report["batches"] for c in b["checks"]]
    unjudged = {s for name, s in statuses if name in ("size_distribution", "protein")}
    assert unjudged == {"not_tested", "reported"}
    summary = report["summary"]
    counted = {s: sum(1 for _, t in statuses if t == s) for s in ("not_tested", "reported")}
    assert (summary["checks_not_tested"], summary["checks_reported"]) == (
        counted["not_tested"], counted["reported"])
    assert summary["checks_judged"] + counted["not_tested"] + counted["reported"] == len(statuses)
    # a batch whose judged checks all pass still passes: unjudged checks never decide
    first = report["batches"][0]
    assert first["verdict"] == "pass"
    assert {c["status"] for c in first["checks"]} >= {"pass", "not_tested", "reported"}


def test_the_certificate_never_says_conforms_for_an_unjudged_check(reports: Path) -> None:
    html = (reports / "r.html").read_text("utf-8")
    rows = re.findall(r'<tr><td><span class="test">(\w+)</span>[^\n]*</td>\n<td>[^\n]*</td>\n'
                      r'<td>[^\n]*</td>\n<td class="results">[^\n]*</td>\n'
                      r'<td><span class="status s-(\w+)">([^<]*)</span>', html)
    assert rows, "no certificate rows found"
    by_name: dict[str, set[str]] = {}
    for name, css, text in rows:
        by_name.setdefault(name, set()).add(text)
        if css in ("not_tested", "reported"):
            assert "Conforms" not in text, (name, text)
    assert by_name["size_distribution"] == {"Not tested (optional; column absent)"}
    assert by_name["protein"] == {"Reported"}


def test_junit_lists_unjudged_checks_as_skipped(reports: Path) -> None:
    root = ET.parse(reports / "r.xml").getroot()
    skipped = {(case.get("name", "").split(" / ")[1], s.get("type"), s.get("message", "")[:40])
               for case in root.iter("testcase") for s in case.iter("skipped")}
    assert {(name, kind) for name, kind, _ in skipped} >= {
        ("size_distribution", "not_tested"), ("protein", "reported")}
    assert all(m.startswith(f"{name} {kind.replace('_', ' ')}: ")
               for name, kind, m in skipped if kind)
    # never inside a batch's own test case, and never counted as a pass
    batches = [c for c in root.iter("testcase") if " / " not in c.get("name", "")]
    assert batches and all(c.find("skipped") is None for c in batches)


def test_csv_and_table_say_what_happened(reports: Path) -> None:
    csv = (reports / "r.csv").read_text("utf-8")
    assert ",size_distribution,pct_in_window,not_tested," in csv
    assert ",protein,protein_ug_per_ml,reported," in csv
    table = run_cli("check", str(SAMPLE), "--spec", "clinical", "--as-of", AS_OF, "--verbose")
    assert "not tested" in table.out and "reported" in table.out
    assert "optional check 'size_distribution' is not tested" in table.out
    assert "passes" not in table.out


def test_a_batch_no_check_judged_is_not_released_nor_counted_as_conforming(
        tmp_path: Path) -> None:
    """Attack F7: a batch whose every check was optional and absent passed `--release`
    with exit 0, and the HTML counted it under "1 conform"."""
    spec = tmp_path / "s.yaml"
    # attack A4: an id-format check judges the label, not the batch: it does not count
    spec.write_text("name: s\nversion: '1'\nstatus: approved\nid_column: batch_id\nchecks:\n"
                    "  - name: fmt\n    column: batch_id\n    pattern: 'B\\d'\n"
                    "  - name: size\n    column: size\n    required: false\n    max: 150\n",
                    encoding="utf-8")
    data = tmp_path / "b.csv"
    data.write_text("batch_id\nB1\n", encoding="utf-8")
    html = tmp_path / "r.html"
    released = run_cli("check", data, "-s", spec, "--release", "-o", html)
    assert released.code == 1, released
    assert "--release: no check of the spec was judged for B1" in released.err
    page = html.read_text("utf-8")
    assert "0 conform</span>" in page and "1 with no check judged" in page
    plain = run_cli("check", data, "-s", spec, "-q")
    assert plain.code == 0, plain  # without --release, exit codes keep their contract
