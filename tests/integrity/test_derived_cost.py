"""Derived attributes cost what they look like: shared sub-expressions are computed once,
and the linked expression's depth and size are bounded with a spec error at file:line.

Work is counted (nodes evaluated), never timed."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from qc.engine.derived import expr
from qc.spec import load_spec
from tests.conftest import run_cli

HEAD = "name: t\nversion: '1'\nid_column: batch_id\n"


def squares(levels: int) -> str:
    """d0: a*a, then d_i: d_{i-1}*d_{i-1}: written small, 2**levels leaves when inlined."""
    body = "".join(f"  d{i}: d{i - 1}*d{i - 1}\n" for i in range(1, levels + 1))
    return (HEAD + "derived:\n  d0: a*a\n" + body
            + f"checks:\n  - name: c\n    column: d{levels}\n    max: 1e300\n")


def chain(length: int) -> str:
    body = "".join(f"  d{i}: d{i - 1} + 1\n" for i in range(1, length))
    return (HEAD + "derived:\n  d0: a + 1\n" + body
            + f"checks:\n  - name: c\n    column: d{length - 1}\n    max: 1e300\n")


def _box(value: float) -> expr.Box:
    arr = np.array([value])
    no = np.zeros(1, dtype=bool)
    return expr.Box(arr, arr.copy(), no, no.copy(), no.copy())


def _count_evaluations(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count every node `evaluate` computes (the recursion goes through the module name)."""
    calls = [0]
    real = expr._evaluate

    def counting(*args: object) -> expr.Box:
        calls[0] += 1
        assert calls[0] <= 1000, "evaluate is walking an inlined (exponential) tree"
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(expr, "_evaluate", counting)
    return calls


def test_twenty_levels_of_squares_evaluate_each_level_once(
        write: Callable[[str, str], Path], monkeypatch: pytest.MonkeyPatch) -> None:
    spec = load_spec(str(write("s.yaml", squares(20))))
    tree = spec.derived[-1].tree
    assert isinstance(tree, expr.Bin)
    assert spec.derived[-1].inputs == ("a",)
    # The linked tree shares d19 between both sides of d20's product: same object.
    assert tree.left is tree.right
    calls = _count_evaluations(monkeypatch)
    reads: list[str] = []

    def inputs(name: str) -> expr.Box:
        reads.append(name)
        return _box(1.0001)

    value = expr.evaluate(tree, inputs, 1)
    # 21 products and the two written `a` of d0, plus each level's second (shared) visit:
    # linear in the levels (2**21 nodes when inlined).
    assert calls[0] <= 3 * 21 + 2
    assert reads == ["a", "a"]
    assert float(value.lo[0]) == pytest.approx(1.0001 ** (2 ** 21), rel=1e-9)


def test_twenty_levels_of_squares_judge_through_the_cli(write: Callable[[str, str], Path]
                                                        ) -> None:
    spec = write("s.yaml", squares(20))
    data = write("b.csv", "batch_id,a\nB1,1.0001\nB2,2\n")
    # A subprocess with a generous timeout: the exponential version ran for minutes.
    done = subprocess.run([sys.executable, "-m", "qc", "check", str(data), "-s", str(spec),
                           "-f", "json"], capture_output=True, text=True, timeout=600,
                          check=False)
    assert done.returncode == 1, done.stderr
    results = {b["batch_id"]: b for b in json.loads(done.stdout)["batches"]}
    assert results["B1"]["verdict"] == "pass"
    # 2 ** (2 ** 21) overflows: cannot compute, never a pass.
    assert results["B2"]["verdict"] == "fail"


def test_the_exact_recheck_shares_too(monkeypatch: pytest.MonkeyPatch,
                                      write: Callable[[str, str], Path]) -> None:
    spec = load_spec(str(write("s.yaml", squares(20))))
    calls = _count_evaluations(monkeypatch)
    one = np.array([expr.Decimal("1")], dtype=object)
    no = np.zeros(1, dtype=bool)
    with expr.exact_context():
        value = expr.evaluate(spec.derived[-1].tree, lambda _: expr.Box(one, one, no, no, no),
                              1, exact=True)
    assert value.lo[0] == 1
    assert calls[0] <= 3 * 21 + 2


def test_a_1500_deep_chain_is_a_spec_error_at_its_line(write: Callable[[str, str], Path]
                                                       ) -> None:
    spec = write("s.yaml", chain(1500))
    run = run_cli("spec", "validate", str(spec))
    assert run.code == 2
    # d0 is 2 deep (a + 1), d_i is i + 2 deep: d199 is the first beyond 200 levels;
    # it is on line 5 + 199 of the file.
    assert run.out == (f"{spec}:204:9: derived.d199: nested deeper than "
                       f"{expr.MAX_LINKED_DEPTH} levels once the derived attributes it uses "
                       "are put in\n")
    assert "internal error" not in run.out + run.err


def test_a_chain_just_within_the_depth_bound_is_judged(write: Callable[[str, str], Path]
                                                       ) -> None:
    spec = write("s.yaml", chain(expr.MAX_LINKED_DEPTH - 1))
    data = write("b.csv", "batch_id,a\nB1,1\n")
    run = run_cli("check", str(data), "-s", str(spec), "-f", "json")
    assert run.code == 0, run
    batch = json.loads(run.out)["batches"][0]
    assert batch["checks"][-1]["value"] == str(expr.MAX_LINKED_DEPTH)


def test_a_cycle_deep_in_a_long_chain_is_named_without_recursion(
        write: Callable[[str, str], Path]) -> None:
    text = chain(3000).replace("  d0: a + 1\n", "  d0: d2999 + 1\n")
    spec = write("s.yaml", text)
    run = run_cli("spec", "validate", str(spec))
    assert run.code == 2
    assert run.out.startswith(f"{spec}:5:7: derived.d0: refers to itself: d0 -> d2999 -> ")
    assert run.out.endswith(" -> d1 -> d0\n")


def test_too_many_operations_in_all_is_a_spec_error(write: Callable[[str, str], Path]) -> None:
    group = "(" + " + ".join(["a"] * 40) + ")"
    term = " * ".join([group] * 5)  # within one expression's length and depth bounds
    size = expr._size(expr.parse(term))
    assert size == 5 * 79 + 4
    count = expr.MAX_NODES // size + 1
    body = "".join(f"  x{i}: {term}\n" for i in range(count))
    spec = write("s.yaml", HEAD + "derived:\n" + body
                 + "checks:\n  - name: c\n    column: x0\n    max: 1\n")
    run = run_cli("spec", "validate", str(spec))
    assert run.code == 2
    assert run.out == (f"{spec}:5:7: derived.x0: the derived attributes hold {count * size} "
                       f"operations in all; at most {expr.MAX_NODES} are allowed\n")


def test_each_derived_attribute_keeps_its_own_expression_text(
        write: Callable[[str, str], Path]) -> None:
    spec = load_spec(str(write("s.yaml", HEAD + "derived:\n  r: a / b\n  s: r * 2\n"
                               "checks:\n  - name: c\n    column: s\n    max: 1\n")))
    assert [(d.name, d.expression, d.inputs) for d in spec.derived] == [
        ("r", "a / b", ("a", "b")), ("s", "r * 2", ("a", "b"))]
