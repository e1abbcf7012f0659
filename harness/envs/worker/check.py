"""Import each named distribution's top-level modules; print one line per problem.

Run as `python -m harness.envs.worker.check DIST ...` inside an environment.
Exit 0 when every one imports, 1 otherwise.
"""

import importlib
import sys
from importlib import metadata


def _modules(dist: metadata.Distribution) -> list[str]:
    text = dist.read_text("top_level.txt")
    if text:
        return [m for m in text.split() if m.isidentifier()]
    tops = {str(f).split("/")[0] for f in dist.files or []}
    return sorted(t.removesuffix(".py") for t in tops
                  if t.removesuffix(".py").isidentifier() and (t.endswith(".py") or "." not in t))


def problems(name: str) -> list[str]:
    try:
        dist = metadata.distribution(name)
    except metadata.PackageNotFoundError:
        return [f"{name}: not installed"]
    found = []
    for module in _modules(dist):
        if module.startswith("_") or module in ("tests", "test", "benchmarks"):
            continue
        try:
            importlib.import_module(module)
        except Exception as exc:  # noqa: BLE001 - any failure to import is the finding
            found.append(f"{name}: import {module} failed: {type(exc).__name__}: {exc}")
    return found


def main(names: list[str]) -> int:
    found = [line for name in names for line in problems(name)]
    for line in found:
        print(line.replace("\n", " "))
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
