"""Example 13 (exercise 4): f(x, y) = x²y + xy² has one critical point, (0, 0), a saddle.

∇f = (2xy + y², x² + 2xy) vanishes only at (0, 0) (SymPy's solve gives the
reference), where the Hessian [[2y, 2x + 2y], [2x + 2y, 2x]] is the zero matrix: the
second-derivative test says nothing. Along the diagonal f(x, x) = 2x³, which takes
both signs around f(0, 0) = 0, so (0, 0) is neither a minimum nor a maximum
(is_extremum = 0). Each framework computes the gradient and Hessian there, f on
the diagonal, and derivatives at seeded random points.
"""

import numpy as np

from cases.base import (
    Case,
    at_points,
    describe_points,
    floats,
    mp_eval,
    random_points,
    sym_grad,
    sym_hessian,
)

CRITICAL = (0.0, 0.0)
DIAGONAL_T = (-1.0, -0.5, -0.25, 0.25, 0.5, 1.0)
SEED, LOW, HIGH = 113, -2.0, 2.0
POINTS = random_points(SEED, k=5, n=2, low=LOW, high=HIGH)


def f(p):
    x, y = p[0], p[1]
    return x**2 * y + x * y**2


def compute(be, dtype):
    xp = be.xp
    c = be.asarray(CRITICAL, dtype)
    t = be.asarray(DIAGONAL_T, dtype)
    on_diagonal = f(xp.stack([t, t]))
    f0, d = float(be.to_numpy(f(c))), be.to_numpy(on_diagonal)
    extremum = bool(np.all(d >= f0) or np.all(d <= f0))
    return {
        "critical_point": be.to_numpy(c),
        "f_critical": be.to_numpy(f(c)),
        "grad_at_critical": be.to_numpy(be.grad(f)(c)),
        "hessian_at_critical": be.to_numpy(be.hessian(f)(c)),
        "f_diagonal": d,
        "f_diagonal_over_t3": be.to_numpy(on_diagonal / t**3),
        "is_extremum": np.asarray(float(extremum), dtype=dtype),
        "random_grad": at_points(be, dtype, be.grad(f), POINTS),
        "random_hessian": at_points(be, dtype, be.hessian(f), POINTS),
    }


def reference():
    import sympy as sp
    x, y, t = sp.symbols("x y t", real=True)
    F = x**2 * y + x * y**2
    G, H = sym_grad(F, (x, y)), sym_hessian(F, (x, y))
    solutions = sp.solve(list(G), [x, y], dict=True)
    (crit,) = solutions  # exactly one critical point
    diag = sp.expand(F.subs({x: t, y: t}))  # 2 t**3
    values = [diag.subs(t, sp.Rational(v)) for v in DIAGONAL_T]
    f0 = F.subs(crit)
    extremum = all(v >= f0 for v in values) or all(v <= f0 for v in values)
    return {
        "critical_point": floats([crit[x], crit[y]]),
        "f_critical": floats(f0),
        "grad_at_critical": floats(G.subs(crit)),
        "hessian_at_critical": floats(H.subs(crit)),
        "f_diagonal": floats(values),
        "f_diagonal_over_t3": floats([sp.simplify(diag / t**3)] * len(DIAGONAL_T)),
        "is_extremum": np.asarray(float(extremum)),
        "random_grad": mp_eval(G, (x, y), POINTS),
        "random_hessian": mp_eval(H, (x, y), POINTS),
    }


CASE = Case(
    id="saddle_critical_point",
    title="Exercise: x^2 y + x y^2 has the single critical point (0, 0), neither min nor max",
    section="Exercises",
    chapter="sec_multivariable_calculus",
    section_number=9,
    order=13,
    outputs=("critical_point", "f_critical", "grad_at_critical", "hessian_at_critical",
             "f_diagonal", "f_diagonal_over_t3", "is_extremum", "random_grad",
             "random_hessian"),
    compute_fn=compute,
    reference_fn=reference,
    inputs={"function": "x^2 y + x y^2", "critical_point": list(CRITICAL),
            "diagonal_t": list(DIAGONAL_T), "random": describe_points(SEED, POINTS, LOW, HIGH)},
    ops={"grad_at_critical": "grad", "hessian_at_critical": "hessian", "random_grad": "grad",
         "random_hessian": "hessian"},
    notes=__doc__,
)
