"""The HTML report (-o report.html): structure, escaping, wording, limits, determinism.

The golden file tests/render/golden/report.html is the page for SPEC and BATCHES below with
each SVG chart replaced by a placeholder (charts are matplotlib's output and are tested on
their own). Regenerate it after an intended change with
`pytest tests/render/test_html_report.py --update-golden` and review the diff.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from qc.render.html import report as html_report
from tests.conftest import ROOT, run_cli
from tests.htmlparse import Page

EPOCH = {"SOURCE_DATE_EPOCH": "1767225600"}  # 2026-01-01T00:00:00Z

SPEC = """\
name: html-test
version: "1"
title: HTML <test> spec & co
id_column: batch_id
checks:
  - name: size
    column: size_nm
    unit: nm
    min: 30
    max: 150
    warn_max: 140
  - name: endotoxin
    column: endotoxin
    unit: EU/mL
    max: 1.0
  - name: sterility
    column: sterility
    allowed: [no growth, negative]
  - name: source
    column: cell_source
    forbidden: [HeLa, HEK293]
  - name: gmp
    column: gmp
    equals: true
  - name: id_format
    column: batch_id
    pattern: "EXO-\\\\d{4}-\\\\d{3}"
"""
BATCHES = (
    "batch_id,size_nm,endotoxin,sterility,cell_source,gmp\n"
    "EXO-2026-001,100,0.2,no growth,BM-MSC,yes\n"
    "EXO-2026-002,145,<0.5,negative,BM-MSC,yes\n"
    "EXO-2026-003,180,<2,growth,HeLa,no\n"
    "<script>document.title='pwned'</script>,,0.1,no growth,"
    '"<b>bold</b> & ""quoted""",maybe\n'
)


def render(write, *extra: str, batches: str = BATCHES) -> tuple[str, Path]:
    spec = write("spec.yaml", SPEC)
    data = write("batches.csv", batches)
    out = data.parent / "report.html"
    result = run_cli("check", str(data), "--spec", str(spec), "-o", str(out), "-q", *extra,
                     env=EPOCH)
    assert result.code == 1, result
    return out.read_text(encoding="utf-8"), data


def test_one_certificate_section_per_batch(write) -> None:
    page = Page(render(write)[0])
    sections = page.all("section", "coa")
    assert [s["data-batch"] for s in sections] == [
        "EXO-2026-001", "EXO-2026-002", "EXO-2026-003", "<script>document.title='pwned'</script>"]
    assert [s["id"] for s in sections] == ["coa-1", "coa-2", "coa-3", "coa-4"]


def test_data_is_escaped_never_markup(write) -> None:
    markup, _ = render(write)
    page = Page(markup)
    assert page.all("script") == []
    assert page.all("b") == []  # the <b> in a cell is text
    assert "&lt;script&gt;document.title=&#39;pwned&#39;&lt;/script&gt;" in markup
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; &#34;quoted&#34;" in markup
    assert "HTML &lt;test&gt; spec &amp; co" in markup
    text = "".join(page.text)
    assert "<script>document.title='pwned'</script>" in text
    assert '<b>bold</b> & "quoted"' in text


def test_self_contained_no_external_urls(write) -> None:
    markup, _ = render(write)
    page = Page(markup)
    for tag, attrs in page.tags:
        for name in ("src", "href", "xlink:href", "action", "srcset"):
            value = attrs.get(name) or ""
            assert "http" not in value and "//" not in value, (tag, name, value)
    assert page.all("link") == [] and page.all("img") == [] and page.all("iframe") == []
    assert "@import" not in markup
    assert re.findall(r"url\((?!#)", markup) == []  # only references inside the page
    csp = [a for a in page.all("meta") if a.get("http-equiv") == "Content-Security-Policy"]
    assert csp and "default-src 'none'" in (csp[0]["content"] or "")


def test_certificate_rows_words_and_criteria(write) -> None:
    page = Page(render(write)[0])
    third = " ".join(" ".join(page.section_text[2]).split())
    assert "Batch EXO-2026-003" in third
    assert "30\u2013150 nm" in third and "alert above 140 nm" in third
    assert "≤ 1.0 EU/mL" in third
    assert "one of: no growth, negative" in third
    assert "not: HeLa, HEK293" in third
    assert "matches EXO-\\d{4}-\\d{3}" in third
    assert "180 nm is above the maximum 150 nm" in third
    assert "Indeterminate" in third
    assert "Does not conform" in third
    fourth = " ".join(" ".join(page.section_text[3]).split())
    assert "Does not conform: result missing" in fourth
    assert "Does not conform: result invalid" in fourth  # gmp "maybe", id format
    second = " ".join(" ".join(page.section_text[1]).split())
    assert "Alert" in second and "Conforms, with alert" in second


def test_header_names_spec_inputs_and_hashes(write) -> None:
    markup, data = render(write)
    text = " ".join(" ".join(Page(markup).text).split())
    import hashlib

    assert hashlib.sha256(data.read_bytes()).hexdigest() in text
    assert "html-test version 1" in text
    assert "Not all batches conform" in text
    assert "Generated 2026-01-01T00:00:00Z" in text
    assert "4 batches checked 1 conform 1 conform with an alert 2 do not conform" in text


def test_never_says_released_or_approved() -> None:
    templates = Path(html_report.__file__).resolve().parent / "templates"
    for path in templates.glob("*.j2"):
        words = re.findall(r"[a-z]+", path.read_text(encoding="utf-8").lower())
        assert "released" not in words and "approved" not in words, path.name
    for text in (*html_report.CHECK_WORDS.values(), *html_report.BATCH_WORDS.values(),
                 *html_report.RUN_WORDS.values()):
        assert not re.search(r"releas|approv", text, re.I)


def test_one_chart_per_numeric_check_with_censored_open_markers(write) -> None:
    markup, _ = render(write)
    page = Page(markup)
    figures = page.all("figure", "chart")
    assert [f["id"] for f in figures] == ["chart-size", "chart-endotoxin"]
    assert markup.count("<svg") == 2
    assert "<script" not in markup.split("<h2>Results across batches</h2>")[1]
    assert "Not plotted: 1 without a value." in markup


def test_deterministic_bytes(write, tmp_path) -> None:
    first, _ = render(write)
    second, _ = render(write)
    assert first == second
    ids = re.findall(r'id="([^"]+)"', first)
    assert len(ids) == len(set(ids)), "element ids must be unique within the page"


def _placeholder(markup: str) -> str:
    return re.sub(r"<svg .*?</svg>", "<svg><!-- chart --></svg>", markup, flags=re.S)


def test_golden(write, golden) -> None:
    markup, _ = render(write)
    normal = _placeholder(markup).replace(str(Path(write("x", "")).parent), "TMP")
    # The JSON report records the command line (temporary paths), so its hash and the
    # certificate numbers derived from it differ per run (test_certificate.py checks them).
    normal = re.sub(r"EXQ-[0-9A-F]{8}-[0-9A-F]{8}", "EXQ-NUMBER", normal)
    normal = re.sub(r"(JSON report sha256</dt><dd><code>)[0-9a-f]{64}", r"\1SHA256", normal)
    golden("report.html", normal)


def test_large_runs_keep_only_flagged_certificates(write, monkeypatch) -> None:
    monkeypatch.setattr(html_report, "FULL_CERTIFICATES", 2)
    page = Page(render(write)[0])
    assert [s["id"] for s in page.all("section", "coa")] == ["coa-2", "coa-3"]
    text = " ".join(" ".join(page.text).split())
    assert ("This run has 4 batches, more than the 2 this page gives a certificate each: "
            "certificates are included only for the 3 batches that do not conform or reached "
            "an alert limit, and only for the first 2 of them.") in text


def test_too_many_batches_is_refused_with_exit_2(write, monkeypatch) -> None:
    monkeypatch.setattr(html_report, "MAX_BATCHES", 3)
    spec = write("spec.yaml", SPEC)
    data = write("batches.csv", BATCHES)
    out = data.parent / "report.html"
    result = run_cli("check", str(data), "--spec", str(spec), "-o", str(out), "-q")
    assert (result.code, result.out, result.err) == (
        2, "", "exoqc: the HTML report is for up to 3 batches and this run has 4; write a "
               ".json report instead, or split the input\n")
    assert not out.exists()
    assert list(data.parent.glob(".report.html.*")) == []


@pytest.mark.parametrize("suffix", [".html", ".HTML"])
def test_suffix_selects_html(write, suffix) -> None:
    spec = write("spec.yaml", SPEC)
    data = write("batches.csv", BATCHES)
    out = data.parent / f"r{suffix}"
    result = run_cli("check", str(data), "--spec", str(spec), "-o", str(out), "-q")
    assert result.code == 1, result
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_sample_data_report_has_every_batch(tmp_path) -> None:
    out = tmp_path / "report.html"
    result = run_cli("check", str(ROOT / "sample_data" / "batches.csv"), "--spec", "clinical",
                     "-o", str(out), "-q")
    assert result.code == 1, result
    page = Page(out.read_text(encoding="utf-8"))
    assert len(page.all("section", "coa")) == 24
    assert len(page.all("figure", "chart")) == 8
