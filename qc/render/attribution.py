"""A report's attribution as text, for every human-readable format.

Plain, unescaped strings: each renderer escapes them its own way (`visible()` for the
terminal, `html.escape` for HTML, cell escaping for Markdown).
"""

from __future__ import annotations

import shlex

from qc.model import Report


def attribution_fields(report: Report) -> list[tuple[str, str]]:
    """(label, value) pairs: who, where, when, with what, on which files. Empty if unknown."""
    p = report.provenance
    if p is None:
        return []
    fields = [
        ("operator", p.operator),
        ("host", p.host),
        ("time (UTC)", report.generated_at),
        ("software", ", ".join(f"{name} {version}" for name, version in p.versions)),
        ("command", shlex.join(p.command) if p.command else "(not recorded)"),
        ("options", f"decimal {p.decimal!r}, fail on {p.fail_on}"
                    + (f", as of {p.as_of}" if p.as_of else "")),
    ]
    fields += [("spec file", f"{f.path} sha256 {f.sha256}") for f in report.spec.files]
    fields += [("input", f"{f.path} sha256 {f.sha256}") for f in report.inputs]
    return fields


def attribution_line(report: Report) -> str:
    """One line for the terminal table: operator, host, time and short hashes."""
    p = report.provenance
    if p is None:
        return ""
    parts = [f"by {p.operator} on {p.host} at {report.generated_at}"]
    if p.as_of:
        parts.append(f"as of {p.as_of}")
    parts.append("spec sha256 " + "+".join(f.sha256[:12] for f in report.spec.files))
    parts.append("inputs sha256 " + ", ".join(f.sha256[:12] for f in report.inputs))
    return " · ".join(parts)


def judged_as_of(report: Report) -> str | None:
    """The date `today` meant when it is not the day the report was made (`--as-of`), for
    every human-readable report to say: a batch that conforms as of 2020-06-01 may have
    expired by the day the report was generated. None otherwise."""
    if report.as_of and report.as_of != report.generated_at[:10]:
        return report.as_of
    return None
