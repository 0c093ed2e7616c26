"""HTML pages from Jinja2 templates shipped inside the package (qc/render/html/templates/).

Autoescaping is on for every template: a value from the data (`<script>` as a batch id)
is always text. Only the SVG charts, which exoqc draws itself, are marked safe. The
templates are read through importlib.resources, so they work from an installed wheel.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import cache
from importlib import resources
from typing import Any

import jinja2
import markupsafe

from qc.render.text import no_controls


def _source(name: str) -> tuple[str, str, Callable[[], bool]]:
    text = (resources.files("qc.render.html") / "templates" / name).read_text(encoding="utf-8")
    return text, name, lambda: True


def _inert(value: Any) -> Any:
    if isinstance(value, str) and not isinstance(value, markupsafe.Markup):
        return no_controls(value)
    return value


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FunctionLoader(_source),
        autoescape=True,
        undefined=jinja2.StrictUndefined,  # a missing field is a bug, not an empty cell
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        # Data reaches the page as text: terminal controls (an ANSI sequence in a batch
        # id) become visible escapes, so the file is inert in a terminal too.
        finalize=_inert,
    )
    return env


def safe(markup: str) -> markupsafe.Markup:
    """Mark exoqc's own markup (an SVG chart) as safe to inline."""
    return markupsafe.Markup(markup)


def render_page(template: str, **context: Any) -> Iterator[str]:
    """The page in chunks, as Jinja2 generates it."""
    yield from environment().get_template(template).generate(**context)
