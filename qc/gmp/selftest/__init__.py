"""`exoqc selftest`: bundled reference cases that qualify an installation (IQ/OQ evidence)."""
