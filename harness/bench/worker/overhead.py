"""Where an adapter's gradient overhead goes: a per-call profile, inside one backend's env.

    .envs/jax/bin/python -m harness.bench.worker.overhead jax [N,N,...] [WORKLOAD,...]

For each workload and n (float64) it times, interleaved round by round, three calls on
the same inputs: the native idiom (`native.grad`), the adapter's own implementation
(`be._grad`, what its public call runs after the checks) and the public `be.grad(f)`.
The two paired differences split the adapter's overhead into the public wrapper (input
check, method record: fixed Python) and the implementation (what the adapter computes
differently from the native idiom). Printed as a table; BENCHMARKS.md reads it.
"""

import statistics
import sys

import numpy as np

import backends
from harness.bench.worker import native as _native
from harness.bench.worker.timing import interleaved
from harness.bench.worker.workloads import WORKLOADS

ROUNDS = 41          # interleaved samples per call
MIN_TIME = 0.05      # seconds per sample
MATRIX_MAX = 10_000  # largest n of a workload with an n×n matrix (bench's default)


def calls(be, nat, workload, n: int) -> dict:
    """name -> (zero-argument call, warm per-call seconds) for one workload and n."""
    rng = np.random.default_rng([0, 2, n, 1 + list(WORKLOADS).index(workload.name)])
    matrix = rng.standard_normal((n, n)) / np.sqrt(n) if workload.matrix else None
    x64, data64 = workload.data(rng, n, matrix)
    xn, dn = nat.asarray(x64, "float64"), [nat.asarray(d, "float64") for d in data64]
    xa, da = be.asarray(x64, "float64"), [be.asarray(d, "float64") for d in data64]
    fn, fa = workload.build(nat.xp), workload.build(be.xp)
    native = nat.grad(fn)
    stage = be._stage(be._grad(be._scalar(fa, "grad"), (0,), True), "grad")
    public = be.grad(fa, argnums=0)
    made = {"native": lambda: nat.sync(native(xn, *dn)),
            "implementation": lambda: nat.sync(stage.run(xa, *da)),
            "public": lambda: nat.sync(public(xa, *da))}
    for call in made.values():   # past compilation and the eager calls
        for _ in range(5):
            call()
    return {name: (call, 0.0) for name, call in made.items()}


def profile(name: str, sizes: list, workloads: list) -> list:
    be = backends.load(name)
    nat = _native.load(name, "cpu", None, be)
    rows = []
    for wname in workloads:
        for n in sizes:
            if WORKLOADS[wname].matrix and n > MATRIX_MAX:
                continue
            figures = interleaved(calls(be, nat, WORKLOADS[wname], n), MIN_TIME, ROUNDS)
            s = {k: v["samples_s"] for k, v in figures.items()}
            native = statistics.median(s["native"])
            wrapper = statistics.median(a - b for a, b in zip(s["public"], s["implementation"]))
            inner = statistics.median(a - b for a, b in zip(s["implementation"], s["native"]))
            paired = statistics.median(a / b for a, b in zip(s["public"], s["native"]))
            rows.append((wname, n, native, wrapper, inner, paired))
    return rows


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    sizes = [int(s) for s in (argv[1] if len(argv) > 1 else "100,1000,10000,100000").split(",")]
    workloads = argv[2].split(",") if len(argv) > 2 else list(WORKLOADS)
    print(f"| {argv[0]} grad | n | native | public − implementation (wrapper) | "
          "implementation − native | public / native (paired median) |")
    print("|---|---|---|---|---|---|")
    for wname, n, native, wrapper, inner, paired in profile(argv[0], sizes, workloads):
        print(f"| {wname} | {n} | {native * 1e6:.1f} µs | {wrapper * 1e6:+.2f} µs | "
              f"{inner * 1e6:+.2f} µs | {paired:.3f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
