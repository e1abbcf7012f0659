"""Engine tests: run the real `python -m harness ...` in a subprocess, no numpy in process.

The backends run in the environments under .envs/ (or $HARNESS_ENV_DIR), built once
by `python -m harness envs --create`. `fault_backend` installs a backend from
outside the repository, the way a user would (an entry point in the group
"harness.backends" of a distribution on PYTHONPATH), that injects the fault named
by $HARNESS_TEST_FAULT into the numpy adapter.
"""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
FAULT_MODULE = '''
"""A backend from outside the repository that injects faults (tests only)."""
import os
import time

from backends.numpy import NumpyBackend


class FaultyBackend(NumpyBackend):
    """The numpy adapter, plus the fault named by $HARNESS_TEST_FAULT on float64 results."""

    name = "faulty"

    def to_numpy(self, value):
        arr = super().to_numpy(value)
        fault = os.environ.get("HARNESS_TEST_FAULT", "")
        if arr.dtype.name != "float64" or not fault:
            return arr
        if fault == "segv":
            import ctypes
            ctypes.string_at(0)
        elif fault == "abort":
            os.abort()
        elif fault == "hang":  # a finite hang shows what a run without a timeout would say
            time.sleep(float(os.environ.get("HARNESS_FAULT_HANG_S") or 3600))
        elif fault == "raise":
            raise RuntimeError("injected failure")
        elif fault == "junk":
            os.write(int(os.environ["HARNESS_PROTOCOL_FD"]), b"this is not JSON\\n")
        elif fault == "print":
            print("noise on stdout from a case")
            os.write(1, b"noise on fd 1\\n")
        elif fault == "nan":
            arr = arr * float("nan")
        elif fault == "shape":
            arr = arr.reshape(-1)[:1] if arr.size > 1 else arr.reshape(1, 1)
        elif fault == "scalar":
            return float(arr.reshape(-1)[0])
        elif fault == "dtype":
            arr = arr.astype("float32")
        return arr
'''


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
    return lambda out: json.loads((Path(out) / "run.json").read_text())


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
def fault_path(tmp_path_factory) -> Path:
    """A folder holding the faulty backend and its entry point, for PYTHONPATH."""
    root = tmp_path_factory.mktemp("faultpkg")
    (root / "harness_faulty_backend.py").write_text(textwrap.dedent(FAULT_MODULE))
    dist = root / "harness_faulty_backend-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: harness-faulty-backend\n"
                                   "Version: 0.1\n")
    (dist / "entry_points.txt").write_text(
        "[harness.backends]\nfaulty = harness_faulty_backend:FaultyBackend\n")
    return root


@pytest.fixture
def fault_env(fault_path):
    """Environment for a run that knows the faulty backend; set HARNESS_TEST_FAULT in it."""
    def make(fault: str) -> dict:
        env = _base_env(fault_path)
        env["HARNESS_TEST_FAULT"] = fault
        return env
    return make
