"""The JSON renderer escapes unsafe characters part by part (qc/render/json_report.py
`_inert_all`); that must equal escaping the whole text, as main's renderer did."""

from __future__ import annotations

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
