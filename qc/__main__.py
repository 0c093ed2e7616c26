"""`python -m qc`: the same as the `exoqc` command."""

from qc.cli import main

main()
