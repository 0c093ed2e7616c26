"""Start-up guard (not timed): `exoqc --help` and `--version` load no heavy module, and
checking a plain CSV file (the benchmark's 10 checks, date check included) loads neither
pandas nor jsonschema, whatever the report format. (The suite's one import guard.)

Each case runs in a fresh interpreter, since the test process itself has everything
loaded, and lists which of the heavy modules the command imported.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

SPEC10 = str(ROOT / "benchmarks" / "spec10.yaml")
PLAIN = """batch_id,manufacture_date,expiry_date,mean_particle_size_nm,purity_pct,\
potency_pct_of_reference,sterility,endotoxin_eu_per_ml,mycoplasma,source,gmp_certified
EXO-1,2026-01-02,2027-01-02,93.8,95.65,88.9,no growth,<0.050,Negative,MSC-BM,Y
EXO-2,2026-01-03,2026-01-03,0.1123 µm,94.9 %,95.1,No Growth,1.7 EU/mL,NEGATIVE,msc-uc,TRUE
exo-1,2026-01-04,N/A,N/A,91,131,Growth,0.2,negative,HeLa,No
"""

HEAVY = ("pandas", "pyarrow", "numpy", "jsonschema", "rich", "yaml", "cryptography",
         "matplotlib", "jinja2")
CHILD = """
import json, os, runpy, sys
watched = json.loads(sys.argv[2])
def _exit(code):  # the process entry ends with os._exit (qc/cli/process.py): observe first
    raise SystemExit(code)
os._exit = _exit
args = json.loads(sys.argv[1])  # the command's arguments, or Python code to run
code = None
try:
    if isinstance(args, str):
        exec(args)
    else:
        sys.argv = ["exoqc", *args]
        runpy.run_module("qc", run_name="__main__")
except SystemExit as exc:
    code = exc.code
heavy = sorted(w for w in watched if w in sys.modules)
print(json.dumps({"code": code, "heavy": heavy}), file=sys.stderr)
"""


def _probe(args: tuple[str, ...] | str, watched: tuple[str, ...],
           env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", CHILD, json.dumps(args), json.dumps(watched)],
                          capture_output=True, text=True, cwd=ROOT, timeout=600, env=env)


def _imported(*args: str, watched: tuple[str, ...] = HEAVY) -> dict[str, object]:
    done = _probe(args, watched)
    result: dict[str, object] = json.loads(done.stderr.strip().splitlines()[-1])
    return result


@pytest.mark.parametrize("args", [("--help",), ("--version",), ("check", "--help")],
                         ids=["help", "version", "check-help"])
def test_help_and_version_import_no_heavy_module(args: tuple[str, ...]) -> None:
    assert _imported(*args) == {"code": 0, "heavy": []}


@pytest.mark.parametrize("command", [["verify"], ["keygen"], ["audit", "verify"],
                                     ["selftest"], ["check"], ["nta"], ["trend"]])
def test_help_imports_nothing_heavy(command: list[str]) -> None:
    done = _probe((*command, "--help"), HEAVY)
    assert (done.returncode, done.stderr) == (0, '{"code": 0, "heavy": []}\n')
    assert done.stdout.startswith(f"Usage: exoqc {' '.join(command)} ")


@pytest.mark.parametrize("report", [None, "--quiet", "r.json", "r.md", "r.xml", "r.csv"])
def test_checking_a_plain_csv_imports_neither_pandas_nor_jsonschema(
        tmp_path: Path, report: str | None) -> None:
    batches = tmp_path / "b.csv"
    batches.write_text(PLAIN, encoding="utf-8")
    args = ["check", str(batches), "--spec", SPEC10]
    if report == "--quiet":
        args.append(report)
    elif report is not None:
        args += ["--quiet", "-o", str(tmp_path / report)]
    got = _imported(*args)
    assert got["code"] == 1  # every row fails something: the checks really ran
    assert not {"pandas", "jsonschema"} & set(got["heavy"]), got  # type: ignore[call-overload]
    if report is not None and report != "--quiet":
        assert (tmp_path / report).stat().st_size > 0


@pytest.mark.parametrize("args", [("trend", "sample_data/history.csv", "-s", "clinical", "-q"),
                                  ("check", "sample_data/batches.csv", "-s", "clinical", "-q")])
def test_plain_runs_import_no_plotting_or_templates(args: tuple[str, ...]) -> None:
    got = _imported(*args, watched=("matplotlib", "jinja2"))
    assert got["code"] in (0, 1) and got["heavy"] == [], got


def test_csv_runs_do_not_import_the_excel_reader(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text('name: xl-spec\nversion: "1"\nid_column: batch_id\nchecks:\n'
                    "  - {name: size, column: size_nm, unit: nm, max: 150}\n"
                    "  - {name: gmp, column: gmp, equals: true}\n"
                    "  - {name: potency, column: potency, min: 50, required: false}\n")
    (tmp_path / "a.csv").write_text("batch_id,size_nm,gmp\nA,100,yes\n")
    assert _imported("check", str(tmp_path / "a.csv"), "--spec", str(spec), "-q",
                     watched=("qc.inputs.excel", "python_calamine", "openpyxl")) == {
        "code": 0, "heavy": []}


def test_quick_start_command_imports_neither_pandas_nor_matplotlib_nor_jinja2() -> None:
    """The README's first command, exactly: quoted CSV cells (fast reader), ISO dates and
    derived attributes (clinical spec), the table on stdout."""
    done = _probe(("check", "sample_data/batches.csv", "--spec", "clinical"),
                  ("pandas", "matplotlib", "jinja2", "jsonschema"))
    result = json.loads(done.stderr.strip().splitlines()[-1])
    assert result == {"code": 1, "heavy": []}, done.stderr[-2000:]
    assert "EXO-2026-23 " in done.stdout  # the table was printed: the checks really ran


def test_quick_start_into_a_pipe_reads_no_yaml_and_prints_without_rich() -> None:
    """The built-in spec comes from its checked snapshot (qc/spec/shipped.py: neither
    PyYAML nor a schema validator), a table without colour is joined without rich, and
    the other commands' modules are not loaded (qc/cli/__init__.py). Nor are rich's
    width tables (one-cell text is measured without them), numpy's masked arrays
    (np.unique and np.isin import them) or what only writing a file needs."""
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "NO_COLOR")}
    done = _probe(("check", "sample_data/batches.csv", "--spec", "clinical"),
                  ("yaml", "jsonschema_rs", "jsonschema", "rich.console", "rich.text",
                   "rich.cells", "numpy.ma", "tempfile", "difflib",
                   "qc.cli.gmp", "qc.cli.lab", "qc.cli.spec"), env)
    result = json.loads(done.stderr.strip().splitlines()[-1])
    assert result == {"code": 1, "heavy": []}, done.stderr[-2000:]
    assert "EXO-2026-23 " in done.stdout
    coloured = _probe(("check", "sample_data/batches.csv", "--spec", "clinical", "--color",
                       "always"), ("rich.console",), env)
    assert json.loads(coloured.stderr.strip().splitlines()[-1]) == {
        "code": 1, "heavy": ["rich.console"]}
    assert "\x1b[" in coloured.stdout


@pytest.mark.parametrize("code", ["import qc; qc.__all__; qc.__version__",
                                  "import qc; qc.SpecError; qc.InputError"])
def test_import_qc_is_as_light_as_help(code: str) -> None:
    """The Python API (docs/api.md) loads lazily: not even click until a name needs it."""
    done = _probe(code, (*HEAVY, "click"))
    assert json.loads(done.stderr.strip().splitlines()[-1]) == {"code": None, "heavy": []}


def test_to_dataframe_alone_imports_pandas() -> None:
    code = ("import sys, qc\nr = qc.check('sample_data/batches.csv', 'clinical', "
            "as_of='2026-03-01')\nassert 'pandas' not in sys.modules, 'check'\n"
            "r.to_json(); r._repr_html_()\nassert 'pandas' not in sys.modules, 'json'\n"
            "df = r.to_dataframe()\nassert 'pandas' in sys.modules and len(df) == 24 * "
            "len(r.checks)")
    done = _probe(code, ("pandas",))
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stderr.strip().splitlines()[-1]) == {"code": None, "heavy": ["pandas"]}


def test_every_command_is_listed_and_an_unknown_one_still_gets_a_suggestion() -> None:
    done = _probe(("--help",), ("qc.cli.gmp",))
    listed = done.stdout.split("Commands:")[1].split()
    for name in ("audit", "check", "init", "keygen", "nta", "selftest", "sign", "spec",
                 "trend", "verify"):
        assert name in listed, done.stdout
    wrong = subprocess.run([sys.executable, "-m", "qc", "verfy", "x"], capture_output=True,
                           text=True, cwd=ROOT, timeout=600)
    assert (wrong.returncode, wrong.stderr.splitlines()[-1]) == (
        2, "Error: No such command 'verfy'. Did you mean 'verify'?")
