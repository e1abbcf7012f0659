"""The Conventions table: one row per convention case output, one column per backend.

Each cell is that backend's answer in float64 (and in float32 where it differs),
marked ✗ when it lies outside the valid set (known or disagree) and Δ when it
changed from the recorded answer. The terminal, report.html and the README
(`python -m harness conventions table`) all show this same table.
"""

import html

from harness.conventions import from_json, text
from harness.facts import DTYPES, REFERENCE, REFERENCE_DTYPE

MARKS = {"known": " ✗", "disagree": " ✗", "changed": " Δ"}
LEGEND = ("✗: outside the set of valid answers (a known bug when recorded); "
          "Δ: changed from the recorded answer; numpy: numdifftools' finite differences, "
          "the numerical reference, for information.")


def describe(rule: dict) -> str:
    """The valid set in a few characters."""
    kind = rule.get("kind")
    if kind == "interval":
        return ", ".join(f"[{lo:g}, {hi:g}]" for lo, hi in zip(rule["low"], rule["high"]))
    if kind == "simplex":
        return f"weights >= 0 on {rule['support']}, sum 1"
    if kind == "ball":
        return f"|g| <= {rule['radius']:g}"
    if kind == "point":
        return "= " + text(rule["value"])
    if kind == "set":
        return "one of " + " | ".join(text(v) for v in rule["values"])
    return "anything (undefined)" if kind == "any" else "?"


def _rules(run) -> dict:
    return {c["id"]: c.get("rules", {}) for c in run.get("cases", [])
            if isinstance(c, dict) and c.get("kind") == "convention"}


def table(run) -> tuple[list[str], list[list[str]]]:
    """(header, rows) of the Conventions table, or ([], []) when the run has none."""
    rules = _rules(run)
    rows = [v for v in run.get("verdicts", []) if v["case"] in rules]
    if not rows:
        return [], []
    backends = list(dict.fromkeys(v["backend"] for v in rows if v["backend"] != REFERENCE))
    cells: dict = {}
    for v in rows:
        cells.setdefault((v["case"], v["output"]), {}).setdefault(v["backend"], {})[
            v["dtype"]] = v
    body = []
    for (case, output), per_backend in cells.items():
        rule = rules.get(case, {}).get(output, {})
        line = [f"{case.split('/', 1)[-1]} {output}", describe(rule)]
        line += [_cell(per_backend.get(b, {})) for b in backends]
        body.append(line)
    return ["case output", "valid answers"] + backends, body


def _cell(by_dtype: dict) -> str:
    if not by_dtype:
        return "-"
    shown = []
    for dtype in sorted(DTYPES, key=lambda d: d != REFERENCE_DTYPE):  # float64 first
        v = by_dtype.get(dtype)
        if v is None:
            continue
        answer = text(from_json(v["answer"])) if "answer" in v else v["verdict"]
        entry = answer + MARKS.get(v["verdict"], "")
        if not shown or entry != shown[0]:
            shown.append(entry if not shown else f"{dtype}: {entry}")
    return " / ".join(shown)


def text_lines(run) -> list[str]:
    header, body = table(run)
    if not body:
        return []
    widths = [max(len(r[i]) for r in [header] + body) for i in range(len(header))]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    return ["Conventions (answers in float64; valid answers may differ):",
            fmt.format(*header), *(fmt.format(*r) for r in body), LEGEND]


def markdown(run) -> str:
    header, body = table(run)
    if not body:
        return ""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(c.replace("|", "\\|") for c in r) + " |" for r in body]
    return "\n".join(lines + ["", LEGEND])


def html_section(run) -> str:
    header, body = table(run)
    if not body:
        return ""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    rows = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>"
                   for r in body)
    return (f'<section id="conventions"><h2>Conventions</h2><div class="scroll"><table>'
            f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div>"
            f"<p>{html.escape(LEGEND)}</p></section>")
