"""Finding a Python X.Y to build an environment with: this one, pyenv's, PATH's, uv's.

Each environment declares the Python it needs (MXNet's pins exist for 3.11 only), so
the interpreter that happens to run the harness decides nothing.
"""

import os
import shutil
import subprocess
import sys
from functools import lru_cache
from pathlib import Path

_VERSION = "import sys; print('.'.join(map(str, sys.version_info[:2])))"


def dotted(version: tuple[int, int]) -> str:
    return ".".join(map(str, version))


@lru_cache(maxsize=64)
def version_of(python: str) -> tuple[int, int] | None:
    """(major, minor) of an interpreter, or None when it does not run (a pyenv shim for a
    version that is not selected, a dangling link)."""
    try:
        out = subprocess.run([python, "-c", _VERSION], capture_output=True, text=True,
                             timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    try:
        major, minor = out.stdout.strip().split(".")
        return int(major), int(minor)
    except ValueError:
        return None


def _pyenv_candidates(wanted: tuple[int, int]) -> list[str]:
    root = os.environ.get("PYENV_ROOT") or str(Path.home() / ".pyenv")
    prefix = f"{dotted(wanted)}."
    versions = Path(root) / "versions"
    if not versions.is_dir():
        return []
    found = sorted((p for p in versions.iterdir() if p.name.startswith(prefix)
                    and p.name[len(prefix):].isdigit()),
                   key=lambda p: int(p.name[len(prefix):]), reverse=True)
    return [str(p / "bin" / f"python{dotted(wanted)}") for p in found]


def _uv_candidate(uv: str | None, wanted: tuple[int, int]) -> list[str]:
    if not uv:
        return []
    try:
        out = subprocess.run([uv, "python", "find", "--no-project", dotted(wanted)],
                             capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.SubprocessError):
        return []
    return [out.stdout.strip()] if out.returncode == 0 and out.stdout.strip() else []


def candidates(wanted: tuple[int, int], uv: str | None = None):
    """Interpreters that may be Python `wanted`, best first (lazily: uv is asked last)."""
    yield sys.executable
    yield from _pyenv_candidates(wanted)
    for name in (f"python{dotted(wanted)}", "python3", "python"):
        path = shutil.which(name)
        if path:
            yield path
    yield from _uv_candidate(uv, wanted)


def find(wanted: tuple[int, int], uv: str | None = None) -> str | None:
    """The first interpreter that runs and is Python `wanted`, else None."""
    for python in candidates(wanted, uv):
        if version_of(python) == wanted:
            return python
    return None


def where_looked(wanted: tuple[int, int]) -> str:
    root = os.environ.get("PYENV_ROOT") or str(Path.home() / ".pyenv")
    return (f"this interpreter ({sys.executable}), pyenv ({root}/versions/"
            f"{dotted(wanted)}.*), python{dotted(wanted)} on PATH, uv's Pythons")
