"""tolerances.compare on numpy arrays, where numpy exists: their shape is the array's own.

The engine tests give compare lists and decoded arrays; workers and tests/backends give
it numpy arrays, whose shape comes from the array, not from its nested lists (an
array of shape (0, 3) is `[]` as a list). In the mutation suite too.
"""

import pytest

np = pytest.importorskip("numpy")

from harness.common.tolerances import Tolerance, compare

LOOSE = Tolerance(rtol=1.0, atol=1.0)


def test_numpy_arrays_compare_elementwise_with_lists_and_each_other():
    c = compare(np.array([[1.0, 2.0], [3.0, 4.5]]), [[1.0, 2.0], [3.0, 4.0]],
                Tolerance(rtol=0.0, atol=0.1))
    assert (c.ok, c.worst_index, c.actual, c.expected) == (False, (1, 1), 4.5, 4.0)
    assert compare(np.float32(0.5), 0.5, Tolerance(0.0, 0.0)).ok


def test_an_empty_array_keeps_its_whole_shape():
    c = compare(np.zeros((0, 3)), np.zeros((0, 2)), LOOSE)
    assert (c.ok, c.reason, c.detail) == (False, "shape",
                                          "shape (0, 3) != expected shape (0, 2)")
    assert compare(np.zeros((0, 3)), np.zeros((0, 3)), LOOSE).ok
