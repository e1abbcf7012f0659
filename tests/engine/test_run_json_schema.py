"""run.json harness-run/2 stores each distinct array once; `compare` still reads /1.

fixtures/run-harness-run-1.json was written by `harness run --backends numpy --cases
norm_gradient` at commit cb54734, the last harness-run/1 version.
"""

import json
from pathlib import Path

from run_files import read_run_file

from harness.common.protocol import Array

FIXTURES = Path(__file__).resolve().parent / "fixtures"
V1 = FIXTURES / "run-harness-run-1.json"


def test_each_distinct_array_is_stored_once_and_referenced(harness, tmp_path, numpy_python):
    result = harness("run", "--backends", "numpy", "--cases", "quadratic_approximation",
                     "--dtypes", "float64", "--out", tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    raw = json.loads((tmp_path / "run.json").read_text())
    assert raw["format"] == "harness-run/2"
    refs = [(r["backend"], name, value["array"]) for r in raw["results"]
            for name, value in r["outputs"].items()]
    assert refs and all(key in raw["arrays"] for _, _, key in refs)
    assert set(raw["arrays"]) == {key for _, _, key in refs}         # nothing unreferenced
    contents = [json.dumps(a, sort_keys=True) for a in raw["arrays"].values()]
    assert len(set(contents)) == len(contents)                        # each stored once
    by = {(backend, name): key for backend, name, key in refs}
    # the grid is the same input on every backend: one copy for the reference and numpy
    assert by[("reference", "grid_x")] == by[("numpy", "grid_x")]
    assert len(raw["arrays"]) < len(refs)
    memory = read_run_file(tmp_path)
    grid = Array.decode(next(r for r in memory["results"] if r["backend"] == "numpy")
                        ["outputs"]["grid_x"])
    assert grid.shape == (101, 101)


def test_compare_reads_a_harness_run_1_file(harness, tmp_path):
    old = json.loads(V1.read_text())
    assert old["format"] == "harness-run/1" and "arrays" not in old
    result = harness("compare", V1, "--out", tmp_path, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    new = read_run_file(tmp_path)
    assert new["format"] == "harness-run/2"
    assert {v["verdict"] for v in new["verdicts"]} == {"agree"}
    for before, after in zip(old["results"], new["results"], strict=True):
        assert before["outputs"] == after["outputs"]          # bit for bit, now by reference
        numdifftools = before["backend"] == "numpy"           # /1 named its method only
        assert set(after["tolerance_classes"].values()) == \
            {"numerical" if numdifftools else "exact"}
