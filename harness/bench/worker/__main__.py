"""Bench worker: times one backend's adapter beside its native idioms, inside its env.

Run by `harness bench` as `python -m harness.bench.worker CONFIG.json` in one
backend environment (harness.common.processes). Every figure is sent as one JSON line
on the process's original stdout the moment it exists, so a crash loses only the
measurement in progress; progress messages and anything a framework prints go to
stderr.

This module orchestrates; each job is its own module: `workloads` (the functions and
their float64 closed forms, the oracle), `timing` (`timeit`, calibrated to --min-time,
samples interleaved; the first call, with tracing and compilation, timed apart here),
`costs` (which sizes --max-call skips), `checks` (adapter against native and both
against the closed forms, with harness.common.tolerances), `native` (each framework's
own idiom). HARNESS_BENCH_PERTURB=OP (a self-test hook) scales the
adapter's OP result by 1+1e-3 before the check, to prove disagreements surface;
HARNESS_BENCH_PERTURB=hang-OP hangs before OP, to prove a stuck worker's records survive.
"""

import json
import math
import os
import sys
import time
import traceback

import numpy as np

import backends
from harness.bench.worker import native as _native
from harness.bench.worker.checks import Checker
from harness.bench.worker.costs import FIRST_CALL_LIMIT, ONCE, CostModel
from harness.bench.worker.timing import SLOW_CALL, interleaved, maxrss_mb
from harness.bench.worker.workloads import WORKLOADS
from harness.common.processes import claim_stdout, exit_now, worker_args
from harness.facts import EXACT, NUMERICAL


def _error(exc) -> dict:
    return {"type": type(exc).__name__, "message": str(exc)[:2000],
            "traceback": traceback.format_exc()[-4000:]}


# ---- the run ----------------------------------------------------------------------------

class Worker:
    """Runs the configured ladder on one backend: sizes, workloads, dtypes, ops."""

    def __init__(self, cfg: dict, out):
        self.cfg, self.out = cfg, out
        self.name = cfg["backend"]
        self.be = backends.load(self.name)
        self.native = _native.load(self.name, cfg["device"], cfg.get("threads"), self.be)
        self.costs = CostModel(cfg, self.be, self.native)
        self.checker = Checker(self.emit, self.say)
        self.perturb = os.environ.get("HARNESS_BENCH_PERTURB", "")

    def emit(self, record: dict) -> None:
        self.out.write(json.dumps(record, allow_nan=False) + "\n")
        self.out.flush()

    def say(self, message: str) -> None:
        print(f"[bench {self.name}] {message}", file=sys.stderr, flush=True)

    # -- timing one op: first call apart, then the steady state of every impl together --
    def _first_call(self, w, base, impl, make, args, rec):
        """(value, (call, per-call estimate) or None): the first call timed, or why not.

        Fills `rec`; a call too slow to repeat is reported as timed once."""
        reason = self.costs.skip_reason(w, base["dtype"], base["op"], impl, base["n"])
        once = bool(reason) and reason.startswith(ONCE)
        if reason and not once:
            rec.update(status="skipped", reason=reason)
            self.costs.stop(w, base, impl, reason, keep_first=True)
            return None, None
        sync = self.native.sync
        try:
            t0 = time.perf_counter()
            fn = make()
            value = fn(*args)
            sync(value)
            t1 = time.perf_counter()
            if once or t1 - t0 > FIRST_CALL_LIMIT * self.cfg["max_call"]:
                why = reason[len(ONCE):] if once else (
                    f"first call took {t1 - t0:.3g} s, over {FIRST_CALL_LIMIT} x --max-call")
                rec.update(first_call_s=t1 - t0, status="first-call-only",
                           reason=f"{why}: timed once, larger n skipped")
                self.costs.stop(w, base, impl, f"n={base['n']} was timed once: {why}")
                self.costs.record(w, base, impl, t1 - t0)
                return value, None
            warm = None
            if t1 - t0 < SLOW_CALL:   # warm-up call, also the calibration's estimate
                if impl == "adapter":   # past the adapter's eager calls: time compiled
                    for _ in range(getattr(self.be, "eager_calls", 0)):
                        sync(fn(*args))
                t2 = time.perf_counter()
                sync(fn(*args))
                warm = time.perf_counter() - t2
        except backends.Unsupported as exc:
            rec.update(status="unsupported", reason=str(exc))
            self.costs.stop(w, base, impl, f"unsupported: {exc}")
            return None, None
        except Exception as exc:  # noqa: BLE001 - recorded; this op stops for larger n
            rec.update(status="error", error=_error(exc))
            self.costs.stop(w, base, impl, f"error at n={base['n']}: {type(exc).__name__}")
            return None, None
        rec.update(first_call_s=t1 - t0, warm_call_s=warm)
        return value, (lambda: sync(fn(*args)), t1 - t0 if warm is None else warm)

    def measure(self, w, base: dict, makers: dict) -> dict:
        """Time each impl's make()(*args): first call, warm-up call, interleaved steady state.

        makers: impl -> (make, args, method). Returns impl -> (record, value or None).
        """
        out, timed = {}, {}
        for impl, (make, args, method) in makers.items():
            rec = dict(base, impl=impl, method=method, status="ok", first_call_s=None,
                       warm_call_s=None, median_s=None, min_s=None)
            value, steady = self._first_call(w, base, impl, make, args, rec)
            out[impl] = (rec, value)
            if steady:
                timed[impl] = steady
        self.first_methods = self.be.used_methods().get(base["op"], [])
        self.be.reset_used_methods()   # from here: what the timed calls ran
        if timed:
            try:
                figures = interleaved(timed, self.cfg["min_time"], self.cfg["repeats"])
            except Exception as exc:  # noqa: BLE001 - a failure after the first calls
                for impl in timed:
                    out[impl][0].update(status="error", error=_error(exc))
                figures = {}
            for impl, fig in figures.items():
                out[impl][0].update(fig)
                self.costs.record(w, base, impl, fig["min_s"])
        for rec, _ in out.values():
            rec["maxrss_mb"] = maxrss_mb()
        return out

    def run(self) -> None:
        cfg = self.cfg
        self.emit({"kind": "worker", "backend": self.name, "version": self.be.version,
                   "native_version": self.native.version, "python": sys.version.split()[0],
                   "executable": sys.executable, "device": cfg["device"],
                   "threads_requested": cfg.get("threads"), "threads": self.native.threads(),
                   "adapter_methods": dict(self.be.methods),
                   "native_methods": dict(self.native.methods),
                   "native_notes": self.native.notes(), "pid": os.getpid()})
        for n in cfg["sizes"]:
            matrix = None
            for wname in cfg["workloads"]:
                w = WORKLOADS[wname]
                if w.matrix and n > cfg["matrix_max"]:
                    continue   # recorded by the orchestrator as capped by memory
                if w.matrix and matrix is None:
                    matrix = np.random.default_rng([cfg["seed"], 1, n]).standard_normal((n, n))
                    matrix /= math.sqrt(n)
                # distinct non-zero tags: SeedSequence([s, n]) equals SeedSequence([s, n, 0])
                rng = np.random.default_rng([cfg["seed"], 2, n, 1 + list(WORKLOADS).index(wname)])
                x64, data64 = w.data(rng, n, matrix)
                v64 = rng.standard_normal(n)
                for dtype in cfg["dtypes"]:
                    started = time.perf_counter()
                    self.one(w, n, dtype, x64, data64, v64)
                    self.say(f"{wname} n={n} {dtype}: {time.perf_counter() - started:.1f} s")
        self.emit({"kind": "done", "maxrss_mb": maxrss_mb(), "threads_at_end": _os_threads()})

    def one(self, w, n, dtype, x64, data64, v64) -> None:
        be, nat, cfg = self.be, self.native, self.cfg
        base = {"kind": "measurement", "backend": self.name, "workload": w.name, "n": n,
                "dtype": dtype}
        try:
            xn, vn = nat.asarray(x64, dtype), nat.asarray(v64, dtype)
            dn = [nat.asarray(d, dtype) for d in data64]
            xa, va = be.asarray(x64, dtype), be.asarray(v64, dtype)
            da = [be.asarray(d, dtype) for d in data64]
        except Exception as exc:  # noqa: BLE001 - recorded as a setup error
            self.emit(dict(base, op="setup", impl="both", status="error", error=_error(exc)))
            return
        fn, fa = w.build(nat.xp), w.build(be.xp)

        def closed(f, data):   # hessian(f)(x) and hvp(f)(x, v) take x only: data closed over
            return lambda x: f(x, *data)

        native = {"primal": (lambda: nat.primal(fn), [xn, *dn]),
                  "grad": (lambda: nat.grad(fn), [xn, *dn]),
                  "hvp": (lambda: nat.hvp(fn), [xn, vn, *dn]),
                  "hessian": (lambda: nat.hessian(fn), [xn, *dn])}
        adapter = {"grad": (lambda: be.grad(fa, argnums=0), [xa, *da]),
                   "hvp": (lambda: be.hvp(closed(fa, da)), [xa, va]),
                   "hessian": (lambda: be.hessian(closed(fa, da)), [xa])}
        oracle = {"primal": lambda: w.value(x64, *data64),
                  "grad": lambda: w.grad(x64, *data64),
                  "hvp": lambda: w.hvp(x64, v64, *data64),
                  "hessian": lambda: w.hessian(x64, *data64)}
        ops = ["primal", "grad", "hvp"] + (["hessian"] if n <= cfg["hessian_max"] else [])
        for op in ops:
            if self.perturb == f"hang-{op}":   # self-test hook: a worker stuck mid-run
                time.sleep(3600)
            makers = {}
            if op == "primal" or nat.methods.get(op):
                makers["native"] = native[op] + (nat.methods.get(op, "plain call (jit where "
                                                                      "the framework has one)"),)
            if op in adapter:
                makers["adapter"] = adapter[op] + (be.methods.get(op),)
            be.reset_used_methods()
            measured = self.measure(w, dict(base, op=op), makers)
            results = {}
            for impl, (rec, value) in measured.items():
                owner = be if impl == "adapter" else nat
                timed = (be.used_methods().get(op) or []) if impl == "adapter" else []
                first = self.first_methods if impl == "adapter" else []
                used = list(dict.fromkeys(first + timed)) or [m for m in [rec["method"]] if m]
                rec["method"] = "; ".join(used) or None
                if timed:
                    rec["timed_method"] = "; ".join(timed)
                rec["tolerance_class"] = NUMERICAL if any(
                    owner.method_class(m) == NUMERICAL for m in used) else EXACT
                self.emit(rec)
                if value is None:
                    continue
                got = owner.to_numpy(value)
                if impl == "adapter" and self.perturb == op:
                    got = got * (1 + 1e-3)
                results[impl] = (got, rec["method"], rec["tolerance_class"])
            if results:
                self.checker.checks(dict(base, op=op), dtype, oracle[op](), results)


def _os_threads():
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("Threads:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def main(argv=None) -> int:
    argv = worker_args("python -m harness.bench.worker CONFIG.json", 1, argv)
    if argv is None:
        return 2
    with open(argv[0]) as fh:
        cfg = json.load(fh)
    out = claim_stdout()
    try:
        worker = Worker(cfg, out)
    except (backends.BackendError, _native.DeviceUnavailable, ImportError) as exc:
        out.write(json.dumps({"kind": "fatal", "type": type(exc).__name__,
                              "message": str(exc)}) + "\n")
        print(f"[bench {cfg.get('backend')}] cannot start: {exc}", file=sys.stderr)
        exit_now(3, out)
    worker.run()
    exit_now(0, out)   # every record sent: no teardown (seconds for some frameworks)


if __name__ == "__main__":
    sys.exit(main())
