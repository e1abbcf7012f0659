"""Example 4: the critical points of f(x) = 3x⁴ - 4x³ - 12x² and its global minimum.

The chapter factors f'(x) = 12x(x - 2)(x + 1), reads off the critical points
-1, 0, 2 with values -5, 0, -32, concludes the minimum is at x = 2 and plots f on
arange(-2, 3, 0.01). Here each framework computes f and f' on that grid (f' as the
gradient of Σf(xᵢ), which for an elementwise f is f'(xᵢ) at each point), f, f' and
f'' at the chapter's critical points, the sign of f'' there (+1 minimum, -1
maximum), and the global minimum among them and on the grid. The reference solves
f' = 0 with SymPy.

Conditioning: the grid is made once in float64 (-2 + 0.01 i, 500 points, as
NumPy's arange gives) and rounded to float32, so both dtypes evaluate f at the same
x; frameworks' own float32 arange would differ from it by up to 1e-7 and could
even have 501 points (a difference doc mode may see in the chapter's own x). -1,
0 and 2 are exactly on the grid.
"""

import numpy as np

from cases.base import Case, at_points, describe_points, f32_exact, floats, mp_eval, random_points

GRID = f32_exact(-2.0 + 0.01 * np.arange(500))
CRITICAL_X = (-1.0, 0.0, 2.0)  # the chapter's roots of 12x(x - 2)(x + 1)
SEED, LOW, HIGH = 104, -2.0, 3.0
POINTS = random_points(SEED, k=5, n=1, low=LOW, high=HIGH)


def f(x):
    return (3 * x**4) - (4 * x**3) - (12 * x**2)


def compute(be, dtype):
    xp = be.xp

    def total(x):  # its gradient is f' elementwise, its Hessian diag(f'')
        return xp.sum(f(x))

    x = be.asarray(GRID, dtype)
    fx = be.to_numpy(f(x))
    crit = be.asarray(CRITICAL_X, dtype)
    crit_f = be.to_numpy(f(crit))
    d2 = np.diagonal(be.to_numpy(be.hessian(total)(crit))).copy()
    best = int(np.argmin(crit_f))
    return {
        "x": be.to_numpy(x),
        "f": fx,
        "df": be.to_numpy(be.grad(total)(x)),
        "critical_x": be.to_numpy(crit),
        "critical_f": crit_f,
        "critical_df": be.to_numpy(be.grad(total)(crit)),
        "critical_d2f": d2,
        "critical_d2f_sign": np.sign(d2).astype(dtype),
        "global_min_x": np.asarray(CRITICAL_X[best], dtype=dtype),
        "global_min_f": np.asarray(crit_f[best]),
        "grid_argmin_x": np.asarray(be.to_numpy(x)[np.argmin(fx)]),
        "random_df": at_points(be, dtype, be.grad(total), POINTS),
        "random_d2f": at_points(be, dtype, be.hessian(total), POINTS),
    }


def reference():
    import sympy as sp
    s = sp.symbols("x", real=True)
    F = 3 * s**4 - 4 * s**3 - 12 * s**2
    dF, d2F = sp.diff(F, s), sp.diff(F, s, 2)
    crit = sorted(sp.solve(sp.Eq(dF, 0), s))
    values = [F.subs(s, c) for c in crit]
    best = min(range(len(crit)), key=lambda i: values[i])
    grid_f = mp_eval(F, (s,), GRID[:, None])
    return {
        "x": GRID.copy(),
        "f": grid_f,
        "df": mp_eval(dF, (s,), GRID[:, None]),
        "critical_x": floats(crit),
        "critical_f": floats(values),
        "critical_df": floats([dF.subs(s, c) for c in crit]),
        "critical_d2f": floats([d2F.subs(s, c) for c in crit]),
        "critical_d2f_sign": floats([sp.sign(d2F.subs(s, c)) for c in crit]),
        "global_min_x": floats(crit[best]),
        "global_min_f": floats(values[best]),
        "grid_argmin_x": np.asarray(GRID[np.argmin(grid_f)]),
        "random_df": mp_eval(sp.Matrix([dF]), (s,), POINTS),
        "random_d2f": mp_eval(d2F, (s,), POINTS).reshape(-1, 1, 1),
    }


CASE = Case(
    id="critical_points",
    title="Critical points of 3x^4 - 4x^3 - 12x^2: -1, 0, 2, and the global minimum at 2",
    section="Uma Nota Sobre Otimização Matemática",
    chapter="sec_multivariable_calculus",
    section_number=3,
    order=4,
    outputs=("x", "f", "df", "critical_x", "critical_f", "critical_df", "critical_d2f",
             "critical_d2f_sign", "global_min_x", "global_min_f", "grid_argmin_x",
             "random_df", "random_d2f"),
    compute_fn=compute,
    reference_fn=reference,
    inputs={"function": "3x^4 - 4x^3 - 12x^2",
            "grid": "arange(-2, 3, 0.01) computed in float64, rounded to float32",
            "critical_x": list(CRITICAL_X), "random": describe_points(SEED, POINTS, LOW, HIGH)},
    ops={"df": "grad", "critical_df": "grad", "critical_d2f": "hessian",
         "random_df": "grad", "random_d2f": "hessian"},
    figures=[{"kind": "curve", "title": "f(x) = 3x^4 - 4x^3 - 12x^2 and its critical points",
              "x": "x", "y": "f", "marks_x": "critical_x", "marks_y": "critical_f",
              "xlabel": "x", "ylabel": "f(x)"}],
    chapter_variables={"x": "x", "f": "f"},
    notes=__doc__,
)
