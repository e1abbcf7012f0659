"""x * log(x) at 0: the formula is 0 * -inf (NaN) there; extended by continuity its
right derivative log(x) + 1 tends to -inf. Nothing is defined, every answer is valid."""

from cases.conventions._rules import anything, gradient_case


def rule():
    import sympy as sp
    x = sp.Symbol("x", positive=True)
    right = sp.limit(sp.diff(x * sp.log(x), x), x, 0, "+")
    return anything(f"log(x) undefined at 0; right derivative of the extension: {right}")


CASE = gradient_case(
    calls=("log",),
    id="conventions/xlogx_at_zero", title="d (x log x)/dx at x = 0", section="Conventions",
    order=11, function="sum(v * log(v))", fn=lambda xp, v: xp.sum(v * xp.log(v)), at=[0.0],
    rule=rule, notes=__doc__)
