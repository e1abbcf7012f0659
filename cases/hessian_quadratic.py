"""Example 8: a quadratic is its own second-order expansion; mixed partials commute.

f(x₁, x₂) = a + b₁x₁ + b₂x₂ + c₁₁x₁² + c₁₂x₁x₂ + c₂₂x₂² with seeded coefficients:
f(0) = a, ∇f(0) = (b₁, b₂) and Hf(0) = [[2c₁₁, c₁₂], [c₁₂, 2c₂₂]] (the chapter),
and f(0) + ∇f(0)·x + ½xᵀHf(0)x, built from each framework's own derivatives,
reproduces f at seeded points; so does the expansion about a seeded x₀ (the
chapter's general formula). H·x also comes from `be.hvp`. Mixed partials commute:
the Hessians of the non-polynomial g(x₁, x₂) = exp(x₁x₂) + x₁³x₂ + sin(x₁ + 2x₂) at
seeded points are symmetric (their H - Hᵀ is an output, compared with 0).
"""

import numpy as np

from cases.base import Case, at_points, describe_points, mp_eval, random_points, sym_hessian

COEF_SEED, X0_SEED, SEED = 1081, 1082, 108
A, B1, B2, C11, C12, C22 = (float(v) for v in random_points(COEF_SEED, 1, 6, -2.0, 2.0)[0])
X0 = random_points(X0_SEED, k=1, n=2, low=-1.0, high=1.0)[0]
LOW, HIGH = -1.5, 1.5
POINTS = random_points(SEED, k=5, n=2, low=LOW, high=HIGH)


def quadratic(x):
    return A + B1 * x[0] + B2 * x[1] + C11 * x[0]**2 + C12 * x[0] * x[1] + C22 * x[1]**2


def g(xp, x):
    return xp.exp(x[0] * x[1]) + x[0]**3 * x[1] + xp.sin(x[0] + 2 * x[1])


def compute(be, dtype):
    xp = be.xp
    zero, x0 = be.asarray([0.0, 0.0], dtype), be.asarray(X0, dtype)
    value0, grad0 = be.value_and_grad(quadratic)(zero)
    hess0 = be.hessian(quadratic)(zero)
    value_x0, grad_x0 = be.value_and_grad(quadratic)(x0)
    hess_x0 = be.hessian(quadratic)(x0)

    def expansion_about(value, grad, hess, centre):
        return [value + xp.sum(grad * (p - centre))
                + 0.5 * xp.sum((p - centre) * xp.matmul(hess, p - centre))
                for p in (be.asarray(q, dtype) for q in POINTS)]

    hvp = be.hvp(quadratic)
    hessians = at_points(be, dtype, be.hessian(lambda x: g(xp, x)), POINTS)
    return {
        "value0": be.to_numpy(value0),
        "grad0": be.to_numpy(grad0),
        "hessian0": be.to_numpy(hess0),
        "f_at_points": at_points(be, dtype, quadratic, POINTS),
        "expansion_at_0": be.to_numpy(xp.stack(expansion_about(value0, grad0, hess0, zero))),
        "hessian_at_x0": be.to_numpy(hess_x0),
        "expansion_at_x0": be.to_numpy(xp.stack(expansion_about(value_x0, grad_x0, hess_x0,
                                                                x0))),
        "hvp0": at_points(be, dtype, lambda p: hvp(zero, p), POINTS),
        "random_hessian": hessians,
        "random_hessian_asymmetry": hessians - np.swapaxes(hessians, 1, 2),
    }


def reference():
    import sympy as sp
    x1, x2 = sp.symbols("x1 x2", real=True)
    a, b1, b2, c11, c12, c22 = (sp.Rational(v) for v in (A, B1, B2, C11, C12, C22))
    F = a + b1 * x1 + b2 * x2 + c11 * x1**2 + c12 * x1 * x2 + c22 * x2**2
    H = sym_hessian(F, (x1, x2))  # constant: [[2c11, c12], [c12, 2c22]]
    G = sp.exp(x1 * x2) + x1**3 * x2 + sp.sin(x1 + 2 * x2)
    HG = sym_hessian(G, (x1, x2))
    f_points = mp_eval(F, (x1, x2), POINTS)
    hg = mp_eval(HG, (x1, x2), POINTS)
    return {
        "value0": mp_eval(F, (x1, x2), [0.0, 0.0]),
        "grad0": mp_eval(sp.Matrix([b1, b2]), (x1, x2), [0.0, 0.0]),
        "hessian0": mp_eval(H, (x1, x2), [0.0, 0.0]),
        "f_at_points": f_points,
        "expansion_at_0": f_points.copy(),  # a quadratic is its own expansion
        "hessian_at_x0": mp_eval(H, (x1, x2), X0),
        "expansion_at_x0": f_points.copy(),
        "hvp0": mp_eval(H * sp.Matrix([x1, x2]), (x1, x2), POINTS),
        "random_hessian": hg,
        "random_hessian_asymmetry": mp_eval(HG - HG.T, (x1, x2), POINTS),
    }


CASE = Case(
    id="hessian_quadratic",
    title="Hessian of a general quadratic: its second-order expansion is exact; "
          "mixed partials commute",
    section="Hessians",
    chapter="sec_multivariable_calculus",
    section_number=6,
    order=8,
    outputs=("value0", "grad0", "hessian0", "f_at_points", "expansion_at_0", "hessian_at_x0",
             "expansion_at_x0", "hvp0", "random_hessian", "random_hessian_asymmetry"),
    compute_fn=compute,
    reference_fn=reference,
    inputs={"function": "a + b1 x1 + b2 x2 + c11 x1^2 + c12 x1 x2 + c22 x2^2",
            "coefficients": dict(zip(("a", "b1", "b2", "c11", "c12", "c22"),
                                     (A, B1, B2, C11, C12, C22))),
            "coefficients_seed": COEF_SEED, "x0": X0.tolist(), "x0_seed": X0_SEED,
            "symmetry_function": "exp(x1 x2) + x1^3 x2 + sin(x1 + 2 x2)",
            "random": describe_points(SEED, POINTS, LOW, HIGH)},
    ops={"grad0": "value_and_grad", "hessian0": "hessian", "expansion_at_0": "hessian",
         "hessian_at_x0": "hessian", "expansion_at_x0": "hessian", "hvp0": "hvp",
         "random_hessian": "hessian", "random_hessian_asymmetry": "hessian"},
    notes=__doc__,
)
