"""The suite's own rules (docs/testing.md): no test depends on wall time, and each shared
mechanism exists once (the runner and golden files in tests/conftest.py, the import probe
in tests/cli/test_startup_imports.py)."""

from __future__ import annotations

import os
import re
from pathlib import Path

from hypothesis import HealthCheck, settings

TESTS = Path(__file__).parent
SOURCES = {p: p.read_text(encoding="utf-8") for p in sorted(TESTS.rglob("*.py"))
           if p.name != "test_suite.py"}


def test_hypothesis_has_no_deadline_and_no_time_based_health_check() -> None:
    assert settings.default.deadline is None
    assert HealthCheck.too_slow in settings.default.suppress_health_check
    assert settings.default.derandomize == bool(os.environ.get("CI"))


def test_no_test_sets_a_deadline_or_asserts_on_a_stopwatch() -> None:
    found = [f"{p.relative_to(TESTS)}: {m.group(0)}" for p, text in SOURCES.items()
             for m in re.finditer(r"deadline\s*=\s*\w+\)|settings\([^)]*deadline|"
                                  r"assert [^\n]*(perf_counter|time\.time|monotonic|elapsed)",
                                  text)]
    assert found == []


def test_a_test_that_lists_health_checks_keeps_too_slow_suppressed() -> None:
    """A per-test suppress_health_check replaces the profile's list, not extends it."""
    lists = [(p.relative_to(TESTS), m.group(1)) for p, text in SOURCES.items()
             for m in re.finditer(r"suppress_health_check=\[([^\]]*)\]", text)]
    assert [(str(p), found) for p, found in lists if "too_slow" not in found] == []


def test_runner_golden_and_import_probe_are_defined_once() -> None:
    # (Tests that must hold a child process, to signal it or give it a terminal, use Popen.)
    for pattern in (r"CliRunner\(\)", r"--update-golden\"", r"EXOQC_UPDATE_GOLDEN",
                    r"runpy\.run_module\(\"qc\""):
        where = [str(p.relative_to(TESTS)) for p, text in SOURCES.items()
                 if re.search(pattern, text)]
        home = "cli/test_startup_imports.py" if "runpy" in pattern else "conftest.py"
        assert where == ([] if "UPDATE" in pattern else [home]), (pattern, where)
