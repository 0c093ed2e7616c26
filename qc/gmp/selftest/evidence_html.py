"""The selftest evidence as one self-contained HTML page (every value escaped)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from html import escape
from typing import Any

_STYLE = """body{font-family:system-ui,sans-serif;margin:2em;max-width:72em}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #bbb;padding:.3em .6em;
text-align:left;vertical-align:top}.pass{color:#060}.fail{color:#b00;font-weight:bold}
pre{white-space:pre-wrap;margin:0;font-size:.85em}"""


def _rows(pairs: list[tuple[str, str]]) -> str:
    return "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in pairs)


def _pre(value: Any) -> str:
    return f"<pre>{escape(json.dumps(value, indent=1, ensure_ascii=False))}</pre>"


def render_html(evidence: Mapping[str, Any]) -> str:
    env = evidence["environment"]
    inst = evidence["installation"]
    result = evidence["result"]
    head = _rows([
        ("tool", f"exoqc {evidence['tool']['version']}"),
        ("generated (UTC)", evidence["generated_at"]),
        ("command", " ".join(evidence["command"])),
        ("operator", env["operator"]),
        ("host", env["host"]),
        ("python", f"{env['implementation']} {env['python']} ({env['executable']})"),
        ("platform", env["platform"]),
    ])
    packages = _rows([(name, f"{p['version']}  RECORD sha256 {p['record_sha256']}")
                      for name, p in env["packages"].items()])
    files = _rows([(f["path"], f["sha256"]) for f in inst["files"]])
    cases = "".join(
        f"<tr><td>{escape(c['id'])}</td><td>{escape(c['title'])}</td>"
        f"<td class=\"{escape(c['result'])}\">{escape(c['result'].upper())}</td>"
        f"<td>{_pre(c['expected'])}</td><td>{_pre(c['actual'])}</td></tr>"
        for c in evidence["cases"])
    problems = "".join(f"<li>{escape(m)}</li>" for m in
                       [*inst["mismatches"], *evidence["coverage"]["missing"]])
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>exoqc selftest evidence: {escape(result)}</title>"
        f"<style>{_STYLE}</style></head><body>\n"
        f"<h1>exoqc selftest (IQ/OQ evidence): <span class=\"{escape(result)}\">"
        f"{escape(result.upper())}</span></h1>\n"
        f"<h2>Run</h2><table>{head}</table>\n"
        + (f"<h2>Problems</h2><ul>{problems}</ul>\n" if problems else "")
        + f"<h2>Reference cases (OQ)</h2><table><tr><th>case</th><th>what</th><th>result</th>"
        f"<th>expected</th><th>actual</th></tr>{cases}</table>\n"
        f"<h2>Packages (IQ)</h2><table>{packages}</table>\n"
        f"<h2>Installed exoqc files (IQ)</h2><p>{escape(inst['source'])}; "
        f"sha256 of the listing: {escape(inst['files_sha256'])}</p><table>{files}</table>\n"
        "</body></html>\n"
    )
