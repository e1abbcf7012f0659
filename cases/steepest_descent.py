"""Example 3: -∇L/‖∇L‖ is the steepest-descent direction, and gradient descent lowers L.

L(w) = log(e^w₁ + e^w₂ + e^w₃) + ½‖w‖² (a log-sum-exp loss with weight decay: smooth,
strongly convex, so a small fixed step must lower it). At a seeded point w₀:
the directional derivative d/dt L(w₀ + t v) at t = 0, taken by automatic
differentiation in t, equals ‖∇L‖ cos θ for every unit v; it is lowest, -‖∇L‖, for
v = -∇L/‖∇L‖ (cos θ = -1). Then a few steps w ← w - η∇L(w) lower L every time.
"""

import numpy as np

from cases.base import Case, at_points, describe_points, f32_exact, mp_eval, random_points, sym_grad

N, STEPS, ETA = 3, 6, 0.25
SEED_W0, SEED_DIRS, SEED = 1031, 1032, 103
W0 = random_points(SEED_W0, k=1, n=N, low=-2.0, high=2.0)[0]
_dirs = np.random.default_rng(SEED_DIRS).normal(size=(6, N))
DIRECTIONS = f32_exact(_dirs / np.linalg.norm(_dirs, axis=1, keepdims=True))
LOW, HIGH = -2.0, 2.0
POINTS = random_points(SEED, k=5, n=N, low=LOW, high=HIGH)


def loss(xp, w):
    return xp.log(xp.sum(xp.exp(w))) + 0.5 * xp.sum(w * w)


def compute(be, dtype):
    xp = be.xp
    L = lambda w: loss(xp, w)
    grad_L = be.grad(L)
    w0 = be.asarray(W0, dtype)
    g = grad_L(w0)
    norm_g = xp.sqrt(xp.sum(g * g))
    steepest = -g / norm_g

    def slope(v):  # d/dt L(w0 + t v) at t = 0, by autodiff in t
        return be.grad(lambda t: L(w0 + t * v))(be.asarray(0.0, dtype))

    dirs = [be.asarray(v, dtype) for v in DIRECTIONS]
    slopes = xp.stack([slope(v) for v in dirs])
    cos = xp.stack([xp.sum(v * g) / (xp.sqrt(xp.sum(v * v)) * norm_g) for v in dirs])
    steepest_slope = slope(steepest)
    cos_steepest = xp.sum(steepest * g) / (xp.sqrt(xp.sum(steepest * steepest)) * norm_g)

    ws, losses, w = [w0], [L(w0)], w0
    for _ in range(STEPS):
        w = w - ETA * grad_L(w)
        ws.append(w)
        losses.append(L(w))
    gd_loss = be.to_numpy(xp.stack(losses))
    lowest = float(be.to_numpy(steepest_slope) <= be.to_numpy(slopes).min())
    return {
        "grad0": be.to_numpy(g),
        "steepest_direction": be.to_numpy(steepest),
        "directional_derivatives": be.to_numpy(slopes),
        "norm_grad_cos": be.to_numpy(norm_g * cos),
        "steepest_slope": be.to_numpy(steepest_slope),
        "cos_steepest": be.to_numpy(cos_steepest),
        "steepest_is_lowest": np.asarray(lowest, dtype=dtype),
        "gd_w": be.to_numpy(xp.stack(ws)),
        "gd_loss": gd_loss,
        "gd_always_decreases": np.asarray(float(np.all(np.diff(gd_loss) < 0)), dtype=dtype),
        "random_grad": at_points(be, dtype, grad_L, POINTS),
    }


def reference():
    import mpmath
    import sympy as sp
    ws = sp.symbols(f"w1:{N + 1}", real=True)
    F = sp.log(sum(sp.exp(s) for s in ws)) + sum(s**2 for s in ws) / 2
    G = sym_grad(F, ws)
    g = mp_eval(G, ws, W0)
    norm_g = np.sqrt(g @ g)
    slopes = DIRECTIONS @ g  # the chain rule: d/dt L(w0 + t v) = v . grad L(w0)
    cos = slopes / (np.linalg.norm(DIRECTIONS, axis=1) * norm_g)
    # gradient descent in 50-digit arithmetic, rounded once per output
    f_mp = sp.lambdify(ws, F, modules="mpmath")
    g_mp = sp.lambdify(ws, list(G), modules="mpmath")
    with mpmath.workdps(50):
        w = [mpmath.mpf(float(v)) for v in W0]
        path, losses = [list(w)], [f_mp(*w)]
        for _ in range(STEPS):
            w = [wi - mpmath.mpf(ETA) * gi for wi, gi in zip(w, g_mp(*w))]
            path.append(list(w))
            losses.append(f_mp(*w))
        gd_loss = np.array([float(v) for v in losses])
        decreases = all(losses[i + 1] < losses[i] for i in range(STEPS))
        gd_w = np.array([[float(v) for v in p] for p in path])
    return {
        "grad0": g,
        "steepest_direction": -g / norm_g,
        "directional_derivatives": slopes,
        "norm_grad_cos": norm_g * cos,
        "steepest_slope": np.asarray(-norm_g),
        "cos_steepest": np.asarray(-1.0),
        "steepest_is_lowest": np.asarray(float(-norm_g <= slopes.min())),
        "gd_w": gd_w,
        "gd_loss": gd_loss,
        "gd_always_decreases": np.asarray(float(decreases)),
        "random_grad": mp_eval(G, ws, POINTS),
    }


CASE = Case(
    id="steepest_descent",
    title="Steepest descent is -grad/|grad| (cos θ = -1); gradient descent lowers the loss",
    section="Geometria de Gradientes e Gradiente Descendente",
    chapter="sec_multivariable_calculus",
    section_number=2,
    order=3,
    outputs=("grad0", "steepest_direction", "directional_derivatives", "norm_grad_cos",
             "steepest_slope", "cos_steepest", "steepest_is_lowest", "gd_w", "gd_loss",
             "gd_always_decreases", "random_grad"),
    compute_fn=compute,
    reference_fn=reference,
    inputs={"function": "log(sum(exp(w))) + 0.5*|w|^2", "w0": W0.tolist(),
            "w0_seed": SEED_W0, "directions": DIRECTIONS.tolist(), "directions_seed": SEED_DIRS,
            "eta": ETA, "steps": STEPS, "random": describe_points(SEED, POINTS, LOW, HIGH)},
    ops={name: "grad" for name in ("grad0", "steepest_direction", "directional_derivatives",
                                    "norm_grad_cos", "steepest_slope", "cos_steepest", "gd_w",
                                    "gd_loss", "random_grad")},
    notes=__doc__,
)
