"""Example 11 (exercise 2): the gradient of the Euclidean norm, ∂‖v‖₂/∂v = v/‖v‖₂.

Each framework differentiates sqrt(Σvᵢ²) at a seeded v ∈ R⁵ and at seeded random
points (none near 0, where the norm is not differentiable); the gradient is a
unit vector, and its length is an output too. Reference: SymPy.
"""

import numpy as np

from cases.base import Case, at_points, describe_points, mp_eval, random_points, sym_grad

N = 5
SEED_V, SEED, LOW, HIGH = 1111, 111, -2.0, 2.0
V = random_points(SEED_V, k=1, n=N, low=LOW, high=HIGH)[0]
POINTS = random_points(SEED, k=5, n=N, low=LOW, high=HIGH)


def norm(xp, v):
    return xp.sqrt(xp.sum(v * v))


def compute(be, dtype):
    xp = be.xp
    grad = be.grad(lambda v: norm(xp, v))
    g = grad(be.asarray(V, dtype))
    return {
        "grad_norm": be.to_numpy(g),
        "grad_norm_length": be.to_numpy(norm(xp, g)),
        "random_grad": at_points(be, dtype, grad, POINTS),
    }


def reference():
    import sympy as sp
    vs = sp.symbols(f"v1:{N + 1}", real=True)
    G = sym_grad(sp.sqrt(sum(s**2 for s in vs)), vs)
    length = sp.sqrt(sum(e**2 for e in G))
    return {
        "grad_norm": mp_eval(G, vs, V),
        "grad_norm_length": mp_eval(length, vs, V),
        "random_grad": mp_eval(G, vs, POINTS),
    }


CASE = Case(
    id="norm_gradient",
    title="Exercise: the gradient of the 2-norm is v / |v|",
    section="Exercises",
    chapter="sec_multivariable_calculus",
    section_number=9,
    order=11,
    outputs=("grad_norm", "grad_norm_length", "random_grad"),
    compute_fn=compute,
    reference_fn=reference,
    inputs={"function": "sqrt(sum(v_i^2))", "v": V.tolist(), "v_seed": SEED_V,
            "random": describe_points(SEED, POINTS, LOW, HIGH)},
    ops={"grad_norm": "grad", "grad_norm_length": "grad", "random_grad": "grad"},
    notes=__doc__,
)
assert np.min(np.linalg.norm(POINTS, axis=1)) > 0.5  # far from the kink at 0
