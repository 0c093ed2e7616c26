"""Option values are checked by click parameter types (qc/cli/params.py), before any work."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import click
import pytest
from hypothesis import given
from hypothesis import strategies as st

from qc.cli.guard import Abort
from qc.cli.params import DATE, NON_EMPTY, REGEX, WINDOW
from tests.conftest import run_cli
from tests.gmp.tiny import CSV, SPEC


@given(st.decimals(0, 10_000, places=2), st.decimals(0, 10_000, places=2),
       st.sampled_from(["-", "\u2013", "\u2014", ".."]), st.sampled_from(["", " ", "  "]),
       st.sampled_from(["", "nm", " nm"]))
def test_a_window_is_two_numbers_low_first(lo: Decimal, hi: Decimal, dash: str, space: str,
                                           unit: str) -> None:
    text = f"{lo}{space}{dash}{space}{hi}{unit}"
    if lo <= hi:
        assert WINDOW.convert(text, None, None) == (lo, hi)
    else:
        with pytest.raises(click.BadParameter, match="the low end is above the high end"):
            WINDOW.convert(text, None, None)


@pytest.mark.parametrize("text", ["", "30", "30-", "-30-150", "a-b", "30-150 um", "30,5-150"])
def test_a_window_that_is_not_a_range(text: str) -> None:
    with pytest.raises(click.BadParameter, match="is not a size range such as 30-150 \\(nm\\)"):
        WINDOW.convert(text, None, None)


@given(st.text(max_size=20))
def test_a_regex_is_what_python_compiles(text: str) -> None:
    try:
        re.compile(text)
    except re.error:
        with pytest.raises(click.BadParameter, match="is not a regular expression"):
            REGEX.convert(text, None, None)
    else:
        assert REGEX.convert(text, None, None) == text


@pytest.mark.parametrize("text", ["", " ", "\t\n"])
def test_an_empty_value_is_refused(text: str) -> None:
    with pytest.raises(click.BadParameter, match="must not be empty"):
        NON_EMPTY.convert(text, None, None)
    assert NON_EMPTY.convert(" alice ", None, None) == " alice "  # stripped for the record


@pytest.mark.parametrize("text", ["2026-3-7", "07.03.2024", "2026-02-30", "20260307", "",
                                  "2026-03-07T00:00", " 2026-03-07"])
def test_as_of_is_an_iso_date(text: str) -> None:
    with pytest.raises(Abort, match="is not an ISO date such as 2026-03-07"):
        DATE.convert(text, None, None)
    assert DATE.convert("2024-02-29", None, None) == "2024-02-29"


def test_a_bad_value_stops_the_run_before_any_work(monkeypatch: pytest.MonkeyPatch,
                                                   tmp_path: Path) -> None:
    """No report written, no audit entry: click refuses the value as it parses it."""
    monkeypatch.chdir(tmp_path)
    Path("spec.yaml").write_text(SPEC, "utf-8")
    Path("batches.csv").write_text(CSV, "utf-8")
    for option, value, line in [
            ("--as-of", "2026-3-7", "exoqc: --as-of: '2026-3-7' is not an ISO date such as "
                                    "2026-03-07"),
            ("--operator", "", "Error: Invalid value for '--operator': must not be empty"),
            ("--id-pattern", "[", "Error: Invalid value for '--id-pattern': '[' is not a "
                                  "regular expression: unterminated character set at "
                                  "position 0")]:
        result = run_cli("check", "batches.csv", "-s", "spec.yaml", "-o", "r.json",
                         "--audit-log", "audit.log", option, value)
        assert (result.code, result.out, result.err.splitlines()[-1]) == (2, "", line)
        assert not Path("r.json").exists() and not Path("audit.log").exists()
