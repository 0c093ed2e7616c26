"""qc/versions.py reads the same versions as importlib.metadata, without its import."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
from pathlib import Path

import pytest

from qc import versions
from qc.gmp.provenance import COMPONENTS
from tests.conftest import ROOT


@pytest.mark.parametrize("name", [*COMPONENTS, "PyYAML", "pyyaml", "python-calamine",
                                  "python_calamine", "exoqc", "hypothesis"])
def test_same_version_as_importlib_metadata(name: str) -> None:
    assert versions.installed_version(name) == importlib.metadata.version(name)


def test_not_installed_is_none() -> None:
    assert versions.installed_version("no-such-distribution-exoqc") is None


def test_a_run_reads_versions_without_importlib_metadata() -> None:
    code = ("import sys; from qc.gmp.provenance import versions; v = dict(versions()); "
            "assert 'importlib.metadata' not in sys.modules, 'imported'; print(v['pyarrow'])")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, timeout=600, check=True)
    assert done.stdout.strip() == importlib.metadata.version("pyarrow")


def test_a_metadata_file_without_a_version_goes_to_importlib(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch
                                                             ) -> None:
    found = tmp_path / "fake_dist-1.0.dist-info"
    found.mkdir()
    (found / "METADATA").write_text("Metadata-Version: 2.1\nName: fake-dist\n\nbody\n",
                                    encoding="utf-8")
    monkeypatch.setattr(sys, "path", [str(tmp_path)])
    assert versions._metadata_version(str(found / "METADATA")) is None
    asked: list[str] = []
    monkeypatch.setattr(versions, "_slow", lambda name: asked.append(name) or "from-slow")
    assert versions.installed_version("Fake.Dist") == "from-slow"
    assert asked == ["Fake.Dist"]
