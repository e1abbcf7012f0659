"""Markdown: the table per dtype and the details, for a CI job summary or a pull request.

`--format markdown` prints it (e.g. into $GITHUB_STEP_SUMMARY).
"""

from harness.reports import Report, conventions, versions
from harness.reports.table import label
from harness.reports.view import detail_lines, printable, summary_text


def _cell_text(text) -> str:
    return printable(text).replace("|", "\\|").replace("\n", " ")


def render(run, view, context=None) -> str:
    out = []
    for dtype in view.dtypes:
        out += [f"### {dtype}", "", "| case | " + " | ".join(view.backends) + " |",
                "|---" * (len(view.backends) + 1) + "|"]
        for c in view.case_ids:
            out.append(f"| {_cell_text(c)} | " + " | ".join(
                label(view, c, b, dtype) for b in view.backends) + " |")
        out.append("")
    table = conventions.markdown(run)
    if table:
        out += ["### Conventions", "", table, ""]
    changes = versions.text_lines(run)
    if changes:
        out += ["### Versions", "", "```", *changes, "```", ""]
    details = detail_lines(run)
    if details:
        out += ["### Details", ""] + [f"- {_cell_text(d)}" for d in details] + [""]
    out.append(f"**{summary_text(run)}**")
    return "\n".join(out)


REPORT = Report("markdown", render)
