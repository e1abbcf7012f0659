"""Is every pinned distribution of an environment still installed? Cheap enough for every run.

A distribution counts as installed when its .dist-info folder for the pinned version
is in site-packages and every top-level file or folder its RECORD lists exists: a
package deleted from site-packages (or a different version) is found without
starting the environment's Python. `deep_check` also imports them, in the environment.
"""

import csv
import re
import subprocess
from pathlib import Path

from harness.envs import spec


def site_packages(env: Path) -> Path | None:
    found = sorted(env.glob("lib/python*/site-packages"))
    return found[0] if found else None


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


def _dist_info(site: Path, dist: str, version: str) -> Path | None:
    want = _normalise(dist)
    for path in site.glob("*.dist-info"):
        name, _, rest = path.name[: -len(".dist-info")].partition("-")
        if _normalise(name) == want and rest.split("+")[0] == version:
            return path
    return None


def _top_levels(dist_info: Path) -> set[str]:
    """First path components of the files RECORD lists, outside the dist-info itself."""
    tops = set()
    with open(dist_info / "RECORD", newline="", encoding="utf-8") as fh:
        for row in csv.reader(fh):
            first = row[0].split("/")[0] if row and row[0] else ""
            if first and first not in ("..", "__pycache__") and not first.endswith(
                    (".dist-info", ".data", ".pth")):
                tops.add(first)
    return tops


def problems(env: Path, reqs: list[str]) -> list[str]:
    """What is wrong with the pinned distributions in env: [] when all are installed."""
    site = site_packages(env)
    if site is None:
        return ["no site-packages folder"]
    found = []
    for dist, version in spec.pins(reqs).items():
        info = _dist_info(site, dist, version)
        if info is None:
            found.append(f"{dist}=={version}: not installed")
            continue
        try:
            missing = sorted(t for t in _top_levels(info) if not (site / t).exists())
        except OSError:
            missing = ["RECORD"]
        if missing:
            found.append(f"{dist}=={version}: missing {', '.join(missing)}")
    return found


def damaged_dists(found: list[str], reqs: list[str]) -> list[str]:
    """The pinned requirements that problem lines ("dist==version: ..." or "dist: ...")
    name, to reinstall them."""
    bad = {line.split(":")[0].split("==")[0].strip() for line in found}
    return [r for r in reqs if spec.pin_name(r) in bad]


def deep_check(python: Path, reqs: list[str], env: dict) -> list[str]:
    """Import every pinned distribution's top-level modules in the environment."""
    cmd = [str(python), "-m", "harness.envs.worker.check", *spec.pins(reqs)]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=600, env=env,
                             check=False)
    except (OSError, subprocess.SubprocessError) as exc:
        return [f"could not start {python}: {exc}"]
    lines = [line for line in out.stdout.splitlines() if line.strip()]
    if out.returncode != 0 and not lines:
        return [f"check failed: {(out.stderr.strip().splitlines() or ['?'])[-1]}"]
    return lines
