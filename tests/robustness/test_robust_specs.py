"""Hostile and broken specs: refused with one line naming file, place and problem; never run.

The YAML loader is PyYAML's SafeLoader with YAML 1.2 resolvers (qc/spec/yaml12.py): it cannot
construct Python objects, refuses aliases (no 'billion laughs'), duplicate keys and
nesting deeper than 32 levels. JSON specs get the same refusals. Spec files are capped at
1 MiB. `pattern` is RE2, matched by Arrow in time linear in the cell (docs/testing.md).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import run_cli, run_process
from tests.robustness.robust import GOOD, SPEC, check_of, csv_text, one_line_error

HEAD = 'name: t\nversion: "1"\nid_column: batch_id\nchecks:\n'
SIZE = "  - {name: s, column: size_nm, max: 1}\n"


def _bomb() -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 9):
        prev = chr(ord("a") + i - 1)
        lines.append(f"{chr(ord('a') + i)}: &{chr(ord('a') + i)} [" + ",".join([f"*{prev}"] * 9)
                     + "]")
    return "\n".join(lines) + "\n" + HEAD + SIZE


# (id, file name, content, message after "exoqc: <path>")
CASES: list[tuple[str, str, str | bytes, str]] = [
    ("billion-laughs", "s.yaml", _bomb(),
     ":2:8: invalid YAML: aliases (*name) are not allowed in a spec"),
    ("one-alias", "s.yaml", HEAD + "  - &c {name: s, column: size_nm, max: 1}\n  - *c\n",
     ":6:5: invalid YAML: aliases (*name) are not allowed in a spec"),
    ("1000-deep-flow", "s.yaml", "x: " + "[" * 1000 + "]" * 1000 + "\n",
     ":1:35: invalid YAML: nested deeper than 32 levels"),
    ("1000-deep-block", "s.yaml", "".join("  " * i + f"k{i}:\n" for i in range(1000)),
     ":32:63: invalid YAML: nested deeper than 32 levels"),
    ("1000-deep-json", "s.json", "[" * 1000 + "]" * 1000,
     ": invalid JSON: nested deeper than 32 levels"),
    ("100000-deep-json", "s.json", "[" * 100_000 + "]" * 100_000,
     ": invalid JSON: nested deeper than 32 levels"),
    ("python-object-apply", "s.yaml",
     HEAD + '  - name: !!python/object/apply:os.system ["touch PWNED"]\n'
     '    column: a\n    max: 1\n',
     ":5:11: invalid YAML: tag tag:yaml.org,2002:python/object/apply:os.system is not allowed "
     "in a spec"),
    ("python-name", "s.yaml", HEAD + "  - {name: !!python/name:os.system , column: a, max: 1}\n",
     ":5:12: invalid YAML: tag tag:yaml.org,2002:python/name:os.system is not allowed in a spec"),
    ("python-object-new", "s.yaml", "!!python/object/new:subprocess.Popen [[touch, PWNED]]\n",
     ":1:1: invalid YAML: tag tag:yaml.org,2002:python/object/new:subprocess.Popen is not "
     "allowed in a spec"),
    ("huge-file", "s.yaml", HEAD + SIZE + "#" * (1 << 20) + "\n",
     ": spec file is larger than 1024 KiB"),
    ("limit-as-string", "s.yaml", HEAD + '  - {name: s, column: size_nm, max: "250"}\n',
     ":5:37: checks[0].max: must be a number, not '250'"),
    ("limit-nan", "s.yaml", HEAD + "  - {name: s, column: size_nm, max: .nan}\n",
     ":5:37: checks[0].max: must be a finite number, not NaN"),
    ("limit-inf", "s.yaml", HEAD + "  - {name: s, column: size_nm, min: -.inf, max: .inf}\n",
     ":5:37: checks[0].min: must be a finite number, not -Infinity"),
    ("limit-beyond-double", "s.yaml", HEAD + "  - {name: s, column: size_nm, max: 1e999999}\n",
     ":5:37: checks[0].max: 1E+999999 is beyond the range of numbers exoqc compares "
     "(about ±1.8e308)"),
    ("limit-json-nan", "s.json",
     '{"name":"t","version":"1","id_column":"b","checks":[{"name":"s","column":"a","max":NaN}]}',
     ": invalid JSON: NaN is not a number a spec may use"),
    ("limit-json-infinity", "s.json",
     '{"name":"t","version":"1","id_column":"b","checks":[{"name":"s","column":"a",'
     '"max":-Infinity}]}', ": invalid JSON: -Infinity is not a number a spec may use"),
    ("json-duplicate-key", "s.json",
     '{"name":"t","name":"u","version":"1","id_column":"b","checks":[]}',
     ": invalid JSON: duplicate key 'name'"),
    ("yaml-duplicate-key", "s.yaml", HEAD + SIZE + "name: u\n",
     ":6:1: invalid YAML: duplicate key 'name'"),
    ("binary", "s.yaml", b"\x00\x01\x02\xff", ": spec file is not UTF-8 text (byte 3)"),
    ("control-character", "s.yaml", b"name: t\x01\n", ": invalid YAML: unacceptable character "
                                                      "#x0001: special characters are not "
                                                      "allowed"),
    ("empty", "s.yaml", "", ": must be an object, not empty"),
    ("two-documents", "s.yaml", HEAD + SIZE + "---\nname: x\n",
     ":6:1: invalid YAML: a second document ('---' or '...'): a spec file holds one document"),
    ("pattern-bad-re2", "s.yaml", HEAD + "  - {name: s, column: a, pattern: '(a'}\n",
     ":5:35: checks[0].pattern: invalid pattern '(a': missing ): ^(?:(a)$"),
    ("pattern-backreference", "s.yaml", HEAD + "  - {name: s, column: a, pattern: '(a)\\1'}\n",
     ":5:35: checks[0].pattern: invalid pattern '(a)\\\\1': invalid escape sequence: \\1"),
    ("pattern-too-long", "s.yaml", HEAD + "  - {name: s, column: a, pattern: '" + "a" * 1001
     + "'}\n", ":5:35: checks[0].pattern: pattern is longer than 1000 characters"),
    ("set-tag", "s.yaml", HEAD + "  - {name: s, column: size_nm, max: !!set {a}}\n",
     ":5:37: checks[0].max: must be a number, a date (2026-03-07, today, today+30d) or {column: name}, not set"),
    ("complex-key", "s.yaml", HEAD + "  - {? [a]: 1, name: s, column: a, max: 1}\n",
     ":5:8: invalid YAML: keys must be text, not ['a']"),
]


@pytest.mark.parametrize(("name", "content", "message"),
                         [pytest.param(n, c, m, id=i) for i, n, c, m in CASES])
def test_hostile_spec_is_refused(tmp_path: Path, name: str, content: str | bytes,
                                 message: str) -> None:
    spec = tmp_path / name
    if isinstance(content, bytes):
        spec.write_bytes(content)
    else:
        spec.write_text(content, encoding="utf-8")
    batches = tmp_path / "in.csv"
    batches.write_text(csv_text([GOOD]))
    run = run_cli("check", "-s", spec, batches)
    # The located message bounds the work: the loader stops at the first alias, at the 33rd
    # level of nesting, or before reading past 1 MiB (no stopwatch: no test times a run).
    assert one_line_error(run) == f"exoqc: {spec}{message}"
    assert run.out == ""
    assert not (tmp_path / "PWNED").exists() and not Path("PWNED").exists()


def test_catastrophic_pattern_runs_in_linear_time(tmp_path: Path) -> None:
    """`(a+)+$` against 100,000 a's and a '!': a backtracking engine would take longer than
    the age of the universe; RE2 (Arrow) answers at once."""
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC.replace("'EXO-\\d{4}-\\d{3}'", "'(a+)+$'"))
    batches = tmp_path / "in.csv"
    evil = "a" * 100_000 + "!"
    batches.write_text(csv_text([{**GOOD, "lot_code": evil},
                                 {**GOOD, "batch_id": "B2", "lot_code": "a" * 100_000}]))
    # A child process with a generous timeout: a backtracking engine would never finish, and
    # the timeout stops it; a slow, loaded machine finishes well within it.
    run = run_process("check", "-s", spec, batches, "-f", "json")
    assert run.code == 1, run
    report = run.json()
    assert (check_of(report, 0, "code")["status"], check_of(report, 1, "code")["status"]) == (
        "fail", "pass")


def test_rule_engine_is_re2_not_python_re() -> None:
    """The ReDoS answer rests on this: patterns go to Arrow's RE2, which has no backtracking
    (backreferences and lookaround are refused at load time, above)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from qc.rules.pattern import compile_pattern

    # RE2 has no backreferences, which need backtracking: Arrow's engine refuses one itself.
    with pytest.raises(pa.ArrowInvalid, match="invalid escape sequence"):
        pc.match_substring_regex(pa.array(["aa"]), r"(a)\1")
    hit = pc.match_substring_regex(pa.array(["a" * 1_000_000 + "!"]),
                                   compile_pattern("(a+)+$"))
    assert hit.to_pylist() == [False]
