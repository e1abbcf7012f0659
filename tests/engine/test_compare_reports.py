"""`harness compare` on synthetic run files: what a user sees in junit.xml, report.html,
the table and the exit status, checked against counts derived from run.json.

The inputs are made here (tests/engine/synthetic.py), so every verdict is known
before the command runs: a disagreement, an error, a crash, a timeout, an
unsupported op and plain agreement, spread over backends and dtypes.
"""

import json
import xml.etree.ElementTree as ET

import pytest
from synthetic import reference, result, write_run

ERROR_VERDICTS = ("error", "crashed", "timeout", "interrupted")
G = [1.0, 2.0, 4.0]


def mixed_results():
    """Two cases, three backends, two dtypes: every kind of testcase outcome at least once."""
    out = [reference("alpha", {"g": G}), reference("beta", {"g": G, "h": [0.5]})]
    for dtype in ("float32", "float64"):
        out += [result("alpha", "good", {"g": G}, dtype),
                result("beta", "good", {"g": G, "h": [0.5]}, dtype)]
    out += [result("alpha", "bad", {"g": [1.0, 2.0, 5.0]}, "float64"),        # failure
            result("alpha", "bad", {"g": G}, "float32"),
            result("beta", "bad", status="crashed", message="signal 11"),      # error
            result("beta", "bad", {"g": G, "h": [0.75]}, "float32"),           # failure
            result("alpha", "odd", status="unsupported", message="no hessian"),  # skipped
            result("alpha", "odd", status="timeout", dtype="float32", message="no result"),
            result("beta", "odd", {"g": G, "h": [0.5]}, "float64"),
            result("beta", "odd", status="error", dtype="float32", message="raised")]
    return out


@pytest.fixture(scope="module")
def compared(tmp_path_factory, harness):
    root = tmp_path_factory.mktemp("compare")
    results = mixed_results()
    first = write_run(root / "one" / "run.json", [r for r in results if r["backend"] != "odd"])
    second = write_run(root / "two" / "run.json",
                       [r for r in results if r["backend"] in ("reference", "odd")])
    proc = harness("compare", first, second, "--out", root / "out")
    return proc, root / "out"


def expected_counts(run: dict) -> dict:
    """{backend: {tests, failures, errors, skipped}} from run.json's verdicts alone.

    A testcase is one (case, backend, dtype): an error if any output errored,
    crashed, timed out or was interrupted; else a failure if any disagrees; else
    skipped if any is unsupported.
    """
    cells: dict = {}
    for v in run["verdicts"]:
        cells.setdefault(v["backend"], {}).setdefault((v["case"], v["dtype"]), set()).add(
            v["verdict"])
    counts = {}
    for backend, per in cells.items():
        c = {"tests": len(per), "failures": 0, "errors": 0, "skipped": 0}
        for verdicts in per.values():
            if verdicts & set(ERROR_VERDICTS):
                c["errors"] += 1
            elif "disagree" in verdicts:
                c["failures"] += 1
            elif "unsupported" in verdicts:
                c["skipped"] += 1
        counts[backend] = c
    return counts


def test_junit_suite_counts_match_the_verdicts_in_run_json(compared):
    proc, out = compared
    assert proc.returncode == 1, proc.stdout + proc.stderr
    run = json.loads((out / "run.json").read_text())
    want = expected_counts(run)
    # the inputs really hold every outcome, so no count can be right by being zero
    assert want["bad"] == {"tests": 4, "failures": 2, "errors": 1, "skipped": 0}
    assert want["odd"] == {"tests": 4, "failures": 0, "errors": 2, "skipped": 1}
    assert want["good"] == {"tests": 4, "failures": 0, "errors": 0, "skipped": 0}
    root = ET.parse(out / "junit.xml").getroot()
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    assert set(suites) == set(want) == {"reference", "good", "bad", "odd"}
    for name, suite in suites.items():
        got = {k: int(suite.get(k)) for k in ("tests", "failures", "errors", "skipped")}
        assert got == want[name], name
        cases = suite.findall("testcase")
        assert len(cases) == got["tests"]
        for tag, key in (("failure", "failures"), ("error", "errors"), ("skipped", "skipped")):
            assert sum(1 for tc in cases if tc.find(tag) is not None) == got[key], (name, tag)
    # and the totals CI summaries read on <testsuites> are the sums
    for key in ("tests", "failures", "errors", "skipped"):
        assert int(root.get(key)) == sum(c[key] for c in want.values()), key


def test_junit_testcases_name_the_case_backend_dtype_and_cause(compared):
    _, out = compared
    root = ET.parse(out / "junit.xml").getroot()
    by = {(s.get("name"), tc.get("classname"), tc.get("name")): tc
          for s in root.iter("testsuite") for tc in s.findall("testcase")}
    failure = by[("bad", "bad.float64", "alpha")].find("failure")
    assert failure.get("type") == "disagree"
    assert "g" in failure.get("message") and "disagree" in failure.get("message")
    crash = by[("bad", "bad.float64", "beta")].find("error")
    assert crash.get("type") == "crashed" and "signal 11" in crash.get("message")
    assert by[("odd", "odd.float32", "alpha")].find("error").get("type") == "timeout"
    assert "no hessian" in by[("odd", "odd.float64", "alpha")].find("skipped").get("message")
    assert list(by[("good", "good.float32", "beta")]) == []


def test_compare_writes_report_html_with_every_backend_and_case(compared):
    _, out = compared
    page = (out / "report.html").read_text(encoding="utf-8")
    assert page.rstrip().endswith("</html>")
    for word in ("alpha", "beta", "good", "bad", "odd", "signal 11"):
        assert word in page, word


def test_the_table_shows_each_cells_worst_verdict(compared):
    proc, _ = compared
    lines = {ln.split()[0]: ln.split()[1:] for ln in proc.stdout.splitlines()
             if ln.startswith(("alpha ", "beta "))}
    assert "DISAGREE" in " ".join(lines["alpha"]) and "CRASHED" in " ".join(lines["beta"])
    assert "exit status 1" in proc.stdout


# ---- two copies of one result that differ: the first one is kept, and said so ----------

@pytest.mark.parametrize("order", ["agreeing first", "disagreeing first"])
def test_conflicting_copies_keep_the_first_and_say_which(harness, tmp_path, order):
    agreeing = write_run(tmp_path / "agreeing" / "run.json",
                         [reference("alpha", {"g": G}), result("alpha", "x", {"g": G})])
    disagreeing = write_run(tmp_path / "disagreeing" / "run.json",
                            [reference("alpha", {"g": G}),
                             result("alpha", "x", {"g": [1.0, 2.0, 7.0]})])
    files = [agreeing, disagreeing] if order == "agreeing first" else [disagreeing, agreeing]
    proc = harness("compare", *files, "--out", tmp_path / "out")
    run = json.loads((tmp_path / "out" / "run.json").read_text())
    (verdict,) = [v for v in run["verdicts"] if v["backend"] == "x"]
    kept_agreeing = order == "agreeing first"
    assert verdict["verdict"] == ("agree" if kept_agreeing else "disagree")
    assert verdict["max_abs"] == (0.0 if kept_agreeing else 3.0)
    (conflict,) = [p for p in run["problems"] if p["kind"] == "conflict"]
    assert (conflict["backend"], conflict["case"], conflict["dtype"]) == ("x", "alpha", "float64")
    assert f"kept the one from {files[0]}" in conflict["detail"]
    assert f"kept the one from {files[0]}" in proc.stdout
    assert proc.returncode == 1  # a conflict is a problem even when the kept copy agrees
    # identical copies of the reference are one result, not a conflict
    assert [r["backend"] for r in run["results"]].count("reference") == 1
