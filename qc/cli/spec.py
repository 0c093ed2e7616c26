"""`exoqc spec validate|show|list|schema` and `exoqc init`: writing and inspecting specs."""

from __future__ import annotations

import click

from qc.cli.guard import exit_with, guard
from qc.cli.terminal import echo, terminal


@click.group()
def spec() -> None:
    """Write, check and inspect release specs."""


@spec.command("validate")
@click.argument("files", nargs=-1, required=True, metavar="FILE...")
@guard
def spec_validate(files: tuple[str, ...]) -> None:
    """Check spec FILEs: schema, limits, units, extends cycles, derived expressions, and
    checks that can never fail. Prints every problem as file:line:col: message.

    \b
    Exit codes:
      0  every file is a valid spec with no problems
      2  at least one problem
    """
    from qc.spec.lint import validate

    problems = 0
    for path in files:
        found = validate(path)
        for problem in found:
            echo(problem)
        if not found:
            echo(f"{path}: ok")
        problems += len(found)
    exit_with(2 if problems else 0)


@spec.command("show")
@click.argument("spec_ref", metavar="FILE_OR_BUILTIN")
@click.option("-f", "--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True, help="table: lab notation; json: the resolved spec.")
@guard
def spec_show(spec_ref: str, fmt: str) -> None:
    """Show a spec after `extends` is resolved, in lab notation (or as JSON)."""
    from qc.spec.show import show_json, show_table

    text = show_json(spec_ref) if fmt == "json" else show_table(spec_ref, terminal().width)
    echo(text, nl=False, json=fmt == "json")


@spec.command("list")
@guard
def spec_list() -> None:
    """List the built-in specs: name, version, title, status."""
    from qc.spec.show import list_builtin

    echo(list_builtin(), nl=False)


@spec.command("schema")
@guard
def spec_schema() -> None:
    """Print the JSON Schema of spec files (for editors that validate as you type)."""
    from qc.spec import specs_dir

    echo((specs_dir() / "spec.schema.json").read_text("utf-8"), nl=False, json=True)


@click.command()
@click.argument("folder", metavar="[DIR]", default=".")
@guard
def init(folder: str) -> None:
    """Write a commented starter spec and a sample CSV into DIR (default: here) that pass
    together. Never overwrites a file."""
    from qc.spec.starter import write_starter

    for line in write_starter(folder):
        echo(line)
