"""`exoqc trend`: individuals/moving-range control charts, capability and Nelson rules."""
