"""One virtual environment per backend, built from pyproject.toml's dependency groups.

The groups under [project.optional-dependencies] are the single declaration of
what each backend needs: environment NAME gets `common` + NAME. tox, CI and
`python -m harness run` all build environments through `ensure()`, so a machine
provisions each one once, under .envs/ (or $HARNESS_ENV_DIR).

An environment is usable only once its marker file is written, as the last
step; a folder without it (provisioning interrupted) is rebuilt, never used.
"""

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
import tomllib
from contextlib import contextmanager
from pathlib import Path

from harness import REPO_ROOT
from harness.common.fileio import write_json_atomic

MARKER = "harness-env.json"
COMMON_GROUP = "common"
NOT_BACKENDS = {COMMON_GROUP, "engine"}  # groups that are not a backend environment


class EnvError(RuntimeError):
    """An environment could not be created or is unknown."""


def env_root() -> Path:
    return Path(os.environ.get("HARNESS_ENV_DIR") or REPO_ROOT / ".envs")


def declared_groups() -> dict[str, list[str]]:
    """Backend name -> its pinned requirements (without the common group)."""
    with open(REPO_ROOT / "pyproject.toml", "rb") as fh:
        groups = tomllib.load(fh)["project"]["optional-dependencies"]
    return {name: list(reqs) for name, reqs in groups.items() if name not in NOT_BACKENDS}


def requirements(name: str) -> list[str]:
    with open(REPO_ROOT / "pyproject.toml", "rb") as fh:
        groups = tomllib.load(fh)["project"]["optional-dependencies"]
    if name not in groups or name in NOT_BACKENDS:
        known = ", ".join(sorted(declared_groups()))
        raise EnvError(f"no environment is declared for {name!r}; declared: {known}")
    return list(groups.get(COMMON_GROUP, [])) + list(groups[name])


def _requirements_hash(reqs: list[str]) -> str:
    blob = json.dumps([sys.version_info[:2], sorted(reqs)]).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def env_path(name: str) -> Path:
    return env_root() / name


def env_python(name: str) -> Path:
    return env_path(name) / "bin" / "python"


def framework_package(name: str) -> str:
    """The distribution whose version names the environment (its group's first pin)."""
    first = declared_groups()[name][0]
    for sep in "=<>!~[; ":
        first = first.split(sep)[0]
    return first


def status(name: str) -> dict:
    """What `harness envs` shows: path, python, framework version and state."""
    path = env_path(name)
    info = {"name": name, "path": str(path), "python": None, "framework": None,
            "framework_version": None, "state": "missing"}
    marker = path / MARKER
    if not path.exists():
        return info
    if not marker.is_file():
        info["state"] = "incomplete"
        return info
    try:
        data = json.loads(marker.read_text())
    except (OSError, ValueError):
        info["state"] = "incomplete"
        return info
    info.update({k: data.get(k) for k in ("python", "framework", "framework_version")})
    if not env_python(name).exists():
        info["state"] = "incomplete"
    elif data.get("requirements_hash") != _requirements_hash(requirements(name)):
        info["state"] = "stale"
    else:
        info["state"] = "ready"
    return info


@contextmanager
def _lock(name: str):
    """Serialise provisioning of one environment across processes."""
    env_root().mkdir(parents=True, exist_ok=True)
    with open(env_root() / f".{name}.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _say(progress, message: str) -> None:
    (progress or (lambda m: print(m, file=sys.stderr, flush=True)))(message)


def _run_streaming(cmd: list[str], name: str, progress) -> None:
    """Run a provisioning step, forwarding its output as progress lines."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, bufsize=1)
    tail: list[str] = []
    for line in proc.stdout:
        line = line.rstrip()
        if not line:
            continue
        tail = (tail + [line])[-20:]
        if line.startswith(("Collecting", "Downloading", "Installing", "Successfully")):
            _say(progress, f"[{name}] {line}")
    if proc.wait() != 0:
        raise EnvError(f"creating environment {name!r} failed: {' '.join(cmd)}\n"
                       + "\n".join(tail))


def ensure(name: str, progress=None) -> Path:
    """Return the python of a ready environment, building or rebuilding it if needed."""
    reqs = requirements(name)
    with _lock(name):
        state = status(name)["state"]
        if state == "ready":
            return env_python(name)
        path = env_path(name)
        if path.exists():
            _say(progress, f"[{name}] environment is {state}; rebuilding {path}")
            shutil.rmtree(path)
        started = time.monotonic()
        _say(progress, f"[{name}] creating {path} (first time: downloads, can take minutes)")
        _run_streaming([sys.executable, "-m", "venv", str(path)], name, progress)
        py = str(env_python(name))
        _run_streaming([py, "-m", "pip", "install", "--disable-pip-version-check",
                        "--progress-bar", "off", *reqs], name, progress)
        package = framework_package(name)
        version = subprocess.run(
            [py, "-c", f"import importlib.metadata as m; print(m.version({package!r}))"],
            capture_output=True, text=True, check=True).stdout.strip()
        pyver = subprocess.run([py, "-c", "import platform; print(platform.python_version())"],
                               capture_output=True, text=True, check=True).stdout.strip()
        write_json_atomic(path / MARKER, {
            "name": name, "python": pyver, "framework": package,
            "framework_version": version, "requirements": reqs,
            "requirements_hash": _requirements_hash(reqs),
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        })
        _say(progress, f"[{name}] ready: {package} {version} "
                       f"({time.monotonic() - started:.0f} s)")
        return env_python(name)


def worker_env() -> dict:
    """Environment variables for a process that runs inside a backend environment."""
    env = dict(os.environ)
    paths = [str(REPO_ROOT)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
    env.setdefault("PYTHONHASHSEED", "0")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env.setdefault("MPLBACKEND", "Agg")
    from harness.envs.caches import cache_variables
    for name, value in cache_variables().items():   # JAX's compilation cache
        env.setdefault(name, value)
    return env
