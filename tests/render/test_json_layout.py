"""The JSON report's line layout, which `exoqc verify` reads fast: the renderer
(qc/render/json_report.py) defines it, verify (qc/gmp/verify.py) imports it, and these tests
tie the two: what the renderer writes is what verify's fast path finds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qc.gmp import verify
from qc.render import RenderOptions
from qc.render import json_report as layout
from qc.run import RunOptions, run
from tests.gmp.tiny import SPEC

# Batch ids and values with what could break a line layout: newlines, separators, quotes,
# the marker itself, line separators (escaped as inert), non-ASCII.
CELL = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12).filter(
    lambda t: "," not in t and '"' not in t and "\r" not in t and "\n" not in t)


def _report(tmp_path: Path, rows: list[tuple[str, str]]) -> bytes:
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC, "utf-8")
    batches = tmp_path / "batches.csv"
    batches.write_text("batch_id,size_nm\n" + "".join(f"{i},{v}\n" for i, v in rows), "utf-8")
    report = run(RunOptions(inputs=(str(batches),), spec=str(spec)))
    chunks = list(layout.render(report, RenderOptions(color=False, verbose=True, width=120)))
    assert chunks[0].endswith(layout.BATCHES_START)  # the header is the first chunk, whole
    return "".join(chunks).encode("utf-8")


def test_verify_uses_the_renderers_layout() -> None:
    assert layout.BATCHES_START.encode() == verify.MARKER


@pytest.mark.parametrize("n", [1, 3, layout.BLOCK + 1])  # a file without batches is exit 2
def test_the_fast_path_finds_every_batch_the_renderer_wrote(tmp_path: Path, n: int) -> None:
    data = _report(tmp_path, [(f"B-{i}", str(40 + i % 300)) for i in range(n)])
    _check_layout(data)


@given(st.lists(st.tuples(CELL, CELL), max_size=6))
@settings(max_examples=60)
def test_any_cells_keep_the_layout(tmp_path_factory: pytest.TempPathFactory,
                                   rows: list[tuple[str, str]]) -> None:
    rows = [(f"id{k}{i}", v) for k, (i, v) in enumerate(rows)]  # ids present, distinct
    try:
        data = _report(tmp_path_factory.mktemp("layout"), rows)
    except Exception as exc:  # a file the reader refuses has no report to lay out
        from qc.errors import ExoqcError

        assert isinstance(exc, ExoqcError), exc
        return
    _check_layout(data)


def _check_layout(data: bytes) -> None:
    doc = json.loads(data)
    head, body = verify._parse(data, "r.json")
    assert body is not None, "verify would not take its fast path for the renderer's output"
    assert head == {k: v for k, v in doc.items() if k != "batches"}
    lines = list(verify._batch_lines([data[body:]]))
    assert [json.loads(line) for line in lines] == doc["batches"]
    end = layout.BATCHES_END if doc["batches"] else layout.EMPTY_END
    assert data.endswith(end.encode())
