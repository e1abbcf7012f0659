"""A book's reports: book.json, index.html, junit.xml and the terminal summary.

All four are made from the same chapter rows (`chapter_row`), so they agree: the
index counts, the JSON's counts and the JUnit failures come from one list of findings.
"""

import html
import time
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import PurePosixPath

from harness.common.fileio import write_atomic, write_json_atomic

FORMAT = "harness-book/1"
KINDS = ("drift", "error", "warning", "not_compared", "layout")
FAILING = ("drift", "error")
# chapter states that are not a finished run
UNFINISHED = ("interrupted", "crashed", "error", "skipped")


def odd_tabs(f, siblings, tabs) -> list:
    """The tab(s) a finding blames: the finding's own answer, else the one tab that
    differs from every other tab in this cell group's pairwise findings of that kind."""
    if f.get("odd_tabs") is not None:
        return list(f["odd_tabs"])
    if len(f.get("tabs", [])) < 2 or len(tabs) < 3:
        return list(f.get("tabs", []))
    count = Counter(t for s in siblings if s["kind"] == f["kind"] for t in s["tabs"])
    odd = [t for t in f["tabs"] if count[t] >= len(tabs) - 1]
    return odd or list(f["tabs"])


def _finding_row(f, siblings, tabs) -> dict:
    what = f.get("what") or f["kind"]
    odd = odd_tabs(f, siblings, tabs)
    involved = list(f.get("tabs", []))
    detail = f.get("reason") or f.get("detail") or ""
    who = ", ".join(odd) if odd else f"{', '.join(involved) or '?'} (no odd tab)"
    return {"kind": f["kind"], "what": what, "tabs": involved, "odd_tabs": odd,
            "blamed": odd or involved,
            "message": f"{f['kind']} in {who}: {what}" + (f" ({detail})" if detail else "")}


def _group_row(gid, group, findings) -> dict:
    tabs = list(group["outputs"])
    own = [f for f in findings if f.get("group") == gid]
    rows = [_finding_row(f, own, tabs) for f in own if f["kind"] in KINDS]
    statuses = {o.get("status") for o in group["outputs"].values()}
    failing = [r for r in rows if r["kind"] in FAILING]
    state = "fail" if failing else ("skipped" if statuses <= {"not run"} else "pass")
    return {"id": gid, "section": group["section"], "status": state,
            "lines": {t: [o["start"], o["end"]] for t, o in group["outputs"].items()},
            "findings": rows}


def _tab_state(run) -> str:
    if run["status"] == "failed" and "timeout" in (run.get("error") or ""):
        return "timeout"
    return run["status"]


def chapter_row(chapter, report_dir, doc, seconds) -> dict:
    """A finished chapter's row, from its doc.json."""
    groups = [_group_row(i, g, doc["findings"]) for i, g in enumerate(doc["groups"])]
    tabs = {}
    for tab, run in doc["tabs"].items():
        counts = Counter(f["kind"] for g in groups for f in g["findings"] if tab in f["blamed"])
        tabs[tab] = {"status": _tab_state(run), "error": run.get("error"),
                     "cells": run.get("cells_run", 0), "seconds": run.get("seconds", 0.0),
                     "cached": bool(run.get("cached")),
                     "counts": {k: counts.get(k, 0) for k in KINDS}}
    counts = Counter(f["kind"] for g in groups for f in g["findings"])
    states = {t["status"] for t in tabs.values()}
    status = ("timeout" if "timeout" in states else "failed" if "failed" in states
              else "findings" if doc["exit_status"] else "ok")
    return dict(_base_row(chapter, seconds), title=doc["chapter"]["title"], status=status,
                exit_status=doc["exit_status"], report=_report(report_dir, "doc.html"),
                tabs=tabs, counts={k: counts.get(k, 0) for k in KINDS}, groups=groups,
                verdict=doc["summary"].get("verdict"))


def unfinished_row(chapter, status, message, seconds=0.0, report_dir=None) -> dict:
    """A chapter without results: interrupted, crashed, unreadable or with no tab to run."""
    return dict(_base_row(chapter, seconds), title=None, status=status, message=message,
                exit_status=None, tabs={}, counts={k: 0 for k in KINDS}, groups=[],
                report=None, log=_report(report_dir, "console.log") if report_dir else None)


def _base_row(chapter, seconds) -> dict:
    return {"path": chapter.rel, "source": str(chapter.path), "default_tab": chapter.default_tab,
            "config": chapter.config, "seconds": round(seconds, 3), "message": None}


def _report(report_dir, name) -> str:
    return str(PurePosixPath(report_dir) / name) if report_dir not in (None, ".") else name


def book_exit(rows, interrupted) -> int:
    if interrupted:
        return 130
    bad = any(r["status"] not in ("ok", "skipped") for r in rows)
    return 1 if bad else 0


def book_doc(rows, *, argv, shard, options, interrupted, harness_version) -> dict:
    totals = Counter(r["status"] for r in rows)
    kinds = Counter()
    for r in rows:
        kinds.update(r["counts"])
    return {"format": FORMAT, "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "argv": argv,
            "harness": harness_version, "shard": list(shard) if shard else None,
            "options": options, "interrupted": interrupted,
            "chapters": sorted(rows, key=lambda r: r["path"]),
            "totals": {"chapters": len(rows), "by_status": dict(sorted(totals.items())),
                       "findings": {k: kinds.get(k, 0) for k in KINDS}},
            "exit_status": book_exit(rows, interrupted)}


def write_all(book, out_dir) -> None:
    write_json_atomic(out_dir / "book.json", book)
    write_atomic(out_dir / "junit.xml", junit_xml(book))
    write_atomic(out_dir / "index.html", index_html(book))


def junit_xml(book) -> str:
    suites = ET.Element("testsuites", name="harness doc")
    for row in book["chapters"]:
        suite = ET.SubElement(suites, "testsuite", name=row["path"])
        cases = _junit_cases(row)
        for name, outcome, message, text in cases:
            case = ET.SubElement(suite, "testcase", classname=f"doc.{row['path']}", name=name)
            if outcome:
                ET.SubElement(case, outcome, message=message).text = text
        suite.set("tests", str(len(cases)))
        for outcome in ("failure", "error", "skipped"):
            key = outcome + ("s" if outcome != "skipped" else "")
            suite.set(key, str(sum(c[1] == outcome for c in cases)))
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


def _junit_cases(row) -> list:
    """(name, outcome or None, message, text) per cell group, or one for the chapter."""
    if not row["groups"]:
        outcome = "skipped" if row["status"] in ("interrupted", "skipped") else "error"
        return [("chapter", outcome, f"{row['status']}: {row.get('message') or ''}", "")]
    out = []
    for g in row["groups"]:
        lines = ", ".join(f"{t} {a}-{b}" for t, (a, b) in g["lines"].items())
        name = f"{g['section'] or '(top)'} [lines {lines}]"
        failing = [f for f in g["findings"] if f["kind"] in FAILING]
        if failing:
            text = "\n".join(f["message"] for f in failing)
            out.append((name, "failure", failing[0]["message"], text))
        elif g["status"] == "skipped":
            out.append((name, "skipped", "not run (an earlier cell of its tab failed)", ""))
        else:
            out.append((name, None, "", ""))
    return out


def summary_lines(book) -> list:
    tabs = list(dict.fromkeys(t for r in book["chapters"] for t in r["tabs"]))
    width = max([len(r["path"]) for r in book["chapters"]] + [8])
    out = [f"{'chapter':<{width}}  " + "  ".join(f"{t:<14}" for t in tabs) + "  status"]
    for r in book["chapters"]:
        cells = []
        for t in tabs:
            info = r["tabs"].get(t)
            cells.append(f"{_cell_text(info):<14}")
        out.append(f"{r['path']:<{width}}  " + "  ".join(cells) + f"  {r['status']}"
                   + (f": {r['message']}" if r.get("message") else ""))
    for r in book["chapters"]:
        for g in r["groups"]:
            for f in g["findings"]:
                if f["kind"] in FAILING:
                    out.append(f"  {r['path']} [{g['section']}] {f['message']}")
    t = book["totals"]
    out.append("chapters: " + ", ".join(f"{n} {s}" for s, n in t["by_status"].items())
               + "; findings: " + ", ".join(f"{n} {k}" for k, n in t["findings"].items() if n))
    return out


def _cell_text(info) -> str:
    if info is None:
        return "-"
    c = info["counts"]
    text = f"d{c['drift']} e{c['error']} w{c['warning']} n{c['not_compared']}"
    return text if info["status"] == "ok" else info["status"]


_CSS = """body{font-family:sans-serif;margin:1em} table{border-collapse:collapse}
td,th{border:1px solid #ccc;padding:3px 6px;text-align:left;vertical-align:top}
.scroll{overflow-x:auto} .bad{background:#fdd} .warn{background:#ffeccc} .ok{background:#efe}
.muted{color:#777} small{color:#555}"""


def _tab_html(row, tab) -> str:
    info = row["tabs"].get(tab)
    if info is None:
        return "<td class='muted'>-</td>"
    c = info["counts"]
    bad = c["drift"] or c["error"] or info["status"] not in ("ok",)
    cls = "bad" if bad else ("warn" if c["warning"] or c["not_compared"] else "ok")
    parts = [f"{c[k]}&nbsp;{k.replace('_', '&nbsp;')}" for k in KINDS[:4]]
    state = "" if info["status"] == "ok" else f"<b>{html.escape(info['status'])}</b><br>"
    cached = " <small>cached</small>" if info["cached"] else ""
    link = html.escape(row["report"] or "")
    return (f"<td class='{cls}'>{state}<a href='{link}'>{' · '.join(parts)}</a><br>"
            f"<small>{info['cells']} cells, {info['seconds']:.1f} s</small>{cached}</td>")


def index_html(book) -> str:
    tabs = list(dict.fromkeys(t for r in book["chapters"] for t in r["tabs"]))
    t = book["totals"]
    head = ("<!doctype html><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>harness doc: book</title><style>{_CSS}</style><h1>harness doc: book</h1>"
            f"<p>{t['chapters']} chapters: " + ", ".join(
                f"{n} {html.escape(s)}" for s, n in t["by_status"].items()) + "; findings: "
            + ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in t["findings"].items())
            + f" &middot; exit {book['exit_status']}"
            + (" &middot; <b>interrupted</b>" if book["interrupted"] else "") + "</p>")
    rows = ["<div class='scroll'><table><tr><th>chapter</th>"
            + "".join(f"<th>{html.escape(x)}</th>" for x in tabs) + "<th>status</th></tr>"]
    for r in book["chapters"]:
        name = html.escape(r["path"])
        title = f"<br><small>{html.escape(r['title'])}</small>" if r.get("title") else ""
        link = f"<a href='{html.escape(r['report'])}'>{name}</a>" if r["report"] else name
        note = html.escape(r.get("message") or "")
        rows.append(f"<tr><td>{link}{title}</td>" + "".join(_tab_html(r, x) for x in tabs)
                    + f"<td>{html.escape(r['status'])} <small>{note}</small></td></tr>")
    rows.append("</table></div>")
    return head + "".join(rows)


def markdown(book) -> str:
    """A chapters x tabs table for a CI run's summary page ($GITHUB_STEP_SUMMARY)."""
    tabs = list(dict.fromkeys(t for r in book["chapters"] for t in r["tabs"]))
    lines = ["### harness doc", "", "| chapter | " + " | ".join(tabs) + " | status |",
             "|---|" + "---|" * len(tabs) + "---|"]
    for r in book["chapters"]:
        cells = [_cell_text(r["tabs"].get(t)) for t in tabs]
        lines.append(f"| {r['path']} | " + " | ".join(cells) + f" | {r['status']} |")
    t = book["totals"]
    lines += ["", "d = drift, e = error, w = warning, n = not compared (counted on the odd tab). "
              + ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in t["findings"].items())
              + f"; exit {book['exit_status']}.", ""]
    return "\n".join(lines)
