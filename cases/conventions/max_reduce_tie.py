"""max over a vector with a tie: a valid gradient puts non-negative weights summing to
one on the tied entries only (e.g. split evenly, or all on the first)."""

from cases.conventions._rules import gradient_case, simplex_over_ties

AT = [1.0, 1.0, 0.0]

CASE = gradient_case(
    calls=("max", "amax", "reduce_max"),
    id="conventions/max_reduce_tie", title="gradient of max(v) with two tied maxima",
    section="Conventions", order=4, function="max(v)", fn=lambda xp, v: xp.max(v), at=AT,
    rule=lambda: simplex_over_ties(AT), notes=__doc__)
