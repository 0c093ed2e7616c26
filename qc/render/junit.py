"""JUnit XML for Jenkins, GitLab and Azure DevOps: one test suite per input file, one test
case per batch.

`<testsuites>` > `<testsuite name=FILE tests=BATCHES failures=FAILING>` > `<testcase
name=BATCH_ID classname=SPEC_NAME>`; a failing batch carries `<failure message=...>`
listing its failed checks with value and limit, and warnings go to `<system-out>`.
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

from qc.model import Report, Spec, Status, lineage_notes
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


def render(report: Report, options: RenderOptions) -> Iterator[str]:
    s = report.summary
    spec = report.spec
    yield '<?xml version="1.0" encoding="UTF-8"?>\n'
    yield _open("testsuites", name=f"exoqc {spec.name} {spec.version}", tests=s.batches,
                failures=s.failed, errors=0, skipped=0, timestamp=report.generated_at) + "\n"
    for i, batches, _warns, fails in per_input(report):
        yield "  " + _open("testsuite", name=report.inputs[i].path, tests=batches,
                           failures=fails, errors=0, skipped=0,
                           timestamp=report.generated_at) + "\n"
        yield "    <properties>\n"
        for name, value in (("spec", spec.name), ("spec_version", spec.version),
                            ("spec_sha256", spec.files[0].sha256),
                            ("input_sha256", report.inputs[i].sha256),
                            ("tool", f"exoqc {report.tool_version}"),
                            *_lineage(spec)):
            yield f"      <property name={_attr(name)} value={_attr(value)} />\n"
        yield "    </properties>\n"
        for k in np.flatnonzero(report.input_index == i).tolist():
            yield "    " + _testcase(report, k) + "\n"
        yield "  </testsuite>\n"
    yield "</testsuites>\n"


def _lineage(spec: Spec) -> list[tuple[str, str]]:
    """Properties for a spec that extends another (the checks it overrides, removes and
    inherits) or locks checks; none otherwise."""
    found = [("spec_lineage", note) for note in lineage_notes(spec.lineage)]
    if spec.locked:
        found.append(("spec_locked", ", ".join(spec.locked)))
    return found


def _testcase(report: Report, k: int) -> str:
    spec_name = xml_safe(report.spec.name)
    batch_id = report.batch_ids[k] or f"(no id, row {int(report.rows[k])})"
    case = ET.Element("testcase", {"name": xml_safe(batch_id), "classname": spec_name,
                                   "file": xml_safe(report.inputs[int(report.input_index[k])].path),
                                   "line": str(int(report.rows[k]))})
    if report.verdicts[k] != Status.PASS:
        batch = report.batch(k)
        fails = failed(batch)
        if fails:
            lines = [xml_safe(describe(c)) for c in fails]
            failure = ET.SubElement(case, "failure", {
                "message": "; ".join(lines),
                "type": ",".join(dict.fromkeys(c.reason.label or "fail" for c in fails)),
            })
            failure.text = "\n".join(
                f"{xml_safe(c.name)} [{c.reason.label}] value={xml_safe(repr(c.value))}: "
                f"{xml_safe(c.message or '')}" for c in fails)
        warns = warned(batch)
        if warns:
            out = ET.SubElement(case, "system-out")
            out.text = "\n".join(f"warning: {xml_safe(describe(c))}" for c in warns)
    unjudged = [c for c in report.batch(k).checks if not c.status.judged]
    if unjudged:  # checks skipped for this batch: never shown as passed
        found = case.find("system-out")
        out = found if found is not None else ET.SubElement(case, "system-out")
        lines = [f"skipped: {xml_safe(c.name)} {c.status.label.replace('_', ' ')}: "
                 f"{xml_safe(c.message or '')}" for c in unjudged]
        out.text = "\n".join(filter(None, [out.text or "", *lines]))
    return ET.tostring(case, encoding="unicode")
