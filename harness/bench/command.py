"""`harness bench`: what derivatives cost on each backend, and what the adapters add.

Standard library only. Each backend runs in its own worker process
(harness.bench.worker) inside its environment, one after another so workers do
not disturb each other's timings. The worker times the adapter and the
framework's native idiom side by side and checks they agree; this module turns
the records into bench.json, bench.md (also printed) and, through
harness.bench.worker.plots in the numpy environment, log-log PNG plots.

Exit status: 0 when every worker finished and every check agreed, 1 when a
result disagreed, errored or a worker failed. Missed speed targets are reported
in bench.json and bench.md but are benchmark findings, not failures.
"""

import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

from harness import envs, facts
from harness.bench.threads import thread_env
from harness.cli import UsageError
from harness.common import options
from harness.common.fileio import write_atomic, write_json_atomic
from harness.common.processes import GRACE, Worker, exit_text, interpreter, run_once

FORMAT = "harness-bench/1"
DTYPES = tuple(reversed(facts.DTYPES))   # float64 first: the full ladder's main figures
OPS = ("grad", "hessian", "hvp")         # the derivatives timed (besides the primal)
# name -> (description, needs an n×n matrix); implemented in harness.bench.worker
WORKLOADS = {
    "logsumexp_Ax": ("log-sum-exp of A·x, A n×n seeded", True),
    "x1_exp_norm2": ("x1·exp(-‖x‖²)", False),
    "quadratic_xAx": ("xᵀAx, A n×n non-symmetric", True),
    "least_squares_V": ("‖X − UV‖² as a function of V (n = 10·p entries)", False),
}
OVERHEAD_TARGET, OVERHEAD_MIN_N = 1.10, 100
PLOT_TIMEOUT = 600.0   # seconds for all the plots
GRAD_PRIMAL_TARGET = 5.0
FULL = {"sizes": [10, 100, 1000, 10_000, 100_000, 1_000_000], "dtypes": list(DTYPES),
        "hessian_max": 1000, "matrix_max": 10_000, "min_time": 0.02, "repeats": 5,
        "max_call": 5.0, "timeout": 1200.0}
QUICK = {"sizes": [100, 1000], "dtypes": ["float64"], "hessian_max": 100,
         "matrix_max": 1000, "min_time": 0.01, "repeats": 3, "max_call": 0.5,
         "timeout": 120.0}


def known_backends() -> list[str]:
    try:
        import backends  # stdlib-only registry
        return list(backends.available())
    except ImportError:
        return sorted(envs.declared_groups())


def configure(p):
    p.add_argument("--backends", metavar="NAMES", help="comma-separated (default: all)")
    p.add_argument("--dtypes", metavar="NAMES", help="float64,float32 (quick: float64)")
    p.add_argument("--workloads", metavar="NAMES", help=f"default all: {', '.join(WORKLOADS)}")
    p.add_argument("--quick", action="store_true",
                   help="small sizes and short timings: about two minutes once envs exist")
    p.add_argument("--threads", type=options.positive_integer, metavar="N",
                   help="cap every framework's thread pools at N (e.g. 1 for equal terms)")
    p.add_argument("--out", default="results/bench", metavar="DIR",
                   help="output folder (default results/bench/)")
    p.add_argument("--python", action="append", default=[], metavar="NAME=PATH",
                   help="run backend NAME on this interpreter instead of its environment")
    p.add_argument("--device", choices=("cpu", "cuda"), default="cpu",
                   help="cuda: torch and jax on a GPU (needs CUDA builds, see --python)")
    p.add_argument("--sizes", metavar="N,N,...", help=f"default {_csv(FULL['sizes'])}, "
                                                      f"quick {_csv(QUICK['sizes'])}")
    p.add_argument("--hessian-max", type=options.positive_integer, metavar="N",
                   help="largest n for full Hessians (default 1000, quick 100)")
    p.add_argument("--matrix-max", type=options.positive_integer, metavar="N",
                   help="largest n for workloads with an n×n matrix, capped by memory "
                        "(default 10000: 800 MB per float64 copy; quick 1000)")
    p.add_argument("--min-time", type=options.positive_number, metavar="S",
                   help="minimum seconds per timing sample (default 0.02, quick 0.01)")
    p.add_argument("--repeats", type=options.positive_integer, metavar="K",
                   help="samples per timing (default 5)")
    p.add_argument("--max-call", type=options.positive_number, metavar="S",
                   help="skip sizes predicted to take longer per call (default 5, quick 0.5)")
    p.add_argument("--timeout", type=options.positive_number, metavar="S",
                   help="per-backend worker limit")
    p.add_argument("--seed", type=int, default=0, help="seed of the random inputs (default 0)")
    p.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
    p.add_argument("--startup", action="store_true",
                   help="instead: a warm `harness run` against its workers only starting "
                        "and importing their frameworks, interleaved (startup.json; "
                        "--repeats rounds, default 3)")
    p.add_argument("--compare-repo", action="append", metavar="DIR",
                   help="with --startup: also time `harness run` in this checkout")


def _csv(values) -> str:
    return ",".join(str(v) for v in values)


def bench_options(args) -> dict:
    """Validated settings (UsageError on bad input): quick/full defaults, then overrides."""
    opts = dict(QUICK if args.quick else FULL)
    known = known_backends()
    if args.device == "cuda":
        default = [b for b in facts.GPU_BACKENDS if b in known]
    else:
        default = known
    names = default if args.backends is None else options.choose(
        args.backends, known, "--backends", "backend(s)", options.backend_aliases())
    if args.device == "cuda":
        bad = [n for n in names if n not in facts.GPU_BACKENDS]
        if bad:
            raise UsageError(f"--device cuda supports {', '.join(facts.GPU_BACKENDS)} only, "
                             f"not {', '.join(bad)}")
    if args.dtypes is not None:
        opts["dtypes"] = options.choose(args.dtypes, DTYPES, "--dtypes", "dtype(s)")
    workloads = list(WORKLOADS) if args.workloads is None else options.choose(
        args.workloads, list(WORKLOADS), "--workloads", "workload(s)")
    if args.sizes is not None:
        try:
            sizes = sorted({int(s) for s in options.split(args.sizes, "--sizes")})
        except ValueError:
            raise UsageError(f"--sizes takes comma-separated integers, got {args.sizes!r}") \
                from None
        if not sizes or sizes[0] < 1:
            raise UsageError(f"--sizes must be positive integers, got {args.sizes!r}")
        opts["sizes"] = sizes
    for name in ("hessian_max", "matrix_max", "min_time", "repeats", "max_call", "timeout"):
        if getattr(args, name) is not None:  # each checked positive and finite by argparse
            opts[name] = getattr(args, name)
    pythons = options.interpreters(args.python, known)
    opts.update(backends=names, workloads=workloads, pythons=pythons, device=args.device,
                threads=args.threads, seed=args.seed,
                out=str(Path(args.out)), quick=bool(args.quick), plots=not args.no_plots)
    return opts


# ---- running the workers -------------------------------------------------------------------

def _thread_env(threads) -> dict:
    env = thread_env(threads)
    if "XLA_FLAGS" in env and os.environ.get("XLA_FLAGS"):
        env["XLA_FLAGS"] = f"{os.environ['XLA_FLAGS']} {env['XLA_FLAGS']}"
    return env


def run_worker(name: str, opts: dict, work: Path) -> tuple[dict, list[dict]]:
    """Run one backend's worker; returns (status, records). Never raises for worker faults.

    Records arrive as JSON lines and are kept (and appended to WORK/NAME.records.jsonl)
    as they come, so a worker that crashes or runs past --timeout loses nothing it sent.
    """
    status = {"backend": name, "status": "ok", "returncode": None, "seconds": None,
              "python": None, "stderr_tail": []}
    try:
        python = interpreter(name, opts["pythons"])
    except envs.EnvError as exc:
        status.update(status="unavailable", message=str(exc))
        return status, []
    status["python"] = python
    cfg = {k: opts[k] for k in ("sizes", "dtypes", "workloads", "hessian_max", "matrix_max",
                                "min_time", "repeats", "max_call", "seed", "device", "threads")}
    cfg["backend"] = name
    cfg_path, rec_path = work / f"{name}.config.json", work / f"{name}.records.jsonl"
    write_json_atomic(cfg_path, cfg)
    rec_path.unlink(missing_ok=True)
    env = envs.worker_env()
    env.update(_thread_env(opts["threads"]))
    cmd = [python, "-m", "harness.bench.worker", str(cfg_path)]
    print(f"+ {' '.join(cmd)}", file=sys.stderr, flush=True)
    try:
        worker = Worker(cmd, env=env, echo=lambda line: print(line, file=sys.stderr, flush=True))
    except OSError as exc:
        status.update(status="crashed", message=f"cannot start {python}: {exc}")
        return status, []
    try:
        records, ended = _read_records(worker, opts["timeout"], rec_path, status)
    except BaseException:   # Ctrl-C: the worker (and what it started) ends with us
        worker.stop()
        raise
    rc = worker.stop(GRACE if ended == "eof" else 0)
    status.update(returncode=rc, seconds=round(worker.seconds, 1),
                  stderr_tail=worker.stderr_tail())
    fatal = [r for r in records if r.get("kind") == "fatal"]
    if ended == "timeout":
        status.update(status="timeout",
                      message=f"worker killed after --timeout {opts['timeout']:g} s")
    elif fatal:
        status.update(status="unavailable", message=fatal[0]["message"])
    elif rc != 0 or not any(r.get("kind") == "done" for r in records):
        status.update(status="crashed", message=f"worker {exit_text(rc)}")
    return status, records


def _read_records(worker: Worker, timeout: float, rec_path: Path, status: dict):
    """(records, "eof" or "timeout"): the worker's JSON lines until it ends or time is up."""
    records, deadline = [], time.monotonic() + timeout
    with open(rec_path, "a", encoding="utf-8") as keep:
        while True:
            try:
                line = worker.read_line(deadline - time.monotonic())
            except TimeoutError:
                return records, "timeout"
            if line is None:
                return records, "eof"
            try:
                records.append(json.loads(line))
            except ValueError:
                status["junk_lines"] = status.get("junk_lines", 0) + 1
                continue
            keep.write(line + "\n")
            keep.flush()


# ---- deriving ratios and targets -----------------------------------------------------------

def _median(rec):
    """Steady-state median; for a call timed once (too slow to repeat), that one call."""
    if rec and rec.get("status") == "ok":
        return rec.get("median_s")
    if rec and rec.get("status") == "first-call-only":
        return rec.get("first_call_s")
    return None


def _ratio(a, b):
    return a / b if a is not None and b else None


def derive(measurements: list[dict], agreements: list[dict]) -> list[dict]:
    """One row per (backend, dtype, workload, n): times, ratios, overheads, agreement."""
    index = {(m["backend"], m["dtype"], m["workload"], m["n"], m["op"], m["impl"]): m
             for m in measurements if "impl" in m}
    checks: dict = {}
    for a in agreements:
        checks.setdefault((a["backend"], a["dtype"], a["workload"], a["n"]), []).append(a)
    keys = sorted({k[:4] for k in index}, key=lambda k: (k[0], k[1], k[2], k[3]))
    rows = []
    for key in keys:
        backend, dtype, workload, n = key
        primal = _median(index.get(key + ("primal", "native")))
        row = {"backend": backend, "dtype": dtype, "workload": workload, "n": n,
               "primal_s": primal}
        for op in OPS:
            a, nat = index.get(key + (op, "adapter")), index.get(key + (op, "native"))
            row[f"{op}_adapter_s"], row[f"{op}_native_s"] = _median(a), _median(nat)
            row[f"{op}_adapter_min_s"] = a.get("min_s") if a else None
            row[f"{op}_native_min_s"] = nat.get("min_s") if nat else None
            row[f"{op}_adapter_first_s"] = a.get("first_call_s") if a else None
            row[f"{op}_native_first_s"] = nat.get("first_call_s") if nat else None
            row[f"{op}_overhead"] = _ratio(_median(a), _median(nat))
            row[f"{op}_overhead_paired"] = a.get("paired_overhead") if a else None
            row[f"{op}_overhead_min"] = _ratio(row[f"{op}_adapter_min_s"],
                                               row[f"{op}_native_min_s"])
            row[f"{op}_status"] = {"adapter": a.get("status") if a else None,
                                   "native": nat.get("status") if nat else None}
            row[f"{op}_timed_once"] = any(r and r.get("status") == "first-call-only"
                                          for r in (a, nat))
        row["grad_per_primal_adapter"] = _ratio(row["grad_adapter_s"], primal)
        row["grad_per_primal_native"] = _ratio(row["grad_native_s"], primal)
        for impl in ("adapter", "native"):
            g = row[f"grad_{impl}_s"]
            row[f"hessian_per_n_grad_{impl}"] = _ratio(row[f"hessian_{impl}_s"],
                                                       n * g if g else None)
        mine = checks.get(key, [])
        row["checks"] = len(mine)
        row["disagreements"] = [f"{c['op']} {c['check']}: {c['detail']}"
                                for c in mine if not c["agree"]]
        rows.append(row)
    return rows


def targets(rows: list[dict], autodiff: set) -> dict:
    """The issue's targets, each miss listed with its figures (explanations: BENCHMARKS.md)."""
    overhead: dict = {}
    for r in rows:
        if r["backend"] not in autodiff or r["n"] < OVERHEAD_MIN_N:
            continue
        for op in ("grad", "hessian"):
            ratio = r[f"{op}_overhead"]
            if ratio is not None and not r[f"{op}_timed_once"]:   # one call is no median
                overhead.setdefault((r["backend"], op), []).append((ratio, r))
    over = []
    for (backend, op), items in sorted(overhead.items()):
        worst, wrow = max(items, key=lambda t: t[0])
        misses = [f"{x['workload']} {x['dtype']} n={x['n']}: {v:.2f}"
                  for v, x in items if v > OVERHEAD_TARGET]
        over.append({"backend": backend, "op": op, "target": OVERHEAD_TARGET,
                     "median_of_ratios": statistics.median(v for v, _ in items),
                     "worst": worst, "worst_at": f"{wrow['workload']} {wrow['dtype']} "
                                                 f"n={wrow['n']}",
                     "met": not misses, "misses": misses})
    largest: dict = {}
    for r in rows:
        if r["backend"] in autodiff and r["grad_per_primal_adapter"] is not None:
            k = (r["backend"], r["dtype"], r["workload"])
            if k not in largest or r["n"] > largest[k]["n"]:
                largest[k] = r
    gp = [{"backend": k[0], "dtype": k[1], "workload": k[2], "n": r["n"],
           "adapter": r["grad_per_primal_adapter"], "native": r["grad_per_primal_native"],
           "target": GRAD_PRIMAL_TARGET,
           "met": r["grad_per_primal_adapter"] <= GRAD_PRIMAL_TARGET
           and (r["grad_per_primal_native"] or 0) <= GRAD_PRIMAL_TARGET}
          for k, r in sorted(largest.items())]
    return {"adapter_overhead": over, "grad_per_primal_at_largest_n": gp}


# ---- output ----------------------------------------------------------------------------------

def _t(seconds) -> str:
    if seconds is None:
        return "–"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.3g} ms"
    return f"{seconds:.3g} s"


def _r(value) -> str:
    return "–" if value is None else f"{value:.2f}"


def _once(row, op, text) -> str:
    return f"{text} (1 call)" if row[f"{op}_timed_once"] and text != "–" else text


def _parallelism(measurements, backend) -> str:
    """Median CPU time / wall time over calls of >= 1 ms: the threads actually kept busy."""
    ratios = [m["cpu_per_wall"] for m in measurements if m["backend"] == backend
              and m.get("cpu_per_wall") and (m.get("median_s") or 0) >= 1e-3]
    return f"; CPU/wall {statistics.median(ratios):.2f} (calls ≥ 1 ms)" if ratios else ""


def _backend_section(report: dict, name: str, b: dict) -> list[str]:
    info = b.get("worker") or {}
    lines = [f"## {name} {info.get('version', '')}".rstrip(), "",
             f"Worker: {b['status']}"
             + (f" ({b.get('message')})" if b.get("message") else "")
             + (f"; {b['seconds']} s" if b.get("seconds") is not None else "")
             + (f"; peak RSS {b.get('maxrss_mb')} MB" if b.get("maxrss_mb") else "")
             + (f"; threads {json.dumps(info.get('threads'))}" if info else "")
             + _parallelism(report["measurements"], name), ""]
    rows = [r for r in report["rows"] if r["backend"] == name]
    if not rows:
        return lines
    lines += [("| workload | dtype | n | primal | grad | grad native | ovh | grad/primal "
              "| hvp | hvp ovh | Hessian | Hessian native | ovh | H/(n·grad) "
              "| 1st grad | 1st grad native | checks |"),
              "|" + "---|" * 17]
    for r in rows:
        agree = (f"{r['checks']} ok" if not r["disagreements"]
                 else f"**{len(r['disagreements'])} DISAGREE**")
        lines.append(
            f"| {r['workload']} | {r['dtype']} | {r['n']} | {_t(r['primal_s'])} "
            f"| {_t(r['grad_adapter_s'])} | {_t(r['grad_native_s'])} "
            f"| {_r(r['grad_overhead'])} | {_r(r['grad_per_primal_adapter'])} "
            f"| {_t(r['hvp_adapter_s'])} | {_r(r['hvp_overhead'])} "
            f"| {_once(r, 'hessian', _t(r['hessian_adapter_s']))} "
            f"| {_once(r, 'hessian', _t(r['hessian_native_s']))} "
            f"| {_once(r, 'hessian', _r(r['hessian_overhead']))} "
            f"| {_r(r['hessian_per_n_grad_adapter'])} "
            f"| {_t(r['grad_adapter_first_s'])} | {_t(r['grad_native_first_s'])} "
            f"| {agree} |")
    return [*lines, ""]


def _targets_section(t: dict) -> list[str]:
    lines = ["## Targets", "", (f"Adapter overhead ≤ {OVERHEAD_TARGET} (median, steady "
             f"state, n ≥ {OVERHEAD_MIN_N}):"), "",
             "| backend | op | median ratio | worst | at | met |", "|---|---|---|---|---|---|"]
    for o in t["adapter_overhead"]:
        lines.append(f"| {o['backend']} | {o['op']} | {o['median_of_ratios']:.2f} "
                     f"| {o['worst']:.2f} | {o['worst_at']} | {'yes' if o['met'] else 'NO'} |")
    lines += ["", f"Gradient / primal ≤ {GRAD_PRIMAL_TARGET:g} at the largest n measured:", "",
              "| backend | dtype | workload | n | adapter | native | met |",
              "|---|---|---|---|---|---|---|"]
    for g in t["grad_per_primal_at_largest_n"]:
        lines.append(f"| {g['backend']} | {g['dtype']} | {g['workload']} | {g['n']} "
                     f"| {_r(g['adapter'])} | {_r(g['native'])} | {'yes' if g['met'] else 'NO'} |")
    return lines


def _exceptions_section(report: dict) -> list[str]:
    """What was not run, skipped or failed, the disagreements, and the plots."""
    lines = []
    if report["not_run"]:
        lines += ["", "Not run: " + "; ".join(sorted({x["reason"] for x in report["not_run"]}))]
    skipped = [m for m in report["measurements"] if m.get("status") not in ("ok", None)]
    if skipped:
        lines += ["", "## Skipped, unsupported or failed measurements", ""]
        for m in skipped:
            why = m.get("reason") or (m.get("error") or {}).get("message", "")
            lines.append(f"- {m['backend']} {m['workload']} {m['dtype']} n={m['n']} {m['op']} "
                         f"{m.get('impl')}: {m['status']}: {why[:200]}")
    bad = [a for a in report["agreements"] if not a["agree"]]
    if bad:
        lines += ["", "## Disagreements", ""]
        for a in bad:
            lines.append(f"- {a['backend']} {a['workload']} {a['dtype']} n={a['n']} {a['op']} "
                         f"{a['check']}: {a['detail']} (tolerance {a['tolerance']})")
    if report.get("plots"):
        lines += ["", "Plots: " + ", ".join(report["plots"].get("files", []))
                  + (f" ({report['plots'].get('message')})"
                     if report["plots"].get("message") else "")]
    return lines


def markdown(report: dict) -> str:
    lines = [f"# harness bench ({report['created']})", "",
             (f"Machine: {report['machine']['summary']}. Options: "
             f"`{' '.join(report['argv'])}`. Times are steady-state medians per call; "
             "overhead = adapter / native idiom; first calls include tracing/compilation."), ""]
    for name, b in report["backends"].items():
        lines += _backend_section(report, name, b)
    lines += _targets_section(report["targets"]) + _exceptions_section(report)
    return "\n".join(lines) + "\n"


def machine() -> dict:
    info = {"platform": platform.platform(), "python": platform.python_version(),
            "cpu_count": os.cpu_count(), "cpu_model": None, "memory_gb": None}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu_model"] = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                info["memory_gb"] = round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    info["summary"] = (f"{info['cpu_model'] or platform.processor() or 'cpu'}, "
                       f"{info['cpu_count']} cores, {info['memory_gb']} GB, {platform.system()}")
    return info


def make_plots(out: Path) -> dict:
    """Render the PNGs in the numpy environment (matplotlib lives there, not here)."""
    try:
        python = interpreter(facts.REFERENCE_ENV)
    except envs.EnvError as exc:
        return {"status": "skipped", "message": f"numpy environment unavailable: {exc}",
                "files": []}
    done = run_once([python, "-m", "harness.bench.worker.plots", out / "bench.json", out],
                    env=envs.worker_env(), timeout=PLOT_TIMEOUT)
    if done.error:
        return {"status": "failed", "message": done.error, "files": []}
    return {"status": "ok", "files": done.lines}


def _sort_records(status: dict, records: list, measurements: list, agreements: list) -> dict:
    """One worker's records into its status and the run's measurements and agreements."""
    for r in records:
        kind = r.get("kind")
        if kind == "worker":
            status["worker"] = r
        elif kind == "done":
            status.update(maxrss_mb=r.get("maxrss_mb"), os_threads=r.get("threads_at_end"))
        elif kind == "measurement":
            measurements.append(r)
        elif kind == "agreement":
            agreements.append(r)
    return status


def main(args) -> int:
    opts = bench_options(args)
    if args.startup:
        from harness.bench import startup
        return startup.main(args, opts)
    if args.compare_repo:
        raise UsageError("--compare-repo goes with --startup")
    out = options.writable_folder(opts["out"]).absolute()
    work = out / "workers"
    work.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    statuses, measurements, agreements = {}, [], []
    not_run = [{"workload": w, "n": n, "reason": f"workloads with an n×n matrix stop at "
                f"--matrix-max {opts['matrix_max']} (memory: n² × 8 bytes per copy)"}
               for w in opts["workloads"] if WORKLOADS[w][1]
               for n in opts["sizes"] if n > opts["matrix_max"]]
    for name in opts["backends"]:
        statuses[name] = _sort_records(*run_worker(name, opts, work), measurements, agreements)
    autodiff = {n for n, s in statuses.items() if (s.get("worker") or {}).get("native_methods")}
    rows = derive(measurements, agreements)
    failed = [m for m in measurements if m.get("status") == "error"]
    disagree = [a for a in agreements if not a["agree"]]
    broken = [n for n, s in statuses.items() if s["status"] != "ok"]
    exit_status = 1 if failed or disagree or broken else 0
    report = {
        "format": FORMAT, "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "argv": ["python", "-m", "harness", "bench", *sys.argv[2:]]
        if sys.argv[1:2] == ["bench"] else sys.argv,
        "options": opts, "machine": machine(), "backends": statuses,
        "measurements": measurements, "agreements": agreements, "rows": rows,
        "targets": targets(rows, autodiff), "not_run": not_run,
        "summary": {"measurements": len(measurements), "checks": len(agreements),
                    "disagreements": len(disagree), "errors": len(failed),
                    "workers_not_ok": broken,
                    "seconds": round(time.monotonic() - started, 1)},
        "exit_status": exit_status,
    }
    write_json_atomic(out / "bench.json", report)
    if opts["plots"]:
        report["plots"] = make_plots(out)
        write_json_atomic(out / "bench.json", report)
    text = markdown(report)
    write_atomic(out / "bench.md", text)
    print(text)
    print(f"wrote {out / 'bench.json'}, {out / 'bench.md'}"
          + (f" and {len(report['plots']['files'])} plot(s)" if report.get("plots") else ""),
          file=sys.stderr)
    if disagree or failed or broken:
        print(f"harness bench: {len(disagree)} disagreement(s), {len(failed)} error(s), "
              f"workers not ok: {', '.join(broken) or 'none'}", file=sys.stderr)
    return exit_status
