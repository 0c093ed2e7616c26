"""Alternative columns (issue 14, item 6): each row takes the first alternative with a
value; two alternatives that disagree in one row are invalid, never a pass."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import run_cli

SPEC = """\
name: t
version: "1"
id_column: batch_id
checks:
  - name: size
    column: [size_nm, "Mean size (nm)"]
    unit: nm
    max: 150
    required: false
  - name: source
    column: [cell_source, source]
    forbidden: [HeLa]
    required: false
"""
HEADER = "batch_id,size_nm,Mean size (nm),cell_source,source"


def _checks(tmp_path: Path, rows: list[str]) -> list[dict[str, dict[str, str]]]:
    (tmp_path / "spec.yaml").write_text(SPEC, encoding="utf-8")
    (tmp_path / "in.csv").write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    run = run_cli("check", str(tmp_path / "in.csv"), "-s", str(tmp_path / "spec.yaml"),
                  "-f", "json")
    assert run.code in (0, 1), run
    return [{c["name"]: c for c in b["checks"]} for b in json.loads(run.out)["batches"]]


@pytest.mark.parametrize(("row", "check", "status", "reason", "message"), [
    # an empty first alternative no longer hides the second one's 250 nm
    ("B1,,250,,", "size", "fail", "out_of_spec", "250 nm is above the maximum 150 nm"),
    ("B1,120,250,,", "size", "fail", "invalid",
     "columns 'size_nm' ('120') and 'Mean size (nm)' ('250') disagree: keep one result"),
    ("B1,250,120,,", "size", "fail", "invalid",
     "columns 'size_nm' ('250') and 'Mean size (nm)' ('120') disagree: keep one result"),
    ("B1,120,120.0,,", "size", "pass", None, ""),
    ("B1,0.12 µm,120,,", "size", "pass", None, ""),
    ("B1,pending,120,,", "size", "fail", "invalid",
     "columns 'size_nm' ('pending') and 'Mean size (nm)' ('120') disagree: keep one result"),
    ("B1,,,,HeLa", "source", "fail", "out_of_spec", "'HeLa' names a forbidden entry: HeLa"),
    ("B1,,,BM-MSC,HeLa", "source", "fail", "invalid",
     "columns 'cell_source' ('BM-MSC') and 'source' ('HeLa') disagree: keep one result"),
    ("B1,,,BM-MSC,bm msc", "source", "pass", None, ""),
])
def test_alternatives_row_by_row(tmp_path: Path, row: str, check: str, status: str,
                                 reason: str | None, message: str) -> None:
    got = _checks(tmp_path, [row])[0][check]
    assert (got["status"], got["reason"]) == (status, reason), got
    if message:
        assert got["message"] == message


@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
          max_examples=40)
@given(values=st.lists(st.sampled_from(["", "120", "250", "pending", "0.12 µm", "<100"]),
                       min_size=2, max_size=2))
def test_moving_a_value_between_alternatives_never_turns_a_fail_into_a_pass(
        tmp_path: Path, values: list[str]) -> None:
    first, second = values
    verdicts = []
    for a, b in ((first, second), (second, first)):
        verdicts.append(_checks(tmp_path, [f'B1,"{a}","{b}",,'])[0]["size"]["status"])
    assert verdicts[0] == verdicts[1]
    if "250" in values or "pending" in values:
        assert verdicts[0] == "fail"
