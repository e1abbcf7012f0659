"""The distribution: a wheel with every package and the environment specs, installable
into a fresh virtual environment and run from any directory as `harness`."""

import os
import shutil
import subprocess
import sys
import tomllib
import venv
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CASE = "first_order_approximation"


def _source_copy(dest: Path) -> Path:
    """The tracked files only, so that nothing left in build/ can reach the wheel."""
    try:
        files = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True,
                               check=True).stdout.decode().split("\0")
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("needs a git checkout to know the tracked files")
    for name in filter(None, files):
        if (REPO / name).is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, dest / name)
    return dest


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    source = _source_copy(tmp_path_factory.mktemp("source"))
    out = tmp_path_factory.mktemp("dist")
    result = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(out),
                             str(source)], capture_output=True, text=True, timeout=900,
                            check=False)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    (found,) = out.glob("*.whl")
    return found


def _tracked_package_files() -> set[str]:
    """Every tracked file under harness/, backends/, cases/ (code and data alike)."""
    out = subprocess.run(["git", "ls-files", "harness", "backends", "cases"], cwd=REPO,
                         capture_output=True, text=True, check=True).stdout
    return {name for name in out.splitlines() if (REPO / name).is_file()}


def test_the_wheel_holds_every_package_the_specs_and_the_command(wheel):
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        missing = sorted(_tracked_package_files() - set(names))
        assert not missing, f"left out of the wheel: {missing}"
        info = next(n.split("/")[0] for n in names if n.endswith(".dist-info/METADATA"))
        metadata = zf.read(f"{info}/METADATA").decode()
        entry_points = zf.read(f"{info}/entry_points.txt").decode()
        specs = tomllib.loads(zf.read("harness/envs/specs.toml").decode())
    assert "Name: autodiff-harness" in metadata
    assert "harness = harness.cli:main" in entry_points
    ours = tomllib.loads((REPO / "pyproject.toml").read_text())
    assert specs["dependency-groups"] == ours["dependency-groups"]
    assert specs["tool"]["harness"] == ours["tool"]["harness"]
    assert not any(n.startswith("tests/") for n in names)


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    """A fresh virtual environment with the wheel installed: its bin/ folder."""
    root = tmp_path_factory.mktemp("venv")
    venv.create(root, with_pip=True)
    result = subprocess.run([str(root / "bin" / "python"), "-m", "pip", "install", "--no-deps",
                             str(wheel)], capture_output=True, text=True, timeout=600,
                            check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    return root / "bin"


def _outside(tmp_path) -> dict:
    """Run from a folder that is not the checkout, with nothing of it on PYTHONPATH."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["HARNESS_ENV_DIR"] = os.environ.get("HARNESS_ENV_DIR") or str(REPO / ".envs")
    return env


def test_the_installed_command_reports_its_version_and_every_command(installed, tmp_path):
    from harness import __version__
    result = subprocess.run([str(installed / "harness"), "--version"], cwd=tmp_path,
                            env=_outside(tmp_path), capture_output=True, text=True, check=False)
    assert result.returncode == 0 and result.stdout.strip() == f"harness {__version__}"
    result = subprocess.run([str(installed / "harness"), "--help"], cwd=tmp_path,
                            env=_outside(tmp_path), capture_output=True, text=True, check=False)
    for command in ("run", "compare", "envs", "pytest", "doc", "bench"):
        assert f"\n    {command} " in result.stdout, result.stdout


def test_the_installed_harness_runs_from_another_directory(installed, tmp_path, numpy_python):
    """`harness run --backends numpy` with no checkout in sight: cases and specs come from
    the installed package, the workers import it (not the checkout) in the numpy env."""
    out = tmp_path / "out"
    result = subprocess.run([str(installed / "harness"), "run", "--backends", "numpy",
                             "--cases", CASE, "--out", str(out)], cwd=tmp_path,
                            env=_outside(tmp_path), capture_output=True, text=True,
                            timeout=900, check=False)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert {"run.json", "junit.xml", "report.html"} <= {p.name for p in out.iterdir()}
    envs = subprocess.run([str(installed / "harness"), "envs"], cwd=tmp_path,
                          env=_outside(tmp_path), capture_output=True, text=True, check=False)
    assert envs.returncode == 0 and "numpy" in envs.stdout
