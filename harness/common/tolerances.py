"""The one place where agreement is defined: tolerances by dtype and tolerance class.

Pure Python on purpose: the orchestrator (standard library only), the worker
processes and the tests in every backend environment all call the same
`compare`, so a verdict means the same thing everywhere.

Never loosen a number here to make a disagreement go away: a disagreement is a
finding to report.
"""

import math
from dataclasses import dataclass

from harness.facts import DTYPES, EXACT, NUMERICAL, TOLERANCE_CLASSES


@dataclass(frozen=True)
class Tolerance:
    rtol: float
    atol: float

    def __str__(self) -> str:
        return f"rtol={self.rtol:g}, atol={self.atol:g}"


# |actual - expected| <= atol + rtol * |expected|, elementwise.
TOLERANCES = {
    ("float64", EXACT): Tolerance(rtol=1e-9, atol=1e-11),
    ("float32", EXACT): Tolerance(rtol=1e-4, atol=1e-5),
    # numdifftools (Richardson extrapolation, float64) and central differences of an
    # exact float64 gradient: truncation and round-off near 1e-8 relative.
    ("float64", NUMERICAL): Tolerance(rtol=1e-6, atol=1e-7),
    # central differences of a float32 gradient: step ~ eps**(1/3), error ~ eps**(2/3).
    ("float32", NUMERICAL): Tolerance(rtol=5e-3, atol=5e-3),
}


def tolerance(dtype: str, kind: str | None = EXACT) -> Tolerance:
    """Tolerance for an output computed in `dtype` whose tolerance class is `kind`
    (EXACT or NUMERICAL, as the worker reports it; None: a plain value, EXACT)."""
    kind = EXACT if kind is None else kind
    if kind not in TOLERANCE_CLASSES:
        raise ValueError(f"unknown tolerance class {kind!r}; known: "
                         f"{', '.join(TOLERANCE_CLASSES)}")
    try:
        return TOLERANCES[(str(dtype), kind)]
    except KeyError:
        raise ValueError(f"no tolerance for dtype {dtype!r}; known: float32, float64") from None


def looser(a: Tolerance, b: Tolerance) -> Tolerance:
    """Tolerance for comparing two computed results: the looser of their own two."""
    return Tolerance(rtol=max(a.rtol, b.rtol), atol=max(a.atol, b.atol))


@dataclass(frozen=True)
class Comparison:
    ok: bool
    max_abs: float | None = None
    max_rel: float | None = None
    worst_index: tuple | None = None
    reason: str = ""          # why not ok: "shape", "non-finite", "tolerance", "empty"
    actual: float | None = None    # the two values at worst_index, for reports
    expected: float | None = None

    def describe(self) -> str:
        if self.ok:
            return "agree"
        if self.reason in ("shape", "non-finite"):
            return self.detail
        return (f"max abs err {self.max_abs:.3g}, max rel err {self.max_rel:.3g}"
                f" at index {self.worst_index}")

    detail: str = ""


def _flatten(value):
    """(flat list of floats, shape) from a numpy array, nested lists or a scalar."""
    flat = getattr(value, "flat", None)
    if isinstance(flat, list) and isinstance(value.shape, tuple):  # protocol.Array: as is
        floats = getattr(value, "dtype", None) in DTYPES
        return (flat if floats else [float(v) for v in flat]), value.shape
    if hasattr(value, "tolist") and hasattr(value, "shape"):
        shape = tuple(int(n) for n in value.shape)
        value = value.tolist()
    else:
        shape = None
    flat: list[float] = []

    def walk(v, depth, dims):
        if isinstance(v, (list, tuple)):
            if len(dims) <= depth:
                dims.append(len(v))
            for item in v:
                walk(item, depth + 1, dims)
        else:
            flat.append(float(v))

    dims: list[int] = []
    walk(value, 0, dims)
    return flat, shape if shape is not None else tuple(dims)


def unravel(i: int, shape: tuple) -> tuple:
    """The index into an array of `shape` (C order) of flat position `i` (an element's
    position: an array with elements has no dimension 0)."""
    idx = []
    for n in reversed(shape):
        idx.append(i % n)
        i //= n
    return tuple(reversed(idx))


def compare(actual, expected, tol: Tolerance) -> Comparison:
    """Elementwise closeness. NaN or Inf anywhere never agrees, not even NaN with NaN."""
    a, sa = _flatten(actual)
    e, se = _flatten(expected)
    if sa != se:
        return Comparison(False, reason="shape", detail=f"shape {sa} != expected shape {se}")
    finite = math.isfinite
    if not (all(map(finite, a)) and all(map(finite, e))):
        bad = [i for i, (x, y) in enumerate(zip(a, e)) if not (finite(x) and finite(y))]
        i = bad[0]
        return Comparison(False, reason="non-finite", worst_index=unravel(i, sa),
                          actual=a[i], expected=e[i],
                          detail=f"{len(bad)} non-finite value(s), first at index "
                                 f"{unravel(i, sa)}: {a[i]!r} vs expected {e[i]!r}")
    # whole-list passes (a run compares ~10^6 elements; a per-element loop cost seconds)
    errs = [abs(x - y) for x, y in zip(a, e)]
    excess = [err - (tol.atol + tol.rtol * abs(y)) for err, y in zip(errs, e)]
    rels = [err / abs(y) if y else (0.0 if err == 0 else math.inf) for err, y in zip(errs, e)]
    max_abs, max_rel = max(errs, default=0.0), max(rels, default=0.0)
    worst = max(range(len(excess)), key=excess.__getitem__) if excess else 0   # first largest
    ok = all(x <= 0 for x in excess)
    return Comparison(ok, max_abs=max_abs, max_rel=max_rel,
                      worst_index=unravel(worst, sa) if a else (),
                      actual=a[worst] if a else None, expected=e[worst] if a else None,
                      reason="" if ok else "tolerance")
