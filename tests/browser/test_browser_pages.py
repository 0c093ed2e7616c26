"""The HTML report and the trend page in a real headless Chromium.

Chromium's own command line is the driver: `--dump-dom` gives the DOM after the page
has loaded (and after any script would have run), `--enable-logging=stderr` prints every
console message as a `:CONSOLE` line, and `--screenshot` saves a PNG into
test-artifacts/ for a person to look at. No WebDriver, no extra Python package, nothing
fetched from the network: the Debian packages `chromium` (and `fonts-dejavu-core`) are
all it needs. The tests skip, saying so, only when no browser is installed; set
EXOQC_BROWSER to a browser binary to choose one.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from qc.spec import load_spec
from tests.conftest import ROOT, run_cli

CLINICAL_VERSION = load_spec("clinical").version

ARTIFACTS = ROOT / "test-artifacts"
CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-extensions",
    "--hide-scrollbars", "--enable-logging=stderr", "--v=0",
)
INJECTED = "<script>document.title='pwned';document.body.id='pwned'</script>"


def find_browser() -> str | None:
    chosen = os.environ.get("EXOQC_BROWSER")
    if chosen:
        return shutil.which(chosen) or (chosen if Path(chosen).is_file() else None)
    return next((found for name in CANDIDATES if (found := shutil.which(name))), None)


BROWSER = find_browser()
pytestmark = pytest.mark.skipif(
    BROWSER is None,
    reason="no Chromium or Chrome found on PATH (install the Debian package 'chromium', or "
           "set EXOQC_BROWSER): browser tests not run")


def browse(page: Path, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert BROWSER is not None
    return subprocess.run(
        [BROWSER, *FLAGS, f"--user-data-dir={profile}", *args, page.resolve().as_uri()],
        capture_output=True, text=True, timeout=600, check=False)


def console_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


def open_page(page: Path, tmp_path: Path, shot: str) -> str:
    """The page's DOM after load; asserts a silent console and saves a screenshot."""
    loaded = browse(page, tmp_path / "profile-dom", "--dump-dom")
    assert loaded.returncode == 0, loaded.stderr[-2000:]
    assert console_lines(loaded.stderr) == []
    ARTIFACTS.mkdir(exist_ok=True)
    target = ARTIFACTS / shot
    target.unlink(missing_ok=True)
    shot_run = browse(page, tmp_path / "profile-shot", "--window-size=1280,2000",
                      f"--screenshot={target}")
    assert shot_run.returncode == 0, shot_run.stderr[-2000:]
    assert console_lines(shot_run.stderr) == []
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    return loaded.stdout


def test_report_in_chromium(tmp_path: Path) -> None:
    source = (ROOT / "sample_data" / "batches.csv").read_text(encoding="utf-8")
    header = source.splitlines()[0].split(",")
    row = ['"' + INJECTED.replace('"', '""') + '"'] + [""] * (len(header) - 1)
    data = tmp_path / "batches.csv"
    data.write_text(source.rstrip("\n") + "\n" + ",".join(row) + "\n", encoding="utf-8")
    out = tmp_path / "report.html"
    result = run_cli("check", str(data), "--spec", "clinical", "-o", str(out), "-q")
    assert result.code == 1, result
    dom = open_page(out, tmp_path, "report.png")
    assert f"<title>exoqc report: clinical-msc-ev {CLINICAL_VERSION}</title>" in dom
    assert "pwned" not in re.findall(r"<body[^>]*>", dom)[0]
    assert "<script" not in dom  # the batch id is text, never an element
    assert "&lt;script&gt;document.title='pwned';document.body.id='pwned'&lt;/script&gt;" in dom
    assert len(re.findall(r'<section class="coa"', dom)) == 25  # 24 rows + the injected one
    assert len(re.findall(r"<svg", dom)) == 8


def test_trend_page_in_chromium(tmp_path: Path) -> None:
    out = tmp_path / "trend.html"
    result = run_cli("trend", str(ROOT / "sample_data" / "history.csv"), "--spec", "clinical",
                     "--by", "manufacture_date", "-o", str(out), "-q")
    assert result.code == 0, result
    dom = open_page(out, tmp_path, "trend.png")
    assert f"<title>exoqc trend: clinical-msc-ev {CLINICAL_VERSION}</title>" in dom
    assert len(re.findall(r'<section class="attribute"', dom)) == 8
    assert len(re.findall(r"<svg", dom)) == 8
    assert "<script" not in dom
