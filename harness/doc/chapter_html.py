"""doc.html: a chapter report an author reads in ten seconds.

It opens with the summary, one line per finding (kind, section, the odd tab, a link).
Each finding then shows the cell's source in every tab side by side, the lines that
differ highlighted, the values that disagree and where the cell is in the markdown.
Everything else (agreeing cells, layout notes, cases, the console summary) is folded
into <details>. Self-contained (figures inline, no script), readable on a phone:
a viewport meta and tables that scroll inside their own box.
"""

import html
from collections import Counter
from pathlib import Path

from harness.common.fileio import write_atomic
from harness.doc import bookreport

MAIN_KINDS = ("drift", "error", "warning", "not_compared")

CSS = """
*{box-sizing:border-box} body{font-family:system-ui,sans-serif;margin:0 auto;padding:.6em 1em;
max-width:1400px;line-height:1.35;overflow-wrap:anywhere} h1{font-size:1.35em;margin:.2em 0} h2{font-size:1.15em;
margin:1.2em 0 .4em} h3{font-size:1em;margin:.8em 0 .3em} pre{white-space:pre;margin:0;
font-size:12px;overflow-x:auto;overflow-wrap:normal} .scroll{overflow-x:auto;max-width:100%} table{border-collapse:collapse}
td,th{border:1px solid #ccc;vertical-align:top;padding:3px 6px;text-align:left}
.kind{display:inline-block;min-width:6.5em;font-weight:bold} .k-drift{color:#b00}
.k-error{color:#a40} .k-warning{color:#850} .k-not_compared{color:#555} .k-layout{color:#555}
ol.summary{padding-left:1.6em;margin:.3em 0} ol.summary li{margin:.15em 0}
.finding{border-left:4px solid #ccc;padding:.2em .7em;margin:.8em 0} .finding.drift{border-color:#c00}
.finding.error{border-color:#d60} .finding.warning{border-color:#cb0}
mark{background:#fdd;display:block} .src td{min-width:18em} .verdict-bad{color:#b00}
.verdict-ok{color:#070} .muted{color:#666} details{margin:.3em 0} summary{cursor:pointer}
img{max-width:100%} nav ul{margin:.2em 0;padding-left:1.4em;columns:2 16em}
"""


def _e(x) -> str:
    return html.escape(str(x))


def _tabs_of_group(doc, f):
    group = doc["groups"][f["group"]] if f.get("group") is not None else {"outputs": {}}
    return group, list(group["outputs"])


def _siblings(doc, f):
    return [g for g in doc["findings"] if g.get("group") == f.get("group")]


def _odd(doc, f) -> list:
    _group, tabs = _tabs_of_group(doc, f)
    return bookreport.odd_tabs(f, _siblings(doc, f), tabs or f.get("tabs", []))


def _odd_text(doc, f) -> str:
    odd = _odd(doc, f)
    if odd:
        how = {"case": f" (by case {f.get('case')}'s reference)", "majority": " (by majority)"}
        return f"odd tab <b>{_e(', '.join(odd))}</b>{_e(how.get(f.get('odd_by'), ''))}"
    return f"no odd tab ({_e(', '.join(f.get('tabs', [])))})"


def _main_findings(doc) -> list:
    """(index, finding) of what the author must read: not layout, not notes."""
    main = [(i, f) for i, f in enumerate(doc["findings"]) if f["kind"] in MAIN_KINDS]
    return sorted(main, key=lambda item: (MAIN_KINDS.index(item[1]["kind"]), item[0]))


def _summary(doc, size) -> str:
    main = _main_findings(doc)
    counts = Counter(f["kind"] for _, f in main)
    ok = doc["exit_status"] == 0
    verdict = doc.get("summary", {}).get("verdict", "")
    head = (f"<p class='{'verdict-ok' if ok else 'verdict-bad'}'><b>{_e(verdict)}"
            f"</b> &middot; " + (", ".join(f"{n} {k.replace('_', ' ')}" for k, n in counts.items())
                                  or "no findings") + f" &middot; {len(doc['groups'])} cell groups in all</p>")
    items = []
    for tab, run in doc["tabs"].items():
        if run["status"] != "ok":
            items.append(f"<li><span class='kind k-error'>tab {_e(run['status'])}</span> "
                         f"<b>{_e(tab)}</b>: {_e(run.get('error') or '')}</li>")
    for i, f in main:
        items.append(f"<li><a href='#finding-{i}'><span class='kind k-{_e(f['kind'])}'>"
                     f"{_e(f['kind'].replace('_', ' '))}</span></a> [{_e(f['section'])}] "
                     f"{_odd_text(doc, f)}: {_e(f.get('what', ''))} "
                     f"<span class='muted'>{_e(size(f))}</span></li>")
    body = f"<ol class='summary'>{''.join(items)}</ol>" if items else \
        "<p>Every compared value agrees across the tabs.</p>"
    return f"<section id='summary'><h2>Summary</h2>{head}{body}</section>"


def _toc(doc) -> str:
    sections = list(dict.fromkeys(g["section"] for g in doc["groups"]))
    links = ["<li><a href='#findings'>Findings</a></li>"] + [
        f"<li><a href='#sec-{k}'>{_e(s or '(top)')}</a></li>" for k, s in enumerate(sections)] + [
        ("<li><a href='#layout'>Layout notes</a></li><li><a href='#cases'>Cases</a></li>"
        "<li><a href='#console'>Console summary</a></li>")]
    return f"<nav id='toc'><h2>Contents</h2><ul>{''.join(links)}</ul></nav>"


def _differing(sources: dict) -> dict:
    """tab -> set of line numbers (0-based) that most of the other tabs' cells lack: the
    odd tab's own lines stand out, while lines it merely lacks stay plain elsewhere."""
    stripped = {t: [ln.strip() for ln in s.splitlines()] for t, s in sources.items()}
    out = {}
    for tab, lines in stripped.items():
        others = [set(v) for t, v in stripped.items() if t != tab]
        out[tab] = {k for k, ln in enumerate(lines)
                    if ln and others and 2 * sum(ln not in o for o in others) > len(others)}
    return out


def _source_table(doc, group, path) -> str:
    outs = group["outputs"]
    sources = {t: o.get("source", "") for t, o in outs.items()}
    diff = _differing(sources)
    head = "".join(f"<th>{_e(t)} <span class='muted'>{_e(path)}:{o['start']}-{o['end']}</span></th>"
                   for t, o in outs.items())
    cells = []
    for tab, src in sources.items():
        lines = [f"<mark>{_e(ln) or ' '}</mark>" if k in diff[tab] else _e(ln)
                 for k, ln in enumerate(src.splitlines())]
        cells.append(f"<td><pre>{chr(10).join(lines)}</pre></td>")
    return (f"<div class='scroll'><table class='src'><tr>{head}</tr><tr>{''.join(cells)}</tr>"
            f"</table></div>")


def _values(f, size) -> str:
    rows = [f"<tr><th>{_e(t)}</th><td><pre>{_e(v)}</pre></td></tr>"
            for t, v in (f.get("values") or {}).items()]
    for item in f.get("items") or []:         # one finding per problem: its manifestations
        values = item.get("values") or {}
        rows += [f"<tr><th>{_e(t)}</th><td>{_e(item.get('what', ''))}</td><td><pre>{_e(v)}"
                 f"</pre></td></tr>" for t, v in values.items()]
    if f.get("printed"):
        rows += [f"<tr><th>{_e(t)}</th><td><pre>{_e(v)}</pre></td></tr>"
                 for t, v in (f["printed"].items() if isinstance(f["printed"], dict)
                              else [("printed", f["printed"])])]
    text = f"<p>{_e(size(f))}</p>" if size(f) else ""
    detail = f.get("reason") or (f.get("detail") if not size(f) else None)
    text += f"<p>{_e(detail)}</p>" if detail and detail not in size(f) else ""
    table = f"<div class='scroll'><table>{''.join(rows)}</table></div>" if rows else ""
    return text + table


def _finding(doc, i, f, size, path) -> str:
    group, _ = _tabs_of_group(doc, f)
    where = " &middot; ".join(f"{_e(t)} {_e(path)}:{a}-{b}" for t, (a, b) in
                              (f.get("lines") or {}).items())
    source = _source_table(doc, group, path) if group["outputs"] else ""
    return (f"<article id='finding-{i}' class='finding {_e(f['kind'])}'>"
            f"<h3><span class='k-{_e(f['kind'])}'>{_e(f['kind'].replace('_', ' '))}</span>: "
            f"{_e(f.get('what', ''))} &mdash; {_e(f['section'])}</h3>"
            f"<p>{_odd_text(doc, f)} &middot; {where}</p>{_values(f, size)}{source}"
            f"</article>")


def _pre(text, css: str = "") -> str:
    """`text` preformatted and escaped, "" for no text."""
    if not text:
        return ""
    return f"<pre class='{css}'>{_e(text)}</pre>" if css else f"<pre>{_e(text)}</pre>"


def _folded(summary: str, text) -> str:
    """`text` preformatted behind a <details> summary, "" for no text."""
    return f"<details><summary>{summary}</summary>{_pre(text)}</details>" if text else ""


def _error_text(err) -> str:
    """A cell's error: its traceback, headed by TYPE: MESSAGE unless that is in it already."""
    if not err:
        return ""
    tb = err.get("traceback") or ""
    return tb if str(err.get("message")) in tb else f"{err.get('type')}: {err.get('message')}\n{tb}"


def _cell_td(doc, runs, tab, cell) -> str:
    if cell is None:
        return "<td class='muted'>(no cell)</td>"
    reply = runs[tab].cells.get(cell["index"], {}) if tab in runs else {}
    display = reply.get("display")
    parts = [(f"<td><small class='muted'>lines {cell['start']}-{cell['end']} &middot; "
              f"{_e(reply.get('status', 'not run'))}</small>"),
             _folded("source", cell.get("source")),
             _pre((reply.get("stdout") or "")[-4000:]),
             _pre(display and f"Out: {display[:2000]}"),
             _pre(_error_text(reply.get("error")), "k-error"),
             _folded("stderr", (reply.get("stderr") or "")[-3000:])]
    parts += [_pre(f"{name} = {v}") for name, v in cell.get("variables", {}).items()]
    parts += [f"<img alt='figure of the {_e(tab)} tab' src='data:image/png;base64,{png}'>"
              for png in reply.get("figures", [])]
    return "".join(parts) + "</td>"


def _all_cells(doc, runs) -> str:
    tabs = list(doc["tabs"])
    parts = ["<section id='cells'><h2>All cells</h2>"]
    sections = list(dict.fromkeys(g["section"] for g in doc["groups"]))
    current = None
    for gid, group in enumerate(doc["groups"]):
        if group["section"] != current:
            current = group["section"]
            parts.append(f"<h3 id='sec-{sections.index(current)}'>{_e(current or '(top)')}</h3>")
        kinds = {f["kind"] for f in doc["findings"] if f.get("group") == gid}
        lines = ", ".join(f"{t} {o['start']}-{o['end']}" for t, o in group["outputs"].items())
        flag = ", ".join(sorted(kinds)) or "agree"
        opened = " open" if kinds & {"drift", "error"} else ""
        parts.append(f"<details{opened}><summary>lines {_e(lines)} &middot; {_e(flag)}</summary>"
                     "<div class='scroll'><table><tr>"
                     + "".join(f"<th>{_e(t)}</th>" for t in tabs) + "</tr><tr>"
                     + "".join(_cell_td(doc, runs, t, group["outputs"].get(t)) for t in tabs)
                     + "</tr></table></div></details>")
    return "".join(parts) + "</section>"


def _layout(doc, where, size) -> str:
    notes = [f for f in doc["findings"] if f["kind"] in ("layout", "note")]
    items = "".join(f"<li>[{_e(f['section'])}] {_e(f.get('what', ''))}: {_e(where(f))}: "
                    f"{_e(size(f))}</li>" for f in notes)
    return (f"<details id='layout'><summary>Layout notes ({len(notes)}): equal values laid out "
            f"differently, and printed text that differs in form only</summary><ul>{items}</ul>"
            "</details>")


def write(doc, runs, out_dir: Path, *, size, where, summary_lines, cases_html) -> Path:
    """Write out_dir/doc.html (the helpers come from harness.doc.report)."""
    title = _e(doc["chapter"]["title"] or doc["chapter"]["path"])
    path = Path(doc["chapter"]["path"]).name
    main = _main_findings(doc)
    findings = "".join(_finding(doc, i, f, size, path) for i, f in main) or \
        "<p>No drift, error, warning or value left uncompared.</p>"
    parts = [
        ("<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>harness doc: {title}</title><style>{CSS}</style></head><body>"),
        f"<header><h1>{title}</h1><p class='muted'>{_e(doc['chapter']['path'])} &middot; tabs "
        + ", ".join(f"{_e(t)} ({_e(r['status'])}{', cached' if r.get('cached') else ''})"
                    for t, r in doc["tabs"].items()) + "</p></header>",
        _summary(doc, size), _toc(doc),
        f"<section id='findings'><h2>Findings</h2>{findings}</section>",
        _all_cells(doc, runs), _layout(doc, where, size),
        (f"<details id='cases'><summary>Cases covering the chapter's examples</summary>"
        f"{cases_html(doc)}</details>"),
        (f"<details id='console'><summary>Console summary</summary><pre>"
        f"{_e(chr(10).join(summary_lines(doc)))}</pre></details></body></html>")]
    return write_atomic(out_dir / "doc.html", "".join(parts))
