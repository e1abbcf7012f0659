"""Convention outputs through the cross-check, in process: the rule stands in for the reference.

test_conventions.py runs the same verdicts through `harness compare` (what a user sees);
these call `crosscheck()` with a context, so mutmut sees them (part of the mutation
suite). Each expected row is built from the rule, the answers and the tolerance table
here, never read off a run. As in a real run, the reference of a convention case is ok
and has no outputs.
"""

from synthetic import METHODS, reference, result

from harness.common.tolerances import TOLERANCES
from harness.conventions import text
from harness.run.crosscheck import crosscheck

RULE = {"kind": "interval", "low": [-1.0], "high": [1.0], "why": "subgradient of |x| at 0"}
RULES = {"kink": {"g": RULE}}


def tol_of(dtype="float64", kind="exact") -> dict:
    t = TOLERANCES[(dtype, kind)]
    return {"rtol": t.rtol, "atol": t.atol}


def check(results, **context):
    return crosscheck([reference("kink", {}), *results], context={"rules": RULES, **context})


def rows_of(checked, output="g") -> dict:
    return {v["backend"]: v for v in checked["verdicts"] if v["output"] == output}


def test_valid_answers_that_differ_are_a_convention_and_name_each_answer():
    checked = check([result("kink", "a", {"g": [0.5]}, methods={"g": "autodiff"}),
                     result("kink", "b", {"g": [0.0]})])
    rows = rows_of(checked)
    assert set(rows) == {"a", "b"}  # the reference has no value to be judged by
    spread = f"a: {text([0.5])}; b: {text([0.0])}"
    assert rows["a"] == {
        "case": "kink", "output": "g", "backend": "a", "dtype": "float64",
        "verdict": "convention", "max_abs": None, "max_rel": None, "worst_index": None,
        "tolerance": tol_of(), "method": "autodiff", "odd_one_out": None,
        "detail": f"valid answers differ: {spread}", "answer": [0.5]}
    assert (rows["b"]["verdict"], rows["b"]["detail"], rows["b"]["answer"]) == \
        ("convention", f"valid answers differ: {spread}", [0.0])
    assert checked["pairwise"] == [] and checked["findings"] == []
    assert checked["summary"]["convention"] == 2


def test_an_answer_outside_the_rule_disagrees_and_says_why():
    rows = rows_of(check([result("kink", "a", {"g": [0.5]}), result("kink", "b", {"g": [2.0]})]))
    assert rows["b"]["verdict"] == "disagree" and rows["b"]["odd_one_out"] == "b"
    assert rows["b"]["detail"] == (f"outside the valid set: component 0 = {text([2.0])} is "
                                   f"outside [-1, 1] ({RULE['why']})")
    assert rows["a"]["verdict"] == "convention"


def test_the_same_answer_everywhere_agrees_in_each_dtype():
    results = [result("kink", b, {"g": [0.25]}, dtype) for b in "ab"
               for dtype in ("float32", "float64")]
    checked = check(results)
    got = {(v["backend"], v["dtype"]): (v["verdict"], v["tolerance"])
           for v in checked["verdicts"]}
    assert got == {(b, d): ("agree", tol_of(d)) for b in "ab" for d in ("float32", "float64")}


def test_a_numerical_answer_is_held_to_its_own_class():
    """The reported class sets the tolerance of a convention answer too."""
    rows = rows_of(check([result("kink", "fd", {"g": [0.5]}, methods={"g": METHODS["numerical"]}),
                          result("kink", "ad", {"g": [0.5]}, methods={"g": METHODS["exact"]})]))
    assert rows["fd"]["tolerance"] == tol_of(kind="numerical")
    assert rows["ad"]["tolerance"] == tol_of(kind="exact")
    assert (rows["fd"]["method"], rows["ad"]["method"]) == (METHODS["numerical"], METHODS["exact"])


def test_a_convention_output_needs_no_tolerance_class_but_a_plain_one_does():
    """Judged by its rule, a convention output without a class is exact; an output with a
    reference and no class is an error that names it."""
    bare = result("kink", "a", {"g": [0.5], "f": [1.0]}, classes={"x": "exact"})
    checked = crosscheck([reference("kink", {"f": [1.0]}), bare], context={"rules": RULES})
    got = {v["output"]: v for v in checked["verdicts"] if v["backend"] == "a"}
    assert (got["g"]["verdict"], got["g"]["tolerance"]) == ("agree", tol_of())
    assert (got["f"]["verdict"], got["f"]["detail"]) == \
        ("error", "no tolerance class for output 'f' (got None)")


def test_a_backend_that_cannot_be_read_is_an_error_and_the_others_are_still_judged():
    broken = result("kink", "c", {"g": [0.5]})
    broken["outputs"]["g"] = {"python_type": "list", "repr": "[0.5]"}
    missing = result("kink", "d", {"h": [1.0]}, methods={"g": "autodiff"})
    rows = rows_of(check([result("kink", "a", {"g": [0.5]}), broken, missing]))
    assert (rows["c"]["verdict"], rows["c"]["detail"]) == \
        ("error", "a list that cannot be read as an array ([0.5])")
    assert rows["d"] == {
        "case": "kink", "output": "g", "backend": "d", "dtype": "float64", "verdict": "error",
        "max_abs": None, "max_rel": None, "worst_index": None, "actual": None,
        "expected": None, "tolerance": None, "method": "autodiff", "tolerance_class": None,
        "odd_one_out": None, "detail": "output 'g' missing"}
    assert rows["a"]["verdict"] == "agree"   # alone among the readable answers


def test_no_readable_answer_gives_only_the_errors():
    broken = result("kink", "c", {"g": [0.5]})
    broken["outputs"]["g"] = "junk"
    checked = check([broken])
    assert [(v["backend"], v["verdict"], v["detail"]) for v in checked["verdicts"]] == \
        [("c", "error", "not an encoded value: junk")]


def test_recorded_answers_make_known_and_changed_with_the_versions_named():
    recorded = {"kink": {"g": {"float64": {"a": {"1.0": [0.5]}, "b": {"2.0": [3.0]}}}}}
    versions = {"a": "1.1", "b": "2.0"}
    rows = rows_of(check([result("kink", "a", {"g": [0.25]}), result("kink", "b", {"g": [3.0]})],
                         versions=versions, outcomes=recorded))
    assert rows["a"]["verdict"] == "changed" and rows["a"]["odd_one_out"] == "a"
    assert rows["a"]["detail"] == f"recorded {text([0.5])} with a 1.0, now {text([0.25])} with a 1.1"
    assert rows["b"]["verdict"] == "known"
    assert rows["b"]["detail"].endswith("; recorded with b 2.0")


def test_a_convention_output_beside_a_compared_one_leaves_the_comparison_whole():
    """The rule's output is judged by the rule (a reference value for it is not used), and
    the next output is still compared with the reference."""
    rules = {"kink": {"a_rule": RULE}}
    ref = reference("kink", {"a_rule": [-0.5], "z_ref": [2.0]})
    backend = result("kink", "b", {"a_rule": [0.5], "z_ref": [2.5]})
    checked = crosscheck([ref, backend], context={"rules": rules})
    got = {(v["output"], v["backend"]): v["verdict"] for v in checked["verdicts"]}
    assert got == {("z_ref", "reference"): "agree", ("z_ref", "b"): "disagree",
                   ("a_rule", "b"): "agree"}
    assert [(p["output"], p["a"], p["b"]) for p in checked["pairwise"]] == \
        [("z_ref", "b", "reference")]
