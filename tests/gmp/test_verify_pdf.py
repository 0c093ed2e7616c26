"""`exoqc verify REPORT.pdf`: the JSON report embedded in a PDF report is verified as a JSON
report is, and the text of its certificate pages is compared with it and with the signature
file (F5); the last signature of a PDF covers its bytes (pages and embedded report); without
a good one, verify says that the visible pages are not protected. `exoqc sign REPORT.pdf`
signs the embedded report and writes the PDF again with the signature block filled.
One-byte changes, pages of another run, a forged signature block, a re-embedded forged
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
from tests.integrity.output import verdict

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
                                 "result reproduced (the JSON report embedded in the PDF; the "
                                 "text found on its certificate pages matches it, but without a "
                                 "good last signature content covered or added on the pages is "
                                 "not detected)\n")
    assert "agree" not in verdict(result.out)  # B10: no wording that reads as assurance
    assert UNPROTECTED in result.out
    # the same answer as for the JSON report of the same run, but for the PDF's own words
    as_json = run_cli("verify", "r.json")
    assert as_json.code == 0
    assert UNPROTECTED not in as_json.out


def test_a_changed_visible_page_fails_unsigned_and_is_said(here: Path) -> None:
    start, end = page_span(Path("r.pdf").read_bytes())
    flip("r.pdf", (start + end) // 2)
    result = run_cli("verify", "r.pdf")
    assert result.code == 1, result  # the embedded report is intact, its pages are not
    assert "\n  - pages: " in result.out
    assert UNPROTECTED in result.out  # and verify says what the comparison does not cover


def _with_pages(pages_of: str, report_of: str, out: str, keep: tuple[int, ...] = ()) -> None:
    """`out`: the pages of `pages_of` (but those numbered in `keep`, taken from
    `report_of`) with the embedded report of `report_of`, written again by pypdf."""
    source, target = pypdf.PdfReader(pages_of), pypdf.PdfReader(report_of)
    writer = pypdf.PdfWriter()
    for n, page in enumerate(source.pages, start=1):
        writer.add_page(target.pages[n - 1] if n in keep else page)
    (embedded,) = target.attachments[pdf_module.ATTACHMENT]
    writer.add_attachment(pdf_module.ATTACHMENT, embedded)
    with open(out, "wb") as fh:
        writer.write(fh)


def test_pages_of_another_run_swapped_in_fail_naming_the_page(here: Path) -> None:
    """F5: an unsigned PDF whose certificate pages are another run's (B-2 at 150 nm, which
    conforms), around this run's embedded report (B-2 at 250 nm: does not conform)."""
    Path("other.csv").write_text(CSV.replace("250", "150"), "utf-8")
    assert run_cli("check", "other.csv", "-s", "spec.yaml", "-o", "o.pdf", "-q").code == 0
    _with_pages("o.pdf", "r.pdf", "all.pdf")
    result = run_cli("verify", "all.pdf")
    assert result.code == 1, result
    problems = [line for line in verdict(result.out).splitlines() if "  - pages: " in line]
    assert [p.split(": certificate ")[0] for p in problems] == [
        "  - pages: page 2", "  - pages: page 3", "  - pages", "  - pages"], problems
    assert problems[0].endswith("is not a certificate of this report (pages of another "
                                "report?)")
    assert problems[2].endswith("of batch 'B-1' is on no page")
    _with_pages("o.pdf", "r.pdf", "one.pdf", keep=(1, 2))  # only B-2's certificate swapped
    result = run_cli("verify", "one.pdf")
    assert result.code == 1, result
    assert [line for line in verdict(result.out).splitlines() if "  - pages: " in line] == [
        line for line in problems if "page 3" in line or "'B-2'" in line]
    _with_pages("r.pdf", "r.pdf", "same.pdf")  # its own pages, written again: verifies
    assert run_cli("verify", "same.pdf").code == 0


def test_a_certificate_page_edited_in_its_text_fails(here: Path) -> None:
    """The page's own words: the result and the conformance of B-2 made to read 150 nm,
    Conforms (a page laid out from another report with the same certificate number)."""
    from qc.gmp.pdf_pages import page_problems, page_texts
    from qc.gmp.verify import verify_report

    report = verify_report("r.pdf").evaluated
    assert report is not None
    pages = page_texts(Path("r.pdf").read_bytes())
    assert page_problems(pages, report, ()) == []
    edited = [*pages[:2], pages[2].replace("Does not conform", "Conforms").replace("250", "150")]
    number = re.search(r"EXQ-[0-9A-F-]+", pages[2])
    assert number is not None
    where = f"page 3 (certificate {number[0]})"
    assert page_problems(edited, report, ()) == [
        f"{where}: the conformance 'Does not conform' is not shown",
        f"{where}: test 'particle_size': the result '250' is not shown",
        f"{where}: test 'particle_size': the conformance 'Does not conform' is not shown"]
    moved = [*pages[:2], pages[2].replace("Batch B-2", "Batch B-9")]
    assert page_problems(moved, report, ()) == [f"{where}: batch 'B-2' is not shown"]


def test_a_signed_pdf_verifies_with_its_key(here: Path) -> None:
    assert Path("s.pdf.sig").is_file()
    result = run_cli("verify", "s.pdf", "--public-key", "qa.pub", "--require-signature")
    assert result.code == 0, result
    assert ("every result reproduced, signature good (the last one signs the PDF's bytes: its "
            "pages and its embedded report)") in result.out
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
    if where == "embedded":  # the report inside cannot be read: the signature says why
        assert ("  - signature: s.pdf.sig holds signatures of a PDF whose embedded report "
                "could be read; this one's cannot: it was changed after it was signed\n"
                "  - s.pdf: the embedded report.json does not match the checksum the PDF "
                "records for it") in result.out
    else:
        assert ("  - signature: s.pdf: the PDF is not the one its last signature was made on: "
                "its bytes were changed after it was signed\n") in result.out


@given(st.data())
def test_a_signed_pdf_with_any_byte_changed_fails(made: Path, data: st.DataObject) -> None:
    from qc.errors import VerifyError
    from qc.gmp.signing import BAD, check_signatures, report_data

    original = (made / "s.pdf").read_bytes()
    at = data.draw(st.integers(0, len(original) - 1), label="offset")
    mask = data.draw(st.integers(1, 255), label="xor")
    changed = bytearray(original)
    changed[at] ^= mask
    try:
        signed, pdf = report_data(bytes(changed), made / "s.pdf", VerifyError)
    except VerifyError:
        return  # its embedded report cannot be read: verify fails (test above)
    assert pdf in (bytes(changed), None)  # None: no longer starts as a PDF
    checked = check_signatures(made / "s.pdf", signed, [str(made / "qa.pub")], pdf)
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


def test_a_test_named_in_another_tests_description_is_no_false_alarm(here: Path) -> None:
    """The real sample's `protein` check is named inside `purity`'s description
    ("Particle-to-protein ratio"): each row is found by its name, description and method."""
    Path("words.yaml").write_text(
        'name: words\nversion: "1"\nid_column: batch_id\nchecks:\n'
        "  - name: size\n    column: size_nm\n    description: Size of protein-free "
        "particles (mean, nm)\n    unit: nm\n    min: 50\n    max: 200\n"
        "  - name: protein\n    column: protein\n    min: 0\n    max: 100\n", "utf-8")
    Path("words.csv").write_text("batch_id,size_nm,protein\nB-1,100,250\nB-2,70,20\n", "utf-8")
    assert run_cli("check", "words.csv", "-s", "words.yaml", "-o", "w.pdf", "-q").code == 1
    result = run_cli("verify", "w.pdf")
    assert (result.code, verdict(result.out).splitlines()[0]) == (0, (
        "verified: w.pdf: 2 batches, inputs and spec unchanged, every result reproduced (the "
        "JSON report embedded in the PDF; the text found on its certificate pages matches "
        "it, but without a good last signature content covered or added on the pages is not "
        "detected)")), result
