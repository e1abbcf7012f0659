"""doc mode's reports: the terminal summary, doc.json and doc.html (atomic writes)."""

import base64
import html
from collections import defaultdict
from pathlib import Path

from harness.common.fileio import write_atomic, write_json_atomic
from harness.doc import findings

FORMAT = "harness-doc/1"


def _size(f) -> str:
    """How big a difference is (or what kind, for layout findings and errors)."""
    if f.get("kind") == "layout":
        return f"equal values, {f.get('layout')}"
    if f.get("max_abs") is None or f.get("non_finite"):
        return f.get("detail") or ""
    text = f"max abs diff {_g(f['max_abs'])}, max rel diff {_g(f.get('max_rel'))}"
    if f.get("worst_index") is not None:
        text += f" at index {tuple(f['worst_index'])}"
    text += _at_worst(f)
    if f.get("layout"):
        text += f" ({f['layout']})"
    return text + (f"; tolerance {f['tolerance']}" if f.get("tolerance") else "")


def _where(f) -> str:
    return " vs ".join(f"{t} (lines {a}-{b})" for t, (a, b) in f["lines"].items())


def _at_worst(f) -> str:
    tabs = f.get("tabs") or []
    if not f.get("at_worst") or len(tabs) != 2:
        return ""
    (ta, tb), (va, vb) = tabs, f["at_worst"]
    return f" ({ta} {_g(va)}, {tb} {_g(vb)})"


def _g(x):
    return f"{x:.3g}" if isinstance(x, float) else str(x)


def case_verdicts(checks) -> dict:
    """(case, section, variable) -> {"agree": [tab...], "differ": [tab (lines a-b)...]}."""
    per_tab = defaultdict(lambda: defaultdict(list))
    for c in checks:
        per_tab[(c["case"], c["section"], c["variable"])][c["tab"]].append(c)
    out = {}
    for key, tabs in per_tab.items():
        agree, differ = [], []
        for tab, cs in tabs.items():
            bad = [c for c in cs if c["verdict"] == "drift"]
            if bad:
                differ.extend(f"{tab} (lines {c['lines'][0]}-{c['lines'][1]})" for c in bad)
            elif any(c["verdict"] == "layout" for c in cs):
                agree.append(f"{tab} (other layout)")
            else:
                agree.append(tab)
        out[key] = {"agree": agree, "differ": differ}
    return out


def _item_line(item) -> str:
    if item.get("verdict") == "drift":
        return f"{item['what']}: {_size(dict(item, kind='drift'))}"
    if item.get("verdict") == "layout":
        return f"{item['what']}: {item.get('layout')}"
    if item.get("reason"):
        return f"{item['what']} in {', '.join(item.get('tabs', []))}: {item['reason']}"
    line = f" (line {item['line']})" if item.get("line") else ""
    return f"{item['what']}{line}"


def _random_lines(doc) -> list:
    rnd = doc.get("random") or {}
    if rnd.get("mode") == "native":
        head = "random inputs: native (--native-random): values depending on draws not compared"
    else:
        head = "random inputs: equal (every tab draws from one shared seeded stream)"
    out = [head]
    for tab, draws in (rnd.get("draws") or {}).items():
        eq = ", ".join(f"{k} x{n}" for k, n in sorted(draws["equalised"].items()))
        un = ", ".join(f"{k} x{n}" for k, n in sorted(draws["uncovered"].items()))
        if eq or un:
            out.append(f"  {tab}: equalised {eq or 'none'}" + (f"; not equalised {un}" if un
                                                                 else ""))
    return out


def summary_lines(doc) -> list:
    out = [f"harness doc: {doc['chapter']['path']} -- {doc['chapter']['title']!r}"]
    for tab, run in doc["tabs"].items():
        state = run["status"] + (f": {run['error']}" if run["error"] else "")
        out.append(f"  tab {tab:<10} env {run['env'] or '-':<10} {run['cells_run']:>3} cells "
                   f"{run['seconds']:6.1f} s  {state}")
    for tab, info in doc["missing_tabs"].items():
        n = len(info.get("cases", []))
        why = f" ({info['error']})" if info.get("error") else ""
        out.append(f"  no {tab} tab in this chapter: showing {tab} results of {n} matching "
                   f"case run(s) instead{why}")
    out.extend(_random_lines(doc))
    stats = doc["summary"].get("compared", {})
    out.append(f"compared {stats.get('values_compared', 0)} values in "
               f"{stats.get('groups_compared', 0)} cell groups; "
               f"{stats.get('values_not_compared', 0)} values not compared (listed below)")
    for kind in findings.KINDS:
        found = findings.read(doc, (kind,))
        out.append(f"{kind.replace('_', ' ')}: {len(found)}")
        for f in found:
            out.append(f"  {f['id']} {findings.headline(f)}")
            limit = 3 if kind in ("drift", "error") else 8
            for item in f["items"][:limit] if kind != "error" else []:
                out.append(f"      {_item_line(item)}")
            if kind == "error":
                out.append(f"      {f['detail'][:300]}")
            for inh in f["inherited"]:
                where = ", ".join(f"{t} {a}-{b}" for t, (a, b) in inh["lines"].items())
                out.append(f"      carried into [{inh['section']}] ({where}): {inh['what']}")
    checks = doc["cases"]["checks"]
    if doc["cases"].get("error"):
        out.append(f"cases: {doc['cases']['error']}")
    if checks:
        out.append("against the cases' references:")
        for (case, section, variable), verdicts in case_verdicts(checks).items():
            parts = [f"agrees: {', '.join(verdicts['agree']) or 'none'}"]
            if verdicts["differ"]:
                parts.append(f"differs: {', '.join(verdicts['differ'])}")
            out.append(f"  [{section}] {variable} (case {case}): {'; '.join(parts)}")
    for tab, info in doc["missing_tabs"].items():
        for row in info.get("cases", []):
            verdicts = [o.get("verdict") for o in row["outputs"]]
            bad = [o["output"] for o in row["outputs"] if o.get("verdict") == "drift"]
            state = row["status"] if row["status"] != "ok" else (
                f"{verdicts.count('agree') + verdicts.count('layout')}/{len(verdicts)} outputs "
                f"agree with the reference" + (f"; differ: {', '.join(bad)}" if bad else ""))
            out.append(f"  {tab} {row['case']} @{row['dtype']}: {state}")
    out.append(f"verdict: {doc['summary']['verdict']}  (exit {doc['exit_status']}, "
               f"{doc['timings']['total_s']:.1f} s)")
    return out


def write_figures(doc, runs, out_dir: Path) -> None:
    """PNG files under out_dir/figures; the JSON names them, the HTML embeds them."""
    for group in doc["groups"]:
        for tab, cell in group["outputs"].items():
            paths = []
            for k, png in enumerate(runs[tab].cells.get(cell["index"], {}).get("figures", [])):
                name = f"figures/{tab}-line{cell['start']}-{k + 1}.png"
                write_atomic(out_dir / name, base64.b64decode(png))
                paths.append(name)
            cell["figures"] = paths


def write_json(doc, out_dir: Path) -> Path:
    return write_json_atomic(out_dir / "doc.json", doc)


def _esc(x) -> str:
    return html.escape(str(x))


def write_html(doc, runs, out_dir: Path) -> Path:
    """doc.html, laid out by harness.doc.chapter_html (summary first, details folded)."""
    from harness.doc import chapter_html

    return chapter_html.write(doc, runs, out_dir, size=_size, where=_where,
                              summary_lines=summary_lines, cases_html=_cases_html)


def _cases_html(doc) -> str:
    parts = ["<h2>Cases covering the chapter's examples</h2>"]
    if doc["cases"].get("error"):
        parts.append(f"<p>{_esc(doc['cases']['error'])}</p>")
    if doc["cases"]["checks"]:
        parts.append("<table><tr><th>section</th><th>variable</th><th>case</th><th>tab</th>"
                     "<th>verdict</th><th>value</th><th>reference</th></tr>")
        for c in doc["cases"]["checks"]:
            cls = "drift" if c["verdict"] == "drift" else ""
            parts.append(f"<tr class='{cls}'><td>{_esc(c['section'])}</td><td>{_esc(c['variable'])}"
                         f"</td><td>{_esc(c['case'])}</td><td>{_esc(c['tab'])}</td><td>"
                         f"{_esc(c['verdict'])} {_esc(c.get('layout') or '')} "
                         f"{_esc(_size(c) if c['verdict'] == 'drift' else '')}</td>"
                         f"<td>{_esc(c['value'])}</td><td>{_esc(c['reference'])}</td></tr>")
        parts.append("</table>")
    for tab, info in doc["missing_tabs"].items():
        parts.append(f"<h3>No {_esc(tab)} tab: the matching cases on {_esc(info.get('backend'))}"
                     f"</h3>")
        if info.get("error"):
            parts.append(f"<p class='bad'>{_esc(info['error'])}</p>")
        for row in info.get("cases", []):
            parts.append(f"<p><b>{_esc(row['case'])}</b> @{_esc(row['dtype'])} "
                         f"({_esc(row['section'])}): {_esc(row['status'])}</p><table>")
            for o in row["outputs"]:
                cls = "drift" if o.get("verdict") == "drift" else ""
                var = f" (chapter: {o['chapter_variable']})" if o.get("chapter_variable") else ""
                parts.append(f"<tr class='{cls}'><td>{_esc(o['output'])}{_esc(var)}</td><td>"
                             f"{_esc(o.get('verdict', '-'))}</td><td>{_esc(o['value'])}</td></tr>")
            parts.append("</table>")
    return "".join(parts)
