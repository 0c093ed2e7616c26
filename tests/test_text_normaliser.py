"""The one text normaliser (qc/text.py) and what the engine does with it: look-alike
letters are invalid, batch ids are compared on their normalised form, and a repeated id's
message names a few rows, not all of them (issue 14, items 0 and 1)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from qc.text import _ascii_id_keys, _unicode_id_keys, id_keys, lookalike, tokens
from tests.conftest import run_cli

CYRILLIC_EN, CYRILLIC_IE = "\u041d", "\u0435"
GREEK_OMICRON, GREEK_KAPPA_CAP = "\u039f", "\u039a"


@pytest.mark.parametrize(("text", "expected"), [
    ("HEK-293", ("hek", "293")),
    ("HEK 293", ("hek", "293")),
    ("hek293", ("hek", "293")),
    ("HEK\u2009293", ("hek", "293")),
    ("HEK\u00a0293", ("hek", "293")),
    ("HEK\u2011293", ("hek", "293")),  # non-breaking hyphen
    ("\uff28\uff25\uff2b\uff12\uff19\uff13", ("hek", "293")),  # full-width
    ("HEK293T", ("hek", "293", "t")),
    ("HEK 293 FT", ("hek", "293", "ft")),
    ("CD63\u2212", ("cd", "63", "-")),
    ("CD63-", ("cd", "63", "-")),
    ("CD63+", ("cd", "63", "+")),
    ("CD63", ("cd", "63")),
    ("He\u200bLa", ("hela",)),
    ("No growth at 14 days", ("no", "growth", "at", "14", "days")),
])
def test_tokens(text: str, expected: tuple[str, ...]) -> None:
    assert tokens(text) == expected


@pytest.mark.parametrize("text", [
    f"{CYRILLIC_EN}{CYRILLIC_IE}La",  # HeLa with Cyrillic H and e
    f"HE{GREEK_KAPPA_CAP}293",  # HEK293 with a Greek capital kappa
    f"{CYRILLIC_EN}E{GREEK_KAPPA_CAP} 293",
    f"N{GREEK_OMICRON} growth",
    f"{GREEK_OMICRON}{GREEK_KAPPA_CAP}",  # OK spelled in Greek capitals
])
def test_lookalikes_are_found(text: str) -> None:
    assert lookalike(text) is not None


@pytest.mark.parametrize("text", [
    "TGF-\u03b21", "NF-\u03baB", "IFN-\u03b3", "TNF-\u03b1", "0.085 \u00b5m", "0.085 \u03bcm",
    "37 \u00b0C", "10 k\u03a9", "\u041d\u0435\u0433\u0430\u0442\u0438\u0432",  # a Russian word
    "HeLa", "BM-MSC",
])
def test_real_text_is_not_a_lookalike(text: str) -> None:
    assert lookalike(text) is None


SEPARATORS = [" ", "-", "\u2009", "\u00a0", "\u202f", "\u2007", "\u3000", "\u2010", "\u2011",
              "\u2012", "\u2013", "\u2014", "\u2015", "\ufe63", "\uff0d", "\u2212", "_"]


@given(words=st.lists(st.sampled_from(["HEK", "293", "MCF", "7", "HeLa", "A", "549", "T"]),
                      min_size=1, max_size=4),
       data=st.data())
def test_separator_and_case_variants_share_tokens(words: list[str],
                                                  data: st.DataObject) -> None:
    """Any case, width or separator variant of a name has the same tokens (so a forbidden
    entry cannot be dodged by respelling it)."""
    plain = " ".join(words)
    seps = [data.draw(st.sampled_from(SEPARATORS)) for _ in words[1:]]
    variant = words[0] + "".join(s + w for s, w in zip(seps, words[1:], strict=True))
    variant = "".join(c.swapcase() if data.draw(st.booleans()) else c for c in variant)
    assert tokens(variant) == tokens(plain)


def test_id_keys_fold_case_invisibles_and_separators() -> None:
    ids = pa.array(["EXO-001", "exo 001", "EXO-001\u200b", "EXO_001", "\uff25XO-001", "EXO-002"])
    keys = id_keys(ids).to_pylist()
    assert len(set(keys[:5])) == 1
    assert keys[5] != keys[0]


@given(st.lists(st.text(alphabet=st.characters(max_codepoint=0x7F), max_size=12),
                min_size=1, max_size=20),
       st.integers(min_value=0, max_value=3), st.booleans())
def test_ascii_id_keys_are_the_general_keys(ids: list[str], start: int, narrow: bool) -> None:
    """Byte by byte for ASCII ids (every control, space, `-`, `_`, capitals, empty ids), on
    slices and on both string widths: the same keys as NFKC, lower case and the regex."""
    column = pa.array(ids, type=pa.string() if narrow else pa.large_string())
    column = column.slice(min(start, len(ids)))
    expected = _unicode_id_keys(column).to_pylist()
    assert _ascii_id_keys(column).to_pylist() == expected
    assert id_keys(column).to_pylist() == expected


def test_id_keys_take_the_general_path_for_text_beyond_ascii() -> None:
    ids = pa.array(["EXO-\u0660\u0660\u0661", "EXO-001", "exo\u2011001"])
    assert id_keys(ids).to_pylist() == ["exo001"] * 3


def _report(tmp_path: Path, csv: str, spec: str) -> dict[str, object]:
    (tmp_path / "in.csv").write_text(csv, encoding="utf-8")
    (tmp_path / "spec.yaml").write_text(spec, encoding="utf-8")
    run = run_cli("check", str(tmp_path / "in.csv"), "-s", str(tmp_path / "spec.yaml"),
                  "-f", "json")
    assert run.code == 1, run
    return json.loads(run.out)  # type: ignore[no-any-return]


SPEC = """\
name: t
version: "1"
id_column: batch_id
checks:
  - name: source
    column: cell_source
    forbidden: [HeLa]
"""


def _checks(report: dict[str, object], index: int) -> dict[str, dict[str, str]]:
    batch = report["batches"][index]  # type: ignore[index]
    return {c["name"]: c for c in batch["checks"]}


def test_lookalike_cell_is_invalid_through_the_cli(tmp_path: Path) -> None:
    report = _report(tmp_path, f"batch_id,cell_source\nB1,{CYRILLIC_EN}{CYRILLIC_IE}La\n"
                     "B2,BM-MSC\n", SPEC)
    source = _checks(report, 0)["source"]
    assert (source["status"], source["reason"]) == ("fail", "invalid")
    assert "Cyrillic letter" in source["message"]
    assert _checks(report, 1)["source"]["status"] == "pass"


def test_an_id_with_a_zero_width_space_is_a_duplicate(tmp_path: Path) -> None:
    """The original no longer passes beside its invisible twin."""
    report = _report(tmp_path, "batch_id,cell_source\nEXO-1,BM-MSC\nEXO-1\u200b,BM-MSC\n"
                     "exo 1,BM-MSC\nEXO-2,BM-MSC\n", SPEC)
    first = _checks(report, 0)["batch_identity"]
    assert (first["status"], first["reason"]) == ("fail", "invalid")
    assert first["message"] == "batch id also on row 3, row 4"
    assert _checks(report, 3)["batch_identity"]["status"] == "pass"


def test_many_rows_sharing_an_id_name_a_few(tmp_path: Path,
                                            write: Callable[[str, str], Path]) -> None:
    """5,000 rows with one id: each message names three rows and counts the rest, so the
    report grows linearly (it listed every other row: 246 MB)."""
    rows = 5000
    report = _report(tmp_path, "batch_id,cell_source\n" + "B1,BM-MSC\n" * rows, SPEC)
    messages = [_checks(report, i)["batch_identity"]["message"] for i in (0, 1, rows - 1)]
    assert messages == [
        "batch id also on row 3, row 4, row 5 and 4,996 other rows",
        "batch id also on row 2, row 4, row 5 and 4,996 other rows",
        "batch id also on row 2, row 3, row 4 and 4,996 other rows",
    ]
    longest = max(len(_checks(report, i)["batch_identity"]["message"]) for i in range(rows))
    assert longest < 80


@given(st.text(max_size=10))
def test_visible_of_printable_ascii_is_the_text_and_of_any_text_as_char_by_char(
        text: str) -> None:
    """`visible` returns printable ASCII as it is (nothing in it is invisible); any other
    text loses its format, control and blank characters, tab and line breaks kept."""
    import unicodedata

    from qc.text import BLANK, visible

    expected = "".join(ch for ch in BLANK.sub("", text)
                       if unicodedata.category(ch) not in ("Cf", "Cc") or ch in "\t\n\r")
    assert visible(text) == expected
