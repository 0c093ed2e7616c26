"""Making data safe to show: control characters and escape sequences become visible text."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u200b-\u200f\u202a-\u202e"
                      r"\u2066-\u2069\ufeff]")


# Characters that act on a terminal (`cat report.csv`) yet never belong in a value: C0
# controls other than tab and line breaks, DEL and the C1 controls (U+009B is CSI).
_TERMINAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def no_controls(text: str) -> str:
    """Text with terminal controls shown as escapes (`\x1b`), tabs and line breaks kept:
    for formats whose own quoting carries multi-line values (CSV, HTML)."""
    return _TERMINAL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def visible(text: str) -> str:
    """Text with every control, bidi or invisible character shown as an escape (`\\x1b`),
    so an ANSI sequence or a right-to-left override in a cell cannot act on a terminal
    or disguise a value. Tabs and newlines become escapes too: a value is one line."""
    text = text.replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return _CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}" if ord(m.group()) > 0xFF
                        else f"\\x{ord(m.group()):02x}", text)


# GitHub's runner reads a workflow command from any line of a step's output (stdout and
# stderr; a line ends at LF, CR or CRLF): `::name ...::` once leading whitespace is trimmed,
# and the legacy `##[name]` anywhere in the line (actions/runner ActionCommand.TryParse).
_LEGACY = re.compile(r"##\[")
_LINES = re.compile(r"(\r\n|\r|\n)")


def no_legacy_commands(text: str, escape: str = "\\x{:02x}") -> str:
    """`text` with every `##[` written `#\\x23[`: the runner takes it anywhere in a line."""
    hash_ = escape.format(ord("#"))
    return _LEGACY.sub(lambda _: f"#{hash_}[", text)


def no_workflow_commands(text: str, escape: str = "\\x{:02x}") -> str:
    """`text` with every line that a CI runner would take for a workflow command made
    inert: a `::` that starts a line after whitespace becomes `\\x3a:`, every `##[`
    becomes `#\\x23[` (with `escape="\\u{:04x}"`, the same inside a JSON string). The
    escapes are visible, as `visible()` shows other characters that act on their reader."""
    colon = escape.format(ord(":"))
    parts = _LINES.split(text)
    for i in range(0, len(parts), 2):
        line = no_legacy_commands(parts[i], escape)
        body = line.lstrip()
        if body.startswith("::"):
            line = line[:len(line) - len(body)] + colon + body[1:]
        parts[i] = line
    return "".join(parts)


def workflow_safe(chunks: Iterable[str], escape: str = "\\x{:02x}") -> Iterator[str]:
    """`no_workflow_commands` over text that arrives in chunks: a line (and a `##[`) may
    be split between two chunks, so each chunk's unfinished last line waits for the next."""
    pending = ""
    for chunk in chunks:
        text = pending + chunk
        cut = max(text.rfind("\n"), text.rfind("\r"))
        if cut < 0 or (text[cut] == "\r" and cut == len(text) - 1):
            pending = text  # no complete line yet (or a CR that an LF may follow)
            continue
        pending = text[cut + 1:]
        yield no_workflow_commands(text[:cut + 1], escape)
    if pending:
        yield no_workflow_commands(pending, escape)
