"""doc mode's reports: the terminal summary, doc.json and doc.html (atomic writes)."""

import base64
import html
from collections import defaultdict
from pathlib import Path

from harness.common.fileio import write_atomic, write_json_atomic

FORMAT = "harness-doc/1"


def _size(f) -> str:
    """How big a difference is (or what kind, for layout findings and errors)."""
    if f.get("kind") == "layout":
        return f"equal values, {f.get('layout')}"
    if f.get("max_abs") is None:
        return f.get("detail") or ""
    def g(x):
        return f"{x:.3g}" if isinstance(x, float) else str(x)
    text = f"max abs diff {g(f['max_abs'])}, max rel diff {g(f.get('max_rel'))}"
    if f.get("worst_index") is not None:
        text += f" at index {tuple(f['worst_index'])}"
    if f.get("at_worst") and len(f.get("tabs", [])) == 2:
        (ta, tb), (va, vb) = f["tabs"], f["at_worst"]
        text += f" ({ta} {g(va)}, {tb} {g(vb)})"
    if f.get("layout"):
        text += f" ({f['layout']})"
    return text + (f"; tolerance {f['tolerance']}" if f.get("tolerance") else "")


def _where(f) -> str:
    return " vs ".join(f"{t} (lines {a}-{b})" for t, (a, b) in f["lines"].items())


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
    findings = doc["findings"]
    drift = [f for f in findings if f["kind"] == "drift"]
    errors = [f for f in findings if f["kind"] == "error"]
    layout = [f for f in findings if f["kind"] == "layout"]
    out.append(f"drift: {len(drift)}")
    for f in drift:
        out.append(f"  [{f['section']}] {f['what']}: {_where(f)}: {_size(f)}")
        for ref in f.get("references", []):
            out.append(f"    case {ref['case']}'s reference agrees with: "
                       f"{', '.join(ref['agree']) or 'neither'}")
    if errors:
        out.append(f"cells that raised: {len(errors)}")
        for f in errors:
            out.append(f"  [{f['section']}] {_where(f)}: {f['detail']}")
    if layout:
        out.append("equal values, laid out differently:")
        grouped = defaultdict(list)
        for f in layout:
            kind = (f["layout"] or "").split(" (")[0]
            grouped[(f["section"], _where(f), kind)].append(f["what"].replace("variable ", ""))
        for (section, where, kind), names in grouped.items():
            out.append(f"  [{section}] {where}: {kind}: {', '.join(names)}")
    notes = [f for f in findings if f["kind"] == "note"]
    for f in notes:
        out.append(f"  note [{f['section']}] {f['what']}: {_where(f)}: {f.get('detail')}")
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
