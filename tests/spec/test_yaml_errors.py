"""YAML syntax errors in plain words, with file:line:col and a hint (qc/spec/yaml12.py
`plain_words`), the same for every command that reads a spec."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import run_cli

HEAD = "name: s\nversion: '1'\nid_column: batch_id\nchecks:\n"
CHECK = "  - name: size\n    column: size_nm\n    min: 30\n    max: 150\n"

CASES = [
    ("tab", HEAD + "  - name: size\n\tcolumn: size_nm\n", ":6:1: invalid YAML: a tab character: "
     "YAML indents with spaces only (replace the tab with spaces)"),
    ("indentation", HEAD + "  - name: size\n    column: size_nm\n   min: 30\n",
     ":7:4: invalid YAML: indentation: this line is indented differently from the lines above "
     "it at the same level (the block that starts on line 5)"),
    ("missing-colon", HEAD + "  - name: size\n    column size_nm\n    min: 30\n",
     ":6:5: invalid YAML: missing colon: this line has no ':' after its key"),
    ("unclosed-quote", HEAD + "  - name: 'size\n    column: size_nm\n",
     ":5:11: invalid YAML: unclosed quote: the quote that starts here has no closing quote"),
    ("unclosed-bracket", HEAD + CHECK.replace("min: 30", "min: [30"),
     ":7:10: invalid YAML: unclosed bracket: the '[' that starts here has no ']'"),
    ("colon-in-value", "name: s: t\n" + HEAD[8:] + CHECK,
     ":1:8: invalid YAML: unexpected ':': check the indentation of this line against the line "
     "above"),
    ("at-sign", HEAD + CHECK.replace("size_nm", "@size"),
     ":6:13: invalid YAML: '@' cannot start a value: put the value in quotes"),
]


@pytest.mark.parametrize(("text", "expected"), [(t, e) for _, t, e in CASES],
                         ids=[c[0] for c in CASES])
@pytest.mark.parametrize("command", ["validate", "check", "show"])
def test_plain_words_with_place_and_hint(tmp_path: Path, text: str, expected: str,
                                         command: str) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(text, "utf-8")
    (tmp_path / "b.csv").write_text("batch_id,size_nm\nB-1,100\n", "utf-8")
    args = {"validate": ("spec", "validate", spec), "show": ("spec", "show", spec),
            "check": ("check", tmp_path / "b.csv", "-s", spec)}[command]
    r = run_cli(*args)
    said = r.out if command == "validate" else r.err
    assert r.code == 2, r
    assert said.startswith(("exoqc: " if command != "validate" else "") + f"{spec}{expected}"), r
    assert len(said.splitlines()) == 1 and "Traceback" not in r.err
    assert "<block" not in said and "scanning" not in said  # no parser jargon
