"""Negative values must never pass where the quantity cannot be negative: in a cell
(`<0 EU/mL`), in an input of a derived attribute (an amount), or computed (`a - b` in nm)."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pytest

from qc.engine import units
from qc.engine.cells import Interval, parse_numbers, parse_one, read_cells
from tests.conftest import run_cli

SPEC = """\
name: t
version: "1"
id_column: batch_id
derived:
  dose_eu: endo * vol
  net: a - b
checks:
  - name: endotoxin_dose
    column: dose_eu
    unit: EU/dose
    max: 5
  - name: net_size
    column: net
    unit: nm
    max: 150
"""


def _checks(tmp_path: Path, row: str) -> dict[str, dict[str, str]]:
    (tmp_path / "in.csv").write_text(f"batch_id,endo,vol,a,b\n{row}\n", encoding="utf-8")
    (tmp_path / "spec.yaml").write_text(SPEC, encoding="utf-8")
    run = run_cli("check", str(tmp_path / "in.csv"), "-s", str(tmp_path / "spec.yaml"),
                  "-f", "json")
    assert run.code in (0, 1), run
    return {c["name"]: c for c in json.loads(run.out)["batches"][0]["checks"]}


@pytest.mark.parametrize(("endo", "vol"), [("-0.3", "2"), ("-0.3", "-2"), ("<0", "2"),
                                           ("0.3", "-2")])
def test_a_negative_input_of_a_derived_attribute_is_invalid(tmp_path: Path, endo: str,
                                                            vol: str) -> None:
    """`-0.3 EU/mL` in a column is invalid, but as the input of `endo * vol` it gave
    -0.6 EU/dose, which passed `max: 5` (and -0.3 x -2 gave 0.6)."""
    check = _checks(tmp_path, f"B1,{endo},{vol},200,50")["endotoxin_dose"]
    assert (check["status"], check["reason"]) == ("fail", "invalid"), check
    assert "negative" in check["message"]


def test_a_derived_value_below_zero_in_a_non_negative_unit_is_invalid(tmp_path: Path) -> None:
    """`a - b` = -100 nm passed `max: 150`."""
    check = _checks(tmp_path, "B1,0.3,2,100,200")["net_size"]
    assert (check["status"], check["reason"]) == ("fail", "invalid"), check
    assert "length cannot be negative" in check["message"]


def test_positive_derived_values_still_pass(tmp_path: Path) -> None:
    checks = _checks(tmp_path, "B1,0.3,2,200,100")
    assert checks["endotoxin_dose"]["status"] == checks["net_size"]["status"] == "pass"


@pytest.mark.parametrize(("text", "unit", "valid"), [
    ("<0", "EU/mL", False), ("<0 EU/mL", "EU/mL", False), ("<-0", "EU/mL", False),
    ("<0.0", "%", False), ("≤0", "EU/mL", True), ("<0.5", "EU/mL", True),
    ("<0", "°C", True), ("<0 °C", "°C", True),
])
def test_below_zero_in_a_non_negative_unit_is_invalid(text: str, unit: str,
                                                      valid: bool) -> None:
    """`<0 EU/mL` allows no value at all where endotoxin cannot be negative; it passed any
    maximum. Both readers agree."""
    target = units.find(unit)
    one = parse_one(text, target)
    nums = parse_numbers(read_cells(pa.array([text])), target)
    assert isinstance(one, Interval) is valid
    assert bool(nums.valid[0]) is valid
