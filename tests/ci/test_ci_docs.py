"""docs/ci.md's recipes agree with the files they describe: the action's inputs and
outputs tables, YAML that parses, recipes that install exoqc itself (from the exoqc
repository at a commit hash, or a wheel) and never the user's repository, and no pin of
a tag that does not exist (issue 16, item 6)."""

from __future__ import annotations

import re
from typing import Any

import yaml

from tests.conftest import ROOT

DOC = (ROOT / "docs" / "ci.md").read_text("utf-8")
ACTION: dict[str, Any] = yaml.safe_load((ROOT / "action.yml").read_text("utf-8"))
HASH = re.compile(r"[0-9a-f]{40}")


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", DOC, re.S)


def table_first_column(header: str) -> set[str]:
    table = DOC[DOC.index(header):].split("\n\n", 1)[0]
    names: set[str] = set()
    for line in table.splitlines()[2:]:
        names |= set(re.findall(r"`([a-z-]+)`", line.split("|")[1]))
    return names


def test_the_tables_list_every_action_input_and_output() -> None:
    assert table_first_column("| Input | exoqc option |") == set(ACTION["inputs"])
    assert table_first_column("| Output | Value |") == set(ACTION["outputs"])


def test_every_yaml_recipe_parses_and_the_action_example_uses_real_inputs() -> None:
    recipes = [yaml.safe_load(text) for text in blocks("yaml")]
    assert len(recipes) >= 4
    steps = [s for r in recipes if isinstance(r, dict) for job in r.get("jobs", {}).values()
             for s in job.get("steps", [])]
    [uses] = [s for s in steps if "exoqc@" in s.get("uses", "")]
    assert set(uses["with"]) <= set(ACTION["inputs"])
    assert HASH.fullmatch(uses["uses"].split("@")[1])


def test_recipes_install_exoqc_itself_at_a_commit_hash() -> None:
    text = "\n".join(blocks("yaml") + blocks("groovy") + blocks("sh"))
    assert "v0.1.0" not in DOC and "v0.1.0" not in (ROOT / ".pre-commit-hooks.yaml").read_text()
    # `pip install .` would install the user's repository, not exoqc
    assert not re.search(r"pip install( -q)? \.(\s|$)", text)
    installs = re.findall(r"pip install[^\n]*", text)
    assert installs and all('"exoqc @ git+${EXOQC_REPO}@${EXOQC_REV}"' in line
                            or line.rstrip().split("#")[0].strip().endswith(".whl")
                            for line in installs), installs
    pins = re.findall(r"EXOQC_REV *[:=] *'?([0-9a-f]+)", text)
    assert len(pins) == 3 and all(HASH.fullmatch(p) for p in pins)  # GitHub, GitLab, Jenkins
    revs = re.findall(r"rev: (\S+)", text + (ROOT / ".pre-commit-hooks.yaml").read_text())
    assert revs and all(HASH.fullmatch(r) for r in revs)
    assert "pip wheel" in text


def test_the_junit_description_matches_the_renderer() -> None:
    row = next(line for line in DOC.splitlines() if line.startswith("| `-o x.xml` |"))
    for fact in ("junit-10.xsd", "`<skipped>`", "`skipped`", "`file`", "lab1.csv row 3"):
        assert fact in row, fact
