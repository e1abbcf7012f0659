"""Command-line values every command checks the same way, before any work starts.

`run`, `bench`, `doc` and `envs` share these so that one spelling means one thing
everywhere: a comma list that is empty (`--backends ''`) is an error for every
option, an alias (`pytorch`) is accepted wherever its name is, a number of
seconds must be finite and positive (`nan`, `inf` and `1e309` would disable a
timeout or crash the final write), and `--out` is proven writable before the
first worker starts rather than after the last one finished.
"""

import argparse
import math
import os
import tempfile
from pathlib import Path

from harness.cli import UsageError
from harness.facts import ALIASES, canonical_backend


def split(text: str, option: str) -> list[str]:
    """The non-empty items of a comma list, each once, in order; UsageError when none."""
    items = list(dict.fromkeys(x.strip() for x in text.split(",") if x.strip()))
    if not items:
        raise UsageError(f"{option} is empty: give at least one name, e.g. {option} NAME")
    return items


def backend_aliases() -> dict:
    """{alias: backend name}, as harness.facts declares them (pytorch -> torch)."""
    return {alias.lower(): name for alias, name in ALIASES.items()}


def _resolve(item: str, known: list, aliases: dict) -> str | None:
    if item in known:
        return item
    low = item.lower()
    if low in known:
        return low
    return aliases[low] if aliases.get(low) in known else None


def choose(text: str, known, option: str, what: str, aliases: dict | None = None) -> list[str]:
    """Names from a comma list, checked against `known` (aliases resolved, each once).

    Unknown names are all listed in one UsageError, with the known ones."""
    known = list(known)
    chosen, unknown = [], []
    for item in split(text, option):
        name = _resolve(item, known, aliases or {})
        (unknown if name is None else chosen).append(item if name is None else name)
    if unknown:
        raise UsageError(f"unknown {what} {', '.join(unknown)}; known: {', '.join(known)}")
    return list(dict.fromkeys(chosen))


def _number(text: str, integer: bool):
    try:
        value = int(text) if integer else float(text)
    except ValueError:
        kind = "an integer" if integer else "a number"
        raise argparse.ArgumentTypeError(f"{text!r} is not {kind}") from None
    if not math.isfinite(value) or value <= 0:
        kind = "integer" if integer else "finite number"
        raise argparse.ArgumentTypeError(f"must be a positive {kind}, got {text!r}")
    return value


def positive_number(text: str) -> float:
    """argparse type: a finite number > 0 (seconds, sizes); nan, inf, 1e309 and 0 refused."""
    return _number(text, integer=False)


def positive_integer(text: str) -> int:
    """argparse type: an integer >= 1."""
    return _number(text, integer=True)


def interpreters(items, allowed, option: str = "--python") -> dict:
    """{NAME: PATH} from repeated NAME=PATH options: each NAME once (aliases resolved),
    allowed, executable."""
    found = {}
    allowed = list(allowed)
    for item in items:
        name, sep, path = item.partition("=")
        if not sep or not name or not path:
            raise UsageError(f"{option} expects NAME=PATH, got {item!r}")
        name = name if name in allowed else canonical_backend(name)
        if name in found:
            raise UsageError(f"{option} {name}= given twice ({found[name]} and {path}); "
                             f"give each name once")
        if name not in allowed:
            raise UsageError(f"{option} {name}: not one of {', '.join(allowed)}")
        if not (os.path.isfile(path) and os.access(path, os.X_OK)):
            raise UsageError(f"{option} {name}: {path} is not an executable file")
        found[name] = path
    return found


def installable(name: str) -> None:
    """Before any work: a NAME@VERSION that cannot be installed here is a UsageError saying
    why (exit 2), not a failure after other work; a plain NAME passes."""
    from harness import envs
    from harness.envs import versions
    try:
        versions.check_installable(name)
    except envs.EnvError as exc:
        raise UsageError(str(exc)) from None


def writable_folder(text, option: str = "--out") -> Path:
    """Create the folder if needed and prove a file can be written in it; else UsageError.

    Called before any work, so a bad --out costs nothing and says why in one line."""
    path = Path(text)
    for above in (path, *path.parents):
        if above.exists() or above.is_symlink():
            if not above.is_dir():
                where = "is" if above == path else f"lies under {above}, which is"
                raise UsageError(f"{option} {path}: {where} a file, not a folder")
            break
    try:
        path.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=path, prefix=".harness-write-test.")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise UsageError(f"{option} {path}: cannot write there ({exc.strerror or exc})") from None
    return path
