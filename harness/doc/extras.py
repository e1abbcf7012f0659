"""What the book installs beside a framework for its tabs, added for doc mode only.

Declared in pyproject.toml's `[tool.harness.doc-extras]`, one list per environment,
beside the environments' own groups (which stay untouched: `run` and the tests never
see these packages). Each list is complete and pinned, and is installed with
`pip install --no-deps --target` into `<env>/doc-extras/`, which the doc kernel puts
on its path: nothing the environment pins can be upgraded or replaced by it. Installed
the first time doc mode runs a tab in that environment; a marker written last (with
the list's hash) makes an interrupted install count as absent.
"""

import hashlib
import json
import shutil
import subprocess
from pathlib import Path

from harness import envs
from harness.common.fileio import read_json_object, write_json_atomic
from harness.envs import spec

FOLDER = "doc-extras"
MARKER = "harness-doc-extras.json"


def declared() -> dict:
    """Environment name -> its pinned doc extras."""
    # the spec file: the checkout's pyproject.toml, or the copy an installed harness ships
    table = spec.document().get("tool", {}).get("harness", {}).get("doc-extras", {})
    return {name: list(reqs) for name, reqs in table.items()}


def requirements(env_name: str) -> list:
    return declared().get(env_name, [])


def folder(env_name: str) -> Path:
    return envs.env_path(env_name) / FOLDER


def _hash(reqs) -> str:
    return hashlib.sha256(json.dumps(sorted(reqs)).encode()).hexdigest()[:16]


def ready_path(env_name: str) -> Path | None:
    """The extras folder if it holds exactly the declared list, else None."""
    reqs = requirements(env_name)
    marker = read_json_object(folder(env_name) / MARKER) or {}
    return folder(env_name) if reqs and marker.get("hash") == _hash(reqs) else None


def ensure(env_name: str, progress=None) -> Path | None:
    """Install the environment's doc extras if they are not there yet; their folder or None."""
    reqs = requirements(env_name)
    if not reqs:
        return None
    if ready_path(env_name):
        return folder(env_name)
    python = envs.ensure(env_name, progress=progress)
    target = folder(env_name)
    staging = target.with_name(FOLDER + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    say = progress or (lambda m: None)
    say(f"[{env_name}] installing doc extras: {' '.join(reqs)}")
    proc = subprocess.run(
        [str(python), "-m", "pip", "install", "--disable-pip-version-check", "--progress-bar",
         "off", "--no-deps", "--target", str(staging), *reqs],
        capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        shutil.rmtree(staging, ignore_errors=True)
        raise envs.EnvError(f"installing doc extras for {env_name!r} failed:\n"
                            + proc.stdout[-1500:] + proc.stderr[-1500:])
    write_json_atomic(staging / MARKER, {"requirements": reqs, "hash": _hash(reqs)})
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    return target
