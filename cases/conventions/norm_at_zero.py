"""The 2-norm written as sqrt(sum(v*v)) at v = 0: the subdifferential is the unit ball,
so 0 is the natural answer; the chain rule through sqrt gives inf * 0 = NaN."""

from cases.conventions._rules import gradient_case, unit_ball

CASE = gradient_case(
    calls=("norm",),
    id="conventions/norm_at_zero", title="gradient of sqrt(sum(v*v)) at v = 0",
    section="Conventions", order=8, function="sqrt(sum(v*v))",
    fn=lambda xp, v: xp.sqrt(xp.sum(v * v)), at=[0.0, 0.0], rule=unit_ball, notes=__doc__)
