"""qc.rules: every rule kind is one module that owns its keys, how it is built from a spec
entry, how it judges and how it is written; the registry, the schema and the spec builder
agree with the modules."""

from __future__ import annotations

import importlib
import json
import pkgutil
from decimal import Decimal
from types import ModuleType
from typing import Any

import pytest

import qc.rules
from qc.errors import SpecError
from qc.rules import BUILT_IN, CELLWISE, KINDS, RULES, allowed, kind_of
from qc.rules.entry import Entry
from qc.spec import specs_dir
from qc.spec.build import COMMON_KEYS
from qc.spec.location import Locator

KIND_MEMBERS = ("RULE", "KEYS", "LABEL", "NAMED", "CELLWISE", "chosen", "build", "evaluate",
                "notation")
# One check entry per kind (the keys a spec author writes), and its lab notation.
SAMPLES: dict[str, tuple[dict[str, Any], str]] = {
    "limits": ({"unit": "nm", "min": Decimal("30"), "max": Decimal("150")}, "30\u2013150 nm"),
    "dates": ({"type": "date", "min": "today"}, "date ≥ today"),
    "allowed": ({"allowed": ["no growth", "negative"]}, "one of: no growth, negative"),
    "forbidden": ({"forbidden": ["HeLa"]}, "not: HeLa"),
    "equals": ({"equals": True}, "yes"),
    "pattern": ({"pattern": "EXO-\\d{4}"}, "matches EXO-\\d{4}"),
}


def _name(module: Any) -> str:
    return str(module.__name__).rsplit(".", 1)[-1]


def _rule_modules() -> list[ModuleType]:
    """Every module under qc/rules/ that judges cells (has an `evaluate`)."""
    found = []
    for info in pkgutil.iter_modules(qc.rules.__path__):
        module = importlib.import_module(f"qc.rules.{info.name}")
        if callable(getattr(module, "evaluate", None)):
            found.append(module)
    return found


@pytest.mark.parametrize("kind", KINDS, ids=_name)
def test_every_kind_has_keys_build_evaluate_and_notation(kind: Any) -> None:
    missing = [m for m in KIND_MEMBERS if not hasattr(kind, m)]
    assert missing == []
    assert isinstance(kind.RULE, type)
    assert kind.KEYS and all(isinstance(k, str) for k in kind.KEYS)
    assert all(callable(getattr(kind, f)) for f in ("chosen", "build", "evaluate", "notation"))
    assert RULES[kind.RULE] is kind.evaluate
    assert (kind.RULE in CELLWISE) is kind.CELLWISE


def test_every_rule_module_is_registered_once() -> None:
    registered = [*KINDS, *BUILT_IN]
    assert sorted(map(_name, _rule_modules())) == sorted(map(_name, registered))
    assert len({k.RULE for k in registered}) == len(registered) == len(RULES)
    for module in BUILT_IN:
        assert all(hasattr(module, m) for m in ("RULE", "CELLWISE", "evaluate", "notation"))


def test_schema_check_keys_are_the_common_keys_and_the_kinds_keys() -> None:
    schema = json.loads((specs_dir() / "spec.schema.json").read_text("utf-8"))
    check_keys = set(schema["$defs"]["check"]["properties"])
    owned = {key for kind in KINDS for key in kind.KEYS}
    assert check_keys == owned | set(COMMON_KEYS)
    assert not owned & set(COMMON_KEYS)


@pytest.mark.parametrize("kind", KINDS, ids=_name)
def test_a_sample_entry_is_chosen_by_its_kind_alone_and_builds_its_rule(kind: Any) -> None:
    item, written = SAMPLES[_name(kind)]
    assert set(item) <= set(kind.KEYS)
    assert [k for k in KINDS if k.chosen(item)] == [kind]
    where = Locator("s.yaml", {("checks", 0): ("s.yaml", 7, 5)})
    rule = kind.build(Entry({"name": "c", "column": "c", **item}, ("checks", 0), where))
    assert isinstance(rule, kind.RULE)
    assert kind_of(rule) is kind
    assert kind.notation(rule) == written


def test_a_kind_refuses_what_only_another_kind_takes() -> None:
    where = Locator("s.yaml", {("checks", 2): ("s.yaml", 9, 5), ("checks", 2, "unit"):
                               ("s.yaml", 11, 11)})
    entry = Entry({"name": "c", "column": "c", "allowed": ["a"], "unit": "nm"}, ("checks", 2),
                  where)
    with pytest.raises(SpecError, match=r"^s\.yaml:11:11: checks\[2\]\.unit: unit applies only "
                                        r"to min/max limits$"):
        allowed.build(entry)
