"""Reading `exoqc verify`'s output: the verdict and its differences, then the attested block."""

from __future__ import annotations

ATTESTED = "attested, not re-derivable (only a signature protects these):"


def verdict(out: str) -> str:
    """The verdict line and its differences: what comes before the attested block."""
    head, found, _ = out.partition(ATTESTED + "\n")
    assert found, f"no attested block in:\n{out}"
    return head


def attested(out: str) -> dict[str, str]:
    """The attested block as {field: value}."""
    _, found, rest = out.partition(ATTESTED + "\n")
    assert found, f"no attested block in:\n{out}"
    fields: dict[str, str] = {}
    for line in rest.splitlines():
        if not line.startswith("  "):
            break
        key, _, value = line.strip().partition(": ")
        fields[key] = value
    return fields
