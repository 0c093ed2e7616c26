"""Numbers are never guessed and units are exact (issue 14, items 4, 5 and 10).

Table-driven through the real CLI (a CSV file, a spec, the JSON report), plus properties:
a grouped number is never read as another number, and a case variant of a unit spelling
never names a unit it does not list.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qc.engine import units
from qc.engine.cells import Interval, parse_one
from tests.conftest import run_cli

SPEC = """\
name: units-test
version: "1"
id_column: batch_id
checks:
  - name: size
    column: size
    unit: nm
    min: 0
    max: 2000
  - name: endotoxin
    column: endotoxin
    unit: EU/mL
    max: 100
  - name: cfu
    column: cfu
    unit: CFU/mL
    max: 10
  - name: temperature
    column: temperature
    unit: "°C"
    min: -90
    max: -60
"""

GOOD = {"size": "120", "endotoxin": "0.5", "cfu": "0", "temperature": "-80"}
GROUPING_DOT = "'.' groups thousands under --decimal ,: write the number without a grouping separator"
GROUPING_COMMA = ("',' groups thousands or is a decimal comma: write the number without a grouping "
                  "separator (or give --decimal , for a decimal comma)")

# (column, cell, --decimal, status, reason, message)
CASES: list[tuple[str, str, str, str, str, str]] = [
    # numbers are never guessed
    ("size", "1.200", ",", "fail", "invalid", GROUPING_DOT),
    ("size", "1.200,5", ",", "fail", "invalid", GROUPING_DOT),
    ("endotoxin", "1.200", ",", "fail", "invalid", GROUPING_DOT),
    ("size", "1,200", ".", "fail", "invalid", GROUPING_COMMA),
    ("size", "1 200", ".", "fail", "invalid",
     "a space groups the digits: write the number without a grouping separator"),
    ("size", "1\u2009200", ".", "fail", "invalid",
     "a space groups the digits: write the number without a grouping separator"),
    ("size", "1'200", ".", "fail", "invalid",
     "\"'\" groups the digits: write the number without a grouping separator"),
    ("size", "0.5", ",", "pass", "", ""),
    ("size", "100,5", ",", "pass", "", ""),
    ("size", "1200", ".", "pass", "", ""),
    # messages that send the lab to the right fix
    ("size", "96;104;99", ".", "fail", "invalid",
     "3 values in one cell: replicates need a replicate rule in the spec"),
    ("size", "96|104", ".", "fail", "invalid",
     "2 values in one cell: replicates need a replicate rule in the spec"),
    ("size", "96,104,99", ".", "fail", "invalid",
     "3 values in one cell: replicates need a replicate rule in the spec"),
    ("size", "120-130", ".", "fail", "invalid", "a range, not a result: give the result"),
    ("size", "120 – 130 nm", ".", "fail", "invalid", "a range, not a result: give the result"),
    ("size", "120±15", ".", "fail", "invalid",
     "a result with its uncertainty: give the result alone"),
    ("size", "120 +/- 15 nm", ".", "fail", "invalid",
     "a result with its uncertainty: give the result alone"),
    ("size", "1,5", ".", "fail", "invalid",
     "a decimal comma is not read unless --decimal , is given"),
    # negative quantities that cannot be negative
    ("endotoxin", "-0.1", ".", "fail", "invalid",
     "negative, but endotoxin cannot be negative"),
    ("endotoxin", "\u22120.05 EU/mL", ".", "fail", "invalid",
     "negative, but endotoxin cannot be negative"),
    ("endotoxin", "<-1", ".", "fail", "invalid", "negative, but endotoxin cannot be negative"),
    ("endotoxin", "<0.5", ".", "pass", "", ""),
    ("temperature", "-85 °C", ".", "pass", "", ""),
    # units are exact
    ("size", "100 nM", ".", "fail", "invalid",
     "unknown unit 'nM' (units are case-sensitive: this is not nm)"),
    ("size", "100 Nm", ".", "fail", "invalid",
     "unknown unit 'Nm' (units are case-sensitive: this is not nm)"),
    ("size", "100 NM", ".", "fail", "invalid",
     "unknown unit 'NM' (units are case-sensitive: this is not nm)"),
    ("size", "0.1 µm", ".", "pass", "", ""),
    ("size", "85 mL", ".", "fail", "invalid", "mL is not a unit of length (expected nm)"),
    ("cfu", "5 CFU/mL", ".", "pass", "", ""),
    ("cfu", "50 CFU/10 mL", ".", "pass", "", ""),
    ("cfu", "500 CFU/10 mL", ".", "fail", "out_of_spec", ""),
    ("cfu", "5 particles/mL", ".", "fail", "invalid",
     "particles/mL is not a unit of colony count (expected CFU/mL)"),
    ("cfu", "5 copies/mL", ".", "fail", "invalid",
     "copies/mL is not a unit of colony count (expected CFU/mL)"),
]


def _check(tmp_path: Path, column: str, cell: str, decimal: str) -> dict[str, str]:
    (tmp_path / "spec.yaml").write_text(SPEC, encoding="utf-8")
    row = {**GOOD, column: cell}
    sep = ";" if decimal == "," else ","
    head = sep.join(["batch_id", *row])
    body = sep.join(["B1", *(f'"{v}"' for v in row.values())])
    (tmp_path / "in.csv").write_text(f"{head}\n{body}\n", encoding="utf-8")
    run = run_cli("check", str(tmp_path / "in.csv"), "-s", str(tmp_path / "spec.yaml"),
                  "--decimal", decimal, "-f", "json")
    assert run.code in (0, 1), run
    checks = json.loads(run.out)["batches"][0]["checks"]
    return next(c for c in checks if c["name"] == column)


@pytest.mark.parametrize(("column", "cell", "decimal", "status", "reason", "message"), CASES,
                         ids=[f"{c[0]}={c[1]!r}{' dc' if c[2] == ',' else ''}" for c in CASES])
def test_cell_reading_through_the_cli(tmp_path: Path, column: str, cell: str, decimal: str,
                                      status: str, reason: str, message: str) -> None:
    check = _check(tmp_path, column, cell, decimal)
    assert (check["status"], check["reason"] or "") == (status, reason), check
    if message:
        assert check["message"] == f"cannot read {cell!r}: {message}"


def _grouped(value: int, sep: str, decimals: str) -> str:
    digits = f"{value:,}".replace(",", sep)
    return digits + decimals


SPACES = [" ", "'", "\u2009", "\u00a0", "\u202f", "\u2019"]


@given(value=st.integers(min_value=1000, max_value=10**12),
       data=st.data(),
       fraction=st.sampled_from(["", "5", "25", "75"]),
       decimal_comma=st.booleans(),
       unit=st.sampled_from(["", " nm", "nm"]))
def test_a_grouped_number_is_never_read_as_another(value: int, data: st.DataObject,
                                                   fraction: str, decimal_comma: bool,
                                                   unit: str) -> None:
    """A number written with a grouping separator of its convention (`,` and spaces by
    default; `.` and spaces under --decimal ,) is refused, or read as exactly the number it
    unambiguously is: never 1.2 for `1.200`."""
    grouping = data.draw(st.sampled_from([*SPACES, "." if decimal_comma else ","]))
    point = "," if decimal_comma else "."
    text = _grouped(value, grouping, point + fraction if fraction else "") + unit
    read = parse_one(text, units.find("nm"), decimal_comma=decimal_comma)
    if isinstance(read, Interval):
        plain = Decimal(value) + (Decimal("0." + fraction) if fraction else Decimal(0))
        assert read.lo == read.hi == plain, text


_CASE_SWAP = st.sampled_from(list(units.ALL))


@given(unit=_CASE_SWAP, data=st.data())
def test_a_case_variant_never_names_another_unit(unit: units.Unit,
                                                 data: st.DataObject) -> None:
    """Changing the case of letters in an accepted spelling gives either a spelling that
    the same unit lists, or no unit at all: `nM` is never nm, `ML` never mL."""
    spelling = data.draw(st.sampled_from(unit.spellings))
    flips = data.draw(st.lists(st.booleans(), min_size=len(spelling), max_size=len(spelling)))
    variant = "".join(c.swapcase() if f else c for c, f in zip(spelling, flips, strict=True))
    found = units.find(variant)
    if found is not None:
        assert found is unit
        assert units.normalise(variant) in {units.normalise(s) for s in unit.spellings}


def test_every_spelling_is_documented() -> None:
    """docs/spec-format.md lists every accepted spelling of every unit, and no other."""
    doc = (Path(__file__).resolve().parents[2] / "docs" / "spec-format.md").read_text("utf-8")
    section = doc.split("## Units and how numbers are read", 1)[1].split("\n## ", 1)[0]
    for unit in units.ALL:
        line = next(row for row in section.splitlines() if row.startswith(f"| {unit.dimension} | `{unit.symbol}` |"))
        listed = [part.strip("` ") for part in line.rsplit("|", 2)[1].split(", ")]
        assert listed == list(unit.spellings), unit.symbol


def test_counts_of_different_things_never_convert() -> None:
    counts = ["particles/mL", "CFU/mL", "copies/mL", "EU/mL"]
    dims = {units.find(u).dimension for u in counts}  # type: ignore[union-attr]
    assert len(dims) == len(counts)


@pytest.mark.parametrize("spelling", ["nM", "Nm", "NM", "ML", "Ml", "NG/ML", "eu/ML", "UM"])
def test_case_changing_spellings_are_unknown(spelling: str) -> None:
    assert units.find(spelling) is None


def test_spec_unit_case_matters(tmp_path: Path, write: Callable[[str, str], Path]) -> None:
    spec = write("spec.yaml", SPEC.replace("unit: nm", "unit: NM"))
    data = write("in.csv", "batch_id,size,endotoxin,cfu,temperature\nB1,1,1,1,-80\n")
    run = run_cli("check", str(data), "-s", str(spec))
    assert run.code == 2
    assert "unknown unit 'NM'" in run.err
