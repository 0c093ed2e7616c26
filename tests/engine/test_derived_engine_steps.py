"""Derived attributes go through the engine's own steps for each input column (absent,
missing, spreadsheet cells without a value, invisible characters), with its messages."""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable
from pathlib import Path

from qc.engine.evaluate import Options, evaluate, invisible_message
from qc.inputs.read import load_table
from qc.model import Reading
from qc.spec import load_spec
from tests.conftest import run_cli

SPEC = """\
name: t
version: "1"
id_column: batch_id
derived:
  ratio: particles / protein
checks:
  - name: purity
    column: ratio
    min: 1.0e+9
"""


def test_an_invisible_character_in_an_input_is_invalid_with_the_engines_message(
        write: Callable[..., Path]) -> None:
    spec = write("spec.yaml", SPEC)
    data = write("b.csv", "batch_id,particles,protein\nB1,2E+11,10\nB2,2E+11,1\u200b0\n"
                          "B3,\u200b2E+11,\n")
    run = run_cli("check", str(data), "--spec", str(spec), "-f", "json")
    assert run.code == 1, run
    checks = [b["checks"][1] for b in json.loads(run.out)["batches"]]
    assert (checks[0]["status"], checks[0]["value"]) == ("pass", "2.0E+10")
    engine_says = invisible_message("1\u200b0")
    assert engine_says == "contains an invisible character (U+200B); retype the value"
    assert (checks[1]["status"], checks[1]["reason"]) == ("fail", "invalid")
    assert checks[1]["message"].startswith(f"protein: {engine_says} (from ")
    # an invisible character is never outweighed by another input being empty
    assert (checks[2]["status"], checks[2]["reason"]) == ("fail", "invalid")
    assert checks[2]["message"].startswith(f"particles: {engine_says}")


def test_an_invisible_character_fails_an_optional_check_too(write: Callable[..., Path]) -> None:
    spec = write("spec.yaml", SPEC + "    required: false\n")
    data = write("b.csv", "batch_id,particles,protein\nB1,2E+11,1\u200b0\nB2,,10\n"
                          "B3,\u200b2E+11,\n")
    run = run_cli("check", str(data), "--spec", str(spec), "-f", "json")
    assert run.code == 1, run
    first, second, third = (b["checks"][1] for b in json.loads(run.out)["batches"])
    assert (first["status"], first["reason"]) == ("fail", "invalid")
    # an empty input beside an invisible character: invalid, not an optional "no value"
    assert (third["status"], third["reason"]) == ("fail", "invalid"), third
    assert (second["status"], second["message"]) == (
        "not_tested", "no value (optional): an input is empty (particles, protein) "
                "(from particles (empty), protein 10)")


def test_derived_readings_hold_the_computed_value(write: Callable[..., Path]) -> None:
    spec = write("spec.yaml", SPEC)
    data = write("b.csv", "batch_id,particles,protein\nB1,3.07E+11,17.3\nB2,<1E+10,20\n"
                          "B3,2E+11,\nB4,2E+11,0\nB5,abc,1\nB6,2E+11,1\u200b0\n")
    table = load_table([str(data)])
    table.broken["protein"] = {4: "formula was never calculated"}
    report = evaluate(load_spec(str(spec)), table, options=Options(as_of=dt.date(2026, 1, 1)),
                      tool_version="t", generated_at="now")
    purity = report.results[1]
    read = purity.readings
    assert [Reading(int(s)).label for s in read.state] == [
        "value", "value", "missing", "invalid", "invalid", "invalid"]
    assert read.lo is not None and read.hi is not None and read.lo_open is not None
    assert read.lo[0] == read.hi[0] == 3.07e11 / 17.3  # the value, not its display text
    assert purity.value[0] == "1.775E+10"
    assert (read.lo[1], read.hi[1], bool(read.lo_open[1])) == (0.0, 1e10 / 20, True)
    assert all(math.isnan(v) for v in read.lo[2:].tolist())
    assert purity.message[4] is not None
    assert purity.message[4].startswith("protein: formula was never calculated")


def test_an_absent_optional_input_reads_absent(write: Callable[..., Path]) -> None:
    spec = write("spec.yaml", SPEC + "    required: false\n")
    data = write("b.csv", "batch_id,particles\nB1,2E+11\n")
    report = evaluate(load_spec(str(spec)), load_table([str(data)]),
                      options=Options(as_of=dt.date(2026, 1, 1)), tool_version="t",
                      generated_at="now")
    purity = report.results[1]
    assert purity.readings.count(Reading.ABSENT) == 1
    assert purity.message[0] == "column 'protein' is not in the file (optional)"
    assert purity.check.column == "ratio"
