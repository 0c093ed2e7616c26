"""Making data safe to show: control characters and escape sequences become visible text."""

from __future__ import annotations

import re

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
