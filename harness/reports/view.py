"""One view of a run for every report: its axes, its cells, their severities and wording.

The terminal table, markdown, JUnit and HTML all show cases x backends x dtypes with
the worst verdict over a case's outputs in each cell; they read it here, so they cannot
disagree on an order, a missing cell, which verdict is worst or how a disagreement is
said. Standard library only (the orchestrator's side).
"""

import re
from dataclasses import dataclass

from cases import GROUPS
from harness.run.crosscheck import REFERENCE, SEVERITY, worst

STATUSES = ("crashed", "timeout", "interrupted", "unsupported")  # said by the status alone


@dataclass
class View:
    cases: list        # case metadata dicts in chapter order ({"id", "title", ...})
    backends: list     # the reference first, then in the order the run lists them
    dtypes: list
    verdicts: dict     # (case, backend, dtype) -> [verdict rows], in run.json order
    results: dict      # (case, backend, dtype) -> result

    @property
    def case_ids(self) -> list:
        return [c.get("id") for c in self.cases]

    def cell(self, case, backend, dtype) -> str | None:
        """The most severe verdict over the case's outputs, None for an empty cell."""
        rows = self.verdicts.get((case, backend, dtype))
        return worst(v.get("verdict") for v in rows) if rows else None

    def filled(self):
        """(case, backend, dtype, worst verdict) of every cell that has verdicts."""
        for backend in self.backends:
            for case in self.case_ids:
                for dtype in self.dtypes:
                    verdict = self.cell(case, backend, dtype)
                    if verdict is not None:
                        yield case, backend, dtype, verdict

    def result(self, case, backend, dtype):
        """The result behind a cell; the reference's is computed in float64 only."""
        found = self.results.get((case, backend, dtype))
        if found is None and backend == REFERENCE:
            found = next((r for (c, b, _), r in self.results.items()
                          if c == case and b == backend), None)
        return found


def rank(verdict) -> int:
    """0 for the most severe verdict; unknown words rank below every known one."""
    return SEVERITY.index(verdict) if verdict in SEVERITY else len(SEVERITY)


def _rows(run, key) -> list:
    return [r for r in run.get(key) or [] if isinstance(r, dict)]


def case_place(meta: dict) -> tuple:
    """Where a case's row goes: the chapter's cases, then each other group's ("conventions/
    ..." ids), as the case index lists them; in a group by `order` (a case no worker
    described has none: first), then by id."""
    case_id = str(meta.get("id"))
    group = next((i for i, g in enumerate(GROUPS) if case_id.startswith(f"{g}/")), 0)
    return group, meta.get("order", 0), case_id


def build(run: dict) -> View:
    """The view of a run.json dict (after the cross-check)."""
    results, verdicts = _rows(run, "results"), _rows(run, "verdicts")
    seen = results + verdicts
    metas = sorted(_rows(run, "cases"), key=case_place)
    used = {r.get("case") for r in seen}
    cases = [c for c in metas if c.get("id") in used]
    known = {c.get("id") for c in cases}
    for case in dict.fromkeys(r.get("case") for r in seen):
        if case not in known:
            cases.append({"id": case, "title": case})
    names = [r.get("backend") for r in seen if r.get("backend") not in (None, REFERENCE)]
    backends = [REFERENCE] + list(dict.fromkeys(names))
    dtypes = {r.get("dtype") for r in seen if r.get("backend") != REFERENCE} - {None}
    dtypes = dtypes or {r.get("dtype") for r in seen} - {None}
    cells: dict = {}
    for v in verdicts:
        cells.setdefault((v.get("case"), v.get("backend"), v.get("dtype")), []).append(v)
    by_key = {(r.get("case"), r.get("backend"), r.get("dtype")): r for r in results}
    return View(cases, backends, sorted(dtypes, key=str), cells, by_key)


def number(x) -> str:
    """A metric or value as text: 4 significant digits, "inf"/"nan" strings as they are."""
    if x is None:
        return "-"
    return x if isinstance(x, str) else f"{x:.4g}"


def value(x) -> str:
    """A compared value in full (the shortest text that reads back as the same double)."""
    return repr(x) if isinstance(x, float) else number(x)


def index_text(index) -> str:
    return "(" + ", ".join(str(i) for i in index) + ("," if len(index) == 1 else "") + ")"


def values_text(v: dict) -> str:
    """"ACTUAL vs expected EXPECTED at index (i, j)" of a verdict row, "" without values."""
    if v.get("actual") is None or v.get("worst_index") is None:
        return ""
    at = f" at index {index_text(v['worst_index'])}" if v["worst_index"] else ""
    return f"{value(v['actual'])} vs expected {value(v.get('expected'))}{at}"


def tolerance_text(tol) -> str:
    if isinstance(tol, dict):
        return f"rtol={tol.get('rtol'):g}, atol={tol.get('atol'):g}"
    return str(tol)


def disagreement(v: dict) -> str:
    """What differed, said once: the values at the index, the errors, the tolerance."""
    values = values_text(v)
    if v.get("max_abs") is not None:
        parts = [values, (f"max abs err {number(v['max_abs'])}, "
                         f"max rel err {number(v.get('max_rel'))}")]
    else:  # non-finite or shape: the cross-check's words first, the values said once
        detail = str(v.get("detail") or "")
        parts = [detail.split(", first at index")[0] if values else detail, values]
    parts = [p for p in parts if p]
    if v.get("tolerance") is not None:
        parts.append(f"tolerance {tolerance_text(v['tolerance'])}")
    if v.get("method"):
        parts.append(f"method {v['method']}")
    if v.get("odd_one_out"):
        parts.append(f"odd one out: {v['odd_one_out']}")
    return "; ".join(parts) or str(v.get("detail") or "disagree")


def problem_lines(rows: list, where: bool = True) -> list:
    """One line per problem in `rows` (verdict rows); outputs failing for one reason share one.

    Each line starts with "CASE [BACKEND DTYPE]" unless `where` is false."""
    groups: dict = {}
    for v in rows:
        if v.get("verdict") in ("agree", "convention"):  # conventions: their own table
            continue
        shared = v.get("verdict") != "disagree"  # a status or an error: same cause, one line
        key = (v.get("case"), v.get("backend"), v.get("dtype"), v.get("verdict"),
               str(v.get("detail"))) if shared else id(v)
        groups.setdefault(key, []).append(v)
    lines = []
    for group in groups.values():
        v = group[0]
        at = f"{v.get('case')} [{v.get('backend')} {v.get('dtype')}] " if where else ""
        if v.get("verdict") in STATUSES:
            lines.append(f"{at}{v.get('verdict')}: {v.get('detail')}")
            continue
        outputs = [str(r.get("output")) for r in group if r.get("output") != "*"]
        named = (f"{len(outputs)} outputs ({', '.join(outputs[:3])}, ...)" if len(outputs) > 3
                 else ", ".join(outputs) or "all outputs")
        said = disagreement(v) if v.get("verdict") == "disagree" else v.get("detail")
        lines.append(f"{at}{named}: {v.get('verdict')}: {said}")
    return lines


def detail_lines(run: dict) -> list:
    """Every problem of a run, one line each: verdicts, findings (each in the grid's order
    of cases), problems."""
    place = {case: i for i, case in enumerate(build(run).case_ids)}  # every case seen

    def in_grid_order(rows):
        return sorted(rows, key=lambda r: place[r.get("case")])

    lines = problem_lines(in_grid_order(_rows(run, "verdicts")))
    for f in in_grid_order(_rows(run, "findings")):
        lines.append(f"{f.get('case')} {f.get('output')} [{f.get('dtype')}] "
                     f"{f.get('kind')}: {f.get('detail')}")
    for p in _rows(run, "problems"):
        where = " ".join(str(x) for x in (p.get("backend"), p.get("case"), p.get("dtype")) if x)
        lines.append(f"{p.get('kind')}{f' [{where}]' if where else ''}: {p.get('detail')}")
    return lines


def summary_text(run: dict) -> str:
    summary = run.get("summary") or {}
    counts = ", ".join(f"{n} {k}" for k, n in summary.items() if n)
    line = f"{counts or 'no verdicts'}; exit status {run.get('exit_status')}"
    if summary.get("convention"):
        line += ("\n(convention: frameworks give different answers, each valid there; "
                 "reported, not a failure)")
    return line


_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]")
_NOT_TEXT = re.compile("[^\t\n\r\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def printable(text) -> str:
    """`text` with only characters XML and HTML allow: colour codes dropped, other control
    characters and lone surrogates written out as escapes (\\x00, \\ud800)."""
    text = _ANSI.sub("", str(text))
    return _NOT_TEXT.sub(lambda m: repr(m.group())[1:-1], text)
