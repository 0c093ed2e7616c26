"""The `report_version` policy of docs/report-format.md: one version in code, schema and
docs, and every key a report holds named on that page (an added field keeps the version
only if it is listed there)."""

from __future__ import annotations

import json
import re

from tests.conftest import ROOT, run_cli


def test_report_version_is_one_number_in_code_schema_and_docs() -> None:
    from qc.render.json_report import REPORT_VERSION

    schema = json.loads((ROOT / "docs" / "report.schema.json").read_text("utf-8"))
    doc = (ROOT / "docs" / "report-format.md").read_text("utf-8")
    report = run_cli("check", str(ROOT / "sample_data" / "batches.csv"), "--spec", "clinical",
                     "-f", "json").json()
    assert report["report_version"] == REPORT_VERSION
    assert schema["properties"]["report_version"] == {"const": REPORT_VERSION}
    assert doc.startswith(f"# The JSON report (`report_version` {REPORT_VERSION})\n")
    assert "## Versioning (`report_version`)" in doc


def test_every_report_field_is_documented() -> None:
    """An added field keeps the version only if it is listed: each key a report holds is
    named in docs/report-format.md."""
    doc = re.sub(r"```.*?```", "", (ROOT / "docs" / "report-format.md").read_text("utf-8"),
                 flags=re.S)  # the example, not the field list
    named = {w for code in re.findall(r"`([^`]+)`", doc) for w in re.findall(r"\w+", code)}
    report = run_cli("check", str(ROOT / "sample_data" / "batches.csv"), "--spec", "clinical",
                     "-f", "json").json()
    keys = {*report, *report["spec"], *report["inputs"][0], *report["provenance"],
            *report["provenance"]["options"], *report["batches"][0],
            *report["batches"][0]["checks"][0], *report["summary"]}
    assert sorted(keys - named) == []
