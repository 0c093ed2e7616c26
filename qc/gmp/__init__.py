"""Traceability: provenance, the check session, audit log, signatures, verify, selftest."""
