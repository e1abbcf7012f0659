"""Command line: `python -m harness COMMAND ...`.

Each command lives in its own module with `configure(parser)` and `main(args) -> int`;
the table below is the only place that lists them. Exit status: 0 all agree / ok,
1 findings or failures, 2 usage errors.
"""

import argparse
import importlib
import os
import sys

COMMANDS = {
    "run": ("harness.run.command", "run every case on every backend and cross-check"),
    "compare": ("harness.run.compare", "merge results of separate runs into one report"),
    "envs": ("harness.envs.command", "show or create the per-backend environments"),
    "pytest": ("harness.envs.command:pytest", "run pytest inside one backend's environment"),
    "doc": ("harness.doc.command", "run D2L chapters' code tab by tab and report drift"),
    "doc-merge": ("harness.doc.merge", "join `doc --shard K/N` outputs into one book report"),
    "bench": ("harness.bench.command", "measure what derivatives cost on each backend"),
    "conventions": ("harness.conventions.command",
                    "record the convention cases' answers, or print their table"),
}


EXIT_BROKEN_PIPE = 141  # what a shell reports for a writer whose reader (`| head`) left


class UsageError(Exception):
    """Bad command-line input: reported on stderr, exit status 2."""

    status = 2


class SaveError(UsageError):
    """Work was done but its results could not all be written (disk full, --out gone):
    one line on stderr saying what was saved, exit status 1."""

    status = 1


def _quiet_stdout() -> None:
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m harness", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (target, help_text) in COMMANDS.items():
        try:
            configure, entry = _load(target)
        except (ImportError, AttributeError):
            continue  # a command still being built does not break the others
        p = sub.add_parser(name, help=help_text, description=help_text)
        configure(p)
        p.set_defaults(entry=entry)
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.entry(args) or 0)
    except UsageError as exc:
        print(f"harness {args.command}: error: {exc}", file=sys.stderr)
        return exc.status
    except BrokenPipeError:
        _quiet_stdout()
        return EXIT_BROKEN_PIPE
    except OSError as exc:  # disk full, a folder gone mid-run: one line, not a traceback
        print(f"harness {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("harness: interrupted", file=sys.stderr)
        return 130
