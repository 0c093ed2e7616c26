"""The `exoqc` command line: options in, exit code out. Imports only click at start-up.

Exit codes: 0 no batch failed; 1 a batch failed (or warned, with --fail-on warn);
2 the run could not judge (bad input, bad spec, unwritable report, internal error).
"""

from __future__ import annotations

import click

from qc import __version__
from qc.cli.check import check
from qc.cli.gmp import audit, keygen, selftest, sign, verify
from qc.cli.lab import nta, trend
from qc.cli.spec import init, spec
from qc.cli.terminal import color_option
from qc.render import RENDERERS, SUFFIXES


class _Main(click.Group):
    """The root group; keeps the arguments as given, for the report's attribution."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        ctx.meta["exoqc.argv"] = ("exoqc", *args)
        return super().parse_args(ctx, args)


@click.group(cls=_Main,
             context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "-V", "--version", package_name="exoqc",
                      message="exoqc %(version)s")
@color_option
def main() -> None:
    """Check exosome (EV) product batches against a release specification."""


for _command in (check, spec, init, verify, sign, keygen, audit, selftest, nta, trend):
    main.add_command(_command)

assert set(SUFFIXES.values()) <= set(RENDERERS)
