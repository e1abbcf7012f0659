"""Doc mode's comparison rules stated in full: every field a comparison returns.

Complements test_compare.py (the behaviours) with the exact results for small
inputs whose answers follow by hand, so each rule (printing resolution, worst
index, layouts, non-finite values) is pinned down. In process: part of the
mutation suite.
"""

import itertools
import math

import pytest

from harness.common.tolerances import Tolerance, tolerance
from harness.doc.compare import (
    Value,
    compare_numbers,
    compare_printed,
    compare_values,
    numbers,
    tol_dtype,
    value_tolerance,
)

NONE = Tolerance(rtol=0.0, atol=0.0)
RES = " + printing resolution"


def test_printed_numbers_agree_within_both_printing_resolutions():
    got = compare_numbers([(1.0, 0.005), (2.0, 0.0)], [(1.004, 0.0005), (2.0, 0.0)], NONE)
    assert got == {"max_abs": pytest.approx(0.004), "max_rel": pytest.approx(0.004 / 1.004),
                   "worst_index": None, "verdict": "agree", "tolerance": str(NONE) + RES}
    # one resolution short of the difference: drift
    assert compare_numbers([(1.0, 0.001)], [(1.004, 0.0005)], NONE)["verdict"] == "drift"
    # the tolerance counts on top of the resolutions, relative to the second value
    tol = Tolerance(rtol=0.01, atol=0.0)
    assert compare_numbers([(100.0, 0.0)], [(100.9, 0.0)], tol)["verdict"] == "agree"
    assert compare_numbers([(100.0, 0.0)], [(101.1, 0.0)], tol)["verdict"] == "drift"
    assert compare_numbers([(0.0, 0.0)], [(0.05, 0.0)], Tolerance(0.0, 0.1))["verdict"] == \
        "agree"


def test_the_worst_printed_number_is_the_largest_difference_beyond_tolerance():
    got = compare_numbers([(1.0, 0.0), (5.0, 0.0)], [(1.5, 0.0), (2.0, 0.0)], Tolerance(0, 0.1))
    assert got == {"max_abs": 3.0, "max_rel": 1.5, "worst_index": [1], "verdict": "drift",
                   "tolerance": str(Tolerance(0, 0.1)) + RES}
    first = compare_numbers([(5.0, 0.0), (1.0, 0.0)], [(2.0, 0.0), (1.5, 0.0)], Tolerance(0, 0.1))
    assert first["worst_index"] == [0] and first["max_abs"] == 3.0
    within = compare_numbers([(1.0, 0.0), (9.0, 0.0)], [(1.5, 0.0), (9.05, 0.0)],
                             Tolerance(0, 0.1))
    assert within["worst_index"] == [0] and within["max_abs"] == 0.5


def test_printed_non_finite_numbers():
    # NaN or Inf never agrees, as in `run`, not even with itself; the last one is the worst
    same = compare_numbers([(math.nan, 0.0), (math.inf, 0.0)], [(math.nan, 0.0), (math.inf, 0.0)],
                           NONE)
    assert same == {"max_abs": "inf", "max_rel": 0.0, "worst_index": [1], "verdict": "drift",
                    "non_finite": True, "tolerance": str(NONE) + RES}
    differ = compare_numbers([(1.0, 0.0), (math.inf, 0.0), (3.0, 0.0)],
                             [(1.0, 0.0), (-math.inf, 0.0), (5.0, 0.0)], NONE)
    assert differ["verdict"] == "drift" and differ["max_abs"] == "inf"
    # the non-finite difference stays the worst (a larger finite one after it does not
    # replace it, and comparing it with "inf" must not raise)
    assert differ["worst_index"] == [1] and differ["max_rel"] == pytest.approx(0.4)
    assert compare_numbers([(math.nan, 0.0)], [(1.0, 0.0)], NONE)["verdict"] == "drift"
    zero = compare_numbers([(1.0, 0.0)], [(0.0, 0.0)], Tolerance(0, 2.0))
    assert zero["verdict"] == "agree" and zero["max_rel"] == "inf"
    assert compare_numbers([(0.0, 0.0)], [(0.0, 0.0)], NONE)["max_rel"] == 0.0


def test_printed_lines_pair_up_when_they_can():
    got = compare_printed("head\nx = 1.0\ny = 2.0 3.0\n", "x = 1.0\nnoise\ny = 2.0 3.5\n",
                          Tolerance(0, 0.1))
    assert [(r["line"], r["verdict"], r["printed"]) for r in got] == [
        (1, "agree", ["x = 1.0", "x = 1.0"]), (2, "drift", ["y = 2.0 3.0", "y = 2.0 3.5"])]
    assert got[1]["worst_index"] == [1]


def test_printed_text_is_compared_whole_when_lines_do_not_pair_up():
    got = compare_printed("a 1.0 2.0\n", "a 1.0\nb 2.0\n", NONE)
    assert len(got) == 1 and got[0]["line"] == 1 and got[0]["verdict"] == "agree"
    assert got[0]["printed"] == ["a 1.0 2.0", "a 1.0\nb 2.0"]
    long = "v " + " ".join(["1.0"] * 100)
    (r,) = compare_printed(long, long.replace(" ", "\n", 1), NONE)
    assert [len(side) for side in r["printed"]] == [200, 200]
    assert compare_printed("no numbers", "none here", NONE) == []
    assert compare_printed("", None, NONE) == []
    (bad,) = compare_printed("1 2", "1 2 3", NONE)
    assert bad == {"verdict": "not comparable", "line": None, "detail": "2 vs 3 printed numbers"}
    (one,) = compare_printed("text", "1", NONE)
    assert one["detail"] == "0 vs 1 printed numbers"


def test_numbers_and_their_resolution():
    assert numbers("x 1.25 -7 3e-2 2.5E+3 .5 nan inf") == [
        (1.25, 0.005), (-7.0, 0.0), (0.03, 0.005), (2500.0, 50.0), (0.5, 0.05),
        (pytest.approx(math.nan, nan_ok=True), 0.0), (math.inf, 0.0)]
    assert numbers("1.5e2") == [(150.0, 5.0)]
    assert numbers(None) == []
    noise = "tensor([2.], dtype=torch.float32, device='cpu', requires_grad=True) <NDArray 3 @cpu(0)>"
    assert [v for v, _ in numbers(noise)] == [2.0]
    assert numbers("shape=(2, 3) float64 int32 grad_fn=<AddBackward0> ctx=cpu(0) 4") == \
        [(4.0, 0.0)]
    assert numbers("a1 x2.5 7") == [(7.0, 0.0)]


def test_values_agree_in_full():
    a = Value([1.0, 2.0], (2,), "float32")
    assert compare_values(a, Value([1.0, 2.0], (2,), "float32")) == {
        "tolerance": str(tolerance("float32")), "dtypes": ["float32", "float32"],
        "shapes": [[2], [2]], "layout": None, "max_abs": None, "max_rel": None,
        "worst_index": None, "verdict": "agree"}


def test_drift_in_full_with_the_values_at_the_worst_place():
    a = Value([1.0, 2.0, 3.0, 4.0], (2, 2), "float64")
    b = Value([1.0, 2.0, 3.0, 4.5], (2, 2), "float64")
    got = compare_values(a, b)
    assert got == {
        "tolerance": str(tolerance("float64")), "dtypes": ["float64", "float64"],
        "shapes": [[2, 2], [2, 2]], "layout": None, "max_abs": 0.5, "max_rel": 0.5 / 4.5,
        "worst_index": [1, 1], "verdict": "drift", "at_worst": [4.0, 4.5],
        "non_finite": False, "detail": "max abs err 0.5, max rel err 0.111 at index (1, 1)"}


def test_layouts_in_full():
    grid = Value([0.0, 1.0, 2.0, 10.0, 11.0, 12.0], (2, 3), "float32")
    t = Value([0.0, 10.0, 1.0, 11.0, 2.0, 12.0], (3, 2), "float32")
    got = compare_values(grid, t)
    assert got["verdict"] == "layout" and got["layout"] == "transposed (shape (2, 3) vs (3, 2))"
    assert got["max_abs"] is None and got["shapes"] == [[2, 3], [3, 2]]
    reshaped = compare_values(grid, Value(grid.flat, (3, 2), "float32"))
    assert reshaped["layout"] == "reshaped (shape (2, 3) vs (3, 2))"
    ones = compare_values(Value([1.0, 2.0], (2, 1), "float32"), Value([1.0, 2.0], (1, 2),
                                                                      "float32"))
    assert ones["layout"] == "extra size-1 dimensions (shape (2, 1) vs (1, 2))"
    cube = Value([float(i) for i in range(24)], (2, 3, 4), "float32")
    # b is cube with axes moved: b[k, i, j] = cube[i, j, k]
    moved = [cube.flat[i * 12 + j * 4 + k] for k in range(4) for i in range(2) for j in range(3)]
    got = compare_values(cube, Value(moved, (4, 2, 3), "float32"))
    assert got["verdict"] == "layout" and got["layout"] == \
        "axes permuted (1, 2, 0) (shape (2, 3, 4) vs (4, 2, 3))"


def test_drift_is_measured_in_the_closest_layout_and_says_which():
    a = Value([0.0, 1.0, 10.0, 11.0], (2, 2), "float64")
    b = Value([0.0, 10.0, 1.0, 11.5], (2, 2), "float64")   # transposed, one value off
    got = compare_values(a, b)
    assert got["verdict"] == "drift" and got["max_abs"] == 0.5
    assert got["layout"] == "transposed (shape (2, 2) vs (2, 2))"
    assert got["detail"].endswith("; compared transposed (shape (2, 2) vs (2, 2))")
    assert got["at_worst"] == [11.0, 11.5] and got["worst_index"] == [1, 1]


def test_different_sizes_and_non_finite_values():
    got = compare_values(Value([1.0, 2.0], (2,), "float32"), Value([1.0], (1,), "float32"))
    assert got["verdict"] == "drift" and got["detail"] == \
        "shape (2,) vs (1,): different number of values (2 vs 1)"
    assert got["max_abs"] is None and "at_worst" not in got
    # NaN or Inf never agrees, not even in the same place on both sides
    nan = Value([math.nan, 1.0], (2,), "float64")
    got = compare_values(nan, Value([math.nan, 1.0], (2,), "float64"))
    assert got["verdict"] == "drift" and got["non_finite"] is True
    inf = Value([math.inf, 1.0], (2,), "float64")
    assert compare_values(inf, Value([math.inf, 1.0], (2,), "float64"))["verdict"] == "drift"
    assert compare_values(inf, Value([-math.inf, 1.0], (2,), "float64"))["verdict"] == "drift"
    one_sided = compare_values(Value([math.inf], (1,), "float64"), Value([1.0], (1,), "float64"))
    assert one_sided["verdict"] == "drift" and one_sided["max_abs"] is None


def test_tolerance_classes_of_dtypes():
    assert [tol_dtype(d) for d in ("float16", "bfloat16", "float32", "float64", "int64")] == [
        "float32", "float32", "float32", "float64", "float64"]
    assert value_tolerance("float64") == tolerance("float64")
    assert value_tolerance("float64", "float16") == tolerance("float32")
    assert value_tolerance("float16", "float64", "int32") == tolerance("float32")
    explicit = Tolerance(1.0, 1.0)
    a, b = Value([1.0], (1,), "float64"), Value([1.5], (1,), "float64")
    assert compare_values(a, b, explicit)["verdict"] == "agree"
    assert compare_values(a, b, explicit)["tolerance"] == str(explicit)


def test_value_preview_and_decode():
    v = Value([1.0, 2.5, 3, 4, 5, 6, 7], (7,), "float64")
    assert v.size == 7
    assert v.preview() == "[1, 2.5, 3, 4, 5, 6, ...] shape (7,) float64"
    assert Value([1.0], (1,), "float32").preview(n=1) == "[1] shape (1,) float32"
    assert Value.decode({"dtype": "float64"}) is None
    from harness.common.protocol import encode_floats
    got = Value.decode(encode_floats([1.0, 2.0], shape=[1, 2]))
    assert (got.flat, got.shape, got.dtype) == ([1.0, 2.0], (1, 2), "float64")


# ---- edges of each rule (each case below is one a plausible bug gets wrong) ----------

def test_non_finite_drift_in_full_says_where_in_the_layout_as_given():
    # NaN at [0, 1] on both sides of a square grid: its transpose is a layout too, but
    # the comparison as laid out is the one reported
    a = Value([1.0, math.nan, 3.0, 4.0], (2, 2), "float64")
    got = compare_values(a, Value([1.0, math.nan, 3.0, 4.0], (2, 2), "float64"))
    assert got == {
        "tolerance": str(tolerance("float64")), "dtypes": ["float64", "float64"],
        "shapes": [[2, 2], [2, 2]], "layout": None, "max_abs": None, "max_rel": None,
        "worst_index": [0, 1], "verdict": "drift", "at_worst": ["nan", "nan"],
        "non_finite": True,
        "detail": "non-finite value at flat index 1: nan vs nan (NaN/Inf never agrees)"}


def test_relative_error_where_the_second_value_is_zero():
    # 0 vs 0 is no relative error at all; 1 vs 0 is an infinite one
    got = compare_values(Value([0.0, 1.0], (2,), "float64"), Value([0.0, 2.0], (2,), "float64"))
    assert (got["max_abs"], got["max_rel"], got["worst_index"]) == (1.0, 0.5, [1])
    got = compare_values(Value([1.0], (1,), "float64"), Value([0.0], (1,), "float64"))
    assert (got["max_abs"], got["max_rel"]) == (1.0, "inf")


def test_a_difference_exactly_at_the_tolerance_agrees_and_the_first_worst_is_reported():
    half = Tolerance(rtol=0.0, atol=0.5)
    one = Value([1.0], (1,), "float64")
    assert compare_values(one, Value([1.5], (1,), "float64"), half)["verdict"] == "agree"
    assert compare_values(one, Value([math.nextafter(1.5, 2)], (1,), "float64"), half)[
        "verdict"] == "drift"
    tie = compare_values(Value([0.0, 0.0], (2,), "float64"), Value([1.0, 1.0], (2,), "float64"))
    assert tie["worst_index"] == [0] and tie["at_worst"] == [0.0, 1.0]


def test_the_looser_tolerance_of_the_two_dtypes_whichever_side_it_is_on():
    a32, b64 = Value([1.0], (1,), "float32"), Value([1.0], (1,), "float64")
    assert compare_values(a32, b64)["tolerance"] == str(tolerance("float32"))
    assert compare_values(b64, a32)["tolerance"] == str(tolerance("float32"))
    assert [tol_dtype(d) for d in ("complex64", "complex128")] == ["float32", "float64"]


def test_complex_drift_reports_both_values_as_real_and_imaginary_parts():
    a = Value([1 + 2j, 3 - 1j], (2,), "complex128")
    got = compare_values(a, Value([1 + 2j, 3 + 1j], (2,), "complex128"))
    assert got["at_worst"] == [[3.0, -1.0], [3.0, 1.0]] and got["worst_index"] == [1]


def test_complex64_decodes_from_float32_pairs():
    import base64
    import struct
    obj = {"dtype": "complex64", "shape": [2],
           "data": base64.b64encode(struct.pack("<4f", 1.5, -2.0, 0.25, 8.0)).decode()}
    got = Value.decode(obj)
    assert (got.flat, got.shape, got.dtype) == ([1.5 - 2j, 0.25 + 8j], (2,), "complex64")


def test_integers_preview_exactly():
    assert Value([1234567, 2], (2,), "int64").preview() == "[1234567, 2] shape (2,) int64"


def test_a_reordering_in_full_and_of_two_values():
    got = compare_values(Value([3.0, 1.0, 2.0], (3,), "float64"),
                         Value([1.0, 2.0, 3.0], (3,), "float64"))
    assert got == {
        "tolerance": str(tolerance("float64")), "dtypes": ["float64", "float64"],
        "shapes": [[3], [3]], "max_abs": None, "max_rel": None, "worst_index": None,
        "verdict": "layout",
        "layout": "reordered (the same values in another order, shape (3,) vs (3,))"}
    two = compare_values(Value([1.0, 2.0], (2,), "float64"), Value([2.0, 1.0], (2,), "float64"))
    assert two["verdict"] == "layout" and two["layout"].startswith("reordered")


def _axes_reversed(shape):
    """(a's flat data 0, 1, 2, ..., the same array with its axes in reverse order)."""
    n = math.prod(shape)
    strides = [math.prod(shape[k + 1:]) for k in range(len(shape))]
    rev = [sum(i * s for i, s in zip(idx, reversed(strides)))
           for idx in itertools.product(*(range(m) for m in reversed(shape)))]
    return [float(i) for i in range(n)], [float(i) for i in rev]


def test_axes_are_permuted_up_to_four_dimensions_then_only_recognised_as_reordered():
    flat, rev = _axes_reversed((2, 3, 4, 5))
    got = compare_values(Value(flat, (2, 3, 4, 5), "float64"), Value(rev, (5, 4, 3, 2), "float64"))
    assert got["layout"] == "axes permuted (3, 2, 1, 0) (shape (2, 3, 4, 5) vs (5, 4, 3, 2))"
    flat, rev = _axes_reversed((2, 2, 2, 2, 3))
    got = compare_values(Value(flat, (2, 2, 2, 2, 3), "float64"),
                         Value(rev, (3, 2, 2, 2, 2), "float64"))
    assert got["verdict"] == "layout" and got["layout"].startswith("reordered")


def test_a_transposition_is_named_only_when_the_shapes_are_each_others_transpose():
    # b transposed and flattened is a, but a is 1-D: that is a reordering, not a transpose
    got = compare_values(Value([0.0, 3.0, 1.0, 4.0, 2.0, 5.0], (6,), "float64"),
                         Value([0.0, 1.0, 2.0, 3.0, 4.0, 5.0], (2, 3), "float64"))
    assert got["layout"] == \
        "reordered (the same values in another order, shape (6,) vs (2, 3))"


def test_arrays_up_to_max_permute_elements_are_permuted_and_reordered_larger_ones_not(
        monkeypatch):
    from harness.doc import compare
    monkeypatch.setattr(compare, "MAX_PERMUTE", 6)
    flat, rev = _axes_reversed((2, 3))
    assert compare_values(Value(flat, (2, 3), "float64"), Value(rev, (3, 2), "float64"))[
        "layout"] == "transposed (shape (2, 3) vs (3, 2))"
    six = [float(i) for i in range(6)]
    assert compare_values(Value(six, (6,), "float64"), Value(six[::-1], (6,), "float64"))[
        "layout"].startswith("reordered")
    flat, rev = _axes_reversed((2, 4))     # 8 elements: compared only as laid out
    got = compare_values(Value(flat, (2, 4), "float64"), Value(rev, (4, 2), "float64"))
    assert got["verdict"] == "drift" and got["layout"] == "reshaped (shape (2, 4) vs (4, 2))"
    eight = [float(i) for i in range(8)]
    assert compare_values(Value(eight, (8,), "float64"), Value(eight[::-1], (8,), "float64"))[
        "verdict"] == "drift"


def test_the_second_printing_resolution_counts_as_much_as_the_first():
    assert compare_numbers([(1.0, 0.0)], [(1.004, 0.005)], NONE)["verdict"] == "agree"


def test_the_worst_printed_number_beyond_tolerance_is_not_hidden_by_a_larger_one_within():
    # 100 vs 100.5 is within 1 %; of the two beyond it, 1 vs 1.5 is the worse
    got = compare_numbers([(100.0, 0.0), (1.0, 0.0), (1.0, 0.0)],
                          [(100.5, 0.0), (1.25, 0.0), (1.5, 0.0)], Tolerance(0.01, 0.0))
    assert got["worst_index"] == [2] and got["max_abs"] == 0.5 and got["verdict"] == "drift"
    tie = compare_numbers([(1.0, 0.0), (2.0, 0.0)], [(2.0, 0.0), (3.0, 0.0)], NONE)
    assert tie["worst_index"] == [0]


def test_printed_numbers_on_one_side_only_are_not_comparable():
    assert compare_printed("1 2", "none", NONE) == [
        {"verdict": "not comparable", "line": None, "detail": "2 vs 0 printed numbers"}]
