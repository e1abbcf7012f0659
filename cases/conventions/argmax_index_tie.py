"""v[argmax(v)] with a tie: the same function as max(v), written through argmax, so the
same rule holds; frameworks send the whole gradient to the index argmax picked."""

from cases.conventions._rules import gradient_case, simplex_over_ties

AT = [1.0, 1.0, 0.0]

CASE = gradient_case(
    calls=("argmax",),
    id="conventions/argmax_index_tie", title="gradient of v[argmax(v)] with two tied maxima",
    section="Conventions", order=6, function="v[argmax(v)]",
    fn=lambda xp, v: v[xp.argmax(v)], at=AT, rule=lambda: simplex_over_ties(AT),
    notes=__doc__)
