"""Every tolerance's edge, through the cross-check: just inside agrees, just outside does not.

For each dtype x tolerance class of harness.common.tolerances, a backend's result is
put a hair inside and a hair outside atol + rtol * |expected|, at an element whose
bound is the atol alone, one where rtol dominates, and a negative one. The distances
are read from the table, never typed in, so a tolerance loosened (or tightened) by
more than the hair changes a verdict here. Pairs of backends are compared at the
looser of their two tolerances: an exact and a numerical result that both agree with
the reference must agree with each other.
"""

import math

import pytest
from synthetic import METHODS, as_dtype, reference, result

from harness.common.tolerances import (
    EXACT,
    NUMERICAL,
    TOLERANCES,
    Tolerance,
    compare,
    looser,
    tolerance,
    unravel,
)
from harness.run.crosscheck import crosscheck

HAIR = 1 / 64          # relative to the bound: far above float32 spacing at these sizes
EXPECTED = (0.0, 3.0, -1024.0)   # atol alone, both terms, rtol dominating; float32-exact
CLASSES = sorted(TOLERANCES)


def bound(tol: Tolerance, expected: float) -> float:
    return tol.atol + tol.rtol * abs(expected)


def near_miss(expected: float, tol: Tolerance, dtype: str, factor: float) -> float:
    """A value of `dtype` at `factor` times the bound away from `expected`, checked so."""
    value = as_dtype(expected + factor * bound(tol, expected), dtype)
    distance = (value - expected) / bound(tol, expected)
    assert abs(distance - factor) < HAIR / 4, (expected, tol, dtype, distance)
    return value


def verdict_of(results, backend, output):
    (row,) = [v for v in crosscheck(results)["verdicts"]
              if v["backend"] == backend and v["output"] == output]
    return row


@pytest.mark.parametrize("dtype, kind", CLASSES)
@pytest.mark.parametrize("side", [1, -1])
def test_a_hair_inside_the_tolerance_agrees_and_a_hair_outside_disagrees(dtype, kind, side):
    method = METHODS[kind]
    tol = TOLERANCES[(dtype, kind)]
    outputs, centre = {}, {}
    for i, e in enumerate(EXPECTED):
        for name, factor in ((f"in{i}", 1 - HAIR), (f"out{i}", 1 + HAIR)):
            outputs[name] = [e, near_miss(e, tol, dtype, side * factor), e]
            centre[name] = e
    ref = reference("c", {k: [e, e, e] for k, e in centre.items()})
    backend = result("c", "b", outputs, dtype, methods={k: method for k in outputs})
    for name in outputs:
        row = verdict_of([ref, backend], "b", name)
        expected = "agree" if name.startswith("in") else "disagree"
        assert row["verdict"] == expected, (name, row)
        assert row["tolerance"] == {"rtol": tol.rtol, "atol": tol.atol}
        assert row["method"] == method
        assert row["max_abs"] == abs(outputs[name][1] - centre[name])
        if expected == "disagree":
            assert row["worst_index"] == [1] and "at index (1,)" in row["detail"]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_an_exact_and_a_numerical_result_are_paired_at_the_looser_tolerance(dtype):
    exact, numerical = TOLERANCES[(dtype, EXACT)], TOLERANCES[(dtype, NUMERICAL)]
    e = 3.0
    # within the numerical tolerance, outside the exact one: the finite-difference
    # backend agrees with the reference, and so must the pair (fd, ad)
    fd_value = near_miss(e, numerical, dtype, 1 - HAIR)
    assert abs(fd_value - e) > bound(exact, e)
    ref = reference("c", {"g": [e]})
    fd = result("c", "fd", {"g": [fd_value]}, dtype, methods={"g": METHODS["numerical"]})
    ad = result("c", "ad", {"g": [e]}, dtype, methods={"g": METHODS["exact"]})
    checked = crosscheck([ref, fd, ad])
    rows = {v["backend"]: v["verdict"] for v in checked["verdicts"] if v["dtype"] == dtype}
    assert rows == {"reference": "agree", "fd": "agree", "ad": "agree"}
    (pair,) = [p for p in checked["pairwise"] if {p["a"], p["b"]} == {"fd", "ad"}]
    assert pair["agree"] is True, pair
    assert pair["tolerance"] == {"rtol": numerical.rtol, "atol": numerical.atol}
    # and a hair beyond the numerical tolerance the pair disagrees
    far = result("c", "fd", {"g": [near_miss(e, numerical, dtype, 1 + HAIR)]}, dtype,
                 methods={"g": METHODS["numerical"]})
    (pair,) = [p for p in crosscheck([ref, far, ad])["pairwise"] if {p["a"], p["b"]} ==
               {"fd", "ad"}]
    assert pair["agree"] is False and pair["detail"]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_two_exact_backends_are_paired_at_the_exact_tolerance(dtype):
    exact = TOLERANCES[(dtype, EXACT)]
    e = 3.0
    ref = reference("c", {"g": [e]})
    a = result("c", "a", {"g": [near_miss(e, exact, dtype, 1 - HAIR)]}, dtype,
               methods={"g": METHODS["exact"]})
    b = result("c", "b", {"g": [near_miss(e, exact, dtype, -(1 - HAIR))]}, dtype,
               methods={"g": METHODS["exact"]})
    checked = crosscheck([ref, a, b])
    assert {v["verdict"] for v in checked["verdicts"]} == {"agree"}
    (pair,) = [p for p in checked["pairwise"] if {p["a"], p["b"]} == {"a", "b"}]
    # nearly two bounds apart: each agrees with the reference, not with the other
    assert pair["agree"] is False
    assert pair["tolerance"] == {"rtol": exact.rtol, "atol": exact.atol}


# ---- the table and its helpers, directly -------------------------------------------------

def test_numerical_tolerances_are_looser_than_exact_ones_and_float32_than_float64():
    for dtype in ("float32", "float64"):
        ex, num = TOLERANCES[(dtype, EXACT)], TOLERANCES[(dtype, NUMERICAL)]
        assert num.rtol > ex.rtol and num.atol > ex.atol
    for kind in (EXACT, NUMERICAL):
        t32, t64 = TOLERANCES[("float32", kind)], TOLERANCES[("float64", kind)]
        assert t32.rtol > t64.rtol and t32.atol > t64.atol


@pytest.mark.parametrize("kind", [EXACT, NUMERICAL])
def test_the_reported_class_sets_the_tolerance_whatever_the_method_says(kind):
    """A method description is for people: "finite differences" in it loosens nothing."""
    tol = TOLERANCES[("float64", kind)]
    near = near_miss(3.0, TOLERANCES[("float64", EXACT)], "float64", 2.0)
    ref = reference("c", {"g": [3.0]})
    backend = result("c", "b", {"g": [near]}, methods={"g": "finite differences, numerical"},
                     classes={"g": kind})
    row = verdict_of([ref, backend], "b", "g")
    assert row["tolerance"] == {"rtol": tol.rtol, "atol": tol.atol}
    assert row["verdict"] == ("disagree" if kind == EXACT else "agree")


def test_tolerance_lookup_and_unknown_dtype_or_class():
    assert tolerance("float32") == TOLERANCES[("float32", EXACT)]
    assert tolerance("float64", NUMERICAL) == TOLERANCES[("float64", NUMERICAL)]
    with pytest.raises(ValueError, match="float16.*float32, float64"):
        tolerance("float16")
    with pytest.raises(ValueError, match="^unknown tolerance class 'numdifftools'; "
                                         "known: exact, numerical$"):
        tolerance("float64", "numdifftools")


def test_looser_takes_each_component_from_whichever_is_looser():
    assert looser(Tolerance(1e-3, 1e-9), Tolerance(1e-6, 1e-2)) == Tolerance(1e-3, 1e-2)
    assert looser(Tolerance(1e-6, 1e-2), Tolerance(1e-3, 1e-9)) == Tolerance(1e-3, 1e-2)
    assert str(Tolerance(0.5, 2.0)) == "rtol=0.5, atol=2"


def test_compare_reports_the_largest_errors_and_the_worst_index():
    tol = Tolerance(rtol=0.0, atol=0.1)
    c = compare([[1.0, 2.0], [3.0, 4.0]], [[1.0, 2.5], [3.05, 4.0]], tol)
    assert not c.ok and c.reason == "tolerance"
    assert c.max_abs == pytest.approx(0.5) and c.max_rel == pytest.approx(0.2)
    assert c.worst_index == (0, 1)
    assert c.describe() == "max abs err 0.5, max rel err 0.2 at index (0, 1)"
    ok = compare([1.0, 2.0], [1.0, 2.05], tol)
    assert ok.ok and ok.describe() == "agree" and ok.max_abs == pytest.approx(0.05)


def test_compare_at_zero_expected_and_exact_equality():
    tol = Tolerance(rtol=0.5, atol=0.0)
    assert compare([0.0], [0.0], tol).ok
    c = compare([1e-300], [0.0], tol)
    assert not c.ok and c.max_rel == math.inf
    assert compare([0.0], [0.0], tol).max_rel == 0.0


def test_compare_shapes_and_non_finite_values():
    tol = Tolerance(rtol=1.0, atol=1.0)
    c = compare([1.0, 2.0], [[1.0, 2.0]], tol)
    assert not c.ok and c.reason == "shape" and c.describe() == \
        "shape (2,) != expected shape (1, 2)"
    c = compare([[1.0, math.nan], [math.inf, 0.0]], [[1.0, math.nan], [1.0, 0.0]], tol)
    assert not c.ok and c.reason == "non-finite" and c.worst_index == (0, 1)
    assert c.describe().startswith("2 non-finite value(s), first at index (0, 1): nan")
    assert compare(2.0, 2.5, tol).ok and compare(2.0, 2.5, tol).worst_index == ()
    assert compare([], [], tol).ok


def test_compare_names_the_two_values_at_the_worst_index():
    tol = Tolerance(rtol=0.0, atol=0.1)
    c = compare([1.0, 2.0, 7.0], [1.0, 2.5, 3.0], tol)   # worst: index 2, 4 off
    assert (c.worst_index, c.actual, c.expected, c.reason) == ((2,), 7.0, 3.0, "tolerance")
    ok = compare([1.0, 2.04], [1.0, 2.0], tol)
    assert (ok.ok, ok.reason, ok.worst_index, ok.actual, ok.expected) == \
        (True, "", (1,), 2.04, 2.0)
    nonfinite = compare([1.0, 5.0, math.inf], [1.0, math.nan, 2.0], tol)
    assert nonfinite.worst_index == (1,) and nonfinite.actual == 5.0
    assert math.isnan(nonfinite.expected)
    assert nonfinite.describe() == \
        "2 non-finite value(s), first at index (1,): 5.0 vs expected nan"


def test_an_empty_comparison_agrees_with_no_errors_and_no_index():
    c = compare([], [], Tolerance(rtol=0.0, atol=0.0))
    assert (c.ok, c.max_abs, c.max_rel, c.worst_index, c.actual, c.expected, c.reason) == \
        (True, 0.0, 0.0, (), None, None, "")


def test_a_shape_mismatch_is_false_not_just_falsy():
    """`ok` goes to run.json's pairwise `agree` as is: it must be false, never null."""
    c = compare([1.0], [1.0, 2.0], Tolerance(rtol=1.0, atol=1.0))
    assert c.ok is False and c.max_abs is None and c.worst_index is None


def test_decoded_arrays_of_any_dtype_compare_as_floats():
    """protocol.Array is read as is: float arrays keep their list, others become floats."""
    from harness.common.protocol import Array, decode_array, encode_floats
    ints = Array(*decode_array(encode_floats([1, 2, 3], shape=[3], dtype="int32")))
    c = compare(ints, [1.0, 2.0, 3.5], Tolerance(rtol=0.0, atol=0.1))
    assert (c.ok, c.worst_index, c.actual, c.expected) == (False, (2,), 3.0, 3.5)
    assert type(c.actual) is float
    grid = Array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], (2, 3), "float64")
    assert compare(grid, [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], Tolerance(0.0, 0.0)).ok
    assert compare(grid, [1.0, 2.0, 3.0, 4.0, 5.0, 6.0], Tolerance(1.0, 1.0)).reason == "shape"
    empty = Array([], (0, 3), "float64")
    assert compare(empty, Array([], (0, 2), "float64"), Tolerance(1.0, 1.0)).detail == \
        "shape (0, 3) != expected shape (0, 2)"


def test_unravel_is_c_order():
    shape = (2, 3, 4)
    positions = [(i, j, k) for i in range(2) for j in range(3) for k in range(4)]
    assert [unravel(n, shape) for n in range(24)] == positions
    assert unravel(0, ()) == () and unravel(4, (5, 1)) == (4, 0)
