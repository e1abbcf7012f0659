"""report.html: one self-contained page per run (standard library only).

Written from the run.json dict by `harness run` and `harness compare`: the
agreement matrix per dtype, the details of everything that is not agree, the
chapter's figures drawn from each backend's outputs side by side, and the
environment. No scripts and no external assets (a Content-Security-Policy
forbids them); images are data: URIs; every piece of text is escaped.

Figures are drawn by harness.reports.worker.plots in the numpy environment (this process has
no numpy); when that environment is missing or drawing fails, the page says so
where the figures would be and the rest of the report is still written.
"""

import base64
import html
import json
import tempfile
from pathlib import Path

from harness.common.fileio import write_atomic
from harness.common.processes import run_once
from harness.facts import REFERENCE_ENV
from harness.reports import Context, Report, conventions, figure_cache, versions
from harness.reports import view as view_module
from harness.run.crosscheck import SEVERITY

# Worst first, as in the terminal table: a cell shows the worst verdict among its outputs.
VERDICTS = SEVERITY
PLOT_ENV = REFERENCE_ENV
PLOT_TIMEOUT = 180  # seconds for all figures; a realistic run takes a few
INTERRUPTED = "the run was interrupted (a signal) before they were drawn"

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:1.5em;color:#222;
max-width:100%;overflow-wrap:break-word}
h1{font-size:1.5em}h2{font-size:1.25em;margin-top:1.6em;border-bottom:1px solid #ccc}
h3{font-size:1.05em}
.scroll{max-width:100%;overflow-x:auto;margin:.5em 0 1em}
table{border-collapse:collapse;font-size:.9em}
small.why{font-weight:normal;font-size:.8em;white-space:nowrap}
details summary{overflow-wrap:anywhere}
th,td{border:1px solid #bbb;padding:.25em .5em;text-align:left;vertical-align:top}
th{background:#f0f0f0}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.matrix td{text-align:center;min-width:6em}
.v-agree,.v-ok{background:#c8e6c9}.v-disagree{background:#ef9a9a;font-weight:bold}
.v-error{background:#ffcc80}.v-crashed{background:#b71c1c;color:#fff}
.v-timeout{background:#ce93d8}.v-interrupted{background:#cfd8dc}
.v-unsupported{background:#e3f2fd;color:#555}.v-none{background:#fafafa;color:#999}
.v-other{background:#fff59d}
.legend span{display:inline-block;padding:.1em .5em;margin:.1em;border:1px solid #bbb}
.summary span{margin-right:1em}
figure{margin:.5em 0 1.5em}figure img{max-width:100%;border:1px solid #ddd}
figcaption{font-size:.85em;color:#555}
.note{background:#fff8e1;border-left:4px solid #ffb300;padding:.5em 1em}
pre{background:#f6f6f6;padding:.5em;overflow-x:auto;font-size:.8em;max-height:30em}
code{font-size:.9em}
"""
CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"


def esc(value) -> str:
    """Escaped text with only the characters HTML allows (no colour codes, NUL, surrogates)."""
    return html.escape(view_module.printable(value), quote=True)


def fmt(value) -> str:
    """Escaped text for one value: numbers to 4 significant digits, containers as JSON."""
    if value is None:
        return "&mdash;"
    if isinstance(value, bool):
        return esc(value)
    if isinstance(value, float):
        return esc(f"{value:.4g}")
    if isinstance(value, (dict, list, tuple)):
        if isinstance(value, dict) and set(value) == {"rtol", "atol"}:
            return esc(f"rtol={value['rtol']:g}, atol={value['atol']:g}")
        return f"<code>{esc(json.dumps(value, sort_keys=True))}</code>"
    return esc(value)


# ---------------------------------------------------------------- cells

def _rank(verdict) -> int:
    return view_module.rank(verdict)


def _value_line(v: dict) -> str:
    """What a non-agree verdict says in its cell: the values and where, or the reason."""
    if v.get("verdict") == "disagree" and view_module.values_text(v):
        return f"{v.get('output')}: {view_module.values_text(v)}"
    reason = str(v.get("detail") or v.get("verdict"))
    return f"{v.get('output')}: {reason[:80]}{'...' if len(reason) > 80 else ''}"


def _cell(verdicts: list[dict], result: dict | None) -> tuple[str, str, str, list]:
    """(css verdict, text, tooltip, lines saying what is not agree) for one matrix cell."""
    if verdicts:
        worst = min((v.get("verdict") for v in verdicts), key=_rank)
        n = sum(v.get("verdict") == worst for v in verdicts)
        text = worst if n == len(verdicts) else f"{worst} {n}/{len(verdicts)}"
        ordered = sorted(verdicts, key=lambda v: (_rank(v.get("verdict")), str(v.get("output"))))
        tip = "\n".join(f"{v.get('output')}: {v.get('verdict')}"
                        + (f" (max rel {v['max_rel']:.3g})"
                           if isinstance(v.get("max_rel"), float) else "")
                        for v in ordered)
        bad = [_value_line(v) for v in ordered if v.get("verdict") != "agree"]
        shared = list(dict.fromkeys(bad)) if worst != "disagree" else bad
        lines = shared[:3] + ([f"+{len(shared) - 3} more"] if len(shared) > 3 else [])
        return worst, text, tip, lines
    if result is not None:
        status = result.get("status", "?")
        tip = f"{result.get('dtype')} result: {status}"
        error = result.get("error")
        if isinstance(error, dict):
            tip += f"\n{error.get('type')}: {error.get('message')}"
        return ("ok" if status == "ok" else status), status, tip, []
    return "none", "\u2014", "no result", []


def _css_class(verdict: str) -> str:
    return f"v-{verdict}" if verdict in VERDICTS or verdict in ("ok", "none") else "v-other"


def _scroll(table: str) -> str:
    """A table that scrolls inside its own box on a narrow screen, not the whole page."""
    return f'<div class="scroll">{table}</div>'


# ---------------------------------------------------------------- sections

def _summary(run: dict) -> str:
    summary = run.get("summary") or {}
    parts = [f'<span class="{_css_class(k)}">{esc(k)}: {fmt(v)}</span>'
             for k, v in sorted(summary.items(), key=lambda kv: _rank(kv[0]))]
    status = run.get("exit_status")
    verdict = {0: "everything agrees", 1: "findings: see the details"}.get(status, "")
    return (f'<p class="summary">{"".join(parts)}</p>'
            f"<p>Exit status: <b>{fmt(status)}</b> {esc(verdict)}</p>")


def _legend() -> str:
    items = "".join(f'<span class="{_css_class(v)}">{esc(v)}</span>'
                    for v in ("agree", "ok") + VERDICTS[:-1])
    return (f'<p class="legend">{items}</p><p>A cell shows the worst verdict over the case\'s'
            " outputs (<i>verdict k/n</i>: k of n outputs). The reference column is the"
            " case's independent oracle (SymPy or closed forms); <i>ok</i> means it was"
            " computed. Hover a cell for each output.</p>")


def _matrix(view) -> str:
    out = [_legend()]
    for dtype in view.dtypes:
        out.append(f"<h3>{esc(dtype)}</h3>")
        head = "".join(f"<th>{esc(b)}</th>" for b in view.backends)
        rows = []
        for case in view.cases:
            cid = case.get("id")
            cells = []
            for b in view.backends:
                verdict, text, tip, lines = _cell(view.verdicts.get((cid, b, dtype), []),
                                                  view.result(cid, b, dtype))
                said = "".join(f'<br><small class="why">{esc(x)}</small>' for x in lines)
                cells.append(f'<td class="{_css_class(verdict)}" data-case="{esc(cid)}"'
                             f' data-backend="{esc(b)}" data-dtype="{esc(dtype)}"'
                             f' data-verdict="{esc(verdict)}" title="{esc(tip)}">{esc(text)}'
                             f"{said}</td>")
            rows.append(f'<tr><th title="{esc(case.get("title", ""))}">{esc(cid)}'
                        f'<br><small>{esc(case.get("title", ""))}</small></th>'
                        f'{"".join(cells)}</tr>')
        out.append(_scroll(f'<table class="matrix" id="matrix-{esc(dtype)}"><thead><tr>'
                           f'<th>case</th>{head}</tr></thead><tbody>{"".join(rows)}</tbody>'
                           "</table>"))
    return "\n".join(out)


DETAIL_COLUMNS = ("case", "output", "backend", "dtype", "verdict", "worst_index", "actual",
                  "expected", "max_abs", "max_rel", "tolerance", "method", "odd_one_out",
                  "detail")
NUMERIC = ("actual", "expected", "max_abs", "max_rel")


def _detail_value(column: str, value) -> str:
    """Compared values in full (4 digits could hide the difference), indices as tuples."""
    if value is not None and column in ("actual", "expected"):
        return esc(view_module.value(value))
    if isinstance(value, list) and column == "worst_index":
        return esc(view_module.index_text(value))
    return fmt(value)


def _details(run: dict, view) -> str:
    order = {cid: i for i, cid in enumerate(view.case_ids)}
    bad = [v for v in run.get("verdicts") or []
           if v.get("verdict") not in ("agree", "convention")]  # conventions: own section
    bad.sort(key=lambda v: (order.get(v.get("case"), 1e9), str(v.get("dtype")),
                            str(v.get("backend")), str(v.get("output"))))
    out = []
    if not bad:
        out.append("<p>Every verdict is <b>agree</b>.</p>")
    else:
        cols = DETAIL_COLUMNS
        head = "".join(f"<th>{esc(c.replace('_', ' '))}</th>" for c in cols)
        rows = []
        for v in bad:
            cells = []
            for c in cols:
                cls = " class=\"num\"" if c in NUMERIC else ""
                if c == "verdict":
                    cls = f' class="{_css_class(v.get(c))}"'
                cells.append(f"<td{cls}>{_detail_value(c, v.get(c))}</td>")
            rows.append(f'<tr class="detail">{"".join(cells)}</tr>')
        out.append(_scroll(f'<table class="details"><thead><tr>{head}</tr></thead>'
                           f'<tbody>{"".join(rows)}</tbody></table>'))
    pairs = [p for p in run.get("pairwise") or [] if p.get("agree") is False]
    if pairs:
        out.append("<h3>Pairs that disagree</h3>")
        out.append(_rows_table(pairs, ("case", "output", "dtype", "a", "b", "max_abs",
                                       "max_rel", "tolerance", "detail"), order))
    for key, heading in (("findings", "Findings"), ("problems", "Problems during the run")):
        if run.get(key):
            cols = list(dict.fromkeys(k for item in run[key] for k in item))
            out.append(f"<h3>{heading}</h3>")
            out.append(_rows_table(run[key], cols, order, cls=key))
    errors = [r for r in view.results.values() if isinstance(r.get("error"), dict)]
    errors.sort(key=lambda r: (order.get(r.get("case"), 1e9), str(r.get("backend")),
                               str(r.get("dtype"))))
    if errors:
        out.append("<h3>Errors reported by the workers</h3>")
        for r in errors:
            e = r["error"]
            out.append(f'<details class="error"><summary>{esc(r.get("case"))} / '
                       f'{esc(r.get("backend"))} / {esc(r.get("dtype"))} &mdash; '
                       f'{esc(r.get("status"))}: {esc(e.get("type"))}: '
                       f'{esc(e.get("message"))}</summary>'
                       f'<pre>{esc(e.get("traceback") or "(no traceback)")}</pre></details>')
    return "\n".join(out)


def _rows_table(rows: list[dict], cols, order: dict, cls: str = "rows") -> str:
    rows = sorted(rows, key=lambda r: (order.get(r.get("case"), 1e9), str(r.get("dtype")),
                                       str(r.get("output")), str(r.get("backend"))))
    head = "".join(f"<th>{esc(str(c).replace('_', ' '))}</th>" for c in cols)
    body = "".join("<tr>" + "".join(f'<td class="{_num(r.get(c))}">{fmt(r.get(c))}</td>'
                                    for c in cols) + "</tr>" for r in rows)
    return _scroll(f'<table class="{esc(cls)}"><thead><tr>{head}</tr></thead>'
                   f"<tbody>{body}</tbody></table>")


def _kv_table(data: dict, cls: str = "kv") -> str:
    """A dict as a table: a matrix when every value is a dict, else key/value rows."""
    if not data:
        return "<p>&mdash;</p>"
    if all(isinstance(v, dict) for v in data.values()):
        cols = list(dict.fromkeys(k for v in data.values() for k in v))
        head = "".join(f"<th>{esc(c)}</th>" for c in cols)
        rows = "".join(f"<tr><th>{esc(k)}</th>"
                       + "".join(f'<td class="{_num(v.get(c))}">{fmt(v.get(c))}</td>'
                                 for c in cols) + "</tr>"
                       for k, v in data.items())
        return _scroll(f'<table class="{cls}"><tr><th></th>{head}</tr>{rows}</table>')
    rows = "".join(f'<tr><th>{esc(k)}</th><td class="{_num(v)}">{fmt(v)}</td></tr>'
                   for k, v in data.items())
    return _scroll(f'<table class="{cls}">{rows}</table>')


def _num(value) -> str:
    return "num" if isinstance(value, (int, float)) and not isinstance(value, bool) else ""


def _environment(run: dict) -> str:
    env = run.get("environment") or {}
    general = {"created": run.get("created"), "argv": run.get("argv"),
               "python": env.get("python"), "platform": env.get("platform"),
               "options": run.get("options"), "seeds": run.get("seeds")}
    if run.get("merged_from"):
        general["merged from"] = run["merged_from"]
    first = ("version", "python", "numpy", "threads", "platform", "env")
    backends = {}
    for name, info in sorted((env.get("backends") or {}).items()):
        info = dict(info or {})
        methods = info.pop("methods", None)
        if isinstance(methods, dict):
            methods = "; ".join(f"{k}: {v}" for k, v in sorted(methods.items()))
        info = {k: info.pop(k) for k in first if k in info} | info
        backends[name] = info | ({"methods": methods} if methods else {})
    out = [_kv_table(general), "<h3>Backends</h3>", _kv_table(backends, "backends")]
    timings = run.get("timings") or {}
    out.append("<h3>Timings (seconds)</h3>")
    scalars = {k: v for k, v in timings.items() if not isinstance(v, dict)}
    if scalars:
        out.append(_kv_table(scalars))
    for key, value in timings.items():
        if isinstance(value, dict):  # e.g. backends {name: {...}}, cases {case: {backend: {dtype}}}
            flat = {k: _flatten(v) if isinstance(v, dict) else v for k, v in value.items()}
            out.append(f"<h4>{esc(key)}</h4>{_kv_table(flat)}")
    return "\n".join(out)


def _flatten(d: dict, prefix: str = "") -> dict:
    """{"torch": {"float32": 1.0}} -> {"torch float32": 1.0}: nested timings as columns."""
    flat = {}
    for k, v in d.items():
        name = f"{prefix} {k}".strip()
        flat.update(_flatten(v, name) if isinstance(v, dict) else {name: v})
    return flat


# ---------------------------------------------------------------- figures

FIGURE_KEYS = ("x", "y", "z", "z2", "marks_x", "marks_y")


def _panel(view, case_id, backend, dtype, names) -> dict:
    """One backend's panel of a figure: its arrays, or why it has none."""
    r = view.result(case_id, backend, dtype)
    label = backend if r is None or r.get("dtype") == dtype else f"{backend} ({r['dtype']})"
    if r is None:
        return {"label": label, "missing": "no result"}
    outputs = r.get("outputs") if isinstance(r.get("outputs"), dict) else {}
    lacking = [n for n in names if n not in outputs]
    if r.get("status") != "ok" or lacking:
        why = r.get("status") if r.get("status") != "ok" else "missing " + ", ".join(lacking)
        return {"label": label, "missing": f"no output: {why}"}
    seen = [v.get("verdict") for v in view.verdicts.get((case_id, backend, dtype), [])
            if v.get("output") in names]
    worst = min(seen, key=_rank) if seen else "agree"
    flag = worst != "agree"  # a panel that disagrees is titled in red
    return {"label": f"{label} [{worst}]" if flag else label, "flag": flag,
            "arrays": {n: outputs[n] for n in names}}


def figure_jobs(view) -> list[dict]:
    """One job per (case figure, dtype): a panel per backend, reference first."""
    jobs = []
    for ci, case in enumerate(view.cases):
        for fi, spec in enumerate(case.get("figures") or []):
            names = [spec[k] for k in FIGURE_KEYS if spec.get(k)]
            for dtype in view.dtypes:
                panels = [_panel(view, case.get("id"), b, dtype, names) for b in view.backends]
                if any("arrays" in p for p in panels):
                    jobs.append({"id": f"c{ci}f{fi}_{len(jobs)}", "kind": spec.get("kind"),
                                 "title": f"{case.get('id')}: {spec.get('title', '')} [{dtype}]",
                                 "spec": spec, "panels": panels,
                                 "case": case.get("id"), "dtype": dtype})
    return jobs


def _plot_python():
    """(python of the numpy environment, None) or (None, why figures cannot be drawn)."""
    from harness import envs

    try:
        state = envs.status(PLOT_ENV)
    except (envs.EnvError, OSError, ValueError) as exc:
        return None, f"the {PLOT_ENV} environment is not usable ({exc})"
    if state["state"] != "ready":
        return None, (f"the {PLOT_ENV} environment that draws them is {state['state']}"
                      f" ({state['path']}); create it with"
                      f" `python -m harness envs --create {PLOT_ENV}`")
    return envs.env_python(PLOT_ENV), None


def _plot(python, tmp: Path, timeout: float, cancelled) -> str | None:
    """Run harness.reports.worker.plots in `tmp`; None once it succeeded, else what went wrong.

    A worker of harness.common.processes: a signal to the run (`cancelled()`) or the
    timeout ends it at once with its whole process group; its stderr tail is left in
    tmp/plots.log, and the caller's temporary folder is then removed."""
    from harness.envs import worker_env

    done = run_once([python, "-m", "harness.reports.worker.plots", tmp / "figures.json",
                     tmp / "png"], env=worker_env(), timeout=timeout, cancelled=cancelled)
    (tmp / "plots.log").write_text("\n".join(done.stderr_tail), encoding="utf-8")
    if done.cancelled:
        return INTERRUPTED
    return f"drawing the figures {done.error}" if done.error else None


def draw_figures(jobs: list[dict], python=None, timeout: float = PLOT_TIMEOUT,
                 cancelled=lambda: False):
    """({job id: data URI or error text}, why no figure was drawn or None)."""
    if not jobs:
        return {}, None
    if cancelled():
        return {}, INTERRUPTED
    problem = None
    if python is None:
        python, problem = _plot_python()
    if python is None:
        return {}, problem
    with tempfile.TemporaryDirectory(prefix="harness-plots-") as name:
        tmp = Path(name)
        (tmp / "figures.json").write_text(json.dumps({"format": "harness-plots/1",
                                                      "figures": jobs}))
        why = _plot(python, tmp, timeout, cancelled)
        if why:
            return {}, why
        out, log = tmp / "png", (tmp / "plots.log").read_text("utf-8", "replace")
        if not (out / "manifest.json").is_file():
            tail = "\n".join(log.strip().splitlines()[-15:])
            return {}, f"drawing the figures failed (no manifest written):\n{tail}"
        manifest = json.loads((out / "manifest.json").read_text())["figures"]
        images = {}
        for job in jobs:
            entry = manifest.get(job["id"], {"error": "not drawn"})
            if "file" in entry:
                data = base64.b64encode((out / entry["file"]).read_bytes()).decode("ascii")
                images[job["id"]] = "data:image/png;base64," + data
            else:
                images[job["id"]] = f"could not draw this figure: {entry.get('error')}"
        return images, None


def _figures(run: dict, jobs: list[dict], images: dict, problem: str | None) -> str:
    if not jobs:
        has_specs = any(c.get("figures") for c in run.get("cases") or [])
        return ("<p>No backend produced the outputs the figures need.</p>" if has_specs
                else "<p>The cases in this run declare no figures.</p>")
    out = [("<p>Each figure is drawn once per backend from that backend's own outputs,"
            " on the same axes, reference first; a panel titled in red has a finding.</p>")]
    if problem:
        out.append(f'<p class="note figures-unavailable"><b>Figures not drawn:</b> '
                   f'{esc(problem).replace(chr(10), "<br>")}</p>')
    for job in jobs:
        labels = ", ".join(p["label"] + ("" if "arrays" in p else f" ({p['missing']})")
                           for p in job["panels"])
        image = images.get(job["id"])
        out.append(f'<h3>{esc(job["title"])}</h3>')
        if image and image.startswith("data:image/png;base64,"):
            out.append(f'<figure><img src="{image}" alt="{esc(job["title"])}: {esc(labels)}">'
                       f"<figcaption>Panels: {esc(labels)}</figcaption></figure>")
        elif image:
            out.append(f'<p class="note">{esc(image)}</p>')
        elif problem:
            out.append(f"<p>Panels that would be drawn: {esc(labels)}</p>")
    return "\n".join(out)


# ---------------------------------------------------------------- page

def _page(title: str, body: list) -> str:
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{esc(title)}</title><style>{CSS}</style></head><body>\n"
            + "\n".join(body) + "\n</body></html>\n")


def figures_of(view, context: Context) -> tuple:
    """(jobs, images, problem), drawn once per context: a page rendered again reuses them."""
    if "figures" not in context.cache:
        jobs = figure_jobs(view)
        images, problem = figure_cache.draw(   # images reused across runs
            jobs, context.options.get("plot_python"),
            lambda todo, python: draw_figures(todo, python, cancelled=context.cancelled))
        context.cache["figures"] = (jobs, images, problem)
    return context.cache["figures"]


def render(run: dict, view=None, context: Context | None = None) -> str:
    """The whole page as a string (figures drawn through harness.reports.worker.plots)."""
    if not isinstance(run, dict):
        raise TypeError(f"a run must be the run.json dict, not {type(run).__name__}")
    view = view or view_module.build(run)
    jobs, images, problem = figures_of(view, context or Context())
    title = f"harness run {run.get('created') or ''}".strip()
    return _page(title, [
        f"<h1>{esc(title)}</h1>", _summary(run),
        "<h2 id=\"matrix\">Agreement matrix</h2>", _matrix(view),
        conventions.html_section(run), versions.html_section(run),
        "<h2 id=\"details\">Details of everything that is not agree</h2>",
        _details(run, view),
        "<h2 id=\"figures\">Figures</h2>", _figures(run, jobs, images, problem),
        "<h2 id=\"environment\">Environment</h2>", _environment(run),
    ])


def fallback(run: dict, error: str) -> str:
    """The page written when the report cannot be rendered: says so, never a stale report."""
    title = f"harness run {run.get('created') or ''}".strip()
    return _page(title, [f"<h1>{esc(title)}</h1>",
                         (f'<p class="note report-failed"><b>This report could not be rendered:'
                         f"</b> {esc(error)}</p><p>run.json and junit.xml beside it hold the"
                         f" results; exit status {fmt(run.get('exit_status'))}.</p>")])


def write_report(run: dict, out_dir: Path, *, plot_python=None) -> Path:
    """Write OUT_DIR/report.html atomically and return its path."""
    page = render(run, context=Context(options={"plot_python": plot_python}))
    return write_atomic(Path(out_dir) / "report.html", page)


REPORT = Report("html", render, file="report.html", printable=False, fallback=fallback)
