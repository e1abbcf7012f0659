"""`harness doc`: run a D2L chapter's code tab by tab and report where the tabs drift.

parser (read the markdown), runner + worker/kernel (one interpreter per tab, in its
env; worker/randomness makes the tabs' random draws equal, worker/values turns what a
cell computed into comparable values), align + compare (which cells are the same
example, and do they agree), sources (what a cell reads, binds, and never compares),
analyze -> findings (one finding per problem, the structure doc.json carries),
caselink (what `cases/` says about the same examples), report (terminal, doc.json,
doc.html). Everything here but worker/ runs in the stdlib-only orchestrator.
"""
