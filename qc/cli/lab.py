"""`exoqc nta` and `exoqc trend`: instrument exports and trend charts."""

from __future__ import annotations

import os
import sys
from decimal import Decimal
from functools import partial

import click

from qc.cli.guard import exit_with, guard
from qc.cli.params import REGEX, WINDOW
from qc.cli.terminal import color_choice, color_option, terminal, use_color, write


@click.command()
@click.argument("files", nargs=-1, required=True, metavar="FILE...")
@click.option("-o", "--output", "outputs", multiple=True, metavar="PATH",
              help="Also write the summary: .csv (one row per file) or .json (with which "
                   "statistics were reported and which computed). Repeatable.")
@click.option("--window", type=WINDOW, default="30-150", show_default=True, metavar="LOW-HIGH",
              help="Size window in nm for pct_in_window (bin centres, edges inclusive).")
@click.option("--id-pattern", type=REGEX, metavar="REGEX",
              help="Take the batch id from the file name: group 1 of REGEX (or the whole "
                   "match). Default: the export's Sample Name, else the file name stem.")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing; exit code and -o files only.")
@click.option("--debug", is_flag=True, help="Show the traceback of an unexpected error.")
@color_option
@guard
def nta(files: tuple[str, ...], outputs: tuple[str, ...], window: tuple[Decimal, Decimal],
        id_pattern: str | None,
        quiet: bool, debug: bool) -> None:
    """Summarise NanoSight (NTA 3.x CSV) and ZetaView (.txt) particle-size exports.

    One row per FILE: batch id, instrument, dilution, concentration, mean, mode, D10/D50/D90
    (the file's own averages) and the share of particles in the size window (computed from
    the distribution). Exit 2 when a file is not such an export.
    """
    from qc.nta.report import FORMATS, render_table
    from qc.nta.summarise import NTA_SUFFIXES, NtaOptions, progress_bar, run_nta
    from qc.output import plan_outputs, write_atomically

    planned = plan_outputs(outputs, files, NTA_SUFFIXES)
    show = sys.stderr is not None and sys.stderr.isatty() and len(files) >= NTA_PROGRESS_FROM
    color = use_color(color_choice(), tty=True, environ=os.environ)
    with progress_bar(len(files), enabled=show, color=color) as advance:
        result = run_nta(NtaOptions(files, window, id_pattern), progress=advance)
    write_atomically([(p.path, partial(FORMATS[p.fmt], result)) for p in planned])
    if not quiet:
        shown = terminal(default_width=120)
        write(render_table(result, color=shown.color, width=shown.width))


NTA_PROGRESS_FROM = 10  # files: fewer are read before a progress bar would show


@click.command()
@click.argument("inputs", nargs=-1, required=True, metavar="HISTORY...")
@click.option("-s", "--spec", required=True, metavar="SPEC",
              help="A built-in spec (clinical, research) or a spec file (YAML or JSON).")
@click.option("--by", metavar="COLUMN",
              help="Order batches by this ISO date column (default: file order).")
@click.option("-f", "--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True, help="What to print on stdout.")
@click.option("-o", "--output", "outputs", multiple=True, metavar="PATH",
              help="Also write a trend report (.html with control charts, or .json). "
                   "Repeatable.")
@click.option("--fail-on-signal", is_flag=True,
              help="Exit 1 when any attribute shows a trend signal (for CI).")
@click.option("--decimal", type=click.Choice([".", ","]), default=".", show_default=True,
              help="The decimal separator of the batch files (',' reads 0,3 as 0.3).")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing; exit code and -o files only.")
@click.option("--debug", is_flag=True, help="Show the traceback of an unexpected error.")
@color_option
@guard
def trend(inputs: tuple[str, ...], spec: str, by: str | None, fmt: str,
          outputs: tuple[str, ...], fail_on_signal: bool, decimal: str, quiet: bool,
          debug: bool) -> None:
    """Chart every numeric check of SPEC over the batches in HISTORY (CSV files, or -).

    For each attribute: an individuals/moving-range chart (centre, sigma = MR-bar/1.128,
    control limits ±3 sigma), Cpk and Ppk against the spec limits, and the Nelson rules
    1-8 as out-of-trend signals, listed apart from out-of-spec results. Censored results
    (<0.25) are excluded from the statistics and listed; fewer than 8 usable results
    give "not enough data".

    \b
    Exit codes:
      0  the trend was computed (signals or not, unless --fail-on-signal)
      1  --fail-on-signal was given and some attribute shows a signal
      2  bad input: unreadable file or spec, a missing column, an unparseable date, ...
    """
    from qc.errors import InputError
    from qc.inputs.files import read_stdin
    from qc.trend import output as trend_output
    from qc.trend.analyse import TrendOptions, run_trend
    from qc.trend.report import render_json, render_table

    planned = trend_output.plan(outputs, inputs)
    stdin = read_stdin(sys.stdin.buffer, "batch file", InputError) if "-" in inputs else None
    result = run_trend(TrendOptions(inputs=inputs, spec=spec, by=by,
                                    decimal_comma=decimal == ",", stdin=stdin))
    trend_output.write(result, planned)
    if not quiet:
        shown = terminal()
        write(render_json(result) if fmt == "json"
              else render_table(result, color=shown.color, width=shown.width),
              json=fmt == "json")
    exit_with(1 if fail_on_signal and result.signal_count else 0)
