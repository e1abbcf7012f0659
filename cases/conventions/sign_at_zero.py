"""sign(x) jumps at 0: it has no derivative there (difference quotients grow without
bound), so any answer is valid; frameworks answer 0, as they do everywhere else."""

from cases.conventions._rules import anything, gradient_case


def rule():
    import sympy as sp
    h = sp.Symbol("h", positive=True)
    quotient = sp.limit(sp.sign(h) / h, h, 0, "+")
    return anything(f"sign jumps at 0: (sign(h) - sign(0)) / h -> {quotient}")


CASE = gradient_case(
    calls=("sign",),
    id="conventions/sign_at_zero", title="d sign(x)/dx at x = 0", section="Conventions",
    order=14, function="sum(sign(v))", fn=lambda xp, v: xp.sum(xp.sign(v)), at=[0.0],
    rule=rule, notes=__doc__)
