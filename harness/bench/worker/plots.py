"""Log-log plots of a bench.json; runs in the numpy environment (matplotlib is there).

`python -m harness.bench.worker.plots BENCH.json OUTDIR` writes one PNG per backend (time
per call vs n, one panel per workload, adapter solid and native dashed) and one
of gradient/primal vs n for every backend; prints the files written.
"""

import json
import sys
from pathlib import Path

from harness.common.processes import worker_args

OPS = ("primal", "grad", "hvp", "hessian")
COLORS = {"primal": "black", "grad": "tab:blue", "hvp": "tab:green", "hessian": "tab:red"}


def _series(rows, backend, workload, dtype, column):
    pts = sorted((r["n"], r[column]) for r in rows
                 if r["backend"] == backend and r["workload"] == workload
                 and r["dtype"] == dtype and r.get(column))
    return [p[0] for p in pts], [p[1] for p in pts]


def plot(report: dict, out: Path) -> list[Path]:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = report["rows"]
    workloads = list(dict.fromkeys(r["workload"] for r in rows))
    dtypes = list(dict.fromkeys(r["dtype"] for r in rows))
    backends = list(dict.fromkeys(r["backend"] for r in rows))
    files = []
    for backend in backends:
        fig, axes = plt.subplots(1, len(workloads), figsize=(4.2 * len(workloads), 4),
                                 squeeze=False)
        for ax, workload in zip(axes[0], workloads):
            for dtype, marker in zip(dtypes, ("o", "s")):
                for op in OPS:
                    cols = [("primal_s", "-")] if op == "primal" else \
                        [(f"{op}_adapter_s", "-"), (f"{op}_native_s", "--")]
                    for col, style in cols:
                        n, t = _series(rows, backend, workload, dtype, col)
                        if n:
                            label = f"{op} {'native' if 'native' in col else 'adapter'}" \
                                if op != "primal" else "primal"
                            ax.loglog(n, t, style, marker=marker, color=COLORS[op], ms=3,
                                      label=f"{label} {dtype}")
            _panel(ax, workload)
        axes[0][0].set_ylabel("seconds per call (median)")
        axes[0][-1].legend(fontsize=6, loc="upper left")
        fig.suptitle(f"{backend}: time per call vs n")
        files.append(_save(fig, out / f"time_vs_n_{backend}.png"))
    fig, axes = plt.subplots(1, len(workloads), figsize=(4.2 * len(workloads), 4),
                             squeeze=False)
    for ax, workload in zip(axes[0], workloads):
        for i, backend in enumerate(backends):
            for dtype, marker in zip(dtypes, ("o", "s")):
                n, r = _series(rows, backend, workload, dtype, "grad_per_primal_adapter")
                if n:
                    ax.loglog(n, r, "-", marker=marker, ms=3, color=f"C{i}",
                              label=f"{backend} {dtype}")
        ax.axhline(5, color="grey", ls=":", label="target 5")
        _panel(ax, workload)
    axes[0][0].set_ylabel("gradient time / primal time")
    axes[0][-1].legend(fontsize=6)
    fig.suptitle("gradient / primal (adapter gradient, native primal)")
    files.append(_save(fig, out / "grad_per_primal.png"))
    return files


def _panel(ax, workload):
    ax.set_title(workload, fontsize=9)
    ax.set_xlabel("n")
    ax.grid(True, which="both", alpha=0.3)


def _save(fig, path):
    import matplotlib.pyplot as plt
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def main(argv=None) -> int:
    argv = worker_args("python -m harness.bench.worker.plots BENCH.json OUTDIR", 2, argv)
    if argv is None:
        return 2
    report = json.loads(Path(argv[0]).read_text())
    out = Path(argv[1])
    out.mkdir(parents=True, exist_ok=True)
    for path in plot(report, out):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
