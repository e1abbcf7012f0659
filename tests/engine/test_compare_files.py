"""`harness compare`: merging runs from separate jobs, and results files it must refuse."""

import json

import pytest
from run_files import read_run_file, write_run_file


@pytest.fixture(scope="module")
def one_run(tmp_path_factory, harness, two_cases, numpy_python):
    """A real numpy run to reuse: its folder."""
    out = tmp_path_factory.mktemp("numpy_run")
    result = harness("run", "--backends", "numpy", "--cases", two_cases, "--out", out)
    assert result.returncode == 0, result.stderr
    return out


def test_merging_separate_runs_gives_the_verdicts_of_one_run(harness, read_run, tmp_path,
                                                            one_run, two_cases):
    jax = tmp_path / "jax"
    assert harness("run", "--backends", "jax", "--cases", two_cases, "--out", jax).returncode == 0
    merged = tmp_path / "merged"
    result = harness("compare", one_run, jax / "run.json", "--out", merged)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "reference  numpy  jax" in result.stdout or "reference  jax  numpy" in result.stdout
    run = read_run(merged)
    assert run["format"] == "harness-run/2" and len(run["merged_from"]) == 2
    assert {v["backend"] for v in run["verdicts"]} == {"reference", "numpy", "jax"}
    assert {v["verdict"] for v in run["verdicts"]} == {"agree"}
    # the reference is in both files; identical copies are one result, no conflict
    refs = [r for r in run["results"] if r["backend"] == "reference"]
    assert len(refs) == len(two_cases.split(",")) and not run["problems"]
    assert any(p["a"] in ("numpy", "jax") and p["b"] in ("numpy", "jax") for p in run["pairwise"])
    assert (merged / "junit.xml").exists()
    page = (merged / "report.html").read_text(encoding="utf-8")
    assert page.rstrip().endswith("</html>") and "jax" in page and "numpy" in page


def test_a_changed_copy_of_a_result_is_a_conflict(harness, tmp_path, one_run):
    run = read_run_file(one_run)
    ref = next(r for r in run["results"] if r["backend"] == "reference")
    ref["status"], ref["outputs"] = "error", {}
    other = tmp_path / "other.json"
    write_run_file(other, run)
    result = harness("compare", one_run, other, "--out", tmp_path / "m")
    assert result.returncode == 1
    assert "conflict" in result.stdout and "other.json" in result.stdout


def _bad_files(good: str):
    doc = json.loads(good)
    old = dict(doc, format="harness-run/0")
    no_ref = dict(doc, results=[r for r in doc["results"] if r["backend"] != "reference"])
    return {
        "truncated": (good[: len(good) // 2], "truncated"),
        "notjson": ("<html>not json</html>", "not JSON"),
        "empty": ("", "empty file"),
        "version": (json.dumps(old), ("format 'harness-run/0', this harness reads "
                               "'harness-run/2' and 'harness-run/1'")),
        "noref": (json.dumps(no_ref), "no reference results"),
        "noformat": (json.dumps({"results": []}), "not a harness results file"),
    }


@pytest.mark.parametrize("kind", ["truncated", "notjson", "empty", "version", "noref",
                                  "noformat"])
def test_bad_results_files_are_named_and_refused(harness, tmp_path, one_run, kind):
    text, words = _bad_files((one_run / "run.json").read_text())[kind]
    bad = tmp_path / f"{kind}.json"
    bad.write_text(text)
    result = harness("compare", one_run, bad, "--out", tmp_path / "out")
    assert result.returncode == 2, result.stderr
    assert str(bad) in result.stderr and words in result.stderr
    assert not (tmp_path / "out").exists()


def test_a_missing_file_is_named(harness, tmp_path):
    result = harness("compare", tmp_path / "nowhere", "--out", tmp_path / "out")
    assert result.returncode == 2 and "nowhere: no such file" in result.stderr
