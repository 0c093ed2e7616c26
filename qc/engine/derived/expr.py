"""Derived attributes: safe arithmetic over columns, evaluated as intervals.

An expression is parsed with Python's `ast` module in 'eval' mode and then checked
against a whitelist: numbers, column names, `+ - * /`, unary `+ -` and parentheses.
Anything else (calls, attribute access, subscripts, `**`, comparisons, lambdas, ...)
is a spec error; nothing is ever passed to `eval`. A column name that is not a Python
identifier is written in backticks: `` `Mean size (nm)` / 2 ``.

Evaluation is interval arithmetic, vectorised over whole columns: each input cell is an
interval (see values.py), so a censored input propagates honestly. A reading below a
detection limit of an input (`<2`) is taken as a positive quantity, 0 < v < 2, because
the inputs of a derived attribute are amounts and concentrations: particles / `<2`
protein is then `>` a bound. Division by zero, or by an interval that contains zero,
is invalid. Floats do the work; rows that land near a limit are recomputed with
Decimals (50 significant digits) by the same code over object arrays (rules/limits.py).
"""

from __future__ import annotations

import ast
import decimal
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import msgspec
import numpy as np

from qc.errors import ExpressionError, LinkError

MAX_LENGTH = 1000
MAX_DEPTH = 50
MAX_LITERAL = Decimal("1e300")
# Bounds of the derived section once its attributes are linked (see `link`): the nesting
# of an expanded expression, and the operations written in all expressions together
# (a bound on the work of any one attribute, since shared parts are computed once).
MAX_LINKED_DEPTH = 200
MAX_NODES = 20_000

_BACKTICK = re.compile(r"`([^`]*)`")
_OPS: dict[type[ast.operator], str] = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}
_FORBIDDEN_OPS = {ast.Pow: "'**'", ast.Mod: "'%'", ast.FloorDiv: "'//'", ast.MatMult: "'@'",
                  ast.LShift: "'<<'", ast.RShift: "'>>'", ast.BitOr: "'|'", ast.BitAnd: "'&'",
                  ast.BitXor: "'^'"}
_NODE_WORDS: dict[type[ast.AST], str] = {
    ast.Call: "function calls are",
    ast.Attribute: "attribute access is",
    ast.Subscript: "subscripts are",
    ast.Lambda: "lambda is",
    ast.Compare: "comparisons are",
    ast.BoolOp: "'and'/'or' are",
    ast.IfExp: "'if' expressions are",
    ast.ListComp: "comprehensions are",
    ast.SetComp: "comprehensions are",
    ast.DictComp: "comprehensions are",
    ast.GeneratorExp: "comprehensions are",
    ast.NamedExpr: "':=' is",
    ast.Starred: "'*' unpacking is",
    ast.JoinedStr: "text is",
    ast.List: "lists are",
    ast.Tuple: "tuples are",
    ast.Dict: "dicts are",
    ast.Set: "sets are",
    ast.Await: "'await' is",
    ast.Yield: "'yield' is",
    ast.YieldFrom: "'yield' is",
}
ONLY = "only numbers, column names, + - * / and parentheses"


# --- the tree ----------------------------------------------------------------------------


class Num(msgspec.Struct, frozen=True):
    value: Decimal


class Col(msgspec.Struct, frozen=True):
    name: str  # as written (without backticks)


class Neg(msgspec.Struct, frozen=True):
    operand: Node


class Bin(msgspec.Struct, frozen=True):
    op: str  # + - * /
    left: Node
    right: Node


Node = Num | Col | Neg | Bin


def parse(expression: str) -> Node:
    """The whitelisted tree of an expression; ExpressionError says what is not allowed."""
    if len(expression) > MAX_LENGTH:
        raise ExpressionError(f"expression is longer than {MAX_LENGTH} characters")
    if not expression.strip():
        raise ExpressionError("expression is empty")
    names: dict[str, str] = {}

    def quote(found: re.Match[str]) -> str:
        name = found.group(1).strip()
        if not name:
            raise ExpressionError("empty column name in backticks")
        placeholder = f"__c{len(names)}"
        names[placeholder] = name
        return f" {placeholder} "

    source = _BACKTICK.sub(quote, expression)
    if "`" in source:
        raise ExpressionError("unclosed backtick")
    depth = 0
    for char in source:
        depth += char == "("
        depth -= char == ")"
        if depth > MAX_DEPTH:
            raise ExpressionError(f"nested deeper than {MAX_DEPTH} levels")
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"not an arithmetic expression: {exc.msg}") from None
    except (RecursionError, MemoryError, ValueError):
        raise ExpressionError("expression is too complex") from None
    return _convert(tree.body, names, 0, source.strip())


def _convert(node: ast.AST, names: Mapping[str, str], depth: int, source: str) -> Node:
    if depth > MAX_DEPTH:
        raise ExpressionError(f"nested deeper than {MAX_DEPTH} levels")
    if isinstance(node, ast.BinOp):
        op = type(node.op)
        if op not in _OPS:
            word = _FORBIDDEN_OPS.get(op, type(node.op).__name__)
            raise ExpressionError(f"{word} is not allowed ({ONLY})")
        return Bin(_OPS[op], _convert(node.left, names, depth + 1, source),
                   _convert(node.right, names, depth + 1, source))
    if isinstance(node, ast.UnaryOp):
        if isinstance(node.op, ast.USub):
            return Neg(_convert(node.operand, names, depth + 1, source))
        if isinstance(node.op, ast.UAdd):
            return _convert(node.operand, names, depth + 1, source)
        word = "'not'" if isinstance(node.op, ast.Not) else "'~'"
        raise ExpressionError(f"{word} is not allowed ({ONLY})")
    if isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ExpressionError(f"{value!r} is not a number ({ONLY})")
        number = Decimal(value) if isinstance(value, int) else Decimal(repr(value))
        if not number.is_finite() or abs(number) > MAX_LITERAL:
            shown = ast.get_source_segment(source, node) or str(value)
            raise ExpressionError(f"number {shown} is too large (at most {MAX_LITERAL:E})")
        return Num(number)
    if isinstance(node, ast.Name):
        if node.id in names:
            return Col(names[node.id])
        if node.id.startswith("__"):
            raise ExpressionError(f"name {node.id!r} is not allowed (write column names "
                                  "that start with '__' in backticks)")
        return Col(node.id)
    described = _NODE_WORDS.get(type(node))
    if described is None:
        raise ExpressionError(f"{type(node).__name__} is not allowed ({ONLY})")
    raise ExpressionError(f"{described} not allowed ({ONLY})")


def columns(node: Node) -> Iterator[str]:
    """Every name the expression reads, in order of first appearance. A sub-expression
    shared by several parents (a derived attribute used twice) is walked once."""
    seen: set[int] = set()
    stack: list[Node] = [node]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, Col):
            yield current.name
        elif isinstance(current, Neg):
            stack.append(current.operand)
        elif isinstance(current, Bin):
            stack.extend((current.right, current.left))


def substitute(node: Node, lookup: Callable[[str], Node | None]) -> Node:
    """The tree with each name that `lookup` knows replaced by its tree (the very object
    `lookup` returns: substituting one tree many times shares it, copies nothing)."""
    if isinstance(node, Col):
        found = lookup(node.name)
        return node if found is None else found
    if isinstance(node, Neg):
        return Neg(substitute(node.operand, lookup))
    if isinstance(node, Bin):
        return Bin(node.op, substitute(node.left, lookup), substitute(node.right, lookup))
    return node


def link(trees: Mapping[str, Node], key: Callable[[str], str]) -> dict[str, Node]:
    """Each derived attribute's tree with the derived attributes it names put in.

    A derived attribute used several times is put in as one shared object, never copied,
    so that `evaluate` computes it once: `d2: d1*d1`, `d3: d2*d2`, ... stays as small as
    it is written. The order is found without recursion (a chain of thousands of names
    is a spec error, not a RecursionError). LinkError names the attribute when one
    refers to itself, when the expression it expands to is nested deeper than
    MAX_LINKED_DEPTH, or when the section holds more than MAX_NODES operations.
    """
    names = {key(name): name for name in trees}
    total = sum(_size(tree) for tree in trees.values())
    if total > MAX_NODES:
        raise LinkError(next(iter(trees)), f"the derived attributes hold {total} operations "
                        f"in all; at most {MAX_NODES} are allowed")

    def uses(name: str) -> list[str]:
        found = (names.get(key(col)) for col in columns(trees[name]))
        return list(dict.fromkeys(n for n in found if n is not None))

    linked: dict[str, Node] = {}
    depths: dict[int, int] = {}
    for start in trees:
        path: list[str] = []
        stack: list[tuple[str, Iterator[str]]] = []
        if start not in linked:
            path.append(start)
            stack.append((start, iter(uses(start))))
        while stack:
            name, pending = stack[-1]
            other = next(pending, None)
            if other is None:
                stack.pop()
                path.pop()
                tree = substitute(trees[name], lambda col: linked.get(names.get(key(col), "")))
                if _depth(tree, depths) > MAX_LINKED_DEPTH:
                    raise LinkError(name, f"nested deeper than {MAX_LINKED_DEPTH} levels once "
                                    "the derived attributes it uses are put in")
                linked[name] = tree
            elif other in path:
                raise LinkError(start, "refers to itself: " + " -> ".join((*path, other)))
            elif other not in linked:
                path.append(other)
                stack.append((other, iter(uses(other))))
    return linked


def _size(node: Node) -> int:
    """The number of nodes of one parsed (unshared) tree."""
    if isinstance(node, Neg):
        return 1 + _size(node.operand)
    if isinstance(node, Bin):
        return 1 + _size(node.left) + _size(node.right)
    return 1


def _depth(node: Node, depths: dict[int, int]) -> int:
    """The nesting depth of a linked tree; `depths` remembers the shared parts by id."""
    known = depths.get(id(node))
    if known is not None:
        return known
    if isinstance(node, Neg):
        depth = 1 + _depth(node.operand, depths)
    elif isinstance(node, Bin):
        depth = 1 + max(_depth(node.left, depths), _depth(node.right, depths))
    else:
        depth = 1
    depths[id(node)] = depth
    return depth


def show(node: Node) -> str:
    """The expression written back (fully parenthesised where it matters)."""
    if isinstance(node, Num):
        return str(node.value)
    if isinstance(node, Col):
        return node.name if node.name.isidentifier() else f"`{node.name}`"
    if isinstance(node, Neg):
        return f"-{show(node.operand)}"
    return f"({show(node.left)} {node.op} {show(node.right)})"


# --- interval arithmetic -------------------------------------------------------------------


class Box(msgspec.Struct, frozen=True, eq=False):
    """Intervals over rows: bounds (float or Decimal object arrays), open flags, and rows
    whose value cannot be computed (`bad`: an invalid input or a zero divisor)."""

    lo: Any
    hi: Any
    lo_open: Any
    hi_open: Any
    bad: Any


@contextmanager
def exact_context() -> Iterator[None]:
    """Decimal arithmetic for the exact re-check: 50 digits, infinities instead of traps."""
    with decimal.localcontext() as ctx:
        ctx.prec = 50
        ctx.traps[decimal.DivisionByZero] = False
        ctx.traps[decimal.InvalidOperation] = False
        ctx.traps[decimal.Overflow] = False
        yield


def evaluate(node: Node, inputs: Callable[[str], Box], n: int, *, exact: bool = False) -> Box:
    """The node's value over n rows; `inputs(name)` gives each column's intervals.

    A shared sub-expression (see `link`) is computed once. With exact=True the bounds
    are Decimal object arrays (call inside exact_context()).
    """
    return _evaluate(node, inputs, n, exact, {})


def _evaluate(node: Node, inputs: Callable[[str], Box], n: int, exact: bool,
              done: dict[int, Box]) -> Box:
    known = done.get(id(node))
    if known is not None:
        return known
    if isinstance(node, Col):
        out = inputs(node.name)
    elif isinstance(node, Num):
        value = node.value if exact else float(node.value)
        arr = np.full(n, value, dtype=object if exact else np.float64)
        closed = np.zeros(n, dtype=bool)
        out = Box(arr, arr.copy(), closed, closed.copy(), closed.copy())
    elif isinstance(node, Neg):
        a = _evaluate(node.operand, inputs, n, exact, done)
        out = Box(-a.hi, -a.lo, a.hi_open, a.lo_open, a.bad)
    else:
        a = _evaluate(node.left, inputs, n, exact, done)
        b = _evaluate(node.right, inputs, n, exact, done)
        with np.errstate(all="ignore"):
            if node.op == "+":
                out = _add(a, b)
            elif node.op == "-":
                out = _add(a, Box(-b.hi, -b.lo, b.hi_open, b.lo_open, b.bad))
            elif node.op == "*":
                out = _mul(a, b, exact)
            else:
                out = _div(a, b, exact)
    done[id(node)] = out
    return out


def _add(a: Box, b: Box) -> Box:
    return Box(a.lo + b.lo, a.hi + b.hi, a.lo_open | b.lo_open, a.hi_open | b.hi_open,
               a.bad | b.bad | _nan(a.lo + b.lo) | _nan(a.hi + b.hi))


def _nan(x: Any) -> Any:
    return x != x


def _mul(a: Box, b: Box, exact: bool) -> Box:
    pairs = ((a.lo, a.lo_open, b.lo, b.lo_open), (a.lo, a.lo_open, b.hi, b.hi_open),
             (a.hi, a.hi_open, b.lo, b.lo_open), (a.hi, a.hi_open, b.hi, b.hi_open))
    zero: Any = Decimal(0) if exact else 0.0
    values = []
    opens = []
    for x, xo, y, yo in pairs:
        product = x * y
        # 0 * inf arises only from an unbounded side meeting an exact zero; the product is 0.
        values.append(np.where(_nan(product), zero, product))
        opens.append(xo | yo)
    vals = np.stack(values)
    flags = np.stack(opens)
    lo = np.min(vals, axis=0) if not exact else _reduce(vals, min)
    hi = np.max(vals, axis=0) if not exact else _reduce(vals, max)
    lo_open = np.all(flags | (vals != lo), axis=0)
    hi_open = np.all(flags | (vals != hi), axis=0)
    return Box(lo, hi, lo_open, hi_open, a.bad | b.bad)


def _reduce(vals: Any, pick: Callable[..., Any]) -> Any:
    out = np.empty(vals.shape[1], dtype=object)
    for j in range(vals.shape[1]):
        out[j] = pick(vals[:, j].tolist())
    return out


def _div(a: Box, b: Box, exact: bool) -> Box:
    zero: Any = Decimal(0) if exact else 0.0
    inf: Any = Decimal("Infinity") if exact else np.inf
    one: Any = Decimal(1) if exact else 1.0
    holds_zero = (((b.lo < zero) & (b.hi > zero)) | ((b.lo == zero) & ~b.lo_open)
                  | ((b.hi == zero) & ~b.hi_open))
    safe_lo = np.where(b.lo == zero, one, b.lo)
    safe_hi = np.where(b.hi == zero, one, b.hi)
    recip_hi = np.where(b.lo == zero, inf, one / safe_lo)  # 1 / (0, x] = [1/x, ∞)
    recip_lo = np.where(b.hi == zero, -inf, one / safe_hi)
    recip = Box(recip_lo, recip_hi, b.hi_open | (b.hi == zero), b.lo_open | (b.lo == zero),
                b.bad | holds_zero)
    out = _mul(a, recip, exact)
    return Box(out.lo, out.hi, out.lo_open, out.hi_open, out.bad | holds_zero)


def positive_censored(lo: Any, hi: Any, lo_open: Any) -> tuple[Any, Any]:
    """Read `<x` (x > 0) as 0 < v < x: the new (lo, lo_open)."""
    exact = lo.dtype == object
    below = np.asarray((lo == (Decimal("-Infinity") if exact else -np.inf)) & (hi > 0), dtype=bool)
    zero: Any = Decimal(0) if exact else 0.0
    return np.where(below, zero, lo), lo_open | below


# --- showing values --------------------------------------------------------------------------


def number_text(value: float | Decimal) -> str:
    """1.0E+11, 1.508E+10, 7.4, 0.0003: four significant digits at most."""
    v = float(value)
    if v == 0:
        return "0"
    if abs(v) >= 1e7 or abs(v) < 1e-4:
        mantissa, exponent = f"{v:.3E}".split("E")
        mantissa = mantissa.rstrip("0")
        mantissa = mantissa + "0" if mantissa.endswith(".") else mantissa
        return f"{mantissa}E{exponent}"
    return f"{v:.4g}" if abs(v) < 1 else f"{v:.6g}"


def texts(lo: Any, hi: Any, lo_open: Any, hi_open: Any, ok: Any) -> Any:
    """`interval_text` over whole columns (an object array; None where not `ok`), formatted
    in bulk; only bounded ranges such as `(0, 2)` go one by one."""
    out = np.full(len(lo), None, dtype=object)
    with np.errstate(invalid="ignore"):
        point = ok & (lo == hi)
        below = ok & ~point & (lo == -np.inf) & (hi != np.inf)
        above = ok & ~point & (hi == np.inf) & (lo != -np.inf)
    out[point] = _numbers(lo[point])
    out[below] = np.where(hi_open[below], "<", "≤").astype(object) + _numbers(hi[below])
    out[above] = np.where(lo_open[above], ">", "≥").astype(object) + _numbers(lo[above])
    for i in np.flatnonzero(ok & ~point & ~below & ~above).tolist():
        out[i] = interval_text(float(lo[i]), float(hi[i]), bool(lo_open[i]), bool(hi_open[i]))
    return out


def _numbers(values: Any) -> Any:
    """`number_text` of every (finite) value, as an object array."""
    import pyarrow.compute as pc  # deferred: spec loading parses expressions without pyarrow

    from qc.engine.arrowbuf import texts

    out = np.full(len(values), "0", dtype=object)
    size = np.abs(values)
    sci = (size != 0) & ((size >= 1e7) | (size < 1e-4))
    small = (size != 0) & ~sci & (size < 1)
    plain = (size != 0) & ~sci & ~small
    if sci.any():
        # Through arrowbuf: pa.array and to_numpy would make pyarrow import pandas.
        text = texts([f"{v:.3E}" for v in values[sci].tolist()])
        text = pc.replace_substring_regex(text, "0+E", "E")
        text = pc.replace_substring_regex(text, r"\.E", ".0E")
        out[sci] = text.to_pylist()
    if small.any():
        out[small] = [f"{v:.4g}" for v in values[small].tolist()]
    if plain.any():
        out[plain] = [f"{v:.6g}" for v in values[plain].tolist()]
    return out


def interval_text(lo: float, hi: float, lo_open: bool, hi_open: bool) -> str:
    """How a derived value is shown: `7.4`, `>1.0E+11`, `≤0.5`, `(0, 2)`."""
    if lo == hi:
        return number_text(lo)
    if lo == -np.inf and hi == np.inf:
        return "any value"
    if lo == -np.inf:
        return ("<" if hi_open else "≤") + number_text(hi)
    if hi == np.inf:
        return (">" if lo_open else "≥") + number_text(lo)
    return f"{'(' if lo_open else '['}{number_text(lo)}, {number_text(hi)}{')' if hi_open else ']'}"
