"""Report tests run as if outside CI: GitHub Actions' own environment must not change
what `exoqc check` prints by default."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _outside_github_actions(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
