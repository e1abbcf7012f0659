"""`harness bench --startup`: a warm `harness run` against its workers' bare start-up cost.

Times, interleaved round by round in one command so both see the same machine load:

- *startup*: the workers a warm `harness run` starts (those whose results are not all
  in the result cache; every backend and the reference when the warm-up run says
  nothing), each only starting, importing its framework (`backends.load`) and exiting
  (an empty task list), --jobs at a time in the run's launch order;
- *run*: `python -m harness run` itself (all cases, both dtypes unless --dtypes),
  wall time from start to exit, reports included; after two untimed warm-up runs, so
  the caches are as a later run finds them (and the second names the workers a warm
  run starts);
- *run@DIR* for each --compare-repo DIR: the same run in another checkout (e.g. the
  main branch before a change), with the same environments.

Writes startup.json to --out and prints the medians and the ratio run / startup, with
the load average before every sample (the machine may be shared). Standard library only.
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from harness import REPO_ROOT, envs
from harness.common.fileio import write_json_atomic
from harness.common.processes import interpreter

FORMAT = "harness-bench-startup/1"
TARGET = 1.5   # issue 15: a warm run within 1.5 x its workers' start-up


def _hello_problem(proc) -> str | None:
    """Why a bare worker did not load its framework, or None: it must say hello, error-free."""
    from harness.common.protocol import message_or_none
    for line in proc.stdout.splitlines():
        msg = message_or_none(line) or {}
        if msg.get("type") == "hello":
            error = msg.get("error")
            return None if not error and proc.returncode == 0 else str(error)[:300]
    return f"no hello (exit {proc.returncode}): {proc.stderr.strip()[-300:]}"


def startup_only(names: list[str], jobs: int, pythons: dict) -> dict:
    """Start every worker with no tasks, `jobs` at a time; wall seconds, overall and each."""
    from harness.run.command import launch_order
    order = launch_order(names, Path("/nonexistent"))
    slots = threading.Semaphore(jobs)
    each: dict = {}
    failures: dict = {}

    def one(name):
        with slots:
            t0 = time.monotonic()
            proc = subprocess.run(
                [interpreter(name, pythons), "-m", "harness.run.worker", "--backend", name,
                 "--tasks", ""], cwd=REPO_ROOT, env=envs.worker_env(), capture_output=True,
                text=True, check=False)
            each[name] = round(time.monotonic() - t0, 3)
            problem = _hello_problem(proc)
            if problem:
                failures[name] = problem

    started = time.monotonic()
    threads = [threading.Thread(target=one, args=(n,)) for n in order]
    for t in threads:   # in launch order; the semaphore lets `jobs` run at once
        t.start()
        time.sleep(0.01)
    for t in threads:
        t.join()
    return {"wall_seconds": round(time.monotonic() - started, 3), "workers": each,
            "failures": failures}


def full_run(repo: Path, run_args: list[str], out: Path) -> dict:
    """`python -m harness run` in checkout `repo`: wall seconds and what run.json says."""
    cmd = [sys.executable, "-m", "harness", "run", "--out", str(out), "--format", "json",
           *run_args]
    started = time.monotonic()
    proc = subprocess.run(cmd, cwd=repo, capture_output=True, text=True, check=False,
                          env={**os.environ, "PYTHONPATH": str(repo)})
    wall = round(time.monotonic() - started, 3)
    summary: dict = {"wall_seconds": wall, "exit_status": proc.returncode}
    try:
        doc = json.loads((out / "run.json").read_text("utf-8"))
        summary["results"] = len(doc["results"])
        summary["cached_results"] = sum(1 for r in doc["results"] if r.get("cached"))
        summary["run_json_total_seconds"] = doc["timings"]["total_seconds"]
    except (OSError, ValueError, KeyError):
        summary["stderr_tail"] = proc.stderr.strip()[-300:]
    return summary


def _started_workers(out: Path, names: list[str]) -> list[str]:
    """The workers the (warm-up) run in `out` started; `names` if it does not say."""
    try:
        timed = json.loads((out / "run.json").read_text("utf-8"))["timings"]["backends"]
        started = [b for b in names if timed[b]["workers"] > 0]
    except (OSError, ValueError, KeyError, TypeError):
        return names
    return started or names


def _load() -> float:
    return round(os.getloadavg()[0], 2)


def _sample(label: str, repos: dict, names, jobs, pythons, run_args, work: Path) -> dict:
    load = _load()
    if label == "startup":
        got = startup_only(names, jobs, pythons)
    else:
        got = full_run(repos[label], run_args, work / label.replace("@", "-").replace("/", "_"))
    return {"label": label, "load_before": load, **got}


def _summary(samples: list[dict], labels: list[str]) -> dict:
    by = {lab: [s for s in samples if s["label"] == lab] for lab in labels}
    out = {lab: {"median_wall_seconds": statistics.median(s["wall_seconds"] for s in xs),
                 "walls": [s["wall_seconds"] for s in xs]} for lab, xs in by.items()}
    base = by["startup"]
    for lab in labels[1:]:   # paired by round: the same load on both
        ratios = [r["wall_seconds"] / b["wall_seconds"] for r, b in zip(by[lab], base)]
        out[lab]["ratio_to_startup"] = {"median": round(statistics.median(ratios), 2),
                                        "each": [round(x, 2) for x in ratios]}
    return out


def main(args, opts: dict) -> int:
    """Rounds of (startup, run, compared runs), order flipped each round; startup.json."""
    names = [*opts["backends"], "reference"]
    run_args = ["--backends", ",".join(opts["backends"])]
    if args.dtypes:
        run_args += ["--dtypes", args.dtypes]
    repos = {"run": REPO_ROOT}
    for extra in args.compare_repo or []:
        repos[f"run@{extra}"] = Path(extra).resolve()
    jobs, rounds = os.cpu_count() or 1, args.repeats or 3
    out = Path(opts["out"])
    work = Path(tempfile.mkdtemp(prefix="startup-runs-", dir=_mkdir(out)))
    warmup = {lab: full_run(repo, run_args, work / f"warmup-{i}")
              for i, (lab, repo) in enumerate(repos.items())}
    # a second warm-up of this checkout: the first may have filled its caches, this one
    # starts the workers every timed run starts (the baseline's workers)
    warmup["run (second)"] = full_run(REPO_ROOT, run_args, work / "warmup-again")
    names = _started_workers(work / "warmup-again", names)
    labels, samples = ["startup", *repos], []
    for i in range(rounds):
        for label in labels if i % 2 == 0 else labels[::-1]:
            samples.append(_sample(label, repos, names, jobs, opts["pythons"], run_args, work))
            print(f"[startup bench] round {i + 1}/{rounds} {label}: "
                  f"{samples[-1]['wall_seconds']:.1f} s (load {samples[-1]['load_before']})",
                  file=sys.stderr, flush=True)
    report = {"format": FORMAT, "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
              "argv": sys.argv, "jobs": jobs, "cpu_count": os.cpu_count(),
              "run_args": run_args, "repos": {k: str(v) for k, v in repos.items()},
              "startup_workers": names,
              "warmup": warmup, "samples": samples, "summary": _summary(samples, labels),
              "target_ratio": TARGET}
    write_json_atomic(out / "startup.json", report)
    print(_text(report))
    failed = [s for s in samples if s.get("failures") or s.get("exit_status") not in (None, 0)]
    return 1 if failed else 0


def _mkdir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def _text(report: dict) -> str:
    rounds = len(report["samples"]) // len(report["summary"])
    head = (f"warm `harness run` against its workers' start-up "
            f"({', '.join(report['startup_workers'])}; {report['jobs']} at a time)")
    lines = [f"{head}, {rounds} round(s):"]
    for label, fig in report["summary"].items():
        ratio = fig.get("ratio_to_startup")
        lines.append(f"  {label:<12} median {fig['median_wall_seconds']:.1f} s  walls "
                     f"{fig['walls']}" + (f"  ratio {ratio['median']} {ratio['each']}"
                                          if ratio else ""))
    loads = [s["load_before"] for s in report["samples"]]
    lines.append(f"  load average (1 min) before the samples: {min(loads)}-{max(loads)}; "
                 f"target ratio <= {report['target_ratio']}")
    return "\n".join(lines)
