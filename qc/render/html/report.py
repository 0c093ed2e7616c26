"""The HTML report: one self-contained page with a certificate of analysis per batch.

Inline CSS and inline SVG only (no scripts, fonts or links to fetch; a Content Security
Policy forbids them anyway), so the file reads the same on an offline lab PC and prints
to A4 or Letter, one certificate per page. Every value from the data goes through
Jinja2's autoescaping. The wording states conformance to the spec, never a disposition.

Size: a browser page is the wrong place for a million certificates. Up to
FULL_CERTIFICATES batches, every batch gets one; above that, only the batches that did
not conform or raised an alert do (at most FULL_CERTIFICATES of them), and the page
says so. Above MAX_BATCHES the HTML report is refused (exit 2): use the JSON report.

Each certificate follows the WHO model certificate of analysis (docs/html-report.md): a
certificate number (`certificate_number`), the laboratory, product, batch, manufacture and
expiry dates (as the engine read them), one row per test with its method, criterion,
result as written and conformance, a conclusion, and a signature block. A spec that is not
for release puts a NOT FOR RELEASE banner on every certificate and every printed page,
and no badge of the page then looks like a release.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import msgspec
import numpy as np

from qc.errors import OutputError
from qc.model import (
    BatchDate,
    Check,
    CheckResult,
    Limits,
    Reading,
    Reason,
    Report,
    Status,
)
from qc.render import RenderOptions
from qc.render.attribution import judged_as_of
from qc.render.notation import alert, brief, criterion

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
NO_CHECK_JUDGED = "No check judged"
SIGNATURE_ROLES = (("performed", "Performed by"), ("reviewed", "Reviewed by"),
                   ("approved", "Approved by"))
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


class Word(msgspec.Struct, frozen=True):
    text: str
    css: str


def render(report: Report, options: RenderOptions) -> Iterator[str]:
    from qc.render.html.pages import render_page

    n = len(report.verdicts)
    if n > MAX_BATCHES:
        raise OutputError(f"the HTML report is for up to {MAX_BATCHES} batches and this run has "
                          f"{n}; write a .json report instead, or split the input")
    yield from render_page("report.html.j2", **context(report, options.signatures))


def report_sha256(report: Report) -> str:
    """The sha256 of the JSON report of this run (the bytes `-o report.json` writes), which
    the certificate numbers derive from: whoever holds the JSON report can recompute them."""
    from qc.render import RenderOptions as Plain
    from qc.render import json_report

    digest = hashlib.sha256()
    for chunk in json_report.render(report, Plain()):
        digest.update(chunk.encode("utf-8"))
    return digest.hexdigest()


def certificate_number(report_hash: str, number: int, batch_id: str) -> str:
    """`EXQ-` + 8 hex digits of the JSON report's sha256 + `-` + 8 hex digits of
    sha256(report sha256, LF, the batch's number in the report, LF, batch id), uppercase:
    the same report always gives a batch the same number, and two batches of one report
    (even with the same id) never share one."""
    own = hashlib.sha256(f"{report_hash}\n{number}\n{batch_id}".encode()).hexdigest()
    return f"EXQ-{report_hash[:8]}-{own[:8]}".upper()


def _batch_word(verdict: Status, unjudged: bool) -> Word:
    if unjudged:
        return Word(NO_CHECK_JUDGED, "none")
    return Word(BATCH_WORDS[verdict], verdict.label)


def _run_word(report: Report, unjudged: Any) -> Word:
    s = report.summary
    n = int(unjudged.sum())
    if s.batches and n == s.batches:
        return Word(f"{NO_CHECK_JUDGED}: no batch can be said to conform", "none")
    text = RUN_WORDS[s.verdict]
    if n:
        text += f"; {n} {'batch' if n == 1 else 'batches'} with no check judged"
        return Word(text, "none" if s.verdict is Status.PASS else s.verdict.label)
    return Word(text, s.verdict.label)


def context(report: Report, signatures: Sequence[Mapping[str, str]] = ()) -> dict[str, Any]:
    """Everything the template shows, as plain values."""
    s = report.summary
    spec = report.spec
    n = len(report.verdicts)
    several = len(report.inputs) > 1
    chosen, omitted = _certificate_rows(report)
    anchors = {i: f"coa-{i + 1}" for i in chosen}
    unjudged = report.unjudged()
    batches = []
    for i in range(n):
        verdict = Status(int(report.verdicts[i]))
        word = _batch_word(verdict, bool(unjudged[i]))
        problems = [r.check.name for r in report.results
                    if r.status[i] in (Status.WARN, Status.FAIL)]
        batches.append({
            "number": i + 1,
            "batch_id": report.batch_ids[i],
            "source": _source(report, i) if several else f"row {int(report.rows[i])}",
            "text": word.text,
            "css": word.css,
            "problems": ", ".join(problems),
            "anchor": anchors.get(i),
        })
    report_hash = report_sha256(report)
    provenance = report.provenance
    return {
        "tool_version": report.tool_version,
        "generated_at": report.generated_at,
        "as_of": report.as_of or report.generated_at[:10],
        "backdated": judged_as_of(report) is not None,
        "operator": provenance.operator if provenance else "",
        "not_for_release": report.not_for_release,
        "report_sha256": report_hash,
        "verdict": _run_word(report, unjudged),
        "counts": s,
        "unjudged_count": int(unjudged.sum()),  # PASS batches that no check judged
        "spec": {
            "name": spec.name,
            "version": spec.version,
            "title": spec.title,
            "status": spec.status or "not stated",
            "effective_date": spec.effective_date or "",
            "path": spec.files[0].path,
            "sha256": spec.files[0].sha256,
        },
        "laboratory": spec.laboratory,
        "product": spec.product or spec.title or spec.name,
        "inputs": report.inputs,
        "notes": [note for note in report.notes
                  if not (report.not_for_release and note.startswith("NOT FOR RELEASE: "))],
        "batches": batches,
        "charts": list(_charts(report)),
        "certificates": certificates(report, report_hash),
        "omitted": omitted,
        "signatures": signature_rows(signatures),
    }


def certificates(report: Report, report_hash: str | None = None) -> list[dict[str, Any]]:
    """The certificates of analysis the report shows (all, or the first ones when there
    are too many), as the template gets them; what `exoqc verify` compares a PDF's pages
    with (qc/gmp/pdf_pages.py)."""
    chosen, _ = _certificate_rows(report)
    unjudged = report.unjudged()
    digest = report_hash if report_hash is not None else report_sha256(report)
    return [_certificate(report, i, digest, bool(unjudged[i])) for i in chosen]


def signature_rows(signatures: Sequence[Mapping[str, str]]) -> list[dict[str, Any]]:
    """The signature block: a row for performed by, reviewed by, approved by, each filled
    from the e-signatures of that meaning (in order) or left blank for wet ink; an
    e-signature of another meaning gets a row of its own, after them."""
    rows: list[dict[str, Any]] = []
    known = {meaning for meaning, _ in SIGNATURE_ROLES}
    for meaning, label in SIGNATURE_ROLES:
        given = [sig for sig in signatures if str(sig.get("meaning", "")) == meaning]
        rows += [_signed(label, sig) for sig in given] or [
            {"label": label, "meaning": meaning, "signed": False}]
    rows += [_signed(f"{sig.get('meaning') or '(meaning not stated)'}".capitalize(), sig)
             for sig in signatures if str(sig.get("meaning", "")) not in known]
    return rows


def _signed(label: str, sig: Mapping[str, str]) -> dict[str, Any]:
    return {"label": label, "meaning": str(sig.get("meaning", "")), "signed": True,
            "signer": str(sig.get("signer", "")), "time": str(sig.get("time", "")),
            "fingerprint": str(sig.get("fingerprint", "")),
            "reason": str(sig.get("reason", "") or "")}


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


def _individual(result: Any, i: int) -> list[str]:
    """Every individual result of a batch's check as the certificate lists it (FDA OOS
    guidance: every result is kept and shown): `original 1: 96`, `invalidated 1: 41 (not
    counted)`, `retest 2: 101`; empty for a check without replicates or retests."""
    entries = result.replicates[i] if result.replicates is not None else None
    if not entries:
        return []
    out = []
    for rep in entries:
        label = " ".join(x for x in (rep.lineage, rep.replicate) if x)
        text = f"{label}: {rep.value}" if label else rep.value
        if not rep.counted:
            text += " (not counted)"
        out.append(text)
    return out


def _certificate(report: Report, i: int, report_hash: str, unjudged: bool
                 ) -> dict[str, Any]:
    batch = report.batch(i)
    checks = []
    for result, view in zip(report.results, batch.checks, strict=True):
        check: Check = result.check
        unit = getattr(check.rule, "unit", None) or ""
        checks.append({
            "name": check.name,
            "description": check.description,
            "method": check.method,
            "criterion": brief(criterion(check)),
            "alert": alert(check),
            "optional": not check.required,
            # the reportable result; the individual results (replicates, retests) below it
            "results": [view.value] if view.value else [],
            "individual": _individual(result, i),
            "unit": unit if view.value and _needs_unit(view.value, unit) else "",
            "text": _conformance(view.status, view.reason, view.message, not check.required),
            "css": view.status.label,
            "message": view.message or "",
        })
    word = _batch_word(batch.verdict, unjudged)
    return {
        "anchor": f"coa-{i + 1}",
        "number": certificate_number(report_hash, i + 1, batch.batch_id),
        "batch_id": batch.batch_id,
        "source": _source(report, i),
        "input_sha256": report.inputs[int(report.input_index[i])].sha256,
        "dates": [_date(d, i) for d in report.batch_dates],
        "text": word.text,
        "css": word.css,
        "conclusion": _conclusion(report, batch.verdict, unjudged),
        "checks": checks,
    }


def _needs_unit(value: str, unit: str) -> bool:
    """Whether the result as written lacks the check's unit (`0.08` under EU/mL), so the
    certificate adds it; `0.092 µm` already says its own unit and is shown as written."""
    if not unit:
        return False
    tail = value.rstrip()
    return bool(tail) and (tail[-1].isdigit() or tail[-1] == ".")


def _date(date: BatchDate, i: int) -> dict[str, str]:
    label = "Date of manufacture" if date.role == "manufacture" else "Expiry date"
    state = Reading(int(date.readings.state[i]))
    value = date.value[i]
    if state is Reading.VALUE:
        shown = str(value)
        read, end = date.readings.date, date.readings.date_end
        assert read is not None
        iso = str(read[i])
        if end is not None and str(end[i]) != iso:  # a partial date: the period it names
            iso = f"{iso} to {end[i]}"
        if iso != shown:
            shown += f" (read as {iso})"
        return {"label": label, "value": shown, "css": ""}
    why = "no value" if state is Reading.MISSING else (date.message[i] or "not readable")
    return {"label": label, "value": f"{value or ''} ({why})".strip(), "css": "s-fail"}


def _conclusion(report: Report, verdict: Status, unjudged: bool) -> str:
    spec = f"{report.spec.name} version {report.spec.version}"
    if unjudged:
        return (f"No test of specification {spec} was judged for this batch: it cannot be "
                "said to conform.")
    if verdict is Status.FAIL:
        return f"The batch does not conform to specification {spec}."
    alerted = " (alert limits reached)" if verdict is Status.WARN else ""
    return f"The batch conforms to specification {spec} for the tests judged{alerted}."


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
