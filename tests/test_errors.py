"""Every exception class exoqc defines lives in qc/errors.py, which needs nothing but Python."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import subprocess
import sys

import qc
from qc import errors
from qc.cli.guard import Abort

# The command line's edge: click's exception that prints one line and exits 2. It is the
# mapping of exoqc's errors to click, not an error of exoqc's own, so it stays with click.
EDGE = {Abort}


def _exception_classes() -> list[type[BaseException]]:
    found = []
    for info in pkgutil.walk_packages(qc.__path__, "qc."):
        if info.name.endswith("__main__"):  # runs the command line when imported
            continue
        module = importlib.import_module(info.name)
        found += [obj for _, obj in inspect.getmembers(module, inspect.isclass)
                  if issubclass(obj, BaseException) and obj.__module__ == info.name]
    return found


def test_every_exception_class_is_in_errors() -> None:
    classes = _exception_classes()
    assert errors.ExoqcError in classes and errors.AuditError in classes  # the scan works
    assert {c for c in classes if c.__module__ != "qc.errors"} == EDGE


def test_exit_code_2_errors_are_exoqc_errors() -> None:
    for name in ("SpecError", "InputError", "OutputError", "UsageError", "VerifyError",
                 "KeyFileError", "AuditError", "InstrumentFileError"):
        assert issubclass(getattr(errors, name), errors.ExoqcError), name
    for name in ("YamlError", "ExpressionError", "ExportFormatError"):  # located by callers
        assert issubclass(getattr(errors, name), ValueError), name
        assert not issubclass(getattr(errors, name), errors.ExoqcError), name


def test_errors_imports_no_click() -> None:
    code = "import sys, qc.errors; print(sorted(m for m in sys.modules if m.startswith('click')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=120).stdout
    assert out == "[]\n"
