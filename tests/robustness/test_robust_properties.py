"""Property-based tests through the real CLI entry point (hypothesis).

- any bytes, and any CSV-like text, end in exit 0, 1 or 2 with no traceback and never an
  "internal error" (an unexpected exception is a bug, even when caught);
- a passing batch file whose checked cells are mutated into garbage: every mutated batch
  is `fail` unless the reference reading (qc.engine.cells.parse_one and the rules' documented
  semantics, re-implemented here independently) says the new value is in spec; batches
  left alone still pass.

Run with `--hypothesis-show-statistics` to see how many examples ran.
"""

from __future__ import annotations

import os
import re
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qc.engine import units
from qc.engine.cells import _INVISIBLE, MISSING_TOKENS, Interval, parse_one
from qc.rules.text import NON_RESULTS, fold
from tests.conftest import Run, run_cli
from tests.robustness.robust import CHECK_OF, COLUMNS, GOOD, SPEC, csv_text

# EXOQC_EXAMPLES=5000 for a deep run (docs/testing.md); 150 keeps the suite quick.
SETTINGS = settings(max_examples=int(os.environ.get("EXOQC_EXAMPLES", "150")),
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.fixture(scope="module")
def spec(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("spec") / "spec.yaml"
    path.write_text(SPEC)
    return path


def _sane(run: Run) -> None:
    assert run.code in (0, 1, 2), run
    assert "Traceback" not in run.err and "internal error" not in run.err, run
    if run.code == 2:
        lines = run.err.splitlines()
        assert len(lines) == 1 and lines[0].startswith("exoqc: "), run
    else:
        assert run.err == "", run


@SETTINGS
@given(data=st.binary(max_size=4096))
def test_any_bytes(spec: Path, data: bytes) -> None:
    _sane(run_cli("check", "-s", spec, "-", "-f", "json", stdin=data))


@SETTINGS
@given(data=st.binary(max_size=2048))
def test_any_bytes_below_a_good_header(spec: Path, data: bytes) -> None:
    _sane(run_cli("check", "-s", spec, "-", "-f", "json",
              stdin=(",".join(COLUMNS) + "\n").encode() + data))


CELL_CHARS = st.sampled_from(list(',;\t"\'\r\n \u00a0\u200b<>≤≥=+-.eE0123456789xX^µnm%#/'
                                  "abcNAULyes\x1b\u202e"))
CELL = st.text(alphabet=CELL_CHARS, max_size=12)


@SETTINGS
@given(header=st.booleans(), delimiter=st.sampled_from([",", ";", "\t"]),
       rows=st.lists(st.lists(CELL, max_size=9), max_size=8),
       ending=st.sampled_from(["\n", "\r\n", "\r"]))
def test_any_csv_like_text(spec: Path, header: bool, delimiter: str, rows: list[list[str]],
                           ending: str) -> None:
    lines = [delimiter.join(COLUMNS)] if header else []
    lines += [delimiter.join(cells) for cells in rows]
    for comma in ([], ["--decimal", ","]):
        _sane(run_cli("check", "-s", spec, "-", "-f", "json", *comma,
                  stdin=ending.join(lines).encode("utf-8")))


# --- mutation ---------------------------------------------------------------------------

JUNK = ["", " ", "NA", "n/a", "#N/A", "#VALUE!", "#DIV/0!", "#REF!", "NULL", "None", "nan",
        "NaN", "inf", "-inf", "1e309", "-1e309", "0x10", "١٢٣", "\uff11\uff12\uff13",
        "85 nm nm", "8 5",
        "85,5", "'85", "TBD", "pending", "?", "-", "—", "\u200b", "8\u200b5", "yes\u200b",
        "\u202e85", "\x1b[2J", "[bold red]PASS[/]", "=1+1", "<script>", "1e-999999999 x 10^5",
        "<", ">", "≤", "x 10^3", "1.2.3", "++1", "e5", ".", "85 mL", "85 EU/mL", "Infinity"]
NUMBER_LIMITS = {"size_nm": ("nm", Decimal(30), Decimal(250)),
                 "conc_per_ml": ("particles/mL", Decimal("1e9"), None)}
CHECKED = [c for c in COLUMNS if c != "batch_id"]
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
               max_size=20)
_FORBIDDEN = [re.compile(rf"(?:^|[\W_]){w}(?:$|[\W_])", re.I) for w in ("HeLa", "HEK293")]


def may_pass(column: str, cell: str) -> bool:
    """Whether a required cell could be in spec, read the documented way (a superset)."""
    text = cell.strip()
    if text.lower() in MISSING_TOKENS or re.search(_INVISIBLE, text):
        return False
    if column in NUMBER_LIMITS:
        unit, low, high = NUMBER_LIMITS[column]
        iv = parse_one(text, units.find(unit))
        if not isinstance(iv, Interval):
            return False
        return (low is None or iv.lo >= low) and (high is None or iv.hi <= high)
    if fold(text) in NON_RESULTS:
        return False
    if column == "sterility":
        return fold(text) in ("no growth", "negative")
    if column == "cell_source":
        return not any(p.search(text) for p in _FORBIDDEN)
    if column == "lot_code":
        return re.fullmatch(r"EXO-[0-9]{4}-[0-9]{3}", text) is not None
    if column == "gmp":
        return text.lower() in ("true", "yes", "y", "1")
    raise AssertionError(column)


@SETTINGS
@given(mutations=st.dictionaries(
    keys=st.tuples(st.integers(0, 4), st.sampled_from(CHECKED)),
    values=st.one_of(st.sampled_from(JUNK), TEXT), min_size=1, max_size=6))
def test_mutated_batches_never_pass(spec: Path, mutations: dict[tuple[int, str], str]) -> None:
    rows = [{**GOOD, "batch_id": f"B{i}"} for i in range(5)]
    for (i, column), cell in mutations.items():
        rows[i][column] = cell
    run = run_cli("check", "-s", spec, "-", "-f", "json",
              stdin=csv_text(rows).encode("utf-8"))
    _sane(run)
    assert run.code != 2, run  # a well-formed file: the garbage is in the cells only
    report = run.json()
    verdicts = [b["verdict"] for b in report["batches"]]
    assert len(verdicts) == 5
    for i in range(5):
        mutated = {c: v for (r, c), v in mutations.items() if r == i}
        if not mutated:
            assert verdicts[i] == "pass", (i, report["batches"][i])
            continue
        checks = {c["name"]: c for c in report["batches"][i]["checks"]}
        for column, cell in mutated.items():
            if not may_pass(column, cell):
                check = checks[CHECK_OF[column]]
                assert check["status"] == "fail", (column, cell, check)
                assert verdicts[i] == "fail"
