"""The result cache through the real `harness run`: a second run reuses the reference's and
the numpy backend's results bit for bit, editing the case's source or --no-cache recomputes.

The runs use a copy of the repository (so a case can be edited without touching the
checkout other tests read) and a cache folder of their own ($HARNESS_CACHE_DIR).
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CASE = "norm_gradient"
CACHED = {"reference", "numpy"}


@pytest.fixture(scope="module")
def repo_copy(tmp_path_factory, numpy_python):
    root = tmp_path_factory.mktemp("cache") / "repo"
    shutil.copytree(REPO, root, ignore=shutil.ignore_patterns(
        ".git", ".envs", "results", "__pycache__", ".tox", "*.egg-info"))
    return root


def _run(repo: Path, out: Path, *extra) -> dict:
    env = {**os.environ, "PYTHONPATH": str(repo),
           "HARNESS_CACHE_DIR": str(repo.parent / "result-cache")}
    result = subprocess.run(
        [sys.executable, "-m", "harness", "run", "--backends", "numpy", "--cases", CASE,
         "--out", str(out), *extra], cwd=repo, env=env, capture_output=True, text=True,
        timeout=600, check=False)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    return json.loads((out / "run.json").read_text())


def _results(run: dict) -> dict:
    return {(r["case"], r["backend"], r["dtype"]): r for r in run["results"]}


def test_second_run_reuses_identical_numbers_and_an_edit_misses(repo_copy, tmp_path):
    first = _run(repo_copy, tmp_path / "first")
    assert not [r for r in first["results"] if r.get("cached")]

    second = _run(repo_copy, tmp_path / "second")
    got, want = _results(second), _results(first)
    assert set(got) == set(want) and {k[1] for k in got} == CACHED
    for key, record in got.items():
        assert record["cached"]["key"], key
        assert record["outputs"] == want[key]["outputs"], key   # the same bits
        assert list(record["outputs"]) == list(want[key]["outputs"]), key   # same order
        assert record["methods"] == want[key]["methods"], key
    for backend in CACHED:
        timing = second["timings"]["backends"][backend]
        assert timing["workers"] == 0 and timing["cached_results"] == len(
            [k for k in got if k[1] == backend])
        assert second["environment"]["backends"][backend]["from_cache"] is True
    assert second["summary"] == first["summary"]
    assert second["verdicts"] == first["verdicts"]   # the same, in the same order

    forced = _run(repo_copy, tmp_path / "forced", "--no-cache")
    assert not [r for r in forced["results"] if r.get("cached")]

    case_file = repo_copy / "cases" / f"{CASE}.py"
    case_file.write_text(case_file.read_text() + "\n# edited: the cache must miss\n")
    edited = _run(repo_copy, tmp_path / "edited")
    assert not [r for r in edited["results"] if r.get("cached")]
    again = _run(repo_copy, tmp_path / "again")
    assert {k for k, r in _results(again).items() if r.get("cached")} == set(got)


def test_an_interpreter_given_with_python_is_never_cached(repo_copy, tmp_path, numpy_python):
    for name in ("first", "second"):
        run = _run(repo_copy, tmp_path / name, "--python", f"numpy={numpy_python}")
        assert run["results"] and not [r for r in run["results"] if r.get("cached")]


def test_a_damaged_cache_entry_is_recomputed_not_a_crash(repo_copy, tmp_path):
    first = _run(repo_copy, tmp_path / "first")
    entries = sorted((repo_copy.parent / "result-cache").rglob(f"{CASE}@*.json"))
    assert entries, "the first run stored nothing to damage"
    for i, entry in enumerate(entries):   # not JSON, and JSON that is not an object
        entry.write_text("{truncated" if i % 2 else "[1, 2]")
    damaged = _run(repo_copy, tmp_path / "damaged")
    assert not [r for r in damaged["results"] if r.get("cached")]
    assert _results(damaged).keys() == _results(first).keys()
    assert damaged["summary"] == first["summary"]
    again = _run(repo_copy, tmp_path / "again")   # the recomputed results were stored again
    assert {k for k, r in _results(again).items() if r.get("cached")} == set(_results(first))
