"""JUnit XML for Jenkins, GitLab and Azure DevOps: one test suite per input file, one test
case per batch, one skipped test case per check that was not judged.

The file validates against `junit-10.xsd` as the Jenkins xUnit plugin publishes it (the
schema pytest's `junit_family=xunit2` targets): `<testsuites name tests failures errors>` >
`<testsuite name=FILE file=FILE tests failures errors skipped timestamp>` > `<testcase
name=BATCH_ID classname=SPEC_NAME>`. That schema has no `file` or `line` on a test case, so
the input file is the suite's `file` and a batch's row opens its failure text and its
`<system-out>` (`lab1.csv row 3`).

A failing batch carries `<failure message=... type=REASONS>` listing its failed checks with
value and limit; warnings go to `<system-out>`. A check that was not judged for a batch
(`not_tested`: optional, no value; `reported`: report-only) is a test case of its own,
`BATCH_ID / CHECK`, holding `<skipped>`: never inside the batch's test case, where Jenkins
would show a failing batch as skipped. So `tests` = batches + unjudged checks, and
`skipped` counts the unjudged checks.

Characters that XML 1.0 forbids (control characters, lone surrogates, U+FFFE/U+FFFF) are
written as visible escapes (`\\x1b`), so the file always parses. Elements are built with
the standard library's ElementTree and streamed one test case at a time.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from xml.sax.saxutils import quoteattr

import numpy as np

from qc.model import CheckView, Report, Spec, Status, lineage_notes
from qc.render import RenderOptions
from qc.render.problems import describe, failed, per_input, warned

# Everything outside XML 1.0's Char production:
# #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]
_FORBIDDEN = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_safe(text: str) -> str:
    """Text with every character XML 1.0 cannot carry written as a visible escape."""
    return _FORBIDDEN.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) <= 0xFF
                          else f"\\u{ord(m.group()):04x}", text)


def _attr(value: str | int) -> str:
    return quoteattr(xml_safe(str(value)), {"\n": "&#10;", "\r": "&#13;", "\t": "&#9;"})


def _open(tag: str, **attrs: str | int) -> str:
    return f"<{tag}" + "".join(f" {k}={_attr(v)}" for k, v in attrs.items()) + ">"


def unjudged_per_input(report: Report) -> list[int]:
    """How many check results were not judged (not_tested, reported), for every input."""
    counts = np.zeros(len(report.inputs), dtype=np.int64)
    for result in report.results:
        unjudged = np.asarray(result.status) > Status.FAIL
        counts += np.bincount(report.input_index[unjudged], minlength=len(report.inputs))
    return [int(c) for c in counts]


def render(report: Report, options: RenderOptions) -> Iterator[str]:
    s = report.summary
    spec = report.spec
    skipped = unjudged_per_input(report)
    yield '<?xml version="1.0" encoding="UTF-8"?>\n'
    yield _open("testsuites", name=f"exoqc {spec.name} {spec.version}",
                tests=s.batches + sum(skipped), failures=s.failed, errors=0) + "\n"
    for i, batches, _warns, fails in per_input(report):
        path = report.inputs[i].path
        yield "  " + _open("testsuite", name=path, tests=batches + skipped[i],
                           failures=fails, errors=0, skipped=skipped[i],
                           timestamp=report.generated_at, file=path) + "\n"
        yield "    <properties>\n"
        for name, value in (("spec", spec.name), ("spec_version", spec.version),
                            ("spec_sha256", spec.files[0].sha256),
                            ("input_sha256", report.inputs[i].sha256),
                            ("tool", f"exoqc {report.tool_version}"),
                            *_lineage(spec)):
            yield f"      <property name={_attr(name)} value={_attr(value)} />\n"
        yield "    </properties>\n"
        for k in np.flatnonzero(report.input_index == i).tolist():
            for case in _testcases(report, k):
                yield "    " + ET.tostring(case, encoding="unicode") + "\n"
        yield "  </testsuite>\n"
    yield "</testsuites>\n"


def _lineage(spec: Spec) -> list[tuple[str, str]]:
    """Properties for a spec that extends another (the checks it overrides, removes and
    inherits) or locks checks; none otherwise."""
    found = [("spec_lineage", note) for note in lineage_notes(spec.lineage)]
    if spec.locked:
        found.append(("spec_locked", ", ".join(spec.locked)))
    return found


def _testcases(report: Report, k: int) -> Iterator[ET.Element]:
    """The batch's test case, then one skipped test case per check it did not judge."""
    spec_name = xml_safe(report.spec.name)
    batch = report.batch(k)
    batch_id = xml_safe(batch.batch_id or f"(no id, row {batch.row})")
    where = xml_safe(f"{batch.input} row {batch.row}")
    case = ET.Element("testcase", {"name": batch_id, "classname": spec_name})
    fails = failed(batch)
    if fails or batch.verdict is Status.FAIL:  # a failing batch is never shown as passed
        failure = ET.SubElement(case, "failure", {
            "message": "; ".join(xml_safe(describe(c)) for c in fails) or "batch failed",
            "type": ",".join(dict.fromkeys(c.reason.label or "fail" for c in fails)) or "fail",
        })
        failure.text = "\n".join([where, *(
            f"{xml_safe(c.name)} [{c.reason.label}] value={xml_safe(repr(c.value))}: "
            f"{xml_safe(c.message or '')}" for c in fails)])
    warns = warned(batch)
    if warns:
        out = ET.SubElement(case, "system-out")
        out.text = "\n".join([where, *(f"warning: {xml_safe(describe(c))}" for c in warns)])
    yield case
    for check in batch.checks:
        if not check.status.judged:
            yield _skipped(batch_id, spec_name, where, check)


def _skipped(batch_id: str, spec_name: str, where: str, check: CheckView) -> ET.Element:
    case = ET.Element("testcase", {"name": f"{batch_id} / {xml_safe(check.name)}",
                                   "classname": spec_name})
    label = check.status.label.replace("_", " ")
    skipped = ET.SubElement(case, "skipped", {
        "type": check.status.label,
        "message": f"{xml_safe(check.name)} {label}: {xml_safe(check.message or '')}",
    })
    value = f" value={xml_safe(repr(check.value))}" if check.value else ""
    skipped.text = f"{where}{value}"
    return case
