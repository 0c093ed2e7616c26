"""The PDF report (qc/render/pdf.py) as written by `exoqc check -o report.pdf`, read back with
pypdf: the text on its pages, its page count, the JSON report embedded in it (the same bytes
as `-o report.json`), PDF/A-3b markers, nothing fetched, and the one-line refusal when
WeasyPrint or Pango is missing. The tests skip, saying what to install, without them."""

from __future__ import annotations

import io
import json
import re
import sys
from pathlib import Path

import pytest

from qc.render import pdf as pdf_module
from tests.conftest import ROOT, run_cli
from tests.gmp.tiny import CSV, SPEC

pypdf = pytest.importorskip("pypdf", reason="pypdf is not installed: pip install 'exoqc[pdf]'")

WHY = pdf_module._weasyprint_error()
needs_weasyprint = pytest.mark.skipif(
    WHY is not None, reason=f"PDF reports cannot be written here ({WHY}): install "
                            f"{pdf_module.INSTALL}")
SAMPLE = ROOT / "sample_data" / "batches.csv"


@pytest.fixture(autouse=True)
def _fixed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    monkeypatch.chdir(tmp_path)
    Path("spec.yaml").write_text(SPEC, "utf-8")
    Path("batches.csv").write_text(CSV, "utf-8")


def read(path: str | Path) -> pypdf.PdfReader:
    return pypdf.PdfReader(io.BytesIO(Path(path).read_bytes()))


def page_texts(path: str | Path) -> list[str]:
    return [page.extract_text() for page in read(path).pages]


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 24 sample batches against the clinical spec, as PDF and JSON, once per module."""
    if WHY is not None:
        pytest.skip(f"PDF reports cannot be written here ({WHY})")
    folder = tmp_path_factory.mktemp("sample")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOURCE_DATE_EPOCH", "1700000000")
        mp.chdir(folder)
        result = run_cli("check", SAMPLE, "--spec", "clinical", "--as-of", "2026-03-01",
                         "-o", "r.pdf", "-o", "r.json", "-q")
    assert (result.code, result.out, result.err) == (1, "", "")
    return folder


@needs_weasyprint
def test_the_sample_pdf_shows_every_batch_and_its_verdict(sample: Path) -> None:
    text = "\n".join(page_texts(sample / "r.pdf"))
    doc = json.loads((sample / "r.json").read_text("utf-8"))
    assert len(doc["batches"]) == 24
    flat = " ".join(text.split())
    for batch in doc["batches"]:
        assert batch["batch_id"] in flat, batch["batch_id"]
    assert "EXO-2026-004" in flat
    assert "Does not conform" in flat  # EXO-2026-004's endotoxin
    assert "Conforms" in flat
    # the summary's verdict, as the HTML report words it
    assert "Not all batches conform" in flat


@needs_weasyprint
def test_the_sample_pdf_page_count_on_a4(sample: Path) -> None:
    """The page count of the 24 sample batches with the template on this branch; the pages
    are A4 (595 x 842 pt) unless the template's @page says otherwise."""
    reader = read(sample / "r.pdf")
    boxes = {(round(float(p.mediabox.width)), round(float(p.mediabox.height)))
             for p in reader.pages}
    assert boxes == {(595, 842)}
    # One certificate needs at most two pages with today's template (h-coa makes it one):
    # 24 batches, plus the summary and chart pages.
    assert 24 < len(reader.pages) <= 2 * 24 + 6, len(reader.pages)


@needs_weasyprint
def test_the_embedded_json_is_the_json_report_byte_for_byte(sample: Path) -> None:
    reader = read(sample / "r.pdf")
    assert list(reader.attachments) == [pdf_module.ATTACHMENT]
    (embedded,) = reader.attachments[pdf_module.ATTACHMENT]
    assert embedded == (sample / "r.json").read_bytes()


@needs_weasyprint
def test_the_pdf_declares_pdf_a_3b_and_embeds_its_fonts(sample: Path) -> None:
    data = (sample / "r.pdf").read_bytes()
    assert data.startswith(b"%PDF-1.7")
    reader = read(sample / "r.pdf")
    root = reader.trailer["/Root"]
    xmp = root["/Metadata"].get_object().get_data().decode("utf-8")
    assert re.search(r"pdfaid:part(?:>|=\")3", xmp), xmp[:400]
    assert re.search(r"pdfaid:conformance(?:>|=\")B", xmp), xmp[:400]
    assert "/OutputIntents" in root
    # WeasyPrint 70 lists the one file specification twice in /AF: one file all the same
    (spec,) = {a.idnum: a.get_object() for a in root["/AF"]}.values()
    assert (spec["/F"], spec["/AFRelationship"]) == (pdf_module.ATTACHMENT, "/Data")
    for page in reader.pages[:3]:
        for font in page["/Resources"]["/Font"].values():
            descriptor = font.get_object()
            fonts = [descriptor, *(d.get_object() for d in descriptor.get("/DescendantFonts", []))]
            assert any("/FontFile2" in f.get("/FontDescriptor", {}) or
                       "/FontFile3" in f.get("/FontDescriptor", {}) or
                       "/FontFile" in f.get("/FontDescriptor", {}) for f in fonts), descriptor


@needs_weasyprint
def test_the_same_run_writes_the_same_bytes() -> None:
    """With SOURCE_DATE_EPOCH, the PDF is reproducible: its dates and identifier come from
    the report, not from the clock or a random number."""
    written = []
    for _ in range(2):
        result = run_cli("check", "batches.csv", "-s", "spec.yaml", "-o", "r.pdf", "-q")
        assert result.code == 1, result
        written.append(Path("r.pdf").read_bytes())
    assert written[0] == written[1]
    assert read("r.pdf").metadata["/CreationDate"] == "D:20231114221320Z"


@needs_weasyprint
def test_a_small_pdf_shows_the_tiny_batches_and_verdicts() -> None:
    result = run_cli("check", "batches.csv", "-s", "spec.yaml", "-o", "r.pdf", "-o", "r.json",
                     "-q")
    assert (result.code, result.out, result.err) == (1, "", "")
    flat = " ".join(" ".join(page_texts("r.pdf")).split())
    assert "B-1" in flat and "B-2" in flat
    assert "Does not conform" in flat and "Conforms" in flat
    assert read("r.pdf").attachments[pdf_module.ATTACHMENT] == [Path("r.json").read_bytes()]


@needs_weasyprint
def test_data_in_the_pdf_is_text_and_nothing_is_fetched(monkeypatch: pytest.MonkeyPatch
                                                       ) -> None:
    """A batch id that is markup, a URL or an image stays text; WeasyPrint is given a fetcher
    that allows no protocol, and no socket is opened while the PDF is written."""
    import socket

    hostile = '<img src="http://192.0.2.1/x.png"><link rel=stylesheet href="file:///etc/passwd">'
    quoted = hostile.replace('"', '""')
    Path("batches.csv").write_text(f'batch_id,size_nm\n"{quoted}",100\n', "utf-8")

    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("a socket was opened while writing the PDF")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    result = run_cli("check", "batches.csv", "-s", "spec.yaml", "-o", "r.pdf", "-q")
    assert (result.code, result.err) == (0, ""), result
    flat = " ".join(" ".join(page_texts("r.pdf")).split())
    assert "http://192.0.2.1/x.png" in flat  # shown as text, never loaded
    assert b"/Subtype /Image" not in Path("r.pdf").read_bytes()


def test_without_weasyprint_a_pdf_is_refused_in_one_line_before_any_work(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # `import weasyprint` fails
    pdf_module._weasyprint_error.cache_clear()
    try:
        result = run_cli("check", "batches.csv", "-s", "spec.yaml", "-o", "r.json",
                         "-o", "r.pdf")
    finally:
        pdf_module._weasyprint_error.cache_clear()
    assert result.code == 2
    assert result.out == ""
    assert result.err.count("\n") == 1
    assert result.err.startswith("exoqc: r.pdf: PDF reports need WeasyPrint: WeasyPrint is "
                                 "not installed")
    assert "pip install 'exoqc[pdf]'" in result.err and "libpango" in result.err
    assert not Path("r.json").exists() and not Path("r.pdf").exists()


def test_a_missing_system_library_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    """WeasyPrint raises OSError when it cannot load Pango: that is a refusal too."""

    class Broken:
        def find_spec(self, name: str, *args: object) -> None:
            if name == "weasyprint":
                raise OSError("cannot load library 'libpango-1.0-0'")

    monkeypatch.delitem(sys.modules, "weasyprint", raising=False)
    monkeypatch.setattr(sys, "meta_path", [Broken(), *sys.meta_path])
    pdf_module._weasyprint_error.cache_clear()
    try:
        result = run_cli("check", "batches.csv", "-s", "spec.yaml", "-o", "r.pdf")
    finally:
        pdf_module._weasyprint_error.cache_clear()
    assert result.code == 2
    assert result.err == (
        "exoqc: r.pdf: PDF reports need WeasyPrint: a system library WeasyPrint needs cannot "
        "be loaded (cannot load library 'libpango-1.0-0'); install it with "
        f"{pdf_module.INSTALL}\n")


def test_pdf_is_a_listed_report_type() -> None:
    result = run_cli("check", "--help")
    assert ".pdf" in " ".join(result.out.split())
