"""The bench's cost model: which sizes to skip because one call would exceed --max-call.

Predictions come from the fastest samples already measured at smaller n, scaled by
each op's power law; a size predicted affordable once is timed once and reported.
"""

from harness.facts import NUMERICAL

FIRST_CALL_LIMIT = 5   # x --max-call: a first call this slow is not repeated (jit compiles
                       # stay well below it; numerical Hessians at a first large n do not)
ONCE = "once: "        # skip_reason prefix: run one call, report it, skip larger n


class CostModel:
    """What was measured so far, and what is skipped from now on and why."""

    def __init__(self, cfg: dict, be, native):
        self.cfg, self.be, self.native = cfg, be, native
        self.history: dict = {}   # (workload, dtype, impl) -> {n: {op: min seconds}}
        self.stopped: dict = {}   # (workload, dtype, op, impl) -> why larger n are skipped

    def method(self, op, impl) -> str:
        return (self.be.methods if impl == "adapter" else self.native.methods).get(op, "")

    def tolerance_class(self, op, impl) -> str:
        owner = self.be if impl == "adapter" else self.native
        return owner.method_class(self.method(op, impl))

    def forms_hessian(self, op, impl) -> bool:
        return op == "hvp" and "contracted" in self.method(op, impl)

    def record(self, w, base: dict, impl: str, seconds: float) -> None:
        hist = self.history.setdefault((w.name, base["dtype"], impl), {})
        hist.setdefault(base["n"], {})[base["op"]] = seconds

    def stop(self, w, base: dict, impl: str, why: str, keep_first=False) -> None:
        key = (w.name, base["dtype"], base["op"], impl)
        if keep_first:
            self.stopped.setdefault(key, why)
        else:
            self.stopped[key] = why

    def predict(self, w, dtype, op, impl, n) -> tuple[float, int] | None:
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
        numerical = self.tolerance_class(op, impl) == NUMERICAL
        k = {"grad": int(numerical), "hessian": 1, "hvp": int(self.forms_hessian(op, impl))}
        second = op == "hessian" or self.forms_hessian(op, impl)   # numerical: n² evaluations
        power = (2 if w.matrix else 1) + k[op] + (1 if second and numerical else 0)
        law = hist[n0][op] * (n / n0) ** power      # asymptotic, pessimistic at small n
        ref_hist = self.history.get((w.name, dtype, ref[1]), {})
        then, now = ref_hist.get(n0, {}).get(ref[0]), ref_hist.get(n, {}).get(ref[0])
        if then and now:   # measured ratio to the cheaper op; capped by the law against noise
            return min(law, hist[n0][op] / then * now * (n / n0) ** k[op]), n0
        return law, n0

    def skip_reason(self, w, dtype, op, impl, n) -> str | None:
        key = (w.name, dtype, op, impl)
        if key in self.stopped:
            return self.stopped[key]
        if impl == "adapter" and self.forms_hessian(op, impl) and n > self.cfg["hessian_max"]:
            return (f"the adapter's hvp forms the full Hessian ({self.method(op, impl)}); "
                    f"n > --hessian-max {self.cfg['hessian_max']}")
        guess = self.predict(w, dtype, op, impl, n)
        if guess and guess[0] > self.cfg["max_call"]:
            why = (f"predicted {guess[0]:.3g} s per call from the figures at n={guess[1]}, "
                   f"over --max-call {self.cfg['max_call']:g} s")
            if guess[0] <= FIRST_CALL_LIMIT * self.cfg["max_call"]:
                return ONCE + why   # affordable once: its cost is reported, not hidden
            return why
        return None
