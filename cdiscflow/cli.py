"""Command line: ``cdiscflow run | simulate | sdtm | adam | validate | tlf | define | package | compare``;
``cdiscflow specs import|export`` and ``cdiscflow init`` for spec workbooks and new studies.

Every command takes ``--study NAME|PATH`` (default: the built-in ALS study) and ``--out DIR`` (default
``./out``). A stage can read its input from a folder instead of the previous stage's output: ``--raw DIR``,
``--sdtm DIR``, ``--adam DIR``. Each command is implemented by ``run(args) -> int`` in the module named in
:data:`COMMANDS` (the stage commands come from :data:`cdiscflow.stages.STAGES`, the table the runner uses too),
imported only when that command runs.
"""

from __future__ import annotations

import argparse
import importlib
import signal
import sys
from collections.abc import Sequence

from cdiscflow import __version__
from cdiscflow.errors import CdiscflowError
from cdiscflow.stages import STAGES

COMMANDS: dict[str, tuple[str, str]] = {
    "run": ("cdiscflow.runner.command", "run raw → SDTM → ADaM → validation → define → TLFs → package"),
    **{name: (stage.command, stage.help) for name, stage in STAGES.items() if stage.command},
    "compare": ("cdiscflow.compare", "PROC COMPARE-style comparison of two datasets"),
    "ars": ("cdiscflow.ars.command", "run a CDISC ARS v1 reporting event on ADaM datasets"),
    "specs": ("cdiscflow.specs_command", "import specs from a P21 workbook or define.xml; export a workbook"),
    "init": ("cdiscflow.scaffold", "start a new study folder from a spec workbook or define.xml"),
}


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--study", default=None, help="built-in study name or study folder (default: msc_ntf_als)")
    p.add_argument("--out", default="out", help="output root folder (default: ./out)")


def _fail_on(p: argparse.ArgumentParser) -> None:
    p.add_argument("--fail-on", default="error", choices=["error", "warning", "notice", "never"],
                   help="exit non-zero when a validation finding of this severity or worse exists")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cdiscflow", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"cdiscflow {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("run", help=COMMANDS["run"][1])
    p.add_argument("study_arg", nargs="?", metavar="STUDY", help="study name or folder")
    _common(p)
    p.add_argument("-j", "--jobs", type=int, default=1, help="parallel workers")
    p.add_argument("--only", nargs="+", default=None, metavar="ID", help="run these steps and what they need")
    p.add_argument("--dry-run", action="store_true", help="print the plan, run nothing")
    p.add_argument("--force", action="store_true", help="re-run every step even if up to date")
    p.add_argument("--reproducible", action="store_true",
                   help="date outputs by SOURCE_DATE_EPOCH (default 2026-01-01) for byte-identical reruns")
    p.add_argument("--scheduler", default=None, help="Dask scheduler address (tcp://host:port)")
    p.add_argument("--raw", default=None, help="read raw extracts from DIR instead of simulating")
    p.add_argument("--sdtm", default=None, help="start from the SDTM datasets in DIR (no simulate/sdtm steps)")
    p.add_argument("--adam", default=None, help="start from the ADaM datasets in DIR (validation and TLFs)")
    p.add_argument("--seed", type=int, default=None, help="simulation seed")
    p.add_argument("--subjects", type=int, default=None, help="simulate N randomized participants")
    _fail_on(p)

    p = sub.add_parser("simulate", help=COMMANDS["simulate"][1])
    _common(p)
    p.add_argument("--seed", type=int, default=None, help="random seed (default: the study's, e.g. the paper's)")
    p.add_argument("--subjects", type=int, default=None, help="randomized participants (default 48)")

    p = sub.add_parser("sdtm", help=COMMANDS["sdtm"][1])
    _common(p)
    p.add_argument("--raw", default=None, help="folder with the raw extracts (default: <out>/<study>/raw)")
    p.add_argument("--domains", nargs="+", default=None, help="only these domains")
    p.add_argument("--design", default=None,
                   help="folder with trial design datasets (TV, TA, SE ...) the study's specs do not define")

    p = sub.add_parser("adam", help=COMMANDS["adam"][1])
    _common(p)
    p.add_argument("--sdtm", default=None, help="folder with SDTM datasets (default: <out>/<study>/sdtm)")
    p.add_argument("--datasets", nargs="+", default=None, help="only these ADaM datasets")

    p = sub.add_parser("validate", help=COMMANDS["validate"][1])
    _common(p)
    p.add_argument("--sdtm", default=None, help="folder with SDTM datasets")
    p.add_argument("--adam", default=None, help="folder with ADaM datasets")
    _fail_on(p)
    p.add_argument("--no-suites", action="store_true", help="skip the great-expectations suites")
    p.add_argument("--define", nargs="+", default=None, metavar="FILE",
                   help="define.xml file(s) giving specs for datasets that have no YAML spec")

    p = sub.add_parser("tlf", help=COMMANDS["tlf"][1])
    _common(p)
    p.add_argument("--adam", default=None, help="folder with ADaM datasets (default: <out>/<study>/adam)")
    p.add_argument("--sdtm", default=None, help="folder with the SDTM datasets that catalog entries name in 'sdtm:' "
                                                "(default: the sdtm folder beside the ADaM folder)")
    p.add_argument("--only", nargs="+", default=None, metavar="ID", help="only these output ids")
    p.add_argument("--formats", nargs="+", default=None, help="rtf docx html pdf (default: the catalog's)")

    p = sub.add_parser("define", help=COMMANDS["define"][1])
    _common(p)
    p.add_argument("--standard", choices=["sdtm", "adam", "both"], default="both")

    p = sub.add_parser("package", help=COMMANDS["package"][1])
    _common(p)
    p.add_argument("--check", action="store_true", help="only check the existing package (list files, flag problems)")

    p = sub.add_parser("ars", help=COMMANDS["ars"][1])
    p.add_argument("event", help="ARS reporting event (JSON or YAML)")
    p.add_argument("--adam", required=True, help="folder with the ADaM datasets")
    p.add_argument("--out", required=True, help="output folder (results.json, ard.csv, ard.json)")

    p = sub.add_parser("compare", help=COMMANDS["compare"][1])
    p.add_argument("base", help="base dataset (xpt, json, csv, sas7bdat)")
    p.add_argument("compare", help="compare dataset")
    p.add_argument("--id", "--keys", dest="keys", nargs="+", default=None, help="key variables")
    p.add_argument("--criterion", type=float, default=1e-9, help="numeric tolerance (relative)")
    p.add_argument("--html", default=None, help="write an HTML report here")
    p.add_argument("--text", default=None, help="write the text report here")
    p.add_argument("--max-diffs", type=int, default=50, help="differences listed per variable")
    p.add_argument("--missing-text", nargs="+", default=None, metavar="TEXT",
                   help="COMPARE text values that mean missing (e.g. NA in data written by R)")
    p.add_argument("--text-values", nargs="+", default=None, metavar="VAR",
                   help="variables where --missing-text is a value (e.g. REGION1's NA, North America)")

    p = sub.add_parser("specs", help=COMMANDS["specs"][1])
    specs = p.add_subparsers(dest="specs_command", metavar="ACTION", required=True)
    q = specs.add_parser("import", help="write the YAML spec folder from a .xlsx workbook or a define.xml")
    q.add_argument("file", help="P21-layout workbook (.xlsx) or define.xml")
    q.add_argument("--out", required=True, help="spec folder to create (adam/, sdtm/, codelists.yaml)")
    q = specs.add_parser("export", help="write a study's specs as a P21-layout workbook")
    q.add_argument("--study", default=None, help="built-in study name or study folder")
    q.add_argument("--xlsx", required=True, help="workbook to write")

    p = sub.add_parser("init", help=COMMANDS["init"][1])
    p.add_argument("dir", help="the new study folder (must not exist or be empty)")
    p.add_argument("--from", dest="source", required=True, metavar="FILE", help="spec workbook (.xlsx) or define.xml")
    p.add_argument("--sdtm", default=None, help="folder with the study's existing SDTM datasets")
    p.add_argument("--studyid", default=None, help="study identifier when the metadata has none")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        args = parser.parse_args(["run", *(argv or sys.argv[1:])])
    if getattr(args, "study_arg", None):
        args.study = args.study_arg
    module = importlib.import_module(COMMANDS[args.command][0])
    signal.signal(signal.SIGTERM, _terminate)
    try:
        return int(module.run(args) or 0)
    except CdiscflowError as exc:
        print(f"cdiscflow {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # permission, disk full, file too large ...: one line naming the path
        print(f"cdiscflow {args.command}: error: {os_error(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def _terminate(signum: int, _frame: object) -> None:
    """SIGTERM unwinds like an exception, so staging folders are removed and child processes (LibreOffice)
    are killed by the ``finally`` blocks that own them."""
    raise SystemExit(128 + signum)


def os_error(exc: OSError) -> str:
    """``path: reason (errno name)`` for an OS error."""
    import errno
    import shutil

    if isinstance(exc, shutil.Error) and exc.args and isinstance(exc.args[0], list) and exc.args[0]:
        _src, dst, why = exc.args[0][0]  # copytree: the first failed copy
        return f"{dst}: {why}"
    path = exc.filename or ""
    if exc.filename2:
        path += f" -> {exc.filename2}"
    name = errno.errorcode.get(exc.errno or 0, "")
    reason = exc.strerror or str(exc)
    return f"{path + ': ' if path else ''}{reason}{f' ({name})' if name else ''}"


if __name__ == "__main__":
    raise SystemExit(main())
