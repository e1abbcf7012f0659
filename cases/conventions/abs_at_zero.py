"""|x| at its kink: frameworks pick 0 (sign(0)) or 1; the subdifferential is [-1, 1]."""

from cases.conventions._rules import gradient_case, one_sided_interval


def rule():
    import sympy as sp
    x = sp.Symbol("x", real=True)
    return one_sided_interval(sp.Abs(x), x, 0)


CASE = gradient_case(
    calls=("abs",),
    id="conventions/abs_at_zero", title="d|x|/dx at x = 0", section="Conventions", order=1,
    function="sum(abs(v))", fn=lambda xp, v: xp.sum(xp.abs(v)), at=[0.0], rule=rule,
    notes=__doc__)
