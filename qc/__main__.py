"""`python -m qc`: the same as the `exoqc` command."""

from qc.cli.process import run

run()
