"""The findings of a chapter: one per problem, each with its kind, place and odd tab(s).

This is the structure doc.json carries under "findings" (and "summary"); the chapter
report and the book index both read it through `read(doc)` and `counts(doc)`.

A finding is a dict:

    id        "F1", "F2", ... (stable within one doc.json)
    kind      drift | error | warning | layout | not_compared
    group     index into doc["groups"] (the aligned cells of all tabs)
    section   heading text; section_number: its `##` section (n-th `##` heading, 0 before)
    lines     {tab: [first line, last line]} of the cells involved, in the chapter
    tabs      every tab that took part
    odd_tabs  the tab(s) that differ from the rest ([] when nobody can tell)
    odd_by    "case" (a linked case's reference says so; it outranks the majority),
              "majority", or "neither" (e.g. two tabs that disagree, 2 against 2)
    case      the linked case's id when odd_by == "case"
    what      one line: what differs ("variable w, printed output")
    items     every manifestation folded into this finding: [{what, verdict, values
              {tab: preview}, max_abs, max_rel, tolerance, detail, reason, tabs}]
    inherited [{group, section, lines, what}]: later cells whose values differ only
              because they carry this difference (drift and error findings only)
    detail    free text (the first item's, or the error message)
    conventions  drift only: convention cases whose APIs the cell calls (kinks, ties, where
              frameworks legitimately differ; harness/doc/conventions.py)

Kinds: `drift` the tabs compute different numbers; `error` a cell raised, timed out
or crashed in some tab; `warning` a tab's cell raised Deprecation/Future/User
warnings (items give the line); `layout` equal values laid out differently
(transposed, reshaped, reordered); `not_compared` values that exist but were not
compared, each item with its reason (random draws the kernel could not make equal,
object identities, timings, values only one tab has, too large, ...).
"""

KINDS = ("drift", "error", "warning", "layout", "not_compared")
FAILING = ("drift", "error")          # kinds that make the exit status 1
FAILING_STRICT = FAILING + ("warning",)


def new(kind: str, group: int, section: str, **fields) -> dict:
    """A finding with every key present (ids are given by `number`)."""
    if kind not in KINDS:
        raise ValueError(f"unknown finding kind {kind!r}")
    finding = {"id": None, "kind": kind, "group": group, "section": section,
               "section_number": None, "lines": {}, "tabs": [], "odd_tabs": [],
               "odd_by": "neither", "case": None, "what": "", "items": [], "inherited": [],
               "detail": "", "conventions": []}
    finding.update(fields)
    return finding


def number(findings: list) -> list:
    """Give findings their ids in document order (group, then kind order)."""
    findings.sort(key=lambda f: (f["group"], KINDS.index(f["kind"])))
    for k, f in enumerate(findings, 1):
        f["id"] = f"F{k}"
    return findings


def read(doc: dict, kinds=KINDS) -> list:
    """The findings of a doc.json (as loaded), of the given kinds, in document order."""
    return [f for f in doc.get("findings", []) if f.get("kind") in kinds]


def counts(doc: dict) -> dict:
    """{kind: number of findings} for every kind, plus the comparison totals."""
    out = {k: 0 for k in KINDS}
    for f in doc.get("findings", []):
        out[f["kind"]] = out.get(f["kind"], 0) + 1
    stats = doc.get("summary", {}).get("compared", {})
    out.update({k: stats.get(k, 0) for k in ("values_compared", "groups_compared",
                                                "values_not_compared")})
    return out


def odd_text(f: dict) -> str:
    """Who is the odd one out, in words."""
    if not f["odd_tabs"]:
        if f["kind"] == "error":
            return "the same in every tab that ran it"
        return "no majority and no case reference: cannot tell which tab is odd"
    tabs = ", ".join(f["odd_tabs"])
    if f["odd_by"] == "case":
        return f"odd: {tabs} (by case {f['case']}'s reference)"
    return f"odd: {tabs} (by majority)"


def headline(f: dict) -> str:
    """One line per finding: kind, section, lines, odd tab(s), what."""
    where = ", ".join(f"{t} {a}-{b}" for t, (a, b) in f["lines"].items())
    text = f"{f['kind']} [{f['section']}] ({where}): {f['what']}"
    if f["kind"] in ("drift", "error") and len(f["tabs"]) > 1:
        text += f"; {odd_text(f)}"
    if f["inherited"]:
        text += f"; carried into {len(f['inherited'])} later cell(s)"
    return text
