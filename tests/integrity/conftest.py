"""A lab with an approved spec, a looser one, a batch file, a key pair and a signed report."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Run, run_cli

# The approved spec: B-2 (250 nm) fails it. The loose spec lets every batch pass.
APPROVED = """\
name: tiny
version: "3"
title: Approved release spec
status: approved
effective_date: "2023-01-01"
approved_by: QA lead
id_column: batch_id
checks:
  - name: particle_size
    column: size_nm
    unit: nm
    min: 50
    max: 200
"""
LOOSE = APPROVED.replace("max: 200", "max: 900").replace("status: approved", "status: draft")
CSV = "batch_id,size_nm\nB-1,100\nB-2,250\nB-3,120\n"


@dataclass(frozen=True)
class Lab:
    root: Path

    def check(self, *args: str, spec: str = "approved.yaml", out: str = "r.json") -> Run:
        return run_cli("check", "batches.csv", "-s", spec, "-o", out, "-q", *args)

    def verify(self, *args: str, report: str = "r.json") -> Run:
        return run_cli("verify", report, *args)

    def doc(self, report: str = "r.json") -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(Path(report).read_text("utf-8"))
        return loaded

    def write_doc(self, doc: dict[str, Any], report: str = "r.json") -> None:
        """The report as exoqc lays it out (header indented, a batch a line): the forgery
        is exactly what an attacker with a text editor and exoqc's own code can make."""
        Path(report).write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", "utf-8")

    def edit(self, change: Callable[[dict[str, Any]], None], report: str = "r.json") -> None:
        doc = self.doc(report)
        change(doc)
        self.write_doc(doc, report)


@pytest.fixture
def lab(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Lab:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # 2023-11-14
    monkeypatch.chdir(tmp_path)
    Path("approved.yaml").write_text(APPROVED, "utf-8")
    Path("loose.yaml").write_text(LOOSE, "utf-8")
    Path("batches.csv").write_text(CSV, "utf-8")
    assert run_cli("keygen", "qa").code == 0
    return Lab(tmp_path)
