"""Signing a PDF report writes a new PDF from the signed JSON: `exoqc sign REPORT.pdf` signs
the JSON report embedded in it (bound by its sha256, as for a JSON report) and lays the PDF
out again with every signature in the certificates' signature block; the new signature
states the sha256 of that PDF. `exoqc verify REPORT.pdf` checks the signatures against the
embedded report, the last one against the PDF's bytes, and the signature block on every
certificate against the signature file (issue 17 items 3-5)."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from qc.gmp.signing import fingerprint, load_public_key
from qc.render import pdf as pdf_module
from tests.conftest import run_cli
from tests.gmp.tiny import CSV, SPEC
from tests.integrity.output import verdict

pypdf = pytest.importorskip("pypdf", reason="pypdf is not installed: pip install 'exoqc[pdf]'")
WHY = pdf_module._weasyprint_error()
pytestmark = pytest.mark.skipif(
    WHY is not None, reason=f"PDF reports cannot be written here ({WHY}): install "
                            f"{pdf_module.INSTALL}")

APPROVED_SPEC = SPEC.replace('version: "3"\n', 'version: "3"\nstatus: approved\n'
                                                'approved_by: QA\n')
CONFORMING = "batch_id,size_nm\nB-1,100\nB-2,150\n"


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with an approved spec, two conforming batches, keys qa, rv and qp, s.pdf
    signed at write time by qa (performed) as s0.pdf, then by rv (reviewed) as s.pdf, and
    an unsigned u.pdf of the same run."""
    folder = tmp_path_factory.mktemp("signed-pdf")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOURCE_DATE_EPOCH", "1700000000")
        mp.delenv("EXOQC_KEY_PASSPHRASE", raising=False)
        mp.chdir(folder)
        Path("spec.yaml").write_text(APPROVED_SPEC, "utf-8")
        Path("batches.csv").write_text(CONFORMING, "utf-8")
        for name in ("qa", "rv", "qp"):
            assert run_cli("keygen", name).code == 0
        run = run_cli("check", "batches.csv", "-s", "spec.yaml", "-o", "s.pdf", "--sign-key",
                      "qa", "-q")
        assert (run.code, run.err) == (0, ""), run
        assert run_cli("check", "batches.csv", "-s", "spec.yaml", "-o", "u.pdf", "-q").code == 0
        shutil.copyfile("s.pdf", "s0.pdf")
        shutil.copyfile("s.pdf.sig", "s0.pdf.sig")
        run = run_cli("sign", "s.pdf", "--key", "rv", "--signer", "R. Viewer", "--meaning",
                      "reviewed", "--reason", "data review per SOP-7")
        assert run.code == 0, run
    return folder


@pytest.fixture
def here(made: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    folder = tmp_path / "w"
    shutil.copytree(made, folder)
    monkeypatch.chdir(folder)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    monkeypatch.delenv("EXOQC_KEY_PASSPHRASE", raising=False)
    yield folder


def _fp(name: str) -> str:
    return fingerprint(load_public_key(f"{name}.pub"))


def _sig(name: str = "s.pdf.sig") -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(Path(name).read_text("utf-8"))
    return doc


def _pages(name: str) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(name).pages]


def _squeezed(text: str) -> str:
    return "".join(text.split())


def _embedded(name: str) -> bytes:
    (data,) = pypdf.PdfReader(name).attachments[pdf_module.ATTACHMENT]
    return bytes(data)


def _verify(report: str, *keys: str) -> Any:
    return run_cli("verify", report, *[a for k in keys for a in ("--public-key", f"{k}.pub")])


def test_signing_a_pdf_writes_it_again_with_the_signature_block(here: Path) -> None:
    import hashlib

    doc = _sig()
    first, second = doc["signatures"]
    # the signatures sign the embedded JSON report (as for a JSON report) ...
    assert doc["file"] == "s.pdf"
    assert doc["sha256"] == hashlib.sha256(_embedded("s.pdf")).hexdigest()
    assert _embedded("s.pdf") == _embedded("s0.pdf")
    # ... and each the PDF it was made on: the last one, the PDF as it is now
    assert second["pdf_sha256"] == hashlib.sha256(Path("s.pdf").read_bytes()).hexdigest()
    assert first["pdf_sha256"] == hashlib.sha256(Path("s0.pdf").read_bytes()).hexdigest()
    assert (second["signer"], second["meaning"]) == ("R. Viewer", "reviewed")
    # every certificate's signature block shows both, as the signature file states them
    pages = _pages("s.pdf")
    certificates = [p for p in pages if "Certificate no." in p]
    assert len(certificates) == 2
    for text in certificates:
        flat = _squeezed(text)
        for entry in (first, second):
            for field in ("signer", "time", "meaning", "public_key_sha256"):
                assert _squeezed(entry[field]) in flat, (field, text)
        block = flat.split("Signature(electronic:keysha256)")[1]
        runs = re.findall("[0-9a-f]{64,}", block)  # "performed" runs into the fingerprint
        assert len(runs) == 2 and _fp("qa") in runs[0] and _fp("rv") in runs[1]
        assert f"Performedby{_squeezed(first['signer'])}" in flat
        assert "ReviewedbyR.Viewer" in flat
        assert _squeezed("data review per SOP-7") in flat
    assert _fp("qa") not in "".join(_squeezed(p) for p in _pages("u.pdf"))
    assert _verify("u.pdf").code == 0
    run = _verify("s.pdf", "qa", "rv")
    assert (run.code, verdict(run.out)) == (0, (
        "verified: s.pdf: 2 batches, inputs and spec unchanged, every result reproduced, "
        "2 of 2 signatures good (the last one signs the PDF's bytes: its pages and its "
        "embedded report)\n"))
    assert "the PDF's visible pages are not protected" not in run.out
    only_first = _verify("s.pdf", "qa")  # the last signature unchecked: pages not covered
    assert only_first.code == 1 and "the PDF's visible pages are not protected" in (
        only_first.out)
    assert (f"  - signature: the last signature (key {_fp('rv')}) was not checked with a given "
            "key: the pages it covers are not protected\n") in only_first.out


def test_the_sign_command_says_it_wrote_the_pdf_again(here: Path) -> None:
    run = run_cli("sign", "s.pdf", "--key", "qp", "--signer", "A. Prover", "--meaning",
                  "approved")
    entry = _sig()["signatures"][2]
    assert (run.code, run.err) == (0, ""), run
    assert run.out == (f"signed: s.pdf: 3. approved by A. Prover, {entry['time']}, key sha256 "
                       f"{_fp('qp')}\n"
                       "wrote s.pdf.sig (3 signatures)\n"
                       "wrote s.pdf again: its certificates' signature block shows the 3 "
                       "signatures\n")
    flat = _squeezed(_pages("s.pdf")[1])
    assert "ApprovedbyA.Prover" in flat and _fp("qp") in flat
    assert _verify("s.pdf", "qa", "rv", "qp").code == 0
    run = run_cli("verify", "s.pdf", "--public-key", "qp.pub", "--require-meaning", "approved")
    assert run.code == 0, run


@pytest.mark.parametrize("where", [0.25, 0.5, 0.9])
def test_one_byte_changed_after_signing_fails(here: Path, where: float) -> None:
    data = bytearray(Path("s.pdf").read_bytes())
    data[int(len(data) * where)] ^= 0x01
    Path("s.pdf").write_bytes(bytes(data))
    for keys in (("qa", "rv"), ()):  # the last signature's own key shows it
        run = _verify("s.pdf", *keys)
        assert run.code in (1, 2), run
        assert "verified:" not in run.out
        if run.code == 1:
            assert "  - signature" in verdict(run.out)


def test_a_pdf_rolled_back_to_before_the_last_signature_fails(here: Path) -> None:
    """The PDF as it was before R. Viewer signed, beside the signature file with R.
    Viewer's signature: its bytes are not the last signature's, and its block shows one."""
    shutil.copyfile("s0.pdf", "s.pdf")
    run = _verify("s.pdf")
    assert run.code == 1, run
    lines = verdict(run.out).splitlines()
    assert ("  - signature: s.pdf: the PDF is not the one its last signature was made on: its "
            "bytes were changed after it was signed") in lines
    assert sum("the signature block shows 1 electronic signature, the signature file holds "
               "2" in line for line in lines) == 2  # on each certificate


def test_removing_the_last_signature_of_a_pdf_is_seen_on_its_pages(here: Path) -> None:
    """F9: for a PDF, the signature block shows the removed signature: verify fails even
    without the remover's key; for a JSON report, --public-key names it (test_signatures)."""
    doc = _sig()
    doc["signatures"].pop()
    Path("s.pdf.sig").write_text(json.dumps(doc, indent=2), "utf-8")
    run = _verify("s.pdf", "qa")
    assert run.code == 1, run
    assert ("  - signature: s.pdf: the PDF is not the one its last signature was made on: its "
            "bytes were changed after it was signed") in verdict(run.out)
    assert "the signature block shows 2 electronic signatures, the signature file holds 1" in (
        run.out)
    run = _verify("s.pdf", "qa", "rv")
    assert f"  - signature: no signature by key {_fp('rv')} (rv.pub)" in verdict(run.out)


def test_a_signature_block_forged_on_an_unsigned_pdf_fails(here: Path) -> None:
    """The PDF laid out by exoqc itself from the same report, with a signature block
    showing an e-signature that no signature file holds."""
    from qc.gmp.verify import verify_report
    from qc.render import RenderOptions

    report = verify_report("u.pdf").evaluated
    assert report is not None
    fake = {"signer": "A. Prover", "meaning": "approved", "time": "2026-01-01T00:00:00Z",
            "fingerprint": "0" * 64, "reason": ""}
    Path("f.pdf").write_bytes(b"".join(pdf_module.render(
        report, RenderOptions(signatures=(fake,)))))
    assert _embedded("f.pdf") == _embedded("u.pdf")
    run = _verify("f.pdf")
    assert run.code == 1, run
    problems = [line for line in verdict(run.out).splitlines() if line.startswith("  - ")]
    assert len(problems) == 2 and all(
        p.endswith("the signature block shows 1 electronic signature, the report has no "
                   "signature file") for p in problems), problems
    # and beside a signature file by someone else, the block names whom it does not hold
    signed = verify_report("s.pdf").evaluated
    assert signed is not None
    shutil.copyfile("s0.pdf.sig", "s.pdf.sig")  # qa's signature (performed), alone
    Path("s.pdf").write_bytes(b"".join(pdf_module.render(
        signed, RenderOptions(signatures=({**fake, "meaning": "performed",
                                           "fingerprint": _fp("qa")},)))))
    run = _verify("s.pdf", "qa")
    assert run.code == 1
    assert "does not show signature 1's signer, time as its signature file states them" in (
        run.out)


def test_a_signature_of_a_pdf_cannot_be_moved_to_another_pdf(here: Path) -> None:
    shutil.copyfile("s.pdf.sig", "u.pdf.sig")
    run = _verify("u.pdf", "qa", "rv")
    assert run.code == 1
    assert "  - signature: u.pdf.sig: names the file \"s.pdf\", not 'u.pdf'" in verdict(run.out)
    shutil.copyfile("s.pdf", "u.pdf")  # the very PDF, under another name
    run = _verify("u.pdf", "qa", "rv")
    assert run.code == 1 and "names the file" in run.out


def test_approving_a_failing_pdf_is_refused_and_nothing_changes(here: Path) -> None:
    Path("failing.csv").write_text(CSV, "utf-8")
    run = run_cli("check", "failing.csv", "-s", "spec.yaml", "-o", "x.pdf", "--sign-key", "qa",
                  "-q")
    assert run.code == 1, run
    before = Path("x.pdf").read_bytes(), Path("x.pdf.sig").read_bytes()
    run = run_cli("sign", "x.pdf", "--key", "qp", "--signer", "A. Prover", "--meaning",
                  "approved")
    assert (run.code, run.out) == (2, "")
    assert run.err == ("exoqc: '--meaning approved': x.pdf cannot be approved: it states that "
                       "a batch does not conform (sign it as performed or reviewed)\n")
    assert (Path("x.pdf").read_bytes(), Path("x.pdf.sig").read_bytes()) == before
    from qc.errors import UsageError
    from qc.gmp.signing import load_private_key, pdf_renderer, sign_file
    from qc.gmp.verify import verify_report

    evaluated = verify_report("x.pdf").evaluated
    assert evaluated is not None
    renderer = pdf_renderer(evaluated)
    with pytest.raises(UsageError, match=re.escape("x.pdf cannot be approved: it states that "
                                                   "a batch does not conform")):  # B6
        sign_file(Path("x.pdf"), load_private_key("qp"), signer="A. Prover",
                  meaning="approved", render_pdf=renderer)
    assert (Path("x.pdf").read_bytes(), Path("x.pdf.sig").read_bytes()) == before


def test_a_pdf_signature_without_its_pdf_sha256_is_bad(here: Path) -> None:
    doc = _sig()
    del doc["signatures"][1]["pdf_sha256"]
    Path("s.pdf.sig").write_text(json.dumps(doc), "utf-8")
    run = _verify("s.pdf", "qa", "rv")
    assert run.code == 1
    assert "  - signature 2: fields missing: pdf_sha256" in verdict(run.out)


def test_a_pdf_is_never_signed_without_being_written_again(here: Path) -> None:
    """The library call needs the renderer for a PDF: a stack entry without the PDF it
    states would fail verify, so nothing is written."""
    from qc.errors import OutputError
    from qc.gmp.signing import load_private_key, sign_file

    before = Path("s.pdf").read_bytes(), Path("s.pdf.sig").read_bytes()
    with pytest.raises(OutputError, match="a PDF report is signed by laying it out again"):
        sign_file(Path("s.pdf"), load_private_key("qp"), signer="A. Prover",
                  meaning="reviewed")
    assert (Path("s.pdf").read_bytes(), Path("s.pdf.sig").read_bytes()) == before


def test_a_pdf_laid_out_with_another_report_is_not_signed(here: Path) -> None:
    """The PDF written again must carry the very same embedded report."""
    from qc.errors import OutputError
    from qc.gmp.signing import load_private_key, sign_file

    before = Path("s.pdf").read_bytes(), Path("s.pdf.sig").read_bytes()
    other = Path("u.pdf").read_bytes()  # another run (another command line recorded)
    with pytest.raises(OutputError, match="would not carry the same JSON report"):
        sign_file(Path("s.pdf"), load_private_key("qp"), signer="A. Prover",
                  meaning="reviewed", render_pdf=lambda signatures: other)
    assert (Path("s.pdf").read_bytes(), Path("s.pdf.sig").read_bytes()) == before


def test_signing_a_pdf_is_recorded_with_the_pdf_written_again(here: Path) -> None:
    import hashlib

    run = run_cli("sign", "s.pdf", "--key", "qp", "--signer", "A. Prover", "--meaning",
                  "approved", "--audit-log", "a.log")
    assert run.code == 0, run
    (entry,) = [json.loads(line) for line in Path("a.log").read_text("utf-8").splitlines()]
    assert entry["report"]["sha256"] == hashlib.sha256(Path("s.pdf").read_bytes()).hexdigest()
    assert entry["signature_file"]["sha256"] == hashlib.sha256(
        Path("s.pdf.sig").read_bytes()).hexdigest()
    assert entry["signature_made"]["meaning"] == "approved"
    assert run_cli("audit", "verify", "a.log").code == 0


def _whited_out(pdf: bytes) -> bytes:
    """`pdf` with a white box painted over each page after its content: every word stays in
    the page's text (what verify compares), but a reader sees a blank page."""
    import io

    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(pdf)))
    for page in writer.pages:
        content = page.get_contents()
        assert content is not None
        content.set_data(content.get_data() + b"\nq 1 1 1 rg 0 0 2000 2000 re f Q\n")
        page.replace_contents(content)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_pages_altered_and_signed_again_with_another_key_fail_with_the_keys_given(
        here: Path) -> None:
    """B3: a third party lays the signed PDF out again, alters its visible pages, and adds
    its OWN signature (key mx, which the verifier did not give): the chain is intact and
    the earlier signatures are good, but the pages shown are covered only by mx's. With
    --public-key (and --require-signature) verify fails, naming the last signature's key."""
    from qc.gmp.signing import load_private_key, pdf_renderer, sign_file
    from qc.gmp.verify import verify_report

    assert run_cli("keygen", "mx").code == 0
    evaluated = verify_report("s.pdf").evaluated
    assert evaluated is not None
    honest = pdf_renderer(evaluated)
    sign_file(Path("s.pdf"), load_private_key("mx"), signer="M. Allory", meaning="reviewed",
              render_pdf=lambda signatures: _whited_out(honest(signatures)))
    assert b"2000 2000 re f" in Path("s.pdf").read_bytes()  # the altered pages are signed
    expected = (f"  - signature: the last signature (key {_fp('mx')}) was not checked with a "
                "given key: the pages it covers are not protected\n")
    for extra in ((), ("--require-signature",), ("--require-signature", "--require-meaning",
                                                 "reviewed")):
        run = run_cli("verify", "s.pdf", "--public-key", "qa.pub", "--public-key", "rv.pub",
                      *extra)
        assert run.code == 1, (extra, run)
        assert run.out.startswith("NOT VERIFIED: s.pdf: 1 difference:\n" + expected), run
    # with the third party's key given too, its signature is good: what it signed verifies
    assert _verify("s.pdf", "qa", "rv", "mx").code == 0
    # without any key, nothing is claimed: verified, with the note that pages are unprotected
    run = run_cli("verify", "s.pdf")
    assert run.code == 0 and "the PDF's visible pages are not protected" in run.out, run
