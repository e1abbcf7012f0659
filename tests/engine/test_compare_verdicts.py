"""Cross-check verdicts on synthetic results (no worker, no numpy): the logic alone."""

import math

import pytest

from harness.common.protocol import encode_floats as encode
from harness.common.tolerances import tolerance
from harness.facts import EXACT, NUMERICAL
from harness.run.crosscheck import crosscheck
from harness.run.results import finish

REF = [1.0, 2.0, 3.0]


def result(backend, outputs, dtype="float64", status="ok", methods=None, error=None,
           classes=None):
    return {"case": "c", "backend": backend, "dtype": dtype, "status": status,
            "outputs": outputs, "methods": methods or {}, "error": error, "seconds": 0.1,
            "tolerance_classes": classes or dict.fromkeys(outputs, EXACT)}


def ref(values=REF):
    return result("reference", {"g": encode(values)})


def verdicts(results, **where):
    rows = crosscheck(results)["verdicts"]
    return {r["backend"]: r for r in rows if all(r[k] == v for k, v in where.items())}


def test_agreement_within_the_dtype_tolerance():
    tol = tolerance("float64")
    near = [x * (1 + tol.rtol / 10) for x in REF]
    rows = verdicts([ref(), result("a", {"g": encode(near)}), result("b", {"g": encode(REF)})])
    assert {b: r["verdict"] for b, r in rows.items()} == \
        {"reference": "agree", "a": "agree", "b": "agree"}
    assert rows["a"]["tolerance"] == {"rtol": tol.rtol, "atol": tol.atol}


def test_disagreement_names_the_odd_one_out_with_its_error():
    off = [1.0, 2.0, 3.5]
    rows = verdicts([ref(), result("a", {"g": encode(REF)}), result("b", {"g": encode(REF)}),
                     result("odd", {"g": encode(off)})])
    assert rows["odd"]["verdict"] == "disagree"
    assert rows["odd"]["odd_one_out"] == "odd"
    assert rows["odd"]["max_abs"] == pytest.approx(0.5)
    assert rows["odd"]["max_rel"] == pytest.approx(0.5 / 3)
    assert rows["odd"]["worst_index"] == [2]
    assert [rows[b]["verdict"] for b in ("reference", "a", "b")] == ["agree"] * 3


def test_reference_is_the_odd_one_out_when_every_framework_agrees_elsewhere():
    other = [1.0, 2.0, 4.0]
    rows = verdicts([ref(), *(result(b, {"g": encode(other)}) for b in "abc")])
    assert rows["reference"]["verdict"] == "disagree"
    assert {rows[b]["odd_one_out"] for b in "abc"} == {"reference"}


def test_two_results_cannot_name_an_odd_one():
    rows = verdicts([ref(), result("a", {"g": encode([9.0, 2.0, 3.0])})])
    assert rows["a"]["verdict"] == "disagree" and rows["a"]["odd_one_out"] is None


def test_float32_results_use_the_float32_tolerance_and_must_be_float32():
    tol32 = tolerance("float32")
    close = [x * (1 + tol32.rtol / 10) for x in REF]
    good = result("a", {"g": encode(close, dtype="float32")}, dtype="float32")
    wrong = result("b", {"g": encode(REF, dtype="float64")}, dtype="float32")
    rows = verdicts([ref(), good, wrong], dtype="float32")
    assert rows["a"]["verdict"] == "agree"
    assert rows["b"]["verdict"] == "error" and "dtype float64, expected float32" in \
        rows["b"]["detail"]


def test_the_reported_tolerance_class_sets_the_tolerance_not_the_method_words():
    exact, numerical = tolerance("float64"), tolerance("float64", NUMERICAL)
    value = [x * (1 + (exact.rtol + numerical.rtol) / 2) for x in REF]
    rows = verdicts([ref(), result("fd", {"g": encode(value)}, methods={"g": "steps"},
                                   classes={"g": NUMERICAL}),
                     result("ad", {"g": encode(value)}, classes={"g": EXACT},
                            methods={"g": "reverse mode, checked against finite differences"})])
    assert rows["fd"]["verdict"] == "agree" and rows["fd"]["tolerance_class"] == NUMERICAL
    assert rows["ad"]["verdict"] == "disagree" and rows["ad"]["tolerance_class"] == EXACT


def test_an_output_without_a_tolerance_class_is_an_error_not_a_guess():
    rows = verdicts([ref(), result("a", {"g": encode(REF)}, classes={"g": "finite"})])
    assert rows["a"]["verdict"] == "error" and "no tolerance class" in rows["a"]["detail"]


def test_nan_everywhere_never_agrees_and_is_reported():
    nan = [1.0, math.nan, 3.0]
    results = [result("reference", {"g": encode(nan)}),
               *(result(b, {"g": encode(nan)}) for b in "ab")]
    checked = crosscheck(results)
    assert {r["verdict"] for r in checked["verdicts"]} == {"error", "disagree"}
    assert not any(r["verdict"] == "agree" for r in checked["verdicts"])
    (finding,) = checked["findings"]
    assert finding["kind"] == "non-finite-everywhere" and finding["index"] == [1]


def test_nan_on_one_backend_disagrees():
    rows = verdicts([ref(), result("a", {"g": encode([1.0, math.inf, 3.0])})])
    assert rows["a"]["verdict"] == "disagree" and "non-finite" in rows["a"]["detail"]


@pytest.mark.parametrize("make, words", [
    (lambda: encode([1.0, 2.0]), "shape (2,), expected (3,)"),
    (lambda: encode([1.0, 2.0, 3.0], shape=[3, 1]), "shape (3, 1), expected (3,)"),
    (lambda: {**encode([1.0]), "shape": [], "python_type": "float"}, "a float where an array"),
    (lambda: {"python_type": "NoneType", "repr": "None"}, "cannot be read as an array"),
])
def test_malformed_outputs_are_errors(make, words):
    value = make()
    rows = verdicts([ref(), result("a", {"g": value}), result("b", {"g": encode(REF)})])
    assert rows["a"]["verdict"] == "error" and words in rows["a"]["detail"]
    assert rows["b"]["verdict"] == "agree"


def test_missing_and_extra_outputs_are_errors():
    rows = crosscheck([ref(), result("a", {"h": encode(REF)})])["verdicts"]
    by = {(r["backend"], r["output"]): r for r in rows}
    assert by[("a", "g")]["verdict"] == "error" and "missing" in by[("a", "g")]["detail"]
    assert by[("a", "h")]["verdict"] == "error" and "not in the reference" in \
        by[("a", "h")]["detail"]
    assert ("reference", "h") not in by


@pytest.mark.parametrize("status", ["crashed", "timeout", "interrupted", "error", "unsupported"])
def test_failed_results_carry_their_status_to_every_output(status):
    bad = result("a", {}, status=status, error={"type": "X", "message": "boom", "traceback": ""})
    rows = verdicts([ref(), bad])
    assert rows["a"]["verdict"] == status and "boom" in rows["a"]["detail"]


def test_a_failed_reference_fails_every_backend_but_pairs_still_compare():
    broken = result("reference", {}, status="error",
                    error={"type": "E", "message": "sympy", "traceback": ""})
    checked = crosscheck([broken, result("a", {"g": encode(REF)}),
                          result("b", {"g": encode(REF)})])
    rows = {r["backend"]: r for r in checked["verdicts"]}
    assert rows["reference"]["verdict"] == "error"
    assert rows["a"]["verdict"] == "error" and "reference" in rows["a"]["detail"]
    assert [p["agree"] for p in checked["pairwise"]] == [True]


def test_exit_status_follows_the_verdicts():
    def run_of(results):
        return finish({"results": results, "cases": [], "problems": []})["exit_status"]
    assert run_of([ref(), result("a", {"g": encode(REF)})]) == 0
    assert run_of([ref(), result("a", {}, status="unsupported")]) == 0
    assert run_of([ref(), result("a", {"g": encode([0.0, 2.0, 3.0])})]) == 1
    assert run_of([ref(), result("a", {}, status="crashed")]) == 1
    assert run_of([ref(), result("a", {}, status="interrupted")]) == 130
