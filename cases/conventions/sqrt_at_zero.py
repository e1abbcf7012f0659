"""sqrt at 0: the right derivative is +inf and sqrt is not defined left of 0, so no
answer is wrong (inf, NaN or a number); what each framework answers is recorded."""

from cases.conventions._rules import anything, gradient_case


def rule():
    import sympy as sp
    x = sp.Symbol("x", real=True)
    right = sp.limit(sp.diff(sp.sqrt(x), x), x, 0, "+")
    return anything(f"right derivative {right}; sqrt(x) undefined for x < 0")


CASE = gradient_case(
    calls=("sqrt",),
    id="conventions/sqrt_at_zero", title="d sqrt(x)/dx at x = 0", section="Conventions",
    order=7, function="sum(sqrt(v))", fn=lambda xp, v: xp.sum(xp.sqrt(v)), at=[0.0],
    rule=rule, notes=__doc__)
