"""The certificate of analysis in the HTML report (issue 17, items 2 and 3), read from the
rendered page: number, laboratory, product, batch dates as the engine read them, method,
criterion, result with unit, conformance, signature block, NOT FOR RELEASE on every
certificate, and no badge that reads as a release or as conforming when nothing was judged."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qc.model import Status
from qc.render import RenderOptions
from qc.render.html import report as html_report
from qc.render.html.report import certificate_number, signature_rows
from tests.conftest import ROOT, STABLE_ENV, run_cli
from tests.htmlparse import Page

SAMPLE = ROOT / "sample_data" / "batches.csv"
AS_OF = "2026-04-01"

APPROVED = """name: t
version: "3"
title: T spec
status: approved
id_column: batch_id
laboratory: QC Lab, Example Site
product: EV-001 drug substance
manufacture_column: made
expiry_column: expires
checks:
  - name: ph
    column: ph
    method: Ph. Eur. 2.2.3
    min: 7
    max: 8
  - name: osmo
    column: osmo
    required: false
    min: 260
    max: 340
"""
DATA = "batch_id,made,expires,ph\nB1,2026-01-02,2027-01-02,7.4\nB2,2026-01-03,soon,7.5\n"


def _sections(html: str) -> list[str]:
    return re.findall(r'<section class="coa".*?</section>', html, re.S)


def _row(section: str, test: str) -> str:
    match = re.search(rf'<tr><td><span class="test">{re.escape(test)}</span>.*?</tr>', section,
                      re.S)
    assert match, f"no row for {test}"
    return match.group(0)


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("coa")
    run = run_cli("check", str(SAMPLE), "--spec", "clinical", "--as-of", AS_OF,
                  "-o", str(out / "r.html"), "-o", str(out / "r.json"), "-o", str(out / "r.md"),
                  "-q", env=STABLE_ENV)
    assert run.code == 1, run
    return out


def test_every_certificate_carries_the_not_for_release_banner(sample: Path) -> None:
    html = (sample / "r.html").read_text("utf-8")
    sections = _sections(html)
    assert len(sections) == 24
    for section in sections:
        assert section.count('class="nfr-banner"') == 1
        assert '<span class="nfr-tag">NOT FOR RELEASE</span>' in section  # the running head
    page = Page(html)
    assert page.all("body", "nfr"), "the body is marked so that no badge looks like a release"
    assert len(page.all("div", "nfr-watermark")) == 1  # fixed: repeats on every printed page
    assert '@top-center { content: "NOT FOR RELEASE"' in html
    # the run's verdict sits beside a NOT FOR RELEASE badge, never alone
    assert re.search(r'<span class="verdict s-\w+">[^<]*</span> <span class="verdict s-nfr">'
                     r"NOT FOR RELEASE</span>", html)


def test_certificate_numbers_derive_from_the_json_report(sample: Path) -> None:
    html = (sample / "r.html").read_text("utf-8")
    report = json.loads((sample / "r.json").read_text("utf-8"))
    digest = hashlib.sha256((sample / "r.json").read_bytes()).hexdigest()
    assert f"<code>{digest}</code>" in html
    numbers = re.findall(r'data-certificate="([^"]+)"', html)
    expected = [certificate_number(digest, i + 1, b["batch_id"])
                for i, b in enumerate(report["batches"])]
    assert numbers == expected
    assert len(set(numbers)) == len(numbers)  # two rows with one id still differ
    assert all(re.fullmatch(r"EXQ-[0-9A-F]{8}-[0-9A-F]{8}", n) for n in numbers)


def test_the_certificate_shows_dates_operator_spec_and_methods(sample: Path) -> None:
    first = _sections((sample / "r.html").read_text("utf-8"))[0]
    text = re.sub(r"<[^>]+>", "", first)
    assert "Date of manufacture2026-01-06" in text
    assert "Expiry date2028-01-06" in text
    assert f"Evaluation date{AS_OF}" in text
    assert "by test-operator with exoqc" in text
    assert "clinical-msc-ev version 2026.7, status not stated" in text
    assert "Product" in text and "Clinical-grade MSC-EV release specification" in text
    endotoxin = _row(first, "endotoxin")
    assert "USP &lt;85&gt; / Ph. Eur. 2.6.14" in endotoxin
    assert "<code>0.08</code> EU/mL" in endotoxin  # result as written, unit added once
    assert "&lt; 0.5 EU/mL" in endotoxin
    # a result that states its own unit is not given a second one
    second = _sections((sample / "r.html").read_text("utf-8"))[1]
    assert "<code>0.092 µm</code></td>" in _row(second, "particle_size")


def test_unjudged_checks_and_batches_never_read_as_conforming(sample: Path) -> None:
    for section in _sections((sample / "r.html").read_text("utf-8")):
        assert "Not tested (optional; column absent)" in _row(section, "size_distribution")
        assert ">Conforms<" not in _row(section, "size_distribution")
        assert ">Conforms<" not in _row(section, "protein")


def test_the_signature_block_is_blank_for_wet_ink(sample: Path) -> None:
    first = _sections((sample / "r.html").read_text("utf-8"))[0]
    rows = re.findall(r'<tr class="(blank|signed)"><th scope="row">([^<]+)</th>', first)
    assert rows == [("blank", "Performed by"), ("blank", "Reviewed by"),
                    ("blank", "Approved by")]


def test_markdown_starts_with_the_banner_and_shows_no_green_tick(sample: Path) -> None:
    md = (sample / "r.md").read_text("utf-8")
    assert md.splitlines()[0].startswith("**NOT FOR RELEASE: spec clinical-msc-ev 2026.7 ")
    assert "✅" not in md
    assert "- Operator: test-operator\n" in md
    assert f"- Evaluation date: {AS_OF}" in md


def test_an_approved_spec_prints_its_coa_without_the_banner(
        write: Callable[..., Path], tmp_path: Path) -> None:
    spec, data = write("s.yaml", APPROVED), write("d.csv", DATA)
    run = run_cli("check", str(data), "--spec", str(spec), "--release", "-o",
                  str(tmp_path / "r.html"), "-o", str(tmp_path / "r.json"), "-q")
    assert run.code == 0, run
    html = (tmp_path / "r.html").read_text("utf-8")
    assert "NOT FOR RELEASE" not in html
    assert not Page(html).all("body", "nfr")
    first, second = _sections(html)
    text = re.sub(r"<[^>]+>", "", first)
    for shown in ("LaboratoryQC Lab, Example Site", "ProductEV-001 drug substance",
                  "Date of manufacture2026-01-02", "Expiry date2027-01-02", "BatchB1"):
        assert shown in text
    assert "Ph. Eur. 2.2.3" in _row(first, "ph")
    assert "<code>7.4</code></td>" in _row(first, "ph")  # no unit: none added
    # an unreadable date is shown as written, with why, never as a date
    assert re.search(r'<dd class="s-fail">soon \(cannot read &#39;soon&#39; as a date', second)
    head = json.loads((tmp_path / "r.json").read_text("utf-8"))["spec"]
    assert (head["laboratory"], head["product"], head["manufacture_column"],
            head["expiry_column"], head["methods"]) == (
        "QC Lab, Example Site", "EV-001 drug substance", "made", "expires",
        {"ph": "Ph. Eur. 2.2.3"})


def test_a_named_date_column_missing_from_the_input_stops_the_run(
        write: Callable[..., Path]) -> None:
    spec = write("s.yaml", APPROVED)
    data = write("d.csv", "batch_id,made,ph\nB1,2026-01-02,7.4\n")
    run = run_cli("check", str(data), "--spec", str(spec), "-o", "x.html")
    assert (run.code, run.out) == (2, "")
    assert run.err == (f"exoqc: {data}: no column 'expires' (named by expiry_column in the "
                       "spec)\n")


NOTHING_JUDGED = """name: t
version: "1"
status: approved
id_column: batch_id
checks:
  - name: osmo
    column: osmo
    required: false
    min: 260
    max: 340
  - name: note
    column: note
    report_only: true
"""


def test_a_batch_with_no_check_judged_never_reads_as_conforming(
        write: Callable[..., Path], tmp_path: Path) -> None:
    spec = write("s.yaml", NOTHING_JUDGED)
    data = write("d.csv", "batch_id,osmo,note\nB1,,fine\nB2,300,ok\n")
    run = run_cli("check", str(data), "--spec", str(spec), "-o", str(tmp_path / "r.html"),
                  "-o", str(tmp_path / "r.md"), "-q")
    assert run.code == 0, run  # exit codes are unaffected (issue 17 item 1)
    html = (tmp_path / "r.html").read_text("utf-8")
    first, second = _sections(html)
    assert '<span class="status s-none">No check judged</span>' in first
    assert "cannot be said to conform" in first
    assert "No check judged" not in second and '<span class="status s-pass">Conforms' in second
    assert '<span class="verdict s-none">All batches conform; 1 batch with no check judged' \
        in html
    assert "; 1 batch with no check judged: not shown as conforming" in run_cli(
        "check", str(data), "--spec", str(spec)).out
    md = (tmp_path / "r.md").read_text("utf-8")
    assert "✅" not in md and "1 batch with no check judged" in md
    assert "Every batch passed" not in md


def test_a_run_where_nothing_was_judged_says_so(write: Callable[..., Path],
                                                  tmp_path: Path) -> None:
    spec = write("s.yaml", NOTHING_JUDGED)
    data = write("d.csv", "batch_id,note\nB1,fine\n")
    run = run_cli("check", str(data), "--spec", str(spec), "-o", str(tmp_path / "r.html"),
                  "-o", str(tmp_path / "r.md"), "-q")
    assert run.code == 0, run
    html = (tmp_path / "r.html").read_text("utf-8")
    assert '<span class="verdict s-none">No check judged: no batch can be said to conform' in html
    assert "## ⚪ exoqc: NO CHECK JUDGED" in (tmp_path / "r.md").read_text("utf-8")


def test_e_signatures_fill_the_block_in_order_and_escape(write: Callable[..., Path]) -> None:
    from qc.run import RunOptions, run

    spec, data = write("s.yaml", APPROVED), write("d.csv", DATA)
    report = run(RunOptions(inputs=(str(data),), spec=str(spec)))
    signatures = (
        {"signer": "J. Doe", "meaning": "reviewed", "time": "2026-04-02T10:00:00Z",
         "fingerprint": "SHA256:abc", "reason": "<b>QA review</b>"},
        {"signer": "A. Roe", "meaning": "approved", "time": "2026-04-03T09:00:00Z",
         "fingerprint": "SHA256:def", "reason": ""},
    )
    html = "".join(html_report.render(report, RenderOptions(signatures=signatures)))
    first = _sections(html)[0]
    rows = re.findall(r'<tr class="(blank|signed)"><th scope="row">([^<]+)</th><td>([^<]*)</td>'
                      r"<td>([^<]*)</td><td>([^<]*)</td>", first)
    assert rows == [("blank", "Performed by", "", "", "performed"),
                    ("signed", "Reviewed by", "J. Doe", "2026-04-02T10:00:00Z", "reviewed"),
                    ("signed", "Approved by", "A. Roe", "2026-04-03T09:00:00Z", "approved")]
    assert "&lt;b&gt;QA review&lt;/b&gt;" in first and "<b>QA" not in first
    assert "SHA256:abc" in first


meanings = st.sampled_from(["performed", "reviewed", "approved", "witnessed", ""])


@given(st.lists(st.fixed_dictionaries({"signer": st.text(max_size=8), "meaning": meanings}),
                max_size=6))
def test_signature_rows_keep_every_signature_and_each_role(
        signatures: list[dict[str, str]]) -> None:
    rows = signature_rows(signatures)
    assert sum(r["signed"] for r in rows) == len(signatures)
    labels = [r["label"] for r in rows]
    for role in ("Performed by", "Reviewed by", "Approved by"):
        assert role in labels  # a role without an e-signature keeps its wet-ink line
    signed = [r["signer"] for r in rows if r["signed"]]
    for meaning in ("performed", "reviewed", "approved"):
        given_order = [s["signer"] for s in signatures if s["meaning"] == meaning]
        kept = [r["signer"] for r in rows if r["signed"] and r["meaning"] == meaning]
        assert kept == given_order
    assert sorted(signed) == sorted(s["signer"] for s in signatures)


@given(st.text(min_size=1, max_size=20), st.integers(1, 10_000))
def test_certificate_numbers_are_stable_and_distinct_per_batch(batch_id: str, n: int) -> None:
    digest = hashlib.sha256(batch_id.encode()).hexdigest()
    number = certificate_number(digest, n, batch_id)
    assert number == certificate_number(digest, n, batch_id)
    assert number != certificate_number(digest, n + 1, batch_id)
    assert number.startswith(f"EXQ-{digest[:8].upper()}-")


def test_pass_words_are_only_for_judged_results() -> None:
    words = {s: html_report.check_words(s, html_report.Reason.NONE) for s in Status}
    assert words[Status.NOT_TESTED] != "Conforms" and words[Status.REPORTED] != "Conforms"


def test_a_failing_batch_with_no_spec_check_judged_still_reads_as_failing(
        write: Callable[..., Path], tmp_path: Path) -> None:
    spec = write("s.yaml", NOTHING_JUDGED)
    data = write("d.csv", "batch_id,note\nB1,fine\nB1,again\n")  # the id check fails
    run = run_cli("check", str(data), "--spec", str(spec), "-o", str(tmp_path / "r.html"), "-q")
    assert run.code == 1, run
    html = (tmp_path / "r.html").read_text("utf-8")
    for section in _sections(html):
        assert '<span class="status s-fail">Does not conform</span>' in section
        assert "No check judged" not in section
        assert "The batch does not conform" in section


def test_the_certificate_shows_every_individual_result_and_the_lineage(tmp_path: Path) -> None:
    """Issue 18 / FDA OOS guidance: every individual result is kept and shown on the
    certificate, the invalidated original too, with what decided the reportable result."""
    import re

    out = tmp_path / "r.html"
    run = run_cli("check", ROOT / "sample_data" / "replicates.csv", "--spec",
                  ROOT / "sample_data" / "replicates.yaml", "-o", out, "-q")
    assert run.code == 1, run
    html = out.read_text("utf-8")
    start = html.index("Batch EXO-R-003")
    text = " ".join(re.sub(r"<[^>]+>", " ", html[start:start + 12000]).split())
    assert ("invalidated 1: 41 (not counted); invalidated 2: 44 (not counted); invalidated 3: "
            "43 (not counted); retest 1: 97; retest 2: 101; retest 3: 99") in text
    assert "original invalidated (DEV-2026-014): 41; 44; 43; retests decide" in text
