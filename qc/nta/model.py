"""What an instrument export yields: the binned distribution, the parsed export, the summary."""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from decimal import Decimal
from types import MappingProxyType

import msgspec

from qc.errors import ExportFormatError

DEFAULT_WINDOW: tuple[Decimal, Decimal] = (Decimal(30), Decimal(150))
# Relative gap allowed between the distribution's total and the reported concentration
# (with 1-nm bins the two agree closely; more than ±5 % means a truncated or mis-read export).
CONCENTRATION_TOLERANCE = 0.05
SIZE_STATISTICS = ("mean_nm", "mode_nm", "d10_nm", "d50_nm", "d90_nm")
_PERCENTILES = {"d10_nm": 0.10, "d50_nm": 0.50, "d90_nm": 0.90}

ROW_COLUMNS = (
    "batch_id",
    "file",
    "instrument",
    "software",
    "videos",
    "dilution_factor",
    "concentration_per_ml",
    "mean_nm",
    "mode_nm",
    "d10_nm",
    "d50_nm",
    "d90_nm",
    "pct_in_window",
    "window",
    "concentration_check",
)


class Distribution(msgspec.Struct, frozen=True):
    """A number-weighted size distribution: bin centres (nm) and one value per bin."""

    centres: tuple[Decimal, ...]
    values: tuple[float, ...]

    def __post_init__(self) -> None:
        if len(self.centres) != len(self.values):
            raise ExportFormatError("size distribution has unequal bin and value counts")
        if len(self.centres) < 2:
            raise ExportFormatError("size distribution has fewer than 2 bins")
        if any(b <= a for a, b in itertools.pairwise(self.centres)):
            raise ExportFormatError("size distribution bin centres do not increase")
        if any(v < 0 or not math.isfinite(v) for v in self.values):
            raise ExportFormatError("size distribution has a negative or non-finite value")

    def edges(self) -> tuple[float, ...]:
        """Bin edges halfway between centres; the outer bins mirror their neighbour's width."""
        c = self.centres
        inner = [(a + b) / 2 for a, b in itertools.pairwise(c)]
        first = c[0] - (c[1] - c[0]) / 2
        last = c[-1] + (c[-1] - c[-2]) / 2
        return tuple(float(e) for e in (first, *inner, last))

    def widths(self) -> tuple[float, ...]:
        e = self.edges()
        return tuple(b - a for a, b in itertools.pairwise(e))

    def total(self) -> float:
        return math.fsum(self.values)

    def integral(self) -> float:
        """Σ (value * bin width): the total concentration when values are per nm of bin."""
        return math.fsum(v * w for v, w in zip(self.values, self.widths(), strict=True))

    def pct_in(self, window: tuple[Decimal, Decimal]) -> float | None:
        """Share (%) of the bins whose centre lies in the inclusive window."""
        lo, hi = window
        total = self.total()
        if total <= 0:
            return None
        inside = math.fsum(
            v for c, v in zip(self.centres, self.values, strict=True) if lo <= c <= hi
        )
        return inside / total * 100

    def mean(self) -> float | None:
        total = self.total()
        if total <= 0:
            return None
        return (
            math.fsum(float(c) * v for c, v in zip(self.centres, self.values, strict=True)) / total
        )

    def mode(self) -> float | None:
        if self.total() <= 0:
            return None
        peak = max(range(len(self.values)), key=self.values.__getitem__)
        return float(self.centres[peak])

    def percentile(self, fraction: float) -> float | None:
        """Size below which `fraction` of the particles lie, linear within the crossing bin."""
        total = self.total()
        if total <= 0:
            return None
        target = fraction * total
        edges = self.edges()
        below = 0.0
        for i, value in enumerate(self.values):
            if value > 0 and below + value >= target:
                return edges[i] + (edges[i + 1] - edges[i]) * (target - below) / value
            below += value
        return edges[-1]

    def statistic(self, name: str) -> float | None:
        """One of SIZE_STATISTICS computed from the bins."""
        if name == "mean_nm":
            return self.mean()
        if name == "mode_nm":
            return self.mode()
        return self.percentile(_PERCENTILES[name])


class ParsedExport(msgspec.Struct, frozen=True):
    """What a parser read from one export, before any statistic is computed."""

    instrument: str
    software: str
    sample_name: str
    videos: int | None
    dilution_factor: str
    dilution_adjusted: bool | None  # see nanosight._dilution
    concentration_per_ml: float | None
    concentration_source: str  # "reported" (the instrument's total), "computed" or "missing"
    reported_sizes: Mapping[str, float]  # keys from SIZE_STATISTICS found in the file
    distribution: Distribution
    distribution_total_per_ml: float
    notes: Mapping[str, str] = msgspec.field(default_factory=dict)


class NtaSummary(msgspec.Struct, frozen=True):
    """One particle-size export, reduced to the figures a batch check needs.

    `sources` maps each statistic (concentration_per_ml, mean_nm, mode_nm, d10_nm, d50_nm,
    d90_nm, pct_in_window, distribution_total_per_ml) to "reported" (the file's own average) or
    "computed" (from the binned distribution); concentration_per_ml may also be "missing". Its
    other keys (batch_id, distribution, dilution, …) are plain-text notes on where a value came
    from.
    """

    batch_id: str
    file: str
    instrument: str
    software: str
    videos: int | None
    dilution_factor: str
    dilution_adjusted: bool | None  # see nanosight._dilution
    concentration_per_ml: float | None
    mean_nm: float | None
    mode_nm: float | None
    d10_nm: float | None
    d50_nm: float | None
    d90_nm: float | None
    pct_in_window: float | None
    window: str
    concentration_check: str
    distribution_total_per_ml: float | None
    sources: Mapping[str, str]

    def __post_init__(self) -> None:
        msgspec.structs.force_setattr(self, "sources", MappingProxyType(dict(self.sources)))

    def as_row(self) -> dict[str, str]:
        """The output columns, in order, as text; a missing value is ""."""
        return {
            "batch_id": self.batch_id,
            "file": self.file,
            "instrument": self.instrument,
            "software": self.software,
            "videos": "" if self.videos is None else str(self.videos),
            "dilution_factor": self.dilution_factor,
            "concentration_per_ml": _fmt(self.concentration_per_ml, ".2E"),
            "mean_nm": _fmt(self.mean_nm, ".1f"),
            "mode_nm": _fmt(self.mode_nm, ".1f"),
            "d10_nm": _fmt(self.d10_nm, ".1f"),
            "d50_nm": _fmt(self.d50_nm, ".1f"),
            "d90_nm": _fmt(self.d90_nm, ".1f"),
            "pct_in_window": _fmt(self.pct_in_window, ".2f"),
            "window": self.window,
            "concentration_check": self.concentration_check,
        }


def _fmt(value: float | None, spec: str) -> str:
    return "" if value is None else format(value, spec)


def format_window(window: tuple[Decimal, Decimal]) -> str:
    """`(Decimal(30), Decimal(150))` → "30-150"."""
    return "-".join(format(edge.normalize(), "f") for edge in window)


def check_window(window: tuple[Decimal, Decimal]) -> None:
    lo, hi = window
    if not (lo.is_finite() and hi.is_finite()) or lo < 0 or lo > hi:
        raise ValueError(f"size window must be 0 <= low <= high, got {lo}-{hi}")


def concentration_check(reported: float | None, distribution_total: float | None) -> str:
    """Say "ok" when the distribution's total is within 5 % of the reported one, else "mismatch"."""
    if reported is None or distribution_total is None:
        return "n/a"
    if reported == 0:
        return "ok" if distribution_total == 0 else "mismatch"
    gap = abs(distribution_total - reported) / abs(reported)
    return "ok" if gap <= CONCENTRATION_TOLERANCE else "mismatch"


def summarise_export(
    export: ParsedExport,
    *,
    file: str,
    batch_id: str,
    batch_id_source: str,
    window: tuple[Decimal, Decimal],
) -> NtaSummary:
    """Fill each statistic from the file when it reports one, else from the distribution."""
    dist = export.distribution
    # notes first, so that no note can stand in for a statistic's "reported"/"computed"
    sources: dict[str, str] = {**export.notes, "batch_id": batch_id_source}
    sizes: dict[str, float | None] = {}
    for name in SIZE_STATISTICS:
        if name in export.reported_sizes:
            sizes[name] = export.reported_sizes[name]
            sources[name] = "reported"
        else:
            sizes[name] = dist.statistic(name)
            sources[name] = "computed"
    concentration = export.concentration_per_ml
    reported = concentration if export.concentration_source == "reported" else None
    check = concentration_check(reported, export.distribution_total_per_ml)
    sources["concentration_per_ml"] = export.concentration_source
    sources["pct_in_window"] = "computed"
    sources["distribution_total_per_ml"] = "computed"
    return NtaSummary(
        batch_id=batch_id,
        file=file,
        instrument=export.instrument,
        software=export.software,
        videos=export.videos,
        dilution_factor=export.dilution_factor,
        dilution_adjusted=export.dilution_adjusted,
        concentration_per_ml=concentration,
        mean_nm=sizes["mean_nm"],
        mode_nm=sizes["mode_nm"],
        d10_nm=sizes["d10_nm"],
        d50_nm=sizes["d50_nm"],
        d90_nm=sizes["d90_nm"],
        pct_in_window=dist.pct_in(window),
        window=format_window(window),
        concentration_check=check,
        distribution_total_per_ml=export.distribution_total_per_ml,
        sources=sources,
    )
