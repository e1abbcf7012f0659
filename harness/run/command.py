"""`harness run`: every case on every backend, each backend in its own worker process.

The orchestrator (standard library only) provisions the environments, starts one
worker per backend plus the reference worker (in the numpy environment), at most
--jobs at a time, reads their harness-worker/1 messages, enforces the per-case
timeout, survives crashes and junk, cross-checks, and writes run.json, junit.xml
and report.html. Results are appended to a partial file in --out as they arrive.

Exit status: 0 everything agrees ("unsupported", declared by an adapter, is shown
but does not fail), 1 anything disagrees, errors, crashes, times out or a worker
misbehaves, 2 usage error, 130 interrupted by SIGINT (Ctrl-C) or 143 by SIGTERM (the
reports are still written, whole, and record it; see harness.run.interrupts).
"""

import fnmatch
import json
import os
import platform
import re
import sys
import threading
import time
from pathlib import Path

from harness.cli import SaveError, UsageError, quiet_stdout
from harness.common import options
from harness.common.processes import GRACE, Worker, env_name, exit_text, interpreter
from harness.common.protocol import ProtocolError, decode_message
from harness.common.schema import check_message
from harness.facts import (
    BACKENDS,
    DTYPES,
    REFERENCE,
    REFERENCE_DTYPE,
    canonical_backend,
    split_version,
)
from harness.reports import Context, render
from harness.reports import add_options as report_options
from harness.run.cache import reuse_results
from harness.run.interrupts import Interrupts
from harness.run.results import FORMAT, finish, now, write_reports
from harness.run.schedule import OrderedSlots, launch_order

STARTUP_TIMEOUT = 120.0  # seconds a worker may take to import its framework


def configure(p):
    p.add_argument("--backends", metavar="NAMES", help="comma-separated (default: all available)")
    p.add_argument("--cases", metavar="PATTERN", help="comma-separated fnmatch patterns on case ids")
    p.add_argument("--dtypes", default="float32,float64", metavar="DTYPES",
                   help="comma-separated, of float32,float64 (default both)")
    p.add_argument("--timeout", type=options.positive_number, default=120.0, metavar="SECONDS",
                   help="per case and dtype; a worker past it is killed (default 120)")
    p.add_argument("--jobs", type=options.positive_integer, default=os.cpu_count() or 1,
                   metavar="N",
                   help="workers running at once (default: the machine's cores)")
    report_options(p)
    p.add_argument("--python", action="append", default=[], metavar="NAME=PATH",
                   help="run backend NAME with this interpreter instead of its managed env "
                        "(NAME=reference: the reference worker's, by default the numpy env's)")
    p.add_argument("--seed", type=int, default=0, help="seed for the workers' global RNGs")
    p.add_argument("--no-cache", action="store_true",
                   help="recompute the reference's and the numpy backend's results instead of "
                        "reusing them from the result cache (see harness.run.cache)")


# ---- option parsing ----------------------------------------------------------------------

def select_backends(text) -> list[str]:
    import backends
    known = list(backends.available())
    ordered = [b for b in BACKENDS if b in known] + [b for b in known if b not in BACKENDS]
    if text is None or text == "all":
        return ordered
    text = ",".join(canonical_backend(x) if x.strip() else x for x in text.split(","))
    names = options.choose(text, ordered + _versioned(text, ordered), "--backends", "backend(s)",
                           options.backend_aliases())
    _check_versions(names)
    return names


def _versioned(text, known) -> list[str]:
    """The `NAME@VERSION` items of `text` whose NAME is a known backend."""
    names = [x.strip() for x in text.split(",") if x.strip()]
    return [n for n in names if split_version(n)[1] is not None
            and split_version(n)[0] in known]


def _check_versions(names) -> None:
    """Before any work: every NAME@VERSION must be installable here (else exit 2)."""
    from harness import envs
    for name in names:
        if split_version(name)[1] is not None and envs.status(name)["state"] != "ready":
            options.installable(name)


def select_cases(text) -> list[dict]:
    """Index entries in chapter order; a broken case file is an entry with "error" (last)."""
    import cases
    try:
        index = cases.case_index() + cases.broken_cases()
    except cases.CaseError as exc:
        raise UsageError(f"cannot read the case index: {exc}") from None
    if text is None:
        return index
    chosen, unmatched = [], []
    for pattern in options.split(text, "--cases"):
        hits = [e for e in index if fnmatch.fnmatchcase(e["id"], pattern)]
        if not hits:
            unmatched.append(pattern)
        chosen += hits
    if unmatched or not chosen:
        raise UsageError(f"no case matches {', '.join(unmatched) or repr(text)}; "
                         f"known: {', '.join(e['id'] for e in index)}")
    ids = {e["id"] for e in chosen}
    return [e for e in index if e["id"] in ids]


def select_dtypes(text) -> list[str]:
    names = options.choose(text, DTYPES, "--dtypes", "dtype(s)")
    return [d for d in DTYPES if d in names]


def parse_pythons(items, backends) -> dict:
    """{NAME: interpreter}; NAME=reference sets the reference worker's, nothing else does."""
    return options.interpreters(items, [*backends, REFERENCE])


# ---- the run's shared state --------------------------------------------------------------

class Run:
    """Everything the worker threads report into; one lock, one partial file."""

    def __init__(self, args, tasks: dict, out: Path, progress):
        self.args, self.tasks, self.out, self.progress = args, tasks, out, progress
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.results: dict = {}
        self.hello: dict = {}
        self.case_meta: dict = {}
        self.problems: list = []
        self.junk_lines: dict = {}
        self.finished = {b: threading.Event() for b in tasks}
        self.procs: set = set()    # running Workers, killed on an interrupt
        self.pythons: dict = {}    # --python: backend -> interpreter
        self.timings: dict = {b: {"wall_seconds": 0.0, "startup_seconds": [], "workers": 0,
                                  "compute_seconds": 0.0} for b in tasks}
        out.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%dT%H%M%S")
        self.partial_path = out / f"run-{stamp}-{os.getpid()}.partial.jsonl"
        self.partial = open(self.partial_path, "ab", buffering=0)  # noqa: SIM115
        self.partial_saved = 0  # results whole in the partial file
        self.closed = False
        self.cache = None          # harness.run.cache.reuse_results sets these
        self.cacheable: set = set()
        self.case_entries: dict = {}

    def add_result(self, backend, case, dtype, status, outputs=None, methods=None,
                   error=None, seconds=None, classes=None, cached=None) -> bool:
        record = {"case": case, "backend": backend, "dtype": dtype, "status": status,
                  "outputs": outputs or {}, "methods": methods or {},
                  "tolerance_classes": classes or {}, "error": error, "seconds": seconds}
        if cached:
            record["cached"] = cached
        with self.lock:
            key = (case, backend, dtype)
            if self.closed or key in self.results:
                return False
            self.results[key] = record
            lost = self._append_partial(record)
            if isinstance(seconds, (int, float)):
                self.timings[backend]["compute_seconds"] += seconds
            meta, hello = self.case_meta.get(case), self.hello.get(backend)
        if status == "ok" and not cached and self.cache and backend in self.cacheable:
            self._store(backend, case, dtype, record, meta, hello)
        if lost:
            self.problem("partial-file", None, f"cannot append to {self.partial_path} ({lost}); "
                                               f"results are kept in memory for the reports")
        self.progress.result(backend, case, dtype, status, seconds)
        return True

    def _store(self, backend, case, dtype, record, meta, hello) -> None:
        try:
            self.cache.store(backend, self.case_entries[case], dtype, record, meta, hello)
        except OSError as exc:   # a cache that cannot be written costs time, never results
            self.progress.message(f"result cache [{backend}]: cannot store {case} {dtype}: {exc}")

    def _append_partial(self, record) -> str | None:
        """Append one whole line (caller holds the lock); on a failed write (disk full)
        cut the file back to its last whole line, stop appending and say why."""
        if self.partial is None:
            return None
        size = self.partial.tell()
        try:
            line = (json.dumps(record, allow_nan=False) + "\n").encode("utf-8")
            view = memoryview(line)
            while view:
                view = view[self.partial.write(view):]
            self.partial_saved += 1
            return None
        except OSError as exc:
            try:
                os.ftruncate(self.partial.fileno(), size)
                self.partial.close()
            except OSError:
                pass
            self.partial = None
            return exc.strerror or str(exc)

    def problem(self, kind, backend, detail, case=None, dtype=None):
        with self.lock:
            if self.closed:
                return
            self.problems.append({"kind": kind, "backend": backend, "case": case,
                                  "dtype": dtype, "detail": detail})
        where = " ".join(x for x in (backend, case, dtype) if x)
        self.progress.message(f"{kind} [{where}]: {detail}" if where else f"{kind}: {detail}")

    def junk(self, backend, text, current):
        """A line that is not protocol JSON: reported once per text, with a count."""
        key = (backend, *(current or (None, None)), text)
        with self.lock:
            first = key not in self.junk_lines
            self.junk_lines[key] = self.junk_lines.get(key, 0) + 1
        if first:
            self.progress.message(f"junk [{backend}]: {text}")

    def all_problems(self) -> list:
        junk = [{"kind": "junk", "backend": b, "case": c, "dtype": d,
                 "detail": f"{text} (x{n})" if n > 1 else text}
                for (b, c, d, text), n in self.junk_lines.items()]
        return self.problems + junk

    def kill_all(self):
        with self.lock:
            workers = list(self.procs)
        for worker in workers:
            worker.kill()


# stderr lines that tell why a worker died, best first; a line of protocol JSON never does
_TELLING = (re.compile(r"Fatal Python error"),
            re.compile(r"^\w+(\.\w+)*(Error|Exception|Interrupt|Exit)\b"),
            re.compile(r"(?i)segmentation fault|aborted|killed|out of memory|core dumped"))


def _telling_line(lines: list[str]) -> str:
    lines = [x for x in lines if not x.lstrip().startswith('{"')]
    for pattern in _TELLING:
        found = [x for x in lines if pattern.search(x)]
        if found:
            return found[0] if pattern is _TELLING[0] else found[-1]
    return lines[-1] if lines else ""


def _error(kind, message, stderr_tail):
    """An error object for a worker failure; the message quotes the telling stderr line."""
    lines = [x for x in stderr_tail if x.strip()]
    telling = _telling_line(lines)
    if telling:
        message = f"{message}; stderr: {telling.strip()[:200]}"
    tail = "\n".join(lines)
    return {"type": kind, "message": message, "traceback": f"stderr tail:\n{tail}" if tail else ""}


# ---- one worker ----------------------------------------------------------------------------

class _Conversation:
    """What one worker has said so far: hello, the task it started, goodbye."""

    def __init__(self, run: Run, backend: str, python: str, remaining: list, worker: Worker):
        self.run, self.backend, self.python = run, backend, python
        self.remaining, self.worker = remaining, worker
        self.hello = self.bye = False
        self.current = None

    def read(self) -> str:
        """Read until the worker is done; why it stopped: eof, bye, timeout or interrupted."""
        timeout = self.run.args.timeout
        deadline = time.monotonic() + max(timeout, STARTUP_TIMEOUT)
        while not self.run.stop.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                return "bye" if self.bye else "timeout"
            try:
                line = self.worker.read_line(min(left, 0.2))
            except TimeoutError:
                continue
            if line is None:
                return "eof"
            kind = self.handle(line)
            if kind:
                # a worker that said goodbye gets a short grace to close its channel;
                # --timeout times a case's computation (start to result), not the loading
                # of its module, which a loaded machine can stretch past a short timeout
                deadline = time.monotonic() + (
                    GRACE if self.bye else timeout if kind == "start"
                    else max(timeout, STARTUP_TIMEOUT))
        return "interrupted"

    def handle(self, line: str) -> str | None:
        """Record one line; the type of a valid protocol message (it resets the deadline)."""
        run, backend = self.run, self.backend
        try:
            msg = decode_message(line)
        except ProtocolError as exc:
            run.junk(backend, f"{exc}: {line[:200]!r}", self.current)
            return None
        msg, bad = check_message(msg)  # wrong types: a named problem, never a crash
        if bad:
            run.problem("protocol", backend, bad, *(self.current or ()))
        if msg is None:
            return None
        kind = msg["type"]
        if kind == "hello":
            self.hello = True
            with run.lock:
                run.hello[backend] = {**msg, "env": self.python}
                run.timings[backend]["startup_seconds"].append(
                    round(time.monotonic() - self.worker.started, 3))
            if msg.get("error"):
                run.progress.message(f"[{backend}] cannot load: {msg['error'].get('message')}")
        elif kind == "case":
            with run.lock:
                run.case_meta.setdefault(msg.get("case"), msg.get("meta") or {})
        elif kind == "start":
            self.current = (msg.get("case"), msg.get("dtype"))
        elif kind == "result":
            self.result(msg)
        elif kind == "bye":
            self.bye = True
        return kind

    def result(self, msg: dict) -> None:
        key = (msg.get("case"), msg.get("dtype"))
        if key not in self.remaining:
            self.run.problem("protocol", self.backend, f"result for a task not asked for: {key}")
            return
        status = msg.get("status")
        if status not in ("ok", "error", "unsupported"):
            status = "error"
            msg["error"] = {"type": "ProtocolError", "traceback": "",
                            "message": f"worker sent status {msg.get('status')!r}"}
        self.remaining.remove(key)
        self.current = None
        self.run.add_result(self.backend, *key, status, msg.get("outputs"), msg.get("methods"),
                            msg.get("error"), msg.get("seconds"), msg.get("tolerance_classes"))


def run_worker(run: Run, backend: str, python: str, remaining: list) -> None:
    """Start a worker for `remaining` tasks and record what it sends; remove finished ones.

    Returns when the worker has ended (its whole process group with it); what is left
    in `remaining` is for a restarted worker (after a timeout or a crash), or empty.
    """
    from harness.envs import worker_env
    cmd = [python, "-m", "harness.run.worker", "--backend", backend, "--seed", str(run.args.seed),
           "--tasks", ",".join(f"{c}@{d}" for c, d in remaining)]
    try:
        worker = Worker(cmd, env=worker_env())
    except OSError as exc:
        for case, dtype in remaining:
            run.add_result(backend, case, dtype, "crashed",
                           error=_error("WorkerStart", f"cannot start {python}: {exc}", []))
        remaining.clear()
        return
    with run.lock:
        run.procs.add(worker)
        run.timings[backend]["workers"] += 1
    talk = _Conversation(run, backend, python, remaining, worker)
    verdict = talk.read()
    rc = worker.stop(grace=GRACE if verdict == "eof" else 0.0)
    with run.lock:
        run.procs.discard(worker)
        run.timings[backend]["wall_seconds"] += worker.seconds
    if run.stop.is_set():
        verdict = "interrupted"  # its death was our doing
    _settle(talk, verdict, rc)


def _settle(talk: _Conversation, verdict: str, rc: int) -> None:
    """Turn how the worker ended into results for the tasks it left, and problems."""
    run, backend, remaining = talk.run, talk.backend, talk.remaining
    if talk.worker.leftovers:
        run.problem("leftover", backend, "processes the worker started were still running "
                                         "when it ended; killed with its process group")
    if not remaining:
        if verdict == "bye" or (talk.bye and talk.worker.overstayed):
            run.problem("worker-exit", backend, f"worker said goodbye but did not end within "
                        f"{GRACE:g} s (a thread or a child process kept it or its channel "
                        "open); killed")
        elif verdict == "eof" and rc != 0:
            run.problem("worker-exit", backend, f"worker finished its cases, then {exit_text(rc)}")
        return
    if verdict == "interrupted":
        for case, dtype in remaining:
            run.add_result(backend, case, dtype, "interrupted",
                           error={"type": "Interrupted", "traceback": "",
                                  "message": "the run was interrupted before this result"})
        remaining.clear()
    elif verdict == "timeout":
        _timed_out(talk)
    else:
        _died(talk, rc)


def _timed_out(talk: _Conversation) -> None:
    run, backend, remaining, timeout = talk.run, talk.backend, talk.remaining, talk.run.args.timeout
    tail = talk.worker.stderr_tail()
    if not talk.hello:
        for case, dtype in remaining:
            run.add_result(backend, case, dtype, "timeout", error=_error(
                "Timeout", f"the worker did not start within "
                           f"{max(timeout, STARTUP_TIMEOUT):g} s; killed", tail))
        remaining.clear()
        return
    victim = talk.current if talk.current in remaining else remaining[0]
    what = "no result" if talk.current else "the case did not start"
    limit = timeout if talk.current else max(timeout, STARTUP_TIMEOUT)
    run.add_result(backend, *victim, "timeout", error=_error(
        "Timeout", f"{what} within {limit:g} s; worker killed, restarted for the rest", tail),
        seconds=timeout)
    run.problem("timeout", backend, f"killed after {timeout:g} s", *victim)
    remaining.remove(victim)


def _died(talk: _Conversation, rc: int) -> None:
    """End of file with tasks left: the worker died (or closed its channel)."""
    run, backend, remaining = talk.run, talk.backend, talk.remaining
    tail, how = talk.worker.stderr_tail(), exit_text(rc)
    if not talk.hello:
        for case, dtype in remaining:
            run.add_result(backend, case, dtype, "crashed",
                           error=_error("WorkerCrash", f"worker {how} before it started", tail))
        run.problem("crash", backend, f"worker {how} before it said hello; "
                                      f"stderr: {' | '.join(tail[-3:])}")
        remaining.clear()
        return
    victim = talk.current if talk.current in remaining else remaining[0]
    what = (f"worker {how} during this case" if rc != 0 else
            "worker exited normally without delivering this result (lost on the channel?)")
    run.add_result(backend, *victim, "crashed", error=_error("WorkerCrash", what, tail))
    remaining.remove(victim)
    then = "restarted for the remaining cases" if remaining else "no cases left"
    run.problem("crash", backend, f"worker {how}; {then}", *victim)


def _provision(run: Run, backend: str, remaining: list) -> str | None:
    """The backend's interpreter, its environment built if needed; None (all tasks error)
    if that fails."""
    try:
        return interpreter(backend, run.pythons, progress=run.progress.message)
    except Exception as exc:  # noqa: BLE001 - one backend's env must not stop the rest
        for case, dtype in remaining:
            run.add_result(backend, case, dtype, "error", error={
                "type": type(exc).__name__, "traceback": "",
                "message": f"environment {env_name(backend)!r}: {exc}"})
        remaining.clear()
        return None


def supervise(run: Run, backend: str, slots) -> None:
    """Provision (if needed) and keep a worker going until every task has a result."""
    try:
        _supervise(run, backend, slots)
    finally:
        run.finished[backend].set()


def _supervise(run: Run, backend: str, slots) -> None:
    with run.lock:   # results already known (cached, or a broken case) need no worker
        remaining = [(c, d) for c, d in run.tasks[backend] if (c, backend, d) not in run.results]
    python = None
    try:
        while remaining and not run.stop.is_set():
            while not slots.acquire(backend, timeout=0.2):
                if run.stop.is_set():
                    return
            try:  # provisioning takes a slot too: --jobs pip installs at most
                python = python or _provision(run, backend, remaining)
                if python:
                    run_worker(run, backend, python, remaining)
            finally:
                slots.release()
    except Exception as exc:  # noqa: BLE001 - a harness bug is reported, not swallowed
        import traceback
        run.problem("internal", backend, "".join(traceback.format_exception(exc))[-800:])
        for case, dtype in remaining:
            run.add_result(backend, case, dtype, "crashed", error={
                "type": type(exc).__name__, "message": f"harness error: {exc}", "traceback": ""})


# ---- the command ---------------------------------------------------------------------------



def main(args) -> int:
    from harness.common.progress import Progress

    backend_names = select_backends(args.backends)
    chosen = select_cases(args.cases)
    dtypes = select_dtypes(args.dtypes)
    pythons = parse_pythons(args.python, backend_names)
    out = options.writable_folder(args.out)
    case_ids = [e["id"] for e in chosen]
    broken = {e["id"]: e["error"] for e in chosen if e.get("error")}
    tasks = {REFERENCE: [(c, REFERENCE_DTYPE) for c in case_ids]}
    for b in backend_names:
        tasks[b] = [(c, d) for c in case_ids for d in dtypes]
    total = sum(len(t) for t in tasks.values())
    progress = Progress(total)
    stop = Interrupts().install()  # from here on a signal is recorded and ends in reports
    run = Run(args, tasks, out, progress)
    run.pythons = pythons
    _record_broken_cases(run, broken)
    run.case_entries = {e["id"]: e for e in chosen}
    reuse_results(run, pythons, reuse=not args.no_cache)
    slots = OrderedSlots(args.jobs, launch_order(list(tasks), out))
    started = time.monotonic()
    threads = [threading.Thread(target=supervise, args=(run, b, slots), name=f"worker-{b}",
                                daemon=True) for b in tasks]
    for t in threads:
        t.start()
    while not all(e.is_set() for e in run.finished.values()) and stop.signum is None:
        time.sleep(0.05)
    interrupted = stop.signum is not None
    if interrupted:
        _stop_workers(run, progress)
    for backend, items in tasks.items():  # whatever no thread could finish
        for case, dtype in items:
            run.add_result(backend, case, dtype, "interrupted" if interrupted else "crashed",
                           error={"type": "Interrupted" if interrupted else "NoResult",
                                  "message": "no result was recorded", "traceback": ""})
    with run.lock:
        run.closed = True
        if run.partial is not None:
            run.partial.close()
    progress.close()
    doc = assemble(run, args, case_ids, time.monotonic() - started)
    finish(doc, signum=stop.signum)
    try:
        write_reports(doc, out, Context(signal=stop.received))
    except OSError as exc:  # disk full, --out removed mid-run: say what is saved
        stop.restore()
        raise SaveError(_not_saved(run, out, exc)) from None
    run.partial_path.unlink(missing_ok=True)
    stop.restore()
    try:
        print(render(doc, args.format).rstrip("\n"), flush=True)
    except BrokenPipeError:  # the reader left (`| head`); the reports are written all the same
        quiet_stdout()
    return stop.exit_status(doc["exit_status"])


def _record_broken_cases(run: Run, broken: dict) -> None:
    """A broken case file: an error for that case alone, on every backend."""
    for backend, items in run.tasks.items():
        for case, dtype in items:
            if case in broken:
                run.add_result(backend, case, dtype, "error", error={
                    "type": "CaseError", "message": broken[case], "traceback": ""})


def _stop_workers(run: Run, progress) -> None:
    """After a signal: end every worker's group, give their threads 15 s to record it."""
    run.stop.set()
    run.kill_all()
    progress.message("interrupted: stopping workers, writing what has been computed")
    deadline = time.monotonic() + 15
    while not all(e.is_set() for e in run.finished.values()) and time.monotonic() < deadline:
        time.sleep(0.05)


def _not_saved(run: Run, out: Path, exc: OSError) -> str:
    saved = (f"{run.partial_saved} of {len(run.results)} results are saved, one JSON object "
             f"per line, in {run.partial_path}" if run.partial_saved else "no result was saved")
    return f"cannot write the reports in {out} ({exc.strerror or exc}); {saved}"


def _seeds_in(inputs: dict, prefix: str = "") -> dict:
    """{dotted key: seed} of every integer under a key naming a seed, at any depth."""
    found = {}
    for k, v in inputs.items():
        if "seed" in str(k).lower() and isinstance(v, int):
            found[prefix + str(k)] = v
        elif isinstance(v, dict):
            found.update(_seeds_in(v, f"{prefix}{k}."))
    return found


def assemble(run: Run, args, case_ids, total_seconds) -> dict:
    """The run.json document before the cross-check (see harness.run.results)."""
    results = []
    for backend, items in run.tasks.items():
        results += [run.results[(c, backend, d)] for c, d in items if (c, backend, d) in run.results]
    metas = [run.case_meta.get(c) or {"id": c} for c in case_ids]
    per_case: dict = {}
    for r in results:
        per_case.setdefault(r["case"], {}).setdefault(r["backend"], {})[r["dtype"]] = r["seconds"]
    env_backends = {}
    for name, h in run.hello.items():
        env_backends[name] = {k: h.get(k) for k in ("version", "python", "platform", "methods",
                                                    "threads", "numpy", "env", "pid",
                                                    "packages")}
        if h.get("error"):
            env_backends[name]["error"] = h["error"].get("message")
        if h.get("cached"):   # no worker ran: what the worker that computed them said
            env_backends[name]["from_cache"] = True
    timings = {}
    for name, t in run.timings.items():
        timings[name] = {"wall_seconds": round(t["wall_seconds"], 3),
                         "startup_seconds": t["startup_seconds"], "workers": t["workers"],
                         "compute_seconds": round(t["compute_seconds"], 3),
                         "cached_results": sum(1 for r in results if r["backend"] == name
                                               and r.get("cached"))}
    seeds = {"run": args.seed, "cases": {}}
    for meta in metas:
        inputs = meta.get("inputs") if isinstance(meta.get("inputs"), dict) else {}
        found = _seeds_in(inputs)
        if found:
            seeds["cases"][meta["id"]] = found
    options = {k: v for k, v in vars(args).items() if k not in ("entry", "command")}
    return {"format": FORMAT, "created": now(), "argv": sys.argv[1:], "options": options,
            "seeds": seeds,
            "environment": {"python": platform.python_version(), "platform": platform.platform(),
                            "hostname": platform.node(), "backends": env_backends},
            "timings": {"total_seconds": round(total_seconds, 3), "backends": timings,
                        "cases": per_case},
            "cases": metas, "results": results, "problems": run.all_problems()}
