"""The terminal table at any width (qc/render/table.py): a stacked layout below 100
columns, a table from 100 on, no line break inside a word, hints said once; golden output
at 60, 80, 100 and 200 columns through the real CLI (COLUMNS sets the width)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import qc
from qc.render import RenderOptions
from qc.render.table import render
from qc.render.text import no_workflow_commands
from tests.conftest import mask_versions, run_cli

GOLDEN = Path(__file__).parent / "golden"
EPOCH = {"SOURCE_DATE_EPOCH": "1764000000"}
ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.mark.parametrize("width", [60, 80, 100, 200])
@pytest.mark.parametrize("verbose", [False, True], ids=["problems", "verbose"])
def test_golden_at_each_width(width: int, verbose: bool, monkeypatch: pytest.MonkeyPatch,
                              golden: Callable[[str, str], None]) -> None:
    monkeypatch.chdir(GOLDEN)
    args = ("--verbose",) if verbose else ()
    r = run_cli("check", "batches.csv", "--spec", "spec.yaml", *args,
                env={**EPOCH, "COLUMNS": str(width)})
    assert (r.code, r.err) == (1, ""), r
    assert all(len(line) <= width for line in r.out.splitlines()), r.out
    golden(f"terminal/{'verbose-' if verbose else ''}{width}.txt", mask_versions(r.out))


def test_table_from_100_columns_and_stacked_below(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(GOLDEN)
    for width, table in ((99, False), (100, True)):
        out = run_cli("check", "batches.csv", "-s", "spec.yaml",
                      env={"COLUMNS": str(width)}).out
        heading = any(line.split()[:3] == ["batch", "row", "verdict"]
                      for line in out.splitlines())
        assert heading is table, out
        assert ("EXO-2026-004 · row 5 · sterility · invalid" in out) is not table, out


def test_under_github_actions_nothing_wraps(monkeypatch: pytest.MonkeyPatch) -> None:
    """However narrow the terminal: a finding is one line (no value starts a line)."""
    monkeypatch.chdir(GOLDEN)
    out = run_cli("check", "batches.csv", "-s", "spec.yaml", "-f", "table",
                  env={"COLUMNS": "60", "GITHUB_ACTIONS": "true"}).out
    line = next(x for x in out.splitlines() if "endotoxin" in x)
    assert line.endswith("<2 EU/mL may exceed the maximum 1.0 EU/mL (retest more sensitively)")
    assert "batch" in out and "·" not in out.split("FAIL:")[1]


def test_long_ids_stack_even_on_a_wide_terminal(tmp_path: Path) -> None:
    """A table whose detail column would be too narrow is stacked instead of squeezed."""
    (tmp_path / "spec.yaml").write_text(SPEC.format(name="x" * 60), "utf-8")
    ident = "LOT-" + "7" * 70
    report = qc.check({"batch_id": [ident], "value": ["85 mL"]}, tmp_path / "spec.yaml")
    out = "".join(render(report.result, RenderOptions(width=120)))
    assert f"{ident} · row 2 ·" in out and f"{'x' * 60} · out of spec" in out
    assert "verdict" not in out
    assert "\n  '85 mL' is not" in out


def _decimal_comma_file(tmp_path: Path, rows: int) -> Path:
    (tmp_path / "spec.yaml").write_text(
        "name: dc\nversion: '1'\nid_column: batch_id\nchecks:\n"
        "  - {name: size, column: size_nm, unit: nm, min: 30, max: 150}\n"
        "  - {name: ph, column: ph, min: 6, max: 8}\n", "utf-8")
    body = "".join(f"B-{i},\"10{i % 9},5\",\"7,{i % 10}\"\n" for i in range(rows))
    path = tmp_path / "batches.csv"
    path.write_text("batch_id,size_nm,ph\n" + body, "utf-8")
    return path


@pytest.mark.parametrize("width", [60, 120])
def test_decimal_comma_hint_once_in_the_summary(tmp_path: Path, width: int) -> None:
    path = _decimal_comma_file(tmp_path, 142)
    r = run_cli("check", path, "-s", tmp_path / "spec.yaml", env={"COLUMNS": str(width)})
    assert r.code == 1, r
    lines = r.out.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("FAIL: 142 batches"))
    assert lines[at + 1] == "hint: 284 cells look like decimal commas: try --decimal ,"
    assert "--decimal" not in "\n".join(lines[at + 2:])  # not once per cell
    assert "cannot read '100,5': a decimal comma (see the hint above)" in r.out
    # the report keeps each cell's whole message
    data = run_cli("check", path, "-s", tmp_path / "spec.yaml", "-f", "json").json()
    messages = [c["message"] for b in data["batches"] for c in b["checks"]
                if c["name"] in ("size", "ph")]
    assert len(messages) == 284
    assert all(m.endswith("a decimal comma is not read unless --decimal , is given")
               for m in messages)


def test_no_hint_when_decimal_comma_is_given(tmp_path: Path) -> None:
    path = _decimal_comma_file(tmp_path, 3)
    r = run_cli("check", path, "-s", tmp_path / "spec.yaml", "--decimal", ",")
    assert "hint:" not in r.out and r.code == 0, r


def test_one_cell_says_cell(tmp_path: Path) -> None:
    (tmp_path / "spec.yaml").write_text(
        "name: dc\nversion: '1'\nid_column: batch_id\nchecks:\n"
        "  - {name: ph, column: ph, min: 6, max: 8}\n", "utf-8")
    (tmp_path / "b.csv").write_text('batch_id,ph\nB-1,"7,1"\nB-2,7.2\n', "utf-8")
    r = run_cli("check", tmp_path / "b.csv", "-s", tmp_path / "spec.yaml")
    assert "hint: 1 cell looks like decimal commas: try --decimal ," in r.out.splitlines()


SPEC = """name: words
version: '1'
id_column: batch_id
checks:
  - name: {name}
    column: value
    allowed: [accepted]
"""

# No '"': a value holding both quotes is shown escaped (repr) in its message, not split.
WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.µ%'",
               min_size=1, max_size=25)
NAME = st.from_regex(r"[a-z][a-z0-9_]{0,39}", fullmatch=True)
ID_WORD = st.from_regex(r"[A-Z0-9][A-Z0-9-]{0,24}", fullmatch=True)


@given(ids=st.lists(st.lists(ID_WORD, min_size=1, max_size=3).map(" ".join), min_size=1,
                    max_size=4, unique=True),
       name=NAME,
       values=st.lists(st.lists(WORD, min_size=1, max_size=4).map(" ".join), min_size=4,
                       max_size=4),
       width=st.integers(60, 220), verbose=st.booleans())
def test_no_word_is_ever_split(tmp_path_factory: pytest.TempPathFactory, ids: list[str],
                               name: str, values: list[str], width: int,
                               verbose: bool) -> None:
    """Every word of a batch id, a check name and a value is whole on one line, and no
    line is wider than the terminal (every word here fits on a line)."""
    folder = tmp_path_factory.mktemp("words")
    (folder / "spec.yaml").write_text(SPEC.format(name=name), "utf-8")
    cells = {"batch_id": ids, "value": values[:len(ids)]}
    report = qc.check(cells, folder / "spec.yaml")
    out = ANSI.sub("", "".join(render(report.result, RenderOptions(
        width=width, verbose=verbose, color=True))))
    lines = out.splitlines()
    for word in [*" ".join(ids).split(), name, *" ".join(cells["value"]).split()]:
        assert any(word in line for line in lines), (word, out)
    assert all(len(line) <= width for line in lines), out


def test_hint_count_the_same_for_coded_and_plain_messages(tmp_path: Path) -> None:
    """hints.count reads a coded column once per distinct message, a plain one per row."""
    from msgspec.structs import replace

    from qc.render import hints

    path = _decimal_comma_file(tmp_path, 50)
    report = qc.check(path, tmp_path / "spec.yaml").result
    plain = replace(report, results=tuple(
        replace(r, message=list(r.message)) for r in report.results))
    assert any(hasattr(r.message, "codes") for r in report.results)
    assert [c.cells for c in hints.count(report)] == [c.cells for c in hints.count(plain)] \
        == [100]


# Any text a cell may hold: controls (those rich drops, a tab, escapes), wide and
# combining characters, look-alikes, spaces.
ANY_TEXT = st.text(alphabet=st.sampled_from(
    "abc XYZ019-.,'\"%µ\t\r\n\x07\x08\x0b\x0c\x1b[\u200b\u0301\u4e2d\u6587\U0001f600"
    "\u0410\u00a0\u2028\ufeff"), max_size=30)


@given(ids=st.lists(ANY_TEXT, min_size=1, max_size=4), values=st.lists(ANY_TEXT, min_size=4,
                                                                           max_size=4),
       width=st.integers(60, 160), verbose=st.booleans(), wrap=st.booleans())
def test_output_without_colour_is_what_rich_prints(
        tmp_path_factory: pytest.TempPathFactory, ids: list[str], values: list[str],
        width: int, verbose: bool, wrap: bool) -> None:
    """Without colour the table is joined from plain lines (no rich import): exactly the
    characters rich's console prints for the same lines."""
    from qc.render.table import through_rich

    folder = tmp_path_factory.mktemp("plain")
    (folder / "spec.yaml").write_text(SPEC.format(name="value_check"), "utf-8")
    cells = {"batch_id": [f"B{i}{text}" for i, text in enumerate(ids)],
             "value": values[:len(ids)]}
    report = qc.check(cells, folder / "spec.yaml")
    options = RenderOptions(width=width, verbose=verbose, wrap=wrap, color=False)
    assert "".join(render(report.result, options)) == no_workflow_commands(
        through_rich(report.result, options))


def test_a_line_with_a_tab_goes_through_rich(monkeypatch: pytest.MonkeyPatch,
                                             tmp_path: Path) -> None:
    """rich expands tabs by cell width: a line holding one (no value does: `visible`)
    is printed by rich itself."""
    import qc.render.table as table

    (tmp_path / "spec.yaml").write_text(SPEC.format(name="value_check"), "utf-8")
    report = qc.check({"batch_id": ["B-1"], "value": ["no"]}, tmp_path / "spec.yaml").result
    monkeypatch.setattr(table, "visible", lambda text: text.replace("value_check", "a\tb"))
    options = RenderOptions(width=100, color=False)
    out = "".join(render(report, options))
    assert re.search(r"FAIL +a +b +out of spec", out) and "\t" not in out, out
    assert out == no_workflow_commands(table.through_rich(report, options))


@given(st.text(max_size=12))
def test_cell_width_is_what_rich_measures(text: str) -> None:
    """The table measures one-cell text itself and asks rich about the rest: the same
    width for any text (wide CJK, combining marks, controls, the soft hyphen)."""
    from rich.cells import cell_len as rich_cell_len

    from qc.render.table import cell_len

    assert cell_len(text) == rich_cell_len(text)


@pytest.mark.parametrize("text", ["", "EXO-001", "µ·°─é", "\u00ad", "\u0301a", "\u4e2d",
                                  "\x07", "\u25fd", "\u2500\u25fc"])
def test_cell_width_at_the_edges_of_the_one_cell_ranges(text: str) -> None:
    from rich.cells import cell_len as rich_cell_len

    from qc.render.table import cell_len

    assert cell_len(text) == rich_cell_len(text)
