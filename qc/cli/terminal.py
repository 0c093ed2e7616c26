"""What exoqc knows about the terminal it prints to: colour, width, and a reader that left.

Every command prints through `echo` or `write`: when stdout is a pipe whose reader has gone
(`exoqc audit verify LOG | head -2`), the rest of the output is dropped quietly and the
command ends with the exit code it would have had; nothing is printed about it.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import sys
from collections.abc import Iterable
from dataclasses import dataclass

import click


@dataclass(frozen=True)
class Terminal:
    """How to print on stdout: in colour or not, and how wide."""

    color: bool
    width: int


def terminal(default_width: int = 100, minimum: int = 60) -> Terminal:
    """Colour only on a terminal and without NO_COLOR; the terminal's width, else the default."""
    tty = sys.stdout.isatty()
    width = shutil.get_terminal_size((default_width, 24)).columns if tty else default_width
    return Terminal(color=tty and "NO_COLOR" not in os.environ, width=max(width, minimum))


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
    if not commands:
        chunks = workflow_safe(chunks, JSON_ESCAPE if json else TEXT_ESCAPE)
    try:
        for chunk in chunks:
            out.write(chunk)
        out.flush()
    except BrokenPipeError:
        _reader_left()


def finish() -> None:
    """Flush stdout at the end of a command, while a reader that left can still be handled
    quietly (at interpreter exit Python would print "Exception ignored ... BrokenPipeError")."""
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
