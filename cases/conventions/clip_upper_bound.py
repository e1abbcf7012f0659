"""clip(x, 0, 1) at its upper bound: slope 1 on the left, 0 on the right; [0, 1] valid."""

from cases.conventions._rules import gradient_case, one_sided_interval


def rule():
    import sympy as sp
    x = sp.Symbol("x", real=True)
    clip = sp.Piecewise((0, x < 0), (x, x <= 1), (1, True))  # clip(x, 0, 1) by definition
    return one_sided_interval(clip, x, 1)


CASE = gradient_case(
    calls=("clip", "clamp", "clip_by_value"),
    id="conventions/clip_upper_bound", title="d clip(x, 0, 1)/dx at x = 1",
    section="Conventions", order=13, function="sum(clip(v, 0, 1))",
    fn=lambda xp, v: xp.sum(xp.clip(v, 0.0, 1.0)), at=[1.0], rule=rule, notes=__doc__)
