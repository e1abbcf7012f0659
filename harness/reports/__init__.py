"""Report formats, found by module: a module here that defines `REPORT` is one format.

Adding a format is adding one module with `REPORT = Report(...)`: `--format` of run
and compare offers every printable one, and every one with a `file` is written to
--out with each run (harness.run.results.write_reports). Each renders from the run.json
dict and the shared `view.View` of it, so every report shows the same cells.
"""

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field

from harness.reports import view as _view

NOT_FORMATS = ("view", "worker")


@dataclass(frozen=True)
class Report:
    name: str                      # what `--format NAME` selects
    render: Callable               # render(run, view, context) -> str
    file: str | None = None        # written to --out by every run and compare; None: printed only
    printable: bool = True         # offered by --format (printed to stdout)
    record: bool = False           # written last: the file that records the others' problems
    fallback: Callable | None = None  # fallback(run, error text) -> str, when render fails


@dataclass
class Context:
    """What a render may need besides the run: whether to stop, options, a cache."""

    signal: Callable = lambda: None   # the signal number received by the run, or None
    options: dict = field(default_factory=dict)   # e.g. plot_python for report.html
    cache: dict = field(default_factory=dict)     # what a second render can reuse

    def cancelled(self) -> bool:
        """True once a signal asked the run to stop: slow work (figures) is cut short."""
        return self.signal() is not None


def formats() -> dict:
    """{name: Report} of every format module, in module-name order."""
    found = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if info.name in NOT_FORMATS or info.name.startswith("_"):
            continue
        report = getattr(importlib.import_module(f"{__name__}.{info.name}"), "REPORT", None)
        if isinstance(report, Report):
            found[report.name] = report
    return found


def choices() -> list:
    """The names `--format` accepts."""
    return sorted(name for name, r in formats().items() if r.printable)


def add_options(p) -> None:
    """`--out` and `--format` of the commands that write the reports (run, compare)."""
    p.add_argument("--out", default="results", metavar="DIR", help="report folder (default results/)")
    p.add_argument("--format", choices=choices(), default="table",
                   help="what to print on stdout (the report files are always written)")


def files() -> list:
    """The formats written to --out: the record (run.json) last."""
    return sorted((r for r in formats().values() if r.file), key=lambda r: (r.record, r.file))


def render(run: dict, name: str, context: Context | None = None) -> str:
    return formats()[name].render(run, _view.build(run), context or Context())
