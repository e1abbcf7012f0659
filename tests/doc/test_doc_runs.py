"""`python -m harness doc` on small fixture chapters, run in the real tab environments.

The cells use plain Python and numpy (present in every env), so each run is quick;
the chapter test exercises the frameworks themselves.
"""

import math

import pytest
from doc_helpers import FIXTURES, run_doc


def test_tab_selected_branches_run_only_the_selected_body(doc):
    run = doc("selected.md")
    printed = {tab: run.outputs(tab)[-1]["stdout"] for tab in ("mxnet", "pytorch", "tensorflow")}
    assert printed == {"mxnet": "value is 11\n", "pytorch": "value is 2\n",
                       "tensorflow": "value is 3\n"}
    assert run.rc == 1      # the tabs print different values: that is drift


def test_all_cells_run_in_every_tab_after_that_tab_s_own_cells(doc):
    run = doc("all.md")
    assert run.rc == 0, run.stdout + run.stderr
    for tab in ("mxnet", "pytorch"):
        assert run.outputs(tab)[-1]["stdout"] == "second is 2\n"
    assert run.findings() == []


def test_percent_tab_cells_run_in_their_tabs(doc):
    run = doc("percent_tab.md", "--tabs", "pytorch,tensorflow")
    assert run.outputs("pytorch")[-1]["stdout"] == "pytorch\n"
    assert run.outputs("tensorflow")[-1]["stdout"] == "tensorflow or jax\n"
    assert set(run.doc["tabs"]) == {"pytorch", "tensorflow"}


def test_a_failing_cell_is_reported_with_its_lines_and_later_cells_still_run(doc):
    run = doc("failing_cell.md")
    assert run.rc == 1
    (err,) = run.findings("error")
    lines = (FIXTURES / "failing_cell.md").read_text().splitlines()
    raise_line = lines.index("raise ValueError('boom in mxnet')") + 1
    start, end = err["lines"]["mxnet"]
    assert err["odd_tabs"] == ["mxnet"] and start <= raise_line <= end
    assert err["items"][0]["line"] == raise_line
    assert "ValueError: boom in mxnet" in err["detail"]
    mx = run.outputs("mxnet")
    assert f"line {raise_line}" in mx[0]["error"]["traceback"]
    assert mx[-1]["stdout"] == "b is 2\n" and run.outputs("pytorch")[-1]["stdout"] == "b is 2\n"
    assert "boom in mxnet" in run.stdout


def test_a_tab_whose_interpreter_dies_is_reported_and_the_others_still_run(doc):
    run = doc("crash.md")
    assert run.rc == 1
    assert run.doc["tabs"]["pytorch"]["status"] == "failed"
    assert "crashed" in run.doc["tabs"]["pytorch"]["error"]
    assert run.doc["tabs"]["mxnet"]["status"] == "ok"
    assert run.outputs("mxnet")[-1]["stdout"] == "after\n"
    assert run.outputs("pytorch")[-1]["status"] == "not run"


def test_equal_values_laid_out_differently_are_layout_not_drift(doc):
    run = doc("transposed.md")
    assert run.findings("drift") == [], run.stdout
    (finding,) = run.findings("layout")          # one finding for the cell group
    layout = {i["what"]: i["layout"] for i in finding["items"]}
    for name in ("X", "Y", "Z"):
        assert layout[f"variable {name}"].startswith("transposed")
    assert "size-1" in layout["variable s"]
    assert run.rc == 0
    assert "variable X: transposed" in run.stdout


def test_a_real_numeric_drift_is_reported_with_place_and_size(doc):
    run = doc("drift.md")
    assert run.rc == 1
    (finding,) = run.findings("drift")       # the variable and its printout: one problem
    lines = (FIXTURES / "drift.md").read_text().splitlines()
    assert finding["section"] == "Quadratic" and finding["tabs"] == ["pytorch", "tensorflow"]
    first = lines.index("#@tab pytorch") + 1        # 1-based: the first line in the fence
    assert finding["lines"]["pytorch"] == [first, first + 4]
    # two tabs, no case: nobody can say which one is odd
    assert finding["odd_tabs"] == [] and finding["odd_by"] == "neither"
    q = run.item("drift", "variable q")
    # the tabs differ by x**2 on linspace(-1, 1, 5): largest at the ends, 1.0
    assert math.isclose(q["max_abs"], 1.0) and q["worst_index"] in ([0], [4])
    printed = run.item("drift", "printed output")
    assert printed["printed"] == ["q at 1 is 3.0", "q at 1 is 4.0"]
    assert math.isclose(printed["max_abs"], 1.0)
    assert "drift [Quadratic] (pytorch" in run.stdout and "cannot tell which tab" in run.stdout


def test_reports_are_written(doc):
    run = doc("drift.md")
    html = (run.out_dir / "doc.html").read_text()
    assert "class='finding drift'" in html and "variable q" in html
    assert run.doc["summary"]["drift"] == 1 and run.doc["findings"][0]["id"] == "F1"
    assert run.doc["format"] == "harness-doc/1" and run.doc["exit_status"] == 1
    assert "jax" in run.doc["missing_tabs"] and "no jax tab" in run.stdout


@pytest.mark.parametrize("make, args, message", [
    (lambda d: d / "missing.md", [], "no such chapter file"),
    (lambda d: _write(d / "bin.md", b"\x89PNG\x00\x01"), [], "not markdown"),
    (lambda d: _write(d / "nb.ipynb", b'{"cells": []}'), [], "JSON"),
    (lambda d: FIXTURES / "no_cells.md", [], "no code cells"),
    (lambda d: FIXTURES / "drift.md", ["--default-tab", "paddle"], "unknown --default-tab"),
    (lambda d: FIXTURES / "drift.md", ["--tabs", "mxnet"], "not a tab of this chapter"),
])
def test_usage_errors_exit_2(tmp_path, make, args, message):
    run = run_doc(make(tmp_path), tmp_path / "out", *args)
    assert run.rc == 2 and message in run.stderr
    assert not (tmp_path / "out").exists()


def _write(path, data):
    path.write_bytes(data)
    return path


def test_a_cell_past_its_timeout_stops_its_tab_only(doc):
    run = doc("timeout.md", "--cell-timeout", "3")
    assert run.rc == 1
    mx = run.doc["tabs"]["mxnet"]
    assert mx["status"] == "failed" and "timeout" in mx["error"] and "line 6" in mx["error"]
    assert run.outputs("mxnet")[-1]["status"] == "not run"
    assert run.outputs("pytorch")[-1]["stdout"] == "after the long cell\n"
    assert run.doc["timings"]["total_s"] < 60


def test_a_tab_without_an_environment_is_reported_as_skipped(doc):
    run = doc("unknown_tab.md")
    paddle = run.doc["tabs"]["paddle"]
    assert paddle["status"] == "skipped" and "no harness environment" in paddle["error"]
    assert run.doc["tabs"]["pytorch"]["status"] == "ok"
    assert "tab paddle" in run.stdout and run.rc == 0


def test_the_d2l_shim_plots_headless_and_names_what_it_lacks(doc):
    run = doc("shim.md")
    plot, missing = run.outputs("pytorch")
    assert plot["status"] == "ok" and plot["magics"] == ["%matplotlib inline"]
    assert len(plot["figures"]) == 1 and (run.out_dir / plot["figures"][0]).stat().st_size > 0
    assert missing["status"] == "error"
    assert "not provided by harness's d2l shim" in missing["error"]["message"]


def test_a_drift_in_a_cell_calling_a_kinked_api_names_the_convention_cases(doc):
    run = doc("convention_kink.md")
    (drift,) = run.findings("drift")
    assert "slope" in drift["what"]
    assert "conventions/relu_at_zero" in drift["conventions"]
    assert "conventions/relu_at_zero" in drift["detail"]


def test_a_drift_in_a_cell_without_such_calls_names_no_convention(doc):
    (drift,) = doc("drift.md").findings("drift")
    assert drift["conventions"] == []
