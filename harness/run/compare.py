"""`harness compare DIR_OR_FILE...`: merge run.json files from separate runs, re-cross-check.

CI matrix jobs each run `harness run --backends X --out DIR`; this step merges their
results (every run carries the reference) and produces the same verdicts and reports
as one run over all backends would. A file that is not JSON, truncated, of another
format version or without reference results is a usage error naming the file.
"""

from pathlib import Path

from harness.cli import UsageError
from harness.reports import Context, render
from harness.reports import add_options as report_options
from harness.run.interrupts import Interrupts
from harness.run.results import ResultsFileError, finish, load_run, merge, write_reports


def configure(p):
    p.add_argument("paths", nargs="+", metavar="DIR_OR_FILE",
                   help="run.json files, or folders holding one")
    report_options(p)


def main(args) -> int:
    runs = []
    for path in args.paths:
        try:
            runs.append(load_run(path))
        except ResultsFileError as exc:
            raise UsageError(str(exc)) from None
    doc = merge(runs)
    with Interrupts() as stop:  # a signal now: all reports written, exit 130 or 143
        finish(doc, signum=stop.signum)
        write_reports(doc, Path(args.out), Context(signal=stop.received))
    print(render(doc, args.format).rstrip("\n"))
    return stop.exit_status(doc["exit_status"])
