"""Batch files in: the `Table` the engine reads, CSV and Excel readers, joins."""
