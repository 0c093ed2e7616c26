"""The `exoqc` command line: options in, exit code out. Imports only click at start-up.

Exit codes: 0 no batch failed; 1 a batch failed (or warned, with --fail-on warn);
2 the run could not judge (bad input, bad spec, unwritable report, internal error).
"""

from __future__ import annotations

import importlib

import click

from qc import __version__
from qc.cli.terminal import color_option
from qc.render import RENDERERS, SUFFIXES

# Each command's module, imported when the command runs (or when --help lists them all):
# `exoqc check` does not pay for the options of the nine others.
COMMANDS = {"check": "qc.cli.check", "spec": "qc.cli.spec", "init": "qc.cli.spec",
            "verify": "qc.cli.gmp", "sign": "qc.cli.gmp", "keygen": "qc.cli.gmp",
            "audit": "qc.cli.gmp", "selftest": "qc.cli.gmp", "nta": "qc.cli.lab",
            "trend": "qc.cli.lab"}


class _Main(click.Group):
    """The root group; keeps the arguments as given, for the report's attribution, and
    loads a command's module the first time the command is asked for."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        ctx.meta["exoqc.argv"] = ("exoqc", *args)
        return super().parse_args(ctx, args)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in COMMANDS and cmd_name not in self.commands:
            command = getattr(importlib.import_module(COMMANDS[cmd_name]), cmd_name)
            self.add_command(command, cmd_name)
        return self.commands.get(cmd_name)

    def resolve_command(self, ctx: click.Context, args: list[str]
                        ) -> tuple[str | None, click.Command | None, list[str]]:
        if args and args[0] not in COMMANDS:  # an unknown name: "did you mean" needs all
            for name in COMMANDS:
                self.get_command(ctx, name)
        return super().resolve_command(ctx, args)


@click.group(cls=_Main,
             context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "-V", "--version", package_name="exoqc",
                      message="exoqc %(version)s")
@color_option
def main() -> None:
    """Check exosome (EV) product batches against a release specification."""

assert set(SUFFIXES.values()) <= set(RENDERERS)
