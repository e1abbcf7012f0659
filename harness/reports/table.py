"""Text reports of a finished run: the cases x backends table per dtype, then details.

`render(run, "table"|"markdown"|"json")` is what `harness run` and `harness compare`
print; the details list everything that is not "agree", so nothing is only a colour.
"""

import json

from harness.reports import conventions
from harness.run.crosscheck import REFERENCE, worst

LABELS = {"agree": "ok", "disagree": "DISAGREE", "unsupported": "unsupported",
          "error": "ERROR", "crashed": "CRASHED", "timeout": "TIMEOUT",
          "interrupted": "INTERRUPTED", "convention": "convention", "known": "known",
          "changed": "CHANGED", None: "-"}


def _axes(run):
    verdicts = run["verdicts"]
    cases = [c["id"] for c in run.get("cases", []) if isinstance(c, dict) and "id" in c]
    cases = list(dict.fromkeys(cases + [v["case"] for v in verdicts]))
    cases = [c for c in cases if any(v["case"] == c for v in verdicts)]
    backends = list(dict.fromkeys(v["backend"] for v in verdicts if v["backend"] != REFERENCE))
    dtypes = list(dict.fromkeys(v["dtype"] for v in verdicts))
    return cases, [REFERENCE] + backends, sorted(dtypes)


def cells(run) -> dict:
    """(case, backend, dtype) -> the most severe verdict over the case's outputs."""
    grouped: dict = {}
    for v in run["verdicts"]:
        grouped.setdefault((v["case"], v["backend"], v["dtype"]), []).append(v["verdict"])
    return {k: worst(vs) for k, vs in grouped.items()}


def _fmt_metric(x):
    return "-" if x is None else (x if isinstance(x, str) else f"{x:.3g}")


def detail_lines(run) -> list[str]:
    """One line per problem; outputs failing for one shared reason share one line."""
    groups: dict = {}
    for v in run["verdicts"]:
        if v["verdict"] in ("agree", "convention"):  # conventions: their own table
            continue
        shared = v["verdict"] != "disagree"  # a status or an error: same cause, one line
        key = (v["case"], v["backend"], v["dtype"], v["verdict"], v["detail"]) if shared \
            else id(v)
        groups.setdefault(key, []).append(v)
    lines = []
    for rows in groups.values():
        v = rows[0]
        where = f"{v['case']} [{v['backend']} {v['dtype']}]"
        outputs = [r["output"] for r in rows if r["output"] != "*"]
        if v["verdict"] in ("crashed", "timeout", "interrupted", "unsupported"):
            lines.append(f"{where} {v['verdict']}: {v['detail']}")
            continue
        if len(outputs) > 3:
            named = f"{len(outputs)} outputs ({', '.join(outputs[:3])}, ...)"
        else:
            named = ", ".join(outputs) or "all outputs"
        text = f"{where} {named}: {v['verdict']}: {v['detail']}"
        if v["verdict"] == "disagree" and v["max_abs"] is not None:
            tol = v["tolerance"] or {}
            text += (f" (max abs {_fmt_metric(v['max_abs'])}, max rel {_fmt_metric(v['max_rel'])};"
                     f" tolerance rtol={tol.get('rtol')}, atol={tol.get('atol')};"
                     f" method {v['method'] or 'value'})")
        if v.get("odd_one_out"):
            text += f"; odd one out: {v['odd_one_out']}"
        lines.append(text)
    for f in run.get("findings", []):
        lines.append(f"{f['case']} {f['output']} [{f['dtype']}] {f['kind']}: {f['detail']}")
    for p in run.get("problems", []):
        where = " ".join(str(x) for x in (p.get("backend"), p.get("case"), p.get("dtype")) if x)
        lines.append(f"{p['kind']}{f' [{where}]' if where else ''}: {p['detail']}")
    return lines


def _summary(run) -> str:
    counts = ", ".join(f"{n} {k}" for k, n in run["summary"].items() if n)
    line = f"{counts or 'no verdicts'}; exit status {run['exit_status']}"
    if run["summary"].get("convention"):
        line += ("\n(convention: frameworks give different answers, each valid there; "
                 "reported, not a failure)")
    return line


def render_table(run) -> str:
    cases, backends, dtypes = _axes(run)
    grid = cells(run)
    out = []
    for dtype in dtypes:
        header = ["case"] + backends
        rows = [[c] + [LABELS.get(grid.get((c, b, dtype)), "?") for b in backends] for c in cases]
        widths = [max(len(r[i]) for r in [header] + rows) for i in range(len(header))]
        out.append(f"== {dtype} ==")
        out += ["  ".join(x.ljust(w) for x, w in zip(r, widths)).rstrip()
                for r in [header] + rows]
        out.append("")
    table = conventions.text_lines(run)
    if table:
        out += table + [""]
    details = detail_lines(run)
    if details:
        out.append("Details (everything that is not agree or a convention):")
        out += [f"- {d}" for d in details]
        out.append("")
    out.append(_summary(run))
    return "\n".join(out)


def render_markdown(run) -> str:
    cases, backends, dtypes = _axes(run)
    grid = cells(run)
    out = []
    for dtype in dtypes:
        out += [f"### {dtype}", "", "| case | " + " | ".join(backends) + " |",
                "|---" * (len(backends) + 1) + "|"]
        for c in cases:
            out.append(f"| {c} | " + " | ".join(
                LABELS.get(grid.get((c, b, dtype)), "?") for b in backends) + " |")
        out.append("")
    table = conventions.markdown(run)
    if table:
        out += ["### Conventions", "", table, ""]
    details = detail_lines(run)
    if details:
        out += ["### Details", ""] + [f"- {d.replace('|', '/')}" for d in details] + [""]
    out.append(f"**{_summary(run)}**")
    return "\n".join(out)


def render(run, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(run, indent=1, sort_keys=True, allow_nan=False)
    if fmt == "markdown":
        return render_markdown(run)
    return render_table(run)
