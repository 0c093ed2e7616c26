"""SVG charts for the HTML pages: results across batches, and control charts.

matplotlib (Agg, no display) draws each chart to an SVG string that the page inlines.
It is imported only here, and this module only when an HTML page is asked for. Output
is deterministic: ids come from a fixed salt per chart (unique within a page), the date
and creator metadata are left out, and text stays text (`svg.fonttype: none`), so no
glyph definitions repeat between charts. No text from the data is drawn: points are
numbered, and the page says which batch each number is. Only spec names, units,
numbers and validated dates reach matplotlib, so no cell can be read as mathtext.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from typing import Any

import msgspec
import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]

# Colours are paired with marker shapes, so a chart reads in grey print too.
PASS = "#1f5f99"
WARN = "#b86e00"
FAIL = "#c0182c"
SIGNAL = "#7b3fa0"
LIMIT = "#c0182c"
ALERT_BAND = "#f6d58e"
CONTROL = "#4d4d4d"
WIDTH, HEIGHT = 7.2, 2.6  # inches; the page scales the SVG to its column


class Limits(msgspec.Struct, frozen=True):
    """The spec's limits of one check, as floats in the check's unit."""

    min: float | None = None
    max: float | None = None
    warn_min: float | None = None
    warn_max: float | None = None


class Points(msgspec.Struct, frozen=True):
    """One value per batch, in plotting order. Censored values: lo or hi is infinite."""

    lo: Floats
    hi: Floats
    valid: Bools


def _figure() -> tuple[Any, Any]:
    from matplotlib.figure import Figure  # Agg-backed; no pyplot, no display

    fig = Figure(figsize=(WIDTH, HEIGHT), dpi=72)
    ax = fig.add_axes((0.09, 0.2, 0.78, 0.66))
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(labelsize=8)
    ax.grid(axis="y", color="#e6e6e6", linewidth=0.6)
    ax.set_axisbelow(True)
    return fig, ax


def _rc(salt: str) -> Any:
    """Settings for the whole life of one chart: text is never mathtext, ids are salted."""
    import matplotlib

    rc: Any = {"svg.hashsalt": salt, "svg.fonttype": "none", "font.family": "DejaVu Sans",
               "text.parse_math": False}
    return matplotlib.rc_context(rc)


def _svg(fig: Any, prefix: str) -> str:
    """The figure as inline SVG, every element id prefixed so charts share a page safely."""
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None})
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg"):]  # drop the XML prolog and DOCTYPE: the SVG goes inline
    svg = re.sub(r"\s*<metadata>.*?</metadata>", "", svg, flags=re.S)
    svg = re.sub(r'<svg ([^>]*?)width="[^"]*" height="[^"]*"',
                 r'<svg \1role="img" focusable="false"', svg, count=1)
    ids = set(re.findall(r'\bid="([^"]+)"', svg))
    return re.sub(r'(\bid="|url\(#|href="#)([^")]+)',
                  lambda m: m[1] + (prefix + m[2] if m[2] in ids else m[2]), svg)


def _use_log(values: Sequence[float]) -> bool:
    finite = [v for v in values if np.isfinite(v)]
    return bool(finite) and min(finite) > 0 and max(finite) / min(finite) >= 100


Label = tuple[float, str, str]  # a horizontal line's value, name and colour


def _limits(ax: Any, limits: Limits) -> list[Label]:
    """Draw the spec's action limits and alert band; return the labels to place later."""
    spans = []
    if limits.min is not None and limits.warn_min is not None and limits.warn_min > limits.min:
        spans.append((limits.min, limits.warn_min))
    if limits.max is not None and limits.warn_max is not None and limits.warn_max < limits.max:
        spans.append((limits.warn_max, limits.max))
    for lo, hi in spans:
        ax.axhspan(lo, hi, color=ALERT_BAND, alpha=0.55, linewidth=0, label=None)
    labels: list[Label] = []
    for value, name in ((limits.min, "min"), (limits.max, "max")):
        if value is not None:
            ax.axhline(value, color=LIMIT, linewidth=1.2, linestyle="--")
            labels.append((value, f"{name} {plain_number(value, 6)}", LIMIT))
    for value in (limits.warn_min, limits.warn_max):
        if value is not None:
            ax.axhline(value, color=WARN, linewidth=0.8, linestyle=":")
    return labels


def _place(ax: Any, labels: list[Label]) -> None:
    for value, text, color in labels:
        _label(ax, value, text, color)


def _zoom(ax: Any, seen: list[float], limits: Limits) -> list[str]:
    """Fit the y axis to the process (results and control limits), taking in a spec limit
    only when it is near; return the names of the limits left off the scale, so a drift
    stays visible when the spec is wide."""
    if not seen:
        return []
    low, high = min(seen), max(seen)
    span = (high - low) or abs(high) * 0.1 or 1.0
    low, high = low - 0.15 * span, high + 0.15 * span
    off = []
    for value, name in ((limits.min, "min"), (limits.max, "max"), (limits.warn_min, "alert"),
                        (limits.warn_max, "alert")):
        if value is None:
            continue
        if low - span <= value <= high + span:
            low, high = min(low, value - 0.05 * span), max(high, value + 0.05 * span)
        elif name != "alert":
            off.append(f"{name} {plain_number(value, 6)}")
    ax.set_ylim(low, high)
    return off


def _label(ax: Any, value: float, text: str, color: str) -> None:
    """A line's name just right of the plot, level with the line (if the line is in view)."""
    low, high = ax.get_ylim()
    if not min(low, high) <= value <= max(low, high):
        return
    ax.annotate(text, (1.0, value), xycoords=("axes fraction", "data"), xytext=(3, 0),
                textcoords="offset points", ha="left", va="center", fontsize=7, color=color,
                annotation_clip=False)


def _censored(ax: Any, x: Floats, pts: Points, color: str, label: str | None) -> None:
    """Open markers at the bound: pointing down for `<x`, up for `>x`."""
    below = pts.valid & np.isinf(pts.lo) & np.isfinite(pts.hi)
    above = pts.valid & np.isinf(pts.hi) & np.isfinite(pts.lo)
    if below.any():
        ax.scatter(x[below], pts.hi[below], marker="v", facecolors="none", edgecolors=color,
                   s=36, linewidths=1.2, zorder=4, label=label)
        label = None
    if above.any():
        ax.scatter(x[above], pts.lo[above], marker="^", facecolors="none", edgecolors=color,
                   s=36, linewidths=1.2, zorder=4, label=label)


def _x_axis(ax: Any, n: int, labels: Sequence[str] | None) -> None:
    ax.set_xlim(0.3, n + 0.7)
    if labels is not None and n:
        step = max(1, n // 8)
        ticks = list(range(1, n + 1, step))
        ax.set_xticks(ticks, [labels[t - 1] for t in ticks], rotation=30, ha="right")
    else:
        from matplotlib.ticker import MaxNLocator

        ax.xaxis.set_major_locator(MaxNLocator(nbins=10, integer=True))
        ax.set_xlabel("batch no.", fontsize=8)


def plain_number(value: float, digits: int = 4) -> str:
    """A tick label as plain text: `120`, `0.05`, `2.5e10`, `1e-5` (no TeX, no `e+`)."""
    text = f"{value:.{digits}g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = f"{mantissa}e{int(exponent)}"
    return text


def _y_axis(ax: Any) -> None:
    """Tick labels that carry their own exponent (2e10), never a detached offset text, and
    are plain text on a log axis too (matplotlib's default there is TeX: `10^{13}`)."""
    if ax.get_yscale() == "linear":
        from matplotlib.ticker import FuncFormatter

        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: plain_number(v)))
    else:
        ax.yaxis.set_major_formatter(_plain_log_formatter(label_only_base=True))
        ax.yaxis.set_minor_formatter(_plain_log_formatter(label_only_base=False))


def _plain_log_formatter(*, label_only_base: bool) -> Any:
    """matplotlib's LogFormatter (it chooses which ticks get a label) writing plain text."""
    from matplotlib.ticker import LogFormatter

    class PlainLog(LogFormatter):
        def _num_to_string(self, x: float, vmin: float, vmax: float) -> str:
            return plain_number(x, 3)

    return PlainLog(base=10.0, labelOnlyBase=label_only_base)


def _legend(ax: Any) -> None:
    handles, names = ax.get_legend_handles_labels()
    if handles:
        ax.legend(handles, names, loc="lower right", bbox_to_anchor=(1.0, 1.0), fontsize=7,
                  frameon=False, ncols=len(handles), handletextpad=0.3, columnspacing=1.0,
                  borderaxespad=0.2)


def _results_chart(title: str, unit: str | None, pts: Points, status: npt.NDArray[np.int8],
                   limits: Limits, prefix: str) -> str:
    fig, ax = _figure()
    n = len(pts.lo)
    x = np.arange(1, n + 1, dtype=np.float64)
    exact = pts.valid & np.isfinite(pts.lo) & np.isfinite(pts.hi) & (pts.lo == pts.hi)
    plotted = [*pts.lo[exact].tolist(), *[v for v in (limits.min, limits.max) if v is not None]]
    if _use_log(plotted):
        ax.set_yscale("log")
    labels = _limits(ax, limits)
    for code, color, marker, label in ((0, PASS, "o", "conforms"), (1, WARN, "s", "alert"),
                                       (2, FAIL, "X", "does not conform")):
        chosen = exact & (status == code)
        if chosen.any():
            ax.scatter(x[chosen], pts.lo[chosen], marker=marker, color=color,
                       s=40 if code == 2 else 22, zorder=5, label=label)
    for code, color in ((0, PASS), (1, WARN), (2, FAIL)):
        chosen = Points(pts.lo, pts.hi, pts.valid & ~exact & (status == code))
        _censored(ax, x, chosen, color, "censored (<, >)" if code == 0 else None)
    _y_axis(ax)
    _place(ax, labels)
    ax.set_title(title + (f" ({unit})" if unit else ""), fontsize=9, loc="left")
    _x_axis(ax, n, None)
    _legend(ax)
    return _svg(fig, prefix)


def _control_chart(title: str, unit: str | None, values: Floats, centre: float | None,
                   ucl: float | None, lcl: float | None, flagged: Bools, oos: Bools,
                   limits: Limits, labels: Sequence[str] | None, excluded: Points | None,
                   prefix: str) -> str:
    fig, ax = _figure()
    n = len(values)
    x = np.arange(1, n + 1, dtype=np.float64)
    finite = np.isfinite(values)
    names = _limits(ax, limits)
    ax.plot(x[finite], values[finite], color="#9bb3cc", linewidth=0.8, zorder=2)
    normal = finite & ~oos
    ax.scatter(x[normal], values[normal], marker="o", color=PASS, s=16, zorder=5,
               label="result")
    if (flagged & finite).any():
        ax.scatter(x[flagged & finite], values[flagged & finite], marker="o",
                   facecolors="none", edgecolors=SIGNAL, s=90, linewidths=1.4, zorder=6,
                   label="trend signal")
    if (oos & finite).any():
        ax.scatter(x[oos & finite], values[oos & finite], marker="X", color=FAIL, s=40,
                   zorder=7, label="out of spec")
    if excluded is not None:
        _censored(ax, x, excluded, CONTROL, "censored (excluded)")
    if centre is not None:
        ax.axhline(centre, color=CONTROL, linewidth=1.0)
        names.append((centre, f"mean {plain_number(centre)}", CONTROL))
    for value, name in ((ucl, "UCL"), (lcl, "LCL")):
        if value is not None:
            ax.axhline(value, color=CONTROL, linewidth=0.9, linestyle=(0, (6, 3)))
            names.append((value, f"{name} {plain_number(value)}", CONTROL))
    seen = [*values[finite].tolist(), *[v for v in (centre, ucl, lcl) if v is not None]]
    if excluded is not None:
        bounds = np.where(np.isinf(excluded.lo), excluded.hi, excluded.lo)[excluded.valid]
        seen += bounds[np.isfinite(bounds)].tolist()
    off = _zoom(ax, seen, limits)
    _y_axis(ax)
    _place(ax, names)
    note = f"; off scale: {', '.join(off)}" if off else ""
    ax.set_title(title + (f" ({unit})" if unit else "") + note, fontsize=9, loc="left")
    _x_axis(ax, n, labels)
    _legend(ax)
    return _svg(fig, prefix)


def results_chart(title: str, unit: str | None, pts: Points, status: npt.NDArray[np.int8],
                  limits: Limits, salt: str) -> str:
    """Each batch's result for one numeric check, with its limits and alert band.

    `status` is each batch's status for this check (0 pass, 1 warn, 2 fail), as decided
    by the engine; the chart only draws it. `salt` must be unique within a page.
    """
    with _rc(salt):
        return _results_chart(title, unit, pts, status, limits, salt + "-")


def control_chart(title: str, unit: str | None, values: Floats, centre: float | None,
                  ucl: float | None, lcl: float | None, flagged: Bools, oos: Bools,
                  limits: Limits, labels: Sequence[str] | None, salt: str,
                  excluded: Points | None = None) -> str:
    """An individuals chart in time order (NaN where a batch has no exact value): centre
    line, control limits, spec limits, points in Nelson-rule signals ringed, out-of-spec
    points crossed. `excluded` are the censored results left out of the statistics,
    drawn open at their bound."""
    with _rc(salt):
        return _control_chart(title, unit, values, centre, ucl, lcl, flagged, oos, limits,
                              labels, excluded, salt + "-")
