"""Word rules compare token sequences (issue 14, items 1 and 2): `allowed` matches the whole
value in any case, width, dash or space spelling; a `forbidden` entry names a family."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qc.rules.forbidden import names
from qc.rules.text import key
from tests.conftest import run_cli

SPEC = """\
name: words
version: "1"
id_column: batch_id
checks:
  - name: source
    column: cell_source
    forbidden: [HeLa, HEK293, MCF-7, A549, 293T]
  - name: sterility
    column: sterility
    allowed: [no growth, negative]
"""


def _check(tmp_path: Path, source: str, sterility: str = "No growth") -> dict[str, dict[str, str]]:
    (tmp_path / "spec.yaml").write_text(SPEC, encoding="utf-8")
    (tmp_path / "in.csv").write_text(
        f'batch_id,cell_source,sterility\nB1,"{source}","{sterility}"\n', encoding="utf-8")
    run = run_cli("check", str(tmp_path / "in.csv"), "-s", str(tmp_path / "spec.yaml"),
                  "-f", "json")
    assert run.code in (0, 1), run
    return {c["name"]: c for c in json.loads(run.out)["batches"][0]["checks"]}


@pytest.mark.parametrize("source", [
    "HEK-293", "HEK293FT", "HEK 293 FT", "hek293", "HEK\u2009293", "HEK\u00a0293", "HEK\u2011293",
    "\uff28\uff25\uff2b\uff12\uff19\uff13", "MCF 7", "MCF7", "A-549", "HeLa S3", "HeLa-derived EVs",
    "hela", "293-T cells",
])
def test_a_forbidden_family_is_caught_in_any_spelling(tmp_path: Path, source: str) -> None:
    check = _check(tmp_path, source)["source"]
    assert (check["status"], check["reason"]) == ("fail", "out_of_spec"), check
    assert "names a forbidden entry" in check["message"]


@pytest.mark.parametrize("source", ["donor MICHELA-07", "BM-MSC", "UC-MSC, P4",
                                    "Expi 2930"])
def test_other_words_are_not_forbidden(tmp_path: Path, source: str) -> None:
    assert _check(tmp_path, source)["source"]["status"] == "pass"


@pytest.mark.parametrize(("sterility", "status"), [
    ("No growth", "pass"), ("NO-GROWTH", "pass"), ("no\u2009growth", "pass"),
    ("\uff2e\uff4f growth", "pass"), ("Negative", "pass"),
    ("'No growth", "fail"), ("No growth?", "fail"), ("growth", "fail"), ("Non-negative", "fail"),
])
def test_allowed_is_the_whole_value_in_any_spelling(tmp_path: Path, sterility: str,
                                                   status: str) -> None:
    assert _check(tmp_path, "BM-MSC", sterility)["sterility"]["status"] == status


def test_the_family_rule() -> None:
    assert names(key("HEK293"), key("HEK 293 FT"))
    assert names(key("HeLa"), key("HeLa-derived"))
    assert not names(key("HeLa"), key("MICHELA-07"))
    assert not names(key("HEK293"), key("293T"))  # a name without the family's first token
    assert not names(key("CD63+"), key("CD63-"))
    assert key("+") != key("-")  # no token at all: compared as text, never equal by emptiness


@pytest.mark.parametrize(("source", "status"), [
    ("UC-MSC (Wharton's jelly), P4, donor 011", "pass"),
    ("BM-MSC (donor MICHELA-07), P3", "pass"),
    ("at msc, P3", "pass"),
    ("unknown", "fail"), ("iPSC-derived", "fail"), ("MSC", "fail"), ("BM-MSCs", "fail"),
    ("HEK293T", "fail"), ("\u2014", "fail"),
])
def test_the_clinical_spec_identifies_the_source_positively(tmp_path: Path, source: str,
                                                            status: str) -> None:
    """A deny-list never fails an unknown source; the clinical allow-list does (issue 14,
    item 3): `match: words` accepts a cell that begins with an entry's whole tokens."""
    (tmp_path / "in.csv").write_text(f'batch_id,cell_source\nB1,"{source}"\n', encoding="utf-8")
    spec = tmp_path / "source.yaml"  # the clinical check alone (its list: the test below)
    spec.write_text(
        "name: source\nversion: '1'\nid_column: batch_id\nchecks:\n"
        "  - name: identity\n    column: cell_source\n"
        "    allowed: [BM-MSC, AT-MSC, UC-MSC, WJ-MSC, UC/WJ-MSC, placental MSC]\n"
        "    match: words\n", encoding="utf-8")
    run = run_cli("check", str(tmp_path / "in.csv"), "-s", str(spec), "-f", "json")
    check = json.loads(run.out)["batches"][0]["checks"][1]
    assert check["status"] == status, check
    if status == "fail":
        assert check["message"].endswith(("is not identified as one of: BM-MSC, AT-MSC, "
                                           "UC-MSC, WJ-MSC, UC/WJ-MSC, placental MSC",
                                           "is not a result"))


def test_the_clinical_allow_list_is_the_one_tested() -> None:
    """The list in the test above is the shipped clinical spec's (which also names the
    qualifiers that take an identification back: tests/spec/test_clinical_cell_source.py)."""
    from qc.model import Allowed
    from qc.spec import load_spec

    check = next(c for c in load_spec("clinical").checks if c.name == "cell_source_identity")
    assert isinstance(check.rule, Allowed)
    assert check.rule.values == ("BM-MSC", "AT-MSC", "UC-MSC", "WJ-MSC", "UC/WJ-MSC",
                                  "placental MSC")
    assert check.rule.match == "words"
    assert {"like", "?", "not", "non", "fail", "unconfirmed", "or", "iPS", "TERT", "unknown",
            "cell line"} <= set(check.rule.forbidden)


def test_match_applies_only_to_allowed(tmp_path: Path) -> None:
    spec = tmp_path / "s.yaml"
    spec.write_text("name: t\nversion: '1'\nid_column: b\nchecks:\n  - name: s\n"
                    "    column: s\n    forbidden: [x]\n    match: words\n", encoding="utf-8")
    run = run_cli("spec", "validate", str(spec))
    assert (run.code, run.out) == (2, f"{spec}:8:12: checks[0].match: match applies only to "
                                      "allowed\n")


TOKENS = st.sampled_from(["hek", "293", "t", "he", "hela", "la", "s", "3", "?", "-", "+",
                          "cd", "63", "or", "organ", "donor", "i", "psc", "ips"])


@given(st.lists(st.lists(TOKENS, min_size=1, max_size=3).map(tuple), min_size=1, max_size=8),
       st.lists(TOKENS, max_size=7).map(tuple))
def test_the_entry_index_finds_what_trying_every_entry_finds(
        entries: list[tuple[str, ...]], cell: tuple[str, ...]) -> None:
    """forbidden's index (entries by token and by prefix) against `names` tried for every
    entry: the same entries, for one-token entries (prefixes) and longer ones."""
    from qc.rules.forbidden import _Index

    named = [(" ".join(e) + f"#{i}", e) for i, e in enumerate(entries)]
    assert _Index(named).named(cell) == {v for v, e in named if names(e, cell)}


def test_a_repeated_entry_keeps_the_message_in_the_specs_order() -> None:
    from qc.rules.forbidden import _Index, _named

    entries = [(v, key(v)) for v in ("HeLa", "HEK293", "HeLa", "He La")]
    assert _named(_Index(entries), "HeLa and HEK293") == ["HeLa", "HEK293", "HeLa"]
    assert _named(_Index(entries), "hela") == ["HeLa", "HeLa"]
