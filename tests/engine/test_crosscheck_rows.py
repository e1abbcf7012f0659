"""The cross-check's rows in full: every documented field of a verdict, a pair, a finding.

run.json's `verdicts`, `pairwise`, `findings` and `summary` are what reports and
CI read; each scenario here states every field listed below that its synthetic
inputs must give (README / harness/run/results.py describe them). Fields added
later are not compared, so the rows may grow. In process and fast: part of the
mutation suite.
"""

import math

import pytest
from synthetic import reference, result

from harness.common.tolerances import TOLERANCES
from harness.run.crosscheck import VERDICTS, crosscheck, worst

EXACT64 = {"rtol": TOLERANCES[("float64", "exact")].rtol,
           "atol": TOLERANCES[("float64", "exact")].atol}
G = [1.0, 2.0, 3.0]


def row(case, output, backend, verdict, dtype="float64", **kw):
    base = {"case": case, "output": output, "backend": backend, "dtype": dtype,
            "verdict": verdict, "max_abs": None, "max_rel": None, "worst_index": None,
            "actual": None, "expected": None, "tolerance": None, "method": None, "odd_one_out": None, "detail": ""}
    return {**base, **kw}


def compared(case, output, backend, verdict, max_abs=0.0, max_rel=0.0, worst_index=(0,),
             actual=G[0], expected=G[0], **kw):
    """A row compared with the reference; `actual`, `expected`: the values at worst_index
    (with no error anywhere, the element whose bound is smallest: G's first)."""
    return row(case, output, backend, verdict, max_abs=max_abs, max_rel=max_rel,
               worst_index=list(worst_index), actual=actual, expected=expected, tolerance=kw.pop("tolerance", EXACT64), **kw)


VERDICT_FIELDS = ("case", "output", "backend", "dtype", "verdict", "max_abs", "max_rel",
                  "worst_index", "actual", "expected", "tolerance", "method", "odd_one_out", "detail")
PAIR_FIELDS = ("case", "output", "dtype", "a", "b", "agree", "max_abs", "max_rel",
               "tolerance", "detail")
FINDING_FIELDS = ("kind", "case", "output", "dtype", "backend", "index", "detail")


def fields(row: dict, names) -> dict:
    return {k: row.get(k, "(missing)") for k in names}


def by_backend(rows):
    return {(r["case"], r["output"], r["backend"], r["dtype"]): fields(r, VERDICT_FIELDS)
            for r in rows}


def test_agreement_disagreement_and_the_odd_one_out_in_full():
    off = [1.0, 2.0, 3.5]
    checked = crosscheck([reference("c", {"g": G}), result("c", "a", {"g": G}),
                          result("c", "b", {"g": G}, methods={"g": "reverse-mode"}),
                          result("c", "odd", {"g": off})])
    rows = by_backend(checked["verdicts"])
    assert rows == by_backend([
        row("c", "g", "reference", "agree", method="reference"),
        compared("c", "g", "a", "agree"),
        compared("c", "g", "b", "agree", method="reverse-mode"),
        compared("c", "g", "odd", "disagree", max_abs=0.5, max_rel=0.5 / 3, worst_index=(2,),
                 actual=off[2], expected=G[2],
                 odd_one_out="odd", detail="max abs err 0.5, max rel err 0.167 at index (2,)"),
    ])
    assert len(checked["verdicts"]) == 4
    pairs = {(p["a"], p["b"]): fields(p, PAIR_FIELDS) for p in checked["pairwise"]}
    assert set(pairs) == {("a", "reference"), ("b", "reference"), ("odd", "reference"),
                          ("a", "b"), ("a", "odd"), ("b", "odd")}
    assert pairs[("a", "odd")] == {
        "case": "c", "output": "g", "dtype": "float64", "a": "a", "b": "odd", "agree": False,
        "max_abs": 0.5, "max_rel": 0.5 / 3.5, "tolerance": EXACT64,
        "detail": "max abs err 0.5, max rel err 0.143 at index (2,)"}
    assert pairs[("a", "reference")] == {
        "case": "c", "output": "g", "dtype": "float64", "a": "a", "b": "reference",
        "agree": True, "max_abs": 0.0, "max_rel": 0.0, "tolerance": EXACT64, "detail": ""}
    assert checked["findings"] == []
    assert checked["summary"] == {**{v: 0 for v in VERDICTS}, "agree": 3, "disagree": 1}
    assert list(checked["summary"]) == list(VERDICTS)


def test_reference_outvoted_by_every_framework():
    other = [1.0, 2.0, 4.0]
    checked = crosscheck([reference("c", {"g": G}),
                          *(result("c", b, {"g": other}) for b in "xyz")])
    rows = by_backend(checked["verdicts"])
    assert rows[("c", "g", "reference", "float64")] == row(
        "c", "g", "reference", "disagree", method="reference", odd_one_out="reference",
        detail="the frameworks agree with each other, not with the reference")
    assert rows[("c", "g", "x", "float64")]["odd_one_out"] == "reference"


def test_two_odd_ones_are_named_together_and_a_tie_names_none():
    bad = [9.0, 9.0, 9.0]
    five = [reference("c", {"g": G}), *(result("c", b, {"g": G}) for b in "abc"),
            result("c", "p", {"g": bad}), result("c", "q", {"g": [7.0, 7.0, 7.0]})]
    rows = by_backend(crosscheck(five)["verdicts"])
    assert rows[("c", "g", "p", "float64")]["odd_one_out"] == "p, q"
    tie = [reference("c", {"g": G}), result("c", "a", {"g": G}), result("c", "p", {"g": bad}),
           result("c", "q", {"g": bad})]
    rows = by_backend(crosscheck(tie)["verdicts"])
    assert rows[("c", "g", "p", "float64")]["odd_one_out"] is None


def test_a_failed_reference_and_a_crashed_backend_in_full():
    broken = result("c", "reference", status="error", message="sympy failed")
    checked = crosscheck([broken, result("c", "a", {"g": G}), result("c", "b", {"g": G}),
                          result("c", "z", status="crashed", message="signal 11")])
    assert by_backend(checked["verdicts"]) == by_backend([
        row("c", "g", "reference", "error", detail="reference: Injected: sympy failed"),
        row("c", "g", "z", "crashed", detail="Injected: signal 11"),
        row("c", "g", "a", "error", detail="cannot cross-check: the reference error"),
        row("c", "g", "b", "error", detail="cannot cross-check: the reference error"),
    ])
    assert [(p["a"], p["b"], p["agree"]) for p in checked["pairwise"]] == [("a", "b", True)]
    # nothing computed anywhere: one row per participant, for all outputs ("*")
    nothing = crosscheck([broken, result("c", "z", status="crashed", message="signal 11")])
    assert by_backend(nothing["verdicts"]) == by_backend([
        row("c", "*", "reference", "error", detail="reference: Injected: sympy failed"),
        row("c", "*", "z", "crashed", detail="Injected: signal 11")])
    assert nothing["pairwise"] == [] and nothing["findings"] == []


def test_no_reference_at_all_and_a_status_without_a_message():
    bare = result("c", "z", status="timeout")
    checked = crosscheck([result("c", "a", {"g": G}), bare])
    assert by_backend(checked["verdicts"]) == by_backend([
        row("c", "g", "a", "error", detail="cannot cross-check: no reference result"),
        row("c", "g", "z", "timeout", detail="timeout"),
    ])


def test_outputs_missing_extra_or_absent_from_the_reference():
    checked = crosscheck([reference("c", {"g": G, "h": [1.0]}),
                          result("c", "a", {"g": G, "k": [2.0]})])
    rows = by_backend(checked["verdicts"])
    assert rows[("c", "h", "a", "float64")] == row(
        "c", "h", "a", "error", detail="output 'h' missing")
    assert rows[("c", "k", "a", "float64")] == row(
        "c", "k", "a", "error", detail="cannot cross-check: output 'k' is not in the reference")
    assert rows[("c", "g", "a", "float64")]["verdict"] == "agree"
    assert set(rows) == {("c", n, b, "float64") for n in "ghk" for b in ("a", "reference")} - {
        ("c", "k", "reference", "float64")}


def test_non_finite_everywhere_is_a_finding_in_full():
    nan = [1.0, math.nan, 3.0]
    checked = crosscheck([reference("c", {"g": nan}), result("c", "a", {"g": nan}),
                          result("c", "b", {"g": nan})])
    assert [fields(f, FINDING_FIELDS) for f in checked["findings"]] == [{
        "kind": "non-finite-everywhere", "case": "c", "output": "g", "dtype": "float64",
        "backend": None, "index": [1],
        "detail": "non-finite at index [1] on every backend and the reference (nan)"}]
    rows = by_backend(checked["verdicts"])
    assert rows[("c", "g", "reference", "float64")] == row(
        "c", "g", "reference", "error", method="reference",
        detail="reference: non-finite values in the reference")
    # NaN against NaN never agrees
    assert rows[("c", "g", "a", "float64")]["verdict"] == "disagree"
    assert rows[("c", "g", "a", "float64")]["detail"].startswith("1 non-finite value(s)")


def test_non_finite_in_one_place_only_or_on_some_backends_is_no_finding():
    checked = crosscheck([reference("c", {"g": G}), result("c", "a", {"g": [1.0, math.inf, 3.0]}),
                          result("c", "b", {"g": [1.0, -math.inf, 3.0]})])
    assert checked["findings"] == []
    inf_pair = [p for p in checked["pairwise"] if {p["a"], p["b"]} == {"a", "b"}]
    assert inf_pair[0]["agree"] is False and inf_pair[0]["max_abs"] is None
    mixed = crosscheck([reference("c", {"g": [math.nan, 1.0]}),
                        result("c", "a", {"g": [math.nan, math.nan]}),
                        result("c", "b", {"g": [math.inf, 1.0]})])
    assert [f["index"] for f in mixed["findings"]] == [[0]]
    assert "'inf', 'nan'" not in mixed["findings"][0]["detail"]
    assert mixed["findings"][0]["detail"].endswith("(inf, nan)")


def test_a_2d_finding_index_and_metrics_that_are_not_finite():
    nan = [1.0, 2.0, 3.0, math.nan]
    grid = {"g": nan}
    checked = crosscheck([reference("c", grid), result("c", "a", grid)])
    assert checked["findings"][0]["index"] == [3]
    zero_ref = crosscheck([reference("c", {"g": [0.0]}), result("c", "a", {"g": [1.0]})])
    (a,) = [v for v in zero_ref["verdicts"] if v["backend"] == "a"]
    assert a["max_rel"] == "inf" and a["max_abs"] == 1.0


def test_every_case_and_dtype_gets_its_rows_in_order():
    results = [reference("c1", {"g": G}), reference("c2", {"g": G})]
    for case in ("c1", "c2"):
        for dtype in ("float32", "float64"):
            results.append(result(case, "a", {"g": G}, dtype))
    checked = crosscheck(results, case_order=["c2", "c1"])
    keys = [(v["case"], v["dtype"], v["backend"]) for v in checked["verdicts"]]
    assert keys == [(c, d, b) for c in ("c2", "c1") for d in ("float32", "float64")
                    for b in ("reference", "a")]
    assert len(checked["pairwise"]) == 4


def test_a_case_with_only_a_reference_still_gets_its_rows():
    checked = crosscheck([reference("c", {"g": G})])
    assert [(v["backend"], v["verdict"], v["dtype"]) for v in checked["verdicts"]] == [
        ("reference", "agree", "float64")]


def test_worst_verdict():
    assert worst([]) == "agree"
    assert worst(["agree", "unsupported"]) == "unsupported"
    assert worst(["unsupported", "disagree", "error"]) == "error"
    assert worst(["timeout", "crashed"]) == "crashed"
    assert worst(["crashed", "interrupted"]) == "interrupted"


# ---- the odd one out at its boundaries ----------------------------------------------------

def test_with_three_participants_the_one_that_disagrees_with_both_is_named():
    checked = crosscheck([reference("c", {"g": G}), result("c", "a", {"g": G}),
                          result("c", "odd", {"g": [1.0, 2.0, 9.0]})])
    rows = by_backend(checked["verdicts"])
    assert rows[("c", "g", "odd", "float64")]["odd_one_out"] == "odd"
    assert rows[("c", "g", "reference", "float64")]["verdict"] == "agree"


def test_two_of_four_outvoted_is_a_tie_and_names_none():
    """Closeness is not transitive: with exact float64 tolerance t = atol (expected 0, so
    the rtol term is below 1e-19 t), ref 0, a 0.8t, p 1.6t, q -0.5t give the disagreeing
    pairs (ref, p), (a, q), (p, q): p and q each disagree with two of three (more than
    half), ref and a with one. Two odd ones out of four are not few: none is named."""
    t = TOLERANCES[("float64", "exact")].atol
    values = {"a": 0.8 * t, "p": 1.6 * t, "q": -0.5 * t}
    checked = crosscheck([reference("c", {"g": [0.0]}),
                          *(result("c", b, {"g": [v]}) for b, v in values.items())])
    apart = {frozenset((p["a"], p["b"])) for p in checked["pairwise"] if not p["agree"]}
    assert apart == {frozenset(s) for s in (("p", "reference"), ("a", "q"), ("p", "q"))}
    rows = by_backend(checked["verdicts"])
    assert rows[("c", "g", "p", "float64")]["verdict"] == "disagree"
    assert [r["odd_one_out"] for r in rows.values()] == [None] * 4


# ---- problems with the reference's own value, and rows that keep their method --------------

def test_a_reference_value_in_the_wrong_dtype_is_its_error_and_stops_the_comparison():
    bad_ref = result("c", "reference", {"g": G}, "float32", methods={"g": "reference"})
    bad_ref["dtype"] = "float64"          # the result says float64, its array is float32
    checked = crosscheck([bad_ref, result("c", "a", {"g": G}, methods={"g": "autodiff"}),
                          result("c", "b", {"g": G})])
    problem = "dtype float32, expected float64"
    assert by_backend(checked["verdicts"]) == by_backend([
        row("c", "g", "reference", "error", detail=f"reference: {problem}", method="reference"),
        row("c", "g", "a", "error", detail=f"cannot cross-check: {problem}", method="autodiff"),
        row("c", "g", "b", "error", detail=f"cannot cross-check: {problem}")])
    assert [(p["a"], p["b"], p["agree"]) for p in checked["pairwise"]] == [("a", "b", True)]


def test_an_error_row_names_the_method_the_backend_reported():
    checked = crosscheck([reference("c", {"g": G}),
                          result("c", "a", {"h": G}, methods={"g": "autodiff", "h": "jvp"})])
    rows = by_backend(checked["verdicts"])
    assert rows[("c", "g", "a", "float64")] == row(
        "c", "g", "a", "error", detail="output 'g' missing", method="autodiff")
    assert rows[("c", "h", "a", "float64")]["method"] == "jvp"


def test_an_error_type_is_shown_whole_even_when_it_starts_with_x():
    failed = result("c", "jax", status="error", message="RESOURCE_EXHAUSTED")
    failed["error"]["type"] = "XlaRuntimeError"
    rows = by_backend(crosscheck([reference("c", {"g": G}), failed])["verdicts"])
    assert rows[("c", "g", "jax", "float64")]["detail"] == \
        "XlaRuntimeError: RESOURCE_EXHAUSTED"


def test_a_result_without_tolerance_classes_is_an_error_not_a_guess():
    """An older worker's result (no `tolerance_classes` at all) gets no tolerance."""
    old = result("c", "a", {"g": G})
    del old["tolerance_classes"]
    rows = by_backend(crosscheck([reference("c", {"g": G}), old])["verdicts"])
    assert rows[("c", "g", "a", "float64")]["detail"] == \
        "no tolerance class for output 'g' (got None)"


@pytest.mark.parametrize("value, detail", [
    ({"python_type": "torch.Tensor", "repr": "tensor([1., 2., 3.])"},
     "a torch.Tensor that cannot be read as an array (tensor([1., 2., 3.]))"),
    ({"repr": "x" * 100}, f"a value that cannot be read as an array ({'x' * 60})"),
    ({"python_type": "object"}, "a object that cannot be read as an array ()"),
    ("y" * 100, f"not an encoded value: {'y' * 60}"),
    ({"dtype": "float128", "shape": [3], "data": ""},
     "unknown dtype 'float128' in an encoded array"),
])
def test_an_output_that_cannot_be_read_says_what_it_is(value, detail):
    broken = result("c", "a", {"g": G})
    broken["outputs"]["g"] = value
    rows = by_backend(crosscheck([reference("c", {"g": G}), broken])["verdicts"])
    assert rows[("c", "g", "a", "float64")]["detail"] == detail


# ---- non-finite everywhere: only where every participant has a valid value ---------------

def test_without_a_reference_the_finding_names_only_the_backends():
    nan = [1.0, math.nan]
    checked = crosscheck([result("c", "a", {"g": nan}), result("c", "b", {"g": nan})])
    assert [f["detail"] for f in checked["findings"]] == \
        ["non-finite at index [1] on every backend (nan)"]


def test_no_finding_when_a_participant_is_missing_or_shaped_otherwise():
    nan = [math.nan, math.nan]
    wrong_dtype = result("c", "b", {"g": nan}, "float32")
    wrong_dtype["dtype"] = "float64"
    assert crosscheck([reference("c", {"g": nan}), result("c", "a", {"g": nan}),
                       wrong_dtype])["findings"] == []
    assert crosscheck([reference("c", {"g": nan}), result("c", "a", {"g": nan}),
                       result("c", "b", {"h": nan})])["findings"] == []
    # no reference: two backends, both all NaN, but of different shapes
    assert crosscheck([result("c", "a", {"g": [math.nan]}),
                       result("c", "b", {"g": nan})])["findings"] == []
