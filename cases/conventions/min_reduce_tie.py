"""min over a vector with a tie: weights on the tied minima, non-negative, summing to one."""

from cases.conventions._rules import gradient_case, simplex_over_ties

AT = [2.0, 2.0, 3.0]

CASE = gradient_case(
    calls=("min", "amin", "reduce_min"),
    id="conventions/min_reduce_tie", title="gradient of min(v) with two tied minima",
    section="Conventions", order=5, function="min(v)", fn=lambda xp, v: xp.min(v), at=AT,
    rule=lambda: simplex_over_ties(AT, kind="min"), notes=__doc__)
