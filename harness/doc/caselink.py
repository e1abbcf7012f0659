"""What `cases/` says about the chapter's examples.

A case covers an example when it names this chapter's `:label:` and the position of
the example's section (the n-th `##` heading): the same in every edition and
translation of the chapter, so the Portuguese and the English edition link to the same
cases and a case never attaches to another chapter (every chapter has "Exercises").
Its reference (closed forms / SymPy, never a framework) is computed in the numpy
environment, and a tab's variable named in `case.chapter_variables` is compared
with it, so the report can say which tab is right. Frameworks the chapter has no
tab for run the same cases on their backend (`harness.run.worker`), so their results
still appear beside the tabs'.
"""

import subprocess

from harness import envs
from harness.common import tolerances
from harness.common.processes import GRACE, Worker, env_name, exit_text, interpreter
from harness.common.protocol import message_or_none
from harness.doc.compare import Value, compare_values
from harness.facts import REFERENCE_DTYPE

CASE_TIMEOUT = 600


def matching_cases(chapter) -> tuple:
    """(index entries of this chapter's label, None) or ([], why there are none)."""
    try:
        import cases
        index = cases.case_index(groups=("chapter",))
    except Exception as exc:  # noqa: BLE001 - cases/ is optional for doc mode
        return [], f"cases unavailable: {type(exc).__name__}: {exc}"
    if not chapter.label:
        return [], "the chapter has no :label: under its title, so no case can name it"
    sections = sum(1 for _, level, _ in chapter.headings if level == 2)
    found = [e for e in index if e["chapter"] == chapter.label
             and 1 <= e["section_number"] <= sections]
    return found, None if found else f"no case in cases/ names chapter {chapter.label!r}"


def group_section_number(chapter, group) -> int:
    """The `##` section position of an aligned group of cells."""
    return chapter.section_number(min(c.start for c in group["cells"].values()))


def run_worker(backend: str, tasks: list, timeout=CASE_TIMEOUT) -> dict:
    """{"error": str|None, "meta": {case: as_dict}, "results": {(case, dtype): result}}.

    Results are kept as they arrive: a worker that hangs (no message for `timeout` s)
    or dies costs only what it had not sent yet, and `error` says what happened.
    """
    out = {"error": None, "meta": {}, "results": {}, "backend": backend}
    if not tasks:
        return out
    try:
        worker = Worker([interpreter(backend), "-m", "harness.run.worker", "--backend", backend,
                         "--tasks", ",".join(f"{c}@{d}" for c, d in tasks)],
                        env=envs.worker_env())
    except (envs.EnvError, OSError, subprocess.SubprocessError) as exc:
        out["error"] = f"{backend} in {env_name(backend)}: {exc}"
        return out
    ended = _read_results(worker, out, timeout)
    rc = worker.stop(GRACE if ended == "eof" else 0)
    missing = len(tasks) - len(out["results"])
    if ended == "timeout" and not out["error"]:
        out["error"] = (f"{backend}: no result within {timeout:g} s; worker stopped, "
                        f"{len(out['results'])} result(s) kept, {missing} not computed")
    elif missing and not out["error"]:
        tail = "\n".join(worker.stderr_tail()[-10:])
        out["error"] = f"{backend}: worker {exit_text(rc)}, {missing} result(s) missing: {tail}"
    return out


def _read_results(worker, out: dict, timeout: float) -> str:
    """Collect the worker's messages into `out` until eof, goodbye or `timeout` of silence."""
    while True:
        try:
            line = worker.read_line(timeout)
        except TimeoutError:
            return "timeout"
        if line is None:
            return "eof"
        msg = message_or_none(line)
        if msg is None:
            continue
        if msg["type"] == "case":
            out["meta"][msg["case"]] = msg.get("meta") or {}
        elif msg["type"] == "result":
            out["results"][(msg["case"], msg["dtype"])] = msg
        elif msg["type"] == "hello" and msg.get("error"):
            out["error"] = f"{out['backend']}: {msg['error'].get('message')}"
        elif msg["type"] == "bye":
            return "eof"


def _decoded(result, output):
    obj = (result or {}).get("outputs", {}).get(output)
    return Value.decode(obj) if obj else None


def check_tabs(groups, runs, entries, reference, chapter) -> list:
    """Each tab's chapter variable against the case reference, where a case covers it."""
    checks = []
    numbers = [group_section_number(chapter, g) for g in groups]
    for entry in entries:
        meta = reference["meta"].get(entry["id"], {})
        ref_result = reference["results"].get((entry["id"], REFERENCE_DTYPE))
        if not ref_result or ref_result.get("status") != "ok":
            continue
        for variable, output in (meta.get("chapter_variables") or {}).items():
            ref = _decoded(ref_result, output)
            if ref is None:
                continue
            for group, number in zip(groups, numbers):
                if number != entry["section_number"]:
                    continue
                for tab, cell in group["cells"].items():
                    reply = runs[tab].cells.get(cell.index) if tab in runs else None
                    obj = (reply or {}).get("variables", {}).get(variable)
                    val = Value.decode(obj) if obj and "data" in obj else None
                    if val is None:
                        continue
                    r = compare_values(val, ref)
                    checks.append({
                        "case": entry["id"], "section": group["section"],
                        "section_number": number, "variable": variable,
                        "output": output, "tab": tab, "lines": [cell.start, cell.end],
                        "verdict": r["verdict"], "layout": r["layout"], "max_abs": r["max_abs"],
                        "max_rel": r["max_rel"], "tolerance": r["tolerance"],
                        "detail": r.get("detail"), "value": val.preview(),
                        "reference": ref.preview()})
    return checks


def missing_tab_results(entries, reference, backend_runs) -> dict:
    """{tab: {"backend", "error", "cases": [{case, dtype, status, outputs: [...]}]}}."""
    out = {}
    for tab, run in backend_runs.items():
        rows = []
        for (case_id, dtype), result in sorted(run["results"].items()):
            ref_result = reference["results"].get((case_id, REFERENCE_DTYPE)) or {}
            meta = reference["meta"].get(case_id) or run["meta"].get(case_id) or {}
            chapter_names = {o: v for v, o in (meta.get("chapter_variables") or {}).items()}
            outputs = []
            for name, obj in (result.get("outputs") or {}).items():
                val = Value.decode(obj) if "data" in obj else None
                ref = _decoded(ref_result, name)
                row = {"output": name, "chapter_variable": chapter_names.get(name),
                       "value": val.preview() if val else obj.get("repr"),
                       "method": (result.get("methods") or {}).get(name)}
                if val is not None and ref is not None:
                    kind = (result.get("tolerance_classes") or {}).get(name)
                    tol = tolerances.tolerance(dtype, kind)
                    r = compare_values(val, ref, tol)
                    row.update(verdict=r["verdict"], max_abs=r["max_abs"],
                               max_rel=r["max_rel"], tolerance=r["tolerance"])
                outputs.append(row)
            rows.append({"case": case_id, "title": meta.get("title"),
                         "section": meta.get("section"), "dtype": dtype,
                         "status": result.get("status"), "error": result.get("error"),
                         "outputs": outputs})
        out[tab] = {"backend": run["backend"], "error": run["error"], "cases": rows}
    return out

