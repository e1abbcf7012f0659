"""A backend added from outside the repository (an entry point), through the real command.

What docs/adding-a-backend.md promises: a distribution on the path that declares an
entry point in the group "harness.backends" is a backend like the built-in ones,
without editing harness/ or backends/; it runs in the numpy environment unless
--python names another interpreter; a broken one is reported, never fatal to the
run, and cannot replace a built-in backend.
"""

import subprocess
import sys
from pathlib import Path

import pytest
from faulty_backend import environment, install
from run_files import read_run_file

CASE = "chain_rule_forward"


@pytest.fixture(scope="module")
def plugin_dir(tmp_path_factory) -> Path:
    """The faulty backend package, plus distributions declaring odd entry points."""
    root = install(tmp_path_factory.mktemp("plugins"))
    extra = {
        "viamodule": "faulty_backend.adapter",            # a module: its ADAPTER is used
        "broken": "no_such_module_for_harness:Backend",   # cannot be imported
        "numpy": "no_such_module_for_harness:Backend",    # must not shadow the built-in
    }
    dist = root / "odd_backends-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: odd-backends\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text(
        "[harness.backends]\n" + "".join(f"{k} = {v}\n" for k, v in extra.items()))
    return root


def harness(plugin_dir, *args, timeout=300):
    return subprocess.run([sys.executable, "-m", "harness", *map(str, args)],
                          env=environment(plugin_dir), capture_output=True, text=True,
                          timeout=timeout, check=False)


def test_the_registry_lists_entry_points_without_importing_them(plugin_dir):
    code = ("import sys, backends; print(','.join(backends.available())); "
            "print(sorted(m for m in ('numpy', 'faulty_backend', 'no_such_module_for_harness')"
            " if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], env=environment(plugin_dir),
                            capture_output=True, text=True, timeout=60, check=False)
    names, imported = result.stdout.splitlines()
    assert {"faulty", "faulty2", "viamodule", "broken", "numpy"} <= set(names.split(","))
    assert imported == "[]"


def test_unknown_backend_lists_the_third_party_ones_too(plugin_dir, tmp_path):
    result = harness(plugin_dir, "run", "--backends", "faulty,nosuch", "--out", tmp_path)
    assert result.returncode == 2
    assert "unknown backend(s) nosuch" in result.stderr
    assert "faulty" in result.stderr and "faulty2" in result.stderr


@pytest.mark.parametrize("name", ["faulty", "viamodule"])
def test_an_entry_point_backend_runs_like_a_built_in_one(plugin_dir, tmp_path, numpy_python,
                                                         name):
    result = harness(plugin_dir, "run", "--backends", f"numpy,{name}", "--cases", CASE,
                     "--out", tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    run = read_run_file(tmp_path)
    mine = [v for v in run["verdicts"] if v["backend"] == name]
    assert mine and {v["verdict"] for v in mine} == {"agree"}
    assert {r["status"] for r in run["results"]} == {"ok"}
    info = run["environment"]["backends"][name]
    # no environment of its own: it ran in the numpy one, and says so
    assert Path(info["env"]).resolve() == Path(numpy_python).resolve()
    assert info["methods"]["grad"] and info["version"]


def test_python_option_chooses_the_interpreter(plugin_dir, tmp_path, numpy_python):
    result = harness(plugin_dir, "run", "--backends", "faulty", "--cases", CASE, "--dtypes",
                     "float64", "--python", f"faulty={numpy_python}", "--out", tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    run = read_run_file(tmp_path)
    assert run["environment"]["backends"]["faulty"]["env"] == numpy_python


def test_a_backend_that_cannot_load_is_reported_and_the_others_finish(plugin_dir, tmp_path,
                                                                      numpy_python):
    result = harness(plugin_dir, "run", "--backends", "numpy,broken", "--cases", CASE,
                     "--out", tmp_path)
    assert result.returncode == 1
    run = read_run_file(tmp_path)
    broken = [r for r in run["results"] if r["backend"] == "broken"]
    assert len(broken) == 2 and {r["status"] for r in broken} == {"error"}
    assert all(r["error"]["type"] == "BackendUnavailable" and
               "no_such_module_for_harness" in r["error"]["message"] for r in broken)
    assert "cannot import" in run["environment"]["backends"]["broken"]["error"]
    assert {v["verdict"] for v in run["verdicts"] if v["backend"] == "broken"} == {"error"}
    assert {v["verdict"] for v in run["verdicts"] if v["backend"] == "numpy"} == {"agree"}
    assert f"{CASE} [broken float64]" in result.stdout and "BackendUnavailable" in result.stdout


def test_an_entry_point_cannot_replace_a_built_in_backend(plugin_dir, tmp_path, numpy_python):
    result = harness(plugin_dir, "run", "--backends", "numpy", "--cases", CASE, "--dtypes",
                     "float64", "--out", tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    run = read_run_file(tmp_path)
    assert "numdifftools" in run["environment"]["backends"]["numpy"]["methods"]["grad"]
