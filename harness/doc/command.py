"""`harness doc PATH...`: run D2L chapters' code tab by tab and report where tabs drift.

Works on any D2L chapter: cells, tabs and sections come from the markdown itself.
Many chapters (files, or folders searched for .md files with code cells) run as a
book (harness.doc.bookrun), each chapter in its own `harness doc --chapter-job`
process. Exit status: 0 the tabs agree, 1 drift / a failing cell or tab / a tab that
disagrees with a case's reference, 2 usage error, 130 interrupted.
"""

import argparse
import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from harness.cli import UsageError
from harness.common import options, processes
from harness.doc import align, analyze, cache, caselink, parser, report, runner, unavailable
from harness.doc import findings as findings_mod
from harness.facts import DTYPES, REFERENCE, REFERENCE_DTYPE, d2l_tab
from harness.run.cache import worker_results

DEFAULT_OUT = "results/doc"
# Options that cannot change what a tab computes (everything else is part of a cache key).
NOT_IN_KEY = {"paths", "out", "jobs", "exclude", "shard", "no_cache", "cache_dir", "chapter_job",
              "tab_env",
              "cell_timeout", "no_cases", "tabs", "default_tab", "entry", "command"}


def configure(p):
    p.add_argument("paths", nargs="+", metavar="PATH",
                   help="D2L markdown chapters (code cells in ```{.python .input} fences), or "
                        "folders: every .md with code cells below them")
    p.add_argument("--exclude", action="append", default=[], metavar="GLOB",
                   help="skip chapters whose relative path or name matches (repeatable)")
    p.add_argument("--default-tab", default=None, metavar="TAB",
                   help="tab of untagged cells (default: the first of config.ini's [build] tabs,"
                        f" else mxnet; one of {', '.join(parser.KNOWN_TABS)})")
    p.add_argument("--tabs", metavar="TABS",
                   help="run only these tabs, comma-separated (default: config.ini's tabs)")
    p.add_argument("--out", default=DEFAULT_OUT, metavar="DIR",
                   help=f"folder for index.html, book.json, junit.xml and each chapter's "
                        f"doc.json/doc.html (default {DEFAULT_OUT})")
    p.add_argument("--cell-timeout", type=options.positive_number, default=300.0, metavar="S",
                   help="seconds one cell may run before its tab is stopped (default 300)")
    p.add_argument("--no-cases", action="store_true",
                   help="skip the cases/ cross-check and the runs for frameworks without a tab")
    p.add_argument("--native-random", action="store_true",
                   help="let each framework draw its own random numbers (default: every tab's "
                        "draws come from one shared seeded stream, so they are equal); values "
                        "that depend on draws are then not compared")
    p.add_argument("--strict", action="store_true",
                   help="warnings raised by the chapter's cells fail the run too (exit 1)")
    p.add_argument("--jobs", type=int, default=2, metavar="N",
                   help="chapters run at once (default 2; each runs its tabs in parallel)")
    p.add_argument("--no-cache", action="store_true",
                   help="run every tab again (results are still stored for the next run)")
    p.add_argument("--cache-dir", metavar="DIR", help="reused tab results (default OUT/cache)")
    p.add_argument("--shard", metavar="K/N", help="run only the K-th of N parts of the chapters")
    p.add_argument("--tab-env", action="append", default=[], metavar="TAB=BACKEND@VERSION",
                   help="run TAB with another version of its framework, e.g. "
                        "pytorch=torch@2.5.1 (its own environment; repeatable)")
    p.add_argument("--chapter-job", metavar="TOKEN", help=argparse.SUPPRESS)


def load_chapter(path_text: str, default_tab: str):
    """The parsed chapter, or UsageError saying why this file cannot be run."""
    default_tab = d2l_tab(default_tab) or default_tab   # `torch` means the `pytorch` tab
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
    if text is None:
        return tabs
    wanted = [d2l_tab(t) or t.lower() for t in options.split(text, "--tabs")]
    unknown = [t for t in wanted if t not in tabs]
    if unknown:
        raise UsageError(f"--tabs {', '.join(unknown)}: not a tab of this chapter "
                         f"(its tabs: {', '.join(tabs)})")
    return [t for t in tabs if t in wanted]


def _case_work(chapter, entries, missing):
    """Reference values and the no-tab frameworks' results for the matching cases."""
    ids = [e["id"] for e in entries]
    if not ids:
        return {"error": None, "meta": {}, "results": {}}, {
            t: {"error": None, "meta": {}, "results": {}, "backend": parser.TAB_ENVS[t]}
            for t in missing}
    with ThreadPoolExecutor(max_workers=1 + len(missing)) as pool:
        ref = pool.submit(worker_results, REFERENCE, [(i, REFERENCE_DTYPE) for i in ids],
                          lambda tasks: caselink.run_worker(REFERENCE, tasks))
        others = {t: pool.submit(caselink.run_worker, parser.TAB_ENVS[t],
                                 [(i, d) for i in ids for d in DTYPES])
                  for t in missing}
        return ref.result(), {t: f.result() for t, f in others.items()}


def _progress(msg):
    print(msg, file=sys.stderr, flush=True)


def cell_seeds(chapter, tabs) -> dict:
    """{cell index: seed}: aligned cells of every tab draw the same random numbers."""
    return {cell.index: 1000 + gid for gid, group in enumerate(align.align(chapter, tabs))
            for cell in group["cells"].values()}


def build(chapter, tabs, cell_timeout, with_cases=True, progress=_progress, store=None,
          options=None):
    """Run everything (tabs found in `store` are reused) and return (doc dict, runs).

    options: the run options (cache_options); `native_random` and `strict` are read here.
    """
    started = time.monotonic()
    store = store or cache.Store("", enabled=False)
    options = options or {}
    random_mode = "native" if options.get("native_random") else "equal"
    entries, case_error = caselink.matching_cases(chapter) if with_cases else ([], "skipped")
    missing = [t for t in parser.KNOWN_TABS if t not in chapter.tabs()]
    seeds = cell_seeds(chapter, tabs)
    with ThreadPoolExecutor(max_workers=2) as pool:
        cases_job = pool.submit(cache.case_work, store, _case_work, chapter, entries, missing,
                                options)
        # the seeds come from aligning all tabs: a cached tab is valid only with the same ones
        tab_options = dict(options, random_seeds=sorted(seeds.items()))
        runs = cache.run_tabs(chapter, tabs, store, tab_options,
                              lambda todo: runner.run_tabs(chapter, todo, cell_timeout, progress,
                                                           seeds, random_mode))
        reference, backend_runs = cases_job.result()
    tab_seconds = time.monotonic() - started
    groups = align.align(chapter, tabs, runs)
    checks = caselink.check_tabs(groups, runs, entries, reference, chapter)
    findings, compared = analyze.analyze(groups, runs, checks, chapter)
    unavailable.reclassify(findings, groups, runs)
    missing_info = caselink.missing_tab_results(entries, reference, backend_runs)
    for t in missing:
        if not entries:
            missing_info[t]["error"] = missing_info[t]["error"] or (
                case_error or "no case in cases/ covers a section of this chapter")
    failed_tabs = [t for t, r in runs.items() if r.status == "failed"]
    strict = bool(options.get("strict"))
    failing = findings_mod.FAILING_STRICT if strict else findings_mod.FAILING
    bad = [f for f in findings if f["kind"] in failing]
    wrong = [c for c in checks if c["verdict"] == "drift"]
    exit_status = 1 if (bad or failed_tabs or wrong) else 0
    doc = {
        "format": report.FORMAT,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "argv": sys.argv,
        "chapter": _chapter_dict(chapter),
        "random": {"mode": random_mode, "draws": _random_draws(runs)},
        "tabs": {t: dict(r.as_dict(), cached=getattr(r, "cached", False), cells_run=sum(
            1 for c in r.cells.values() if c.get("status") != "not run")) for t, r in runs.items()},
        "groups": [_group_dict(g, runs) for g in groups],
        "findings": findings,
        "cases": {"error": case_error if with_cases else "skipped (--no-cases)",
                  "matching": [e["id"] for e in entries], "checks": checks,
                  "reference_error": reference.get("error")},
        "missing_tabs": missing_info,
        "summary": _summary(findings, compared, strict, failed_tabs, wrong, exit_status),
        "timings": {"tabs_s": round(tab_seconds, 3),
                    "total_s": round(time.monotonic() - started, 3)},
        "exit_status": exit_status,
    }
    return doc, runs


def _chapter_dict(chapter) -> dict:
    return {"path": chapter.path, "title": chapter.title, "label": chapter.label,
            "default_tab": chapter.default_tab, "cells": [c.as_dict() for c in chapter.cells],
            "text_blocks": [{"tabs": list(b.tabs), "start": b.start, "end": b.end,
                             "text": b.text} for b in chapter.text_blocks]}


def _summary(findings, compared, strict, failed_tabs, wrong, exit_status) -> dict:
    return {**{k: sum(f["kind"] == k for f in findings) for k in findings_mod.KINDS},
            "errors": sum(f["kind"] == "error" for f in findings),
            "compared": compared, "strict": strict, "failed_tabs": failed_tabs,
            "case_disagreements": len(wrong),
            "verdict": ("tabs agree on every value compared" if exit_status == 0
                        else "drift or failures found")}


def _random_draws(runs) -> dict:
    """{tab: {"equalised": {api: n}, "uncovered": {api: n}}} over the whole chapter."""
    out = {}
    for tab, run in runs.items():
        total = {"equalised": {}, "uncovered": {}, "seed_calls_ignored": {}}
        for reply in run.cells.values():
            for kind, counts in total.items():
                for api, n in ((reply.get("random") or {}).get(kind) or {}).items():
                    counts[api] = counts.get(api, 0) + n
        out[tab] = total
    return out


def _group_dict(group, runs) -> dict:
    from harness.doc.compare import Value

    outputs = {}
    for tab, cell in group["cells"].items():
        reply = runs[tab].cells.get(cell.index, {}) if tab in runs else {}
        variables = {}
        for name, obj in (reply.get("variables") or {}).items():
            val = Value.decode(obj) if "data" in obj else None
            variables[name] = val.preview() if val else (
                "not compared: " + str(obj.get("not_compared", "?")))
        err = reply.get("error")
        source = parser.cell_program(cell, tab)[0][cell.start - 1:].rstrip("\n")
        outputs[tab] = {"index": cell.index, "start": cell.start, "end": cell.end,
                        "source": source,
                        "status": reply.get("status", "not run"),
                        "warnings": reply.get("warnings") or [],
                        "random": reply.get("random"),
                        "stdout": reply.get("stdout", ""), "stderr": reply.get("stderr", ""),
                        "display": reply.get("display"), "error": err,
                        "magics": reply.get("magics", []), "variables": variables,
                        "seconds": reply.get("seconds")}
    return {"section": group["section"], "outputs": outputs, "findings": group["findings"],
            "unmatched": group.get("unmatched", False),
            "inherited_from": group.get("inherited_from")}


def cache_options(args) -> dict:
    """The options that reach the kernel, for the cache keys."""
    return {k: v for k, v in sorted(vars(args).items()) if k not in NOT_IN_KEY}


def main(args) -> int:
    if args.chapter_job is None:
        from harness.doc import bookrun
        return bookrun.main(args)
    return chapter_job(args)


def chapter_job(args) -> int:
    """One chapter, as `harness.doc.bookrun` asks for it: its reports in --out."""
    if len(args.paths) != 1:
        raise UsageError("--chapter-job takes one chapter")
    processes.exit_with_parent()   # the book's orchestrator gone (even by SIGKILL): stop
    chapter = load_chapter(args.paths[0], args.default_tab or "mxnet")
    tabs = _select_tabs(chapter, args.tabs)
    out_dir = options.writable_folder(args.out)  # before any cell runs
    store = cache.Store(args.cache_dir or out_dir / "cache", enabled=not args.no_cache)
    doc, runs = build(chapter, tabs, args.cell_timeout, with_cases=not args.no_cases,
                      store=store, options=cache_options(args))
    doc["book_run"] = args.chapter_job
    report.write_figures(doc, runs, out_dir)
    report.write_html(doc, runs, out_dir)
    report.write_json(doc, out_dir)       # last: its presence says the chapter is done
    print("\n".join(report.summary_lines(doc)))
    return doc["exit_status"]
