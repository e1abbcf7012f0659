"""The text and JUnit views of a finished run, in process (the mutation suite's core).

A run with every kind of verdict is finished here from synthetic results; the
expected lines and counts are derived from those inputs, not read off the output.
"""

import json
import xml.etree.ElementTree as ET

import pytest
from synthetic import reference, result

from harness import reports
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


def render(run, name):
    return reports.render(run, name)


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
    assert set(g32) == set(g64) == {"beta", "alpha"}
    assert text.splitlines()[1].split()[:2] == ["case", "reference"]
    assert g32["beta"] == {"reference": "ok", "good": "ok", "bad": "DISAGREE", "odd": "ERROR"}
    assert g32["alpha"] == {"reference": "ok", "good": "ok", "bad": "ok", "odd": "TIMEOUT"}
    assert g64["beta"] == {"reference": "ok", "good": "ok", "bad": "CRASHED", "odd": "ok"}
    assert g64["alpha"] == {"reference": "ok", "good": "ok", "bad": "DISAGREE",
                            "odd": "unsupported"}
    assert text.rstrip().endswith(f"exit status {run['exit_status']}")
    counts = ", ".join(f"{n} {k}" for k, n in run["summary"].items() if n)
    assert counts in text


def details(run) -> list:
    text = render(run, "table")
    return [ln[2:] for ln in text.split("Details")[1].splitlines() if ln.startswith("- ")]


def test_details_name_every_verdict_that_is_not_agree_once(run):
    lines = details(run)
    (bad64,) = [ln for ln in lines if ln.startswith("alpha [bad float64]")]
    for piece in ("g: disagree", "5.0 vs expected 4.0 at index (2,)", "max abs err 1",
                  "max rel err 0.25", "tolerance rtol=1e-09, atol=1e-11", "reverse-mode",
                  "odd one out: bad"):
        assert piece in bad64, piece
    # one line for a crash that took every output, not one per output
    assert [ln for ln in lines if ln.startswith("beta [bad float64]")] == [
        "beta [bad float64] crashed: Injected: killed by signal 11"]
    assert "beta [odd float32] g, h: error: Injected: it raised" in lines
    assert "alpha [odd float64] unsupported: Injected: no hessian" in lines
    assert "alpha [odd float32] timeout: Injected: no result in 2 s" in lines
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
    (line,) = details(run)
    assert line.startswith("c [z float64] ") and line.endswith("error: Injected: boom")
    assert "o0" in line and "5 outputs" in line
    wrong = finish({"results": [reference("c", {"g": G}), result("c", "x", {"g": G}),
                                result("c", "y", {"g": G}),
                                result("c", "z", {"g": [0.0, 2.0, 4.0]})], "cases": []})
    (line,) = details(wrong)
    assert line.endswith("; odd one out: z")


def test_markdown_and_json(run):
    md = render(run, "markdown")
    assert "float32" in md and "float64" in md
    header = next(ln for ln in md.splitlines() if ln.startswith("| case |"))
    columns = [c.strip() for c in header.strip("|").split("|")]
    beta = next(ln for ln in md.splitlines() if ln.startswith("| beta |"))
    row = dict(zip(columns, (c.strip() for c in beta.strip("|").split("|"))))
    assert row == {"case": "beta", "reference": "ok", "good": "ok", "bad": "DISAGREE",
                   "odd": "ERROR"}
    assert json.loads(render(run, "json"))["summary"] == run["summary"]


def junit(run):
    root = ET.fromstring(render(run, "junit"))
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
    totals = [sum(w[i] for w in want.values()) for i in range(4)]
    assert [int(root.get(k)) for k in ("tests", "failures", "errors", "skipped")] == totals
    tcs = {(tc.get("classname"), tc.get("name")): tc for tc in suites["odd"]}
    timeout = tcs[("odd.float32", "alpha")].find("error")
    assert timeout.get("type") == "timeout" and "no result in 2 s" in timeout.get("message")
    skipped = tcs[("odd.float64", "alpha")].find("skipped")
    assert "no hessian" in skipped.get("message")
    assert list(tcs[("odd.float64", "beta")]) == []
    fail = {(tc.get("classname"), tc.get("name")): tc for tc in suites["bad"]}[
        ("bad.float32", "beta")].find("failure")
    assert fail.get("type") == "disagree"
    assert "g: disagree" in fail.get("message") and "h: disagree" in fail.get("message")


def test_junit_times_come_from_the_results():
    results = [reference("c", {"g": G}), result("c", "x", {"g": G})]
    results[1]["seconds"] = 1.25
    results[0]["seconds"] = None
    run = finish({"results": results, "cases": []})
    root, suites = junit(run)
    assert suites["x"].get("time") == "1.250"
    assert [tc.get("time") for tc in suites["x"]] == ["1.250"]
    assert suites["reference"].get("time") == "0.000"
    assert root.get("time") == "1.250"
