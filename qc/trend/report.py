"""The trend's outputs: a terminal table per attribute, JSON, and an HTML page of charts.

Each yields text in chunks from a Trend; none recomputes anything. Signals (out of
trend) are always listed apart from out-of-spec results.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from qc.render.notation import alert, criterion
from qc.render.text import visible
from qc.trend.analyse import CENSORED_SHARE, NOT_UNIQUE, NOT_VALID, Attribute, Trend
from qc.trend.stats import RULES, Capability

TREND_VERSION = 2  # 2: Ppk named Ppk/PPU/PPL, capability status and caveat, exclusive limits
FORMATS = ("table", "json")
IDENTITY_WHYS = (NOT_UNIQUE, NOT_VALID)
SUFFIXES = {".json": "json", ".html": "html"}


def _num(value: float | None, digits: int = 4) -> str:
    """A statistic for a person: 4 significant digits, 3 in scientific notation."""
    if value is None:
        return "\u2013"
    if value != 0 and not 1e-3 <= abs(value) < 1e6:
        return f"{value:.{max(digits - 1, 1)}e}".replace("e+0", "e+").replace("e-0", "e-")
    return f"{value:.{digits}g}"


def _cap(cap: Capability) -> str:
    return "\u2013" if cap.value is None else f"{cap.value:.2f}"


def _cap_long(cap: Capability) -> str:
    """An index for the HTML page: its value, or why it was not computed."""
    return f"{cap.value:.2f}" if cap.value is not None else f"not computed ({cap.why})"


def _labels(a: Attribute) -> tuple[str, str]:
    """How the two indices are named: Cpk/Ppk, or CPU/PPU (CPL/PPL) for a one-sided spec."""
    if a.chart is not None:
        return a.chart.cpk.kind, a.chart.ppk.kind
    one_sided = (a.rule.lower is None) != (a.rule.upper is None)
    side = "PU" if a.rule.upper is not None else "PL"
    return ("C" + side, "P" + side) if one_sided else ("Cpk", "Ppk")


def status(a: Attribute) -> str:
    if a.chart is None:
        return "not_enough_data"
    return "no_variation" if a.chart.no_variation else "computed"


def in_control(a: Attribute) -> bool | None:
    """False when a Nelson rule signals; None when the rules did not apply."""
    if a.chart is None or a.chart.no_variation:
        return None
    return not a.signals


def caveat(a: Attribute) -> str | None:
    """What a reader of the capability indices must know: the process is not in control,
    or many results are censored (excluded from the statistics)."""
    parts = []
    if in_control(a) is False:
        n = len(a.signals)
        parts.append(f"not in statistical control ({n} trend "
                     f"{'signal' if n == 1 else 'signals'}): the capability indices describe "
                     "past results, not a stable process, and do not predict future batches")
    if a.censored_share:
        k = sum(e.why.startswith("censored") for e in a.excluded)
        parts.append(f"{k} of {a.n + k} results ({a.censored_share:.0%}) are censored and "
                     f"excluded from the statistics (more than {CENSORED_SHARE:.0%}): the "
                     "indices describe only the exact results")
    return "; ".join(parts) or None


def _capability(cap: Capability) -> dict[str, Any]:
    return {"kind": cap.kind, "value": cap.value, "status": cap.status,
            "why": cap.why or None}


def _ids(trend: Trend, positions: Sequence[int]) -> list[str]:
    return [trend.batch_ids[p] for p in positions]


# --- JSON ------------------------------------------------------------------------------


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def to_dict(trend: Trend) -> dict[str, Any]:
    """The trend as JSON-ready data (schema in docs/trend.md)."""
    spec = trend.spec
    attributes = []
    for a in trend.attributes:
        c = a.chart
        attributes.append({
            "check": a.check.name,
            "column": a.check.column,
            "unit": a.rule.unit,
            "criterion": criterion(a.check),
            "spec_limits": {k: _float(getattr(a.rule, k))
                            for k in ("min", "max", "min_exclusive", "max_exclusive",
                                      "warn_min", "warn_max")},
            "status": status(a),
            "note": a.note or None,
            "n": a.n,
            "excluded": [{"batch_id": trend.batch_ids[e.position],
                          "source": trend.sources[e.position], "value": e.value, "why": e.why}
                         for e in a.excluded],
            "mean": c.mean if c else None,
            "mr_bar": c.mr_bar if c else None,
            "sigma_within": c.sigma_within if c else None,
            "sigma_overall": c.sigma_overall if c else None,
            "lcl": c.lcl if c else None,
            "ucl": c.ucl if c else None,
            "cpk": _capability(c.cpk) if c else None,
            "ppk": _capability(c.ppk) if c else None,
            "in_control": in_control(a),
            "caveat": caveat(a),
            "signals": [{"rule": s.rule, "description": RULES[s.rule],
                         "batches": _ids(trend, s.points)} for s in a.signals],
            "out_of_spec": _ids(trend, a.out_of_spec.tolist()),
            "alerts": _ids(trend, a.in_alert.tolist()),
        })
    return {
        "trend_version": TREND_VERSION,
        "tool": {"name": "exoqc", "version": trend.tool_version},
        "spec": {"name": spec.name, "version": spec.version, "title": spec.title,
                 "path": spec.files[0].path, "sha256": spec.files[0].sha256},
        "inputs": [{"path": f.path, "sha256": f.sha256, "rows": f.rows} for f in trend.inputs],
        "generated_at": trend.generated_at,
        "order_by": trend.order_by,
        "summary": {
            "batches": len(trend.batch_ids),
            "attributes": len(trend.attributes),
            "signals": trend.signal_count,
            "out_of_spec": sum(len(a.out_of_spec) for a in trend.attributes),
        },
        "attributes": attributes,
        "notes": list(trend.notes),
    }


def render_json(trend: Trend) -> Iterator[str]:
    yield json.dumps(to_dict(trend), indent=2, ensure_ascii=False) + "\n"


# --- terminal --------------------------------------------------------------------------


def _batches(trend: Trend, positions: Sequence[int]) -> str:
    ids = [visible(i) for i in _ids(trend, positions)]
    if len(ids) <= 6:
        return ", ".join(ids)
    return f"{ids[0]} \u2026 {ids[-1]} ({len(ids)} batches)"


def render_table(trend: Trend, *, color: bool, width: int) -> Iterator[str]:
    from rich import box
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    buffer = io.StringIO()
    console = Console(file=buffer, width=width, force_terminal=color, no_color=not color,
                      color_system="standard" if color else None, highlight=False,
                      emoji=False, markup=False, legacy_windows=False)
    spec = trend.spec
    files = ", ".join(visible(f.path) for f in trend.inputs)
    order = f"ordered by {visible(trend.order_by)}" if trend.order_by else "in file order"
    console.print(Text(f"exoqc {trend.tool_version} · spec {visible(spec.name)} "
                       f"{visible(spec.version)} · {files} · {order}", style="dim"))
    n_oos = sum(len(a.out_of_spec) for a in trend.attributes)
    line = Text()
    line.append(f"{trend.signal_count} trend {'signal' if trend.signal_count == 1 else 'signals'}",
                style="bold yellow" if trend.signal_count else "green")
    line.append(f" and {n_oos} out-of-spec {'result' if n_oos == 1 else 'results'} in "
                f"{len(trend.batch_ids)} batches, {len(trend.attributes)} attributes")
    console.print(line)
    for a in trend.attributes:
        unit = f" ({a.rule.unit})" if a.rule.unit else ""
        title = f"{a.check.name}{unit}: {criterion(a.check)}"
        table = Table(title=Text(visible(title), style="bold"), title_justify="left",
                      box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
        cpk, ppk = _labels(a)
        c = a.chart
        for name in ("n", "excl.", "mean", "\u03c3 within", "\u03c3 overall", "LCL", "UCL",
                     cpk, ppk, "signals", "OOS"):
            table.add_column(name, justify="right", no_wrap=True)
        if c is None:
            table.add_row(str(a.n), str(len(a.excluded)), *(["\u2013"] * 7), "\u2013",
                          str(len(a.out_of_spec)))
        else:
            table.add_row(str(a.n), str(len(a.excluded)), _num(c.mean), _num(c.sigma_within),
                          _num(c.sigma_overall), _num(c.lcl), _num(c.ucl), _cap(c.cpk),
                          _cap(c.ppk), str(len(a.signals)), str(len(a.out_of_spec)))
        console.print(table)
        if a.note:
            console.print(Text(f"  {a.note}", style="yellow"))
        if c is not None and (unknown := [x for x in (c.cpk, c.ppk) if x.value is None]):
            console.print(Text(f"  {' and '.join(x.kind for x in unknown)}: not computed "
                               f"({unknown[0].why})", style="yellow"))
        if warning := caveat(a):
            console.print(Text(f"  caveat on {cpk} and {ppk}: {warning}", style="yellow"))
        for s in a.signals:
            console.print(Text(f"  signal, rule {s.rule} ({RULES[s.rule]}): "
                               f"{_batches(trend, s.points)}", style="yellow"))
        if len(a.out_of_spec):
            console.print(Text(f"  out of spec: {_batches(trend, a.out_of_spec.tolist())}",
                               style="red"))
        censored = [e.position for e in a.excluded if e.why.startswith("censored")]
        no_id = [e.position for e in a.excluded if e.why.startswith(IDENTITY_WHYS)]
        other = [e.position for e in a.excluded
                 if not e.why.startswith(("censored", *IDENTITY_WHYS))]
        if no_id:
            console.print(Text(f"  excluded, batch id not unique or not valid: "
                               f"{_batches(trend, no_id)}", style="dim"))
        if censored:
            console.print(Text(f"  excluded, censored: {_batches(trend, censored)}",
                               style="dim"))
        if other:
            console.print(Text(f"  excluded, no usable value: {_batches(trend, other)}",
                               style="dim"))
    for note in trend.notes:
        console.print(Text(f"note: {visible(note)}", style="dim"))
    yield "".join(line.rstrip(" ") + "\n" for line in buffer.getvalue().splitlines())


# --- HTML ------------------------------------------------------------------------------


def render_html(trend: Trend) -> Iterator[str]:
    from qc.render.html import charts
    from qc.render.html.pages import render_page, safe
    from qc.render.html.report import float_limits

    n = len(trend.batch_ids)
    sections = []
    for k, a in enumerate(trend.attributes):
        values = np.full(n, np.nan)
        values[a.positions] = a.values
        flagged = np.zeros(n, dtype=bool)
        for s in a.signals:
            flagged[list(s.points)] = True
        oos = np.zeros(n, dtype=bool)
        oos[a.out_of_spec] = True
        c = a.chart
        excluded = charts.Points(a.excluded_lo, a.excluded_hi, ~np.isnan(a.excluded_lo))
        svg = charts.control_chart(
            a.check.name, a.rule.unit, values, c.mean if c else None,
            c.ucl if c and c.sigma_within > 0 else None,
            c.lcl if c and c.sigma_within > 0 else None, flagged, oos, float_limits(a.rule),
            list(trend.dates) if trend.dates else None, salt=f"exoqc-trend-{k}",
            excluded=excluded)
        sections.append({
            "name": a.check.name,
            "unit": a.rule.unit or "",
            "criterion": criterion(a.check),
            "alert": alert(a.check),
            "n": a.n,
            "note": a.note,
            "stats": None if c is None else [
                ("Mean (centre line)", _num(c.mean, 6)),
                ("Mean moving range", _num(c.mr_bar, 6)),
                ("\u03c3 within (MR-bar / 1.128)", _num(c.sigma_within, 6)),
                ("\u03c3 overall (sample)", _num(c.sigma_overall, 6)),
                ("Lower control limit", _num(c.lcl, 6)),
                ("Upper control limit", _num(c.ucl, 6)),
                (c.cpk.kind + " (within \u03c3)", _cap_long(c.cpk)),
                (c.ppk.kind + " (overall \u03c3)", _cap_long(c.ppk)),
            ],
            "caveat": caveat(a),
            "indices": "{} and {}".format(*_labels(a)),
            "svg": safe(svg),
            "signals": [{"rule": s.rule, "text": RULES[s.rule],
                         "batches": ", ".join(_ids(trend, s.points))} for s in a.signals],
            "out_of_spec": ", ".join(_ids(trend, a.out_of_spec.tolist())),
            "excluded": [{"batch_id": trend.batch_ids[e.position], "value": e.value or "",
                          "why": e.why} for e in a.excluded],
        })
    spec = trend.spec
    yield from render_page(
        "trend.html.j2",
        tool_version=trend.tool_version,
        generated_at=trend.generated_at,
        spec={"name": spec.name, "version": spec.version, "title": spec.title,
              "status": getattr(spec, "status", "") or "", "path": spec.files[0].path,
              "sha256": spec.files[0].sha256},
        inputs=trend.inputs,
        order_by=trend.order_by,
        signal_count=trend.signal_count,
        oos_count=sum(len(a.out_of_spec) for a in trend.attributes),
        attributes=sections,
        batches=[{"number": i + 1, "batch_id": trend.batch_ids[i], "source": trend.sources[i],
                  "date": trend.dates[i] if trend.dates else ""} for i in range(n)],
        notes=trend.notes,
    )
