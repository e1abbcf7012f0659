"""`harness doc`: run a D2L chapter's code tab by tab and report where the tabs drift.

parser (read the markdown), runner + kernel (one interpreter per tab, in its env),
align + compare (which cells are the same example, and do they agree), cases (what
`cases/` says about the same examples), report (terminal, doc.json, doc.html).
Everything here but kernel.py runs in the stdlib-only orchestrator.
"""
