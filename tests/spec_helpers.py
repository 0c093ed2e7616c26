"""Helpers for the spec-authoring tests: a spec head, a CSV builder, a JSON-run fixture."""

from __future__ import annotations

import csv as _csv
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, Run, run_cli

HEAD = 'name: t\nversion: "1"\nid_column: batch_id\n'


def csv(header: str, *rows: str) -> str:
    return "\n".join([header, *rows]) + "\n"


def checks_of(run: Run) -> list[dict[str, Any]]:
    """Every batch's checks from a JSON run, batch by batch, identity check left out."""
    report = json.loads(run.out)
    return [[c for c in b["checks"] if c["name"] != "batch_identity"] for b in report["batches"]]


@pytest.fixture
def judge(write: Callable[[str, str | bytes], Path]) -> Callable[..., Run]:
    """judge(spec_text, csv_text, *extra_args) -> the JSON run."""

    def _judge(spec: str, data: str, *args: str) -> Run:
        spec_path = write("spec.yaml", spec)
        data_path = write("batches.csv", data)
        return run_cli("check", str(data_path), "--spec", str(spec_path), "-f", "json", *args)

    return _judge


def sample_with_sources(tmp_path: Path, spec: str, sources: list[str]
                        ) -> list[dict[str, dict[str, Any]]]:
    """The checks on `cell_source` for one batch per source, by check name: the first
    sample batch (it passes both shipped specs) with its cell source replaced, judged by
    `exoqc check` with the shipped spec named."""
    with (ROOT / "sample_data/batches.csv").open(encoding="utf-8", newline="") as f:
        good = next(_csv.DictReader(f))
    out = io.StringIO()
    writer = _csv.DictWriter(out, fieldnames=list(good), lineterminator="\n")
    writer.writeheader()
    for i, source in enumerate(sources):
        writer.writerow({**good, "batch_id": f"EXO-2026-{100 + i:03d}", "cell_source": source})
    path = tmp_path / "b.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    run = run_cli("check", str(path), "--spec", spec, "--as-of", "2026-04-01", "-f", "json")
    assert run.code in (0, 1), run
    return [{c["name"]: c for c in b["checks"] if c["column"] == "cell_source"}
            for b in json.loads(run.out)["batches"]]


def sample_sources() -> list[str]:
    """The distinct cell sources of sample_data/batches.csv, sorted."""
    with (ROOT / "sample_data/batches.csv").open(encoding="utf-8", newline="") as f:
        return sorted({r["cell_source"] for r in _csv.DictReader(f)})
