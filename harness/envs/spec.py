"""The environment specs: PEP 735 dependency groups plus [tool.harness.envs].

Declared once, in pyproject.toml. A checkout reads that file; an installed harness
reads the copy the wheel ships as harness/envs/specs.toml (see setup.py).
"""

import hashlib
import json
import os
import tomllib
from functools import lru_cache
from pathlib import Path

from harness import REPO_ROOT
from harness.envs.errors import EnvError

PACKAGED = Path(__file__).resolve().parent / "specs.toml"


class SpecError(EnvError):
    """The specs are missing or malformed, or name no such environment."""


def spec_file() -> Path:
    """$HARNESS_SPECS, else the installed copy when there is one, else the checkout's
    pyproject.toml."""
    chosen = os.environ.get("HARNESS_SPECS")
    if chosen:
        if not Path(chosen).is_file():
            raise SpecError(f"HARNESS_SPECS={chosen}: no such file")
        return Path(chosen)
    for path in (PACKAGED, REPO_ROOT / "pyproject.toml"):
        if path.is_file():
            return path
    raise SpecError(f"no environment specs: neither {PACKAGED} nor {REPO_ROOT / 'pyproject.toml'}")


@lru_cache(maxsize=4)
def _load(path: Path, mtime_ns: int) -> dict:
    with open(path, "rb") as fh:
        return tomllib.load(fh)


def document() -> dict:
    """The whole spec file, parsed (cached until it changes)."""
    path = spec_file()
    try:
        return _load(path, path.stat().st_mtime_ns)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SpecError(f"{path}: cannot read the environment specs: {exc}") from None


def groups() -> dict:
    return document().get("dependency-groups", {})


def group(name: str, _seen: tuple = ()) -> list[str]:
    """A dependency group's requirements, {include-group = ...} expanded in place."""
    table = groups()
    if name not in table:
        raise SpecError(f"no dependency group {name!r} in {spec_file()}")
    if name in _seen:
        raise SpecError(f"dependency group {name!r} includes itself")
    out: list[str] = []
    for item in table[name]:
        if isinstance(item, dict) and "include-group" in item:
            out.extend(group(item["include-group"], _seen + (name,)))
        elif isinstance(item, str):
            out.append(item)
        else:
            raise SpecError(f"dependency group {name!r}: cannot read entry {item!r}")
    return out


def backends() -> dict[str, dict]:
    """Environment name -> its settings ({"python": "3.11", ...}), from [tool.harness.envs]."""
    table = document().get("tool", {}).get("harness", {}).get("envs", {})
    for name, settings in table.items():
        if name not in groups():
            raise SpecError(f"[tool.harness.envs.{name}] has no dependency group {name!r}")
        if not isinstance(settings.get("python"), str):
            raise SpecError(f"[tool.harness.envs.{name}] needs python = \"X.Y\"")
    return dict(table)


def python_wanted(name: str) -> tuple[int, int]:
    """The (major, minor) of the Python environment NAME is built with."""
    text = backends()[name]["python"]
    try:
        major, minor = (int(part) for part in text.split("."))
    except ValueError:
        raise SpecError(f"[tool.harness.envs.{name}] python = {text!r}: want \"X.Y\"") from None
    return major, minor


def pin_name(requirement: str) -> str:
    """The distribution a requirement names: 'torch==2.13.0' -> 'torch'."""
    for sep in "=<>!~[; @":
        requirement = requirement.split(sep)[0]
    return requirement.strip()


def pins(reqs: list[str]) -> dict[str, str]:
    """{distribution: version} for the exact (==) pins among reqs."""
    out = {}
    for req in reqs:
        name, sep, version = req.partition("==")
        if sep and not any(c in version for c in ";,"):
            out[pin_name(name)] = version.strip()
    return out


def key(python: tuple[int, int], reqs: list[str], variant: str = "") -> str:
    """What makes an environment: its Python (major, minor), its pins, and its build variant.

    The Python is the environment's own, never the orchestrator's, so that a harness run
    with another interpreter sees the same keys (an empty variant leaves the key as it
    was before variants existed)."""
    fields = [list(python), sorted(reqs)] + ([variant] if variant else [])
    return hashlib.sha256(json.dumps(fields).encode()).hexdigest()[:16]
