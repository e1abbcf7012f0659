"""Rules (sets of valid answers) for convention cases, and the case builder.

A rule is JSON data the stdlib-only cross-check evaluates (harness/conventions):
- interval: low[i] <= g[i] <= high[i] (Clarke's generalized derivative of a
  piecewise-smooth function of one variable: between its one-sided derivatives);
- simplex: g >= 0, sum(g) = 1, g[i] = 0 off `support` (the subdifferential of a
  maximum over tied entries: the convex hull of their unit vectors, Danskin);
- ball: |g|_2 <= radius (the subdifferential of a norm at 0: its dual unit ball);
- point: g equals `value` (the derivative is defined; the formula may hide a trap);
- any: nothing is defined there, so any number, NaN or Inf is valid.
Every rule carries `why`: how it was derived.
"""

import numpy as np

from cases.base import ConventionCase, floats

SECTION = "Conventions"


def one_sided_interval(expr, x, at) -> dict:
    """[min, max] of the one-sided derivatives of expr(x) at `at`: limits of difference
    quotients over a positive step t (SymPy), so no derivative formula is trusted."""
    import sympy as sp

    t = sp.Symbol("t", positive=True)
    base = expr.subs(x, at)
    right = sp.limit((expr.subs(x, at + t) - base) / t, t, 0, "+")
    left = sp.limit((base - expr.subs(x, at - t)) / t, t, 0, "+")
    low, high = sorted([float(left), float(right)])
    return {"kind": "interval", "low": [low], "high": [high],
            "why": f"one-sided derivatives of {expr} at {at}: {left} (left), {right} (right)"}


def simplex_over_ties(point, kind="max") -> dict:
    """Subdifferential of max (or the generalized gradient of min) over tied entries."""
    values = np.asarray(point, dtype=np.float64)
    best = values.max() if kind == "max" else values.min()
    support = [int(i) for i in np.flatnonzero(values == best)]
    return {"kind": "simplex", "support": support, "size": int(values.size),
            "why": f"{kind} over the tied entries {support}: convex hull of their unit vectors"}


def unit_ball() -> dict:
    return {"kind": "ball", "radius": 1.0,
            "why": "subdifferential of the 2-norm at 0: the unit ball (dual norm)"}


def point(values, why: str) -> dict:
    return {"kind": "point", "value": [float(v) for v in floats(values).reshape(-1)],
            "why": why}


def anything(why: str) -> dict:
    return {"kind": "any", "why": why}


def gradient_case(*, id, title, section, order, calls, function, fn, at, rule, notes):
    """A convention case: the gradient of scalar `fn(xp, v)` at `at`, one output "grad"."""
    at = np.asarray(at, dtype=np.float64)

    def compute(be, dtype):
        g = be.grad(lambda v: fn(be.xp, v))(be.asarray(at, dtype))
        return {"grad": be.to_numpy(g)}

    return ConventionCase(
        id=id, title=title, section=section, order=order, calls=calls,
        outputs=("grad",),
        compute_fn=compute, reference_fn=None, rules_fn=lambda: {"grad": rule()}, scalar_function=fn,
        inputs={"function": function, "at": at.tolist()}, ops={"grad": "grad"}, notes=notes)
