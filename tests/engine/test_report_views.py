"""The text and JUnit views of a finished run, in process (the mutation suite's core).

A run with every kind of verdict is finished here from synthetic results; the
expected lines and counts are derived from those inputs, not read off the output.
"""

import xml.etree.ElementTree as ET

import pytest
from synthetic import reference, result

from harness.reports.junit import junit_xml
from harness.reports.table import LABELS, detail_lines, render
from harness.run.results import finish

G = [1.0, 2.0, 4.0]


@pytest.fixture(scope="module")
def run():
    results = [reference("alpha", {"g": G}), reference("beta", {"g": G, "h": [0.5]})]
    for dtype in ("float32", "float64"):
        results += [result("alpha", "good", {"g": G}, dtype),
                    result("beta", "good", {"g": G, "h": [0.5]}, dtype)]
    results += [
        result("alpha", "bad", {"g": [1.0, 2.0, 5.0]}, "float64",
               methods={"g": "reverse-mode"}),
        result("alpha", "bad", {"g": G}, "float32"),
        result("beta", "bad", status="crashed", message="killed by signal 11"),
        result("beta", "bad", {"g": [9.0, 9.0, 9.0], "h": [0.75]}, "float32"),
        result("alpha", "odd", status="unsupported", message="no hessian"),
        result("alpha", "odd", status="timeout", dtype="float32", message="no result in 2 s"),
        result("beta", "odd", {"g": G, "h": [0.5]}, "float64"),
        result("beta", "odd", status="error", dtype="float32", message="it raised"),
    ]
    return finish({"results": results, "cases": [{"id": "beta"}, {"id": "alpha"}],
                   "problems": [{"kind": "junk", "backend": "odd", "case": None,
                                 "dtype": None, "detail": "not JSON"}]})


def grid(block: str) -> dict:
    """{case: {backend: label}} from one dtype's block of the table."""
    lines = [ln.split() for ln in block.splitlines() if ln.strip() and not ln.startswith("==")]
    header = lines[0]
    rows = [ln for ln in lines[1:] if len(ln) == len(header)]
    return {r[0]: dict(zip(header[1:], r[1:])) for r in rows}


def test_the_table_has_a_grid_per_dtype_with_each_cells_worst_verdict(run):
    text = render(run, "table")
    f32, f64 = text.split("Details")[0].split("== float64 ==")
    assert f32.startswith("== float32 ==")
    g32, g64 = grid(f32), grid(f64)
    assert list(g32) == list(g64) == ["beta", "alpha"]    # the run's case order
    assert text.splitlines()[1].split()[:2] == ["case", "reference"]
    assert g32["beta"] == {"reference": "ok", "good": "ok", "bad": "DISAGREE", "odd": "ERROR"}
    assert g32["alpha"] == {"reference": "ok", "good": "ok", "bad": "ok", "odd": "TIMEOUT"}
    assert g64["beta"] == {"reference": "ok", "good": "ok", "bad": "CRASHED", "odd": "ok"}
    assert g64["alpha"] == {"reference": "ok", "good": "ok", "bad": "DISAGREE",
                            "odd": "unsupported"}
    assert text.rstrip().endswith(f"exit status {run['exit_status']}")
    counts = ", ".join(f"{n} {k}" for k, n in run["summary"].items() if n)
    assert counts in text


def test_details_name_every_verdict_that_is_not_agree_once(run):
    lines = detail_lines(run)
    bad64 = [ln for ln in lines if ln.startswith("alpha [bad float64]")]
    assert bad64 == [("alpha [bad float64] g: disagree: max abs err 1, max rel err 0.25 at "
                      "index (2,) (max abs 1, max rel 0.25; tolerance rtol=1e-09, atol=1e-11;"
                      " method reverse-mode); odd one out: bad")]
    # one line for a crash that took every output, not one per output
    assert [ln for ln in lines if ln.startswith("beta [bad float64]")] == [
        "beta [bad float64] crashed: Injected: killed by signal 11"]
    assert "beta [odd float32] all outputs: error: Injected: it raised" not in lines
    assert "beta [odd float32] g, h: error: Injected: it raised" in lines
    assert "alpha [odd float64] unsupported: Injected: no hessian" in lines
    assert "junk [odd]: not JSON" in lines
    not_agree = {(v["case"], v["backend"], v["dtype"]) for v in run["verdicts"]
                 if v["verdict"] != "agree"}
    for case, backend, dtype in not_agree:
        assert any(ln.startswith(f"{case} [{backend} {dtype}]") for ln in lines)
    assert not any("[good " in ln for ln in lines)


def test_many_outputs_are_summed_up_and_odd_ones_named():
    outs = {f"o{i}": [1.0] for i in range(5)}
    run = finish({"results": [reference("c", outs), result("c", "x", outs),
                              result("c", "y", outs),
                              result("c", "z", status="error", message="boom")],
                  "cases": []})
    (line,) = detail_lines(run)
    assert line == "c [z float64] 5 outputs (o0, o1, o2, ...): error: Injected: boom"
    wrong = finish({"results": [reference("c", {"g": G}), result("c", "x", {"g": G}),
                                result("c", "y", {"g": G}),
                                result("c", "z", {"g": [0.0, 2.0, 4.0]})], "cases": []})
    (line,) = detail_lines(wrong)
    assert line.endswith("; odd one out: z") and "method value" in line


def test_markdown_and_json(run):
    md = render(run, "markdown")
    assert "### float32" in md and "### float64" in md
    header = next(ln for ln in md.splitlines() if ln.startswith("| case |"))
    columns = [c.strip() for c in header.strip("|").split("|")]
    beta = next(ln for ln in md.splitlines() if ln.startswith("| beta |"))
    row = dict(zip(columns, (c.strip() for c in beta.strip("|").split("|"))))
    assert row == {"case": "beta", "reference": "ok", "good": "ok", "bad": "DISAGREE",
                   "odd": "ERROR"}
    assert "### Details" in md and md.rstrip().endswith("**")
    import json
    assert json.loads(render(run, "json"))["summary"] == run["summary"]
    assert LABELS[None] == "-"


def junit(run):
    root = ET.fromstring(junit_xml(run))
    return root, {s.get("name"): s for s in root.iter("testsuite")}


def test_junit_counts_and_elements(run):
    root, suites = junit(run)
    assert root.tag == "testsuites" and root.get("name") == "harness"
    assert set(suites) == {"reference", "good", "bad", "odd"}
    want = {"reference": (4, 0, 0, 0), "good": (4, 0, 0, 0), "bad": (4, 2, 1, 0),
            "odd": (4, 0, 2, 1)}
    for name, (tests, failures, errors, skipped) in want.items():
        s = suites[name]
        assert (s.get("tests"), s.get("failures"), s.get("errors"), s.get("skipped")) == (
            str(tests), str(failures), str(errors), str(skipped)), name
    tcs = {(tc.get("classname"), tc.get("name")): tc for tc in suites["odd"]}
    timeout = tcs[("odd.float32", "alpha")].find("error")
    assert timeout.get("type") == "timeout"
    assert timeout.get("message") == "timeout: g timeout"
    assert "no result in 2 s" in timeout.text
    skipped = tcs[("odd.float64", "alpha")].find("skipped")
    assert skipped.get("message") == "unsupported: g unsupported"
    fail = {(tc.get("classname"), tc.get("name")): tc for tc in suites["bad"]}[
        ("bad.float32", "beta")].find("failure")
    assert fail.get("type") == "disagree" and fail.get("message") == \
        "disagree: g disagree; h disagree"
    assert fail.text.count("\n") == 1   # one detail line per output


def test_junit_times_come_from_the_results():
    results = [reference("c", {"g": G}), result("c", "x", {"g": G})]
    results[1]["seconds"] = 1.25
    results[0]["seconds"] = None
    run = finish({"results": results, "cases": []})
    _, suites = junit(run)
    assert suites["x"].get("time") == "1.250"
    assert [tc.get("time") for tc in suites["x"]] == ["1.250"]
    assert suites["reference"].get("time") == "0.000"
