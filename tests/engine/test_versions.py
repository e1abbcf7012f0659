"""The version axis through the real commands: runs of two versions of one framework,
made separately (other machines), merged by `harness compare` into a versions view.

Synthetic run.json files keep these fast and framework-free; the test that builds two
real environments of different versions is test_version_envs.py.
"""

import json

from harness.common.protocol import encode_floats
from harness.run.results import FORMAT

CASE = "some_case"
REF = [1.0, 2.0]


def _result(backend, values, dtype="float64", status="ok"):
    outputs = {"g": encode_floats(values, dtype=dtype)} if status == "ok" else {}
    error = None if status == "ok" else {"type": "RuntimeError", "message": "boom",
                                         "traceback": ""}
    return {"case": CASE, "backend": backend, "dtype": dtype, "status": status,
            "outputs": outputs, "methods": {"g": "autodiff"}, "error": error, "seconds": 0.1}


def _write_run(folder, backend, version, results):
    doc = {"format": FORMAT, "created": "2026-11-26T00:00:00", "argv": [], "options": {},
           "seeds": {"run": 0, "cases": {}}, "timings": {}, "problems": [],
           "environment": {"backends": {backend: {"version": version}}},
           "cases": [{"id": CASE, "title": CASE, "section": "s", "order": 1, "outputs": ["g"]}],
           "results": [_result("reference", REF)] + results}
    folder.mkdir()
    (folder / "run.json").write_text(json.dumps(doc))
    return folder


def test_a_value_changed_between_versions_is_in_the_versions_view(harness, read_run, tmp_path):
    new = _write_run(tmp_path / "new", "jax", "0.10.2", [_result("jax", REF)])
    changed = [REF[0], REF[1] * 1.5]
    old = _write_run(tmp_path / "old", "jax@0.4.38", "0.4.38",
                     [_result("jax@0.4.38", changed, dtype="float32"),
                      _result("jax@0.4.38", changed)])
    proc = harness("compare", new, old, "--out", tmp_path / "merged")
    run = read_run(tmp_path / "merged")
    (entry,) = run["versions"]
    assert (entry["framework"], entry["baseline"], entry["backend"]) == ("jax", "jax@0.4.38",
                                                                        "jax")
    assert entry["baseline_version"] == "0.4.38" and entry["version"] == "0.10.2"
    kinds = {(c["case"], c["output"], c["dtype"], c["kind"]) for c in entry["changes"]}
    assert (CASE, "g", "float64", "value") in kinds
    assert (CASE, "*", "float32", "status") not in kinds  # the newer run has no float32
    assert "Versions" in proc.stdout and "jax (0.10.2) against jax@0.4.38 (0.4.38)" in proc.stdout
    assert proc.returncode == 1  # the old version disagrees with the reference


def test_a_new_error_between_versions_is_a_status_change(harness, read_run, tmp_path):
    old = _write_run(tmp_path / "old", "torch@2.5.1", "2.5.1", [_result("torch@2.5.1", REF)])
    new = _write_run(tmp_path / "new", "torch@2.13.0", "2.13.0",
                     [_result("torch@2.13.0", [], status="error")])
    harness("compare", old, new, "--out", tmp_path / "merged")
    (entry,) = read_run(tmp_path / "merged")["versions"]
    assert entry["baseline"] == "torch@2.5.1"
    assert [(c["kind"], c["detail"]) for c in entry["changes"]] == [("status", "ok -> error")]


def test_one_version_per_framework_has_no_versions_view(harness, read_run, tmp_path):
    only = _write_run(tmp_path / "only", "jax", "0.10.2", [_result("jax", REF)])
    proc = harness("compare", only, "--out", tmp_path / "merged")
    assert read_run(tmp_path / "merged")["versions"] == []
    assert "Versions" not in proc.stdout and proc.returncode == 0
