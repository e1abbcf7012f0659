"""harness: cross-checks automatic differentiation across PyTorch, TensorFlow, MXNet and JAX.

Each command lives in its own module with `configure(parser)` and `main(args) -> int`;
the table below is the only place that lists them, with their help texts. Every error
is one line on stderr, `harness COMMAND: error: MESSAGE`.
"""

import argparse
import importlib
import os
import sys
from typing import NamedTuple

from harness import __version__


class Command(NamedTuple):
    target: str        # module[:prefix] with configure[_prefix](parser), main[_prefix](args)
    summary: str       # one line, for `harness --help`
    description: str   # a paragraph, for `harness NAME --help`
    examples: tuple
    exits: str         # what each exit status means


EXIT_RUN = ("0 every result agrees; 1 something disagrees, errors, crashes or times out; "
            "2 usage error; 130 interrupted by Ctrl-C, 143 by SIGTERM (the reports of what "
            "was done are still written)")
COMMANDS = {
    "run": Command(
        "harness.run.command", "run every case on every backend and cross-check",
        description=("Run every case of cases/ on every backend, each in its own environment "
                     "and worker process, in float32 and float64; check each result against "
                     "the case's reference and the other backends; write run.json, junit.xml "
                     "and report.html."),
        examples=("harness run", "harness run --backends pytorch,jax --cases 'chain*'",
                  "harness run --backends tf --dtypes float64 --out results-tf --format markdown"),
        exits=EXIT_RUN),
    "compare": Command(
        "harness.run.compare", "merge results of separate runs into one report",
        description=("Merge run.json files of separate runs (one backend per CI job, or "
                     "machines apart) and cross-check them as one run over all their backends "
                     "would."),
        examples=("harness compare results-torch results-jax --out merged",),
        exits=EXIT_RUN),
    "envs": Command(
        "harness.envs.command", "show, check, create or repair the backend environments",
        description=("One virtual environment per backend, built from pyproject.toml's "
                     "dependency groups with the Python each declares (uv when it can be had, "
                     "else venv + pip), under .envs/ or $HARNESS_ENV_DIR. States: ready, "
                     "missing, incomplete, stale (other pins or Python), damaged (a pinned "
                     "package is gone)."),
        examples=("harness envs", "harness envs --create pytorch,jax",
                  "harness envs --check --json", "harness envs --key torch"),
        exits=("0 done; 1 an environment could not be built, or --check/--create found one "
               "damaged; 2 usage error")),
    "pytest": Command(
        "harness.envs.command:pytest", "run pytest inside one backend's environment",
        description=("Run pytest in a backend's environment (built first if needed) with "
                     "--backend=NAME, from the repository root."),
        examples=("harness pytest torch -- tests/backends tests/cases -q",),
        exits=("0 the tests passed; otherwise pytest's own (1 failures, 5 no tests "
               "collected), or 1 when the environment could not be built, 2 usage error")),
    "doc": Command(
        "harness.doc.command", "run D2L chapters' code tab by tab and report drift",
        description=("Run Dive into Deep Learning chapters' code cells tab by tab, each "
                     "framework in its environment, and report where the tabs compute "
                     "different values. Many chapters (files, or folders) run as a book, "
                     "in parallel, with a per-tab cache."),
        examples=("harness doc chapter.md",
                  "harness doc chapter.md --tabs pytorch,mxnet --no-cases",
                  "harness doc d2l-en/chapter_* --exclude 'drafts/*' --shard 1/2 --out shard1"),
        exits="0 the tabs agree; 1 drift or a failing cell or tab; 2 usage error; "
              "130 interrupted (finished chapters are kept)"),
    "doc-merge": Command(
        "harness.doc.merge", "join `doc --shard K/N` outputs into one book report",
        description=("Join the output folders of `harness doc --shard K/N` runs into one "
                     "book report, as one run over every chapter would have written."),
        examples=("harness doc-merge shard1 shard2 --out book",
                  "harness doc-merge shard*/ --markdown \"$GITHUB_STEP_SUMMARY\""),
        exits="0 the tabs agree; 1 drift or failures in any shard; 2 usage error"),
    "bench": Command(
        "harness.bench.command", "measure what derivatives cost on each backend",
        description=("Time primal, gradient, Hessian and HVP calls per backend, dtype and "
                     "size, checked against closed forms; write bench.json, bench.md and "
                     "plots."),
        examples=("harness bench --quick", "harness bench --backends torch,jax --threads 1"),
        exits=("0 done, every result checked; 1 a backend failed or a result disagrees; "
               "2 usage error")),
    "conventions": Command(
        "harness.conventions.command", "record the convention cases' answers, or print their table",
        description=("record: store each framework's answer to every convention case of the "
                     "given runs in cases/conventions/outcomes.tsv (accepting an upgrade's new "
                     "answers); table: print the Conventions table as markdown, or write it "
                     "into a README between its markers."),
        examples=("harness run --cases 'conventions/*' --out results",
                  "harness conventions table results --readme README.md",
                  "harness conventions record results"),
        exits="0 done; 2 usage error (no such run, no convention case in it)"),
}


EXIT_BROKEN_PIPE = 141  # what a shell reports for a writer whose reader (`| head`) left


class UsageError(Exception):
    """Bad command-line input: reported on stderr, exit status 2."""

    status = 2


class SaveError(UsageError):
    """Work was done but its results could not all be written (disk full, --out gone):
    one line on stderr saying what was saved, exit status 1."""

    status = 1


def quiet_stdout() -> None:
    """The reader of stdout is gone: point fd 1 at /dev/null so the exit flush is silent."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def _load(target: str):
    module, _, prefix = target.partition(":")
    mod = importlib.import_module(module)
    if prefix:
        return getattr(mod, f"configure_{prefix}"), getattr(mod, f"main_{prefix}")
    return mod.configure, mod.main


class _Formatter(argparse.HelpFormatter):
    """Wraps prose, keeps indented lines (examples) as written."""

    def _fill_text(self, text, width, indent):
        return "\n".join(line if not line or line.startswith("  ")
                         else super(_Formatter, self)._fill_text(line, width, indent)
                         for line in text.splitlines())


def _epilog(examples, exits: str) -> str:
    lines = ["examples:"] + [f"  {e}" for e in examples] + ["", f"exit status: {exits}"]
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="harness", description=__doc__.split("\n")[0], allow_abbrev=False,
        formatter_class=_Formatter,
        epilog=_epilog(["harness run", "harness envs --create", "harness COMMAND --help",
                        "python -m harness run    (the same, without the console script)"],
                       "0 ok; 1 findings or failures; 2 usage error; 130/143 interrupted "
                       "(each command's help says more)"))
    parser.add_argument("--version", action="version", version=f"harness {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    parser.commands = {}  # name -> its parser, for errors in the command's own words
    for name, command in COMMANDS.items():
        p = sub.add_parser(name, help=command.summary, description=command.description,
                           epilog=_epilog(command.examples, command.exits), prog=f"harness {name}",
                           allow_abbrev=False, formatter_class=_Formatter)
        configure, entry = _load(command.target)
        configure(p)
        p.set_defaults(entry=entry)
        parser.commands[name] = p
    return parser


def main(argv=None) -> int:
    from harness.envs.errors import EnvError

    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra:  # reported by the command's own parser: one error style, `harness CMD: error:`
        parser.commands[args.command].error(f"unrecognized arguments: {' '.join(extra)}")
    try:
        return int(args.entry(args) or 0)
    except UsageError as exc:
        print(f"harness {args.command}: error: {exc}", file=sys.stderr)
        return exc.status
    except EnvError as exc:
        print(f"harness {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        quiet_stdout()
        return EXIT_BROKEN_PIPE
    except OSError as exc:  # disk full, a folder gone mid-run: one line, not a traceback
        print(f"harness {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"harness {args.command}: interrupted", file=sys.stderr)
        return 130
