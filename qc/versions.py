"""The installed version of a distribution, for a report's provenance, read quickly.

`importlib.metadata.version` costs more at start-up (its import pulls in the email
parser, zipfile, csv, ...) than the rest of a small run's provenance. For a distribution
installed the usual way, its version is the `Version:` line of `NAME-VERSION.dist-info/
METADATA` in the first `sys.path` folder that has one; that is read here directly.
Anything else (an egg, a zip, a custom finder) goes to importlib.metadata, whose answer
this matches (tests/test_versions.py).
"""

from __future__ import annotations

import os
import re
import sys


def installed_version(name: str) -> str | None:
    """The version of distribution `name`, or None when it is not installed."""
    wanted = _normalise(name)
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for folder in names:
            if folder.endswith((".egg-info", ".egg")) and _normalise(
                    folder.split("-")[0]) == wanted:
                return _slow(name)
            if not folder.endswith(".dist-info"):
                continue
            if _normalise(folder[:-len(".dist-info")].split("-")[0]) != wanted:
                continue
            version = _metadata_version(os.path.join(entry or ".", folder, "METADATA"))
            return version if version is not None else _slow(name)
    return _slow(name)


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _metadata_version(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8") as lines:
            for line in lines:
                if line.startswith("Version:"):
                    return line[len("Version:"):].strip()
                if not line.strip():
                    return None  # the headers ended without a version
    except OSError:
        return None
    return None


def _slow(name: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return None
