"""`harness doc CHAPTER.md`: run a D2L chapter's code tab by tab and report where tabs drift.

Works on any D2L chapter: cells, tabs and sections come from the markdown itself.
Exit status: 0 the tabs agree, 1 drift / a failing cell or tab / a tab that
disagrees with a case's reference, 2 usage error.
"""

import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from harness.cli import UsageError
from harness.doc import align, analyze, caselink, parser, report, runner
from harness.run.cache import worker_results

DEFAULT_OUT = "results/doc"


def configure(p):
    p.add_argument("chapter", help="D2L markdown chapter (code cells in ```{.python .input} fences)")
    p.add_argument("--default-tab", default="mxnet", metavar="TAB",
                   help=f"tab of untagged cells (default mxnet; one of {', '.join(parser.KNOWN_TABS)})")
    p.add_argument("--tabs", metavar="TABS", help="run only these tabs, comma-separated")
    p.add_argument("--out", default=DEFAULT_OUT, metavar="DIR",
                   help=f"folder for doc.json, doc.html and figures (default {DEFAULT_OUT})")
    p.add_argument("--cell-timeout", type=float, default=300.0, metavar="S",
                   help="seconds one cell may run before its tab is stopped (default 300)")
    p.add_argument("--no-cases", action="store_true",
                   help="skip the cases/ cross-check and the runs for frameworks without a tab")


def load_chapter(path_text: str, default_tab: str):
    """The parsed chapter, or UsageError saying why this file cannot be run."""
    if default_tab not in parser.KNOWN_TABS:
        raise UsageError(f"unknown --default-tab {default_tab!r}; "
                         f"known: {', '.join(parser.KNOWN_TABS)}")
    path = Path(path_text)
    if not path.is_file():
        raise UsageError(f"no such chapter file: {path}")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise UsageError(f"{path} is not markdown (not UTF-8 text)") from None
    if text.lstrip().startswith("{"):
        try:
            json.loads(text)
            raise UsageError(f"{path} is JSON (a notebook?), not markdown")
        except ValueError:
            pass
    try:
        chapter = parser.parse(text, str(path), default_tab)
    except parser.ChapterError as exc:
        raise UsageError(str(exc)) from None
    if not chapter.cells:
        raise UsageError(f"{path} has no code cells (```{{.python .input}} fences)")
    return chapter


def _select_tabs(chapter, text):
    tabs = chapter.tabs()
    if not text:
        return tabs
    wanted = [t.strip().lower() for t in text.split(",") if t.strip()]
    unknown = [t for t in wanted if t not in tabs]
    if unknown:
        raise UsageError(f"--tabs {', '.join(unknown)}: not a tab of this chapter "
                         f"(its tabs: {', '.join(tabs)})")
    return [t for t in tabs if t in wanted]


def _case_work(chapter, entries, missing):
    """Reference values and the no-tab frameworks' results for the matching cases."""
    ids = [e["id"] for e in entries]
    with ThreadPoolExecutor(max_workers=1 + len(missing)) as pool:
        ref = pool.submit(worker_results, "reference", [(i, "float64") for i in ids],
                          lambda tasks: caselink.run_worker(caselink.REFERENCE_ENV,
                                                            "reference", tasks))
        others = {t: pool.submit(caselink.run_worker, parser.TAB_ENVS[t], parser.TAB_ENVS[t],
                                 [(i, d) for i in ids for d in ("float32", "float64")])
                  for t in missing}
        return ref.result(), {t: f.result() for t, f in others.items()}


def _progress(msg):
    print(msg, file=sys.stderr, flush=True)


def build(chapter, tabs, cell_timeout, with_cases=True, progress=_progress):
    """Run everything and return (doc dict, runs)."""
    started = time.monotonic()
    entries, case_error = caselink.matching_cases(chapter) if with_cases else ([], "skipped")
    missing = [t for t in parser.KNOWN_TABS if t not in chapter.tabs()]
    with ThreadPoolExecutor(max_workers=2) as pool:
        cases_job = pool.submit(_case_work, chapter, entries, missing)
        runs = runner.run_tabs(chapter, tabs, cell_timeout, progress)
        reference, backend_runs = cases_job.result()
    tab_seconds = time.monotonic() - started
    groups = align.align(chapter, tabs)
    findings = analyze.analyze(groups, runs)
    checks = caselink.check_tabs(groups, runs, entries, reference)
    caselink.annotate_drift(findings, checks)
    missing_info = caselink.missing_tab_results(entries, reference, backend_runs)
    for t in missing:
        if not entries:
            missing_info[t]["error"] = missing_info[t]["error"] or (
                case_error or "no case in cases/ covers a section of this chapter")
    failed_tabs = [t for t, r in runs.items() if r.status == "failed"]
    bad = [f for f in findings if f["kind"] in ("drift", "error")]
    wrong = [c for c in checks if c["verdict"] == "drift"]
    exit_status = 1 if (bad or failed_tabs or wrong) else 0
    doc = {
        "format": report.FORMAT,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "argv": sys.argv,
        "chapter": {"path": chapter.path, "title": chapter.title,
                    "default_tab": chapter.default_tab,
                    "cells": [c.as_dict() for c in chapter.cells],
                    "text_blocks": [{"tabs": list(b.tabs), "start": b.start, "end": b.end,
                                     "text": b.text} for b in chapter.text_blocks]},
        "tabs": {t: dict(r.as_dict(), cells_run=sum(
            1 for c in r.cells.values() if c.get("status") != "not run")) for t, r in runs.items()},
        "groups": [_group_dict(g, runs) for g in groups],
        "findings": findings,
        "cases": {"error": case_error if with_cases else "skipped (--no-cases)",
                  "matching": [e["id"] for e in entries], "checks": checks,
                  "reference_error": reference.get("error")},
        "missing_tabs": missing_info,
        "summary": {"drift": sum(f["kind"] == "drift" for f in findings),
                    "layout": sum(f["kind"] == "layout" for f in findings),
                    "errors": sum(f["kind"] == "error" for f in findings),
                    "failed_tabs": failed_tabs,
                    "case_disagreements": len(wrong),
                    "verdict": "tabs agree" if exit_status == 0 else "drift or failures found"},
        "timings": {"tabs_s": round(tab_seconds, 3),
                    "total_s": round(time.monotonic() - started, 3)},
        "exit_status": exit_status,
    }
    return doc, runs


def _group_dict(group, runs) -> dict:
    from harness.doc.compare import Value

    outputs = {}
    for tab, cell in group["cells"].items():
        reply = runs[tab].cells.get(cell.index, {}) if tab in runs else {}
        variables = {}
        for name, obj in (reply.get("variables") or {}).items():
            val = Value.decode(obj) if "data" in obj else None
            variables[name] = val.preview() if val else obj.get("skipped", "?")
        err = reply.get("error")
        outputs[tab] = {"index": cell.index, "start": cell.start, "end": cell.end,
                        "status": reply.get("status", "not run"),
                        "stdout": reply.get("stdout", ""), "stderr": reply.get("stderr", ""),
                        "display": reply.get("display"), "error": err,
                        "magics": reply.get("magics", []), "variables": variables,
                        "seconds": reply.get("seconds")}
    return {"section": group["section"], "outputs": outputs, "findings": group["findings"]}


def main(args) -> int:
    chapter = load_chapter(args.chapter, args.default_tab)
    tabs = _select_tabs(chapter, args.tabs)
    if args.cell_timeout <= 0:
        raise UsageError("--cell-timeout must be positive")
    out_dir = Path(args.out)
    doc, runs = build(chapter, tabs, args.cell_timeout, with_cases=not args.no_cases)
    report.write_figures(doc, runs, out_dir)
    report.write_json(doc, out_dir)
    report.write_html(doc, runs, out_dir)
    print("\n".join(report.summary_lines(doc)))
    print(f"wrote {out_dir / 'doc.json'} and {out_dir / 'doc.html'}")
    return doc["exit_status"]
