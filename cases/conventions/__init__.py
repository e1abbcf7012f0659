"""Convention cases: derivatives at points where frameworks legitimately differ.

Each module defines `CASE = gradient_case(...)`: a scalar function, a point at a kink,
a tie, a boundary or a trap, and the rule (the set of valid answers) that its
gradient there must satisfy. What each framework answered is kept as data in
outcomes.tsv, updated only by `python -m harness conventions record RUN_DIR`.
"""
