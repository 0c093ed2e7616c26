"""Read spec YAML the way a lab author means it: YAML 1.2 core rules, exact numbers, no surprises.

PyYAML implements YAML 1.1, where `no` is False, `1e9` is a string and `0123` is octal.
This loader swaps in the YAML 1.2 core-schema resolvers, reads every number as an exact
`Decimal` (so `7.6` is 7.6 and `version: 2026.10` keeps its zero), refuses aliases
(no 'billion laughs'), duplicate keys and deep nesting, and records where each value
sits so that errors can name a line.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from qc.errors import YamlError

Path = tuple[str | int, ...]
Positions = dict[Path, tuple[int, int]]

MAX_DEPTH = 32


class _Loader(yaml.SafeLoader):
    yaml_implicit_resolvers = {}  # noqa: RUF012 (PyYAML's own class-level table)

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
            raise YamlError("aliases (*name) are not allowed in a spec", *_pos(mark))
        self._depth = getattr(self, "_depth", 0) + 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                raise YamlError(f"nested deeper than {MAX_DEPTH} levels", *_pos(mark))
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _add(tag: str, pattern: str, first: str) -> None:
    _Loader.add_implicit_resolver(tag, re.compile(pattern, re.X), list(first))


# The YAML 1.2 core schema (https://yaml.org/spec/1.2.2/#1032-tag-resolution).
_add("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF")
_add("tag:yaml.org,2002:int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789")
_add(
    "tag:yaml.org,2002:float",
    r"""^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?
        |[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$""",
    "-+0123456789.",
)
_add("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""])  # type: ignore[arg-type]


def _construct_int(loader: _Loader, node: ScalarNode) -> Decimal:
    text = loader.construct_scalar(node)
    if text.startswith(("0o", "0x")):
        return Decimal(int(text, 0))
    return Decimal(text)


def _construct_float(loader: _Loader, node: ScalarNode) -> Decimal:
    text = loader.construct_scalar(node).lower().lstrip("+")
    return Decimal(text.replace(".inf", "Infinity").replace(".nan", "NaN"))


def _construct_mapping(loader: _Loader, node: MappingNode) -> dict[Any, Any]:
    seen: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str):
            raise YamlError(f"keys must be text, not {key!r}", *_pos(key_node.start_mark))
        if key in seen:
            raise YamlError(f"duplicate key {key!r}", *_pos(key_node.start_mark))
        seen[key] = loader.construct_object(value_node, deep=True)
    return seen


_Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)
_Loader.add_constructor("tag:yaml.org,2002:float", _construct_float)
_Loader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)


def _pos(mark: Any) -> tuple[int, int]:
    return (mark.line + 1, mark.column + 1) if mark is not None else (0, 0)


def _positions(node: Node, path: Path, out: Positions) -> None:
    out[path] = _pos(node.start_mark)
    if isinstance(node, MappingNode):
        for key_node, value_node in node.value:
            key = str(key_node.value)
            out[(*path, key, "<key>")] = _pos(key_node.start_mark)
            _positions(value_node, (*path, key), out)
    elif isinstance(node, SequenceNode):
        for i, item in enumerate(node.value):
            _positions(item, (*path, i), out)


def load(text: str) -> tuple[Any, Positions]:
    """Parse one YAML document; return the data and the (line, column) of every value."""
    loader: _Loader | None = None
    try:
        loader = _Loader(text)  # its reader refuses control characters already here
        node = loader.get_single_node()
        if node is None:
            return None, {}
        positions: Positions = {}
        _positions(node, (), positions)
        return loader.construct_document(node), positions
    except yaml.MarkedYAMLError as exc:
        problem, mark = plain_words(exc)
        raise YamlError(problem, *_pos(mark)) from None
    except yaml.YAMLError as exc:
        raise YamlError(str(exc).splitlines()[0]) from None
    finally:
        if loader is not None:
            loader.dispose()


def plain_words(exc: yaml.MarkedYAMLError) -> tuple[str, Any]:
    """A PyYAML syntax error in plain words with a hint, and the place to point at (where
    the mistake most likely is: the key without its colon, the quote or bracket that was
    opened and never closed, the tab, the line indented differently)."""
    problem = exc.problem or exc.context or "malformed YAML"
    context = exc.context or ""
    where = exc.problem_mark or exc.context_mark
    opened = exc.context_mark or where
    found = re.match(r"found character '(.*)' that cannot start any token", problem)
    if "could not determine a constructor" in str(exc):
        return f"tag {node_tag(exc)} is not allowed in a spec", where
    if found and found.group(1) == "\\t":
        return ("a tab character: YAML indents with spaces only (replace the tab with "
                "spaces)"), where
    if found:
        return (f"{found.group(1)!r} cannot start a value: put the value in quotes "
                f"(\"...\")"), where
    if "quoted scalar" in context:
        return ("unclosed quote: the quote that starts here has no closing quote (close it on "
                "the same line, or double a ' inside a '...' value)"), opened
    if "flow sequence" in context or "flow mapping" in context:
        bracket = "[" if "sequence" in context else "{"
        close = "]" if bracket == "[" else "}"
        return (f"unclosed bracket: the {bracket!r} that starts here has no {close!r} (or a "
                "',' is missing between its items)"), opened
    if "simple key" in context and "could not find expected ':'" in problem:
        return ("missing colon: this line has no ':' after its key (write 'key: value')"
                ), opened
    if problem.startswith("mapping values are not allowed here"):
        return ("unexpected ':': check the indentation of this line against the line above, "
                "a missing ':' on the line above, or put a value that contains ': ' in "
                "quotes"), where
    if problem.startswith("expected <block end>") or "block collection" in context:
        line = (opened.line + 1) if opened is not None else 0
        return ("indentation: this line is indented differently from the lines above it at "
                f"the same level (the block that starts on line {line}); indent with the "
                "same number of spaces, and check for a missing ':' or '-'"), where
    if "single document" in context:
        return ("a second document ('---' or '...'): a spec file holds one document"), where
    if "block mapping" in context and "expected <block end>" not in problem:
        return (f"{problem}: check the indentation and the ':' after each key"), where
    return problem, where


def node_tag(exc: yaml.MarkedYAMLError) -> str:
    found = re.search(r"tag '([^']*)'", str(exc))
    return found.group(1) if found else "(unknown)"
