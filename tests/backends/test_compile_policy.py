"""The compile policy (backends.base.Staged), in every backend's environment.

An adapter with a compile step runs the first `be.eager_calls` calls per input shape
and dtype in its eager form, then the compiled one; each call records which ran, and
both forms give the closed form's numbers within the tolerance of the method used.
Adapters without one record their single declared method.
"""

import pytest

np = pytest.importorskip("numpy")

from harness.common.tolerances import compare, tolerance

OPS = ("grad", "value_and_grad", "jacobian", "hessian", "hvp")
X = np.array([0.3, -1.2, 0.7])
V = np.array([1.0, -0.5, 2.0])


def f(xp, x):   # f = x0^2 x1 + sin(x2) x0 + exp(x1) / 2
    return x[0] ** 2 * x[1] + xp.sin(x[2]) * x[0] + 0.5 * xp.exp(x[1])


def _closed_forms(x, v):
    g = np.array([2 * x[0] * x[1] + np.sin(x[2]), x[0] ** 2 + 0.5 * np.exp(x[1]),
                  np.cos(x[2]) * x[0]])
    h = np.array([[2 * x[1], 2 * x[0], np.cos(x[2])],
                  [2 * x[0], 0.5 * np.exp(x[1]), 0.0],
                  [np.cos(x[2]), 0.0, -np.sin(x[2]) * x[0]]])
    return {"grad": g, "value_and_grad": g, "jacobian": g, "hessian": h, "hvp": h @ v}


def _call(be, op, x, v):
    xp = be.xp
    fn = {"grad": be.grad, "value_and_grad": be.value_and_grad, "hessian": be.hessian,
          "hvp": be.hvp}.get(op)
    if op == "jacobian":
        made = be.jacobian(lambda t: xp.reshape(f(xp, t), (1,)))
        return lambda: made(x)
    made = fn(lambda t: f(xp, t))
    return (lambda: made(x, v)) if op == "hvp" else (lambda: made(x))


@pytest.mark.parametrize("op", OPS)
def test_eager_calls_then_compiled_each_recorded_and_right(be, op):
    x, v = be.asarray(X), be.asarray(V)
    expected = _closed_forms(X, V)[op]
    call = _call(be, op, x, v)
    calls = be.eager_calls + 2 if op in be.stages else 2
    seen = []
    for _ in range(calls):
        be.reset_used_methods()
        out = call()
        out = out[1] if op == "value_and_grad" else out
        (method,) = be.used_methods()[op]
        seen.append(method)
        got = be.to_numpy(out).reshape(expected.shape)
        result = compare(got, expected, tolerance("float64", be.method_class(method)))
        assert result.ok, f"{op} by {method}: {result.describe()}"
    if op in be.stages:
        eager, compiled = be.stages[op]
        assert seen == [eager] * be.eager_calls + [compiled] * 2
        assert str(be.eager_calls) in be.methods[op] or be.eager_calls == 0
    else:   # one form (MXNet may record its second-order fallback instead: _last_method)
        assert be.method_variants(op) == [be.methods[op]]


def test_a_new_input_shape_has_its_own_eager_calls(be):
    if not be.stages.get("grad") or be.eager_calls == 0:
        pytest.skip(f"{be.name} compiles from the first call")
    grad = be.grad(lambda t: be.xp.sum(t * t))
    small, large = be.asarray([1.0, 2.0]), be.asarray([1.0, 2.0, 3.0])
    be.reset_used_methods()
    for _ in range(be.eager_calls):
        grad(small)
    assert be.used_methods()["grad"] == [be.stages["grad"][0]]
    grad(large)   # another shape: still eager, its own count
    assert be.used_methods()["grad"] == [be.stages["grad"][0]]
    assert be.to_numpy(grad(small)).tolist() == [2.0, 4.0]   # small's next call compiles
    assert be.used_methods()["grad"] == list(be.stages["grad"])
