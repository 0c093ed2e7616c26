"""exoqc: check exosome (EV) product batches against a release specification.

The public Python API (docs/api.md) is listed in `__all__`; each name is imported on first
use (PEP 562), so `import qc` costs no more than `exoqc --help`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# public name -> the module that defines it
_PUBLIC = {
    "check": "qc.api",
    "load_spec": "qc.api",
    "Report": "qc.api",
    "Spec": "qc.model",
    "Status": "qc.model",
    "Reason": "qc.model",
    "ExoqcError": "qc.errors",
    "SpecError": "qc.errors",
    "InputError": "qc.errors",
    "OutputError": "qc.errors",
    "UsageError": "qc.errors",
}
__all__ = [
    "ExoqcError",
    "InputError",
    "OutputError",
    "Reason",
    "Report",
    "Spec",
    "SpecError",
    "Status",
    "UsageError",
    "__version__",
    "check",
    "load_spec",
]

if TYPE_CHECKING:
    from qc.api import Report, check, load_spec
    from qc.errors import ExoqcError, InputError, OutputError, SpecError, UsageError
    from qc.model import Reason, Spec, Status


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'qc' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_PUBLIC})
