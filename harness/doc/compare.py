"""Do two tabs compute the same thing? Values, layouts and printed numbers.

Pure Python (the orchestrator has no numpy): arrays are (flat list, shape, dtype)
triples decoded from harness.common.protocol (complex arrays arrive as their float
pairs and become Python complex numbers). Agreement is |a - b| <= atol + rtol |b| with
the dtype's tolerance (the looser of the two sides), as harness.common.tolerances does;
NaN or Inf never agrees, not even with NaN, as in `run`. Equal values laid out
differently (transposed, extra size-1 dims, reshaped, or the same multiset in another
order) are a layout finding, not a different result.
"""

import cmath
import itertools
import math
import re

from harness.common import tolerances
from harness.common.protocol import ProtocolError, decode_array

MAX_PERMUTE = 200_000     # elements; larger arrays are only compared as laid out


class Value:
    """A decoded numeric value."""

    def __init__(self, flat, shape, dtype):
        self.flat, self.shape, self.dtype = list(flat), tuple(shape), dtype

    @classmethod
    def decode(cls, obj):
        try:
            if str(obj.get("dtype")).startswith("complex"):
                part = "float32" if obj["dtype"] == "complex64" else "float64"
                flat, _, _ = decode_array(dict(obj, dtype=part, shape=list(obj["shape"]) + [2]))
                pairs = [complex(flat[i], flat[i + 1]) for i in range(0, len(flat), 2)]
                return cls(pairs, obj["shape"], obj["dtype"])
            return cls(*decode_array(obj))
        except (ProtocolError, AttributeError, KeyError, TypeError):
            return None

    @property
    def size(self) -> int:
        return len(self.flat)

    def preview(self, n=6) -> str:
        items = ", ".join(_fmt(v) for v in self.flat[:n])
        more = ", ..." if self.size > n else ""
        return f"[{items}{more}] shape {self.shape} {self.dtype}"


def _fmt(v) -> str:
    if isinstance(v, complex):
        return f"{v.real:.6g}{v.imag:+.6g}j"
    return f"{v:.6g}" if isinstance(v, float) else str(v)


def tol_dtype(dtype: str) -> str:
    """The tolerance class of a dtype: float32 and narrower floats, or float64 (exact ints)."""
    return "float32" if dtype in ("float32", "float16", "bfloat16", "complex64") else "float64"


def value_tolerance(*dtypes) -> tolerances.Tolerance:
    tols = [tolerances.tolerance(tol_dtype(d)) for d in dtypes]
    out = tols[0]
    for t in tols[1:]:
        out = tolerances.looser(out, t)
    return out


def _squeeze(shape):
    return tuple(n for n in shape if n != 1)


def _permute(flat, shape, perm):
    """Flat data of an array of `shape` with its axes reordered to `perm` (C order)."""
    strides, acc = [], 1
    for n in reversed(shape):
        strides.append(acc)
        acc *= n
    strides = list(reversed(strides))
    new_shape = [shape[p] for p in perm]
    new_strides = [strides[p] for p in perm]
    out = []
    for idx in itertools.product(*(range(n) for n in new_shape)):
        out.append(flat[sum(i * s for i, s in zip(idx, new_strides))])
    return out


def _finite(x) -> bool:
    return cmath.isfinite(x)    # floats, ints and complex numbers alike


def _compare_flat(a, b, tol):
    """Elementwise closeness of flat data; NaN or Inf anywhere never agrees."""
    max_abs = max_rel = 0.0
    worst, worst_excess, ok = 0, -math.inf, True
    for i, (x, y) in enumerate(zip(a, b)):
        if not (_finite(x) and _finite(y)):
            return tolerances.Comparison(False, reason="non-finite", worst_index=(i,),
                                         detail=f"non-finite value at flat index {i}: "
                                                f"{x!r} vs {y!r} (NaN/Inf never agrees)")
        err = abs(x - y)
        rel = err / abs(y) if y else (0.0 if err == 0 else math.inf)
        max_abs, max_rel = max(max_abs, err), max(max_rel, rel)
        excess = err - (tol.atol + tol.rtol * abs(y))
        ok = ok and excess <= 0
        if excess > worst_excess:
            worst, worst_excess = i, excess
    return tolerances.Comparison(ok, max_abs=max_abs, max_rel=max_rel, worst_index=(worst,))


def _sort_key(v):
    return (v.real, v.imag)     # a float's imag is 0: real numbers sort as themselves


def _reordered(a: Value, b: Value, tol) -> bool:
    """The same multiset of values in another order (eig vs eigh, set iteration)."""
    if a.size != b.size or a.size < 2 or a.size > MAX_PERMUTE:
        return False
    if not all(_finite(x) for x in a.flat + b.flat):
        return False
    return _compare_flat(sorted(a.flat, key=_sort_key), sorted(b.flat, key=_sort_key), tol).ok


def _layouts(a: Value, b: Value):
    """(description, b's data laid out like a) for every layout that could match a."""
    if a.shape == b.shape:
        yield None, b.flat
    if a.size != b.size:
        return
    sa, sb = _squeeze(a.shape), _squeeze(b.shape)
    if sa == sb and a.shape != b.shape:
        yield f"extra size-1 dimensions (shape {a.shape} vs {b.shape})", b.flat
    if 1 < len(sb) <= 4 and b.size <= MAX_PERMUTE:
        for perm in itertools.permutations(range(len(sb))):
            if perm == tuple(range(len(sb))) or tuple(sb[p] for p in perm) != sa:
                continue
            what = "transposed" if len(sb) == 2 else f"axes permuted {perm}"
            yield f"{what} (shape {a.shape} vs {b.shape})", _permute(b.flat, sb, perm)
    if sa != sb:
        yield f"reshaped (shape {a.shape} vs {b.shape})", b.flat


def compare_values(a: Value, b: Value, tol=None) -> dict:
    """verdict agree | layout | drift, with the size of the difference and the tolerance."""
    tol = tol or value_tolerance(a.dtype, b.dtype)
    base = {"tolerance": str(tol), "dtypes": [a.dtype, b.dtype],
            "shapes": [list(a.shape), list(b.shape)], "layout": None,
            "max_abs": None, "max_rel": None, "worst_index": None}
    best = None     # (layout, comparison, b's data laid out like a) closest to agreeing
    for layout, data in _layouts(a, b):
        c = _compare_flat(a.flat, data, tol)
        if c.ok:
            return dict(base, verdict="agree" if layout is None else "layout", layout=layout)
        if c.reason == "non-finite":    # NaN/Inf is in every layout: the first says where
            best = (layout, c, data)
            break
        if best is None or c.max_abs < best[1].max_abs:
            best = (layout, c, data)
    if _reordered(a, b, tol):
        return dict(base, verdict="layout",
                    layout=f"reordered (the same values in another order, shape {a.shape} "
                           f"vs {b.shape})")
    if best is None:
        return dict(base, verdict="drift",
                    detail=f"shape {a.shape} vs {b.shape}: different number of values "
                           f"({a.size} vs {b.size})")
    layout, c, data = best
    worst = c.worst_index[0]
    index = tolerances.unravel(worst, a.shape)
    detail = c.detail if c.reason == "non-finite" else (
        f"max abs err {c.max_abs:.3g}, max rel err {c.max_rel:.3g} at index {index}")
    return dict(base, verdict="drift", layout=layout, max_abs=_num(c.max_abs),
                max_rel=_num(c.max_rel), worst_index=list(index),
                at_worst=[_num(a.flat[worst]), _num(data[worst])],
                non_finite=c.reason == "non-finite",
                detail=detail + (f"; compared {layout}" if layout else ""))


def _num(x):
    """JSON-safe number (complex as [re, im]; inf and nan become strings)."""
    if isinstance(x, complex):
        return [_num(x.real), _num(x.imag)]
    if x is None or math.isfinite(x):
        return x
    return str(x)


# --- numbers in printed output --------------------------------------------------------

_NOISE = re.compile(
    r"shape=\([^)]*\)|dtype=[\w.]+|device=[\w:'\"()]+|ctx=\w+(?:\(\d+\))?|grad_fn=<[^>]*>"
    r"|requires_grad=\w+|@\w+\(\d+\)|<NDArray [^>]*>|\bfloat\d+\b|\bint\d+\b")
_NUMBER = re.compile(r"(?<![\w.])[-+]?(?:(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?|nan|inf)(?![\w])")


def numbers(text: str) -> list:
    """[(value, printing resolution)] of the numbers in printed text, framework noise removed."""
    out = []
    for m in _NUMBER.finditer(_NOISE.sub(" ", text or "")):
        tok = m.group(0)
        value = float(tok)
        mant, _, exp = tok.lower().partition("e")
        if "." in mant:
            res = 0.5 * 10.0 ** (-len(mant.split(".")[1]))
        else:
            res = 0.5 if exp else 0.0      # an integer prints exactly
        out.append((value, res * (10.0 ** int(exp) if exp else 1.0)))
    return out


def compare_numbers(xs, ys, tol) -> dict:
    """Printed numbers agree when within tolerance plus both printing resolutions.

    The worst is the largest difference beyond that (the first of equal ones); a
    non-finite number never agrees, as in `run`, and is the worst (the last one)."""
    max_abs = max_rel = 0.0
    worst, worst_err, non_finite = None, -math.inf, False
    for i, ((x, rx), (y, ry)) in enumerate(zip(xs, ys)):
        if not (math.isfinite(x) and math.isfinite(y)):
            max_abs, worst, worst_err, non_finite = math.inf, i, math.inf, True
            continue
        err = abs(x - y)
        rel = err / abs(y) if y else (0.0 if err == 0 else math.inf)
        if err > tol.atol + tol.rtol * abs(y) + rx + ry and err > worst_err:
            worst, worst_err = i, err
        max_abs, max_rel = max(max_abs, err), max(max_rel, rel)
    out = {"max_abs": _num(max_abs), "max_rel": _num(max_rel),
           "worst_index": None if worst is None else [worst],
           "verdict": "agree" if worst is None else "drift",
           "tolerance": str(tol) + " + printing resolution"}
    return dict(out, non_finite=True) if non_finite else out


def compare_printed(text_a: str, text_b: str, tol) -> list:
    """Per printed line (or whole text when lines do not pair up): comparisons of numbers."""
    la = [ln for ln in (text_a or "").splitlines() if numbers(ln)]
    lb = [ln for ln in (text_b or "").splitlines() if numbers(ln)]
    if len(la) == len(lb) and all(len(numbers(x)) == len(numbers(y)) for x, y in zip(la, lb)):
        pairs = list(zip(la, lb))
    else:
        na, nb = numbers(text_a), numbers(text_b)
        if len(na) != len(nb):
            return [{"verdict": "not comparable", "line": None,
                     "detail": f"{len(na)} vs {len(nb)} printed numbers"}]
        pairs = [(text_a.strip(), text_b.strip())]
    results = []
    for k, (x, y) in enumerate(pairs):
        r = compare_numbers(numbers(x), numbers(y), tol)
        r.update(line=k + 1, printed=[x.strip()[:200], y.strip()[:200]])
        results.append(r)
    return results
