"""The JSON renderer escapes unsafe characters part by part (qc/render/json_report.py
`_inert_all`); that must equal escaping the whole text, as main's renderer did."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from qc.render.json_report import _inert, _inert_all

PART = st.text(alphabet='ab"\\ \x7f\x85\x9b\u2028\u2029\u200e\u202e\u2066µ\u200b', max_size=6)


@settings(max_examples=500)
@given(st.lists(PART, max_size=8))
def test_escaping_parts_is_escaping_the_whole(parts: list[str]) -> None:
    escaped = _inert_all(parts)
    assert len(escaped) == len(parts)
    assert "".join(escaped) == _inert("".join(parts))


DATES = st.sampled_from(["2026-01-01", "2026-02-30", "01/02/2026", "", "N/A", "2025-12-31",
                         "2026-1-1", "\u202e2026-01-01", "2026-01-01\x7f", "µ"])


@settings(max_examples=60)
@given(st.lists(st.tuples(DATES, DATES), min_size=1, max_size=30),
       st.integers(min_value=1, max_value=7))
def test_repeated_row_fragments_are_the_fragments_rendered_row_by_row(
        rows: list[tuple[str, str]], block: int) -> None:
    """A check judged row by row renders each distinct (status, reason, value, message)
    once (json_report._Repeats); the report is the one rendered row by row, whatever the
    blocks, whether the lookup stays on or is dropped after a first block of distinct
    rows."""
    from unittest import mock

    import qc.render.json_report as json_report
    from qc.engine.evaluate import Options, evaluate
    from qc.inputs.in_memory import table_of_cells
    from qc.render import RenderOptions
    from qc.spec import parse_spec

    spec = parse_spec(
        b'name: t\nversion: "1"\nid_column: id\nchecks:\n'
        b"  - name: shelf\n    column: expiry\n    type: date\n"
        b"    min_exclusive: {column: made}\n", "t.yaml")
    table = table_of_cells({"id": [f"B{i}" for i in range(len(rows))],
                           "made": [m for m, _ in rows], "expiry": [e for _, e in rows]})
    report = evaluate(spec, table, options=Options(as_of=dt.date(2026, 6, 1)),
                      tool_version="x", generated_at="x")

    def rendered(size: int) -> str:
        with mock.patch.object(json_report, "BLOCK", block), \
                mock.patch.object(json_report._Repeats, "SIZE", size):
            return "".join(json_report.render(report, RenderOptions()))

    assert rendered(100_000) == rendered(0)
