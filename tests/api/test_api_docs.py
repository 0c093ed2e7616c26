"""Every example in docs/api.md runs, and prints what the page says (doctest)."""

from __future__ import annotations

import doctest

import pytest

from tests.conftest import ROOT

DOC = ROOT / "docs" / "api.md"


def test_api_page_examples_run_as_written(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # the examples name sample_data/ as a user's checkout has it
    monkeypatch.delenv("EXOQC_OPERATOR", raising=False)
    result = doctest.testfile(str(DOC), module_relative=False, verbose=False,
                              optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 25, result  # the page's examples were found
    assert result.failed == 0, result
