"""One virtual environment per backend, built from pyproject.toml's dependency groups.

The PEP 735 group NAME (which includes `common`) is what environment NAME gets, and
[tool.harness.envs.NAME] says which Python it is built with. tox, CI and `harness run`
all build environments through `ensure()`, so a machine provisions each one once,
under .envs/ (or $HARNESS_ENV_DIR), with uv when it can be had, else venv + pip.

An environment is usable only once its marker file is written, as the last step; a
folder without it (provisioning interrupted) is rebuilt, never used. Its key is made
of its own Python and its pins, never of the interpreter running the harness, so two
Pythons sharing a folder never rebuild each other's environments. Every status() also
checks, cheaply, that each pinned distribution is still installed; one that is not
makes the environment `damaged`, and ensure() reinstalls what is missing.
"""

import hashlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from harness import REPO_ROOT, facts
from harness.common.fileio import file_lock, read_json_object, write_json_atomic
from harness.envs import health, installer, interpreters, sources, spec, versions
from harness.envs.errors import EnvError

MARKER = "harness-env.json"


def is_checkout() -> bool:
    """Whether the harness runs from a repository checkout (else: an installed wheel)."""
    return (REPO_ROOT / "pyproject.toml").is_file()


def env_root() -> Path:
    """$HARNESS_ENV_DIR, else a checkout's .envs/, else the user's data folder (an
    installed harness must not write into site-packages)."""
    if os.environ.get("HARNESS_ENV_DIR"):
        return Path(os.environ["HARNESS_ENV_DIR"])
    if is_checkout():
        return REPO_ROOT / ".envs"
    data = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return data / "harness" / "envs"


def declared_groups() -> dict[str, list[str]]:
    """Backend environment name -> its own pinned requirements (without `common`)."""
    return {name: [r for r in spec.groups()[name] if isinstance(r, str)]
            for name in spec.backends()}


def base_name(name: str) -> str:
    """The declared environment a name builds on: `jax@0.4.38` -> `jax`."""
    return facts.split_version(name)[0]


def requirements(name: str) -> list[str]:
    """Everything environment NAME gets: its dependency group with includes expanded;
    for NAME@VERSION, the same with the framework pinned to VERSION (harness.envs.versions)."""
    base, version = facts.split_version(name)
    if base not in declared_groups():
        known = ", ".join(sorted(declared_groups()))
        raise EnvError(f"no environment is declared for {base!r}; declared: {known}")
    reqs = spec.group(base)
    return reqs if version is None else versions.pinned(base, reqs, version)


def env_key(name: str) -> str:
    """What a ready environment's marker must say: its Python, pins and build variant."""
    base = base_name(name)
    return spec.key(spec.python_wanted(base), requirements(name), sources.variant(base))


def env_path(name: str) -> Path:
    return env_root() / name


def env_python(name: str) -> Path:
    return env_path(name) / "bin" / "python"


def framework_package(name: str) -> str:
    """The distribution whose version names the environment (its group's first own pin)."""
    return spec.pin_name(declared_groups()[base_name(name)][0])


def _marker(name: str) -> dict | None:
    return read_json_object(env_path(name) / MARKER)


def status(name: str, deep: bool = False) -> dict:
    """What `harness envs` shows: path, Python, framework version, state and problems.

    States: missing, incomplete (no marker: never finished), stale (other pins or
    Python), damaged (a pinned package is gone), ready."""
    path = env_path(name)
    info = {"name": name, "path": str(path), "python": None,
            "python_wanted": interpreters.dotted(spec.python_wanted(base_name(name))),
            "framework": None,
            "framework_version": None, "state": "missing", "problems": []}
    if not path.exists():
        return info
    data = _marker(name)
    if data is None or not env_python(name).exists():
        info["state"] = "incomplete"
        return info
    info.update({k: data.get(k) for k in ("python", "framework", "framework_version")})
    if data.get("requirements_hash") != env_key(name):
        info["state"] = "stale"
        return info
    info["problems"] = health.problems(path, requirements(name))
    if deep and not info["problems"]:
        info["problems"] = health.deep_check(env_python(name), requirements(name), worker_env())
    info["state"] = "damaged" if info["problems"] else "ready"
    return info


def _lock(name: str):
    """Serialise provisioning of one environment across processes."""
    return file_lock(env_root() / f".{name}.lock")


def _sayer(name: str, progress):
    emit = progress or (lambda m: print(m, file=sys.stderr, flush=True))
    return lambda message: emit(f"[{name}] {message}")


def _interpreter(name: str, uv: str | None, say) -> str:
    """A Python of the version NAME declares; uv may fetch one; else a clear EnvError."""
    wanted = spec.python_wanted(base_name(name))
    found = interpreters.find(wanted, uv)
    if found:
        return found
    text = interpreters.dotted(wanted)
    if uv:
        say(f"no Python {text} found here; uv will download one")
        return text
    raise EnvError(f"environment {name!r} needs Python {text}, and none was found (looked at "
                   f"{interpreters.where_looked(wanted)}); install one, e.g. `pyenv install "
                   f"{text}` or `uv python install {text}`, or your system's python{text}")


def ensure(name: str, progress=None, deep: bool = False) -> Path:
    """Return the python of a ready environment, building, repairing or rebuilding it.

    deep: check by importing the pinned packages (`envs --check`), not only by files."""
    say = _sayer(name, progress)
    with _lock(name):
        state = status(name, deep)
        if state["state"] == "ready":
            return env_python(name)
        if state["state"] == "damaged" and _repair(name, state, say, deep):
            return env_python(name)
        _build(name, state["state"], say)
        return env_python(name)


def _pip_view() -> tuple[dict, list[str]]:
    settings = sources.pip_settings()
    return settings, sources.installer_args(settings)


def _repair(name: str, state: dict, say, deep: bool) -> bool:
    """Reinstall the damaged pinned distributions in place; True when that fixed it."""
    reqs = requirements(name)
    broken = health.damaged_dists(state["problems"], reqs)
    say(f"environment is damaged ({'; '.join(state['problems'])}); reinstalling "
        f"{', '.join(broken) or 'its pins'}")
    settings, args = _pip_view()
    uv = installer.uv_path(env_root(), say, _lock)
    extra = sources.framework_index(base_name(name), reqs, settings)
    try:
        installer.reinstall(uv, env_path(name), broken, reqs, (args if uv else []) + extra, say)
    except installer.InstallError as exc:
        say(f"repair failed ({str(exc).splitlines()[0]}); rebuilding")
        return False
    after = status(name, deep)
    if after["state"] != "ready":
        say(f"still damaged after the repair ({'; '.join(after['problems'])}); rebuilding")
    return after["state"] == "ready"


def _build(name: str, state: str, say) -> None:
    reqs = requirements(name)
    path = env_path(name)
    if path.exists():
        say(f"environment is {state}; rebuilding {path}")
        shutil.rmtree(path)
    started = time.monotonic()
    uv = installer.uv_path(env_root(), say, _lock)
    python = _interpreter(name, uv, say)
    settings, args = _pip_view()
    extra = sources.framework_index(base_name(name), reqs, settings)
    say(f"creating {path} with {'uv' if uv else 'venv + pip'} and Python {python}")
    try:
        if uv:
            installer.create_with_uv(uv, python, path, reqs, args + extra, say)
        else:
            installer.create_with_pip(python, path, reqs, extra, say)
    except installer.InstallError as exc:
        raise EnvError(f"creating environment {name!r} failed: {exc}") from None
    _write_marker(name, reqs, uv)
    data = _marker(name) or {}
    say(f"ready: {data.get('framework')} {data.get('framework_version')} on Python "
        f"{data.get('python')} ({time.monotonic() - started:.0f} s)")


def _write_marker(name: str, reqs: list[str], uv: str | None) -> None:
    py = str(env_python(name))
    package = framework_package(name)
    probe = ("import importlib.metadata as m, platform, sys; "
             f"print(m.version({package!r})); print(platform.python_version())")
    try:
        out = subprocess.run([py, "-c", probe], capture_output=True, text=True, check=True,
                             timeout=300).stdout.split()
    except (OSError, subprocess.SubprocessError) as exc:
        raise EnvError(f"environment {name!r} was built but its Python fails: {exc}") from None
    problems = health.problems(env_path(name), reqs)
    if problems:
        raise EnvError(f"environment {name!r} was built without its pins: {'; '.join(problems)}")
    write_json_atomic(env_path(name) / MARKER, {
        "name": name, "python": out[1], "framework": package, "framework_version": out[0],
        "requirements": reqs, "requirements_hash": env_key(name),
        "variant": sources.variant(base_name(name)), "installer": "uv" if uv else "pip",
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    })


def worker_env() -> dict:
    """Environment variables for a process that runs inside a backend environment."""
    env = dict(os.environ)
    paths = [str(import_root())] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
    env.setdefault("PYTHONHASHSEED", "0")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env.setdefault("MPLBACKEND", "Agg")
    from harness.envs.caches import cache_variables
    for name, value in cache_variables().items():   # JAX's compilation cache
        env.setdefault(name, value)
    return env


def import_root() -> Path:
    """The folder workers import harness, backends and cases from.

    A checkout: its root. An installed harness: a folder of links to just those three
    packages, so that a worker never sees the rest of the orchestrator's site-packages
    (its numpy would shadow the environment's)."""
    if is_checkout():
        return REPO_ROOT
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    tag = hashlib.sha256(str(REPO_ROOT).encode()).hexdigest()[:12]
    links = cache / "harness" / "import" / tag
    for package in ("harness", "backends", "cases"):
        link = links / package
        if not link.exists():
            links.mkdir(parents=True, exist_ok=True)
            tmp = links / f".{package}.{os.getpid()}"
            tmp.unlink(missing_ok=True)
            tmp.symlink_to(REPO_ROOT / package, target_is_directory=True)
            os.replace(tmp, link)
    return links
