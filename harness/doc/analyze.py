"""Turn the tabs' cell results into findings (harness.doc.findings): one per problem.

Per aligned group of cells, every value the tabs computed (variables, the last
expression, figure data, printed numbers) is compared across all tabs at once: tabs
that agree form a cluster, and more than one cluster is a disagreement. All the
disagreements of one group fold into one `drift` finding whose odd tab(s) come from a
linked case's reference, else from the majority. What flows on from an earlier cell
is tracked per tab: a later cell that reads a drifting name and differs is *inherited*
(listed under the first finding, not a new one) unless another tab is the odd one
there, and values that depend on a random draw the kernel could not make equal are
`not_compared`.
"""

from collections import defaultdict

from harness.doc import conventions, parser, sources
from harness.doc import findings as F
from harness.doc.compare import Value, compare_printed, compare_values, value_tolerance

BAD_STATUS = ("error", "timeout", "crashed")
AGREE = ("agree", "layout")


class _Flow:
    """What earlier cells leave behind, per tab."""

    def __init__(self):
        self.random = defaultdict(dict)     # tab -> {name: why it is random}
        self.drifted = {}                   # name -> the drift finding it first differed in
        self.failed = defaultdict(dict)     # tab -> {name: the error finding of its cell}
        self.latest = defaultdict(dict)     # tab -> {path: Value} last reported
        self.stats = {"values_compared": 0, "groups_compared": 0, "values_not_compared": 0}


def analyze(groups, runs, checks=(), chapter=None) -> tuple:
    """(findings, stats); each group dict gains "findings" (ids) and maybe "inherited_from"."""
    flow, out = _Flow(), []
    for gid, group in enumerate(groups):
        group["findings"] = []
        _analyze_group(gid, group, runs, checks, flow, out)
    F.number(out)
    by_obj = {id(f): f["id"] for f in out}
    for group in groups:
        origin = group.pop("_inherited_from", None)
        if origin is not None:
            group["inherited_from"] = by_obj[id(origin)]
    for f in out:
        groups[f["group"]]["findings"].append(f["id"])
        if chapter is not None and f["lines"]:
            f["section_number"] = chapter.section_number(min(a for a, _ in f["lines"].values()))
    return out, flow.stats


def _cell_facts(group):
    """{tab: (assigned, loaded, volatile names, volatile printed reason)} from the source."""
    facts = {}
    for tab, cell in group["cells"].items():
        src = parser.cell_program(cell, tab)[0]
        vol, printed = sources.volatile(src)
        facts[tab] = (parser.assigned_names(src, imports=True), sources.loaded_names(src), vol,
                      printed)
    return facts


def _analyze_group(gid, group, runs, checks, flow, out):
    cells = group["cells"]
    replies = {t: runs[t].cells.get(c.index) for t, c in cells.items()
               if t in runs and runs[t].cells.get(c.index)}
    replies = {t: r for t, r in replies.items() if r.get("status") != "not run"}
    facts = _cell_facts(group)
    lines = {t: [cells[t].start, cells[t].end] for t in replies}
    base = {"lines": lines, "tabs": list(replies)}
    _errors(gid, group, replies, facts, flow, out, base)
    _warnings(gid, group, replies, out, lines)
    # a cell that raised still computed what came before the raising line: compare that
    ok = {t: r for t, r in replies.items() if r.get("status") in ("ok", "error")}
    obs, not_compared = _observations(ok, facts, flow)
    if group.get("unmatched"):
        tab, cell = next(iter(cells.items()))
        not_compared.insert(0, {"what": f"cell at lines {cell.start}-{cell.end}", "tabs": [tab],
                                "reason": "unmatched: no cell of the other tabs pairs with it"})
    items = _compare(obs, ok, facts, flow, not_compared)
    not_compared = _fold(not_compared)
    flow.stats["values_not_compared"] += len(not_compared)
    if items["compared"]:
        flow.stats["groups_compared"] += 1
        flow.stats["values_compared"] += items["compared"]
    drift, layout = items["drift"], items["layout"]
    if drift:
        _drift(gid, group, drift, ok, facts, checks, flow, out, base)
    if layout:
        out.append(F.new("layout", gid, group["section"], **base,
                         what=", ".join(i["what"] for i in layout) + ": " + "; ".join(
                             sorted({i["layout"].split(" (")[0] for i in layout})),
                         items=layout, detail=layout[0]["layout"]))
    if not_compared:
        out.append(F.new("not_compared", gid, group["section"], **base, items=not_compared,
                         what="; ".join(f"{i['what']} ({i['reason']})" for i in not_compared[:3])
                         + (f"; {len(not_compared) - 3} more" if len(not_compared) > 3 else ""),
                         detail=f"{len(not_compared)} value(s) not compared"))


# --- errors and warnings ----------------------------------------------------------------

def _errors(gid, group, replies, facts, flow, out, base):
    by_message = defaultdict(list)
    for tab, reply in replies.items():
        if reply["status"] in BAD_STATUS:
            err = reply.get("error") or {}
            by_message[(reply["status"], err.get("type"), err.get("message"))].append(tab)
    for (status, etype, message), tabs in by_message.items():
        origin = next((flow.failed[t][n] for t in tabs for n in sorted(facts[t][1])
                       if n in flow.failed[t]), None)
        where = {t: base["lines"][t] for t in tabs}
        if origin is not None:          # e.g. NameError for what a failed cell never defined
            origin["inherited"].append({"group": gid, "section": group["section"],
                                        "lines": where, "what": f"{etype}: {message}"})
            finding = origin
        else:
            others = [t for t in replies if t not in tabs]
            finding = F.new("error", gid, group["section"], lines=where, tabs=list(tabs),
                            odd_tabs=list(tabs) if others else [],
                            odd_by="majority" if others else "neither",
                            what=f"cell {status} in {', '.join(tabs)}: {etype}",
                            detail=f"{etype}: {message}",
                            items=[{"what": f"{t}: {etype}: {message}", "tabs": [t],
                                    "line": (replies[t].get("error") or {}).get("line")}
                                   for t in tabs])
            out.append(finding)
        for t in tabs:
            flow.failed[t].update({n: finding for n in facts[t][0]})


def _warnings(gid, group, replies, out, lines):
    for tab, reply in replies.items():
        found = reply.get("warnings") or []
        if not found:
            continue
        items = [{"what": f"{w['category']}: {w['message'].splitlines()[0][:300]}",
                  "line": w.get("line"), "source": w.get("source"), "tabs": [tab]}
                 for w in found]
        out.append(F.new("warning", gid, group["section"], lines={tab: lines[tab]}, tabs=[tab],
                         odd_tabs=[tab], odd_by="neither",
                         what=items[0]["what"] + (f" (+{len(items) - 1} more)"
                                                  if len(items) > 1 else ""),
                         items=items, detail=f"line {items[0]['line']}"))


# --- what each tab computed -------------------------------------------------------------

def _observations(ok, facts, flow):
    """({key: {tab: Value}}, [not compared items]) for the tabs whose cell ran."""
    obs, nc = defaultdict(dict), []
    for tab, reply in ok.items():
        assigned, loaded, vol, _ = facts[tab]
        why_random = _random_reason(reply, loaded, flow.random[tab])
        if why_random:
            flow.random[tab].update({n: why_random for n in assigned})
        values = {}
        for path, obj in (reply.get("variables") or {}).items():
            values[f"variable {path}"] = obj
        for path, obj in (reply.get("display_values") or {}).items():
            values[f"last expression{path}"] = obj
        for path, obj in (reply.get("figure_data") or {}).items():
            values[path] = obj
        for key, obj in values.items():
            name = key.split(" ", 1)[1].split("[")[0] if key.startswith("variable ") else None
            reason = obj.get("not_compared")
            reason = reason or (vol.get(name) if name else None)
            reason = reason or (f"random: {why_random}" if why_random else None)
            if reason:
                nc.append({"what": key, "tabs": [tab], "reason": reason})
                continue
            val = Value.decode(obj)
            if val is None:
                nc.append({"what": key, "tabs": [tab], "reason": "could not be decoded"})
                continue
            obs[key][tab] = val
            if name:
                flow.latest[tab][key] = val
    _fill_unchanged(obs, ok, facts, flow)
    _same_fact(obs, ok)
    return obs, nc


def _random_reason(reply, loaded, tainted) -> str | None:
    rnd = reply.get("random") or {}
    if rnd.get("uncovered"):
        what = ("native draws (--native-random)" if rnd.get("mode") == "native"
                else "draws the kernel could not make equal")
        return f"{what}: " + ", ".join(sorted(rnd["uncovered"]))
    hit = sorted(set(loaded) & set(tainted))
    if hit:
        return f"depends on {hit[0]} ({tainted[hit[0]]})"
    return None


def _fill_unchanged(obs, ok, facts, flow):
    """A cell that rebinds a name to an unchanged value ships nothing: use the last one."""
    for key, per_tab in obs.items():
        if not key.startswith("variable "):
            continue
        name = key.split(" ", 1)[1].split("[")[0]
        for tab in ok:
            if tab not in per_tab and name in facts[tab][0] and key in flow.latest[tab]:
                per_tab[tab] = flow.latest[tab][key]


def _same_fact(obs, ok):
    """One fact in two forms: `a == b` (a boolean) in one tab, `a, b` (the two numbers) in
    another; or one value in a tab and a tuple repeating it (`mm(A, B), A @ B`) in another."""
    single = obs.get("last expression", {})
    if not single:
        return
    ref = next((v for v in single.values() if v.dtype == "bool"), next(iter(single.values())))
    for tab in ok:
        items = [obs.get(f"last expression[{i}]", {}).get(tab) for i in range(8)]
        items = [v for v in items if v is not None]
        mine = single.get(tab)
        if not items and mine is not None and mine.dtype != "bool" and ref.dtype == "bool" \
                and mine.shape and mine.shape[0] == 2 and mine.size == 2 * ref.size:
            half = mine.size // 2              # `a, b` of two numbers became one array
            items = [Value(mine.flat[:half], mine.shape[1:], mine.dtype),
                     Value(mine.flat[half:], mine.shape[1:], mine.dtype)]
        if not items:
            continue
        if ref.dtype == "bool" and len(items) == 2 and items[0].size == items[1].size:
            tol = value_tolerance(items[0].dtype, items[1].dtype)
            flat = [abs(x - y) <= tol.atol + tol.rtol * abs(y) for x, y in
                    zip(items[0].flat, items[1].flat)]
            single[tab] = Value(flat, items[0].shape, "bool")
            used = [0, 1]
        elif tab not in single:
            used = [i for i, v in enumerate(items) if v.size == ref.size][:1]
            if not used:
                continue
            single[tab] = items[used[0]]
        else:
            continue
        for i in used:         # the rest stay, listed as values only this tab shows
            obs.get(f"last expression[{i}]", {}).pop(tab, None)


def _fold(items) -> list:
    """Not-compared items that differ only by tab become one item naming the tabs."""
    merged = {}
    for item in items:
        key = (item["what"], item["reason"])
        if key in merged:
            merged[key]["tabs"] = merged[key]["tabs"] + [t for t in item["tabs"]
                                                         if t not in merged[key]["tabs"]]
        else:
            merged[key] = dict(item)
    return list(merged.values())


# --- comparing --------------------------------------------------------------------------

def _clusters(per_tab, cmp):
    """Tabs grouped by agreement: [[tab, ...], ...] and the results against each rep."""
    clusters, results = [], {}
    for tab, val in per_tab.items():
        for cluster in clusters:
            r = cmp(per_tab[cluster[0]], val)
            results[(cluster[0], tab)] = r
            if r["verdict"] in AGREE:
                cluster.append(tab)
                break
        else:
            clusters.append([tab])
    return clusters, results


def _compare(obs, ok, facts, flow, nc):
    drift, layout, compared = [], [], 0
    for key, per_tab in obs.items():
        if not per_tab:
            continue
        if len(per_tab) < 2:
            if len(ok) > 1:
                tab = next(iter(per_tab))
                nc.append({"what": key, "tabs": [tab], "reason": f"only {tab} has this value"})
            continue
        compared += 1
        clusters, results = _clusters(per_tab, compare_values)
        if len(clusters) > 1:
            drift.append(_drift_item(key, per_tab, clusters, results))
        else:
            lay = [r for r in results.values() if r["verdict"] == "layout"]
            if lay:
                layout.append({"what": key, "verdict": "layout", "layout": lay[0]["layout"],
                               "tabs": list(per_tab)})
    printed, n = _compare_printed(ok, facts, flow, nc)
    return {"drift": drift + printed, "layout": layout, "compared": compared + n}


def _drift_item(key, per_tab, clusters, results):
    rep, other = clusters[0][0], clusters[1][0]
    r = results.get((rep, other)) or compare_values(per_tab[rep], per_tab[other])
    return {"what": key, "verdict": "drift", "clusters": clusters,
            "values": {t: v.preview() for t, v in per_tab.items()},
            "tabs": [rep, other], "odd": _majority(clusters),
            **{k: r.get(k) for k in ("max_abs", "max_rel", "worst_index", "at_worst",
                                     "tolerance", "layout", "detail", "non_finite")}}


def _majority(clusters):
    """Tabs outside a strictly largest cluster, or None when there is none."""
    sizes = sorted((len(c) for c in clusters), reverse=True)
    if len(sizes) > 1 and sizes[0] > sizes[1]:
        big = max(clusters, key=len)
        return sorted(t for c in clusters if c is not big for t in c)
    return None


def _printed_tolerance(tab, reply, facts, flow):
    dtypes = [v.get("dtype") for v in (reply.get("variables") or {}).values() if "data" in v]
    dtypes += [v.dtype for k, v in flow.latest[tab].items()
               if k.split(" ", 1)[1].split("[")[0] in facts[tab][1]]
    return [d for d in dtypes if d] or ["float64"]


def _compare_printed(ok, facts, flow, nc):
    """Printed numbers (stdout, and the last expression's text when it has no values)."""
    drift, compared = [], 0
    for src, label in (("stdout", "printed output"), ("display", "last expression (printed)")):
        texts = {t: r.get(src) or "" for t, r in ok.items()
                 if not (src == "display" and r.get("display_values"))}
        texts = {t: x for t, x in texts.items() if x.strip()}
        for t in list(texts):
            if facts[t][3] or any(n in flow.random[t] for n in facts[t][1]) or (
                    ok[t].get("random") or {}).get("uncovered"):
                why = facts[t][3] or "random: prints values from random draws"
                nc.append({"what": label, "tabs": [t], "reason": why})
                texts.pop(t)
        if len(texts) < 2:
            continue
        dtypes = [d for t in texts for d in _printed_tolerance(t, ok[t], facts, flow)]
        tol = value_tolerance(*dtypes)

        def cmp(a, b, tol=tol):
            rs = compare_printed(a, b, tol)
            bad = [r for r in rs if r["verdict"] != "agree"]
            if not bad:
                return {"verdict": "agree"}
            return dict(bad[0], verdict="drift" if bad[0]["verdict"] == "drift" else "differ")
        clusters, results = _clusters(texts, cmp)
        compared += 1
        if len(clusters) < 2:
            continue
        kinds = {r["verdict"] for r in results.values()}
        if "drift" not in kinds:
            nc.append({"what": label, "tabs": list(texts),
                       "reason": "printed in different forms (numbers do not pair up)"})
            continue
        r = next(r for r in results.values() if r["verdict"] == "drift")
        drift.append({"what": label, "verdict": "drift", "clusters": clusters,
                      "tabs": list(texts), "odd": _majority(clusters),
                      "values": {t: x.strip()[:200] for t, x in texts.items()},
                      **{k: r.get(k) for k in ("max_abs", "max_rel", "tolerance", "detail",
                                               "printed", "non_finite")}})
    return drift, compared


# --- one drift finding per group --------------------------------------------------------

def _drift(gid, group, items, ok, facts, checks, flow, out, base):
    loaded = set().union(*(facts[t][1] for t in ok)) if ok else set()
    origin = next((flow.drifted[n] for n in sorted(loaded) if n in flow.drifted), None)
    names = {i["what"].split(" ", 1)[1].split("[")[0] for i in items
             if i["what"].startswith("variable ")}
    what = ", ".join(i["what"] for i in items[:4]) + (
        f" and {len(items) - 4} more" if len(items) > 4 else "")
    odd, by, case = _odd_tabs(group, items, checks)
    if origin is not None and origin["odd_tabs"] and odd and not set(odd) & set(
            origin["odd_tabs"]):
        origin = None            # another tab is odd here: a new problem, not the old one
    if origin is not None:
        origin["inherited"].append({"group": gid, "section": group["section"],
                                    "lines": base["lines"], "what": what})
        group["_inherited_from"] = origin
        flow.drifted.update({n: origin for n in names})
        return
    finding = F.new("drift", gid, group["section"], **base, odd_tabs=odd, odd_by=by, case=case,
                    what=what, items=items, detail=items[0].get("detail") or "")
    programs = [parser.cell_program(cell, tab)[0] for tab, cell in group["cells"].items()]
    out.append(conventions.annotate(finding, programs))
    flow.drifted.update({n: finding for n in names})


def _odd_tabs(group, items, checks):
    """(odd tabs, "case" | "majority" | "neither", case id) for a drifting group."""
    cells = group["cells"]
    agree, differ, case = set(), set(), None
    for c in checks:
        cell = cells.get(c["tab"])
        if cell is not None and c["lines"] == [cell.start, cell.end]:
            (differ if c["verdict"] == "drift" else agree).add(c["tab"])
            if c["verdict"] == "drift" or case is None:
                case = c["case"]
    if differ:
        return sorted(differ), "case", case
    odd = set()
    for i in items:
        if i.get("odd") is None:
            continue
        odd |= set(i["odd"])
    if odd and len(odd) < len({t for i in items for c in i["clusters"] for t in c}):
        return sorted(odd), "majority", None
    return [], "neither", None
