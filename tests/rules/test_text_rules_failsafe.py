"""Text rules that fail safe (issue 14, items 1, 3 and 9): alert words warn, doubtful words on
safety results fail as indeterminate, a forbidden family fails a check even when an allowed
entry matches, the shipped specs accept their conforming phrasings as whole phrases only,
and `pattern` matches the NFKC text, not the folded tokens."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qc.engine.arrowbuf import texts
from qc.engine.cells import read_cells
from qc.model import Allowed, Status
from qc.rules import allowed
from tests.conftest import ROOT, run_cli

SAMPLE = ROOT / "sample_data" / "batches.csv"


def _good_row() -> dict[str, str]:
    """EXO-2026-001 of the sample: passes the clinical spec as of 2026-04-01."""
    return next(csv.DictReader(io.StringIO(SAMPLE.read_text("utf-8"))))


def _clinical(write: Callable[..., Path], **cells: str) -> dict[str, dict[str, str]]:
    row = {**_good_row(), **cells}
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(row))
    writer.writeheader()
    writer.writerow(row)
    path = write("in.csv", buffer.getvalue())
    run = run_cli("check", str(path), "-s", "clinical", "-f", "json", "--as-of", "2026-04-01")
    assert run.code in (0, 1), run
    return {c["name"]: c for c in json.loads(run.out)["batches"][0]["checks"]}


CLINICAL = [
    # item 9: alert words on presence markers, doubtful words on absence and safety results
    ("cd63", "weak", "cd63", "warn", None),
    ("cd63", "Weak positive", "cd63", "warn", None),
    ("tsg101", "WEAK", "tsg101", "warn", None),
    ("sterility", "Equivocal", "sterility", "fail", "indeterminate"),
    ("sterility", "inconclusive", "sterility", "fail", "indeterminate"),
    ("mycoplasma", "faint", "mycoplasma", "fail", "indeterminate"),
    ("mycoplasma", "Faint band", "mycoplasma", "fail", "indeterminate"),
    ("mycoplasma", "weak", "mycoplasma", "fail", "indeterminate"),  # never a warn
    ("calnexin", "faint band", "calnexin", "fail", "indeterminate"),
    ("calnexin", "weak", "calnexin", "fail", "indeterminate"),
    ("calnexin", "Positive", "calnexin", "fail", "out_of_spec"),
    ("cd63", "faint", "cd63", "fail", "out_of_spec"),  # not an alert word for CD63
    # item 3: conforming phrasings as whole phrases, nothing else
    ("sterility", "No growth at 14 days", "sterility", "pass", None),
    ("sterility", "No growth after 14 days", "sterility", "pass", None),
    ("sterility", "no growth (14 days)", "sterility", "pass", None),
    ("sterility", "No growth at 7 days", "sterility", "fail", "out_of_spec"),
    ("sterility", "No growth at 14 days in FTM, growth in SCDM", "sterility", "fail",
     "out_of_spec"),
    ("gmp_certified", "GMP", "gmp_status", "pass", None),
    ("gmp_certified", "cGMP", "gmp_status", "pass", None),
    ("gmp_certified", "GMP-certified", "gmp_status", "pass", None),
    ("gmp_certified", "yes", "gmp_status", "pass", None),
    ("gmp_certified", "GMP-like", "gmp_status", "fail", "out_of_spec"),
    ("gmp_certified", "GMP-grade (not certified)", "gmp_status", "fail", "out_of_spec"),
    ("gmp_certified", "non-GMP", "gmp_status", "fail", "out_of_spec"),
    ("gmp_certified", "No", "gmp_status", "fail", "out_of_spec"),
    ("gmp_certified", "pending", "gmp_status", "fail", "invalid"),
]


@pytest.mark.parametrize(("column", "cell", "check", "status", "reason"), CLINICAL,
                         ids=[f"{c[0]}={c[1]!r}" for c in CLINICAL])
def test_the_clinical_spec_on_text_results(write: Callable[..., Path], column: str, cell: str,
                                           check: str, status: str, reason: str | None) -> None:
    got = _clinical(write, **{column: cell})[check]
    assert (got["status"], got["reason"]) == (status, reason), got


SPEC = """\
name: words
version: "1"
id_column: batch_id
checks:
  - name: source
    column: cell_source
    allowed: [UC-MSC, BM-MSC]
    match: words
    forbidden: [HEK293, HeLa]
  - name: lot
    column: lot
    pattern: 'EXO-\\d{4}-\\d{3}'
"""


def _words(write: Callable[..., Path], source: str, lot: str = "EXO-2026-001"
           ) -> dict[str, dict[str, str]]:
    spec = write("spec.yaml", SPEC)
    path = write("in.csv", f'batch_id,cell_source,lot\nB1,"{source}",{lot}\n')
    run = run_cli("check", str(path), "-s", str(spec), "-f", "json")
    assert run.code in (0, 1), run
    return {c["name"]: c for c in json.loads(run.out)["batches"][0]["checks"]}


@pytest.mark.parametrize(("source", "status"), [
    ("UC-MSC (Wharton's jelly), P4", "pass"),
    ("UC-MSC, HEK293 co-culture", "fail"),  # allowed matches, a forbidden family too
    ("BM-MSC from HeLa-contaminated stock", "fail"),
    ("BM-MSC, hek-293T feeder", "fail"),
    ("HEK293", "fail"),
    ("unknown", "fail"),
])
def test_a_forbidden_entry_of_the_same_check_wins(write: Callable[..., Path], source: str,
                                                  status: str) -> None:
    got = _words(write, source)["source"]
    assert got["status"] == status, got
    if status == "fail" and source.startswith(("UC", "BM")):
        assert "names a forbidden entry" in got["message"]


@pytest.mark.parametrize(("lot", "status"), [
    ("EXO-2026-001", "pass"),
    ("\uff25\uff38\uff2f\uff0d\uff12\uff10\uff12\uff16\uff0d\uff10\uff10\uff11", "pass"),  # NFKC
    ("EXO-\uff12\uff10\uff12\uff16-001", "pass"),
    ("exo-2026-001", "fail"),  # case keeps its meaning
    ("EXO 2026 001", "fail"),  # so do spaces
    ("EXO\u20102026\u2010001", "fail"),  # and dashes: U+2010 is not `-`
    ("EXO2026001", "fail"),
    ("EXO-2026-001\u200b", "fail"),  # invisible character
    ("\u0415XO-2026-001", "fail"),  # Cyrillic Ie for E: a look-alike
])
def test_pattern_matches_the_nfkc_text(write: Callable[..., Path], lot: str, status: str) -> None:
    got = _words(write, "UC-MSC", lot)["lot"]
    assert got["status"] == status, got
    if status == "fail":
        assert got["reason"] == "invalid"


@pytest.mark.parametrize(("body", "says"), [
    ("    forbidden: [x]\n    warn_values: [weak]\n", "warn_values applies only to allowed"),
    ("    allowed: [a, b]\n    warn_values: [B]\n", "'B' is also in allowed"),
    ("    allowed: [a]\n    warn_values: [w]\n    indeterminate_values: [W]\n",
     "'W' is also in warn_values"),
])
def test_word_lists_are_checked(write: Callable[..., Path], body: str, says: str) -> None:
    spec = write("spec.yaml", 'name: t\nversion: "1"\nid_column: batch_id\nchecks:\n'
                              "  - name: c\n    column: c\n" + body)
    run = run_cli("spec", "validate", str(spec))
    assert run.code == 2 and says in run.out + run.err, run


RULE = Allowed(("negative", "not detected"), "words", warn_values=("weak",),
               indeterminate_values=("equivocal",), forbidden=("HEK293",))
SEPARATORS = st.sampled_from([" ", "-", "\u2009", "\u00a0", "\u2011", "\u3000", "_", "\u2013"])


def _spell(word: str, data: st.DataObject) -> str:
    """A case, width and separator variant of a word list entry."""
    out = []
    for ch in word:
        if ch in " -":
            out.append(data.draw(SEPARATORS))
        elif ch.isalnum() and data.draw(st.booleans()):
            out.append(chr(ord(ch) + 0xFEE0) if ch.isascii() and ch.isalnum() else ch)
        else:
            out.append(ch.upper() if data.draw(st.booleans()) else ch)
    return "".join(out)


@given(data=st.data(), tail=st.text(alphabet="abc 123,()", max_size=12))
def test_a_forbidden_or_doubtful_spelling_never_passes(data: st.DataObject, tail: str) -> None:
    head = data.draw(st.sampled_from(["negative", "not detected", "weak", ""]))
    word = data.draw(st.sampled_from(["HEK293", "HEK-293", "equivocal"]))
    bad = _spell(word, data)
    # a forbidden family is caught anywhere; a doubtful word, like an allowed one, from the
    # start of the cell (match: words)
    cell = f"{bad} {tail}" if head == "" or word == "equivocal" else f"{head} {bad}{tail}"
    out = allowed.evaluate(RULE, read_cells(texts([cell])))
    assert out.status[0] == Status.FAIL, cell


@given(data=st.data())
def test_an_alert_word_warns_in_any_spelling(data: st.DataObject) -> None:
    out = allowed.evaluate(RULE, read_cells(texts([_spell("weak", data) + " band"])))
    assert out.status[0] == Status.WARN
