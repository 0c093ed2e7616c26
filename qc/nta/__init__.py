"""`exoqc nta`: import NanoSight and ZetaView exports into one summary row per file."""
