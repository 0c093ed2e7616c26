"""Import NanoSight and ZetaView particle-size exports into one `NtaSummary`."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

from qc.errors import ExportFormatError, InputError, InstrumentFileError
from qc.nta import nanosight, zetaview
from qc.nta.model import (
    DEFAULT_WINDOW,
    NtaSummary,
    ParsedExport,
    check_window,
    summarise_export,
)

__all__ = ["DEFAULT_WINDOW", "NtaSummary", "is_export", "summarise"]

# Both vendors write Windows code-page text; ISO-8859-1 decodes any byte, so it never fails.
ENCODING = "iso-8859-1"
SNIFF_BYTES = 1 << 16  # how much of a file `is_export` reads


def summarise(
    path: Path,
    *,
    window: tuple[Decimal, Decimal] = DEFAULT_WINDOW,
    id_pattern: str | None = None,
) -> NtaSummary:
    """Detect the export's format, parse it and reduce it to an `NtaSummary`.

    `id_pattern` is searched in the file name; its group 1 (or the whole match) becomes the
    batch id and overrides the sample name the file records.
    """
    check_window(window)
    path = Path(path)
    export = _parse(path, _read(path))
    if id_pattern is not None:
        batch_id, batch_source = _batch_id_from_name(path, id_pattern), "id pattern"
    elif export.sample_name:
        batch_id, batch_source = export.sample_name, "sample name"
    else:
        batch_id, batch_source = path.stem, "file name"
    return summarise_export(
        export, file=path.name, batch_id=batch_id, batch_id_source=batch_source, window=window
    )


def is_export(path: Path) -> bool:
    """True when the file looks like a NanoSight or ZetaView export (False if unreadable).

    Only the head is read: both formats say what they are in their first lines, and a
    batch CSV of a million rows should not be scanned line by line to find out.
    """
    from qc.inputs.files import open_regular

    try:
        with open_regular(str(path), "instrument export", InputError) as fh:
            head = fh.read(SNIFF_BYTES)
    except (OSError, InputError):
        return False  # not a regular readable file: the batch reader says why
    text = _decode(head).rpartition("\n")[0] if len(head) == SNIFF_BYTES else _decode(head)
    return nanosight.looks_like(text) or zetaview.looks_like(text)


def _read(path: Path) -> str:
    from qc.inputs.files import read_bytes

    try:
        path.stat()
    except OSError as err:
        raise InstrumentFileError(path, f"cannot read: {err.strerror or err}") from err
    return _decode(read_bytes(str(path), "instrument export", InputError))


def _decode(raw: bytes) -> str:
    # An export re-saved by Excel as "CSV UTF-8" starts with a BOM; read that as UTF-8
    # so that a µ or an accented sample name survives. Anything else is the vendor's
    # ISO-8859-1.
    if raw.startswith(b"\xef\xbb\xbf"):
        try:
            return raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            pass
    return raw.decode(ENCODING)


def _parse(path: Path, text: str) -> ParsedExport:
    try:
        if nanosight.looks_like(text):
            return nanosight.parse(text)
        if zetaview.looks_like(text):
            return zetaview.parse(text)
    except ExportFormatError as err:
        raise InstrumentFileError(path, str(err)) from err
    raise InstrumentFileError(path, "not a NanoSight or ZetaView export")


def _batch_id_from_name(path: Path, id_pattern: str) -> str:
    try:
        match = re.search(id_pattern, path.name)
    except re.error as err:
        raise ValueError(f"invalid id pattern {id_pattern!r}: {err}") from err
    if match is None:
        raise InstrumentFileError(path, f"file name does not match the id pattern {id_pattern!r}")
    batch_id = match.group(1) if match.re.groups else match.group(0)
    if not batch_id:
        raise InstrumentFileError(path, f"the id pattern {id_pattern!r} captured an empty id")
    return batch_id
