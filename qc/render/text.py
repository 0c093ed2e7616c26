"""Making data safe to show: control characters and escape sequences become visible text."""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u200b-\u200f\u202a-\u202e"
                      r"\u2066-\u2069\ufeff]")


def visible(text: str) -> str:
    """Text with every control, bidi or invisible character shown as an escape (`\\x1b`),
    so an ANSI sequence or a right-to-left override in a cell cannot act on a terminal
    or disguise a value. Tabs and newlines become escapes too: a value is one line."""
    text = text.replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return _CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}" if ord(m.group()) > 0xFF
                        else f"\\x{ord(m.group()):02x}", text)
