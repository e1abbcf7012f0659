"""Bench worker: times one backend's adapter beside its native idioms, inside its env.

Run by `harness bench` as `python -m harness.bench.worker CONFIG.json RECORDS.jsonl`
in one backend environment. Every figure is appended to RECORDS as one JSON line
the moment it exists, so a crash loses only the measurement in progress.

Timing uses `timeit` (autorange to calibrate the loop count to --min-time, then
`repeat`); the first call (construction, tracing, compilation) is timed apart.
Each derivative is also checked: adapter against native and both against closed
forms computed here in float64 NumPy (an oracle independent of every framework),
with harness.common.tolerances. HARNESS_BENCH_PERTURB=OP (a self-test hook) scales the
adapter's OP result by 1+1e-3 before the check, to prove disagreements surface.
"""

import json
import math
import os
import resource
import statistics
import sys
import time
import timeit
import traceback

import numpy as np

import backends
from harness.bench.worker import native as _native
from harness.common.tolerances import NUMERICAL, compare, looser, method_kind, tolerance

FIRST_CALL_LIMIT = 5   # x --max-call: a first call this slow is not repeated (jit compiles
                       # stay well below it; numerical Hessians at a first large n do not)
ONCE = "once: "         # _skip_reason prefix: run one call, report it, skip larger n
SLOW_CALL = 1.0        # seconds: no separate warm-up call, fewer samples
LS_ROWS, LS_RANK = 32, 10   # ‖X - UV‖²: X is 32×p, U 32×10, V 10×p with n = 10p


# ---- workloads: one definition over any NumPy-like namespace xp ------------------------

def lse_f(xp):
    def logsumexp_Ax(x, A):
        return xp.log(xp.sum(xp.exp(xp.matmul(A, x))))
    return logsumexp_Ax


def x1exp_f(xp):
    def x1_exp_norm2(x):
        return x[0] * xp.exp(-xp.sum(x * x))
    return x1_exp_norm2


def quad_f(xp):
    def quadratic_xAx(x, A):
        return xp.sum(x * xp.matmul(A, x))
    return quadratic_xAx


def ls_f(xp):
    def least_squares_V(v, X, U):
        V = xp.reshape(v, (U.shape[1], X.shape[1]))
        R = X - xp.matmul(U, V)
        return xp.sum(R * R)
    return least_squares_V


def _softmax(z):
    e = np.exp(z - z.max())
    return e / e.sum()


class Workload:
    """Function, seeded data and closed-form derivatives (float64 NumPy oracle)."""

    matrix = False   # needs an n×n matrix (memory n² × 8 bytes)

    def data(self, rng, n, matrix):
        raise NotImplementedError


class LogSumExp(Workload):
    name, build, matrix = "logsumexp_Ax", staticmethod(lse_f), True

    def data(self, rng, n, matrix):
        return rng.standard_normal(n), (matrix,)

    def value(self, x, A):
        z = A @ x
        return z.max() + np.log(np.exp(z - z.max()).sum())

    def grad(self, x, A):
        return A.T @ _softmax(A @ x)

    def hessian(self, x, A):
        p = _softmax(A @ x)
        return A.T @ ((np.diag(p) - np.outer(p, p)) @ A)

    def hvp(self, x, v, A):
        p, av = _softmax(A @ x), A @ v
        return A.T @ (p * av - p * (p @ av))


class X1Exp(Workload):
    name, build = "x1_exp_norm2", staticmethod(x1exp_f)

    def data(self, rng, n, matrix):
        return rng.standard_normal(n) / math.sqrt(n), ()   # ‖x‖² ≈ 1: no underflow

    def value(self, x):
        return x[0] * np.exp(-x @ x)

    def grad(self, x):
        e1 = np.zeros_like(x)
        e1[0] = 1.0
        return np.exp(-x @ x) * (e1 - 2 * x[0] * x)

    def hessian(self, x):
        e1 = np.zeros_like(x)
        e1[0] = 1.0
        return np.exp(-x @ x) * (-2 * x[0] * np.eye(len(x)) - 2 * np.outer(e1, x)
                                 - 2 * np.outer(x, e1) + 4 * x[0] * np.outer(x, x))

    def hvp(self, x, v):
        e1 = np.zeros_like(x)
        e1[0] = 1.0
        xv = x @ v
        return np.exp(-x @ x) * (-2 * e1 * xv + 4 * x[0] * x * xv - 2 * x * v[0] - 2 * x[0] * v)


class Quadratic(Workload):
    name, build, matrix = "quadratic_xAx", staticmethod(quad_f), True

    def data(self, rng, n, matrix):
        return rng.standard_normal(n) / math.sqrt(n), (matrix,)

    def value(self, x, A):
        return x @ (A @ x)

    def grad(self, x, A):
        return A @ x + A.T @ x

    def hessian(self, x, A):
        return A + A.T

    def hvp(self, x, v, A):
        return A @ v + A.T @ v


class LeastSquares(Workload):
    name, build = "least_squares_V", staticmethod(ls_f)

    def data(self, rng, n, matrix):
        k = LS_RANK if n % LS_RANK == 0 else 1
        U = rng.standard_normal((LS_ROWS, k))
        X = rng.standard_normal((LS_ROWS, n // k))
        return rng.standard_normal(n) / math.sqrt(k), (X, U)

    def value(self, v, X, U):
        R = X - U @ v.reshape(U.shape[1], X.shape[1])
        return (R * R).sum()

    def grad(self, v, X, U):
        R = X - U @ v.reshape(U.shape[1], X.shape[1])
        return (-2 * U.T @ R).ravel()

    def hessian(self, v, X, U):
        return np.kron(2 * U.T @ U, np.eye(X.shape[1]))

    def hvp(self, v, w, X, U):
        return (2 * U.T @ U @ w.reshape(U.shape[1], X.shape[1])).ravel()


WORKLOADS = {w.name: w for w in (LogSumExp(), X1Exp(), Quadratic(), LeastSquares())}


# ---- timing -----------------------------------------------------------------------------

class _Calibrated(Exception):
    def __init__(self, number):
        self.number = number


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def maxrss_mb() -> float:
    """Peak resident memory of this worker so far (Linux reports kilobytes)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def calibrate(timer: timeit.Timer, min_time: float, per_call: float) -> int:
    """Loop count for samples of >= min_time: timeit's autorange, stopped at min_time."""
    if per_call >= min_time:
        return 1

    def enough(number, taken):
        if taken >= min_time:
            raise _Calibrated(number)

    try:
        number, taken = timer.autorange(enough)   # autorange itself stops at 0.2 s
    except _Calibrated as done:
        return done.number
    return max(1, math.ceil(number * min_time / taken))


def interleaved(timed: dict, min_time: float, repeats: int) -> dict:
    """Steady state of several callables, samples interleaved round by round.

    Alternating adapter and native samples (order flipped each round) exposes both
    to the same machine load, so their ratio survives a busy machine better than
    two runs one after the other. Returns impl -> timing figures.
    """
    timers = {impl: timeit.Timer(call) for impl, (call, _) in timed.items()}
    numbers = {impl: calibrate(timers[impl], min_time, warm) for impl, (_, warm) in timed.items()}
    slowest = max(warm for _, warm in timed.values())
    if slowest > SLOW_CALL:   # slow calls: fewer samples, never fewer than two
        repeats = max(2, min(repeats, int(5.0 / slowest)))
    samples = {impl: [] for impl in timed}
    cpu = dict.fromkeys(timed, 0.0)
    wall = dict.fromkeys(timed, 0.0)
    order = list(timed)
    for _ in range(repeats):
        for impl in order:
            w0, c0 = time.perf_counter(), _cpu()
            (total,) = timers[impl].repeat(repeat=1, number=numbers[impl])
            wall[impl] += time.perf_counter() - w0
            cpu[impl] += _cpu() - c0
            samples[impl].append(total / numbers[impl])
        order.reverse()
    out = {impl: {"median_s": statistics.median(xs), "min_s": min(xs), "samples_s": xs,
                  "number": numbers[impl], "repeats": repeats,
                  "cpu_per_wall": round(cpu[impl] / wall[impl], 2) if wall[impl] else None}
           for impl, xs in samples.items()}
    if set(samples) == {"adapter", "native"}:
        out["adapter"]["paired_overhead"] = statistics.median(
            a / b for a, b in zip(samples["adapter"], samples["native"]))
    return out


def _error(exc) -> dict:
    return {"type": type(exc).__name__, "message": str(exc)[:2000],
            "traceback": traceback.format_exc()[-4000:]}


# ---- the run ----------------------------------------------------------------------------

class Worker:
    def __init__(self, cfg: dict, out):
        self.cfg, self.out = cfg, out
        self.name = cfg["backend"]
        self.native = _native.load(self.name, cfg["device"], cfg.get("threads"))
        self.be = backends.load(self.name)
        self.history: dict = {}   # (workload, dtype, impl) -> {n: {op: min seconds}}
        self.stopped: dict = {}   # (workload, dtype, op, impl) -> why larger n are skipped
        self.perturb = os.environ.get("HARNESS_BENCH_PERTURB", "")

    def emit(self, record: dict) -> None:
        self.out.write(json.dumps(record, allow_nan=False) + "\n")
        self.out.flush()

    def say(self, message: str) -> None:
        print(f"[bench {self.name}] {message}", file=sys.stderr, flush=True)

    # -- cost model: skip sizes whose calls would take longer than --max-call --
    def _method(self, op, impl) -> str:
        return (self.be.methods if impl == "adapter" else self.native.methods).get(op, "")

    def _forms_hessian(self, op, impl) -> bool:
        return op == "hvp" and "contracted" in self._method(op, impl)

    def _predict(self, w, dtype, op, impl, n) -> tuple[float, int] | None:
        """(predicted seconds per call, from n0), from the fastest samples measured.

        grad ~ primal (x n if numerical), hessian ~ n x grad, hvp ~ grad (x n if the
        method forms the Hessian), never more than the workload's power law predicts.
        """
        if op == "primal":
            return None   # the primal sets the scale: always measured
        hist = self.history.get((w.name, dtype, impl), {})
        done = [m for m in sorted(hist) if op in hist[m] and m < n]
        if not done:
            return None
        n0 = done[-1]
        ref = ("primal", "native") if op == "grad" else ("grad", impl)
        numerical = method_kind(self._method(op, impl)) == NUMERICAL
        k = {"grad": int(numerical), "hessian": 1, "hvp": int(self._forms_hessian(op, impl))}
        second = op == "hessian" or self._forms_hessian(op, impl)   # numerical: n² evaluations
        power = (2 if w.matrix else 1) + k[op] + (1 if second and numerical else 0)
        law = hist[n0][op] * (n / n0) ** power      # asymptotic, pessimistic at small n
        ref_hist = self.history.get((w.name, dtype, ref[1]), {})
        then, now = ref_hist.get(n0, {}).get(ref[0]), ref_hist.get(n, {}).get(ref[0])
        if then and now:   # measured ratio to the cheaper op; capped by the law against noise
            return min(law, hist[n0][op] / then * now * (n / n0) ** k[op]), n0
        return law, n0

    def _skip_reason(self, w, dtype, op, impl, n) -> str | None:
        key = (w.name, dtype, op, impl)
        if key in self.stopped:
            return self.stopped[key]
        if impl == "adapter" and self._forms_hessian(op, impl) and n > self.cfg["hessian_max"]:
            return (f"the adapter's hvp forms the full Hessian ({self._method(op, impl)}); "
                    f"n > --hessian-max {self.cfg['hessian_max']}")
        guess = self._predict(w, dtype, op, impl, n)
        if guess and guess[0] > self.cfg["max_call"]:
            why = (f"predicted {guess[0]:.3g} s per call from the figures at n={guess[1]}, "
                   f"over --max-call {self.cfg['max_call']:g} s")
            if guess[0] <= FIRST_CALL_LIMIT * self.cfg["max_call"]:
                return ONCE + why   # affordable once: its cost is reported, not hidden
            return why
        return None

    def measure(self, w, base: dict, makers: dict) -> dict:
        """Time each impl's make()(*args): first call, warm-up call, interleaved steady state.

        makers: impl -> (make, args, method). Returns impl -> (record, value or None).
        """
        out, timed, sync = {}, {}, self.native.sync
        for impl, (make, args, method) in makers.items():
            rec = dict(base, impl=impl, method=method, status="ok", first_call_s=None,
                       warm_call_s=None, median_s=None, min_s=None)
            reason = self._skip_reason(w, base["dtype"], base["op"], impl, base["n"])
            once = bool(reason) and reason.startswith(ONCE)
            if reason and not once:
                rec.update(status="skipped", reason=reason)
                self.stopped.setdefault((w.name, base["dtype"], base["op"], impl), reason)
                out[impl] = (rec, None)
                continue
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
                    self.stopped[(w.name, base["dtype"], base["op"], impl)] = \
                        f"n={base['n']} was timed once: {why}"
                    hist = self.history.setdefault((w.name, base["dtype"], impl), {})
                    hist.setdefault(base["n"], {})[base["op"]] = t1 - t0
                    out[impl] = (rec, value)
                    continue
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
                self.stopped[(w.name, base["dtype"], base["op"], impl)] = f"unsupported: {exc}"
                out[impl] = (rec, None)
                continue
            except Exception as exc:  # noqa: BLE001 - recorded; this op stops for larger n
                rec.update(status="error", error=_error(exc))
                self.stopped[(w.name, base["dtype"], base["op"], impl)] = \
                    f"error at n={base['n']}: {type(exc).__name__}"
                out[impl] = (rec, None)
                continue
            rec.update(first_call_s=t1 - t0, warm_call_s=warm)

            def call(fn=fn, args=args):
                sync(fn(*args))
            timed[impl] = (call, t1 - t0 if warm is None else warm)
            out[impl] = (rec, value)
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
                hist = self.history.setdefault((w.name, base["dtype"], impl), {})
                hist.setdefault(base["n"], {})[base["op"]] = fig["min_s"]
        for rec, _ in out.values():
            rec["maxrss_mb"] = maxrss_mb()
        return out

    def check(self, base, name, actual, expected, tol, methods):
        c = compare(actual, expected, tol)
        self.emit(dict(base, kind="agreement", check=name, agree=c.ok,
                       max_abs=_finite(c.max_abs), max_rel=_finite(c.max_rel),
                       tolerance=str(tol), methods=methods,
                       detail="" if c.ok else c.describe()))
        if not c.ok:
            self.say(f"DISAGREE {name} {base['workload']} n={base['n']} {base['dtype']} "
                     f"{base['op']}: {c.describe()}")

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
                if impl == "adapter":
                    timed = be.used_methods().get(op) or []
                    used = list(dict.fromkeys(self.first_methods + timed))
                    if used:
                        rec["method"] = "; ".join(used)
                    if timed:
                        rec["timed_method"] = "; ".join(timed)
                self.emit(rec)
                if value is None:
                    continue
                got = (be if impl == "adapter" else nat).to_numpy(value)
                if impl == "adapter" and self.perturb == op:
                    got = got * (1 + 1e-3)
                results[impl] = (got, rec["method"])
            if results:
                self.checks(dict(base, op=op), dtype, oracle[op](), results)

    def checks(self, base, dtype, oracle, results) -> None:
        def tol(method):
            return tolerance(dtype, method)

        if "adapter" in results and "native" in results:
            (a, ma), (b, mb) = results["adapter"], results["native"]
            self.check(base, "adapter_vs_native", a, b, looser(tol(ma), tol(mb)),
                       {"adapter": ma, "native": mb})
        # pure-Python compare (~1 s per 10⁶ entries): a Hessian's native result is checked
        # against the closed form only while small; every vector is always checked
        big = np.ndim(oracle) == 2 and np.size(oracle) > 100_000
        for impl in ("adapter", "native"):
            if impl in results and not (big and impl == "native" and "adapter" in results):
                value, method = results[impl]
                self.check(base, f"{impl}_vs_closed_form", value, np.asarray(oracle),
                           tol(method), {impl: method, "closed_form": "float64 NumPy"})


def _finite(x):
    return x if x is not None and math.isfinite(x) else (None if x is None else str(x))


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
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 2:
        print("usage: python -m harness.bench.worker CONFIG.json RECORDS.jsonl", file=sys.stderr)
        return 2
    with open(argv[0]) as fh:
        cfg = json.load(fh)
    with open(argv[1], "a") as out:
        try:
            worker = Worker(cfg, out)
        except (backends.BackendError, _native.DeviceUnavailable, ImportError) as exc:
            out.write(json.dumps({"kind": "fatal", "type": type(exc).__name__,
                                  "message": str(exc)}) + "\n")
            print(f"[bench {cfg.get('backend')}] cannot start: {exc}", file=sys.stderr)
            return 3
        worker.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
