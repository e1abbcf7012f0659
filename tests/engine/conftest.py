"""Engine tests: run the real `python -m harness ...` in a subprocess, no numpy in process.

The backends run in the environments under .envs/ (or $HARNESS_ENV_DIR), built once
by `python -m harness envs --create`. The one fault-injecting backend, installed from
outside the repository the way a user would, is tests/engine/faulty_backend.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def cheap_cases() -> list[str]:
    """The first two case ids in chapter order (stdlib-only index)."""
    sys.path.insert(0, str(REPO))
    try:
        import cases
        return [e["id"] for e in cases.case_index()][:2]
    finally:
        sys.path.remove(str(REPO))


@pytest.fixture(scope="session")
def two_cases() -> str:
    ids = cheap_cases()
    if not ids:
        pytest.skip("no cases yet")
    return ",".join(ids)


def _base_env(extra_path=None) -> dict:
    env = dict(os.environ)
    paths = [str(REPO)] + ([str(extra_path)] if extra_path else [])
    env["PYTHONPATH"] = os.pathsep.join(paths + [p for p in env.get("PYTHONPATH", "").split(
        os.pathsep) if p])
    return env


def _harness(*args, env=None, timeout=600, cwd=REPO):
    """Run `python -m harness ARGS` with this interpreter; the CompletedProcess."""
    return subprocess.run([sys.executable, "-m", "harness", *map(str, args)], cwd=cwd, check=False,
                          env=env or _base_env(), capture_output=True, text=True,
                          timeout=timeout)


@pytest.fixture(scope="session")
def harness():
    """Run `python -m harness ARGS` with this interpreter: harness(*args, env=, timeout=)."""
    return _harness


@pytest.fixture(scope="session")
def read_run():
    from run_files import read_run_file
    return read_run_file


@pytest.fixture(scope="session")
def numpy_python() -> str:
    """The numpy environment's interpreter (built once; the runs below need it)."""
    root = Path(os.environ.get("HARNESS_ENV_DIR") or REPO / ".envs")
    python = root / "numpy" / "bin" / "python"
    if not python.exists():
        result = _harness("envs", "--create", "numpy", timeout=1800)
        assert result.returncode == 0, result.stderr
    return str(python)


@pytest.fixture(scope="session")
def faulty_dir(tmp_path_factory) -> Path:
    """A folder holding the fault-injecting plug-in backend and its entry points, for
    PYTHONPATH (faulty_backend.environment(faulty_dir, faults) builds the environment)."""
    from faulty_backend import install
    return install(tmp_path_factory.mktemp("faultpkg"))
