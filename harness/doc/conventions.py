"""Which convention cases a drifting cell may be about (a hint on its finding).

Frameworks legitimately differ where a derivative is not defined (kinks, ties,
boundaries: cases/conventions/). A drift in a cell that calls one of the APIs a
convention case declares in `calls` gets those cases named, so an author can tell
whether the tabs only differ at such a point (then it is a convention, and the
Conventions table of `harness run` shows each framework's answer) or really drift.
"""

import re
from functools import lru_cache

import cases


@lru_cache(maxsize=1)
def _calls() -> tuple:
    """((case id, compiled pattern of its calls), ...) from the stdlib-only case index."""
    found = []
    for entry in cases.case_index(groups=("conventions",)):
        names = "|".join(re.escape(c) for c in entry.get("calls") or ())
        if names:
            found.append((entry["id"], re.compile(rf"(?<![\w])(?:{names})\s*\(")))
    return tuple(found)


def related(sources) -> list[str]:
    """Convention case ids whose declared calls appear in any of the cell sources."""
    text = "\n".join(sources)
    return [case for case, pattern in _calls() if pattern.search(text)]


def annotate(finding: dict, sources) -> dict:
    """Name the related convention cases on a drift finding (and say why)."""
    ids = related(sources)
    finding["conventions"] = ids
    if ids:
        finding["detail"] = (finding.get("detail") or "") + (
            f" (this cell calls APIs where frameworks legitimately differ at kinks and ties: "
            f"{', '.join(ids)}; if the tabs differ only at such a point, it is a convention)")
    return finding
