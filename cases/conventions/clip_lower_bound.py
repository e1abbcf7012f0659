"""clip(x, 0, 1) at its lower bound: slope 0 on the left, 1 on the right; [0, 1] valid."""

from cases.conventions._rules import gradient_case, one_sided_interval


def rule():
    import sympy as sp
    x = sp.Symbol("x", real=True)
    clip = sp.Piecewise((0, x < 0), (x, x <= 1), (1, True))  # clip(x, 0, 1) by definition
    return one_sided_interval(clip, x, 0)


CASE = gradient_case(
    calls=("clip", "clamp", "clip_by_value"),
    id="conventions/clip_lower_bound", title="d clip(x, 0, 1)/dx at x = 0",
    section="Conventions", order=12, function="sum(clip(v, 0, 1))",
    fn=lambda xp, v: xp.sum(xp.clip(v, 0.0, 1.0)), at=[0.0], rule=rule, notes=__doc__)
