"""where(x > 0, sqrt(x), 0) at x = -1: the function is 0 near -1, so its derivative is
0; but reverse mode multiplies the untaken branch's NaN derivative (sqrt(-1)) by zero,
and NaN * 0 = NaN poisons the gradient. The well-known double-where trap."""

from cases.conventions._rules import gradient_case, point


def rule():
    import sympy as sp
    x = sp.Symbol("x", real=True)
    d = sp.diff(sp.Piecewise((sp.sqrt(x), x > 0), (0, True)), x).subs(x, -1)
    return point([d], f"Piecewise((sqrt(x), x > 0), (0, True))' at -1 = {d}")


CASE = gradient_case(
    calls=("where",),
    id="conventions/where_sqrt_untaken", title="d where(x > 0, sqrt(x), 0)/dx at x = -1",
    section="Conventions", order=10, function="sum(where(v > 0, sqrt(v), 0 * v))",
    fn=lambda xp, v: xp.sum(xp.where(v > 0, xp.sqrt(v), 0.0 * v)), at=[-1.0], rule=rule,
    notes=__doc__)
