"""Bad input through the real command: names, results files, half-built environments, --out races.

Extends test_run_command.py (usage errors) and test_compare_files.py (refused
results files): every known name is listed, nothing is written on a usage error,
the leftovers of a killed run are refused by name, an environment whose
provisioning was interrupted is detected and rebuilt (never run), and concurrent
runs sharing --out leave one consistent set of files.
"""

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from faulty_backend import REPO, environment, install
from run_files import read_run_file

CASE = "chain_rule_forward"


def harness(*args, env=None, timeout=300):
    return subprocess.run([sys.executable, "-m", "harness", *map(str, args)], cwd=REPO,
                          env=env or environment(REPO), capture_output=True, text=True,
                          timeout=timeout, check=False)


def known_backends() -> list[str]:
    return sorted(p.stem for p in (REPO / "backends").glob("*.py")
                  if not p.stem.startswith("_") and p.stem != "base")


def known_cases() -> list[str]:
    sys.path.insert(0, str(REPO))
    try:
        import cases
        return [e["id"] for e in cases.case_index()]
    finally:
        sys.path.remove(str(REPO))


# ---- names ---------------------------------------------------------------------------------

@pytest.mark.parametrize("args, unknown", [
    (["--backends", "tourch,numpy,jaxx"], "tourch, jaxx"),
])
def test_unknown_backends_are_all_named_and_every_known_one_listed(tmp_path, args, unknown):
    result = harness("run", *args, "--out", tmp_path / "out", timeout=60)
    assert result.returncode == 2
    message = result.stderr.strip()
    assert f"unknown backend(s) {unknown}" in message
    assert all(name in message.split("known:")[1] for name in known_backends())
    assert not (tmp_path / "out").exists()  # nothing written, not even a partial file


def test_unknown_case_pattern_is_named_among_good_ones(tmp_path):
    result = harness("run", "--cases", f"{CASE},chain_rule_*,no_such_*", "--out",
                     tmp_path / "out", timeout=60)
    assert result.returncode == 2
    assert "no case matches no_such_*;" in result.stderr
    listed = result.stderr.split("known:")[1]
    assert all(c in listed for c in known_cases())
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("command", [["envs", "--create", "tourch"], ["pytest", "tourch"]])
def test_unknown_environment_names_exit_2_listing_the_declared_ones(command):
    result = harness(*command, timeout=60)
    assert result.returncode == 2
    assert "unknown environment(s) tourch; known: jax, mxnet, numpy, tensorflow, torch" in \
        result.stderr


# ---- results files -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def good_run(tmp_path_factory, numpy_python) -> Path:
    out = tmp_path_factory.mktemp("good")
    result = harness("run", "--backends", "numpy", "--cases", CASE, "--dtypes", "float64",
                     "--out", out)
    assert result.returncode == 0, result.stderr
    return out


def _mutations(doc: dict, text: str) -> dict:
    newer = dict(doc, format="harness-run/3")
    status = json.loads(text)
    status["results"][0]["status"] = "exploded"
    return {
        "newer": (json.dumps(newer), ("format 'harness-run/3', this harness reads "
                             "'harness-run/2' and 'harness-run/1'")),
        "status": (json.dumps(status), "unknown result status exploded"),
        "results": (json.dumps(dict(doc, results={"a": 1})), "\"results\" is missing or malformed"),
        "array": ("[1, 2, 3]", "not a harness results file"),
        # cut short at the end (mid-string), mid-number and mid-literal: all "truncated"
        "cut-end": (text[:-3], "truncated JSON"),
        "cut-number": (text[:text.rindex("e-") + 2], "truncated JSON"),
        "cut-null": (text[:text.rindex(": null") + 5], "truncated JSON"),
        # what a killed run leaves behind: one JSON object per line, never a run.json
        "partial": ("\n".join(json.dumps(r) for r in doc["results"]) + "\n", "not JSON"),
    }


@pytest.mark.parametrize("kind", ["newer", "status", "results", "array", "cut-end", "cut-number",
                                  "cut-null", "partial"])
def test_compare_refuses_bad_files_by_name_and_writes_nothing(tmp_path, good_run, kind):
    text = (good_run / "run.json").read_text()
    bad_text, words = _mutations(json.loads(text), text)[kind]
    folder = tmp_path / f"job-{kind}"  # given as a folder, the message names the file
    folder.mkdir()
    (folder / "run.json").write_text(bad_text)
    result = harness("compare", good_run, folder, "--out", tmp_path / "out", timeout=60)
    assert result.returncode == 2, result.stdout + result.stderr
    assert f"{folder / 'run.json'}: " in result.stderr and words in result.stderr
    assert not (tmp_path / "out").exists()


# ---- an environment whose provisioning was interrupted ------------------------------------

def _half_built(root: Path) -> Path:
    """root/numpy as a killed `envs --create numpy` leaves it: a venv, no marker.

    Its python only records that it was run, and fails."""
    bin_dir = root / "numpy" / "bin"
    bin_dir.mkdir(parents=True)
    (root / "numpy" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    sentinel = root / "USED"
    python = bin_dir / "python"
    python.write_text(f"#!/bin/sh\ntouch {sentinel}\nexit 1\n")
    python.chmod(0o755)
    return sentinel


def _states(env) -> dict:
    result = harness("envs", "--json", env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    return {row["name"]: row["state"] for row in json.loads(result.stdout)}


def test_envs_tells_missing_incomplete_and_stale_apart(tmp_path):
    env = dict(environment(REPO), HARNESS_ENV_DIR=str(tmp_path))
    _half_built(tmp_path)
    for name in ("torch", "jax"):  # a marker that is cut short, and one for other pins
        (tmp_path / name / "bin").mkdir(parents=True)
        (tmp_path / name / "bin" / "python").write_text("")
    (tmp_path / "torch" / "harness-env.json").write_text('{"name": "torch", "pyth')
    (tmp_path / "jax" / "harness-env.json").write_text(json.dumps(
        {"name": "jax", "python": "3.11", "framework": "jax", "framework_version": "0.0.1",
         "requirements_hash": "0000000000000000"}))
    assert _states(env) == {"numpy": "incomplete", "torch": "incomplete", "jax": "stale",
                            "tensorflow": "missing", "mxnet": "missing"}
    table = harness("envs", env=env, timeout=60).stdout
    assert any(line.split()[:2] == ["numpy", "incomplete"] for line in table.splitlines())


def test_a_half_built_environment_is_rebuilt_never_run(tmp_path, numpy_python):
    """`run` meets the half-built numpy env: it rebuilds it (here pip may not download, so
    the rebuild fails fast) and reports that on every numpy result; the broken
    interpreter is never started and the folder is never marked ready."""
    root = tmp_path / "envs"
    sentinel = _half_built(root)
    env = dict(environment(REPO), HARNESS_ENV_DIR=str(root), PIP_NO_INDEX="1",
               PIP_FIND_LINKS=str(tmp_path / "no-wheels"), PIP_CONFIG_FILE=os.devnull)
    out = tmp_path / "out"
    result = harness("run", "--backends", "numpy", "--cases", CASE, "--dtypes", "float64",
                     "--python", f"reference={numpy_python}", "--out", out, env=env)
    assert result.returncode == 1
    assert f"[numpy] environment is incomplete; rebuilding {root / 'numpy'}" in result.stderr
    assert not sentinel.exists(), "the half-built environment's python was run"
    run = read_run_file(out)
    (numpy_result,) = [r for r in run["results"] if r["backend"] == "numpy"]
    assert numpy_result["status"] == "error"
    assert "environment 'numpy'" in numpy_result["error"]["message"]
    assert "creating environment 'numpy' failed" in numpy_result["error"]["message"]
    assert {r["status"] for r in run["results"] if r["backend"] == "reference"} == {"ok"}
    assert _states(env)["numpy"] == "incomplete"
    assert not (root / "numpy" / "harness-env.json").exists()


# ---- two runs writing the same --out at once ----------------------------------------------

def test_concurrent_runs_sharing_out_leave_one_consistent_set(tmp_path, numpy_python):
    """Three runs with different backends into one folder: the files that remain all come
    from one run (run.json, junit.xml and report.html agree), nothing is half-written."""
    plugins = install(tmp_path / "plugins")
    out = tmp_path / "shared"
    variants = {"numpy": "", "faulty": f"raise@{CASE}@float64", "numpy,faulty": ""}
    procs = {}
    for seed, (backends, fault) in enumerate(variants.items()):
        cmd = [sys.executable, "-m", "harness", "run", "--backends", backends, "--cases", CASE,
               "--out", str(out), "--seed", str(seed)]
        procs[backends] = subprocess.Popen(cmd, cwd=REPO, env=environment(plugins, fault),
                                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                           text=True)
    for backends, proc in procs.items():
        stdout, stderr = proc.communicate(timeout=300)
        assert proc.returncode == (1 if variants[backends] else 0), stderr
        assert f"exit status {proc.returncode}" in stdout
    run = read_run_file(out)
    winner = run["options"]["backends"]
    assert winner in variants and run["seeds"]["run"] == list(variants).index(winner)
    suites = {s.get("name") for s in ET.parse(out / "junit.xml").getroot()}
    assert suites == {"reference", *winner.split(",")}
    assert {v["backend"] for v in run["verdicts"]} == suites
    html = (out / "report.html").read_text()
    assert html.rstrip().endswith("</html>")
    assert ("faulty" in html) == ("faulty" in winner)
    names = sorted(p.name for p in out.iterdir())
    assert set(names) == {".harness-out.lock", "run.json", "junit.xml", "report.html"}, names
