"""The JSON report keeps to its documented schema (docs/report.schema.json)."""

from __future__ import annotations

import json

import jsonschema
import pytest

from qc.spec import BUILTIN
from tests.conftest import ROOT, run_cli


@pytest.mark.parametrize("spec", BUILTIN)
def test_report_validates_against_documented_schema(spec: str) -> None:
    schema = json.loads((ROOT / "docs" / "report.schema.json").read_text("utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    r = run_cli("check", str(ROOT / "sample_data" / "batches.csv"), "--spec", spec, "-f", "json")
    report = json.loads(r.out)
    jsonschema.Draft202012Validator(schema).validate(report)
    for batch in report["batches"]:
        for check in batch["checks"]:
            assert (check["reason"] is not None) == (check["status"] == "fail"), check
    s = report["summary"]
    assert s["pass"] + s["warn"] + s["fail"] == s["batches"] == len(report["batches"])
