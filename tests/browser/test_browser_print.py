"""The HTML report printed to PDF by headless Chromium on A4 and on Letter (issue 17, items 2
and 3): one page per certificate whenever its tests fit, the batch id, the certificate
number, "Page n of N" and NOT FOR RELEASE on every page, and the page count for the 24
sample batches. The text is read back with pypdf; with poppler's `pdftoppm` installed a
certificate page is also saved as a PNG in test-artifacts/ for a person to look at.

Chromium's `--print-to-pdf` has no paper-size flag, so the test prints a copy of the
report with `@page { size: A4 }` (or `letter`) added, as a user's print dialog would set it.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.browser.test_browser_pages import ARTIFACTS, BROWSER, browse
from tests.conftest import ROOT, STABLE_ENV, run_cli

pypdf = pytest.importorskip("pypdf", reason="pypdf is in the test extra: pip install -e '.[test]'")

pytestmark = pytest.mark.skipif(
    BROWSER is None,
    reason="no Chromium or Chrome found on PATH (install the Debian package 'chromium', or "
           "set EXOQC_BROWSER): browser tests not run")

SIZES = {"A4": (595, 842), "letter": (612, 792)}  # points, as a PDF media box gives them
CERTIFICATE = re.compile(r"Certificate of analysis (EXQ-[0-9A-F]{8}-[0-9A-F]{8}) · Batch (\S+)")


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("print")
    run = run_cli("check", str(ROOT / "sample_data" / "batches.csv"), "--spec", "clinical",
                  "--as-of", "2026-04-01", "-o", str(out / "r.html"), "-q", env=STABLE_ENV)
    assert run.code == 1, run
    return out / "r.html"


def print_pdf(report: Path, size: str, tmp_path: Path) -> Any:
    page = tmp_path / f"r-{size}.html"
    html = report.read_text("utf-8")
    page.write_text(html.replace("</head>", f"<style>@page {{ size: {size}; }}</style></head>",
                                 1), "utf-8")
    pdf = tmp_path / f"r-{size}.pdf"
    done = browse(page, tmp_path / f"profile-{size}", "--no-pdf-header-footer",
                  f"--print-to-pdf={pdf}")
    assert done.returncode == 0 and pdf.is_file(), done.stderr[-2000:]
    return pypdf.PdfReader(pdf), pdf


@pytest.mark.parametrize("size", list(SIZES))
def test_one_page_per_certificate_with_page_numbers_and_banner(
        report: Path, size: str, tmp_path: Path) -> None:
    reader, pdf = print_pdf(report, size, tmp_path)
    # NFKC: a font with ligatures gives "ﬁ" for "fi" in the extracted text
    pages = [" ".join(unicodedata.normalize("NFKC", p.extract_text()).split())
             for p in reader.pages]
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == SIZES[size]
    n = len(pages)
    heads = [CERTIFICATE.search(text) for text in pages]
    summary = next(i for i, head in enumerate(heads) if head)
    certificates = report.read_text("utf-8").count('<section class="coa"')
    assert certificates == 24
    # the summary (counts, batch table, charts) first, then one page per certificate
    assert 1 <= summary <= 5
    assert n == summary + certificates, f"{n} pages on {size}"
    numbers = Counter(head.group(1) for head in heads if head)
    assert len(numbers) == certificates and set(numbers.values()) == {1}
    for k, text in enumerate(pages, start=1):
        assert f"Page {k} of {n}" in text, (size, k)
        assert "NOT FOR RELEASE" in text, (size, k)
    for text, head in zip(pages[summary:], heads[summary:], strict=True):
        assert head is not None
        assert "Not tested (optional; column absent)" in text  # size_distribution, never Conforms
        assert "Approved by" in text  # the signature block is on the same page
    failing = [t for t, h in zip(pages, heads, strict=True) if h and h.group(2) == "EXO-2026-004"]
    assert len(failing) == 1 and "Indeterminate" in failing[0]
    _snapshot(pdf, summary + 1, f"coa-print-{size}")


def _snapshot(pdf: Path, page: int, name: str) -> None:
    """A PNG of one printed page for a person to look at (when poppler is installed)."""
    tool = shutil.which("pdftoppm")
    if tool is None:
        return
    ARTIFACTS.mkdir(exist_ok=True)
    target = ARTIFACTS / name
    done = subprocess.run([tool, "-r", "70", "-png", "-singlefile", "-f", str(page), "-l",
                           str(page), str(pdf), str(target)], capture_output=True, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert (ARTIFACTS / f"{name}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
