"""`harness conventions record|table RUN...`: keep the convention answers as data.

`record` writes every framework's answer to each convention case of the given runs
into cases/conventions/outcomes.tsv (the one explicit way to accept an upgrade's
new answer or a known bug); `table` prints the Conventions table as markdown, or
writes it into README.md between its markers with --readme.
"""

from pathlib import Path

from harness.cli import UsageError
from harness.common.fileio import write_atomic
from harness.run.results import ResultsFileError, finish, load_run, merge

BEGIN, END = "<!-- conventions:begin -->", "<!-- conventions:end -->"


def configure(p):
    p.add_argument("action", choices=("record", "table"),
                   help="record: store the runs' answers as the expected outcomes; "
                        "table: print the Conventions table (markdown)")
    p.add_argument("paths", nargs="+", metavar="DIR_OR_FILE",
                   help="run.json files, or folders holding one (merged as by compare)")
    p.add_argument("--readme", metavar="FILE",
                   help=f"with table: replace the text between {BEGIN} and {END} in FILE")


def _load(paths) -> dict:
    try:
        runs = [load_run(p) for p in paths]
    except ResultsFileError as exc:
        raise UsageError(str(exc)) from None
    return finish(merge(runs))


def replace_between_markers(text: str, table: str) -> str:
    if BEGIN not in text or END not in text or text.index(BEGIN) > text.index(END):
        raise UsageError(f"no {BEGIN} ... {END} markers to write the table between")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n{table}\n{END}{tail}"


def main(args) -> int:
    from harness.conventions import OUTCOMES_PATH
    from harness.conventions.verdicts import record
    from harness.reports.conventions import markdown

    run = _load(args.paths)
    table = markdown(run)
    if not table:
        raise UsageError("the runs hold no convention case (run with --cases 'conventions/*')")
    if args.action == "record":
        count = record(run)
        print(f"recorded {count} answers in {OUTCOMES_PATH}")
        return 0
    if args.readme:
        path = Path(args.readme)
        write_atomic(path, replace_between_markers(path.read_text(encoding="utf-8"), table))
        print(f"wrote the Conventions table into {path}")
    else:
        print(table)
    return 0
