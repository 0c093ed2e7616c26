"""qc.spec.schema: the quick validity check (jsonschema-rs) never accepts a spec that
jsonschema rejects, and valid specs never need jsonschema."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qc.spec import specs_dir, yaml12
from qc.spec.schema import SCHEMA_FULL, SCHEMA_PART, schema_for, valid
from tests.conftest import ROOT

CHECK_KEYS = ["name", "column", "description", "required", "unit", "min", "max", "warn_min",
              "warn_max", "allowed", "forbidden", "equals", "pattern", "mn", "type",
              "report_only", "min_exclusive", "max_exclusive", "rounding", "date_format"]
TOP_KEYS = ["name", "version", "id_column", "checks", "title", "x", "extends", "remove",
            "status", "effective_date", "approved_by", "rounding", "date_format", "derived"]
SCALARS = st.one_of(
    st.sampled_from(["", "x", "size_nm", "Bad name", "a\n", "nm", "EXO-\\d+"]),
    st.decimals(allow_nan=False, allow_infinity=False, places=2),
    st.integers(-5, 5), st.booleans(), st.none(), st.floats(allow_nan=False),
)
VALUES = st.one_of(SCALARS, st.lists(SCALARS, max_size=3))
NUMBER = st.one_of(st.decimals(allow_nan=False, allow_infinity=False, places=2),
                   st.integers(-5, 200))
# A limit: a number, or for date checks an ISO date / today+Nd / {column: other}.
LIMIT: st.SearchStrategy[Any] = st.one_of(NUMBER, st.sampled_from(["2026-01-01", "today", "today+30d", ""]),
                  st.fixed_dictionaries({"column": st.sampled_from(["made_on", "", 3])}),
                  st.just({"column": "a", "x": 1}), st.just({}))
COLUMN = st.one_of(st.sampled_from(["size_nm", "Mean size (nm)", ""]),
                   st.lists(st.sampled_from(["size_nm", "Size", "", 1]), max_size=3))
DATE_FORMAT = st.one_of(st.sampled_from(["%d/%m/%Y", ""]),
                        st.lists(st.sampled_from(["%d.%m.%Y", "", 5]), max_size=2))
CHECK_VALUES = {
    "name": st.sampled_from(["size", "a.b-c_1", "A", "1bad", "bad name", "x\n", ""]),
    "column": COLUMN,
    "description": st.text(max_size=3),
    "required": st.booleans(),
    "unit": st.sampled_from(["nm", "%", ""]),
    "min": LIMIT, "max": LIMIT, "warn_min": LIMIT, "warn_max": LIMIT,
    "min_exclusive": LIMIT, "max_exclusive": LIMIT,
    "report_only": st.one_of(st.booleans(), st.just("yes")),
    "type": st.sampled_from(["date", "number", "text", ""]),
    "rounding": st.sampled_from(["usp", "exact", "USP", ""]),
    "date_format": DATE_FORMAT,
    "allowed": st.lists(st.sampled_from(["no growth", "", "x"]), max_size=2),
    "forbidden": st.lists(st.sampled_from(["HeLa", ""]), max_size=2),
    "equals": st.booleans(),
    "pattern": st.sampled_from(["EXO-\\d+", ""]),
}


@st.composite
def checks(draw: st.DrawFn) -> dict[str, Any]:
    keys = draw(st.lists(st.sampled_from(sorted(CHECK_VALUES)), max_size=4, unique=True))
    check: dict[str, Any] = {"name": "size", "column": "size_nm"}
    check.update({k: draw(CHECK_VALUES[k]) for k in keys})
    if draw(st.integers(0, 4)) == 0:  # now and then, any key and any value
        check[draw(st.sampled_from(CHECK_KEYS))] = draw(VALUES)
    return check


@st.composite
def documents(draw: st.DrawFn) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "name": draw(st.sampled_from(["n", ""])),
        "version": draw(st.one_of(st.just("1"), NUMBER)),
        "id_column": "batch_id",
        "checks": draw(st.lists(checks(), min_size=0, max_size=3)),
    }
    if draw(st.booleans()):
        doc["title"] = draw(st.text(max_size=3))
    optional = {
        "extends": st.one_of(st.sampled_from(["base.yaml", ""]),
                             st.lists(st.sampled_from(["a.yaml", "", 2]), max_size=2)),
        "remove": st.lists(st.sampled_from(["size", "", 1]), max_size=2),
        "status": st.sampled_from(["draft", "approved", "Approved", ""]),
        "effective_date": st.sampled_from(["2026-01-01", "2026-13-01", "", "01/02/2026"]),
        "approved_by": st.sampled_from(["QA", ""]),
        "rounding": st.sampled_from(["usp", "exact", "x"]),
        "date_format": DATE_FORMAT,
        "derived": st.dictionaries(st.sampled_from(["ratio", "a_b", "1x", "bad name", ""]),
                                   st.one_of(st.sampled_from(["a / b", ""]), SCALARS),
                                   max_size=2),
    }
    for key in draw(st.lists(st.sampled_from(sorted(optional)), max_size=3, unique=True)):
        doc[key] = draw(optional[key])
    if draw(st.integers(0, 4)) == 0:
        doc[draw(st.sampled_from(TOP_KEYS))] = draw(VALUES)
    if draw(st.integers(0, 6)) == 0:
        del doc[draw(st.sampled_from(["name", "version", "id_column", "checks"]))]
    return doc


DOCS = documents()


def _jsonschema_valid(document: Any, kind: str = SCHEMA_FULL) -> bool:
    validator = jsonschema.Draft202012Validator(schema_for(kind))
    return not list(validator.iter_errors(document))


@settings(max_examples=1000)
@given(DOCS, st.sampled_from([SCHEMA_FULL, SCHEMA_PART]))
def test_quick_valid_implies_jsonschema_valid(document: dict[str, Any], kind: str) -> None:
    if valid(document, kind):
        assert _jsonschema_valid(document, kind)


def test_the_shipped_specs_take_the_quick_path() -> None:
    paths = [specs_dir() / "clinical.yaml", specs_dir() / "research.yaml",
             ROOT / "benchmarks" / "spec10.yaml"]
    for path in paths:
        document, _ = yaml12.load(path.read_text("utf-8"))
        assert valid(document, SCHEMA_FULL)
        assert _jsonschema_valid(document)


@pytest.mark.parametrize(("spec", "imported"), [
    ("benchmarks/spec10.yaml", ["False", "True", "True"]),
    # a built-in spec as shipped is read from qc/spec/shipped.json: no YAML, no schema
    ("clinical", ["False", "False", "False"])])
def test_loading_a_valid_spec_does_not_import_jsonschema(spec: str,
                                                          imported: list[str]) -> None:
    probe = (f"import sys; from qc.spec import load_spec; load_spec({spec!r}); "
             "print('jsonschema' in sys.modules, 'jsonschema_rs' in sys.modules, "
             "'yaml' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          cwd=ROOT, timeout=120, check=True)
    assert done.stdout.split() == imported


def test_invalid_documents_and_spec_numbers() -> None:
    good = {"name": "n", "version": "1", "id_column": "id",
            "checks": [{"name": "a", "column": "c", "min": Decimal(1)}]}
    assert valid(good, SCHEMA_FULL)  # spec numbers are Decimals: still numbers
    assert _jsonschema_valid(good)
    for bad in ({**good, "checks": []}, {**good, "mn": 1},
                {**good, "checks": [{"name": "a", "column": "c", "equals": Decimal(1)}]},
                {**good, "checks": [{"name": "a", "column": "c", "min": True}]},
                {"name": "n", "version": "1"}):
        assert not valid(bad, SCHEMA_FULL), bad
        assert not _jsonschema_valid(bad), bad
    assert valid({"name": "n", "version": "1"}, SCHEMA_PART)


def test_a_value_the_quick_check_cannot_take_goes_to_jsonschema() -> None:
    odd = {"name": "n", "version": "1", 3: "x"}  # the loaders never make one: a guard
    assert not valid(odd, SCHEMA_PART)
    assert not valid({"name": "n", "version": {"a"}}, SCHEMA_PART)  # YAML's !!set
