"""The installed version of a distribution, for a report's provenance, read quickly.

`importlib.metadata.version` costs more at start-up (its import pulls in the email
parser, zipfile, csv, ...) than the rest of a small run's provenance. For a distribution
installed the usual way, its version is the `Version:` line of `NAME-VERSION.dist-info/
METADATA` in the first `sys.path` folder that has one; that is read here directly.
Anything else (an egg, a zip, a custom finder) goes to importlib.metadata, whose answer
this matches (tests/test_versions.py).
"""

from __future__ import annotations

import functools
import os
import re
import sys


def installed_version(name: str) -> str | None:
    """The version of distribution `name`, or None when it is not installed."""
    wanted = _normalise(name)
    for entry in sys.path:
        folder = _distributions(entry).get(wanted)
        if folder is None:
            continue
        if not folder.endswith(".dist-info"):
            return _slow(name)
        version = _metadata_version(os.path.join(entry or ".", folder, "METADATA"))
        return version if version is not None else _slow(name)
    return _slow(name)


@functools.cache
def _distributions(entry: str) -> dict[str, str]:
    """The distribution folders of one `sys.path` entry by normalised name, the first one
    listed for each (a provenance asks about several names: each folder is listed once)."""
    try:
        names = os.listdir(entry or ".")
    except OSError:
        return {}
    found: dict[str, str] = {}
    for folder in names:
        if folder.endswith((".dist-info", ".egg-info", ".egg")):
            found.setdefault(_normalise(folder.split("-")[0].removesuffix(".dist-info")
                                        .removesuffix(".egg-info").removesuffix(".egg")),
                             folder)
    return found


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
