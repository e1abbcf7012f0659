"""maximum(a, b) at a tie: the gradient may split (1/2, 1/2) or pick one side; it must
be a convex combination of the unit vectors (non-negative, summing to one)."""

from cases.conventions._rules import gradient_case, simplex_over_ties

AT = [1.0, 1.0]

CASE = gradient_case(
    calls=("maximum",),
    id="conventions/maximum_tie", title="gradient of maximum(a, b) at a = b",
    section="Conventions", order=3, function="maximum(v[0], v[1])",
    fn=lambda xp, v: xp.maximum(v[0], v[1]), at=AT, rule=lambda: simplex_over_ties(AT),
    notes=__doc__)
