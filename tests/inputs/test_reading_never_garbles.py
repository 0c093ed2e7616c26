"""Reading never drops or garbles a row (issue 14, item 0): a row is blank only when every
cell is blank, repeated header names included; encodings are detected, not assumed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import run_cli

SPEC = """\
name: t
version: "1"
id_column: id
checks:
  - name: y
    column: y
    max: 10
    required: false
"""


def _run(tmp_path: Path, name: str, content: bytes, *extra: str) -> tuple[int, str, str]:
    (tmp_path / "spec.yaml").write_text(SPEC, encoding="utf-8")
    (tmp_path / name).write_bytes(content)
    run = run_cli("check", str(tmp_path / name), "-s", str(tmp_path / "spec.yaml"), *extra)
    return run.code, run.out, run.err


@pytest.mark.parametrize("text", [
    "id,x,x\nA1,1,1\n,,5\n",  # the fast reader's path
    'id,x,x\n"A1",1,1\n,,5\n',  # quoted: the general reader's path
    "id;x;x\r\nA1;1;1\r\n;;5\r\n",
])
def test_a_value_under_a_repeated_header_keeps_its_row(tmp_path: Path, text: str) -> None:
    code, out, _ = _run(tmp_path, "in.csv", text.encode(), "-f", "json")
    report = json.loads(out)
    assert code == 1
    assert [b["row"] for b in report["batches"]] == [2, 3]
    assert report["batches"][1]["checks"][0]["reason"] == "missing"


def test_entirely_blank_rows_are_still_skipped(tmp_path: Path) -> None:
    code, out, _ = _run(tmp_path, "in.csv", b"id,x,x\nA1,1,1\n,,\n , ,\nA2,2,2\n", "-f", "json")
    assert code == 0
    assert [b["row"] for b in json.loads(out)["batches"]] == [2, 5]


@pytest.mark.parametrize("codec", ["utf-32", "utf-32-le", "utf-32-be", "utf-16"])
def test_utf32_and_utf16_with_bom(tmp_path: Path, codec: str) -> None:
    text = "id,y\nB1,5 \u00b5m\nB-\u5317\u4eac,3\n"
    bom = {"utf-32-le": "\ufeff", "utf-32-be": "\ufeff"}.get(codec, "")
    code, out, err = _run(tmp_path, "in.csv", (bom + text).encode(codec), "-f", "json")
    report = json.loads(out)
    assert [b["batch_id"] for b in report["batches"]] == ["B1", "B-\u5317\u4eac"], err
    assert code == 1  # 5 µm has a unit the spec does not give: invalid, never garbled


@pytest.mark.parametrize(("codec", "names"), [
    ("gb18030", "GB18030 or Big5"),
    ("shift_jis", "GB18030 or Shift-JIS"),
    ("big5", "Big5"),
])
def test_cjk_text_is_refused_naming_the_likely_encoding(tmp_path: Path, codec: str,
                                                        names: str) -> None:
    """北京-001 in GB18030 used to be read as Windows-1252 `±±¾©-001` and pass."""
    word = "\u6771\u4eac" if codec == "shift_jis" else "\u5317\u4eac"
    code, out, err = _run(tmp_path, "in.csv", f"id,y\n{word}-001,5\n".encode(codec))
    assert code == 2
    assert out == ""
    assert err.startswith(f"exoqc: {tmp_path / 'in.csv'}: neither UTF-8 nor plausible "
                          "Windows-1252 text (as Windows-1252 it reads ")
    assert err.rstrip().endswith(f"it looks like {names} text: save it as UTF-8 CSV")


def test_plausible_windows_1252_is_read(tmp_path: Path) -> None:
    text = "id,y,note\nM\u00fcller-1,5,\u00b15 \u00b0C\nGr\u00f6\u00dfe-2,3,\u201cok\u201d\n"
    code, out, err = _run(tmp_path, "in.csv", text.encode("cp1252"), "-f", "json")
    assert code == 0, err
    assert [b["batch_id"] for b in json.loads(out)["batches"]] == ["M\u00fcller-1",
                                                                   "Gr\u00f6\u00dfe-2"]


def test_a_header_of_many_columns_and_no_rows(tmp_path: Path) -> None:
    header = ",".join(f"c{i}" for i in range(100_000))
    code, _, err = _run(tmp_path, "wide.csv", (header + "\n").encode())
    assert (code, err) == (2, f"exoqc: {tmp_path / 'wide.csv'}: no batch rows below the header\n")


@pytest.mark.parametrize("word", ["\u041c\u0421\u041a", "\u041a\u043e\u0441\u0442\u043d\u044b\u0439 "
                                  "\u043c\u043e\u0437\u0433", "\u0425\u0435\u041b\u0430"])
def test_cyrillic_windows_1251_is_refused_naming_it(tmp_path: Path, word: str) -> None:
    """Cyrillic MSC in Windows-1251 reads as the plausible-looking `\u00cc\u00d1\u00ca` in
    Windows-1252 (three accented letters, which the plausibility check lets by): refused
    with one line naming Windows-1251, never read as mojibake that could pass."""
    code, out, err = _run(tmp_path, "in.csv", f"id,y\nA-001,5\n{word},6\n".encode("cp1251"))
    assert code == 2
    assert out == ""
    assert err.startswith(f"exoqc: {tmp_path / 'in.csv'}: not UTF-8; it looks like "
                          "Windows-1251 (Cyrillic)")
    assert f"reads '{word}" in err and err.count("\n") == 1


def test_western_accents_are_not_taken_for_cyrillic(tmp_path: Path) -> None:
    text = "id,y,who\nA-001,5,M\u00fcller Gr\u00f6\u00dfe \u00c5ngstr\u00f6m 5 \u00b5m \u00b1 2\n"
    code, _out, err = _run(tmp_path, "in.csv", text.encode("cp1252"))
    assert (code, err) == (0, ""), err
