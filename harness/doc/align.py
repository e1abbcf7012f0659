"""Which cells of different tabs are the same example?

Within one section, tabs with the same number of cells pair up by position (the
book writes each example once per tab, in the same order). Otherwise a tab's cells
are aligned to the reference tab's by the names they assign (a dynamic programme
maximising the overlap), so an extra cell in one tab does not shift the others.
"""

from harness.doc import parser


def _similarity(a, b, names) -> float:
    if a.index == b.index:          # the same `all` cell
        return 2.0
    na, nb = names[a.index], names[b.index]
    if not na or not nb:
        return 0.0
    return len(na & nb) / len(na | nb)


def _align_pair(ref, other, names):
    """{position in other: position in ref}, maximising total similarity, order kept."""
    n, m = len(ref), len(other)
    score = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            s = _similarity(ref[i], other[j], names)
            take = score[i + 1][j + 1] + s if s > 0 else -1.0
            score[i][j] = max(take, score[i + 1][j], score[i][j + 1])
    pairs, i, j = {}, 0, 0
    while i < n and j < m:
        s = _similarity(ref[i], other[j], names)
        if s > 0 and score[i][j] == score[i + 1][j + 1] + s:
            pairs[j] = i
            i, j = i + 1, j + 1
        elif score[i][j] == score[i + 1][j]:
            i += 1
        else:
            j += 1
    return pairs


def align(chapter, tabs) -> list:
    """Groups of cells [{"section", "cells": {tab: Cell}}] in document order."""
    names = {c.index: parser.assigned_names(parser.cell_program(c, c.tabs[0])[0])
             for c in chapter.cells}
    sections = list(dict.fromkeys(c.section for c in chapter.cells))
    groups = []
    for section in sections:
        per_tab = {t: [c for c in chapter.cells_for(t) if c.section == section] for t in tabs}
        per_tab = {t: cs for t, cs in per_tab.items() if cs}
        if not per_tab:
            continue
        ref_tab = max(per_tab, key=lambda t: len(per_tab[t]))
        ref = per_tab[ref_tab]
        rows = [{ref_tab: c} for c in ref]
        extra = []
        for tab, cells in per_tab.items():
            if tab == ref_tab:
                continue
            if len(cells) == len(ref):
                mapping = {j: j for j in range(len(cells))}
            else:
                mapping = _align_pair(ref, cells, names)
            for j, cell in enumerate(cells):
                if j in mapping:
                    rows[mapping[j]][tab] = cell
                else:
                    extra.append({tab: cell})
        rows.extend(extra)
        rows.sort(key=lambda r: min(c.start for c in r.values()))
        groups.extend({"section": section, "cells": r} for r in rows)
    return groups
