"""Draw the chapter's figures from each backend's outputs: `python -m harness.reports.worker.plots IN.json OUTDIR`.

Runs inside the numpy environment (numpy + matplotlib), never in the
orchestrator: harness.reports.html writes IN.json and embeds the PNGs this
writes. IN.json ("harness-plots/1") holds a list of figures, each a grid of
panels, one panel per backend, so a reader sees the backends side by side on
the same axes limits. Arrays come in the worker encoding (base64, little-endian).

OUTDIR gets one PNG per figure and manifest.json: {"figures": {id: {"file": name}
or {"error": text}}}. One figure failing to draw does not stop the others.
"""

import base64
import json
import os
import sys
import traceback
from pathlib import Path

from harness.common.processes import worker_args

FORMAT = "harness-plots/1"
PANEL_INCHES = 3.0
DPI = 80
WIRE_LINES = 10  # wireframe lines per direction, as in the chapter (stride 10 on 101 points)


def decode(obj):
    """numpy array from {"dtype", "shape", "data": base64 little-endian, C order}."""
    import numpy as np

    dtype = np.dtype(obj["dtype"]).newbyteorder("<")
    flat = np.frombuffer(base64.b64decode(obj["data"]), dtype=dtype)
    return flat.reshape([int(n) for n in obj["shape"]]).astype(float)


def _finite_range(arrays, pad=0.05):
    import numpy as np

    vals = [a[np.isfinite(a)] for a in arrays if a is not None and a.size]
    vals = [v for v in vals if v.size]
    if not vals:
        return None
    lo = min(float(v.min()) for v in vals)
    hi = max(float(v.max()) for v in vals)
    span = (hi - lo) or max(abs(hi), 1.0)
    return lo - pad * span, hi + pad * span


def _panel_arrays(panel, names):
    if "arrays" not in panel:
        return None
    return {n: decode(panel["arrays"][n]) for n in names if n in panel["arrays"]}


def _few_ticks(ax, axes="xy"):
    """Four ticks per axis: readable in a small panel, and most of the drawing time saved."""
    from matplotlib.ticker import MaxNLocator

    for name in axes:
        getattr(ax, f"{name}axis").set_major_locator(MaxNLocator(4))


def _say_missing(ax, text):
    ax.text(0.5, 0.5, text, ha="center", va="center", wrap=True,
            transform=ax.transAxes, fontsize=8, color="#a00")


def _frame(ax, spec, panel, ylabel: str, axes: str, **ticks) -> None:
    """One panel's title (red when flagged), axis labels and few ticks."""
    ax.set_title(panel["label"], fontsize=9, color="#c00" if panel.get("flag") else "k")
    ax.set_xlabel(spec.get("xlabel", "x"), fontsize=8)
    ax.set_ylabel(spec.get("ylabel", ylabel), fontsize=8)
    ax.tick_params(**ticks)
    _few_ticks(ax, axes)


def _fill(ax, panel, d, draw) -> None:
    """draw(ax, d) for one panel's arrays `d`; without them, or when they cannot be drawn,
    the panel says why instead (one bad panel never costs the figure)."""
    if d is None:
        _say_missing(ax, panel.get("missing", "no output"))
        return
    try:
        draw(ax, d)
    except (KeyError, ValueError) as exc:
        _say_missing(ax, f"cannot draw: {exc}")


def _curve(fig, spec, panels):
    names = [spec[k] for k in ("x", "y", "marks_x", "marks_y") if spec.get(k)]
    data = [_panel_arrays(p, names) for p in panels]
    xr = _finite_range([d.get(spec["x"]) for d in data if d])
    yr = _finite_range([d.get(spec["y"]) for d in data if d])

    def draw(ax, d):
        x, y = d[spec["x"]].ravel(), d[spec["y"]].ravel()
        if x.shape != y.shape:
            raise ValueError(f"x has {x.size} points, y has {y.size}")
        ax.plot(x, y, lw=1.2)
        if spec.get("marks_x") and spec.get("marks_y"):
            ax.plot(d[spec["marks_x"]].ravel(), d[spec["marks_y"]].ravel(), "o",
                    color="#c0392b", ms=5)

    axes = fig.subplots(1, len(panels), squeeze=False)[0]
    for ax, panel, d in zip(axes, panels, data):
        _frame(ax, spec, panel, "f(x)", "xy", labelsize=7)
        if xr and yr:
            ax.set_xlim(*xr)
            ax.set_ylim(*yr)
        _fill(ax, panel, d, draw)


def _surface(fig, spec, panels):
    names = [spec[k] for k in ("x", "y", "z", "z2") if spec.get(k)]
    data = [_panel_arrays(p, names) for p in panels]
    zlim = spec.get("zlim") or _finite_range([d.get(spec["z"]) for d in data if d], pad=0.6)
    for i, (panel, d) in enumerate(zip(panels, data)):
        ax = fig.add_subplot(1, len(panels), i + 1, projection="3d")
        _frame(ax, spec, panel, "y", "xyz", labelsize=6, pad=0)
        if zlim:
            ax.set_zlim(*zlim)
        _fill(ax, panel, d, lambda a, arrays: _wires(a, spec, arrays, zlim))


def _wires(ax, spec, d, zlim):
    """The surface z (and z2, clipped to zlim as the chapter does) as wireframes."""
    import numpy as np

    x, y, z = d[spec["x"]], d[spec["y"]], d[spec["z"]]
    if not (x.shape == y.shape == z.shape and z.ndim == 2):
        raise ValueError(f"grid shapes {x.shape}, {y.shape}, {z.shape}")
    stride = max(1, (z.shape[0] - 1) // WIRE_LINES), max(1, (z.shape[1] - 1) // WIRE_LINES)
    ax.plot_wireframe(x, y, z, rstride=stride[0], cstride=stride[1], lw=0.7)
    if spec.get("z2"):
        z2 = d[spec["z2"]]
        if z2.shape != z.shape:
            raise ValueError(f"{spec['z2']} shape {z2.shape} != {z.shape}")
        if zlim:  # the chapter clips the quadratic to the function's box
            z2 = np.where((z2 < zlim[0]) | (z2 > zlim[1]), np.nan, z2)
        ax.plot_wireframe(x, y, z2, rstride=stride[0], cstride=stride[1],
                          color="purple", lw=0.7)


DRAW = {"curve": _curve, "surface": _surface}


def draw(figure: dict, out_dir: Path) -> str:
    """Draw one figure's grid of panels into OUT_DIR/<id>.png; return the file name."""
    import matplotlib.pyplot as plt

    kind = figure["kind"]
    if kind not in DRAW:
        raise ValueError(f"unknown figure kind {kind!r}; known: {', '.join(DRAW)}")
    panels = figure["panels"]
    fig = plt.figure(figsize=(PANEL_INCHES * len(panels), PANEL_INCHES + 0.4))
    try:
        DRAW[kind](fig, figure.get("spec", {}), panels)
        if figure.get("title"):
            fig.suptitle(figure["title"], fontsize=10)
        # fixed margins in inches: tight_layout would draw the whole figure once more
        width, height = fig.get_size_inches()
        fig.subplots_adjust(left=0.55 / width, right=1 - 0.15 / width, bottom=0.5 / height,
                            top=1 - 0.6 / height, wspace=0.35)
        name = f"{figure['id']}.png"
        fig.savefig(out_dir / name, dpi=DPI, pil_kwargs={"compress_level": 3})
        return name
    finally:
        plt.close(fig)


def main(argv=None) -> int:
    argv = worker_args("python -m harness.reports.worker.plots IN.json OUTDIR", 2, argv)
    if argv is None:
        return 2
    os.environ.setdefault("MPLBACKEND", "Agg")
    import matplotlib

    matplotlib.use("Agg")
    spec = json.loads(Path(argv[0]).read_text())
    if spec.get("format") != FORMAT:
        print(f"{argv[0]}: format {spec.get('format')!r}, expected {FORMAT!r}", file=sys.stderr)
        return 2
    out_dir = Path(argv[1])
    out_dir.mkdir(parents=True, exist_ok=True)
    manifest = {}
    for figure in spec["figures"]:
        try:
            manifest[figure["id"]] = {"file": draw(figure, out_dir)}
        except Exception as exc:  # noqa: BLE001 - reported in the page, others still drawn
            manifest[figure["id"]] = {"error": f"{type(exc).__name__}: {exc}",
                                      "traceback": traceback.format_exc()}
    (out_dir / "manifest.json").write_text(json.dumps({"figures": manifest}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
