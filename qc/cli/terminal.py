"""What exoqc knows about the terminal it prints to: colour, width, and a reader that left.

Colour: `--color always|never` (on the root group and on each command that colours its
output) wins over NO_COLOR, which wins over FORCE_COLOR, which wins over "is stdout a
terminal". Width: COLUMNS, else the terminal, else 100.

Every command prints through `echo` or `write`: when stdout is a pipe whose reader has gone
(`exoqc audit verify LOG | head -2`), the rest of the output is dropped quietly and the
command ends with the exit code it would have had; nothing is printed about it. Output that
cannot be written whole otherwise (a full disk, the file-size limit) is exit 2 naming
stdout: a report is never cut short without a word.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
from collections.abc import Iterable, Mapping
from typing import Any

import click
import msgspec


class Terminal(msgspec.Struct, frozen=True):
    """How to print on stdout: in colour or not, and how wide."""

    color: bool
    width: int


COLOR_CHOICES = ("auto", "always", "never")
_COLOR_KEY = "exoqc.color"


def _remember_color(ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    """Keep `--color` where `terminal()` finds it: the innermost one given wins (a command's
    own `--color` over the root group's)."""
    if value is not None:
        ctx.meta[_COLOR_KEY] = value
    return value


def color_option(func: Any) -> Any:
    """`--color auto|always|never` on a command (and on the root group)."""
    return click.option(
        "--color", type=click.Choice(COLOR_CHOICES), default=None, expose_value=False,
        is_eager=True, callback=_remember_color,
        help="Colour on stdout: always, never, or auto [default: auto: on a terminal, "
             "unless NO_COLOR is set; FORCE_COLOR colours a pipe too]. Wins over both.")(func)


def color_choice() -> str:
    """The `--color` given to the running command (`auto` when none)."""
    ctx = click.get_current_context(silent=True)
    chosen: str = ctx.meta.get(_COLOR_KEY, "auto") if ctx is not None else "auto"
    return chosen


def use_color(choice: str, *, tty: bool, environ: Mapping[str, str]) -> bool:
    """Whether to colour: `--color always|never` wins over NO_COLOR, which wins over
    FORCE_COLOR, which wins over whether stdout is a terminal. NO_COLOR and FORCE_COLOR
    count when set to a non-empty value (no-color.org, force-color.org); FORCE_COLOR=0 or
    false does not force."""
    if choice != "auto":
        return choice == "always"
    if environ.get("NO_COLOR", ""):
        return False
    if environ.get("FORCE_COLOR", "").strip().lower() not in ("", "0", "false", "no"):
        return True
    return tty


def terminal(default_width: int = 100, minimum: int = 60) -> Terminal:
    """Colour as `use_color` decides; the width from COLUMNS (a positive number) when set,
    else the terminal's width, else `default_width`; never less than `minimum`."""
    tty = sys.stdout is not None and sys.stdout.isatty()
    columns = os.environ.get("COLUMNS", "").strip()
    if columns.isdigit() and 0 < int(columns) < 100_000:
        width = int(columns)
    else:
        width = default_width
        if tty:
            import shutil  # imported where used: only a terminal has a size

            width = shutil.get_terminal_size((default_width, 24)).columns
    return Terminal(color=use_color(color_choice(), tty=tty, environ=os.environ),
                    width=max(width, minimum))


# Escapes that make a would-be CI workflow command inert (qc/render/text.py): visible
# `\x3a:` / `#\x23[` in text, `\u003a` / `\u0023` inside JSON strings (the same value).
TEXT_ESCAPE = "\\x{:02x}"
JSON_ESCAPE = "\\u{:04x}"


def echo(message: str = "", *, nl: bool = True, err: bool = False, json: bool = False) -> None:
    """click.echo, except that no line can start a CI workflow command (`::` at a line's
    start, `##[` anywhere: GitHub's runner reads them from any output) and a reader of
    stdout that left ends the output quietly. `json`: the text is JSON."""
    from qc.render.text import no_workflow_commands

    try:
        click.echo(no_workflow_commands(message, JSON_ESCAPE if json else TEXT_ESCAPE),
                   nl=nl, err=err)
    except BrokenPipeError:
        _reader_left()


def write(chunks: Iterable[str], *, json: bool = False, commands: bool = False) -> None:
    """Write a renderer's chunks to stdout, then flush, with no line that can start a CI
    workflow command (see `echo`); a reader that left ends it quietly. `commands`: the
    chunks are workflow commands by design (`--format github`, whose renderer escapes every
    value per GitHub's rules) and are written as they are."""
    from qc.render.text import workflow_safe

    out = sys.stdout
    if out is None:  # started with stdout closed (`exoqc ... >&-`): nothing to print to
        return
    if not commands:
        chunks = workflow_safe(chunks, JSON_ESCAPE if json else TEXT_ESCAPE)
    try:
        fd = _descriptor(out)
        if fd is None:
            for chunk in chunks:
                out.write(chunk)
            out.flush()
        else:
            _write_whole(out, fd, chunks)
    except BrokenPipeError:
        _reader_left()
    except OSError as exc:  # a full disk, the file-size limit: the output is not whole
        from qc.errors import OutputError

        raise OutputError(f"stdout: the output could not be written whole: "
                          f"{exc.strerror or exc}") from None


_BLOCK = 1 << 20  # bytes gathered before each write


def _descriptor(out: Any) -> int | None:
    """The file descriptor behind stdout on a POSIX system, else None (a test's capture)."""
    if os.name != "posix":
        return None
    try:
        return int(out.fileno())
    except (AttributeError, OSError, ValueError):
        return None


def _write_whole(out: Any, fd: int, chunks: Iterable[str]) -> None:
    """Write the chunks to `fd` as stdout encodes them, checking that every byte went out:
    Python's buffered writer takes a short write at the file-size limit as done, so a
    table on stdout was cut short without a word (an error is an OSError here)."""
    out.flush()  # what was printed before comes first
    encoding, errors = out.encoding, out.errors or "strict"
    pending: list[bytes] = []
    size = 0
    for chunk in chunks:
        data = chunk.encode(encoding, errors)
        pending.append(data)
        size += len(data)
        if size >= _BLOCK:
            _send(fd, b"".join(pending))
            pending.clear()
            size = 0
    _send(fd, b"".join(pending))


def _send(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        sent = os.write(fd, view)
        if not sent:
            raise OSError(f"wrote nothing of {len(view)} bytes")
        view = view[sent:]


def finish() -> None:
    """Flush stdout at the end of a command, while a reader that left can still be handled
    quietly (at interpreter exit Python would print "Exception ignored ... BrokenPipeError")."""
    if sys.stdout is None:  # started with stdout closed: nothing was printed
        return
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _reader_left()


def _reader_left() -> None:
    """Send the rest of stdout, and the unflushed buffer, to the null device."""
    with contextlib.suppress(OSError, ValueError, io.UnsupportedOperation):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
