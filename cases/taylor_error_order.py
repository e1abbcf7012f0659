"""Example 2: the error of L(w + ε) ≈ L(w) + ε·∇L(w) shrinks quadratically in ε.

L is the chapter's running example log(e^x + e^y), w = (0, log 2), and ε runs over
t·ε₀ for the chapter's ε₀ = (0.01, -0.03) and t = 64, 32, 16, 8. The outputs are
the remainders r(t) = L(w + tε₀) - L(w) - tε₀·∇L(w) and the observed orders
log2(r(t) / r(t/2)), which stay near 2 (SymPy, to two decimals: 1.93, 2.03, 2.03)
in both dtypes: the third-order term a₃t³ of r(t) = a₂t² + a₃t³ + ... keeps
them off 2 at these sizes, and since a₃/a₂ > 0 here the order tends to 2 from
above as t shrinks; at t = 64 the higher terms pull it below.

Conditioning: r is a difference of numbers near L(w) ≈ 1.1, so float32 leaves an
absolute error of a few 1e-7 in it. The order is log2 of a ratio of two remainders,
so its error is about that over r: with the chapter's own ε₀ (r ≈ 1.8e-4) float32
would miss the true order by ~1e-2 and the order could not be checked at the float32
tolerance (1e-4 relative). With t ≥ 8, r ≥ 1e-2 and float32 stays within ~1e-5
of the true order. Powers of two keep tε₀ exact in both dtypes. A wrong gradient makes
the order fall to ~1, which the reference rejects.
"""

import numpy as np

from cases.base import (
    Case,
    at_points,
    describe_points,
    f32_exact,
    floats,
    mp_eval,
    random_points,
    sym_grad,
)

W = (0.0, float(np.log(2.0)))
EPSILON0 = f32_exact([0.01, -0.03])
SCALES = (64.0, 32.0, 16.0, 8.0)
SEED, LOW, HIGH = 102, -2.0, 2.0
POINTS = random_points(SEED, k=5, n=2, low=LOW, high=HIGH)


def loss(xp, w):
    return xp.log(xp.exp(w[0]) + xp.exp(w[1]))


def compute(be, dtype):
    xp = be.xp
    L = lambda w: loss(xp, w)
    w = be.asarray(W, dtype)
    value, grad = be.value_and_grad(L)(w)
    remainders = []
    for t in SCALES:
        eps = be.asarray(EPSILON0 * t, dtype)
        remainders.append(L(w + eps) - value - xp.sum(eps * grad))
    r = xp.stack(remainders)
    order = xp.log(r[:-1] / r[1:]) / float(np.log(2.0))
    return {
        "taylor_remainder": be.to_numpy(r),
        "observed_order": be.to_numpy(order),
        "random_grad": at_points(be, dtype, be.grad(L), POINTS),
    }


def reference():
    import sympy as sp
    x, y = sp.symbols("x y", real=True)
    F = sp.log(sp.exp(x) + sp.exp(y))
    G = sym_grad(F, (x, y))
    w = {x: sp.Rational(W[0]), y: sp.log(2)}
    f0, g0 = F.subs(w), G.subs(w)
    rems = []
    for t in SCALES:
        e = [sp.Rational(v) * sp.Rational(t) for v in EPSILON0]
        rems.append(F.subs({x: w[x] + e[0], y: w[y] + e[1]}) - f0 - e[0] * g0[0] - e[1] * g0[1])
    orders = [sp.log(rems[i] / rems[i + 1], 2) for i in range(len(rems) - 1)]
    return {
        "taylor_remainder": floats(rems),
        "observed_order": floats(orders),
        "random_grad": mp_eval(G, (x, y), POINTS),
    }


CASE = Case(
    id="taylor_error_order",
    title="First-order Taylor model: the remainder shrinks quadratically (observed order)",
    section="Diferenciação de Dimensões Superiores",
    chapter="sec_multivariable_calculus",
    section_number=1,
    order=2,
    outputs=("taylor_remainder", "observed_order", "random_grad"),
    compute_fn=compute,
    reference_fn=reference,
    inputs={"function": "log(exp(w0) + exp(w1))", "w": list(W),
            "epsilon0": EPSILON0.tolist(), "scales": list(SCALES),
            "random": describe_points(SEED, POINTS, LOW, HIGH)},
    ops={"taylor_remainder": "value_and_grad", "observed_order": "value_and_grad",
         "random_grad": "grad"},
    notes=__doc__,
)
