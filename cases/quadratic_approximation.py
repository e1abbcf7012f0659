"""Example 9: the quadratic approximation of f(x, y) = x e^(-x²-y²) at (-1, 0).

Each framework computes f, ∇f and Hf at (-1, 0) (the chapter gives them in closed
form), f on the chapter's 101 × 101 grid over [-2, 2]² (meshgrid with
indexing='ij', as the MXNet tab) and, from its own derivatives, the quadratic
f(p) + ∇f(p)·d + ½dᵀHf(p)d with d = (x + 1, y) on the same grid.

The reference derives the derivatives with SymPy: the quadratic is
e⁻¹(-1 - (x+1) + (x+1)² + y²), as the text and the MXNet tab say. The chapter's
PyTorch and TensorFlow tabs compute e⁻¹(-1 - (x+1) + 2(x+1)² + 2y²): their
quadratic terms are twice the right ones (doc mode reports that drift). Their
meshgrid calls pass no indexing: torch.meshgrid defaults to 'ij' (same layout as
here), tf.meshgrid to 'xy', so the TensorFlow tab's x, y, z, w are the transposes
of grid_x, grid_y, f_grid, quadratic_grid.

At (-1, 0) the gradient's y component and the mixed partials are zero, and on the
grid's line y = 0 so is dy: a wrong mixed term in the quadratic would go unseen.
So the same quadratic is also built about (-1/2, 1/2), where neither is zero, and
evaluated at points off both axes (quadratic_off_axis; reference from SymPy).
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

POINT = (-1.0, 0.0)
GRID = {"start": -2.0, "stop": 2.0, "num": 101, "indexing": "ij"}
SEED, LOW, HIGH = 109, -2.0, 2.0
POINTS = random_points(SEED, k=5, n=2, low=LOW, high=HIGH)
OFF_AXIS = (-0.5, 0.5)   # float32-exact; f_y and f_xy are nonzero here
STEPS = ((0.25, 0.5), (-0.25, 0.5), (0.25, -0.5), (-0.5, -0.25))  # dx * dy != 0


def f(xp, x, y):
    return x * xp.exp(- x**2 - y**2)


def quadratic(value, grad, hess, dx, dy):
    """f(p) + ∇f(p)·d + ½dᵀHf(p)d for steps d = (dx, dy) (arrays of any shape)."""
    return (value + grad[0] * dx + grad[1] * dy
            + 0.5 * (hess[0, 0] * dx**2 + (hess[0, 1] + hess[1, 0]) * dx * dy
                     + hess[1, 1] * dy**2))


def compute(be, dtype):
    xp = be.xp
    fv = lambda p: f(xp, p[0], p[1])
    p = be.asarray(POINT, dtype)
    value, grad = be.value_and_grad(fv)(p)
    hess = be.hessian(fv)(p)
    line = xp.linspace(GRID["start"], GRID["stop"], GRID["num"], dtype=dtype)
    x, y = xp.meshgrid(line, line, indexing="ij")
    z = f(xp, x, y)
    w = quadratic(value, grad, hess, x - p[0], y - p[1])
    q = be.asarray(OFF_AXIS, dtype)
    value_q, grad_q = be.value_and_grad(fv)(q)
    steps = [be.asarray([s[i] for s in STEPS], dtype) for i in (0, 1)]
    off_axis = quadratic(value_q, grad_q, be.hessian(fv)(q), *steps)
    return {
        "f0": be.to_numpy(value),
        "grad0": be.to_numpy(grad),
        "hessian0": be.to_numpy(hess),
        "grid_x": be.to_numpy(x),
        "grid_y": be.to_numpy(y),
        "f_grid": be.to_numpy(z),
        "quadratic_grid": be.to_numpy(w),
        "quadratic_off_axis": be.to_numpy(off_axis),
        "random_grad": at_points(be, dtype, be.grad(fv), POINTS),
        "random_hessian": at_points(be, dtype, be.hessian(fv), POINTS),
    }


def quadratic_expression(point=POINT):
    """(symbols, f, its second-order Taylor polynomial about `point`) from SymPy."""
    import sympy as sp
    x, y = sp.symbols("x y", real=True)
    F = x * sp.exp(-x**2 - y**2)
    at = {x: sp.Rational(point[0]), y: sp.Rational(point[1])}
    d = sp.Matrix([x - at[x], y - at[y]])
    g, h = sym_grad(F, (x, y)).subs(at), sym_hessian(F, (x, y)).subs(at)
    Q = F.subs(at) + (g.T * d)[0] + sp.Rational(1, 2) * (d.T * h * d)[0]
    return (x, y), F, Q


def reference():
    (x, y), F, Q = quadratic_expression()
    at = {x: int(POINT[0]), y: int(POINT[1])}
    line = np.linspace(GRID["start"], GRID["stop"], GRID["num"])
    gx, gy = np.meshgrid(line, line, indexing="ij")
    grid = np.stack([gx, gy], axis=-1)
    return {
        "f0": floats(F.subs(at)),
        "grad0": floats(sym_grad(F, (x, y)).subs(at)),
        "hessian0": floats(sym_hessian(F, (x, y)).subs(at)),
        "grid_x": gx,
        "grid_y": gy,
        "f_grid": mp_eval(F, (x, y), grid),
        "quadratic_grid": mp_eval(Q, (x, y), grid),
        "quadratic_off_axis": mp_eval(quadratic_expression(OFF_AXIS)[2], (x, y),
                                      np.add(OFF_AXIS, STEPS)),
        "random_grad": mp_eval(sym_grad(F, (x, y)), (x, y), POINTS),
        "random_hessian": mp_eval(sym_hessian(F, (x, y)), (x, y), POINTS),
    }


CASE = Case(
    id="quadratic_approximation",
    title="Quadratic approximation of x exp(-x^2 - y^2) at (-1, 0) on the chapter's grid",
    section="Hessians",
    chapter="sec_multivariable_calculus",
    section_number=6,
    order=9,
    outputs=("f0", "grad0", "hessian0", "grid_x", "grid_y", "f_grid", "quadratic_grid",
             "quadratic_off_axis", "random_grad", "random_hessian"),
    compute_fn=compute,
    reference_fn=reference,
    inputs={"function": "x exp(-x^2 - y^2)", "point": list(POINT), "grid": GRID,
            "off_axis": {"point": list(OFF_AXIS), "steps": [list(s) for s in STEPS]},
            "random": describe_points(SEED, POINTS, LOW, HIGH)},
    ops={"grad0": "value_and_grad", "hessian0": "hessian", "quadratic_grid": "hessian",
         "quadratic_off_axis": "hessian",
         "random_grad": "grad", "random_hessian": "hessian"},
    figures=[{"kind": "surface", "title": "x exp(-x^2 - y^2) and its quadratic "
              "approximation at (-1, 0)", "x": "grid_x", "y": "grid_y", "z": "f_grid",
              "z2": "quadratic_grid", "zlim": [-1, 1]}],
    chapter_variables={"x": "grid_x", "y": "grid_y", "z": "f_grid", "w": "quadratic_grid"},
    notes=__doc__,
)
