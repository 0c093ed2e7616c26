"""The HTML report: one self-contained page with a certificate of analysis per batch.

Inline CSS and inline SVG only (no scripts, fonts or links to fetch; a Content Security
Policy forbids them anyway), so the file reads the same on an offline lab PC and prints
to A4 or Letter, one certificate per page. Every value from the data goes through
Jinja2's autoescaping. The wording states conformance to the spec, never a disposition.

Size: a browser page is the wrong place for a million certificates. Up to
FULL_CERTIFICATES batches, every batch gets one; above that, only the batches that did
not conform or raised an alert do (at most FULL_CERTIFICATES of them), and the page
says so. Above MAX_BATCHES the HTML report is refused (exit 2): use the JSON report.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from qc.errors import OutputError
from qc.model import Check, CheckResult, Limits, Reading, Reason, Report, Status
from qc.render import RenderOptions
from qc.render.attribution import judged_as_of
from qc.render.notation import alert, criterion

MAX_BATCHES = 5000
FULL_CERTIFICATES = 500

CHECK_WORDS: dict[tuple[Status, Reason], str] = {
    (Status.PASS, Reason.NONE): "Conforms",
    (Status.WARN, Reason.NONE): "Alert",
    (Status.FAIL, Reason.OUT_OF_SPEC): "Does not conform",
    (Status.FAIL, Reason.INDETERMINATE): "Indeterminate",
    (Status.FAIL, Reason.MISSING): "Does not conform: result missing",
    (Status.FAIL, Reason.INVALID): "Does not conform: result invalid",
    (Status.NOT_TESTED, Reason.NONE): "Not tested",
    (Status.REPORTED, Reason.NONE): "Reported",
}
BATCH_WORDS = {
    Status.PASS: "Conforms",
    Status.WARN: "Conforms, with alert",
    Status.FAIL: "Does not conform",
}
RUN_WORDS = {
    Status.PASS: "All batches conform",
    Status.WARN: "All batches conform; alert limits reached",
    Status.FAIL: "Not all batches conform",
}


def check_words(status: Status, reason: Reason) -> str:
    """The conformance of one result, as the certificate words it. Only a judged result
    that conforms says "Conforms"; an unjudged one says what happened instead."""
    return CHECK_WORDS.get((status, reason), BATCH_WORDS.get(status, status.label))


def _conformance(status: Status, reason: Reason, message: str | None, optional: bool) -> str:
    if status is Status.NOT_TESTED:
        why = "column absent" if message and "not in the file" in message else "no value"
        return f"Not tested ({'optional; ' if optional else ''}{why})"
    return check_words(status, reason)


@dataclass(frozen=True)
class Word:
    text: str
    css: str


def render(report: Report, options: RenderOptions) -> Iterator[str]:
    from qc.render.html.pages import render_page

    n = len(report.verdicts)
    if n > MAX_BATCHES:
        raise OutputError(f"the HTML report is for up to {MAX_BATCHES} batches and this run has "
                          f"{n}; write a .json report instead, or split the input")
    yield from render_page("report.html.j2", **context(report))


def context(report: Report) -> dict[str, Any]:
    """Everything the template shows, as plain values."""
    s = report.summary
    spec = report.spec
    n = len(report.verdicts)
    several = len(report.inputs) > 1
    chosen, omitted = _certificate_rows(report)
    anchors = {i: f"coa-{i + 1}" for i in chosen}
    batches = []
    for i in range(n):
        verdict = Status(int(report.verdicts[i]))
        problems = [r.check.name for r in report.results
                    if r.status[i] in (Status.WARN, Status.FAIL)]
        batches.append({
            "number": i + 1,
            "batch_id": report.batch_ids[i],
            "source": _source(report, i) if several else f"row {int(report.rows[i])}",
            "text": BATCH_WORDS[verdict],
            "css": verdict.label,
            "problems": ", ".join(problems),
            "anchor": anchors.get(i),
        })
    return {
        "tool_version": report.tool_version,
        "generated_at": report.generated_at,
        "as_of": judged_as_of(report),
        "verdict": Word(RUN_WORDS[s.verdict], s.verdict.label),
        "counts": s,
        "spec": {
            "name": spec.name,
            "version": spec.version,
            "title": spec.title,
            "status": getattr(spec, "status", "") or "",
            "path": spec.files[0].path,
            "sha256": spec.files[0].sha256,
        },
        "inputs": report.inputs,
        "notes": report.notes,
        "batches": batches,
        "charts": list(_charts(report)),
        "certificates": [_certificate(report, i) for i in chosen],
        "omitted": omitted,
    }


def _certificate_rows(report: Report) -> tuple[list[int], str]:
    n = len(report.verdicts)
    if n <= FULL_CERTIFICATES:
        return list(range(n)), ""
    flagged = np.flatnonzero(report.verdicts >= Status.WARN).tolist()
    shown = flagged[:FULL_CERTIFICATES]
    note = (f"This run has {n} batches, more than the {FULL_CERTIFICATES} this page gives a "
            f"certificate each: certificates are included only for the {len(flagged)} batches "
            "that do not conform or reached an alert limit")
    if len(flagged) > len(shown):
        note += f", and only for the first {len(shown)} of them"
    return shown, note + ". The JSON report (-o report.json) lists every check of every batch."


def _source(report: Report, i: int) -> str:
    return f"{report.inputs[int(report.input_index[i])].path} row {int(report.rows[i])}"


def _certificate(report: Report, i: int) -> dict[str, Any]:
    batch = report.batch(i)
    checks = []
    for result, view in zip(report.results, batch.checks, strict=True):
        check: Check = result.check
        checks.append({
            "name": check.name,
            "description": check.description,
            "criterion": criterion(check),
            "alert": alert(check),
            "optional": not check.required,
            "value": view.value,
            "text": _conformance(view.status, view.reason, view.message, not check.required),
            "css": view.status.label,
            "message": view.message or "",
        })
    return {
        "anchor": f"coa-{i + 1}",
        "batch_id": batch.batch_id,
        "source": _source(report, i),
        "text": BATCH_WORDS[batch.verdict],
        "css": batch.verdict.label,
        "checks": checks,
    }


def _charts(report: Report) -> Iterator[dict[str, Any]]:
    # A check whose column is absent (an optional one) has nothing to chart.
    numeric = [r for r in report.results if isinstance(r.check.rule, Limits)
               and r.readings.kind == "number"
               and r.readings.count(Reading.ABSENT) < len(r.readings)]
    if not numeric or not len(report.verdicts):
        return
    from qc.render.html import charts
    from qc.render.html.pages import safe

    for k, result in enumerate(numeric):
        rule = result.check.rule
        assert isinstance(rule, Limits)
        points, missing, unreadable = read_points(result)
        svg = charts.results_chart(result.check.name, rule.unit, points, result.status,
                                   float_limits(rule), salt=f"exoqc-report-{k}")
        unplotted = []
        if missing:
            unplotted.append(f"{missing} without a value")
        if unreadable:
            unplotted.append(f"{unreadable} not readable as a number")
        yield {
            "name": result.check.name,
            "criterion": criterion(result.check),
            "alert": alert(result.check),
            "svg": safe(svg),
            "unplotted": ", ".join(unplotted),
        }


def float_limits(rule: Limits) -> Any:
    from qc.render.html.charts import Limits as ChartLimits

    def f(v: Any) -> float | None:
        return None if v is None else float(v)

    return ChartLimits(f(rule.lower), f(rule.upper), f(rule.warn_min), f(rule.warn_max))


def read_points(result: CheckResult) -> tuple[Any, int, int]:
    """The values the engine read for a numeric check, in its unit (for drawing only;
    verdicts come from the report), with the counts of missing and unreadable cells."""
    from qc.render.html.charts import Points

    read = result.readings
    assert read.lo is not None and read.hi is not None
    state = read.state
    missing = read.count(Reading.MISSING) + read.count(Reading.ABSENT)
    unreadable = read.count(Reading.INVALID) + read.count(Reading.NOT_A_RESULT)
    return Points(read.lo, read.hi, state == Reading.VALUE), missing, unreadable
