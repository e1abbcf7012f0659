"""Turn the tabs' cell results into findings: drift, layout differences, errors.

For every aligned group and every pair of tabs that ran it, compare the variables
both cells defined or changed, the last expression's value, and the numbers they
printed. Each finding names the section, the cells' line numbers, what differs,
the tabs and the size of the difference.
"""

import itertools

from harness.doc.compare import Value, compare_printed, compare_values, value_tolerance

BAD_STATUS = ("error", "timeout", "crashed")


def _lines(cell) -> list:
    return [cell.start, cell.end]


def _dtypes(reply) -> list:
    out = [v.get("dtype") for v in reply.get("variables", {}).values() if "data" in v]
    if reply.get("display_value"):
        out.append(reply["display_value"].get("dtype"))
    return [d for d in out if d]


def analyze(groups, runs) -> list:
    """Findings for all groups; each group dict gains "findings" (indices into the list)."""
    findings = []

    def add(group_id, **item):
        item["group"] = group_id
        findings.append(item)
        groups[group_id].setdefault("findings", []).append(len(findings) - 1)

    for gid, group in enumerate(groups):
        group.setdefault("findings", [])
        cells = group["cells"]
        replies = {t: runs[t].cells.get(c.index) for t, c in cells.items()
                   if t in runs and runs[t].cells.get(c.index)}
        for tab, reply in replies.items():
            if reply["status"] in BAD_STATUS:
                err = reply.get("error") or {}
                add(gid, kind="error", section=group["section"], tabs=[tab],
                    lines={tab: _lines(cells[tab])}, what=f"cell {reply['status']}",
                    detail=f"{err.get('type')}: {err.get('message')}")
        for ta, tb in itertools.combinations(sorted(replies, key=list(runs).index), 2):
            ra, rb = replies[ta], replies[tb]
            if "not run" in (ra["status"], rb["status"]):
                continue
            where = {"section": group["section"], "tabs": [ta, tb],
                     "lines": {ta: _lines(cells[ta]), tb: _lines(cells[tb])}}
            for name in sorted(set(ra["variables"]) & set(rb["variables"])):
                va = Value.decode(ra["variables"][name])
                vb = Value.decode(rb["variables"][name])
                if va is None or vb is None:
                    continue
                _record(add, gid, where, f"variable {name}", va, vb)
            da, db = ra.get("display_value"), rb.get("display_value")
            if da and db and Value.decode(da) and Value.decode(db):
                _record(add, gid, where, "last expression", Value.decode(da), Value.decode(db))
            tol = value_tolerance(*(_dtypes(ra) + _dtypes(rb) or ["float64"]))
            for src, label in (("stdout", "printed output"), ("display", "last expression")):
                if src == "display" and da and db:
                    continue
                for r in compare_printed(ra.get(src) or "", rb.get(src) or "", tol):
                    if r["verdict"] == "agree":
                        continue
                    what = f"{label}, line {r['line']}" if r.get("line") else label
                    kind = "drift" if r["verdict"] == "drift" else "note"
                    add(gid, kind=kind, what=what, **where,
                        **{k: r.get(k) for k in ("max_abs", "max_rel", "tolerance", "detail",
                                                 "printed")})
    return findings


def _record(add, gid, where, what, va, vb):
    r = compare_values(va, vb)
    if r["verdict"] == "agree":
        return
    tabs = where["tabs"]
    add(gid, kind=r["verdict"], what=what, **where,
        values={tabs[0]: va.preview(), tabs[1]: vb.preview()},
        **{k: r.get(k) for k in ("max_abs", "max_rel", "worst_index", "tolerance",
                                 "layout", "detail", "dtypes", "shapes", "at_worst")})
