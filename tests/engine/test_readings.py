"""CheckResult.readings: what the engine read from each cell, for every batch (the one value
path that the HTML report, certificates and trend use instead of reading cells again)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qc.engine import units
from qc.engine.cells import Interval, parse_one
from qc.engine.evaluate import Options, evaluate
from qc.inputs.read import load_table
from qc.model import CheckResult, Reading, Readings, Report
from qc.spec import load_spec

SPEC = """\
name: t
version: "1"
id_column: batch_id
checks:
  - name: size
    column: size
    unit: nm
    min: 50
    max: 200
  - name: endotoxin
    column: endotoxin
    unit: EU/mL
    max: 0.5
    required: false
  - name: expiry
    column: expiry
    type: date
    min: today
  - name: sterility
    column: sterility
    allowed: [no growth]
  - name: extra
    column: extra
    required: false
    max: 1
"""

BATCHES = """\
batch_id,size,endotoxin,expiry,sterility
B1,"100,5",<0.5,2027-01-31,no growth
B2,0.12 µm,>95,2027-02-30,pending
B3,,NA,,
B4,abc,0.2 mL,2027-03-01,No growth
B5,1\u200b20,0.25,2027-03-01,no\u200bgrowth
"""


def run(write: Callable[[str, str | bytes], Path], batches: str = BATCHES, spec: str = SPEC,
        *, decimal_comma: bool = True) -> Report:
    spec_path = write("spec.yaml", spec)
    data = write("batches.csv", batches)
    return evaluate(load_spec(str(spec_path)), load_table([str(data)]),
                    options=Options(decimal_comma=decimal_comma, as_of=dt.date(2026, 1, 1)),
                    tool_version="test", generated_at="now")


def result(report: Report, name: str) -> CheckResult:
    return next(r for r in report.results if r.check.name == name)


def states(read: Readings) -> list[str]:
    return [Reading(int(s)).label for s in read.state]


def test_numbers_are_intervals_in_the_checks_unit(write: Callable[..., Path]) -> None:
    read = result(run(write), "size").readings
    assert read.kind == "number"
    assert states(read) == ["value", "value", "missing", "invalid", "invalid"]
    assert read.lo is not None and read.hi is not None
    assert read.lo_open is not None and read.hi_open is not None
    assert read.lo[:2].tolist() == [100.5, 120.0]  # decimal comma; 0.12 µm in nm
    assert read.hi[:2].tolist() == [100.5, 120.0]
    assert not read.lo_open[:2].any() and not read.hi_open[:2].any()
    assert np.isnan(read.lo[2:]).all() and np.isnan(read.hi[2:]).all()


def test_censored_values_are_open_on_one_side(write: Callable[..., Path]) -> None:
    read = result(run(write), "endotoxin").readings
    assert states(read) == ["value", "value", "missing", "invalid", "value"]
    assert read.lo is not None and read.hi is not None
    assert read.lo_open is not None and read.hi_open is not None
    assert (read.lo[0], read.hi[0], bool(read.lo_open[0]), bool(read.hi_open[0])) == (
        -math.inf, 0.5, True, True)  # <0.5
    assert (read.lo[1], read.hi[1], bool(read.lo_open[1]), bool(read.hi_open[1])) == (
        95.0, math.inf, True, True)  # >95
    assert (read.lo[4], read.hi[4]) == (0.25, 0.25)


def test_dates_are_read_as_days(write: Callable[..., Path]) -> None:
    read = result(run(write), "expiry").readings
    assert read.kind == "date" and read.date is not None
    assert states(read) == ["value", "invalid", "missing", "value", "value"]
    assert read.date[0] == np.datetime64("2027-01-31")
    assert np.isnat(read.date[1]) and np.isnat(read.date[2])  # 30 February; empty


def test_words_not_a_result_and_invisible_characters(write: Callable[..., Path]) -> None:
    report = run(write)
    read = result(report, "sterility").readings
    assert read.kind == "text" and read.lo is None and read.date is None
    assert states(read) == ["value", "not_a_result", "missing", "value", "invalid"]
    ids = result(report, "batch_identity").readings
    assert states(ids) == ["value"] * 5


def test_an_absent_optional_column_reads_absent(write: Callable[..., Path]) -> None:
    read = result(run(write), "extra").readings
    assert read.kind == "number"
    assert states(read) == ["absent"] * 5
    assert read.count(Reading.ABSENT) == 5
    assert read.lo is not None and np.isnan(read.lo).all()


def test_rows_of_an_input_without_the_column_read_absent(write: Callable[..., Path]) -> None:
    spec = write("spec.yaml", SPEC)
    one = write("one.csv", "batch_id,size,expiry,sterility,extra\nA1,100,2027-01-01,no growth,0.5\n")
    two = write("two.csv", BATCHES)
    report = evaluate(load_spec(str(spec)), load_table([str(one), str(two)]),
                      options=Options(as_of=dt.date(2026, 1, 1)), tool_version="t",
                      generated_at="now")
    read = result(report, "extra").readings
    assert states(read) == ["value"] + ["absent"] * 5
    assert read.lo is not None and read.lo[0] == 0.5
    endotoxin = result(report, "endotoxin").readings
    assert states(endotoxin)[0] == "absent"


def test_coded_readings_spread_lazily_and_count_without_spreading(
        write: Callable[..., Path]) -> None:
    rows = "\n".join(f"B{i},{100 + i % 3},0.1,2027-01-01,no growth" for i in range(30))
    read = result(run(write, "batch_id,size,endotoxin,expiry,sterility\n" + rows + "\n"),
                  "size").readings
    assert read._codes is not None and len(read._stored["state"]) == 3  # stored per text
    assert read.count(Reading.VALUE) == 30 and len(read) == 30
    assert read.lo is not None
    assert read.lo.tolist() == [float(100 + i % 3) for i in range(30)]


def test_a_broken_spreadsheet_cell_reads_invalid(write: Callable[..., Path]) -> None:
    spec = write("spec.yaml", SPEC)
    table = load_table([str(write("b.csv", BATCHES))])
    table.broken["size"] = {0: "formula was never calculated"}  # as an Excel read records it
    report = evaluate(load_spec(str(spec)), table,
                      options=Options(decimal_comma=True, as_of=dt.date(2026, 1, 1)),
                      tool_version="t", generated_at="now")
    read = result(report, "size").readings
    assert states(read)[:2] == ["invalid", "value"]
    assert read.lo is not None and math.isnan(read.lo[0]) and read.lo[1] == 120.0


CELL = st.one_of(
    st.sampled_from(["", "NA", "<0.5", ">=2", "≤ 3 nm", "1.5E+2", "0.1 µm", "12 kg", "x",
                     "1e999", "-0", "7,5", "pending"]),
    st.decimals(allow_nan=False, allow_infinity=False, places=3).map(str),
    st.text(alphabet="0123456789.<>= nmµ,", max_size=8),
)


@settings(max_examples=60)
@given(cells=st.lists(CELL, min_size=1, max_size=12), comma=st.booleans())
def test_readings_agree_with_the_reference_reading(tmp_path_factory: pytest.TempPathFactory,
                                                   cells: list[str], comma: bool) -> None:
    """Each cell's reading is the reference parse (parse_one) of its text, as floats."""
    folder = tmp_path_factory.mktemp("r")

    def write(name: str, text: str) -> Path:
        path = folder / name
        path.write_text(text, encoding="utf-8")
        return path

    spec = SPEC.split("  - name: endotoxin")[0]
    body = "".join(f'B{i},"{c.replace(chr(34), "")}"\n' for i, c in enumerate(cells))
    report = run(write, "batch_id,size\n" + body, spec, decimal_comma=comma)
    read = result(report, "size").readings
    shown = result(report, "size").value
    assert read.lo is not None and read.hi is not None
    for i, text in enumerate(shown):
        assert text is not None
        state = Reading(int(read.state[i]))
        if text.lower() in ("", "na", "n/a"):
            assert state is Reading.MISSING
            continue
        ref = parse_one(text, units.find("nm"), decimal_comma=comma)
        if not isinstance(ref, Interval):
            assert state is Reading.INVALID, (text, ref)
            continue
        assert state is Reading.VALUE, text
        assert read.lo[i] == pytest.approx(float(ref.lo), rel=1e-12)
        assert read.hi[i] == pytest.approx(float(ref.hi), rel=1e-12)


def test_readings_cannot_be_changed_after_the_fact(write: Callable[..., Path]) -> None:
    report = run(write)
    for r in report.results:
        for column in (r.readings.state, r.readings.lo, r.readings.date):
            if column is not None:
                with pytest.raises(ValueError, match="read-only"):
                    column[0] = column[1]
