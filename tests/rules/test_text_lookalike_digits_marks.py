"""Look-alikes the Cyrillic/Greek check did not see (attack round 2, A10): Latin letters
outside ASCII that read as ASCII ones (`HeL\u0251`, `He\ua781a`), combining overlays
(`HeL\u0335a`), digits of other scripts inside a Latin word (`A\u066549`), and spellings
that add or drop separators (`Hep-G2`, `MDAMB231`). Each named a forbidden tumour line of
the shipped research spec and passed; through the real CLI each must now fail, and the
sample sources must still pass."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qc.rules.forbidden import _Index, _named
from qc.rules.text import key
from qc.text import _latin_lookalikes, ascii_digits, lookalike, skeleton, tokens
from tests.conftest import run_cli
from tests.spec_helpers import sample_sources, sample_with_sources

# value -> the reason the research deny-list now fails it
A10 = {
    "HeL\u0251": "out_of_spec",  # Latin small letter alpha for a
    "He\ua781a": "out_of_spec",  # Latin small letter turned l for l
    "HeL\u0335a": "invalid",  # combining short stroke overlay
    "A\u066549": "invalid",  # Arabic-Indic five
    "A\u06f549": "invalid",  # Extended Arabic-Indic five
    "A\u096b49": "invalid",  # Devanagari five
    "A\u07c549": "invalid",  # NKo five
    "K\u066562": "invalid",
    "U\u06687": "invalid",  # Arabic-Indic eight
    "MDAMB231": "out_of_spec",
    "Hep-G2": "out_of_spec",
    "Hep G2": "out_of_spec",
    "H\u00e8La": "out_of_spec",  # an accent on a forbidden name
    "A \u0665\u0664\u0669": "invalid",  # Latin text, a number in Arabic-Indic digits
    "HEK 2\u06693": "invalid",  # two scripts' digits in one number
}


@pytest.mark.parametrize(("source", "reason"), list(A10.items()), ids=ascii)
def test_a10_lookalikes_fail_the_research_deny_list(
    tmp_path: Path, source: str, reason: str
) -> None:
    check = sample_with_sources(tmp_path, "research", [source])[0]["cell_source"]
    assert (check["status"], check["reason"]) == ("fail", reason), check


@pytest.mark.parametrize("spec", ["research", "clinical"])
def test_a10_lookalikes_fail_every_shipped_spec(tmp_path: Path, spec: str) -> None:
    results = sample_with_sources(tmp_path, spec, list(A10))
    assert [r["cell_source"]["status"] for r in results] == ["fail"] * len(A10)


def test_the_sample_sources_still_pass_the_research_deny_list(tmp_path: Path) -> None:
    sources = [s for s in sample_sources() if s != "HeLa-derived EVs"]
    results = sample_with_sources(tmp_path, "research", sources)
    assert [r["cell_source"]["status"] for r in results] == ["pass"] * len(sources)


def test_the_messages_name_the_character(tmp_path: Path) -> None:
    overlay, digit = sample_with_sources(tmp_path, "research", ["HeL\u0335a", "A\u066549"])
    assert overlay["cell_source"]["message"] == (
        "'HeL\u0335a' holds the combining mark U+0335 (COMBINING SHORT STROKE OVERLAY) on 'L', "
        "which changes how the text reads; retype the value"
    )
    assert digit["cell_source"]["message"] == (
        "'A\u066549' holds the Arabic-Indic digit '\u0665' (U+0665) in a Latin word; retype the "
        "value"
    )


@pytest.mark.parametrize(
    "text",
    [
        "Jos\u00e9",
        "Hél\u00e8ne, donor 12",
        "\u0141\u00f3d\u017a",
        "Stra\u00dfe",
        "TGF-\u03b21",
        "\u0661\u0662\u0660",
        "\u0928\u092e\u0938\u094d\u0924\u0947 \u0967\u0968",
        "\u00b5m",
        "UC-MSC (Wharton's jelly), P4, donor 011",
        "\u0928\u092e\u0938\u094d\u0924\u0947",
    ],
)
def test_real_text_is_not_a_lookalike(text: str) -> None:
    """Accented letters of European languages, Greek lab names, a number written wholly in
    one script's digits and Devanagari text with Devanagari digits (its vowel signs are
    combining marks) are what they read as."""
    assert lookalike(text) is None


@pytest.mark.parametrize(
    ("text", "reads"),
    [
        ("HeL\u0251", "HeLa"),
        ("He\ua781a", "Hela"),
        ("HeL\u0335a", "HeLa"),
        ("A\u066549", "A549"),
        ("\u029c\u1d07\u029f\u1d00", "hela"),
        ("\u0141\u00f3d\u017a", "lodz"),
        ("\u0131", "i"),
        ("\u017f", "s"),
        ("H\u00e9La", "HeLa"),
    ],
)
def test_skeleton_reads_text_as_a_reader_does(text: str, reads: str) -> None:
    assert skeleton(text) == reads


def test_tokens_fold_digits_of_every_script() -> None:
    assert tokens("HEK \u0662\u0669\u0663") == tokens("HEK293") == ("hek", "293")
    assert ascii_digits("\u096b\u07c5\u06f5") == "555"


_DIGITS = [chr(p) for p in range(0x10000) if unicodedata.category(chr(p)) == "Nd"]
_ALIKE: dict[str, list[str]] = {}
for _point, _letters in _latin_lookalikes().items():
    if len(_letters) == 1:
        _ALIKE.setdefault(_letters, []).append(chr(_point))
_MARKS = ["\u0334", "\u0335", "\u0336", "\u0337", "\u0338", "\u0301", "\u0308", "\u20d2"]
_RESEARCH_DENY = ["HeLa", "HepG2", "MCF-7", "A549", "U87", "K562", "PANC-1", "MDA-MB-231"]


@st.composite
def _disguised(draw: st.DrawFn) -> tuple[str, str]:
    """A forbidden entry with some letters swapped for Latin look-alikes, some digits for
    another script's digits, and combining marks put after some characters."""
    entry = draw(st.sampled_from(_RESEARCH_DENY))
    out = []
    for ch in entry:
        low = ch.lower()
        if low in _ALIKE and draw(st.booleans()):
            ch = draw(st.sampled_from(_ALIKE[low]))
        elif ch.isdigit() and draw(st.booleans()):
            ch = draw(st.sampled_from([d for d in _DIGITS if unicodedata.digit(d) == int(ch)]))
        out.append(ch)
        if draw(st.integers(0, 4)) == 0:
            out.append(draw(st.sampled_from(_MARKS)))
    return entry, "".join(out)


@settings(max_examples=300)
@given(_disguised())
def test_a_disguised_forbidden_entry_never_passes(case: tuple[str, str]) -> None:
    """Whatever look-alike letters, other digits or combining marks a forbidden entry is
    written with, the cell is invalid (the engine's look-alike step) or names the entry
    (the forbidden rule): never a pass."""
    entry, cell = case
    assert lookalike(cell) is not None or _named(_Index([(entry, key(entry))]), cell) == [entry], cell


def test_an_id_in_other_digits_is_invalid_and_a_duplicate(write: Callable[..., Path]) -> None:
    """`EXO-2026-\u0660\u0660\u0661` (Arabic-Indic digits) is the id `EXO-2026-001` to a
    reader: it is invalid itself, and the original is no longer the only batch with that
    id, so neither passes."""
    spec = write(
        "s.yaml",
        'name: t\nversion: "1"\nid_column: batch_id\nchecks:\n'
        "  - name: source\n    column: cell_source\n    forbidden: [HeLa]\n",
    )
    data = write(
        "b.csv",
        "batch_id,cell_source\nEXO-2026-001,BM-MSC\n"
        "EXO-2026-\u0660\u0660\u0661,BM-MSC\nEXO-2026-002,BM-MSC\n",
    )
    run = run_cli("check", str(data), "-s", str(spec), "-f", "json")
    batches = json.loads(run.out)["batches"]
    assert [
        (b["checks"][0]["name"], b["checks"][0]["status"], b["checks"][0]["reason"])
        for b in batches
    ] == [("batch_identity", "fail", "invalid")] * 2 + [("batch_identity", "pass", None)]
    assert run.code == 1
