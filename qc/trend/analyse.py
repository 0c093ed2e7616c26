"""Run a trend analysis: load, order the batches, and chart every numeric check. No printing.

The values are those the engine read for `exoqc check` (each result's `readings`: never
cell text read again, so a derived attribute is trended on its computed value, not its
display text), and whether a result is out of spec or in alert comes from the engine
itself, so the trend page and the conformance report never disagree. Only exact results
enter the statistics: censored values (`<0.25`), missing and unreadable cells are listed
as excluded, never substituted.
"""

from __future__ import annotations

import datetime as dt
import os

import msgspec
import numpy as np
import numpy.typing as npt
from msgspec.structs import replace

from qc.errors import InputError, SpecError
from qc.model import Check, CheckResult, Codes, InputFile, Limits, Reading, Reason, Spec, Status
from qc.trend import stats

Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]
Ints = npt.NDArray[np.int64]


class TrendOptions(msgspec.Struct, frozen=True):
    """Everything `exoqc trend` was asked to do, as plain data."""

    inputs: tuple[str, ...]
    spec: str
    by: str | None = None
    decimal_comma: bool = False
    stdin: bytes | None = None


class Excluded(msgspec.Struct, frozen=True):
    """A batch left out of one attribute's statistics, and why."""

    position: int  # in the trend's order, 0-based
    value: str | None
    why: str


class Attribute(msgspec.Struct, frozen=True, eq=False):
    """One numeric check over the batches in time order.

    `values` holds only the exact results (positions in `positions`); the chart, signals
    and capability are computed on them. `signals` name positions in the trend's order.
    """

    check: Check
    rule: Limits
    positions: Ints
    values: Floats
    status: Codes  # per batch (trend order): the engine's status for this check
    reason: Codes
    excluded: tuple[Excluded, ...]
    excluded_lo: Floats  # per batch (trend order): the censored bounds, for drawing
    excluded_hi: Floats
    chart: stats.Chart | None
    signals: tuple[stats.Signal, ...]
    note: str = ""
    censored_share: float = 0.0  # share of censored results when above CENSORED_SHARE

    @property
    def n(self) -> int:
        return len(self.values)

    @property
    def out_of_spec(self) -> Ints:
        """Positions (trend order) of results outside the action limits, censored ones too."""
        oos = (self.status == Status.FAIL) & (self.reason == Reason.OUT_OF_SPEC)
        return np.flatnonzero(oos).astype(np.int64)

    @property
    def in_alert(self) -> Ints:
        return np.flatnonzero(self.status == Status.WARN).astype(np.int64)


class Trend(msgspec.Struct, frozen=True, eq=False):
    """Every numeric check of a spec charted over a history of batches."""

    spec: Spec
    inputs: tuple[InputFile, ...]
    order_by: str | None
    batch_ids: tuple[str, ...]  # in trend order
    sources: tuple[str, ...]  # "file row N", in trend order
    dates: tuple[str, ...] | None  # the --by column as written, in trend order
    attributes: tuple[Attribute, ...]
    tool_version: str
    generated_at: str
    notes: tuple[str, ...] = ()

    @property
    def signal_count(self) -> int:
        return sum(len(a.signals) for a in self.attributes)


def run_trend(options: TrendOptions) -> Trend:
    from qc import __version__
    from qc.engine.evaluate import Options, evaluate
    from qc.gmp.provenance import utc_now
    from qc.inputs.read import load_table
    from qc.model import header_key
    from qc.spec import load_spec

    spec = load_spec(options.spec)
    refuse_repeated_paths(options.inputs)
    numeric = tuple(c for c in spec.checks if isinstance(c.rule, Limits))
    if not numeric:
        raise SpecError(f"{spec.files[0].path}: no check with min/max limits, nothing to trend")
    table = load_table(options.inputs, stdin=options.stdin)
    report = evaluate(replace(spec, checks=numeric), table,
                      options=Options(decimal_comma=options.decimal_comma),
                      tool_version=__version__, generated_at=utc_now())
    paths = [f.path for f in table.inputs]
    # One entry per batch: with replicate or retest rows a batch's first row stands for it
    # (its reportable result is what the engine decided).
    place = {(int(k), int(r)): i for i, (k, r) in enumerate(
        zip(table.input_index.tolist(), table.rows.tolist(), strict=True))}
    first = [place[(int(k), int(r))] for k, r in
             zip(report.input_index.tolist(), report.rows.tolist(), strict=True)]
    sources = [f"{paths[int(k)]} row {int(r)}" for k, r in
               zip(report.input_index.tolist(), report.rows.tolist(), strict=True)]
    order = np.arange(len(first), dtype=np.int64)
    dates: tuple[str, ...] | None = None
    if options.by is not None:
        key = header_key(options.by)
        lacking = [p for i, p in enumerate(paths) if i not in table.present.get(key, ())]
        if lacking:
            raise InputError(f"{lacking[0]}: no column {options.by!r} (given by --by)")
        every = table.columns[key].to_pylist()
        texts = [every[i] or "" for i in first]  # an order key, not a result
        order = order_by_date(texts, options.by, sources)
        dates = tuple(texts[i] for i in order.tolist())
    attributes = []
    notes = list(report.notes)
    # A batch whose built-in identity check failed (an id repeated, missing or not an id)
    # cannot be told apart from another one: it is left out of every attribute.
    identity = report.results[0]
    unusable = [identity_why(identity.status[i], identity.message[i])
                for i in order.tolist()]
    notes += identity_notes(unusable, [report.batch_ids[i] for i in order.tolist()])
    for result in report.results[1:]:  # [0] is the built-in batch identity check
        rule = result.check.rule
        assert isinstance(rule, Limits)
        read = result.readings
        if read.count(Reading.ABSENT) == len(read):
            continue  # an optional column absent from every file: nothing to chart
        assert read.lo is not None and read.hi is not None
        state = read.state[order]
        attributes.append(attribute(
            result, rule, read.lo[order], read.hi[order], state == Reading.VALUE,
            (state == Reading.MISSING) | (state == Reading.ABSENT),
            [result.value[i] for i in order.tolist()], result.status[order],
            result.reason[order], [result.message[i] for i in order.tolist()], unusable))
    return Trend(
        spec=spec,
        inputs=table.inputs,
        order_by=options.by,
        batch_ids=tuple(report.batch_ids[i] for i in order.tolist()),
        sources=tuple(sources[i] for i in order.tolist()),
        dates=dates,
        attributes=tuple(attributes),
        tool_version=__version__,
        generated_at=report.generated_at,
        notes=tuple(notes),
    )


def refuse_repeated_paths(inputs: tuple[str, ...]) -> None:
    """InputError when one file is given twice: its batches would count twice."""
    seen: set[str] = set()
    for path in inputs:
        if path == "-":
            continue
        key = os.path.normcase(os.path.realpath(path))
        if key in seen:
            raise InputError(f"{path}: given more than once; each file's batches would count "
                             "twice")
        seen.add(key)


NOT_UNIQUE = "batch id not unique"
NOT_VALID = "batch id not valid"


def identity_why(status: int, message: str | None) -> str | None:
    """Why a batch is left out of every attribute (its identity check failed), or None."""
    if status == Status.PASS:
        return None
    text = message or "no batch id"
    if text.startswith("batch id also on"):
        return f"{NOT_UNIQUE}: {text}"
    return f"{NOT_VALID}: {text}"


def identity_notes(unusable: list[str | None], ids: list[str | None]) -> list[str]:
    """Notes naming the repeated ids and the batches with no valid id, if any."""
    notes = []
    repeated: dict[str, int] = {}
    invalid = 0
    for why, name in zip(unusable, ids, strict=True):
        if why is None:
            continue
        if why.startswith(NOT_UNIQUE):
            repeated[name or ""] = repeated.get(name or "", 0) + 1
        else:
            invalid += 1
    if repeated:
        shown = [f"{k} ({n} times)" for k, n in list(repeated.items())[:SHOWN_IDS]]
        more = len(repeated) - SHOWN_IDS
        notes.append(f"batch ids not unique, {sum(repeated.values())} batches excluded from "
                     f"every attribute: {', '.join(shown)}"
                     + (f" and {more} other ids" if more > 0 else ""))
    if invalid:
        notes.append(f"{invalid} {'batch' if invalid == 1 else 'batches'} with no valid batch "
                     "id excluded from every attribute")
    return notes


SHOWN_IDS = 10  # repeated ids named in a note; the rest are counted


def order_by_date(texts: list[str], column: str, sources: list[str]) -> Ints:
    """Positions sorting the batches by an ISO date column (stable: ties keep file order).

    A date (`2025-03-14`) or a date and time (`2025-03-14T09:30`); anything else, an
    empty cell included, is an InputError naming the file and row.
    """
    keys: list[dt.datetime] = []
    for i, text in enumerate(texts):
        value = text.strip()
        try:
            if len(value) > 10:
                keys.append(dt.datetime.fromisoformat(value).replace(tzinfo=None))
            else:
                keys.append(dt.datetime.combine(dt.date.fromisoformat(value), dt.time()))
        except ValueError:
            shown = repr(text) if value else "empty"
            where = sources[i].replace(" row ", ": row ", 1)
            raise InputError(f"{where}: {column} is {shown}, not an ISO date (YYYY-MM-DD)"
                             ) from None
    return np.array(sorted(range(len(keys)), key=keys.__getitem__), dtype=np.int64)


CENSORED_SHARE = 0.10  # more censored results than this share of the results: a caveat


def attribute(result: CheckResult, rule: Limits, lo: Floats, hi: Floats, valid: Bools,
              missing: Bools, texts: list[str | None], status: Codes, reason: Codes,
              messages: list[str | None] | None = None,
              unusable: list[str | None] | None = None) -> Attribute:
    """One check's attribute from its cells in trend order (floats in its unit) and the
    engine's status and reason for each. `unusable` says why a batch is left out whatever
    its value (its batch id failed the identity check), None where it is not."""
    left_out = np.array([w is not None for w in unusable] if unusable else [False] * len(lo),
                        dtype=bool)
    exact = valid & np.isfinite(lo) & np.isfinite(hi) & (lo == hi) & ~left_out
    censored = valid & ~exact & ~left_out
    excluded = []
    for i in np.flatnonzero(~exact).tolist():
        if unusable and (because := unusable[i]) is not None:
            why = because
        elif censored[i]:
            why = "censored (a detection-limit result): excluded from the statistics"
        elif missing[i]:
            why = "no value"
        elif messages and messages[i] and texts[i] is None:
            # no reportable value, but a reason: the engine found the result not valid (a CV
            # over the method's limit); trend never reads cell text itself
            why = f"not a valid result: {messages[i]}"
        else:
            why = "not readable as a number"
        excluded.append(Excluded(i, texts[i], why))
    positions = np.flatnonzero(exact).astype(np.int64)
    values = lo[exact].astype(np.float64)
    excluded_lo = np.where(censored, lo, np.nan)
    excluded_hi = np.where(censored, hi, np.nan)
    lsl = None if rule.lower is None else float(rule.lower)  # min or min_exclusive
    usl = None if rule.upper is None else float(rule.upper)
    chart = stats.chart(values, lsl, usl)
    note = ""
    if chart is None:
        note = (f"not enough data: {len(values)} usable "
                f"{'result' if len(values) == 1 else 'results'}, {stats.MIN_POINTS} needed")
    elif chart.sigma_within == 0:
        note = "no variation between consecutive batches: control limits and rules do not apply"
    # A result out of spec, or a censored one that may be (its interval reaches past a
    # limit): the index of the in-spec rest would describe a capability the history lacks.
    oos = (status == Status.FAIL) & (reason == Reason.OUT_OF_SPEC)
    beyond = valid & ~(np.isfinite(lo) & np.isfinite(hi) & (lo == hi))
    with np.errstate(invalid="ignore"):
        beyond &= ((hi > usl) if usl is not None else False) | (
            (lo < lsl) if lsl is not None else False)
    beyond |= reason == Reason.INDETERMINATE  # the engine's own "may be out" (`≤0.5` vs `<0.5`)
    flagged = int(np.count_nonzero(oos | beyond))
    if chart is not None and flagged:
        why = (f"{flagged} {'result' if flagged == 1 else 'results'} out of spec or beyond a "
               "limit (censored): an index would overstate capability")
        chart = replace(chart, cpk=stats.Capability(None, chart.cpk.kind, why),
                        ppk=stats.Capability(None, chart.ppk.kind, why))
    signals = tuple(stats.Signal(s.rule, tuple(int(positions[p]) for p in s.points))
                    for s in (chart.signals if chart else ()))
    n_censored = int(np.count_nonzero(censored))
    share = n_censored / max(len(values) + n_censored, 1)
    return Attribute(
        check=result.check,
        rule=rule,
        positions=positions,
        values=values,
        status=status,
        reason=reason,
        excluded=tuple(excluded),
        excluded_lo=excluded_lo,
        excluded_hi=excluded_hi,
        chart=chart,
        signals=signals,
        note=note,
        censored_share=share if share > CENSORED_SHARE else 0.0,
    )

