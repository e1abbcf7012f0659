"""Example 12 (exercise 3): the gradient of L(x, y) = log(e^x + e^y) sums to 1.

∇L = (e^x, e^y)/(e^x + e^y), a softmax, so its components add up to 1 at every
point. Each framework differentiates L at seeded random points in [-5, 5]²; the
reference is SymPy's gradient, and its component sum simplifies to 1 exactly.
"""

import numpy as np

from cases.base import Case, at_points, describe_points, mp_eval, random_points, sym_grad

SEED, LOW, HIGH = 112, -5.0, 5.0
POINTS = random_points(SEED, k=8, n=2, low=LOW, high=HIGH)


def compute(be, dtype):
    xp = be.xp
    grads = at_points(be, dtype, be.grad(lambda p: xp.log(xp.exp(p[0]) + xp.exp(p[1]))),
                      POINTS)
    return {"random_grad": grads, "grad_sum": grads.sum(axis=1)}


def reference():
    import sympy as sp
    x, y = sp.symbols("x y", real=True)
    G = sym_grad(sp.log(sp.exp(x) + sp.exp(y)), (x, y))
    total = sp.simplify(G[0] + G[1])
    return {"random_grad": mp_eval(G, (x, y), POINTS),
            "grad_sum": mp_eval(total, (x, y), POINTS) + np.zeros(len(POINTS))}


CASE = Case(
    id="logsumexp_gradient_sum",
    title="Exercise: the gradient of log(e^x + e^y) and the sum of its components (1)",
    section="Exercises",
    chapter="sec_multivariable_calculus",
    section_number=9,
    order=12,
    outputs=("random_grad", "grad_sum"),
    compute_fn=compute,
    reference_fn=reference,
    inputs={"function": "log(exp(x) + exp(y))",
            "random": describe_points(SEED, POINTS, LOW, HIGH)},
    ops={"random_grad": "grad", "grad_sum": "grad"},
    notes=__doc__,
)
