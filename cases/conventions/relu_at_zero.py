"""ReLU written as maximum(x, 0) at its kink: any slope in [0, 1] is a valid answer."""

from cases.conventions._rules import gradient_case, one_sided_interval


def rule():
    import sympy as sp
    x = sp.Symbol("x", real=True)
    return one_sided_interval(sp.Max(x, 0), x, 0)


CASE = gradient_case(
    calls=("relu", "maximum"),
    id="conventions/relu_at_zero", title="d maximum(x, 0)/dx at x = 0", section="Conventions",
    order=2, function="sum(maximum(v, 0))", fn=lambda xp, v: xp.sum(xp.maximum(v, 0.0)),
    at=[0.0], rule=rule, notes=__doc__)
