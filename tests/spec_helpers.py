"""Helpers for the spec-authoring tests: a spec head, a CSV builder, a JSON-run fixture."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Run, run_cli

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
