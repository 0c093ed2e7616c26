"""What a PDF report's visible certificates say, compared with the report `exoqc verify`
re-derived from its embedded JSON report and with its signature file (finding F5: pages of
another run swapped in verified).

The text of each page is extracted (pypdf) and compared, per certificate, with what the
certificate of the re-derived report shows (qc/render/html/report.py `certificates`): its
certificate number, its batch id, its conformance, and each test's result values and
conformance; and its signature block with the signatures of REPORT.pdf.sig (printed name,
UTC time, meaning, key fingerprint; no electronic signature shown that the file does not
hold: each signature's name, time, meaning and fingerprint in that order in the block).
Text is compared with all white space removed (a value may wrap inside its table cell)
after NFKC normalisation (ligatures, the micro sign). A printed name so long that it wraps
in its cell while the next cell wraps too reads interleaved and fails the comparison: a
false alarm, never a false pass.

This is a check of consistency, not a cryptographic protection: the text a viewer shows is
drawn from glyphs whose mapping to text a forger controls. Only a good signature of the PDF
(its last signature's `pdf_sha256`, qc/gmp/signing.py) protects the pages' bytes.
"""

from __future__ import annotations

import io
import logging
import re
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from qc.inputs.files import excerpt

if TYPE_CHECKING:
    from qc.gmp.signing import Signature
    from qc.model import Report

NUMBER = re.compile(r"EXQ-[0-9A-F]{8}-[0-9A-F]{8}")
# squeezed: the signature block's header; each e-signature in it shows its key's sha256
BLOCK = "NameDateandtime(UTC)MeaningSignature(electronic:keysha256)"
FINGERPRINT = re.compile(r"[0-9a-f]{64,}")  # squeezed, a meaning may run into it
MAX_PAGES_LISTED = 20


def squeeze(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


def page_texts(pdf: bytes) -> list[str]:
    """The text of each page of the PDF, in order."""
    from pypdf import PdfReader

    logging.getLogger("pypdf").addHandler(logging.NullHandler())
    reader = PdfReader(io.BytesIO(pdf), strict=False)
    return [page.extract_text() or "" for page in reader.pages]


def page_problems(pages: Sequence[str], report: Report,
                  signatures: Sequence[Signature]) -> list[str]:
    """Every way the certificates on `pages` disagree with `report` and `signatures`,
    naming the page; [] when they agree."""
    from qc.render.html.report import certificates

    expected: dict[str, Mapping[str, Any]] = {c["number"]: c for c in certificates(report)}
    on_pages: dict[str, list[int]] = {}
    problems: list[str] = []
    for n, text in enumerate(pages, start=1):
        found = NUMBER.findall(text)
        if not found:
            if BLOCK in squeeze(text):
                problems.append(f"page {n}: shows a signature block outside a certificate")
            continue
        first = found[0]
        if any(other != first for other in found):
            problems.append(f"page {n}: shows more than one certificate number "
                            f"({', '.join(sorted(set(found)))})")
        on_pages.setdefault(first, []).append(n)
    for number, numbers in on_pages.items():
        where = _pages(numbers)
        certificate = expected.get(number)
        if certificate is None:
            problems.append(f"{where}: certificate {number} is not a certificate of this "
                            "report (pages of another report?)")
            continue
        text = squeeze("\n".join(pages[i - 1] for i in numbers))
        problems += [f"{where} (certificate {number}): {p}"
                     for p in _certificate_problems(text, certificate, signatures)]
    problems += [f"certificate {number} of batch {excerpt(repr(c['batch_id']))} is on no "
                 "page" for number, c in expected.items() if number not in on_pages]
    return problems


def _pages(numbers: Sequence[int]) -> str:
    if len(numbers) == 1:
        return f"page {numbers[0]}"
    listed = ", ".join(map(str, numbers[:MAX_PAGES_LISTED]))
    return f"pages {listed}"


def _row_anchor(check: Mapping[str, Any]) -> str:
    """How a test's row begins: its name, its description and its method (a name alone
    may be part of another test's description: `protein` in "Particle-to-protein")."""
    return squeeze(f"{check['name']} {check['description'] or ''} {check['method'] or '–'}")


def _certificate_problems(text: str, certificate: Mapping[str, Any],
                          signatures: Sequence[Signature]) -> Iterator[str]:
    batch = certificate["batch_id"] or "(no id)"
    if squeeze(f"Batch {batch}") not in text:
        yield f"batch {excerpt(repr(batch))} is not shown"
    if squeeze(f"Certificate of analysis {certificate['text']}") not in text:
        yield f"the conformance {certificate['text']!r} is not shown"
    # each test's row: from its first cells (name, description, method; WeasyPrint draws a
    # table cell by cell, so a cell's wrapped lines stay together) to the next test's
    checks = certificate["checks"]
    starts: list[int] = []
    at = text.find(squeeze("Acceptance criterion"))
    for check in checks:
        anchor = _row_anchor(check)
        found = text.find(anchor, max(at, 0))
        starts.append(found)
        if found >= 0:
            at = found + len(anchor)
    for k, check in enumerate(checks):
        name = excerpt(repr(check["name"]))
        if starts[k] < 0:
            yield f"test {name} is not shown"
            continue
        ends = [s for s in starts[k + 1:] if s >= 0]
        row = text[starts[k]:ends[0] if ends else len(text)]
        for value in check["results"]:
            unit = f" {check['unit']}" if check["unit"] else ""
            if squeeze(f"{value}{unit}") not in row:
                yield f"test {name}: the result {excerpt(repr(value))} is not shown"
        if squeeze(check["text"]) not in row:
            yield f"test {name}: the conformance {check['text']!r} is not shown"
    header = text.rfind(BLOCK)
    block = text[header + len(BLOCK):] if header >= 0 else ""
    if text.count(BLOCK) != 1:
        yield f"the signature block is shown {text.count(BLOCK)} times, not once"
    shown = len(FINGERPRINT.findall(block))
    if shown != len(signatures):
        held = (f"the signature file holds {len(signatures)}" if signatures
                else "the report has no signature file")
        yield (f"the signature block shows {shown} electronic signature"
               f"{'' if shown == 1 else 's'}, {held}")
    at = 0
    for signature in signatures:  # in the block, in stack order within each meaning's rows
        stated = signature.row()
        start = block.find(squeeze(stated["signer"]))
        missing: list[str] = []
        at = max(start, 0)
        for field in ("signer", "time", "meaning", "fingerprint"):
            found = block.find(squeeze(stated[field]), at)
            if found < 0:
                missing.append(field)
            else:
                at = found + len(squeeze(stated[field]))
        if missing:
            yield (f"the signature block does not show signature {signature.index}'s "
                   f"{', '.join(missing)} as its signature file states them")
