"""Environments for a framework at another version: `torch@2.5.1`, `jax@0.4.38`.

Such an environment is built from the framework's own spec with the framework's
distributions (facts.FRAMEWORK_DISTRIBUTIONS: jax and jaxlib together) pinned to the
version asked for; the group's other pins of its own (numpy beside jax) are left to
the resolver, since an older framework may need an older numpy, and the shared
`common` pins stay. What the resolver chose is what the worker reports (run.json).
Before any work, `check_installable` asks the package index whether every
framework distribution has that version for the environment's Python.
"""

import re
import subprocess
import sys

from harness import facts
from harness.envs import spec
from harness.envs.errors import EnvError

_VERSION = re.compile(r"^[0-9][0-9A-Za-z.+!-]*$")


def framework_dists(base: str) -> tuple[str, ...]:
    from harness.envs import framework_package
    return facts.FRAMEWORK_DISTRIBUTIONS.get(base) or (framework_package(base),)


def pinned(base: str, reqs: list[str], version: str) -> list[str]:
    """`reqs` of environment `base` with its framework at `version` (see the module)."""
    if not _VERSION.match(version):
        raise EnvError(f"{base}@{version}: not a version number")
    own = {spec.pin_name(r) for r in spec.groups()[base] if isinstance(r, str)}
    dists = framework_dists(base)
    out = []
    for req in reqs:
        name = spec.pin_name(req)
        if name in dists:
            out.append(f"{name}=={version}")
        elif name in own:
            out.append(name)  # the resolver chooses what suits this framework version
        else:
            out.append(req)
    return out


def _available(dist: str, python: str) -> list[str] | None:
    """Versions of `dist` the index has for Python X.Y; None when pip cannot say."""
    cmd = [sys.executable, "-m", "pip", "index", "versions", dist, "--python-version", python,
           "--only-binary=:all:", "--disable-pip-version-check"]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    for line in done.stdout.splitlines():
        if line.startswith("Available versions:"):
            return [v.strip() for v in line.split(":", 1)[1].split(",")]
    return [] if "No matching distribution" in done.stderr else None


def check_installable(name: str) -> None:
    """EnvError naming the version when NAME@VERSION cannot be installed here."""
    from harness.envs import interpreters
    base, version = facts.split_version(name)
    if version is None:
        return
    python = interpreters.dotted(spec.python_wanted(base))
    for dist in framework_dists(base):
        found = _available(dist, python)
        if found is not None and version not in found:
            near = ", ".join(found[:8]) or "none"
            raise EnvError(f"{name}: {dist} {version} has no build for Python {python} on this "
                           f"platform (available: {near}{', ...' if len(found) > 8 else ''})")
