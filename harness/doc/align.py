"""Which cells of different tabs are the same example?

Within one section, tabs with the same number of cells pair up by position (the
book writes each example once per tab, in the same order). Otherwise a tab's cells
are aligned to the reference tab's by the names they assign and, for cells that
assign none, by what they print or display (once the tabs have run), in a dynamic
programme that keeps the order, so an extra cell in one tab does not shift the
others. A cell left without a partner is marked `unmatched` (reported, never dropped).
"""

from harness.doc import parser
from harness.doc.compare import numbers


def _similarity(a, b, names, outputs=None) -> float:
    if a.index == b.index:          # the same `all` cell
        return 2.0
    na, nb = names[a.index], names[b.index]
    if na and nb:
        return len(na & nb) / len(na | nb)
    if na or nb:
        return 0.0
    if not outputs:
        return 0.1                       # two cells that bind nothing: weakly, by order
    oa, ob = outputs.get(a.index), outputs.get(b.index)
    if not oa or not ob:
        return 0.1 if not oa and not ob else 0.0
    return 0.5 if oa == ob else 0.25     # both show something: the same kind is likelier


def output_signatures(runs) -> dict:
    """{cell index: what it shows} for cells that printed or displayed something."""
    out = {}
    for run in runs.values():
        for index, reply in run.cells.items():
            shapes = tuple(sorted((k, tuple(v.get("shape") or ())) for k, v in
                                  (reply.get("display_values") or {}).items()))
            printed = len(numbers(reply.get("stdout") or ""))
            if shapes or printed or reply.get("display"):
                out.setdefault(index, (shapes, printed))
    return out


def _align_pair(ref, other, names, outputs=None):
    """{position in other: position in ref}, maximising total similarity, order kept."""
    n, m = len(ref), len(other)
    score = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            s = _similarity(ref[i], other[j], names, outputs)
            take = score[i + 1][j + 1] + s if s > 0 else -1.0
            score[i][j] = max(take, score[i + 1][j], score[i][j + 1])
    pairs, i, j = {}, 0, 0
    while i < n and j < m:
        s = _similarity(ref[i], other[j], names, outputs)
        if s > 0 and score[i][j] == score[i + 1][j + 1] + s:
            pairs[j] = i
            i, j = i + 1, j + 1
        elif score[i][j] == score[i + 1][j]:
            i += 1
        else:
            j += 1
    return pairs


def align(chapter, tabs, runs=None) -> list:
    """Groups of cells [{"section", "cells": {tab: Cell}, "unmatched"}] in document order;
    `runs` (tab -> TabRun) lets cells that assign no name pair up by their outputs."""
    outputs = output_signatures(runs) if runs else None
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
                mapping = _align_pair(ref, cells, names, outputs)
            for j, cell in enumerate(cells):
                if j in mapping:
                    rows[mapping[j]][tab] = cell
                else:
                    extra.append({tab: cell})
        rows.extend(extra)
        rows.sort(key=lambda r: min(c.start for c in r.values()))
        groups.extend({"section": section, "cells": r,
                       "unmatched": len(per_tab) > 1 and len(r) == 1} for r in rows)
    return groups
