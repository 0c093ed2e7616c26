"""GitHub Actions workflow commands: one `::error` per failing batch, one `::warning` per
warning batch, pointing at the file and row of the batch.

Escaping follows GitHub's toolkit (`@actions/core` `issueCommand`): in the message,
`%`, CR and LF become `%25`, `%0D`, `%0A`; in a property (file, title) `:` and `,` also
become `%3A` and `%2C`. A message lists one failed check per line. The runner also reads
the legacy `##[command]` anywhere in a line: every `##[` becomes `#\x23[` (shown as is).
"""

from __future__ import annotations

from collections.abc import Iterator

from qc.model import BatchView, Report, Status
from qc.render import RenderOptions
from qc.render.problems import describe, failed, warned
from qc.render.text import no_legacy_commands, visible

STDIN = "<stdin>"


def escape_data(text: str) -> str:
    escaped = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return no_legacy_commands(escaped)


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render(report: Report, options: RenderOptions) -> Iterator[str]:
    for batch in report.iter_batches(at_least=Status.WARN):
        yield annotation(batch, report.spec.name)


def annotation(batch: BatchView, spec_name: str) -> str:
    command = "error" if batch.verdict is Status.FAIL else "warning"
    checks = failed(batch) if batch.verdict is Status.FAIL else warned(batch)
    props = {}
    if batch.input != STDIN:
        props["file"] = batch.input
        props["line"] = str(batch.row)
    batch_id = batch.batch_id or f"(no id, row {batch.row})"
    verb = "fails" if batch.verdict is Status.FAIL else "warns"
    props["title"] = f"exoqc: batch {batch_id} {verb} {spec_name}"
    head = ",".join(f"{k}={escape_property(visible(v))}" for k, v in props.items())
    message = "\n".join(visible(describe(c)) for c in checks)
    return f"::{command} {head}::{escape_data(message)}\n"
