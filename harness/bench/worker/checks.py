"""Every measured result checked: adapter against native, and both against the closed form.

A fast wrong answer cannot win: each comparison is sent as an "agreement" record, at
the tolerance of each result's tolerance class (harness.common.tolerances).
"""

import math

import numpy as np

from harness.common.tolerances import compare, looser, tolerance


def _finite(x):
    return x if x is not None and math.isfinite(x) else (None if x is None else str(x))


class Checker:
    """Sends an agreement record per comparison (`emit`), says each disagreement (`say`)."""

    def __init__(self, emit, say):
        self.emit, self.say = emit, say

    def check(self, base, name, actual, expected, tol, methods):
        c = compare(actual, expected, tol)
        self.emit(dict(base, kind="agreement", check=name, agree=c.ok,
                       max_abs=_finite(c.max_abs), max_rel=_finite(c.max_rel),
                       tolerance=str(tol), methods=methods,
                       detail="" if c.ok else c.describe()))
        if not c.ok:
            self.say(f"DISAGREE {name} {base['workload']} n={base['n']} {base['dtype']} "
                     f"{base['op']}: {c.describe()}")

    def checks(self, base, dtype, oracle, results) -> None:
        """results: impl -> (value, method, tolerance class)."""
        if "adapter" in results and "native" in results:
            (a, ma, ka), (b, mb, kb) = results["adapter"], results["native"]
            self.check(base, "adapter_vs_native", a, b,
                       looser(tolerance(dtype, ka), tolerance(dtype, kb)),
                       {"adapter": ma, "native": mb})
        # pure-Python compare (~1 s per 10⁶ entries): a Hessian's native result is checked
        # against the closed form only while small; every vector is always checked
        big = np.ndim(oracle) == 2 and np.size(oracle) > 100_000
        for impl in ("adapter", "native"):
            if impl in results and not (big and impl == "native" and "adapter" in results):
                value, method, kind = results[impl]
                self.check(base, f"{impl}_vs_closed_form", value, np.asarray(oracle),
                           tolerance(dtype, kind), {impl: method, "closed_form": "float64 NumPy"})
