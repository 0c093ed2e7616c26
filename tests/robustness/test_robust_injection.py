"""Output injection: data that tries to act on a terminal, a browser, an XML parser, a
spreadsheet or a Markdown table must come out inert in every report format.

Parametrised over qc.render.SUFFIXES, so each new report format is checked as soon as it is
registered: formats named in INERT get their own assertions; any other must at least
render without error and carry no raw escape (ESC) byte.
"""

from __future__ import annotations

import csv
import html.parser
import io
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest

from qc.render import BINARY, RENDERERS, SUFFIXES, RenderOptions, get_renderer
from tests.conftest import ROOT, run_cli
from tests.robustness.robust import GOOD, SPEC, csv_text

HOSTILE = [
    "<script>alert(1)</script>",
    "]]>",
    "a|b",
    "line1\nline2",
    "ctl\x01\x08\x0b\x0c\x1f\x7f",
    "\x1b[2J\x1b[31mRED",
    "\x1b]8;;http://evil.example\x07link\x1b]8;;\x07",  # OSC 8 hyperlink
    "[bold red]PASS[/]",
    '=HYPERLINK("http://evil.example","click")',
    "+cmd|' /C calc'!A0",
    "@SUM(A1:A9)",
    "-2+3",
    "\tTAB",
    "\u202eevil",
    "cr\rhere",
    "\x85nel\u2028ls",
    "&amp;&lt;",
    '"quoted"',
    "`code` **bold** _it_",
]
IDS = [f"B{i}{text}" for i, text in enumerate(HOSTILE)]
SGR = re.compile(r"\x1b\[[0-9;]*m")  # the only escapes rich itself may emit, with colour on
C0 = re.compile("[\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069]")


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC)
    rows = [{**GOOD, "batch_id": batch_id, "sterility": text, "cell_source": text,
             "lot_code": text} for batch_id, text in zip(IDS, HOSTILE, strict=True)]
    batches = tmp_path / "hostile.csv"
    batches.write_text(csv_text(rows), encoding="utf-8", newline="")
    return spec, batches


def _inert_json(text: str) -> None:
    report = json.loads(text)
    assert [b["batch_id"] for b in report["batches"]] == IDS  # values round-trip exactly
    for batch, hostile in zip(report["batches"], HOSTILE, strict=True):
        values = {c["name"]: c["value"] for c in batch["checks"]}
        assert values["sterility"] == hostile.strip()
        assert batch["verdict"] == "fail"
    assert not C0.search(text.replace("\n", "")), "raw control character in JSON"


def _inert_table(text: str) -> None:
    assert not C0.search(text.replace("\n", "")), "raw control character in the table"
    assert "\\x1b[2J" in text  # shown, not obeyed
    assert "[bold red]PASS[/]" in text  # markup shown literally
    assert "\\u202eevil" in text  # bidi override shown, cannot reverse the line


def _inert_junit(text: str) -> None:
    root = ET.fromstring(text.encode("utf-8"))
    assert not any(el.tag.lower() == "script" for el in root.iter())
    strings = [s for el in root.iter() for s in (el.text or "", el.tail or "",
                                                 *el.attrib.values())]
    assert any("B1]]>" in s for s in strings), "batch id B1]]> lost in the XML"
    assert "\x1b" not in text


def _inert_markdown(text: str) -> None:
    assert "\x1b" not in text
    assert "<script" not in text.lower()
    rows = [line for line in text.splitlines() if line.startswith("|")]
    widths = {len(re.findall(r"(?<!\\)\|", line)) for line in rows}
    assert len(widths) <= 1, f"a cell broke the table: {widths}"


def _inert_csv(text: str) -> None:
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert len({len(r) for r in rows}) == 1, "a value broke the CSV rows"
    for row in rows[1:]:
        for field in row:
            if field[:1] in ("=", "+", "-", "@", "\t", "\r"):
                assert re.fullmatch(r"[-+]?[0-9.eE+-]+", field), f"live formula: {field!r}"
    ids = {r[0].removeprefix("'") for r in rows[1:]}
    plain = {i for i in IDS if not re.search("[\\x00-\\x1f\\x7f-\\x9f]", i)}
    assert plain <= ids | {i.strip() for i in ids}  # ids with controls show them escaped


class _Tags(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)


def _inert_html(text: str) -> None:
    parser = _Tags()
    parser.feed(text)
    assert "script" not in parser.tags or text.lower().count("<script") == text.lower().count(
        "<script>/*exoqc*/"), "a <script> element from the data"
    assert "<script>alert" not in text.lower()
    assert "\x1b" not in text


INERT: dict[str, Callable[[str], None]] = {
    ".json": _inert_json,
    ".txt": _inert_table,
    ".xml": _inert_junit,
    ".md": _inert_markdown,
    ".csv": _inert_csv,
    ".html": _inert_html,
    ".htm": _inert_html,
}


@pytest.mark.parametrize("suffix", sorted(SUFFIXES))
def test_report_file_is_inert(files: tuple[Path, Path], suffix: str) -> None:
    spec, batches = files
    out = batches.parent / f"report{suffix}"
    if suffix == ".pdf":
        _require_pdf()
    run = run_cli("check", "-s", spec, batches, "-q", "-o", out)
    assert (run.code, run.out, run.err) == (1, "", "")
    if suffix == ".pdf":
        _inert_pdf(out)
        return
    with out.open(encoding="utf-8", newline="") as fh:  # CSV's CR inside quotes stays CR
        text = fh.read()
    assert "\x1b" not in text
    INERT.get(suffix, lambda _: None)(text)


def _require_pdf() -> None:
    from qc.render import pdf

    why = pdf._weasyprint_error()
    if why is not None:
        pytest.skip(f"PDF reports cannot be written here ({why}): install {pdf.INSTALL}")
    pytest.importorskip("pypdf", reason="pypdf is not installed: pip install 'exoqc[pdf]'")


def _inert_pdf(out: Path) -> None:
    """A PDF is binary: its pages' text and its embedded JSON report are what must be inert."""
    import pypdf

    from qc.render.pdf import ATTACHMENT

    reader = pypdf.PdfReader(out)
    pages = "\n".join(page.extract_text() for page in reader.pages)
    assert "\x1b" not in pages
    # no action of the data's in the file: no JavaScript, no launch, no URI to open
    raw = out.read_bytes()
    assert not re.search(rb"/(JavaScript|JS|Launch|URI|OpenAction)\b", raw)
    (embedded,) = reader.attachments[ATTACHMENT]
    text = embedded.decode("utf-8")
    assert "\x1b" not in text
    _inert_json(text)


# Binary formats (PDF) are bytes, not text: test_report_file_is_inert reads their text.
@pytest.mark.parametrize("fmt", sorted(set(RENDERERS) - BINARY))
def test_every_format_renders_hostile_data_without_raw_escapes(files: tuple[Path, Path],
                                                               fmt: str) -> None:
    from qc.run import RunOptions, run

    spec, batches = files
    report = run(RunOptions(inputs=(str(batches),), spec=str(spec)))
    for verbose in (False, True):
        text = "".join(get_renderer(fmt)(report, RenderOptions(color=False, verbose=verbose)))
        assert "\x1b" not in text, fmt


def test_stdout_table_and_json(files: tuple[Path, Path]) -> None:
    spec, batches = files
    table = run_cli("check", "-s", spec, batches, "-v")
    assert (table.code, table.err) == (1, "")
    _inert_table(table.out)
    as_json = run_cli("check", "-s", spec, batches, "-f", "json")
    assert (as_json.code, as_json.err) == (1, "")
    _inert_json(as_json.out)


def test_colour_forced_only_rich_styles_reach_the_terminal(files: tuple[Path, Path]) -> None:
    """With colour on, the only escapes are rich's own SGR styles; the data's are text."""
    from qc.run import RunOptions, run

    spec, batches = files
    report = run(RunOptions(inputs=(str(batches),), spec=str(spec)))
    text = "".join(get_renderer("table")(report, RenderOptions(color=True, verbose=True)))
    assert SGR.search(text), "colour was not on"
    _inert_table(SGR.sub("", text))


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_on_a_real_terminal(files: tuple[Path, Path]) -> None:
    """`exoqc check` with its stdout on a pty (colour on, as a user sees it)."""
    import pty

    spec, batches = files
    master, slave = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    env["PYTHONPATH"] = str(ROOT)
    proc = subprocess.Popen([sys.executable, "-m", "qc", "check", "-s", str(spec), str(batches),
                             "-v"], stdout=slave, stderr=subprocess.PIPE, env=env, cwd=ROOT)
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    assert proc.wait(timeout=600) == 1
    assert proc.stderr is not None
    with proc.stderr:
        assert proc.stderr.read() == b""
    text = b"".join(chunks).decode("utf-8").replace("\r\n", "\n")
    assert SGR.search(text), "colour was not on"
    _inert_table(SGR.sub("", text))
