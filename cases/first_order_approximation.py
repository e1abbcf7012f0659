"""Example 1: the gradient of f(x, y) = log(e^x + e^y) predicts f near (0, log 2).

The chapter evaluates f and its gradient [1/3, 2/3] at (0, log 2) and compares the
first-order approximation f(p) + ε·∇f(p) with the true value f(p + ε) for
ε = (0.01, -0.03). Here the gradient comes from each framework's automatic
differentiation (the chapter writes grad_f by hand); the reference is SymPy's.
The PyTorch and TensorFlow tabs build their inputs as shape-(1,) tensors, so their
grad_approx and true_value have shape (1,) where these outputs are scalars.
"""

import numpy as np

from cases.base import Case, at_points, describe_points, floats, mp_eval, random_points, sym_grad

POINT = (0.0, float(np.log(2.0)))
EPSILON = (0.01, -0.03)
SEED, LOW, HIGH = 101, -2.0, 2.0
POINTS = random_points(SEED, k=5, n=2, low=LOW, high=HIGH)


def f(xp, x, y):
    return xp.log(xp.exp(x) + xp.exp(y))


def compute(be, dtype):
    xp = be.xp
    x0, y0 = be.asarray(POINT[0], dtype), be.asarray(POINT[1], dtype)
    eps = be.asarray(EPSILON, dtype)
    value, grads = be.value_and_grad(lambda x, y: f(xp, x, y), argnums=(0, 1))(x0, y0)
    grad = xp.stack(list(grads))
    grad_approx = value + xp.sum(eps * grad)
    true_value = f(xp, x0 + eps[0], y0 + eps[1])
    vec_f = lambda p: f(xp, p[0], p[1])
    return {
        "f0": be.to_numpy(value),
        "grad0": be.to_numpy(grad),
        "grad_approx": be.to_numpy(grad_approx),
        "true_value": be.to_numpy(true_value),
        "random_f": at_points(be, dtype, vec_f, POINTS),
        "random_grad": at_points(be, dtype, be.grad(vec_f), POINTS),
    }


def reference():
    import sympy as sp
    x, y = sp.symbols("x y", real=True)
    F = sp.log(sp.exp(x) + sp.exp(y))
    G = sym_grad(F, (x, y))
    at = {x: sp.Rational(POINT[0]), y: sp.log(2)}
    eps = [sp.Rational(e) for e in EPSILON]  # the float64 numbers, exactly
    f0, g0 = F.subs(at), G.subs(at)
    return {
        "f0": floats(f0),
        "grad0": floats(g0),
        "grad_approx": floats(f0 + eps[0] * g0[0] + eps[1] * g0[1]),
        "true_value": floats(F.subs({x: eps[0], y: sp.log(2) + eps[1]})),
        "random_f": mp_eval(F, (x, y), POINTS),
        "random_grad": mp_eval(G, (x, y), POINTS),
    }


CASE = Case(
    id="first_order_approximation",
    title="Gradient of log(e^x + e^y) and the first-order approximation at (0, log 2)",
    section="Diferenciação de Dimensões Superiores",
    chapter="sec_multivariable_calculus",
    section_number=1,
    order=1,
    outputs=("f0", "grad0", "grad_approx", "true_value", "random_f", "random_grad"),
    compute_fn=compute,
    reference_fn=reference,
    inputs={"function": "log(exp(x) + exp(y))", "point": list(POINT),
            "epsilon": list(EPSILON), "random": describe_points(SEED, POINTS, LOW, HIGH)},
    ops={"grad0": "value_and_grad", "grad_approx": "value_and_grad", "random_grad": "grad"},
    chapter_variables={"grad_approx": "grad_approx", "true_value": "true_value"},
    notes=__doc__,
)
