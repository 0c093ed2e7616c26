"""The report formats, registered in one place.

Each format is a module with `render(report, options) -> Iterator[str]`: it reads the
report, never recomputes a verdict, and yields the text in chunks so that a report of a
million batches streams to its file. The registry names modules as strings so that the
command line can list formats without importing rich or pandas.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING

import msgspec

if TYPE_CHECKING:
    from qc.model import Report


class RenderOptions(msgspec.Struct, frozen=True):
    """How a renderer lays out its output: colour, detail and line width."""

    color: bool = False
    verbose: bool = False
    width: int = 100
    wrap: bool = True  # False: one line per row, whatever its length (a CI log)
    # Electronic signatures for the certificates' signature block, oldest first: each a
    # mapping with "signer", "meaning" (performed | reviewed | approved), "time" (UTC ISO),
    # "fingerprint" and "reason". None given: blank lines for wet-ink signatures.
    signatures: tuple[Mapping[str, str], ...] = ()


Renderer = Callable[["Report", RenderOptions], Iterator[str]]
# A binary format (PDF) yields bytes; it is written to a file, never printed.
BinaryRenderer = Callable[["Report", RenderOptions], Iterator[bytes]]

# format name -> module under qc.render
RENDERERS: dict[str, str] = {
    "table": "qc.render.table",
    "json": "qc.render.json_report",
    "junit": "qc.render.junit",
    "markdown": "qc.render.markdown",
    "csv": "qc.render.csv_report",
    "github": "qc.render.github",
    "html": "qc.render.html.report",
    "pdf": "qc.render.pdf",
}
# the formats whose renderer yields bytes (BinaryRenderer) and needs `require()` checked
# before any work: an optional library that may be missing
BINARY = frozenset({"pdf"})
# report file suffix -> format name
SUFFIXES: dict[str, str] = {
    ".json": "json",
    ".txt": "table",
    ".xml": "junit",
    ".md": "markdown",
    ".csv": "csv",
    ".html": "html",
    ".pdf": "pdf",
}


def get_renderer(name: str) -> Renderer:
    module = importlib.import_module(RENDERERS[name])
    render: Renderer = module.render
    return render


def get_binary_renderer(name: str) -> BinaryRenderer:
    module = importlib.import_module(RENDERERS[name])
    render: BinaryRenderer = module.render
    return render


def require(name: str) -> None:
    """Raise (one line: what to install) when format `name` cannot be written here."""
    if name in BINARY:
        importlib.import_module(RENDERERS[name]).require()
