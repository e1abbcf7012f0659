"""run.json ("harness-run/2", harness.run.schema): assemble it, read it back (/1 too),
merge several, write the reports.

`harness run` and `harness compare` both end in `finish()` (cross-check, summary,
exit status) and `write_reports()`, so a merged CI run and a local run produce the
same verdicts and the same files. The document is described in README/docs and in
`python -m harness run --help`; its keys:

format, created, argv, options, seeds, environment {python, platform, hostname, backends
{name: {version, python, platform, methods, threads, numpy, env}}}, timings {total_seconds,
backends {name: {wall_seconds, startup_seconds, compute_seconds, workers}}, cases
{case: {backend: {dtype: seconds}}}}, cases [case.as_dict()], results [{case, backend,
dtype, status, outputs {name: {"array": key} or an inline non-array}, methods,
tolerance_classes, error, seconds}], arrays {key: encoded array, each distinct one once},
verdicts [{case, output, backend, dtype, verdict, max_abs, max_rel, worst_index,
tolerance {rtol, atol}, method, tolerance_class, odd_one_out, detail}], pairwise [{case, output, dtype, a, b, agree, max_abs, max_rel, tolerance,
detail}], findings [{kind, case, output, dtype, backend, index, detail}], problems
[{kind: junk|crash|timeout|worker-exit|protocol|conflict|internal|report|partial-file,
backend, case, dtype, detail}], summary {verdict: count}, exit_status, signal (SIGINT or
SIGTERM, only when one stopped the run), merged_from (compare only). A verdict that
disagrees also has actual and expected: the two values at worst_index.
Non-finite metrics are the strings "inf"/"nan" (the file is strict JSON).
"""

import contextlib
import json
import signal
import time
from pathlib import Path

from harness.common.fileio import file_lock, write_together
from harness.common.schema import STATUSES, SchemaError, check_run_file
from harness.run import schema
from harness.run.crosscheck import PASSING, REFERENCE, crosscheck
from harness.run.schema import FORMAT

EXIT_INTERRUPTED = 130
INTERRUPTED = "interrupted"


class ResultsFileError(Exception):
    """A results file that cannot be used; the message names the file."""


def finish(run: dict, interrupted: bool = False, signum: int | None = None) -> dict:
    """Cross-check run["results"] and fill verdicts, pairwise, findings, summary, exit_status.

    `signum`: the signal that stopped the run (exit status 128 + signum: 130 for SIGINT,
    143 for SIGTERM); `interrupted` without one means SIGINT."""
    from harness.conventions.verdicts import context_for
    context, problem = context_for(run)
    if problem and problem not in run.setdefault("problems", []):
        run["problems"].append(problem)
    checked = crosscheck(run["results"], [c.get("id") for c in run.get("cases", [])], context)
    run.update(checked)
    from harness.reports.versions import versions_view
    run["versions"] = versions_view(run)
    if signum is None and interrupted:
        signum = signal.SIGINT
    if signum is not None:
        run["signal"] = signal.Signals(signum).name
    return settle(run)


def settle(run: dict) -> dict:
    """Set exit_status from the verdicts, findings, problems and the signal, if any."""
    failing = any(v["verdict"] not in PASSING for v in run["verdicts"])
    failing = failing or bool(run["findings"]) or bool(run.get("problems"))
    if run.get("signal"):
        run["exit_status"] = 128 + signal.Signals[run["signal"]].value
    elif any(r["status"] == "interrupted" for r in run["results"]):
        run["exit_status"] = EXIT_INTERRUPTED
    else:
        run["exit_status"] = 1 if failing or not run["results"] else 0
    return run


def to_json(run: dict) -> str:
    """The text of run.json: harness-run/2, each distinct array stored once."""
    return json.dumps(schema.pack(run), indent=1, sort_keys=True, allow_nan=False) + "\n"


def now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


def out_lock(out_dir: Path):
    """Serialise the final writes of runs sharing an --out folder (files stay a set)."""
    return file_lock(out_dir / ".harness-out.lock")


def report_problem(run: dict, detail: str) -> None:
    """Record a report that failed (or a signal while writing) in run.json's problems."""
    run.setdefault("problems", []).append({"kind": "report", "backend": None, "case": None,
                                           "dtype": None, "detail": detail})
    settle(run)


def _note_signal(run: dict, context) -> None:
    """A signal that came while the reports were made is in them (exit 128 + signum)."""
    signum = context.signal()
    if signum is not None and not run.get("signal"):
        run["signal"] = signal.Signals(signum).name
        report_problem(run, f"interrupted by {run['signal']} while the reports were written")


def _render_one(run: dict, report, context, broken: dict):
    """The text of one report file, or None; a failure is recorded once, in `broken`."""
    from harness.reports.view import build

    if report.file not in broken:
        try:
            return report.render(run, build(run), context)
        except Exception as exc:  # recorded; the other reports are still written
            if report.record:
                raise
            why = f"{report.file} failed: {type(exc).__name__}: {exc}"
            report_problem(run, why)
            broken[report.file] = why if report.fallback else None
    why = broken[report.file]
    return report.fallback(run, why) if why and report.fallback else None


def _render_files(run: dict, context, out_dir: Path, broken: dict) -> dict:
    """{path: text} of every report file, run.json last; one that failed (`broken`) gets
    its fallback, or no file, and its old copy is removed."""
    from harness import reports

    texts = {}
    for report in reports.files():
        path = out_dir / report.file
        text = _render_one(run, report, context, broken)
        if text is None:
            with contextlib.suppress(OSError):  # never a stale report beside the new record
                path.unlink(missing_ok=True)
        else:
            texts[path] = text
    return texts


def write_reports(run: dict, out_dir, context=None) -> dict:
    """Write every report file of harness.reports (run.json, junit.xml, report.html) as one set.

    All are rendered first, then written together under the --out lock: a reader sees
    the old set or the new one. A report that cannot be rendered or written is a
    "report" problem in run.json (which is rendered last and written last) and fails
    the run; a signal received meanwhile is recorded the same way (and cuts the
    figures short). Returns {name: path}."""
    from harness import reports

    context = context or reports.Context()
    out_dir = Path(out_dir)
    broken: dict = {}  # report file -> why it failed (the fallback's text) or None
    while True:
        _note_signal(run, context)
        problems = len(run.get("problems") or [])
        texts = _render_files(run, context, out_dir, broken)
        _note_signal(run, context)
        if len(run.get("problems") or []) != problems:
            continue  # every report again, saying so (figures are not drawn twice)
        with out_lock(out_dir):
            failure, done = write_together(texts)
        if failure is None:
            return {p.name: p for p in done}
        path, exc = failure
        if path.name == "run.json":
            raise exc
        broken[path.name] = None
        report_problem(run, f"{path.name} could not be written: {type(exc).__name__}: {exc}")


def _describe_json_error(path: Path, text: str, exc: json.JSONDecodeError) -> str:
    """Empty, truncated (the text ends where more was due: a run killed while writing)
    or not JSON. Truncated: the error is at the end, in a string the end cut, or on the
    last line of an object never closed (a cut number or literal); extra data after a
    complete value is not truncation."""
    if not text.strip():
        return f"{path}: empty file (a run that never finished writing?)"
    stripped = text.rstrip()
    on_last_line = (stripped.startswith("{") and not stripped.endswith("}")
                    and exc.lineno == stripped.count("\n") + 1 and exc.msg != "Extra data")
    if exc.pos >= len(stripped) or exc.msg.startswith("Unterminated string") or on_last_line:
        return f"{path}: truncated JSON ({exc.msg} at line {exc.lineno}); the file is incomplete"
    return f"{path}: not JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})"


def load_run(path) -> dict:
    """Read and validate one run.json (or a folder holding one)."""
    path = Path(path)
    if path.is_dir():
        path = path / "run.json"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ResultsFileError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ResultsFileError(f"{path}: cannot read ({exc})") from None
    try:
        run = json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise ResultsFileError(_describe_json_error(path, text, exc)) from None
    except ValueError as exc:  # NaN/Infinity tokens, an integer of more than 4300 digits
        raise ResultsFileError(f"{path}: not strict JSON ({exc})") from None
    except RecursionError:
        raise ResultsFileError(f"{path}: not a harness results file (nested too deeply)") \
            from None
    if not isinstance(run, dict) or "format" not in run:
        raise ResultsFileError(f"{path}: not a harness results file (no \"format\" key)")
    if run["format"] not in schema.READS:
        raise ResultsFileError(f"{path}: format {run['format']!r}, this harness reads "
                               f"{' and '.join(map(repr, schema.READS))}")
    results = run.get("results")
    if not isinstance(results, list) or not all(
            isinstance(r, dict) and {"case", "backend", "dtype", "status"} <= r.keys()
            for r in results):
        raise ResultsFileError(f"{path}: \"results\" is missing or malformed")
    bad = sorted({str(r["status"]) for r in results} - set(STATUSES))
    if bad:
        raise ResultsFileError(f"{path}: unknown result status {', '.join(map(str, bad))}")
    try:
        run = check_run_file(schema.upgrade(run))
    except (SchemaError, schema.SchemaError) as exc:
        raise ResultsFileError(f"{path}: {exc}") from None
    if not any(r["backend"] == REFERENCE for r in run["results"]):
        raise ResultsFileError(f"{path}: no reference results, nothing to cross-check against "
                               f"(was it written by `harness run`?)")
    run["_path"] = str(path)
    return run


def _no_constant(name: str):
    raise ValueError(f"{name} is not a JSON value")


def merge(runs: list[dict]) -> dict:
    """One run from several: results keyed by (case, backend, dtype), the first one kept,
    except that a complete result replaces an interrupted one.

    The reference appears in every file; differing copies of one result are reported
    as a "conflict" problem (a reference that is not deterministic is a finding).
    """
    merged = {"format": FORMAT, "created": now(), "argv": None, "options": {},
              "merged_from": [r["_path"] for r in runs], "seeds": {}, "cases": [],
              "environment": {"python": None, "platform": None, "hostname": None,
                              "backends": {}},
              "timings": {"total_seconds": None, "backends": {}, "cases": {}},
              "results": [], "problems": []}
    seen, case_ids = {}, set()
    for run in runs:
        src = run["_path"]
        env = run.get("environment") or {}
        for key in ("python", "platform", "hostname"):
            merged["environment"][key] = merged["environment"][key] or env.get(key)
        for name, info in (env.get("backends") or {}).items():
            merged["environment"]["backends"].setdefault(name, info)
        timings = run.get("timings") or {}
        for name, info in (timings.get("backends") or {}).items():
            merged["timings"]["backends"].setdefault(name, info)
        for case, per in (timings.get("cases") or {}).items():
            for backend, dts in per.items():
                merged["timings"]["cases"].setdefault(case, {}).setdefault(backend, dts)
        merged["seeds"].setdefault("runs", []).append({"file": src, **(run.get("seeds") or {})})
        for case in run.get("cases") or []:
            if isinstance(case, dict) and case.get("id") not in case_ids:
                case_ids.add(case.get("id"))
                merged["cases"].append(case)
        for p in run.get("problems") or []:
            merged["problems"].append({**p, "detail": f"{p['detail']} (from {src})"})
        for r in run["results"]:
            key = (r["case"], r["backend"], r["dtype"])
            if key not in seen:
                seen[key] = (r, src)
                merged["results"].append(r)
                continue
            first, first_src = seen[key]
            if INTERRUPTED in (first["status"], r["status"]):  # not a conflict: keep the
                if first["status"] == INTERRUPTED != r["status"]:  # complete one
                    merged["results"][merged["results"].index(first)] = r
                    seen[key] = (r, src)
                continue
            if (first["status"], first.get("outputs")) != (r["status"], r.get("outputs")):
                merged["problems"].append({
                    "kind": "conflict", "backend": r["backend"], "case": r["case"],
                    "dtype": r["dtype"],
                    "detail": f"{src} and {first_src} hold different results for this "
                              f"(kept the one from {first_src})"})
    return merged
