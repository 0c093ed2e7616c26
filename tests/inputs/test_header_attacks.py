"""Headers a reader cannot tell apart are one name: a file holding both is ambiguous."""

from __future__ import annotations

from pathlib import Path

import pytest

from qc.model import header_key
from tests.conftest import run_cli

SPEC = """\
name: t
version: "1"
id_column: batch_id
checks:
  - name: ph
    column: ph
    min: 6
    max: 8
"""


@pytest.mark.parametrize("twin", ["ph\u200b", "\uff50\uff48", "p\u00adh", "ph\u3164", "PH "])
def test_a_twin_header_is_ambiguous(tmp_path: Path, twin: str) -> None:
    """`ph` + U+200B (or its full-width form) beside `ph` was another column: the reader saw two
    `ph` columns, one failing 9, and exoqc judged the passing 7 without a word."""
    (tmp_path / "b.csv").write_text(f"batch_id,ph,{twin}\nB1,7,9\n", encoding="utf-8")
    (tmp_path / "s.yaml").write_text(SPEC, encoding="utf-8")
    run = run_cli("check", str(tmp_path / "b.csv"), "-s", str(tmp_path / "s.yaml"), "-q")
    assert run.code == 2, run
    assert "cannot tell which to use" in run.err


def test_a_full_width_or_invisible_header_still_matches_alone() -> None:
    assert header_key("\uff50\uff48") == header_key("ph\u200b") == header_key(" PH ") == "ph"
