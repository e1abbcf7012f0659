"""Example 7: the same four partials from each framework's automatic differentiation.

The chapter records f with `autograd.record()` / `requires_grad` / `GradientTape`
and reads w.grad, x.grad, y.grad, z.grad. Here `be.value_and_grad(f,
argnums=(0, 1, 2, 3))` does it on every backend; the values must match the
forward (example 5) and backward (example 6) hand computations, which share this
reference: SymPy's gradient of the composed f. Also at seeded random points.
"""

import numpy as np

from cases import _chain
from cases.base import Case

SEED = 107
POINTS = _chain.points(SEED)
PARTIALS = ("df_dw", "df_dx", "df_dy", "df_dz")


def f(w, x, y, z):
    return _chain.forward(w, x, y, z)[-1]


def compute(be, dtype):
    vg = be.value_and_grad(f, argnums=(0, 1, 2, 3))
    value, grads = vg(*(be.asarray(v, dtype) for v in _chain.POINT))
    out = {"f": be.to_numpy(value)}
    out.update({k: be.to_numpy(g) for k, g in zip(PARTIALS, grads)})
    out["random_grad"] = np.stack([
        np.stack([be.to_numpy(g) for g in vg(*(be.asarray(v, dtype) for v in p))[1]])
        for p in POINTS])
    return out


def reference():
    at = _chain.reference_at_point()
    _, grad = _chain.reference_at(POINTS)
    out = {"f": at["f"], "random_grad": grad}
    out.update({k: at["grad"][i] for i, k in enumerate(PARTIALS)})
    return out


_names = {"w": "df_dw", "x": "df_dx", "y": "df_dy", "z": "df_dz"}
CASE = Case(
    id="autograd_partials",
    title="Automatic differentiation gives the same df/dw, df/dx, df/dy, df/dz",
    section="O Algoritmo de Retropropagação",
    chapter="sec_multivariable_calculus",
    section_number=5,
    order=7,
    outputs=("f", *PARTIALS, "random_grad"),
    compute_fn=compute,
    reference_fn=reference,
    inputs=_chain.describe(SEED),
    ops={k: "value_and_grad" for k in (*PARTIALS, "random_grad")},
    chapter_variables={"f": "f", **{f"{v}.grad": o for v, o in _names.items()},
                       **{f"{v}_grad": o for v, o in _names.items()}},
    notes=__doc__,
)
