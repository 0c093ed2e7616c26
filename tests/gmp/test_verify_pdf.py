"""`exoqc verify REPORT.pdf`: the JSON report embedded in a PDF report is verified as a JSON
report is; a signature of the PDF covers its bytes (pages and embedded report); without one,
verify says that the visible pages are not protected. One-byte changes, a re-embedded forged
report, and PDFs that are not exoqc's."""

from __future__ import annotations

import io
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qc.render import pdf as pdf_module
from tests.conftest import run_cli
from tests.gmp.tiny import CSV, SPEC

pypdf = pytest.importorskip("pypdf", reason="pypdf is not installed: pip install 'exoqc[pdf]'")
WHY = pdf_module._weasyprint_error()
pytestmark = pytest.mark.skipif(
    WHY is not None, reason=f"PDF reports cannot be written here ({WHY}): install "
                            f"{pdf_module.INSTALL}")

UNPROTECTED = "note: the PDF's visible pages are not protected"


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with the tiny spec and batches, r.pdf (unsigned), s.pdf signed with key qa
    (s.pdf.sig), and r.json of the same run as r.pdf."""
    folder = tmp_path_factory.mktemp("pdf")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOURCE_DATE_EPOCH", "1700000000")
        mp.chdir(folder)
        Path("spec.yaml").write_text(SPEC, "utf-8")
        Path("batches.csv").write_text(CSV, "utf-8")
        assert run_cli("keygen", "qa").code == 0
        result = run_cli("check", "batches.csv", "-s", "spec.yaml", "-o", "r.pdf", "-o",
                         "r.json", "-q")
        assert (result.code, result.err) == (1, ""), result
        result = run_cli("check", "batches.csv", "-s", "spec.yaml", "-o", "s.pdf",
                         "--sign-key", "qa", "-q")
        assert (result.code, result.err) == (1, ""), result
    return folder


@pytest.fixture
def here(made: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh copy of `made` as the working folder of one test."""
    folder = tmp_path / "w"
    shutil.copytree(made, folder)
    monkeypatch.chdir(folder)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # the day `today` was
    yield folder


def stream_span(data: bytes, idnum: int) -> tuple[int, int]:
    """Where the stream data of object `idnum` lies in the PDF's bytes: (start, end)."""
    at = re.search(rb"(?:^|[\r\n])%d 0 obj\b" % idnum, data)
    assert at is not None
    start = data.index(b"stream", at.end()) + len(b"stream")
    start += 2 if data[start:start + 2] == b"\r\n" else 1
    end = data.index(b"endstream", start)
    return start, end


def embedded_span(data: bytes) -> tuple[int, int]:
    reader = pypdf.PdfReader(io.BytesIO(data))
    names = reader.trailer["/Root"]["/Names"]["/EmbeddedFiles"]["/Names"]
    stream = names[1].get_object()["/EF"].raw_get("/F")
    start, _ = stream_span(data, stream.idnum)
    entry = stream.get_object()
    assert "/Filter" not in entry  # stored as it is: its bytes are the report's bytes
    return start, start + int(entry["/Params"]["/Size"])  # the EOL before endstream is not data


def page_span(data: bytes) -> tuple[int, int]:
    reader = pypdf.PdfReader(io.BytesIO(data))
    contents = reader.pages[0].raw_get("/Contents")
    target = contents.get_object()
    ref = target[0] if isinstance(target, list) else contents
    return stream_span(data, ref.idnum)


def flip(path: str, at: int, mask: int = 0x01) -> None:
    data = bytearray(Path(path).read_bytes())
    data[at] ^= mask
    Path(path).write_bytes(bytes(data))


def test_an_unsigned_pdf_verifies_and_says_its_pages_are_not_protected(here: Path) -> None:
    result = run_cli("verify", "r.pdf")
    assert result.code == 0, result
    assert result.out.startswith("verified: r.pdf: 2 batches, inputs and spec unchanged, every "
                                 "result reproduced (the JSON report embedded in the PDF)\n")
    assert UNPROTECTED in result.out
    # the same answer as for the JSON report of the same run, but for the PDF's own words
    as_json = run_cli("verify", "r.json")
    assert as_json.code == 0
    assert UNPROTECTED not in as_json.out


def test_a_changed_visible_page_is_not_caught_unsigned_but_said(here: Path) -> None:
    start, end = page_span(Path("r.pdf").read_bytes())
    flip("r.pdf", (start + end) // 2)
    result = run_cli("verify", "r.pdf")
    assert result.code == 0, result  # the embedded report is intact: it verifies ...
    assert UNPROTECTED in result.out  # ... and verify says what that does not cover


def test_a_changed_byte_in_the_embedded_report_fails(here: Path) -> None:
    start, end = embedded_span(Path("r.pdf").read_bytes())
    flip("r.pdf", (start + end) // 2)
    result = run_cli("verify", "r.pdf")
    assert result.code != 0, result
    assert "verified:" not in result.out


@given(st.data())
def test_any_byte_changed_in_the_embedded_stream_fails(made: Path, data: st.DataObject) -> None:
    original = (made / "r.pdf").read_bytes()
    start, end = embedded_span(original)
    at = data.draw(st.integers(start, end - 1), label="offset")
    mask = data.draw(st.integers(1, 255), label="xor")
    changed = bytearray(original)
    changed[at] ^= mask
    from qc.errors import VerifyError

    with pytest.raises(VerifyError, match=r"^r\.pdf: (not a readable PDF|the embedded "
                                          r"report\.json does not match the checksum)"):
        pdf_module.embedded_report(bytes(changed), "r.pdf", VerifyError, 1 << 30)


def test_a_forged_report_embedded_again_does_not_verify(here: Path) -> None:
    """Whoever rewrites the embedded report (valid PDF, valid checksum) to say B-2 conforms
    is caught by the re-run, as an edited JSON report is."""
    reader = pypdf.PdfReader("r.pdf")
    (embedded,) = reader.attachments[pdf_module.ATTACHMENT]
    forged = embedded.replace(b'"verdict": "fail"', b'"verdict": "pass"')
    assert forged != embedded
    writer = pypdf.PdfWriter()
    for page in reader.pages:
        writer.add_page(page)
    writer.add_attachment(pdf_module.ATTACHMENT, forged)
    with open("f.pdf", "wb") as fh:
        writer.write(fh)
    assert pypdf.PdfReader("f.pdf").attachments[pdf_module.ATTACHMENT] == [forged]
    result = run_cli("verify", "f.pdf")
    assert result.code == 1, result
    assert result.out.startswith("NOT VERIFIED: f.pdf:")
    assert "verdict edited" in result.out or "verdict" in result.out


def test_a_signed_pdf_verifies_with_its_key(here: Path) -> None:
    assert Path("s.pdf.sig").is_file()
    result = run_cli("verify", "s.pdf", "--public-key", "qa.pub", "--require-signature")
    assert result.code == 0, result
    assert ("every result reproduced, signature good (of the PDF's bytes: its pages and its "
            "embedded report)") in result.out
    assert UNPROTECTED not in result.out
    unchecked = run_cli("verify", "s.pdf")  # no key given: the pages are not protected
    assert (unchecked.code, UNPROTECTED in unchecked.out) == (0, True)


@pytest.mark.parametrize("where", ["page", "embedded", "comment"])
def test_a_signed_pdf_with_one_byte_changed_fails(here: Path, where: str) -> None:
    data = Path("s.pdf").read_bytes()
    span = {"page": page_span, "embedded": embedded_span,
            "comment": lambda d: (10, 11)}[where](data)  # the binary comment of line 2
    flip("s.pdf", (span[0] + span[1]) // 2)
    result = run_cli("verify", "s.pdf", "--public-key", "qa.pub")
    assert result.code == 1, result
    assert result.out.startswith("NOT VERIFIED: s.pdf:")
    assert ("signature: s.pdf.sig: its sha256 is not the report's (the report was changed"
            in result.out)
    if where == "embedded":  # and the report inside says so too
        assert ("s.pdf: the embedded report.json does not match the checksum the PDF records "
                "for it") in result.out


@given(st.data())
def test_a_signed_pdf_with_any_byte_changed_fails(made: Path, data: st.DataObject) -> None:
    from qc.gmp.signing import BAD, check_signatures

    original = (made / "s.pdf").read_bytes()
    at = data.draw(st.integers(0, len(original) - 1), label="offset")
    mask = data.draw(st.integers(1, 255), label="xor")
    changed = bytearray(original)
    changed[at] ^= mask
    checked = check_signatures(made / "s.pdf", bytes(changed), [str(made / "qa.pub")])
    assert checked.status == BAD and checked.differences()


def test_a_pdf_that_is_not_an_exoqc_report_is_named(here: Path) -> None:
    writer = pypdf.PdfWriter()
    writer.add_blank_page(595, 842)
    with open("plain.pdf", "wb") as fh:
        writer.write(fh)
    result = run_cli("verify", "plain.pdf")
    assert (result.code, result.out) == (2, "")
    assert result.err == ("exoqc: plain.pdf: no embedded report.json (not an exoqc PDF report; "
                          "embedded files: none)\n")
    Path("broken.pdf").write_bytes(b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog\n")
    result = run_cli("verify", "broken.pdf")
    assert result.code == 2
    assert result.err.startswith("exoqc: broken.pdf: not a readable PDF: ")
    assert result.err.count("\n") == 1


def test_a_signed_pdf_cannot_replace_a_protected_file_with_its_signature(here: Path) -> None:
    """--sign-key writes REPORT.pdf.sig: it must not replace an input either."""
    Path("t.pdf.sig").write_text(CSV, "utf-8")
    result = run_cli("check", "batches.csv", "t.pdf.sig", "-s", "spec.yaml", "-o", "t.pdf",
                     "--sign-key", "qa", "-q")
    assert result.code == 2
    assert result.err == ("exoqc: t.pdf.sig: is one of the inputs; refusing to overwrite it\n")
    assert not Path("t.pdf").exists()


def test_the_audit_log_records_the_pdf_and_its_hash(here: Path) -> None:
    import hashlib
    import json

    result = run_cli("check", "batches.csv", "-s", "spec.yaml", "-o", "a.pdf", "--sign-key",
                     "qa", "--audit-log", "audit.jsonl", "-q")
    assert result.code == 1, result
    (entry,) = [json.loads(line) for line in Path("audit.jsonl").read_text().splitlines()]
    assert entry["reports"] == [
        {"path": name, "sha256": hashlib.sha256(Path(name).read_bytes()).hexdigest()}
        for name in ("a.pdf", "a.pdf.sig")]
    assert run_cli("audit", "verify", "audit.jsonl").code == 0
