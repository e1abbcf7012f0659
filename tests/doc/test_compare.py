"""How doc mode compares what tabs computed (pure Python, no numpy)."""

import math

from harness.common import tolerances
from harness.doc.compare import Value, compare_printed, compare_values, numbers


def grid(rows, cols, f, dtype="float32"):
    return Value([f(i, j) for i in range(rows) for j in range(cols)], (rows, cols), dtype)


def test_equal_values_agree():
    a = grid(2, 3, lambda i, j: i + 0.5 * j)
    assert compare_values(a, grid(2, 3, lambda i, j: i + 0.5 * j))["verdict"] == "agree"


def test_transposed_values_are_a_layout_difference_not_drift():
    a = grid(3, 4, lambda i, j: i + 10 * j)
    b = grid(4, 3, lambda i, j: j + 10 * i)            # the same grid, xy instead of ij
    r = compare_values(a, b)
    assert r["verdict"] == "layout" and r["layout"].startswith("transposed")


def test_square_transposed_grid_is_recognised_too():
    a = grid(3, 3, lambda i, j: i - 2 * j)
    r = compare_values(a, grid(3, 3, lambda i, j: j - 2 * i))
    assert r["verdict"] == "layout" and r["layout"].startswith("transposed")


def test_extra_size_one_dimensions_are_a_layout_difference():
    r = compare_values(Value([1.5], (), "float32"), Value([1.5], (1,), "float32"))
    assert r["verdict"] == "layout" and "size-1" in r["layout"]


def test_a_real_difference_is_drift_with_its_size_and_place():
    a = grid(2, 2, lambda i, j: 1.0)
    b = grid(2, 2, lambda i, j: 1.0 + (0.25 if (i, j) == (1, 0) else 0.0))
    r = compare_values(a, b)
    assert r["verdict"] == "drift"
    assert r["max_abs"] == 0.25 and r["worst_index"] == [1, 0] and r["at_worst"] == [1.0, 1.25]


def test_drift_between_transposed_grids_is_measured_in_the_matching_layout():
    a = grid(3, 3, lambda i, j: i + 10 * j)
    b = grid(3, 3, lambda i, j: j + 10 * i + (1.0 if i == j == 2 else 0.0))
    r = compare_values(a, b)
    assert r["verdict"] == "drift" and r["max_abs"] == 1.0 and r["layout"].startswith("transposed")


def test_tolerance_follows_the_dtype():
    tiny = 1e-6     # far inside float32's tolerance, far outside float64's
    a32, b32 = Value([1.0], (1,), "float32"), Value([1.0 + tiny], (1,), "float32")
    a64, b64 = Value([1.0], (1,), "float64"), Value([1.0 + tiny], (1,), "float64")
    assert compare_values(a32, b32)["verdict"] == "agree"
    assert compare_values(a64, b64)["verdict"] == "drift"
    assert compare_values(a64, b32)["tolerance"] == str(tolerances.tolerance("float32"))


def test_different_sizes_are_drift():
    r = compare_values(Value([1.0] * 500, (500,), "float32"), Value([1.0] * 501, (501,), "float32"))
    assert r["verdict"] == "drift" and "500" in r["detail"]


def test_nan_or_inf_never_agrees_not_even_in_the_same_place_as_in_run():
    a = Value([math.nan, 1.0], (2,), "float64")
    same = compare_values(a, Value([math.nan, 1.0], (2,), "float64"))
    assert same["verdict"] == "drift" and same["non_finite"]
    assert compare_values(a, Value([0.0, 1.0], (2,), "float64"))["verdict"] == "drift"
    inf = Value([math.inf], (1,), "float32")
    assert compare_values(inf, Value([math.inf], (1,), "float32"))["verdict"] == "drift"
    tol = tolerances.tolerance("float64")
    assert compare_printed("loss nan", "loss nan", tol)[0]["verdict"] == "drift"


def test_complex_values_compare_real_and_imaginary_parts():
    a = Value([1 + 2j, 3 - 1j], (2,), "complex128")
    assert compare_values(a, Value([1 + 2j, 3 - 1j], (2,), "complex64"))["verdict"] == "agree"
    r = compare_values(a, Value([1 + 2j, 3 + 1j], (2,), "complex128"))
    assert r["verdict"] == "drift" and r["max_abs"] == 2.0


def test_complex_values_decode_from_their_float_pairs():
    import base64
    import struct
    obj = {"dtype": "complex128", "shape": [2],
           "data": base64.b64encode(struct.pack("<4d", 1.0, 2.0, 3.0, -1.0)).decode()}
    assert Value.decode(obj).flat == [1 + 2j, 3 - 1j]


def test_the_same_values_in_another_order_are_a_layout_difference():
    eig = Value([3.0, 1.0, 2.0], (3,), "float64")          # eig's order vs eigh's ascending
    r = compare_values(eig, Value([1.0, 2.0, 3.0], (3,), "float64"))
    assert r["verdict"] == "layout" and r["layout"].startswith("reordered")
    pairs = Value([1 - 1j, 1 + 1j, 2 + 0j], (3,), "complex128")
    assert compare_values(pairs, Value([2 + 0j, 1 + 1j, 1 - 1j], (3,), "complex128"))[
        "verdict"] == "layout"
    other = compare_values(eig, Value([1.0, 2.0, 4.0], (3,), "float64"))
    assert other["verdict"] == "drift"


def test_numbers_skip_framework_noise_and_know_their_printing_resolution():
    text = "tf.Tensor([1.0819457], shape=(1,), dtype=float32) tensor([1.0819]) x1 -4096."
    assert [v for v, _ in numbers(text)] == [1.0819457, 1.0819, -4096.0]
    assert [r for _, r in numbers("1.25 7 3e-2")] == [0.005, 0.0, 0.5e-2]


def test_printed_numbers_agree_within_their_printing_resolution():
    tol = tolerances.tolerance("float32")
    same = compare_printed("approx: tensor([1.0819])", "approx: [1.0819457]", tol)
    assert [r["verdict"] for r in same] == ["agree"]
    differ = compare_printed("q is 3.0\n", "q is 4.0\n", tol)
    assert differ[0]["verdict"] == "drift" and differ[0]["max_abs"] == 1.0


def test_printed_outputs_with_different_counts_are_not_comparable():
    tol = tolerances.tolerance("float64")
    assert compare_printed("1 2", "1 2 3", tol)[0]["verdict"] == "not comparable"
