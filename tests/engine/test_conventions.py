"""Convention cases through the real commands: convention, disagree, known, changed.

Synthetic runs (a convention case's rule in its metadata, answers encoded as a worker
sends them) go through `harness compare`, so the verdicts, the exit status, the
terminal text and junit.xml are what a user sees. Recorded answers are read from
cases/conventions/outcomes.tsv, never typed in here.
"""

import json
import os
import xml.etree.ElementTree as ET

import pytest

from harness.common.protocol import encode_floats
from harness.conventions import OUTCOMES_PATH
from harness.conventions.verdicts import load_outcomes
from harness.run.results import FORMAT

INTERVAL = {"kind": "interval", "low": [-1.0], "high": [1.0], "why": "test rule"}
SIMPLEX = {"kind": "simplex", "support": [0, 1], "size": 3, "why": "test rule"}


def _result(case, backend, answer, dtype="float64"):
    outputs = {} if answer is None else {"grad": encode_floats(answer, dtype=dtype)}
    return {"case": case, "backend": backend, "dtype": dtype if answer is not None else
            "float64", "status": "ok", "outputs": outputs, "methods": {"grad": "autodiff"},
            "error": None, "seconds": 0.01}


def _run(tmp_path, case, rule, answers: dict, versions=None, name="run") -> str:
    """A run.json with a reference (no outputs, as for every convention case) and answers."""
    results = [_result(case, "reference", None)]
    results += [_result(case, b, a) for b, a in answers.items()]
    backends = {b: {"version": (versions or {}).get(b, "0.0-test")} for b in answers}
    doc = {"format": FORMAT, "created": "2026-11-26T00:00:00", "argv": [], "options": {},
           "seeds": {"run": 0, "cases": {}}, "environment": {"backends": backends},
           "timings": {}, "problems": [],
           "cases": [{"id": case, "title": case, "section": "Conventions", "order": 1,
                      "outputs": ["grad"], "kind": "convention", "rules": {"grad": rule}}],
           "results": results}
    folder = tmp_path / name
    folder.mkdir()
    (folder / "run.json").write_text(json.dumps(doc))
    return str(folder)


def _compare(harness, read_run, tmp_path, run_dir):
    out = tmp_path / "merged"
    proc = harness("compare", run_dir, "--out", out)
    return proc, read_run(out), out


def _verdicts(run) -> dict:
    return {v["backend"]: v for v in run["verdicts"] if v["backend"] != "reference"}


def test_valid_answers_that_differ_are_a_convention_and_exit_0(harness, read_run, tmp_path):
    low, high = INTERVAL["low"][0], INTERVAL["high"][0]
    run_dir = _run(tmp_path, "conventions/test_kink", INTERVAL,
                   {"fw_a": [low], "fw_b": [high], "fw_c": [(low + high) / 2]})
    proc, run, out = _compare(harness, read_run, tmp_path, run_dir)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert {b: v["verdict"] for b, v in _verdicts(run).items()} == \
        {"fw_a": "convention", "fw_b": "convention", "fw_c": "convention"}
    assert "Conventions" in proc.stdout and "not a failure" in proc.stdout
    suite = ET.parse(out / "junit.xml").getroot()
    assert sum(int(s.get("failures")) + int(s.get("errors")) for s in suite) == 0


def test_an_answer_outside_the_valid_set_is_disagree(harness, read_run, tmp_path):
    outside = INTERVAL["high"][0] + 0.5
    run_dir = _run(tmp_path, "conventions/test_kink", INTERVAL,
                   {"fw_a": [0.0], "fw_b": [outside]})
    proc, run, out = _compare(harness, read_run, tmp_path, run_dir)
    rows = _verdicts(run)
    assert proc.returncode == 1
    assert rows["fw_b"]["verdict"] == "disagree" and rows["fw_b"]["odd_one_out"] == "fw_b"
    assert rows["fw_a"]["verdict"] == "convention"
    failures = ET.parse(out / "junit.xml").getroot().iter("failure")
    assert [f.get("type") for f in failures] == ["disagree"]


@pytest.mark.parametrize("weights, verdict", [((0.5, 0.5, 0.0), "agree"),
                                               ((1.0, 1.0, 0.0), "disagree"),
                                               ((0.0, 0.0, 1.0), "disagree"),
                                               ((1.5, -0.5, 0.0), "disagree")])
def test_gradient_of_a_tied_maximum_must_be_a_convex_combination(
        harness, read_run, tmp_path, weights, verdict):
    run_dir = _run(tmp_path, "conventions/test_tie", SIMPLEX,
                   {"fw_a": list(weights), "fw_b": list(weights)})
    _, run, _ = _compare(harness, read_run, tmp_path, run_dir)
    assert {v["verdict"] for v in _verdicts(run).values()} == {verdict}


def _a_recorded(case, output="grad", dtype="float64", backend="torch"):
    by_version = load_outcomes()[case][output][dtype][backend]
    version = list(by_version)[-1]
    return version, by_version[version]


def test_an_answer_that_differs_from_the_recorded_one_is_changed(harness, read_run, tmp_path):
    case = "conventions/abs_at_zero"
    version, recorded = _a_recorded(case)
    new = [0.5 if recorded[0] != 0.5 else -0.5]  # still valid: only the change is reported
    run_dir = _run(tmp_path, case, INTERVAL, {"torch": new}, versions={"torch": version})
    proc, run, out = _compare(harness, read_run, tmp_path, run_dir)
    row = _verdicts(run)["torch"]
    assert proc.returncode == 1
    assert row["verdict"] == "changed"
    assert f"recorded {recorded[0]:g}" in row["detail"] and f"now {new[0]:g}" in row["detail"]
    assert [f.get("type") for f in ET.parse(out / "junit.xml").getroot().iter("failure")] == \
        ["changed"]


def test_a_recorded_answer_outside_the_valid_set_is_known_and_passes(
        harness, read_run, tmp_path):
    case = "conventions/where_sqrt_untaken"
    version, recorded = _a_recorded(case)
    rule = {"kind": "point", "value": [0.0], "why": "test rule"}
    if recorded == [0.0]:
        pytest.fail("torch's recorded answer is valid here; pick a recorded bug instead")
    run_dir = _run(tmp_path, case, rule, {"torch": recorded}, versions={"torch": version})
    proc, run, _ = _compare(harness, read_run, tmp_path, run_dir)
    assert _verdicts(run)["torch"]["verdict"] == "known"
    assert proc.returncode == 0, proc.stdout


def test_outcomes_file_is_whole_and_covers_every_convention_case():
    import cases
    outcomes = load_outcomes()
    ids = {e["id"] for e in cases.case_index(groups=("conventions",))}
    assert len(ids) >= 12
    assert set(outcomes) == ids, f"record them: harness conventions record RUN ({OUTCOMES_PATH})"


def test_readme_table_matches_a_fresh_run(harness, tmp_path):
    """The README's Conventions table is what a fresh run of every backend prints."""
    from harness import envs
    missing = [n for n in envs.declared_groups() if envs.status(n)["state"] != "ready"]
    if missing:
        message = f"needs every environment (missing {missing}): harness envs --create ..."
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    out = tmp_path / "fresh"
    proc = harness("run", "--cases", "conventions/*", "--out", out, timeout=1800)
    assert proc.returncode in (0, 1), proc.stderr
    readme = tmp_path / "README.md"
    readme.write_text((OUTCOMES_PATH.parents[2] / "README.md").read_text(encoding="utf-8"))
    before = readme.read_text(encoding="utf-8")
    table = harness("conventions", "table", out, "--readme", readme)
    assert table.returncode == 0, table.stderr
    assert readme.read_text(encoding="utf-8") == before, \
        "README's table differs from a fresh run: harness conventions table RUN --readme README.md"
    assert proc.returncode == 0, f"a convention changed or is wrong:\n{proc.stdout[-3000:]}"
