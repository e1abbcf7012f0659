"""Environments through the real `harness envs` command, on a tiny spec of local wheels.

HARNESS_SPECS points the harness at a spec file of its own: two made-up distributions,
served from a local folder with every index off, so that building, checking and
repairing an environment needs no network. The installer is pip (HARNESS_UV=0) and,
where a uv is at hand already, uv too.
"""

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
HERE = f"{sys.version_info.major}.{sys.version_info.minor}"


def _wheel(folder: Path, name: str, version: str, body: str = "VALUE = 1\n") -> None:
    """A minimal pure-Python wheel: one package, its METADATA, WHEEL and RECORD."""
    info = f"{name}-{version}.dist-info"
    files = {f"{name}/__init__.py": body,
             f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
             f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\n"
                              "Tag: py3-none-any\n"}
    files[f"{info}/RECORD"] = "".join(f"{f},,\n" for f in files) + f"{info}/RECORD,,\n"
    folder.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(folder / f"{name}-{version}-py3-none-any.whl", "w") as zf:
        for path, text in files.items():
            zf.writestr(path, text)


def _spec(path: Path, python: str, two: str = "1.0") -> Path:
    path.write_text(f"""
[dependency-groups]
base = ["tinyone==1.0"]
tiny = [{{include-group = "base"}}, "tinytwo=={two}"]
tools = ["uv==0.13.9"]

[tool.harness.envs]
tiny = {{ python = "{python}" }}
""")
    return path


def _uv() -> str | None:
    """A uv already on this machine (PATH, or the harness's tool folder); None if none."""
    root = Path(os.environ.get("HARNESS_ENV_DIR") or REPO / ".envs")
    found = sorted(root.glob(".tools/uv-*/bin/uv")) + [Path(p) for p in [shutil.which("uv")] if p]
    return str(found[0]) if found else None


@pytest.fixture(params=["pip", "uv"])
def world(request, tmp_path):
    """Environment variables for a hermetic harness: tiny spec, local wheels, own env root."""
    uv = _uv()
    if request.param == "uv" and not uv:
        pytest.skip("no uv on this machine yet (the harness installs one on first use)")
    _wheel(tmp_path / "wheels", "tinyone", "1.0")
    _wheel(tmp_path / "wheels", "tinytwo", "1.0")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "UV_"))}
    env.update(PYTHONPATH=str(REPO), HARNESS_ENV_DIR=str(tmp_path / "envs"),
               HARNESS_SPECS=str(_spec(tmp_path / "specs.toml", HERE)),
               PIP_CONFIG_FILE=os.devnull, PIP_NO_INDEX="1",
               PIP_FIND_LINKS=str(tmp_path / "wheels"), UV_CACHE_DIR=str(tmp_path / "uv-cache"),
               HARNESS_UV=uv if request.param == "uv" else "0")
    return env


def harness(*args, env, python=sys.executable):
    return subprocess.run([python, "-m", "harness", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=600, check=False)


def tiny(env, python=sys.executable) -> dict:
    result = harness("envs", "--json", env=env, python=python)
    assert result.returncode == 0, result.stderr
    (row,) = json.loads(result.stdout)
    return row


def site(env) -> Path:
    (found,) = Path(env["HARNESS_ENV_DIR"], "tiny").glob("lib/python*/site-packages")
    return found


def test_an_environment_is_built_from_its_group_and_is_ready(world):
    assert tiny(world)["state"] == "missing"
    result = harness("envs", "--create", "tiny", env=world)
    assert result.returncode == 0, result.stderr
    row = tiny(world)
    assert row["state"] == "ready" and row["problems"] == []
    assert row["python"].startswith(HERE + ".") and row["framework"] == "tinytwo"
    assert (site(world) / "tinyone" / "__init__.py").is_file()  # the included group


def _other_python() -> str | None:
    """A Python of another minor version that runs, or None."""
    from harness.envs import interpreters
    for minor in range(20, 7, -1):
        version = (3, minor)
        if f"3.{minor}" != HERE and version >= (3, 11):
            found = interpreters.find(version)
            if found:
                return found
    return None


def test_another_python_neither_rebuilds_nor_deletes_an_environment(world):
    """13.2: the harness run with another interpreter than the environment's sees it ready,
    and `envs --create` leaves it as it is (same files, no rebuild)."""
    other = _other_python()
    if not other:
        pytest.skip("no second Python (3.11+) on this machine")
    assert harness("envs", "--create", "tiny", env=world).returncode == 0
    marker = Path(world["HARNESS_ENV_DIR"], "tiny", "harness-env.json")
    before = (marker.stat().st_ino, marker.stat().st_mtime_ns, marker.read_text())
    assert tiny(world, python=other)["state"] == "ready"
    result = harness("envs", "--create", "tiny", env=world, python=other)
    assert result.returncode == 0, result.stderr
    assert "rebuilding" not in result.stderr and "creating" not in result.stderr
    assert (marker.stat().st_ino, marker.stat().st_mtime_ns, marker.read_text()) == before
    assert tiny(world)["state"] == "ready"  # and the first Python still agrees


def test_an_environment_is_built_with_the_python_it_declares(world, tmp_path):
    other = _other_python()
    if not other:
        pytest.skip("no second Python (3.11+) on this machine")
    from harness.envs import interpreters
    wanted = interpreters.dotted(interpreters.version_of(other))
    world["HARNESS_SPECS"] = str(_spec(tmp_path / "other.toml", wanted))
    result = harness("envs", "--create", "tiny", env=world)
    assert result.returncode == 0, result.stderr
    assert tiny(world)["python"].startswith(wanted + ".")


def test_a_python_that_cannot_be_found_is_named(world, tmp_path):
    world["HARNESS_SPECS"] = str(_spec(tmp_path / "far.toml", "3.99"))
    world["HARNESS_UV"] = "0"  # uv could download one; pip cannot
    result = harness("envs", "--create", "tiny", env=world)
    assert result.returncode == 1
    assert "harness envs: error: tiny: environment 'tiny' needs Python 3.99" in result.stderr
    assert "pyenv install 3.99" in result.stderr and "Traceback" not in result.stderr
    assert tiny(world)["state"] == "missing"


def test_a_deleted_package_is_detected_and_repaired(world):
    """13.10: a package removed from site-packages makes the environment `damaged` (not
    ready), and `envs --create` puts it back."""
    assert harness("envs", "--create", "tiny", env=world).returncode == 0
    shutil.rmtree(site(world) / "tinytwo")
    row = tiny(world)
    assert row["state"] == "damaged"
    assert row["problems"] == ["tinytwo==1.0: missing tinytwo"]
    assert "damaged" in harness("envs", env=world).stdout
    result = harness("envs", "--create", "tiny", env=world)
    assert result.returncode == 0, result.stderr
    assert "reinstalling tinytwo==1.0" in result.stderr
    assert tiny(world)["state"] == "ready"
    assert (site(world) / "tinytwo" / "__init__.py").read_text() == "VALUE = 1\n"


def test_check_imports_the_pins_and_create_check_repairs(world):
    """A package whose files are there but do not import passes the cheap check; --check
    imports it, says damaged (exit 1), and --create --check repairs it."""
    assert harness("envs", "--create", "tiny", env=world).returncode == 0
    broken = site(world) / "tinyone" / "__init__.py"
    broken.unlink()  # not written in place: uv hard-links files from its cache
    broken.write_text("raise ImportError('broken on purpose')\n")
    assert tiny(world)["state"] == "ready"
    result = harness("envs", "--check", "--json", env=world)
    assert result.returncode == 1
    (row,) = json.loads(result.stdout)
    assert row["state"] == "damaged"
    assert any("tinyone: import tinyone failed" in p and "broken on purpose" in p
               for p in row["problems"])
    result = harness("envs", "--create", "--check", env=world)
    assert result.returncode == 0, result.stderr
    assert (site(world) / "tinyone" / "__init__.py").read_text() == "VALUE = 1\n"


def test_a_changed_pin_is_stale_and_rebuilt(world, tmp_path):
    assert harness("envs", "--create", "tiny", env=world).returncode == 0
    _wheel(tmp_path / "wheels", "tinytwo", "2.0", body="VALUE = 2\n")
    world["HARNESS_SPECS"] = str(_spec(tmp_path / "specs.toml", HERE, two="2.0"))
    assert tiny(world)["state"] == "stale"
    result = harness("envs", "--create", env=world)
    assert result.returncode == 0, result.stderr
    assert tiny(world)["framework_version"] == "2.0"


def test_the_cache_key_names_python_and_pins(world, tmp_path):
    """`envs --key` (CI's cache key) changes with a pin and with the Python, not otherwise."""
    def key(**spec):
        world["HARNESS_SPECS"] = str(_spec(tmp_path / "k.toml", **spec))
        result = harness("envs", "--key", "tiny", env=world)
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()
    base = key(python=HERE)
    assert key(python=HERE) == base
    assert len({base, key(python=HERE, two="2.0"), key(python="3.99")}) == 3


def test_a_run_with_another_python_uses_the_real_environment_as_it_is(tmp_path, numpy_python):
    """The issue's check on a real environment: `harness run` started with another Python
    than the numpy environment's runs in it, and neither rebuilds nor touches it."""
    other = _other_python()
    if not other:
        pytest.skip("no second Python (3.11+) on this machine")
    marker = Path(numpy_python).parents[1] / "harness-env.json"
    before = (marker.stat().st_ino, marker.stat().st_mtime_ns)
    env = dict(os.environ, PYTHONPATH=str(REPO))
    result = subprocess.run([other, "-m", "harness", "run", "--backends", "numpy", "--cases",
                             "first_order_approximation", "--out", str(tmp_path / "out")],
                            cwd=REPO, env=env, capture_output=True, text=True, timeout=900,
                            check=False)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "rebuilding" not in result.stderr and "creating" not in result.stderr
    assert (marker.stat().st_ino, marker.stat().st_mtime_ns) == before
