"""Example 10: matrix derivatives from the chapter, in denominator layout.

d(βᵀx)/dx = β and d(xᵀβ)/dx = β (exercise 1: the same scalar, so the same
gradient); d(xᵀAx)/dx = (A + Aᵀ)x for a non-symmetric A (a symmetric A would hide a
missing transpose); d‖X - UV‖²/dV = -2Uᵀ(X - UV) for X n×m, U n×r, V r×m. Each
framework differentiates the scalar; the reference is the chapter's closed form,
evaluated in float64 NumPy. Also at seeded random x and V.
"""

import numpy as np

from cases.base import Case, at_points, describe_points, random_points

N, M, R = 4, 3, 2
SEED = 110
_draw = random_points(SEED, k=1, n=N + N + N * N + N * M + N * R + R * M, low=-1.0, high=1.0)[0]
_parts = np.split(_draw, np.cumsum([N, N, N * N, N * M, N * R]))
BETA, X_VEC = _parts[0], _parts[1]
A = _parts[2].reshape(N, N)
X, U, V = _parts[3].reshape(N, M), _parts[4].reshape(N, R), _parts[5].reshape(R, M)
RANDOM_SEED, LOW, HIGH = 1101, -1.0, 1.0
POINTS_X = random_points(RANDOM_SEED, k=4, n=N, low=LOW, high=HIGH)
POINTS_V = random_points(RANDOM_SEED + 1, k=4, n=R * M, low=LOW, high=HIGH)


def compute(be, dtype):
    xp = be.xp
    beta, x, a = be.asarray(BETA, dtype), be.asarray(X_VEC, dtype), be.asarray(A, dtype)
    big_x, u = be.asarray(X, dtype), be.asarray(U, dtype)

    def quad(v):
        return xp.dot(v, xp.matmul(a, v))

    def residual(v):
        return xp.sum((big_x - xp.matmul(u, v))**2)

    grad_v = be.grad(residual)
    return {
        "grad_betaT_x": be.to_numpy(be.grad(lambda v: xp.dot(beta, v))(x)),
        "grad_xT_beta": be.to_numpy(be.grad(lambda v: xp.dot(v, beta))(x)),
        "grad_xT_A_x": be.to_numpy(be.grad(quad)(x)),
        "grad_V": be.to_numpy(grad_v(be.asarray(V, dtype))),
        "random_grad_xT_A_x": at_points(be, dtype, be.grad(quad), POINTS_X),
        "random_grad_V": np.stack([be.to_numpy(grad_v(be.asarray(p.reshape(R, M), dtype)))
                                   for p in POINTS_V]),
    }


def reference():
    def d_residual(v):
        return -2 * U.T @ (X - U @ v)

    return {
        "grad_betaT_x": BETA.copy(),
        "grad_xT_beta": BETA.copy(),
        "grad_xT_A_x": (A + A.T) @ X_VEC,
        "grad_V": d_residual(V),
        "random_grad_xT_A_x": POINTS_X @ (A + A.T).T,
        "random_grad_V": np.stack([d_residual(p.reshape(R, M)) for p in POINTS_V]),
    }


CASE = Case(
    id="matrix_calculus",
    title="Matrix calculus: d(b'x)/dx = d(x'b)/dx = b, d(x'Ax)/dx = (A + A')x, "
          "d|X - UV|^2/dV = -2U'(X - UV)",
    section="Um Pouco de Cálculo Matricial",
    chapter="sec_multivariable_calculus",
    section_number=7,
    order=10,
    outputs=("grad_betaT_x", "grad_xT_beta", "grad_xT_A_x", "grad_V", "random_grad_xT_A_x",
             "random_grad_V"),
    compute_fn=compute,
    reference_fn=reference,
    inputs={"shapes": {"n": N, "m": M, "r": R}, "seed": SEED,
            "draw": "one uniform(-1, 1) draw rounded to float32, split into beta, x, A, X, U, V",
            "beta": BETA.tolist(), "x": X_VEC.tolist(), "A": A.tolist(), "X": X.tolist(),
            "U": U.tolist(), "V": V.tolist(),
            "random_x": describe_points(RANDOM_SEED, POINTS_X, LOW, HIGH),
            "random_V": describe_points(RANDOM_SEED + 1, POINTS_V, LOW, HIGH)},
    ops={k: "grad" for k in ("grad_betaT_x", "grad_xT_beta", "grad_xT_A_x", "grad_V",
                             "random_grad_xT_A_x", "random_grad_V")},
    notes=__doc__,
)
