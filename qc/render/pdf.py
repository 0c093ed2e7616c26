"""The archival PDF report: the HTML report's pages laid out by WeasyPrint, carrying the JSON
report as an embedded file, and reading that embedded report back for `exoqc verify`.

The pages are the HTML report (qc/render/html, the same template and the same context),
rendered by WeasyPrint with every URL protocol refused: nothing is fetched (the page is
self-contained anyway). The JSON report is embedded byte for byte as the JSON renderer writes
it for the same run (`report.json`, relationship Data: the data the pages present), so that
`exoqc verify REPORT.pdf` re-runs it like a JSON report. The file is written as PDF/A-3b
(attachments allowed); docs/report-format.md says what that does and does not promise.

WeasyPrint needs the Pango library of the operating system; both are optional
(`pip install 'exoqc[pdf]'`). `require()` says in one line what is missing, before any
work; reading a PDF back needs only pypdf. Nothing here imports either at module level.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import warnings
from collections.abc import Iterator
from functools import cache
from typing import TYPE_CHECKING, Any

from qc.errors import ExoqcError, OutputError

if TYPE_CHECKING:
    from qc.model import Report
    from qc.render import RenderOptions

ATTACHMENT = "report.json"  # the embedded JSON report's file name inside the PDF
VARIANT = "pdf/a-3b"  # PDF/A-3, level b: archival, embedded files allowed
MAGIC = b"%PDF-"
INSTALL = ("pip install 'exoqc[pdf]' (WeasyPrint), and the Pango library: on Debian or "
           "Ubuntu `apt-get install libpango-1.0-0 libpangoft2-1.0-0`")


@cache
def _weasyprint_error() -> str | None:
    """Why WeasyPrint cannot be used here (None: it can). Imported once, on first use."""
    try:
        import weasyprint  # noqa: F401
    except ImportError as exc:
        return f"WeasyPrint is not installed ({exc})"
    except OSError as exc:  # WeasyPrint loads Pango with cffi when imported
        return f"a system library WeasyPrint needs cannot be loaded ({exc})"
    return None


def require() -> None:
    """OutputError (one line: what to install) when PDF reports cannot be written here."""
    why = _weasyprint_error()
    if why is not None:
        first = why.splitlines()[0] if why else why
        raise OutputError(f"PDF reports need WeasyPrint: {first}; install it with {INSTALL}")


def render(report: Report, options: RenderOptions) -> Iterator[bytes]:
    """The PDF in one piece: WeasyPrint lays out the whole document before writing it."""
    require()
    from weasyprint import HTML, Attachment
    from weasyprint.urls import URLFetcher

    from qc.render import get_renderer

    # WeasyPrint logs what it ignores (a CSS property it does not know); exoqc's output
    # is its own: nothing reaches stderr through Python's last-resort log handler.
    logging.getLogger("weasyprint").addHandler(logging.NullHandler())
    page = "".join(get_renderer("html")(report, options))
    embedded = "".join(get_renderer("json")(report, options)).encode("utf-8")
    stamp = _stamp(report.generated_at)
    # No protocol allowed: no URL is fetched (the page links nothing; one in the data never is).
    nothing = URLFetcher(allowed_protocols=())
    document = HTML(string=page, url_fetcher=nothing).render()
    # The document's dates are the report's own stamp (SOURCE_DATE_EPOCH pins it), not
    # the wall clock, so that the same run writes the same bytes.
    document.metadata.created = document.metadata.modified = report.generated_at
    attachment = Attachment(string=embedded, name=ATTACHMENT, url_fetcher=nothing,
                            created=stamp, modified=stamp, relationship="Data",
                            description="exoqc JSON report of this run (exoqc verify "
                                        "re-runs it)")
    with warnings.catch_warnings():
        # WeasyPrint 70 opens its own sRGB profile (the PDF/A output intent) and leaves the
        # file to the garbage collector: a ResourceWarning about WeasyPrint's file, not ours.
        warnings.simplefilter("ignore", ResourceWarning)
        data: bytes = document.write_pdf(pdf_variant=VARIANT, attachments=[attachment],
                                         pdf_identifier=_identifier(embedded),
                                         finisher=_plain_attachment)
    yield data


def _plain_attachment(document: Any, pdf: Any) -> None:
    """Leave the embedded report uncompressed (the pages stay compressed): every byte of
    it is then the report's own byte, checked against the checksum the PDF records, so a
    change anywhere in it is seen (a changed byte of a compressed stream may decompress to
    the same text), and the JSON can be read from the PDF with any text tool."""
    for item in pdf.objects:
        extra = getattr(item, "extra", None)
        if isinstance(extra, dict) and extra.get("Type") == "/EmbeddedFile":
            item.compress = False


def _stamp(generated_at: str) -> datetime.datetime:
    try:
        return datetime.datetime.fromisoformat(generated_at.replace("Z", "+00:00"))
    except ValueError:
        return datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)


def _identifier(embedded: bytes) -> bytes:
    """The PDF's file identifier: derived from the embedded report, not random."""
    return hashlib.sha256(embedded).hexdigest()[:32].encode("ascii")


def is_pdf(data: bytes) -> bool:
    """Whether `data` is a PDF file (a JSON report never starts so)."""
    return data[:1024].lstrip(b"\x00\t\n\f\r ").startswith(MAGIC)


def embedded_report(data: bytes, shown: str, error: type[ExoqcError], cap: int) -> bytes:
    """The JSON report embedded in the PDF `data` (named `shown` in messages), checked
    against the checksum the PDF records for it; `error` (one line) when the PDF cannot
    be read, has no exoqc report or more than one, or the report is larger than `cap`."""
    try:
        from pypdf import PdfReader
    except ImportError:
        raise error(f"{shown}: reading a PDF report needs pypdf: {INSTALL}") from None
    import io

    # pypdf logs what it repairs; the one-line error below says what matters
    logging.getLogger("pypdf").addHandler(logging.NullHandler())
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        found = reader.attachments.get(ATTACHMENT)
        names = sorted(reader.attachments)
        checksum = _checksum(reader)
    # pypdf reads a hostile file: whatever it raises means "not a readable PDF"
    except Exception as exc:
        raise error(f"{shown}: not a readable PDF: {_one_line(exc)}") from None
    if not found:
        listed = ", ".join(names[:5]) or "none"
        raise error(f"{shown}: no embedded {ATTACHMENT} (not an exoqc PDF report; embedded "
                    f"files: {listed[:200]})")
    if len(found) != 1:
        raise error(f"{shown}: {len(found)} embedded files named {ATTACHMENT}; an exoqc PDF "
                    "report has one")
    content = found[0]
    if len(content) > cap:
        raise error(f"{shown}: the embedded {ATTACHMENT} is larger than the report cap")
    if checksum is not None and checksum != hashlib.md5(content, usedforsecurity=False
                                                        ).hexdigest():
        raise error(f"{shown}: the embedded {ATTACHMENT} does not match the checksum the PDF "
                    "records for it: the file is damaged or was edited")
    return content


def _checksum(reader: Any) -> str | None:
    """The /Params /CheckSum (MD5, hex) the PDF records for its embedded report, if any
    (looked for where exoqc writes it: the flat name list of the catalog)."""
    try:
        names = reader.trailer["/Root"]["/Names"]["/EmbeddedFiles"]["/Names"]
    except KeyError:
        return None
    for i in range(0, len(names) - 1, 2):
        if str(names[i]) == ATTACHMENT:
            stream = names[i + 1].get_object()["/EF"]["/F"].get_object()
            params = stream.get("/Params")
            value = params.get_object().get("/CheckSum") if params is not None else None
            if value is None:
                return None
            raw = value.original_bytes if hasattr(value, "original_bytes") else bytes(value)
            return bytes(raw).hex()
    return None


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:200]
