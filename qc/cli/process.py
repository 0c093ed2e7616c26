"""How an `exoqc` process runs and ends: the console script and `python -m qc` call `run`.

Three things a short command-line run does not need, together about a third of a Quick
start's time on a two-core machine (docs/performance.md):

- **OpenBLAS's thread pool.** numpy starts one OpenBLAS thread per core when it is
  imported, and each spins for a while waiting for work. exoqc does no linear algebra, so
  the spinning only takes a core from the run (on two cores, 20 to 40 ms of a Quick
  start). The process asks OpenBLAS for one thread (`OPENBLAS_NUM_THREADS=1`) before numpy
  loads, unless the environment already says how many (`OPENBLAS_NUM_THREADS` or
  `GOTO_NUM_THREADS`). `OMP_NUM_THREADS`, which OpenBLAS reads when neither is set, is left
  to Arrow's own threads, which read it too.

- **The cyclic garbage collector.** A command runs for seconds and makes few reference
  cycles, while the collector walks the objects that imports create again and again (about
  10 ms of the Quick start). Memory is still freed by reference counting as it always is.
- **The interpreter's teardown.** Once the command has its exit code, stdout and stderr
  are flushed and the exit handlers have run (`atexit`), the process ends with `os._exit`:
  freeing every module's objects (numpy's and Arrow's among them) writes nothing and took
  20 to 30 ms. Every file exoqc writes is closed (and its report renamed into place)
  before the command returns. When another Python thread is still running, or the exit
  status is not a number, Python's own exit runs instead.

The click group (`qc.cli.main`) is untouched: the Python API and tests that call the
group in-process (click's CliRunner) keep the collector and Python's exit.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import os
import sys
import threading
from collections.abc import MutableMapping
from typing import NoReturn

from qc.cli import main


def run() -> NoReturn:
    """Run the `exoqc` command line as a process: parse, run, flush, exit."""
    one_blas_thread(os.environ)
    blocking_output()
    gc.disable()
    try:
        main()  # click's standalone mode: ends by raising SystemExit with the exit code
    except SystemExit as stop:
        code = stop.code
    except OSError:  # stderr itself unwritable (`2>/dev/full`): the run could not report
        code = 2
    else:  # pragma: no cover - standalone mode always raises SystemExit
        code = 0
    end(code)


def one_blas_thread(environ: MutableMapping[str, str]) -> None:
    """Ask OpenBLAS for a single thread, unless the environment already sets its count or
    numpy (which reads it when it loads) is already imported."""
    if "numpy" in sys.modules or {"OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS"} & environ.keys():
        return
    environ["OPENBLAS_NUM_THREADS"] = "1"


def blocking_output() -> None:
    """Make stdout and stderr blocking if the process was handed them non-blocking (a
    parent's own non-blocking pipe, as some process managers pass on): Python's buffered
    writer drops what a full non-blocking pipe refuses, so a report on stdout arrived cut
    short with exit code 0 or 1 and no word of it. Blocking, every byte arrives as the
    reader reads."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(AttributeError, OSError, ValueError):
            fd = stream.fileno()
            if not os.get_blocking(fd):
                os.set_blocking(fd, True)


def end(code: int | str | None) -> NoReturn:
    """End the process with `code` after flushing, without the interpreter's teardown."""
    if code is None:
        code = 0
    if not isinstance(code, int) or threading.active_count() > 1:
        raise SystemExit(code)  # a message to print, or a thread to wait for: Python's exit
    from qc.cli.terminal import finish

    try:
        finish()  # stdout; a reader that left is handled quietly, as on any exit
        if sys.stderr is not None:
            sys.stderr.flush()
    except (OSError, ValueError):
        raise SystemExit(code) from None  # Python's exit says what could not be written
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):  # what an exit handler printed
        if stream is not None:
            with contextlib.suppress(OSError, ValueError):
                stream.flush()
    os._exit(code & 0xFF)  # the status Python's exit gives (sys.exit(-1) is 255)
