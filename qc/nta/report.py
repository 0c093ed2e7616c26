"""The `exoqc nta` outputs: the summary CSV, the JSON document and the terminal table.

Each renderer yields text chunks. The CSV has exactly the summary's columns (so that it
can be joined onto batch files); the JSON and the table also say, per statistic, whether
it was reported by the instrument or computed by exoqc from the size distribution.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from qc.nta.model import ROW_COLUMNS, SIZE_STATISTICS, NtaSummary

if TYPE_CHECKING:
    from qc.nta.summarise import NtaRun

STATISTICS = ("concentration_per_ml", *SIZE_STATISTICS, "pct_in_window")
REPORT_VERSION = 1
MIN_WIDTHS = {"batch_id": 14, "software": 14, "dilution_factor": 8}
SOURCE_WORDS = {
    "reported": "reported by the instrument (the file's averages)",
    "computed": "computed by exoqc from the size distribution",
    "missing": "not in the file",
}


def render_csv(run: NtaRun) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(ROW_COLUMNS)
    writer.writerows([list(s.as_row().values()) for s in run.summaries])
    yield buffer.getvalue()


def _row(summary: NtaSummary) -> dict[str, Any]:
    return {
        "batch_id": summary.batch_id,
        "file": summary.file,
        "instrument": summary.instrument,
        "software": summary.software,
        "videos": summary.videos,
        "dilution_factor": summary.dilution_factor,
        "concentration_per_ml": summary.concentration_per_ml,
        "mean_nm": summary.mean_nm,
        "mode_nm": summary.mode_nm,
        "d10_nm": summary.d10_nm,
        "d50_nm": summary.d50_nm,
        "d90_nm": summary.d90_nm,
        "pct_in_window": summary.pct_in_window,
        "window": summary.window,
        "concentration_check": summary.concentration_check,
        "dilution_adjusted": summary.dilution_adjusted,
        "distribution_total_per_ml": summary.distribution_total_per_ml,
        "sources": {k: summary.sources[k] for k in STATISTICS if k in summary.sources},
        "notes": {k: v for k, v in summary.sources.items()
                  if k not in STATISTICS and k != "distribution_total_per_ml"},
    }


def render_json(run: NtaRun) -> Iterator[str]:
    document = {
        "report_version": REPORT_VERSION,
        "tool": {"name": "exoqc", "version": run.tool_version},
        "generated_at": run.generated_at,
        "window": run.window,
        "weighting": "number",
        "inputs": [{"path": f.path, "sha256": f.sha256} for f in run.inputs],
        "sources": {
            "reported": "taken from the export's own averages",
            "computed": "computed by exoqc from the export's size distribution "
                        "(pct_in_window: share of the summed concentration in bins whose "
                        "centre lies in the window, edges inclusive)",
            "missing": "not in the export",
        },
        "summaries": [_row(s) for s in run.summaries],
    }
    yield json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def notes(run: NtaRun) -> list[str]:
    """What the table says under the rows: reported vs computed, dilution, mismatches."""
    lines: list[str] = []
    groups: dict[tuple[tuple[str, str], ...], list[str]] = {}
    for s in run.summaries:
        key = tuple((k, s.sources.get(k, "missing")) for k in STATISTICS)
        groups.setdefault(key, []).append(s.file)
    for key, files in groups.items():
        where = "" if len(groups) == 1 else f"{_names(files)}: "
        listed = {source: [k for k, v in key if v == source] for source in SOURCE_WORDS}
        parts = [f"{SOURCE_WORDS[source]}: {', '.join(names)}"
                 for source, names in listed.items() if names]
        lines.append(where + "; ".join(parts))
    lines.append(f"pct_in_window: number-weighted share of the concentration in bins whose "
                 f"centre lies in {run.window} nm (inclusive)")
    for s in run.summaries:
        lines.append(f"{s.file}: dilution: {s.sources.get('dilution', '')}")
        if s.concentration_check == "mismatch":
            lines.append(f"{s.file}: the summed distribution differs from the reported "
                         "concentration by more than 5 %")
    lines.extend(f"the same batch id comes from {_names(files)}; --join refuses a summary "
                 "with a repeated batch id" for files in run.duplicated_ids().values())
    return lines


def _names(files: Sequence[str]) -> str:
    return ", ".join(files) if len(files) <= 5 else f"{', '.join(files[:5])} and " \
        f"{len(files) - 5} more"


def render_table(run: NtaRun, *, color: bool, width: int) -> Iterator[str]:
    from rich import box
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from qc.render.text import visible

    buffer = io.StringIO()
    console = Console(file=buffer, width=width, force_terminal=color, no_color=not color,
                      color_system="standard" if color else None, highlight=False,
                      emoji=False, markup=False, legacy_windows=False)
    n = len(run.summaries)
    console.print(Text(f"exoqc {run.tool_version} · {n} particle-size "
                       f"export{'s' if n != 1 else ''} · window {run.window} nm", style="dim"))
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, collapse_padding=True)
    headers = {"batch_id": "batch", "software": "instrument", "videos": "videos",
               "dilution_factor": "dilution", "concentration_per_ml": "per mL",
               "mean_nm": "mean", "mode_nm": "mode", "d10_nm": "D10", "d50_nm": "D50",
               "d90_nm": "D90", "pct_in_window": "% window",
               "concentration_check": "conc. check"}
    for key, title in headers.items():
        wide = key in {"batch_id", "software", "dilution_factor"}
        table.add_column(title, justify="left" if wide or key == "concentration_check"
                         else "right", overflow="fold", no_wrap=not wide,
                         ratio=1 if wide else None, min_width=MIN_WIDTHS.get(key))
    for s in run.summaries:
        row = s.as_row()
        same = s.software.casefold().startswith(s.instrument.casefold())
        row["software"] = s.software if same else f"{s.instrument} {s.software}".strip()
        cells = []
        for key in headers:
            style = ""
            if key in STATISTICS and s.sources.get(key) == "computed":
                style = "cyan"
            if key == "concentration_check" and row[key] == "mismatch":
                style = "yellow"
            cells.append(Text(visible(row[key]), style=style))
        table.add_row(*cells)
    console.print(table)
    for line in notes(run):
        console.print(Text(f"note: {visible(line)}", style="dim"))
    yield buffer.getvalue()


FORMATS = {"csv": render_csv, "json": render_json}
