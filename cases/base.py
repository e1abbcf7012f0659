"""The `Case` every example module defines, and the helpers its two sides share.

A case has two sides that never meet: `compute(be, dtype)` runs through the
backend interface only (be.xp, be.asarray, be.grad/...; one body for every
backend and both dtypes) and `reference()` evaluates SymPy expressions in
high precision with mpmath (or the chapter's closed forms in float64 NumPy),
never a framework. Both return {output name: numpy float array}; `Case` checks
the names, dtypes and shapes so a malformed case fails loudly, not quietly.

Random points are rounded to float32 once, when drawn, so that the float32 and
the float64 runs start from exactly the same numbers as the reference.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from harness.facts import DERIVATIVE_OPS as OPS
from harness.facts import DTYPES

MP_DIGITS = 50  # mpmath working precision of every SymPy reference


class CaseDefinitionError(ValueError):
    """A case's outputs do not match what it declares."""


@dataclass
class Case:
    id: str
    title: str
    section: str            # the chapter heading the example comes from, verbatim
    order: int
    outputs: tuple          # output names, in a stable order
    compute_fn: Callable    # (be, dtype) -> {name: backend value or numpy array}
    reference_fn: Callable  # () -> {name: float64 array}
    inputs: dict = field(default_factory=dict)
    ops: dict = field(default_factory=dict)   # output -> derivative op setting its tolerance
    figures: list = field(default_factory=list)
    chapter_variables: dict = field(default_factory=dict)
    notes: str = ""         # conditioning choices, where the chapter's code drifts
    chapter: str = ""       # the chapter's `:label:` (the same in every edition/translation)
    section_number: int = 0  # the section's position: the n-th `##` heading of the chapter
    _reference_cache: dict | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self):
        self.outputs = tuple(self.outputs)
        known = set(self.outputs)
        if len(known) != len(self.outputs):
            raise CaseDefinitionError(f"{self.id}: repeated output names")
        bad_ops = {k: v for k, v in self.ops.items() if k not in known or v not in OPS}
        if bad_ops:
            raise CaseDefinitionError(f"{self.id}: ops for unknown outputs or ops: {bad_ops}")
        for fig in self.figures:
            refs = [fig[k] for k in ("x", "y", "z", "z2", "marks_x", "marks_y") if k in fig]
            if fig.get("kind") not in ("curve", "surface") or not set(refs) <= known:
                raise CaseDefinitionError(f"{self.id}: figure {fig} names unknown outputs")
        if not set(self.chapter_variables.values()) <= known:
            raise CaseDefinitionError(f"{self.id}: chapter_variables name unknown outputs")
        problem = _not_json_data(self.inputs, "inputs")
        if problem:
            raise CaseDefinitionError(f"{self.id}: {problem}; inputs are recorded in run.json, "
                                      f"so they must be JSON data with finite numbers")

    def _checked(self, out: dict, dtype: str, side: str) -> dict:
        if set(out) != set(self.outputs):
            missing = sorted(set(self.outputs) - set(out))
            extra = sorted(set(out) - set(self.outputs))
            raise CaseDefinitionError(f"{self.id} {side}: missing outputs {missing}, "
                                      f"undeclared outputs {extra}")
        checked = {}
        for name in self.outputs:
            value = out[name]
            if isinstance(value, np.generic):  # a numpy scalar: the 0-d array it stands for
                value = np.asarray(value)
            if not isinstance(value, np.ndarray) or value.dtype != np.dtype(dtype):
                got = getattr(value, "dtype", type(value).__name__)
                raise CaseDefinitionError(f"{self.id} {side}: output {name!r} is {got}, "
                                          f"expected a numpy {dtype} array")
            checked[name] = value
        return checked

    def compute(self, be, dtype: str = "float64") -> dict:
        """{output: numpy array of `dtype`} computed through backend `be` only.

        An output built from a derivative call must name that call in `ops` (it sets the
        output's tolerance class): one that does not is a CaseDefinitionError saying
        what to add, never an output silently held to the plain-value tolerance.
        """
        if dtype not in DTYPES:
            raise ValueError(f"dtype must be one of {DTYPES}, got {dtype!r}")
        out = self._checked(self.compute_fn(Tracking(be), dtype), dtype,
                            f"compute({be.name}, {dtype})")
        undeclared = {name: value.op for name, value in out.items()
                      if isinstance(value, Derived) and value.op and name not in self.ops}
        if undeclared:
            add = ", ".join(f"{name!r}: {op!r}" for name, op in undeclared.items())
            raise CaseDefinitionError(
                f"{self.id}: output(s) {', '.join(undeclared)} computed with a derivative call "
                f"but not declared in ops; add {add} to the case's ops= (the op sets the "
                f"output's tolerance class)")
        return {name: np.asarray(value) for name, value in out.items()}

    def reference(self) -> dict:
        """{output: float64 array} from SymPy or closed forms; cached, returned as copies."""
        if self._reference_cache is None:
            self._reference_cache = self._checked(self.reference_fn(), "float64", "reference")
        return {k: v.copy() for k, v in self._reference_cache.items()}

    def as_dict(self) -> dict:
        """JSON-able metadata: everything but the two callables."""
        return {"id": self.id, "title": self.title, "section": self.section,
                "chapter": self.chapter, "section_number": self.section_number,
                "order": self.order, "outputs": list(self.outputs), "inputs": self.inputs,
                "ops": dict(self.ops), "figures": [dict(f) for f in self.figures],
                "chapter_variables": dict(self.chapter_variables), "notes": self.notes}


# ---- which outputs come from a derivative call ------------------------------------------

class Derived(np.ndarray):
    """A numpy array computed from a derivative call (`op`: which one). NumPy keeps the
    subclass through indexing, arithmetic, ufuncs and the functions below, so an
    output built from such an array is known to be one; `np.asarray` drops it."""

    op = None

    def __array_finalize__(self, obj):
        self.op = getattr(obj, "op", None)

    def __array_function__(self, func, types, args, kwargs):   # np.stack, np.where, ...
        out = super().__array_function__(func, types, args, kwargs)
        return _derived(out, _op_in((args, kwargs)))


def _op_in(obj):
    """The op of the first Derived array inside nested tuples, lists and dicts."""
    if isinstance(obj, Derived):
        return obj.op
    if isinstance(obj, dict):
        obj = list(obj.values())
    if isinstance(obj, (list, tuple)):
        return next((op for op in map(_op_in, obj) if op), None)
    return None


def _derived(value, op):
    """`value` marked as computed by derivative `op` (arrays, float scalars, tuples)."""
    if op is None:
        return value
    if isinstance(value, tuple):
        return tuple(_derived(v, op) for v in value)
    if isinstance(value, np.floating):
        value = np.asarray(value)
    if isinstance(value, np.ndarray) and not (isinstance(value, Derived) and value.op):
        value = value.view(Derived)
        value.op = op
    return value


class Tracking:
    """A backend as a case's compute sees it: every value a derivative call returns is
    remembered, and `to_numpy` of one gives a `Derived` array. Anything else is the
    backend's own."""

    def __init__(self, be):
        self._be = be
        self._derived: dict = {}   # id -> (op, value), kept alive for one compute

    def __getattr__(self, name):
        attr = getattr(self._be, name)
        return self._tracked(name, attr) if name in OPS else attr

    def _tracked(self, op, make):
        def made(*args, **kwargs):
            fn = make(*args, **kwargs)

            def call(*xs):
                out = fn(*xs)
                for v in _leaves(out[1] if op == "value_and_grad" else out):
                    self._derived[id(v)] = (op, v)
                return out
            return call
        return made

    def to_numpy(self, value):
        arr = self._be.to_numpy(value)
        op, kept = self._derived.get(id(value), (None, None))
        return _derived(arr, op) if kept is value else arr


def _leaves(value):
    return [x for v in value for x in _leaves(v)] if isinstance(value, (tuple, list)) \
        else [value]
def _not_json_data(value, where: str) -> str | None:
    """Where `value` holds something strict JSON cannot (inf, NaN, an object), else None."""
    if isinstance(value, dict):
        for key, item in value.items():
            problem = (f"{where} key {key!r} is not a string" if not isinstance(key, str)
                       else _not_json_data(item, f"{where}[{key!r}]"))
            if problem:
                return problem
        return None
    if isinstance(value, (list, tuple)):
        return next((p for i, v in enumerate(value) if (p := _not_json_data(v, f"{where}[{i}]"))),
                    None)
    if isinstance(value, float) and not np.isfinite(value):
        return f"{where} is {value!r}"
    if value is None or isinstance(value, (str, bool, int, float)):
        return None
    return f"{where} is a {type(value).__name__}"


# ---- inputs -----------------------------------------------------------------------------

def f32_exact(values) -> np.ndarray:
    """float64 array of `values` rounded to the nearest float32 (same input for both dtypes)."""
    return np.asarray(values, dtype=np.float64).astype(np.float32).astype(np.float64)


def random_points(seed: int, k: int, n: int, low: float = -1.0, high: float = 1.0):
    """(k, n) float32-exact points drawn uniformly in [low, high) with numpy's PCG64."""
    rng = np.random.default_rng(seed)
    return f32_exact(rng.uniform(low, high, size=(k, n)))


def describe_points(seed: int, points: np.ndarray, low: float, high: float) -> dict:
    """How random points were drawn, and the points themselves, for `inputs`."""
    return {"seed": seed, "k": int(points.shape[0]), "low": low, "high": high,
            "generator": "numpy.random.default_rng(seed).uniform, rounded to float32",
            "points": points.tolist()}


# ---- compute side helpers ---------------------------------------------------------------

def at_points(be, dtype: str, fn, points) -> np.ndarray:
    """numpy stack of be.to_numpy(fn(be.asarray(p, dtype))) over the rows of `points`."""
    return np.stack([be.to_numpy(fn(be.asarray(p, dtype))) for p in points])


# ---- reference side helpers -------------------------------------------------------------

def mp_eval(expr, symbols, points) -> np.ndarray:
    """Evaluate a SymPy expression or Matrix at points (..., n) with mpmath, to float64.

    Returns shape points.shape[:-1] + the expression's shape. The inputs are
    float64 numbers, converted to mpmath exactly; the expression is evaluated with
    MP_DIGITS digits and rounded once, at the end.
    """
    import mpmath
    import sympy

    points = np.asarray(points, dtype=np.float64)
    is_matrix = isinstance(expr, sympy.MatrixBase)
    shape = tuple(expr.shape) if is_matrix else ()
    if is_matrix and shape[1] == 1:
        shape = (shape[0],)
    flat = list(expr) if is_matrix else [expr]
    fn = sympy.lambdify(list(symbols), flat, modules="mpmath")
    rows = points.reshape(-1, points.shape[-1]) if points.ndim else points.reshape(1, 0)
    out = np.empty((rows.shape[0], len(flat)), dtype=np.float64)
    with mpmath.workdps(MP_DIGITS):
        for i, row in enumerate(rows):
            vals = fn(*[mpmath.mpf(float(v)) for v in row])
            out[i] = [float(mpmath.re(mpmath.mpmathify(v))) for v in vals]
    return out.reshape(points.shape[:-1] + shape)


def sym_grad(expr, symbols):
    import sympy
    return sympy.Matrix([sympy.diff(expr, s) for s in symbols])


def sym_hessian(expr, symbols):
    import sympy
    return sympy.hessian(expr, list(symbols))


def floats(value) -> np.ndarray:
    """float64 array of an exact SymPy value, a list of them, or numbers (evaluated with mpmath)."""
    import sympy

    def one(v):
        return float(sympy.N(v, MP_DIGITS)) if isinstance(v, sympy.Basic) else float(v)

    if isinstance(value, sympy.MatrixBase):
        value = value.tolist() if value.shape[1] != 1 else list(value)
    arr = np.asarray(value, dtype=object)
    flat = [one(v) for v in arr.reshape(-1)]
    return np.asarray(flat, dtype=np.float64).reshape(arr.shape)


# ---- convention cases -------------------------------------------------------------------

@dataclass
class ConventionCase(Case):
    """A point where a derivative is not defined, or a formula hides a trap.

    There is no single reference value: `rules_fn()` gives, per output, the set of
    valid answers (cases/conventions/_rules.py), derived from SymPy or the closed
    form of a subdifferential, never from a framework. The cross-check then tells a
    convention (frameworks differ, every answer valid) from a wrong answer.
    """

    rules_fn: Callable | None = None
    calls: tuple = ()  # the APIs whose use in a chapter's cell points to this case (doc mode)
    scalar_function: Callable | None = None  # fn(xp, v) of the "grad" output, for tests

    def reference(self) -> dict:
        return {}  # the rules stand in for a reference value (see as_dict)

    def rules(self) -> dict:
        rules = self.rules_fn()
        if set(rules) != set(self.outputs):
            raise CaseDefinitionError(f"{self.id}: rules for {sorted(rules)}, outputs "
                                      f"{list(self.outputs)}")
        return rules

    def as_dict(self) -> dict:
        return {**super().as_dict(), "kind": "convention", "rules": self.rules(),
                "calls": list(self.calls)}
