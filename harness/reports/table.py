"""The terminal table: cases x backends per dtype, then a line for everything not "agree".

What `harness run` and `harness compare` print by default (`--format table`); the
details list everything that is not "agree", so nothing is only a colour.
"""

from harness.reports import Report, conventions, versions
from harness.reports.view import detail_lines, printable, summary_text

LABELS = {"agree": "ok", "disagree": "DISAGREE", "unsupported": "unsupported",
          "error": "ERROR", "crashed": "CRASHED", "timeout": "TIMEOUT",
          "interrupted": "INTERRUPTED", "convention": "convention", "known": "known",
          "changed": "CHANGED", None: "-"}


def label(view, case, backend, dtype) -> str:
    return LABELS.get(view.cell(case, backend, dtype), "?")


def render(run, view, context=None) -> str:
    out = []
    for dtype in view.dtypes:
        header = ["case"] + view.backends
        rows = [[str(c)] + [label(view, c, b, dtype) for b in view.backends]
                for c in view.case_ids]
        widths = [max(len(r[i]) for r in [header] + rows) for i in range(len(header))]
        out.append(f"== {dtype} ==")
        out += ["  ".join(x.ljust(w) for x, w in zip(r, widths)).rstrip()
                for r in [header] + rows]
        out.append("")
    for section in (conventions.text_lines(run), versions.text_lines(run)):
        if section:
            out += section + [""]
    details = detail_lines(run)
    if details:
        out.append("Details (everything that is not agree or a convention):")
        out += [f"- {printable(d)}" for d in details]
        out.append("")
    out.append(summary_text(run))
    return "\n".join(out)


REPORT = Report("table", render)
