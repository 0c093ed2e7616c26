"""Parser for Malvern NanoSight NTA 3.x experiment-summary CSV exports."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

from qc.errors import ExportFormatError
from qc.nta.model import (
    Distribution,
    ParsedExport,
)

INSTRUMENT = "NanoSight"
MAGIC = "NTA Experiment Summary File"
NOT_RECORDED = "Not recorded"
_CREATED_WITH = "created with "
_BIN_HEADER = "bin centre (nm)"
_PER_VIDEO_CONC = "concentration (particles / ml)"
_AVERAGE_CONC = "concentration average"
_SIZE_ROWS = {
    "mean": "mean_nm",
    "mode": "mode_nm",
    "d10": "d10_nm",
    "d50": "d50_nm",
    "d90": "d90_nm",
}

Row = tuple[int, list[str]]  # (line number in the file, cells stripped, trailing padding removed)


def looks_like(text: str) -> bool:
    """True for an NTA experiment summary: its magic first line or its section labels."""
    if text.lstrip("\ufeff").startswith(MAGIC):
        return True
    return any(line.startswith(("[Size Data]", "Bin centre (nm)")) for line in text.splitlines())


def parse(text: str) -> ParsedExport:
    """Read one decoded experiment-summary export."""
    rows = _rows(text)
    sections = _sections(rows)
    results = sections.get("results", [])
    size_rows = _size_rows(sections.get("size data", []))
    distribution, distribution_note, per_video = _distribution(rows)
    dilution, adjusted = _dilution(results)
    concentration = _average(results, "concentration (particles / ml)")
    total = distribution.integral()
    notes = {
        "distribution": f"{distribution_note}, {_binning(distribution)}",
        "dilution": _dilution_note(dilution, adjusted),
    }
    if concentration is None:
        notes["concentration"] = "no [Results] Average: Σ (distribution * bin width)"
    return ParsedExport(
        instrument=INSTRUMENT,
        software=_software(rows, sections.get("experiment details", [])),
        sample_name=_label_value(sections.get("experiment details", []), "sample name"),
        videos=_videos(sections.get("experiment details", []), per_video),
        dilution_factor=dilution,
        dilution_adjusted=adjusted,
        concentration_per_ml=total if concentration is None else concentration,
        concentration_source="computed" if concentration is None else "reported",
        reported_sizes=_reported_sizes(size_rows),
        distribution=distribution,
        distribution_total_per_ml=total,
        notes=notes,
    )


def _rows(text: str) -> list[Row]:
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[Row] = []
    for cells in reader:
        stripped = [cell.strip() for cell in cells]
        while stripped and not stripped[-1]:
            stripped.pop()
        rows.append((reader.line_num, stripped))
    return rows


def _sections(rows: Sequence[Row]) -> dict[str, list[Row]]:
    """Rows grouped under their `[Label]` (lower-cased); the label row opens its section."""
    sections: dict[str, list[Row]] = {}
    current = sections.setdefault("", [])
    for line, cells in rows:
        if cells and cells[0].startswith("[") and cells[0].endswith("]"):
            current = sections.setdefault(cells[0][1:-1].strip().lower(), [])
        current.append((line, cells))
    return sections


def _size_rows(section: Sequence[Row]) -> list[Row]:
    """The `[Size Data]` statistics rows, up to the `Graph Data` table."""
    rows: list[Row] = []
    for line, cells in section:
        if cells and cells[0].lower() in {"graph data", _BIN_HEADER}:
            break
        rows.append((line, cells))
    weighting = _label_value(rows, "weighting")
    if weighting and weighting.lower() != "number":
        raise ExportFormatError(f"size data is {weighting}-weighted; number weighting is needed")
    return rows


def _find(section: Sequence[Row], label: str) -> list[str] | None:
    """The first row whose label starts with `label` (case-insensitive)."""
    for _line, cells in section:
        if cells and cells[0].lower().startswith(label):
            return cells
    return None


def _label_value(section: Sequence[Row], label: str) -> str:
    cells = _find(section, label)
    return cells[1] if cells is not None and len(cells) > 1 else ""


def _average_column(section: Sequence[Row]) -> int | None:
    """Index of the `Average` column, from the first row of the section that names it."""
    for _line, cells in section:
        lowered = [cell.lower() for cell in cells]
        if "average" in lowered:
            return lowered.index("average")
    return None


def _average(section: Sequence[Row], label: str) -> float | None:
    """The `Average` cell of the row `label`, or None when the file has none."""
    column = _average_column(section)
    cells = _find(section, label)
    if column is None or cells is None or column >= len(cells):
        return None
    return _number(cells[column])


def _reported_sizes(size_rows: Sequence[Row]) -> dict[str, float]:
    column = _average_column(size_rows)
    found: dict[str, float] = {}
    if column is None:
        return found
    for _line, cells in size_rows:
        name = _SIZE_ROWS.get(cells[0].lower()) if cells else None
        value = _number(cells[column]) if name and column < len(cells) else None
        if name and value is not None:
            found[name] = value
    return found


def _software(rows: Sequence[Row], details: Sequence[Row]) -> str:
    """`Created with NTA 3.2 Dev Build 3.2.16` → "NTA 3.2 Dev Build 3.2.16"."""
    for _line, cells in rows[:5]:
        if cells and cells[0].lower().startswith(_CREATED_WITH):
            return cells[0][len(_CREATED_WITH) :].strip()
    version = _label_value(details, "software version")
    return "" if version.lower() == "unknown" else version


def _videos(details: Sequence[Row], per_video_columns: int) -> int | None:
    """Count of per-video columns: the `Filename:` row, else the distribution's columns."""
    cells = _find(details, "filename")
    if cells is not None and any(cells[1:]):
        return sum(1 for cell in cells[1:] if cell)
    return per_video_columns or None


def _dilution(results: Sequence[Row]) -> tuple[str, bool | None]:
    """The dilution factor as written, and what the export says about it.

    True: the row says concentrations are adjusted for this factor and gives a number, so
    the factor is recorded and must never be applied again. False: the row says "Not
    recorded", so no factor went into the concentrations (recorded as "Not recorded").
    None: the export does not say (no such row, or a value that is neither).
    """
    cells = _find(results, "dilution factor")
    if cells is None:
        return "", None
    column = _average_column(results)
    if column is not None and column < len(cells) and cells[column]:
        written = [cells[column]]
    else:
        videos = cells[1:column] if column is not None else cells[1:]
        written = list(dict.fromkeys(cell for cell in videos if cell))
    factor = "; ".join(written)
    if written and all(w.lower() == NOT_RECORDED.lower() for w in written):
        return NOT_RECORDED, False
    says_adjusted = "adjusted" in cells[0].lower()
    if says_adjusted and written and all(_number(w) is not None for w in written):
        return factor, True
    return factor, None


def _dilution_note(factor: str, adjusted: bool | None) -> str:
    if adjusted:
        return (f"concentrations already adjusted by the instrument for dilution factor {factor}; "
                "recorded, never applied again")
    if adjusted is False:
        return ("dilution factor 'Not recorded' in the export: concentrations are as measured; "
                "no factor applied by the instrument or by exoqc")
    return ("the export does not say whether concentrations are dilution-adjusted; "
            "no factor applied")


def _distribution(rows: Sequence[Row]) -> tuple[Distribution, str, int]:
    """The `Bin centre (nm)` table, its provenance note and its count of per-video columns."""
    start = next((i for i, (_, cells) in enumerate(rows) if _is_bin_header(cells)), None)
    if start is None:
        raise ExportFormatError("no 'Bin centre (nm)' size distribution table")
    header = [cell.lower() for cell in rows[start][1]]
    per_video = [i for i, name in enumerate(header) if name.startswith(_PER_VIDEO_CONC)]
    columns = [header.index(_AVERAGE_CONC)] if _AVERAGE_CONC in header else per_video
    if not columns:
        raise ExportFormatError("the size distribution table has no concentration column")
    if _AVERAGE_CONC in header:
        note = "'Concentration average' column"
    else:
        note = f"mean of {len(per_video)} per-video concentration columns (no average column)"
    centres: list[Decimal] = []
    values: list[float] = []
    for line, cells in rows[start + 1 :]:
        centre = _decimal(cells[0]) if cells else None
        if centre is None:
            break
        centres.append(centre)
        values.append(_bin_value(line, cells, columns))
    return Distribution(tuple(centres), tuple(values)), note, len(per_video)


def _is_bin_header(cells: Sequence[str]) -> bool:
    return bool(cells) and cells[0].lower() == _BIN_HEADER


def _bin_value(line: int, cells: Sequence[str], columns: Sequence[int]) -> float:
    values = [_number(cells[i]) if i < len(cells) else None for i in columns]
    present = [v for v in values if v is not None]
    if len(present) != len(values):
        raise ExportFormatError(f"line {line}: size bin {cells[0]} lacks a concentration value")
    return math.fsum(present) / len(present)


def _binning(distribution: Distribution) -> str:
    widths = {round(w, 9) for w in distribution.widths()}
    bins = len(distribution.centres)
    if len(widths) == 1:
        return f"{bins} bins of {format(widths.pop(), 'g')} nm"
    return f"{bins} bins of {min(widths):g}-{max(widths):g} nm"


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _decimal(text: str) -> Decimal | None:
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None
