"""x**y at x = 0, y = 2: y -> 0**y is 0 for every y > 0, so both partials are 0; the
textbook formula d/dy = x**y * log(x) gives 0 * -inf = NaN."""

from cases.conventions._rules import gradient_case, point


def rule():
    import sympy as sp
    x, y = sp.symbols("x y", positive=True)
    dx = sp.diff(x**y, x).subs(y, 2).subs(x, 0)
    dy = sp.limit(sp.diff(x**y, y).subs(y, 2), x, 0, "+")
    return point([dx, dy], f"d/dx = y x^(y-1) = {dx}; d/dy = lim x->0+ x^2 log x = {dy}")


CASE = gradient_case(
    calls=("pow", "power"),
    id="conventions/power_zero_base", title="gradient of x**y at (0, 2)",
    section="Conventions", order=9, function="v[0] ** v[1]", fn=lambda xp, v: v[0] ** v[1],
    at=[0.0, 2.0], rule=rule, notes=__doc__)
