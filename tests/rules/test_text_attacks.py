"""Attacks on the word rules and batch ids: respellings, invisible fillers and letters of
other scripts must never let a batch pass that a reader would see failing."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from tests.conftest import run_cli

SPEC = """\
name: t
version: "1"
id_column: batch_id
checks:
  - name: source
    column: cell_source
    forbidden: [HeLa, HEK293]
"""


def _statuses(tmp_path: Path, rows: list[tuple[str, str]]) -> list[dict[str, dict[str, str]]]:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["batch_id", "cell_source"])
    writer.writerows(rows)
    (tmp_path / "in.csv").write_text(out.getvalue(), encoding="utf-8")
    (tmp_path / "spec.yaml").write_text(SPEC, encoding="utf-8")
    run = run_cli("check", str(tmp_path / "in.csv"), "-s", str(tmp_path / "spec.yaml"),
                  "-f", "json")
    assert run.code in (0, 1), run
    report = json.loads(run.out)
    return [{c["name"]: c for c in b["checks"]} for b in report["batches"]]


@pytest.mark.parametrize("source", [
    "HEK 293", "HEK-293", "hek-293", "HEK\u2010293", "HEK\u00b7293", "HEK\uff12\uff19\uff13",
    "\u210bEK293", "HeLa\u2013derived EVs",
])
def test_a_respelled_forbidden_entry_fails(tmp_path: Path, source: str) -> None:
    """qc/text.py: `HEK-293`, `HEK 293` and `hek293` name one cell line; the forbidden rule
    matched only case and space runs, so `HEK 293` passed `forbidden: [HEK293]`."""
    check = _statuses(tmp_path, [("B1", source)])[0]["source"]
    assert check["status"] == "fail", check


@pytest.mark.parametrize("source", ["donor MICHELA-07", "BM-MSC", "HEK", "293 cells"])
def test_other_words_still_pass_forbidden(tmp_path: Path, source: str) -> None:
    assert _statuses(tmp_path, [("B1", source)])[0]["source"]["status"] == "pass"


@pytest.mark.parametrize("filler", ["\u3164", "\u115f", "\u1160", "\uffa0", "\u034f",
                                    "\u2800", "\u17b4", "\ufe0f", "\u180b"])
def test_an_invisible_filler_is_never_a_pass(tmp_path: Path, filler: str) -> None:
    """Hangul fillers, the combining grapheme joiner, variation selectors and the blank
    braille pattern show nothing, but are not format characters (Cf): `EXO-1` + U+3164
    was a second batch beside `EXO-1`, and `He`+U+3164+`La` passed `forbidden: [HeLa]`."""
    checks = _statuses(tmp_path, [("EXO-1", "BM-MSC"), (f"EXO-1{filler}", "BM-MSC"),
                                  ("EXO-2", f"He{filler}La")])
    assert checks[0]["batch_identity"]["status"] == "fail"
    assert checks[1]["batch_identity"]["status"] == "fail"
    assert checks[2]["source"]["status"] == "fail"


@pytest.mark.parametrize("twin", ["EXO\u2043001", "EXO\u02d7001", "EXO\u2796001"])
def test_a_dash_lookalike_in_an_id_is_a_duplicate(tmp_path: Path, twin: str) -> None:
    checks = _statuses(tmp_path, [("EXO-001", "BM-MSC"), (twin, "BM-MSC")])
    assert [c["batch_identity"]["status"] for c in checks] == ["fail", "fail"]


@pytest.mark.parametrize("source", ["\u13bbEK293", "HE\u13e6293", "\u13bbeLa"])
def test_a_cherokee_lookalike_in_a_latin_word_fails(tmp_path: Path, source: str) -> None:
    """Cherokee (and other scripts') letters shaped like Latin capitals, mixed into a Latin
    word, were not looked for: only Cyrillic and Greek were."""
    check = _statuses(tmp_path, [("B1", source)])[0]["source"]
    assert (check["status"], check["reason"]) == ("fail", "invalid"), check


def test_a_cherokee_letter_in_an_id_fails(tmp_path: Path) -> None:
    checks = _statuses(tmp_path, [("EXO-001", "BM-MSC"), ("\u13acXO-001", "BM-MSC")])
    assert checks[1]["batch_identity"]["status"] == "fail"


@pytest.mark.parametrize("source", ["HeL\u03b1", "\u029c\u1d07\u1d0b293", "He\u029fa cells",
                                    "\u13bb\u13ac\u13e6 293", "H\u0395\u039a-293"])
def test_a_forbidden_entry_spelled_with_look_alike_letters_fails(tmp_path: Path,
                                                                 source: str) -> None:
    """Greek small alpha is not flagged as a look-alike (TNF-alpha is a real name), and
    Latin small capitals are Latin: `HeL` + alpha and small-capital `HEK293` passed
    `forbidden: [HeLa, HEK293]`. The rule also reads the cell's skeleton."""
    check = _statuses(tmp_path, [("B1", source)])[0]["source"]
    assert check["status"] == "fail", check


@pytest.mark.parametrize("source", ["TNF-\u03b1 knockout", "IFN-\u03b3", "\u03b2-actin"])
def test_greek_lab_names_still_pass_forbidden(tmp_path: Path, source: str) -> None:
    assert _statuses(tmp_path, [("B1", source)])[0]["source"]["status"] == "pass"


def test_a_polarity_entry_is_found_by_the_prefilter(tmp_path: Path) -> None:
    """The ASCII prefilter keeps only letters and digits: `CD63+` must still be found."""
    (tmp_path / "in.csv").write_text("batch_id,marker\nB1,CD63+ cells\nB2,CD63- cells\n",
                                     encoding="utf-8")
    (tmp_path / "spec.yaml").write_text(SPEC.replace("cell_source", "marker").replace(
        "[HeLa, HEK293]", '["CD63+"]'), encoding="utf-8")
    run = run_cli("check", str(tmp_path / "in.csv"), "-s", str(tmp_path / "spec.yaml"),
                  "-f", "json")
    report = json.loads(run.out)
    statuses = [{c["name"]: c for c in b["checks"]}["source"]["status"]
                for b in report["batches"]]
    assert statuses == ["fail", "pass"]
