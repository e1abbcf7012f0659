"""A float32 input times a NumPy float64 constant: NumPy, TensorFlow and JAX promote the
value to float64, PyTorch and MXNet keep float32 (both are type-promotion rules in use);
the gradient itself is 0.1 either way, and comes back in the input's dtype."""

import numpy as np

from cases.base import ConventionCase
from cases.conventions._rules import point

AT = [1.0, 2.0]
CONSTANT = np.float64(0.1)


def f(xp, v):
    return xp.sum(v * CONSTANT)


def compute(be, dtype):
    x = be.asarray(AT, dtype)
    value = be.to_numpy(f(be.xp, x))
    grad = be.to_numpy(be.grad(lambda v: f(be.xp, v))(x))
    promoted = float(value.dtype != np.dtype(dtype))
    return {"grad": grad, "value_promoted": np.asarray(promoted, dtype=dtype)}


def rules():
    import sympy as sp
    c = sp.Rational(1, 10)
    return {"grad": point([c, c], "d/dv_i sum(v * 0.1) = 0.1"),
            "value_promoted": {"kind": "set", "values": [[0.0], [1.0]],
                               "why": "keeping float32 (0) or promoting to float64 (1) "
                                      "are both documented promotion rules"}}


CASE = ConventionCase(
    calls=("float64",),
    id="conventions/float64_constant", title="float32 input times a numpy float64 constant",
    section="Conventions", order=15, outputs=("grad", "value_promoted"), compute_fn=compute,
    reference_fn=None, rules_fn=rules, scalar_function=f,
    inputs={"function": "sum(v * np.float64(0.1))", "at": AT}, ops={"grad": "grad"},
    notes=__doc__)
