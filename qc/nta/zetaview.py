"""Parser for Particle Metrix ZetaView `.txt` exports (Key: value header, tab-separated table)."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation

from qc.errors import ExportFormatError
from qc.nta.model import (
    CONCENTRATION_TOLERANCE,
    Distribution,
    ParsedExport,
)

INSTRUMENT = "ZetaView"
_SIZE = "size / nm"
_CONCENTRATION = "concentration / cm-3"
# Header keys (lower case, units dropped) that carry a size statistic, when a version writes one.
_SIZE_KEYS = {
    "mean_nm": {"mean", "mean size", "mean diameter", "average size", "x mean"},
    "mode_nm": {"mode", "mode size", "peak", "peak size"},
    "d10_nm": {"d10", "x10"},
    "d50_nm": {"d50", "x50", "median", "median size"},
    "d90_nm": {"d90", "x90"},
}
_FIRST_NUMBER = re.compile(r"[-+]?\d+(?:[.,]\d*)?(?:[eE][-+]?\d+)?")
_DILUTION_NOTE = (
    "Dilution recorded, not applied: a ZetaView export does not say whether its "
    "distribution is already dilution-corrected"
)

Header = dict[str, tuple[str, str]]  # lower-case key → (key as written, value)


def looks_like(text: str) -> bool:
    """True when a ZetaView header marker or its distribution table header is present."""
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "ZetaView S/N":
            return True
        if key.strip() == "Software" and "zetaview" in value.lower():
            return True
        if _is_table_header(line):
            return True
    return False


def parse(text: str) -> ParsedExport:
    """Read one decoded ZetaView export; only the linear-binned section is used."""
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if _is_table_header(line)), None)
    if start is None:
        raise ExportFormatError("ZetaView export without a 'Size / nm' distribution table")
    header = _header(lines[:start])
    distribution = _linear_section(lines, start)
    concentration, concentration_key = _header_concentration(header)
    dilution = _value(header, "dilution", "dilution factor")
    total = distribution.total()
    notes = {
        "distribution": (
            f"'Concentration / cm-3' column, linear section, {len(distribution.centres)} bins"
            " (values per bin)"
        ),
        "dilution": _dilution_note(dilution, concentration, total),
        "concentration": (
            f"header '{concentration_key}'" if concentration_key else "not in the header"
        ),
    }
    return ParsedExport(
        instrument=INSTRUMENT,
        software=_value(header, "software"),
        sample_name=_value(header, "sample"),
        videos=_int(_value(header, "positions")),
        dilution_factor=dilution,
        dilution_adjusted=None,  # a ZetaView export does not say
        concentration_per_ml=concentration,
        concentration_source="missing" if concentration is None else "reported",
        reported_sizes=_header_sizes(header),
        distribution=distribution,
        distribution_total_per_ml=total,
        notes=notes,
    )


def _is_table_header(line: str) -> bool:
    cells = [cell.strip().lower() for cell in line.split("\t")]
    return cells[0] == _SIZE and _CONCENTRATION in cells


def _header(lines: Sequence[str]) -> Header:
    """`Key: value` lines; `Dilution::` (double colon) is read like any other key."""
    header: Header = {}
    for line in lines:
        key, colon, value = line.partition(":")
        if colon and key.strip():
            header.setdefault(key.strip().lower(), (key.strip(), value.lstrip(":").strip()))
    return header


def _value(header: Mapping[str, tuple[str, str]], *keys: str) -> str:
    for key in keys:
        if key in header:
            return header[key][1]
    return ""


def _linear_section(lines: Sequence[str], start: int) -> Distribution:
    """Rows after the table header, up to the `-1.000E+0` row that opens the log section."""
    columns = [cell.strip().lower() for cell in lines[start].split("\t")]
    conc = columns.index(_CONCENTRATION)
    centres: list[Decimal] = []
    values: list[float] = []
    for offset, line in enumerate(lines[start + 1 :], start=start + 2):
        cells = line.split("\t")
        size = _decimal(cells[0])
        if size is None or size < 0:
            if centres or line.strip():
                break
            continue
        value = _number(cells[conc]) if conc < len(cells) else None
        if value is None:
            raise ExportFormatError(f"line {offset}: size {cells[0].strip()} lacks a concentration")
        centres.append(size)
        values.append(value)
    return Distribution(tuple(centres), tuple(values))


def _header_concentration(header: Header) -> tuple[float | None, str]:
    """The total particle concentration the header states, and the key it came from."""
    for lowered, (key, value) in header.items():
        names_it = "concentration" in lowered or "particles per ml" in lowered
        if names_it and "correction" not in lowered and "factor" not in lowered:
            number = _first_number(value)
            if number is not None:
                return number, key
    return None, ""


def _header_sizes(header: Header) -> dict[str, float]:
    found: dict[str, float] = {}
    for lowered, (_key, value) in header.items():
        plain = re.sub(r"\(.*?\)|/.*$|\bnm\b", "", lowered).strip()
        for name, keys in _SIZE_KEYS.items():
            number = _first_number(value) if plain in keys else None
            if number is not None:
                found.setdefault(name, number)
    return found


def _dilution_note(dilution: str, concentration: float | None, total: float) -> str:
    """Say so when the table falls short of the header total by exactly the dilution."""
    factor = _first_number(dilution)
    if concentration and factor and factor != 1 and total:
        gap = abs(total * factor - concentration) / concentration
        if gap <= CONCENTRATION_TOLERANCE:
            return (
                f"{_DILUTION_NOTE}; Σ distribution * {dilution} matches the header total, "
                "so the table looks uncorrected"
            )
    return _DILUTION_NOTE


def _first_number(text: str) -> float | None:
    match = _FIRST_NUMBER.search(text)
    return _number(match.group()) if match else None


def _number(text: str) -> float | None:
    """E-notation with a decimal point or a decimal comma (German-locale exports)."""
    try:
        value = float(text.strip().replace(",", "."))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _decimal(text: str) -> Decimal | None:
    try:
        value = Decimal(text.strip().replace(",", "."))
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _int(text: str) -> int | None:
    value = _number(text)
    return int(value) if value is not None and value.is_integer() and value > 0 else None
