"""Replicates and retests: several individual results of one batch's check make one
reportable result (FDA OOS guidance, Rev. 1, 2022; USP <1010>).

Rows are grouped into batches (`plan`): by batch id when the spec declares
`replicate_column` or `result_status_column`, else one batch per row. Every individual
result, whether a row's cell or one part of a cell split on `;` / `|`, is judged by the
engine's own path (`judge` is qc.engine.evaluate's per-check judge, run on a table of the
individual results), then `combine` makes the batch's result: each replicate judged, or
their mean / median judged, with the method's variability criteria, individual limits and
the retest lineage. Only specs that use these keys come here; others never import it.
"""

from __future__ import annotations

import re
import statistics
import unicodedata
from collections.abc import Callable, Sequence
from decimal import ROUND_HALF_UP, Decimal, localcontext

import msgspec
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from msgspec.structs import replace

from qc.engine import units
from qc.engine.cells import MISSING_TOKENS, Interval, parse_one, read_cells
from qc.errors import InputError
from qc.inputs.table import Table
from qc.model import (
    Check,
    CheckResult,
    Limits,
    Reading,
    Readings,
    Reason,
    Replicate,
    Replicates,
    Spec,
    Status,
    header_key,
)
from qc.rules.limits import judge_interval
from qc.rules.text import NON_RESULTS, fold
from qc.text import id_keys, tokens

ORIGINAL, RETEST, INVALIDATED, SUMMARY = "original", "retest", "invalidated", "not a replicate"
_STATUSES = {"original": ORIGINAL, "retest": RETEST, "invalidated": INVALIDATED}
# A replicate cell holding one of these words is a summary row a LIMS exports, not a result.
SUMMARY_WORDS = {"mean": "Mean", "average": "Mean", "avg": "Mean", "sd": "SD",
                 "stdev": "SD", "std": "SD", "cv": "%CV", "rsd": "%CV"}
_SPLIT = re.compile(r"\s*[;|]\s*")

Judge = Callable[[Check, Table], CheckResult]


class Member(msgspec.Struct, frozen=True):
    """One row of a batch: its table index, lineage, replicate label, invalidation
    reference and, for a summary row, its word (Mean, SD, %CV)."""

    row: int
    lineage: str = ORIGINAL
    label: str = ""
    reference: str = ""
    summary: str | None = None


class Plan(msgspec.Struct, frozen=True):
    """The batches of a table: each batch's rows (table indices, first first) and why a
    batch's lineage makes it invalid (judged on the batch identity check)."""

    members: list[list[Member]]
    problems: dict[int, str]
    retests: bool = False  # the spec declares result statuses (lineage is named)

    @property
    def first(self) -> np.ndarray:
        return np.array([m[0].row for m in self.members], dtype=np.intp)


def plan(spec: Spec, table: Table) -> Plan:
    """Group the rows into batches (one per row unless the spec groups rows)."""
    n = len(table)
    if not spec.grouped:
        return Plan([[Member(i)] for i in range(n)], {})
    ids = read_cells(_column(spec.id_column, table, "id_column"))
    keys = pc.dictionary_encode(id_keys(ids.text)).indices.to_numpy(zero_copy_only=False)
    labels = _texts(spec.replicate_column, table, "replicate_column")
    statuses = _texts(spec.result_status_column, table, "result_status_column")
    refs = _texts(spec.invalidation_column, table, "invalidation_column")
    groups: dict[int, list[int]] = {}
    order: list[list[int]] = []
    for i in range(n):
        if ids.missing[i]:
            order.append([i])  # no id: a batch of its own (it fails as missing)
            continue
        key = int(keys[i])
        if key not in groups:
            groups[key] = []
            order.append(groups[key])
        groups[key].append(i)
    members: list[list[Member]] = []
    problems: dict[int, str] = {}
    for b, rows in enumerate(order):
        batch: list[Member] = []
        why: list[str] = []
        for i in rows:
            member, problem = _member(i, labels, statuses, refs, spec, table)
            batch.append(member)
            if problem:
                why.append(problem)
        why += _lineage_problems(batch, spec, table)
        members.append(batch)
        if why:
            problems[b] = "; ".join(dict.fromkeys(why))
    return Plan(members, problems, spec.result_status_column is not None)


def _column(name: str, table: Table, key: str) -> pa.Array:
    found = table.columns.get(header_key(name))
    lacking = [f.path for i, f in enumerate(table.inputs)
               if i not in table.present.get(header_key(name), frozenset())]
    if found is None or lacking:
        where = lacking[0] if lacking else table.inputs[0].path
        raise InputError(f"{where}: no column {name!r} (the spec's {key})")
    if header_key(name) in table.duplicated:
        raise InputError(f"{table.duplicated[header_key(name)]}; the spec's {key} cannot "
                         "tell which to use")
    return found


def _texts(name: str | None, table: Table, key: str) -> list[str]:
    if name is None:
        return [""] * len(table)
    return [("" if t is None else t) for t in read_cells(_column(name, table, key)).as_list()]


def _where(table: Table, i: int) -> str:
    return f"row {int(table.rows[i])}"


def _member(i: int, labels: list[str], statuses: list[str], refs: list[str], spec: Spec,
            table: Table) -> tuple[Member, str]:
    label = " ".join(labels[i].split())
    word = "".join(t for t in tokens(label) if t not in ("%",))
    summary = SUMMARY_WORDS.get(word)
    lineage, problem = ORIGINAL, ""
    if spec.result_status_column is not None:
        written = "".join(tokens(statuses[i]))
        found = _STATUSES.get(written)
        if found is None:
            shown = repr(statuses[i]) if statuses[i] else "empty"
            problem = (f"{_where(table, i)}: result status {shown} is not original, retest "
                       "or invalidated")
        else:
            lineage = found
        if lineage == INVALIDATED and not _documented(refs[i]):
            shown = f" ({refs[i].strip()!r} is not one)" if refs[i].strip() else ""
            problem = (f"{_where(table, i)}: an invalidated result needs its invalidation "
                       f"reference{shown}")
    if summary is not None:
        lineage = SUMMARY
    return Member(i, lineage, label, refs[i], summary), problem


def _documented(reference: str) -> bool:
    """Whether an invalidation reference names a record (`DEV-2026-014`, `OOS 12`, `48213`):
    it holds a digit other than 0 and at least three letters or digits, and is not a
    missing or not-a-result word. Placeholders (`-`, `N/A`, `TBD`, `pending QA`, `x`,
    `DEV-XXXX`) name none: an original result is set aside only for a documented cause,
    and a deny-list of placeholders could never be complete."""
    folded = fold(unicodedata.normalize("NFKC", reference))
    alnum = re.findall(r"[^\W_]", folded)
    return (len(alnum) >= 3 and re.search(r"[1-9]", folded) is not None
            and folded not in NON_RESULTS and folded not in MISSING_TOKENS)


def _lineage_problems(batch: list[Member], spec: Spec, table: Table) -> list[str]:
    why: list[str] = []
    kinds = {m.lineage for m in batch}
    if kinds == {SUMMARY}:
        why.append("only summary rows (Mean, SD, %CV): no result")
    if RETEST in kinds and not kinds & {ORIGINAL, INVALIDATED}:
        why.append("a retest without an original or invalidated result (the first result "
                   "is missing)")
    seen: dict[tuple[str, str], int] = {}
    for m in batch:
        if m.lineage == SUMMARY:
            continue
        # Without replicate numbers, several retests of one batch are allowed; several
        # originals are one result given twice.
        if spec.replicate_column is None and m.lineage == RETEST:
            continue
        stage = RETEST if m.lineage == RETEST else ORIGINAL
        key = (stage, m.label.casefold())
        if key in seen:
            what = f"replicate {m.label!r}" if spec.replicate_column else "the result"
            why.append(f"{_where(table, seen[key])} and {_where(table, m.row)} both hold "
                       f"{what} ({stage})")
        else:
            seen[key] = m.row
    return why


# --- judging the individual results ---------------------------------------------------


class Item(msgspec.Struct, frozen=True):
    """One individual result: its batch, member row, place in its cell and text."""

    batch: int
    member: Member
    place: int  # 1-based position in a split cell; 0 for a whole cell
    text: str | None


def judge_check(check: Check, table: Table, the_plan: Plan, judge: Judge,
                conflicts: dict[int, str], decimal_comma: bool) -> CheckResult:
    """The check's result per batch of the plan."""
    whole = judge(replace(check, replicates=None), table)
    cells = whole.value
    items: list[Item] = []
    for b, batch in enumerate(the_plan.members):
        for m in batch:
            text = cells[m.row]
            if check.replicates is not None and text is not None and _SPLIT.search(text):
                parts = _SPLIT.split(text.strip())
                items += [Item(b, m, k + 1, p) for k, p in enumerate(parts)]
            else:
                items.append(Item(b, m, 0, text))
    split = any(it.place for it in items)
    if split:
        rows = np.array([it.member.row for it in items], dtype=np.intp)
        source = judge(replace(check, replicates=None, column=check.alternatives[0],
                               columns=()), take(table, rows, check, [it.text for it in items]))
        pos = list(range(len(items)))
    else:
        source = whole
        pos = [it.member.row for it in items]
    status, reason = np.asarray(source.status), np.asarray(source.reason)
    judged = []
    for it, p in zip(items, pos, strict=True):
        st, why, message = Status(int(status[p])), Reason(int(reason[p])), source.message[p]
        if split and it.member.row in conflicts:
            st, why, message = Status.FAIL, Reason.INVALID, conflicts[it.member.row]
        elif it.place and not (it.text or "").strip():  # `96;;104;99`: a slot left empty
            st, why = Status.FAIL, Reason.INVALID
            message = f"{cells[it.member.row]!r} has an empty replicate between separators"
        judged.append(_Judged(it, st, why, message, _interval(source.readings, p), p))
    target = units.find(check.rule.unit) if isinstance(check.rule, Limits) and check.rule.unit \
        else None
    per_batch: list[list[_Judged]] = [[] for _ in the_plan.members]
    for j in judged:
        per_batch[j.item.batch].append(j)
    combiner = _Combiner(check, table, target, decimal_comma, the_plan.retests)
    outs = [combiner.batch(js) for js in per_batch]
    return CheckResult(
        check, np.array([o.status for o in outs], dtype=np.int8),
        np.array([o.reason for o in outs], dtype=np.int8),
        [o.value for o in outs], [o.message for o in outs],
        _readings(outs, source.readings), whole.note, replicates=[o.entries for o in outs])


def _readings(outs: list[_SetOut], read: Readings) -> Readings:
    """Per batch, what decided: the deciding individual result as the engine read it, or
    the computed mean / median (an exact value or a closed interval)."""
    state = np.array([o.state for o in outs], dtype=np.int8)
    at = np.array([o.at for o in outs], dtype=np.intp)
    taken = at >= 0
    value = state == Reading.VALUE
    if read.kind == "date":
        assert read.date is not None
        date = np.full(len(outs), np.datetime64("NaT"), dtype="datetime64[D]")
        date[taken] = read.date[at[taken]]
        date[~value] = np.datetime64("NaT")
        return Readings(state, date=date)
    if read.kind != "number":
        return Readings(state)
    lo = np.array([o.reading[0] for o in outs], dtype=np.float64)
    hi = np.array([o.reading[1] for o in outs], dtype=np.float64)
    lo_open, hi_open = np.zeros(len(outs), dtype=bool), np.zeros(len(outs), dtype=bool)
    assert read.lo_open is not None and read.hi_open is not None
    lo_open[taken], hi_open[taken] = read.lo_open[at[taken]], read.hi_open[at[taken]]
    lo[~value], hi[~value] = np.nan, np.nan
    lo_open &= value
    hi_open &= value
    return Readings(state, lo=lo, hi=hi, lo_open=lo_open, hi_open=hi_open)


def take(table: Table, idx: np.ndarray, check: Check | None = None,
         texts: list[str | None] | None = None) -> Table:
    """The table's rows `idx` (repeats allowed); with `check` and `texts`, the check's
    cells replaced by `texts` (the parts of split cells) under its first header."""
    taken = pa.array(idx)
    columns = {k: v.take(taken) for k, v in table.columns.items()}
    if check is None or texts is None:
        broken_rows = {k: {j: d[int(r)] for j, r in enumerate(idx.tolist()) if int(r) in d}
                       for k, d in table.broken.items()}
        return Table(table.inputs, columns, table.present, table.duplicated, table.rows[idx],
                     table.input_index[idx], table.joined, broken_rows)
    key = header_key(check.alternatives[0])
    columns[key] = pa.chunked_array([pa.array(texts, type=pa.string())])
    present = dict(table.present)
    present[key] = frozenset(range(len(table.inputs)))
    broken: dict[str, dict[int, str]] = {}
    from qc.engine.evaluate import broken_cells  # one module, no import at load time

    found = broken_cells(table, check)
    if found:
        broken[key] = {k: found[int(r)] for k, r in enumerate(idx.tolist()) if int(r) in found}
    return Table(table.inputs, columns, present, table.duplicated, table.rows[idx],
                 table.input_index[idx], table.joined, broken)


def _interval(readings: Readings, k: int) -> tuple[float, float, int]:
    if readings.kind != "number":
        return (np.nan, np.nan, int(readings.state[k]))
    lo, hi = readings.lo, readings.hi
    assert lo is not None and hi is not None
    return (float(lo[k]), float(hi[k]), int(readings.state[k]))


class _Judged(msgspec.Struct, frozen=True):
    item: Item
    status: Status
    reason: Reason
    message: str | None
    reading: tuple[float, float, int]
    at: int = -1  # its entry in the judged table's readings


# Which failure names a set's verdict: out of spec before a censored maybe.
_RANK = {Reason.NONE: 0, Reason.INDETERMINATE: 1, Reason.OUT_OF_SPEC: 2, Reason.MISSING: 3,
         Reason.INVALID: 3}
_WORST = {Status.PASS: 0, Status.WARN: 1, Status.NOT_TESTED: -1, Status.REPORTED: -1,
          Status.FAIL: 2}


class _Combiner:
    """Makes one batch's result from its judged individual results."""

    def __init__(self, check: Check, table: Table, target: units.Unit | None,
                 decimal_comma: bool, retests: bool) -> None:
        self.retests = retests
        self.check = check
        self.table = table
        self.target = target
        self.decimal_comma = decimal_comma
        self.rule: Replicates = check.replicates or Replicates()

    def name(self, j: _Judged) -> str:
        where = _where(self.table, j.item.member.row)
        label = j.item.member.label
        if j.item.place:
            return f"replicate {j.item.place} ({where})"
        return f"replicate {label} ({where})" if label else where

    def batch(self, judged: list[_Judged]) -> _SetOut:
        summaries = [j for j in judged if j.item.member.lineage == SUMMARY and self._has(j)]
        results = [j for j in judged if j.item.member.lineage != SUMMARY]
        retests = [j for j in results if j.item.member.lineage == RETEST and self._has(j)]
        invalidated = [j for j in results if j.item.member.lineage == INVALIDATED]
        originals = [j for j in results if j.item.member.lineage == ORIGINAL]
        if not retests:
            originals = originals + invalidated  # invalidation applies to retested checks
            invalidated = []
        lineage_note = ""
        if retests and invalidated and not any(self._has(j) for j in originals):
            refs = ", ".join(sorted({j.item.member.reference for j in invalidated}))
            if any(self._has(j) for j in invalidated):
                decided = self._set(retests, "retest")
                lineage_note = (f"original invalidated ({refs}): {_values(invalidated)}; "
                                "retests decide")
            else:  # a stub: retests never stand in for an original result that is not shown
                decided = _SetOut(Status.FAIL, Reason.INVALID,
                                  f"the invalidated original ({refs}) holds no result: every "
                                  "individual result is kept and shown, the invalidated one "
                                  "too", None, (np.nan, np.nan), Reading.INVALID, ())
        else:
            decided = self._set(originals, "original")
            if retests:
                again = self._set(retests, "retest")
                if decided.status == Status.FAIL and decided.reason == Reason.OUT_OF_SPEC:
                    decided = replace(decided, message=(
                        f"{decided.message}; an OOS original result is not replaced by a "
                        "retest without a documented invalidation"))
                elif _WORST[Status(again.status)] > _WORST[Status(decided.status)]:
                    # a retest that fails (or warns) is never hidden by a passing original
                    decided = replace(again, message=f"retest: {again.message}")
                lineage_note = f"original decides; retests: {_values(retests)}"
        message = decided.message
        counted = {id(j) for j in decided.counted}
        notes = [lineage_note] if lineage_note else []
        notes += self._summary_notes(summaries, decided.counted)
        if notes and (len(judged) > 1 or retests):
            message = "; ".join([m for m in (message, *notes) if m])
        entries = tuple(
            Replicate(row=int(self.table.rows[j.item.member.row]),
                      value=j.item.text or "", status=j.status, reason=j.reason,
                      message=j.message, lineage=j.item.member.lineage,
                      replicate=(str(j.item.place) if j.item.place else j.item.member.label),
                      counted=id(j) in counted)
            for j in judged if self._has(j) or (self.check.replicates is not None
                                                and j.item.member.lineage == ORIGINAL))
        single = len(judged) == 1 and not judged[0].item.place
        return replace(decided, message=message, entries=None if single else entries)

    def _has(self, j: _Judged) -> bool:
        if j.item.place:  # a part of a split cell, an empty slot too (`96;;104`)
            return True
        return j.item.text is not None and j.reading[2] not in (Reading.MISSING,
                                                                Reading.ABSENT)

    def _set(self, judged: list[_Judged], lineage: str) -> _SetOut:
        """The verdict of one set of results (the originals, or the retests)."""
        rule = self.rule
        stage = f" ({lineage})" if self.retests else ""
        values = [j for j in judged if self._has(j)]
        if self.check.replicates is None and (lineage != RETEST or len(values) < 2):
            return self._agreeing(judged, values)
        if self.check.replicates is None:  # several retests of a one-result check: each
            rule = Replicates(min_count=1)
        n = len(values)
        if n == 0:
            return self._first(judged)
        empty = [j for j in values if j.item.place and not (j.item.text or "").strip()]
        if empty:  # said before the count: the slot, not the number, is what to fix
            j = empty[0]
            return _SetOut(Status.FAIL, Reason.INVALID, f"{self.name(j)}: {j.message}", None,
                           (np.nan, np.nan), Reading.INVALID, ())
        if n < rule.min_count or (rule.max_count is not None and n > rule.max_count):
            need = (str(rule.min_count) if rule.max_count == rule.min_count else
                    f"{rule.min_count} to {rule.max_count}" if rule.max_count is not None
                    else f"at least {rule.min_count}")
            return _SetOut(Status.FAIL, Reason.INVALID, f"{n} of {need} replicates{stage}",
                           None, (np.nan, np.nan), Reading.INVALID, ())
        broken = [j for j in values if j.reason in (Reason.INVALID, Reason.MISSING)]
        if broken:
            j = broken[0]
            return _SetOut(Status.FAIL, j.reason, f"{self.name(j)}: {j.message}", j.item.text,
                           (np.nan, np.nan), Reading.INVALID, tuple(values))
        if rule.reportable == "each":
            worst = max(values, key=lambda j: (_WORST[j.status], _RANK[j.reason]))
            message = f"{self.name(worst)}: {worst.message}" if worst.message else None
            if worst.status == Status.PASS and n > 1:
                kind = f" {lineage}" if self.retests else ""
                message = f"each of {n}{kind} replicates passes: {_values(values)}"
            return _SetOut(worst.status, worst.reason, message, worst.item.text,
                           worst.reading[:2], worst.reading[2], tuple(values), at=worst.at)
        return self._averaged(values, stage)

    def _first(self, judged: list[_Judged]) -> _SetOut:
        if not judged:  # only summary rows: no result at all
            return _SetOut(Status.FAIL, Reason.MISSING, "no result (only summary rows)", None,
                           (np.nan, np.nan), Reading.MISSING, ())
        j = judged[0]
        return _SetOut(j.status, j.reason, j.message, j.item.text, j.reading[:2],
                       j.reading[2], (), at=j.at)

    def _agreeing(self, judged: list[_Judged], values: list[_Judged]) -> _SetOut:
        """A check without replicates: every row of the set with a value reads the same."""
        if not values:
            return self._first(judged)
        first = values[0]
        for j in values[1:]:
            if not self._same(first, j):
                rows = ", ".join(str(int(self.table.rows[v.item.member.row])) for v in values)
                return _SetOut(Status.FAIL, Reason.INVALID,
                               f"different values in rows {rows} ({first.item.text!r}, "
                               f"{j.item.text!r}): one batch has one result",
                               first.item.text, (np.nan, np.nan), Reading.INVALID,
                               tuple(values))
        return _SetOut(first.status, first.reason, first.message, first.item.text,
                       first.reading[:2], first.reading[2], tuple(values), at=first.at)

    def _same(self, a: _Judged, b: _Judged) -> bool:
        if a.item.text == b.item.text:
            return True
        if a.reading[2] == Reading.VALUE and b.reading[2] == Reading.VALUE \
                and isinstance(self.check.rule, Limits):
            x, y = self._exact(a), self._exact(b)
            return (isinstance(x, Interval) and isinstance(y, Interval)
                    and (x.lo, x.hi, x.lo_open, x.hi_open) == (y.lo, y.hi, y.lo_open, y.hi_open))
        return tokens(a.item.text or "") == tokens(b.item.text or "") != ()

    def _exact(self, j: _Judged) -> Interval | str:
        return parse_one(j.item.text or "", self.target, decimal_comma=self.decimal_comma)

    def _averaged(self, values: list[_Judged], stage: str) -> _SetOut:
        """`stage`: " (original)" / " (retest)" where the spec names lineage, else ""."""
        """mean / median: the variability criteria, the individual limits, then the
        reportable value (exact decimals, rounded only when compared) against the limits."""
        rule = self.rule
        limits = self.check.rule
        assert isinstance(limits, Limits)
        exact = [self._exact(j) for j in values]
        ivs = [iv for iv in exact if isinstance(iv, Interval)]
        if len(ivs) != len(values):  # the engine read them; an exact re-read never fails
            return _SetOut(Status.FAIL, Reason.INVALID, "a replicate cannot be read",
                           None, (np.nan, np.nan), Reading.INVALID, tuple(values))
        points = [iv.lo for iv in ivs if iv.lo == iv.hi]
        censored = len(points) != len(ivs)
        stats = _statistics(points) if not censored else None
        u = f" {self.target.symbol}" if self.target else ""
        for criterion, limit in (("CV", rule.max_cv_pct), ("range", rule.max_range)):
            if limit is None:
                continue
            if stats is None:
                return _SetOut(Status.FAIL, Reason.INVALID, f"the {criterion} of censored "
                               "replicates cannot be computed: the assay result is not valid",
                               None, (np.nan, np.nan), Reading.INVALID, tuple(values))
            got = stats[2] if criterion == "CV" else stats[3]
            if got is None or got > limit:
                shown = "cannot be computed (mean 0)" if got is None else (
                    f"{_short(got, 3)} %" if criterion == "CV" else f"{_short(got)}{u}")
                unit = " %" if criterion == "CV" else u
                return _SetOut(Status.FAIL, Reason.INVALID,
                               f"{criterion} {shown} exceeds the method's {limit}{unit}: the "
                               f"assay result is not valid{stage}", None,
                               (np.nan, np.nan), Reading.INVALID, tuple(values))
        individual = Limits(unit=limits.unit, min=rule.individual_min, max=rule.individual_max,
                            rounding=limits.rounding)
        lo, hi = _combine(ivs, rule.reportable)
        beyond: list[tuple[bool, _Judged, Interval, bool]] = []
        for j, iv in zip(values, ivs, strict=True):
            if rule.individual_min is None and rule.individual_max is None:
                break
            ok, bad, _ = judge_interval(iv, individual)
            if not ok:
                beyond.append((not bad, j, iv, bad))  # wholly outside first, then maybe
        if beyond:
            _, j, iv, bad = min(beyond, key=lambda o: o[0])  # stable: the first of its kind
            side = "below the individual minimum " + str(rule.individual_min) \
                if rule.individual_min is not None and iv.lo < rule.individual_min \
                else "above the individual maximum " + str(rule.individual_max)
            reason = Reason.OUT_OF_SPEC if bad else Reason.INDETERMINATE
            verb = "is" if bad else "may be"
            return _SetOut(Status.FAIL, reason,
                           f"{self.name(j)} {j.item.text}{_unit_tail(j, u)} {verb} "
                           f"{side}{u}{stage}", _shown(lo, hi, ivs), (float(lo), float(hi)),
                           Reading.VALUE, tuple(values))
        reportable = Interval(lo, hi, all(iv.lo_open for iv in ivs) and lo == lo,
                              all(iv.hi_open for iv in ivs), None)
        ok, bad, calm = judge_interval(reportable, limits)
        text = _shown(lo, hi, ivs)
        kind = f" {stage[2:-1]}" if stage else ""
        what = (f"{rule.reportable} {text}{u} of {len(values)}{kind} replicates "
                f"({_values(values)})")
        if bad:
            status, reason, message = Status.FAIL, Reason.OUT_OF_SPEC, \
                f"{what} is outside {_span(limits)}"
        elif not ok:
            status, reason, message = Status.FAIL, Reason.INDETERMINATE, \
                f"{what} may be outside {_span(limits)} (retest more sensitively)"
        else:
            outside = [j for j in values if j.status == Status.FAIL]
            if outside:
                names = ", ".join(f"{self.name(j)} {j.item.text}" for j in outside)
                status, reason = Status.WARN, Reason.NONE
                message = f"{what} passes, but {names} is outside {_span(limits)}"
            elif not calm:
                status, reason, message = Status.WARN, Reason.NONE, \
                    f"{what} is outside the alert limits"
            else:
                status, reason, message = Status.PASS, Reason.NONE, what
        if stats is not None:
            message += f"; SD {_short(stats[1], 3)}, CV {_short(stats[2], 3)} %" \
                if stats[2] is not None else ""
        return _SetOut(status, reason, message, text, (float(lo), float(hi)), Reading.VALUE,
                       tuple(values))

    def _summary_notes(self, summaries: list[_Judged], counted: Sequence[_Judged]) -> list[str]:
        """A Mean / SD / %CV row that disagrees with exoqc's own computation."""
        if not summaries or not counted:
            return []
        exact = [self._exact(j) for j in counted]
        points = [iv.lo for iv in exact if isinstance(iv, Interval) and iv.lo == iv.hi]
        if len(points) != len(counted):
            return []
        stats = _statistics(points)
        notes = []
        for j in summaries:
            word = j.item.member.summary
            mine = {"Mean": stats[0], "SD": stats[1], "%CV": stats[2]}.get(word or "")
            theirs = _plain(j.item.text or "", self.decimal_comma)
            if mine is None or theirs is None:
                continue
            places = max(0, -int(theirs.as_tuple().exponent))
            if mine.quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP) != theirs:
                notes.append(f"the file's {word} ({_where(self.table, j.item.member.row)}, "
                             f"{j.item.text}) disagrees with exoqc's {_short(mine)}")
        return notes


class _SetOut(msgspec.Struct, frozen=True):
    status: int
    reason: int
    message: str | None
    value: str | None
    reading: tuple[float, float]
    state: int
    counted: tuple[_Judged, ...]
    entries: tuple[Replicate, ...] | None = None
    at: int = -1  # the deciding individual result's entry in the readings (-1: computed)


def _values(judged: Sequence[_Judged]) -> str:
    """The individual results as written, in order: `96; 104; 99`."""
    return "; ".join(j.item.text or "" for j in judged)


def _statistics(points: list[Decimal]) -> tuple[Decimal, Decimal, Decimal | None, Decimal]:
    """(mean, sample SD, %CV or None when the mean is 0, range) of exact values."""
    with localcontext() as ctx:
        ctx.prec = 50
        mean = sum(points, Decimal(0)) / len(points)
        sd = (sum(((p - mean) ** 2 for p in points), Decimal(0)) / (len(points) - 1)).sqrt() \
            if len(points) > 1 else Decimal(0)
        cv = None if mean == 0 else abs(sd / mean * 100)
        return mean, sd, cv, max(points) - min(points)


def _combine(ivs: list[Interval], how: str) -> tuple[Decimal, Decimal]:
    """The mean or median as an interval: of the lower bounds and of the upper bounds
    (both are monotone, so a censored replicate widens the result as it should)."""
    los, his = [iv.lo for iv in ivs], [iv.hi for iv in ivs]
    if how == "median":
        return statistics.median(los), statistics.median(his)
    with localcontext() as ctx:
        ctx.prec = 50
        return sum(los, Decimal(0)) / len(los), sum(his, Decimal(0)) / len(his)


def _shown(lo: Decimal, hi: Decimal, ivs: list[Interval]) -> str:
    """The reportable value as text: two more places than the replicates were written
    with (display only; the verdict used the exact value); `<x`/`>x` when censored."""
    places = max((max(0, -int(iv.lo.as_tuple().exponent if iv.lo.is_finite()
                                else iv.hi.as_tuple().exponent)) for iv in ivs), default=0)
    quantum = Decimal(1).scaleb(-(places + 2))

    def text(v: Decimal) -> str:
        return _short(v.quantize(quantum, ROUND_HALF_UP)) if v.is_finite() else str(v)

    if lo == hi:
        return text(lo)
    if not lo.is_finite() and hi.is_finite():
        return f"<{text(hi)}"
    if lo.is_finite() and not hi.is_finite():
        return f">{text(lo)}"
    return f"{text(lo)} to {text(hi)}"


def _short(v: Decimal, digits: int = 6) -> str:
    with localcontext() as ctx:
        ctx.prec = digits
        rounded = +v
    text = format(rounded.normalize(), "f")
    return text


def _unit_tail(j: _Judged, u: str) -> str:
    return u if u and not (j.item.text or "").rstrip().endswith(u.strip()) else ""


def _span(rule: Limits) -> str:
    from qc.rules.limits import notation

    return notation(rule)


def _plain(text: str, decimal_comma: bool) -> Decimal | None:
    iv = parse_one(text.rstrip("% "), None, decimal_comma=decimal_comma)
    return iv.lo if isinstance(iv, Interval) and iv.lo == iv.hi else None
