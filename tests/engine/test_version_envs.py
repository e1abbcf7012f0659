"""Two versions of one framework side by side, built and run for real.

NumPy is the framework here (the `numpy` backend: NumPy with numdifftools): it installs
in seconds, so `numpy@OLDER` beside the pinned `numpy` builds a second environment of
its own. The older version is read from the package index, never typed in.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from harness import envs
from harness.envs import spec

PINNED = spec.pins(envs.requirements("numpy"))["numpy"]


def _older_numpy() -> str:
    """The newest NumPy release of the previous minor series that the index has."""
    major, minor = (int(x) for x in PINNED.split(".")[:2])
    done = subprocess.run([sys.executable, "-m", "pip", "index", "versions", "numpy",
                           "--python-version", "3.11", "--only-binary=:all:"],
                          capture_output=True, text=True, check=False, timeout=300)
    line = next((x for x in done.stdout.splitlines() if x.startswith("Available versions:")), "")
    found = [v.strip() for v in line.split(":", 1)[-1].split(",") if v.strip()]
    older = [v for v in found if v.startswith(f"{major}.{minor - 1}.") and v.count(".") == 2
             and all(p.isdigit() for p in v.split("."))]
    if not older:
        pytest.fail(f"the index lists no numpy {major}.{minor - 1}.x: {done.stderr[-500:]}")
    return older[0]


@pytest.fixture(scope="module")
def two_versions(harness, read_run, two_cases, tmp_path_factory):
    old = f"numpy@{_older_numpy()}"
    out = tmp_path_factory.mktemp("versions") / "out"
    first = harness("run", "--backends", f"{old},numpy", "--cases", two_cases, "--out", out,
                    timeout=1800)
    again = harness("run", "--backends", f"{old},numpy", "--cases", two_cases, "--out",
                    Path(str(out) + "-again"), timeout=1800)
    return old, first, again, read_run(out)


def test_each_version_gets_its_own_environment_and_resolved_versions(two_versions):
    old, first, _, run = two_versions
    assert first.returncode == 0, first.stdout[-2000:] + first.stderr[-2000:]
    root = Path(os.environ.get("HARNESS_ENV_DIR") or envs.env_root())
    assert (root / old / envs.MARKER).is_file() and (root / "numpy" / envs.MARKER).is_file()
    info = run["environment"]["backends"]
    version = old.split("@")[1]
    assert info[old]["version"] == version and info[old]["packages"]["numpy"] == version
    assert info["numpy"]["packages"]["numpy"] == PINNED
    assert "numdifftools" in info[old]["packages"]  # chosen by the resolver, recorded


def test_a_second_run_reuses_the_version_environment(two_versions):
    old, _, again, _ = two_versions
    assert again.returncode == 0, again.stderr[-2000:]
    assert f"[{old}] creating" not in again.stderr


def test_the_versions_view_compares_the_two(two_versions):
    old, first, _, run = two_versions
    (entry,) = run["versions"]
    assert (entry["framework"], entry["baseline"], entry["backend"]) == ("numpy", old, "numpy")
    assert entry["changes"] == []  # numdifftools on either NumPy: same numbers, within tolerance
    assert f"numpy ({PINNED}) against {old}" in first.stdout


def test_a_version_that_does_not_exist_is_a_usage_error_before_any_work(harness, tmp_path):
    out = tmp_path / "out"
    proc = harness("run", "--backends", "numpy@0.0.1", "--out", out, timeout=600)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "numpy@0.0.1" in proc.stderr and "0.0.1" in proc.stderr
    assert not out.exists()
    root = Path(os.environ.get("HARNESS_ENV_DIR") or envs.env_root())
    assert not (root / "numpy@0.0.1").exists()
