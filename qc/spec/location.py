"""Where a value of a spec was written: a path inside the (merged) spec -> `file:line:col`."""

from __future__ import annotations

from qc.errors import SpecError

SpecPath = tuple[str | int, ...]


class Locator:
    """Turns a path inside the (merged) spec into `file:line:col: checks[2].min: ...`."""

    def __init__(self, shown: str, entries: dict[SpecPath, tuple[str, int, int]]) -> None:
        self.shown = shown
        self.entries = entries

    def line_col(self, path: SpecPath) -> tuple[int, int]:
        """(line, column) of a path, for sorting problems in document order."""
        place = self.place(path).rsplit(":", 2)
        return (int(place[1]), int(place[2])) if len(place) == 3 and place[2].isdigit() \
            else (0, 0)

    def place(self, path: SpecPath) -> str:
        """`file:line:col` of a path (or of its nearest ancestor that has a position)."""
        found = self.entries.get(path) or self.entries.get(tuple(p for p in path if p != "<key>"))
        trimmed = tuple(p for p in path if p != "<key>")
        while found is None and trimmed:
            trimmed = trimmed[:-1]
            found = self.entries.get(trimmed)
        if found is None or not found[1]:
            return found[0] if found else self.shown
        return f"{found[0]}:{found[1]}:{found[2]}"

    def error(self, path: SpecPath, message: str) -> SpecError:
        # An unknown key is named in the message; the location is the mapping that holds it.
        key = dotted(path[:-2] if path[-1:] == ("<key>",) else path)
        return SpecError(f"{self.place(path)}: {key + ': ' if key else ''}{message}")


def dotted(path: SpecPath) -> str:
    """A path as a person reads it: `checks[2].min`."""
    out = ""
    for part in path:
        if part == "<key>":
            continue
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out
