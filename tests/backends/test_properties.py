"""The chapter's differentiable functions at many random points, on every backend.

`python -m harness pytest NAME -- tests/backends/test_properties.py` runs this in
NAME's environment. Hypothesis (derandomized: every run draws the same points)
picks float32-representable inputs, so both dtypes and the oracle see the very
same numbers; gradients, values and Hessians are compared with SymPy derivatives
evaluated with mpmath at 50 digits (quadratic forms: their closed forms), within
harness.common.tolerances for the dtype and the method the backend reports it used. A
failure is a finding: Hypothesis prints the smallest point it found.
"""

import warnings

import pytest

np = pytest.importorskip("numpy")
sp = pytest.importorskip("sympy")
mpmath = pytest.importorskip("mpmath")
pytest.importorskip("hypothesis")

from hypothesis import given, settings
from hypothesis import strategies as st
from test_conformance import tolerance_for  # the same per-method tolerance, one definition

from harness.common.tolerances import compare, tolerance

MAX_EXAMPLES = 15   # per test; keeps every environment well under a minute
PROPERTY = settings(derandomize=True, max_examples=MAX_EXAMPLES, deadline=None, database=None)
DIGITS = 50


# ---- the chapter's functions, once in SymPy (the oracle) and once with xp -----------------
class Function:
    """f: R^n -> R on [low, high]^n as a SymPy expression and as a function of be.xp."""

    def __init__(self, name, n, low, high, sympy_f, xp_f):
        self.name, self.n, self.low, self.high = name, n, low, high
        syms = sp.symbols(f"v0:{n}", real=True)
        expr = sympy_f(*syms)
        grad = [sp.diff(expr, s) for s in syms]
        hess = [[sp.diff(g, s) for s in syms] for g in grad]
        self._oracle = sp.lambdify(syms, [expr, grad, hess], modules="mpmath")
        self.xp_f = xp_f

    def exact(self, point):
        """(value, gradient, Hessian) in float64, from 50-digit evaluation at `point`."""
        with mpmath.workdps(DIGITS):
            value, grad, hess = self._oracle(*(mpmath.mpf(float(v)) for v in point))
            return (np.float64(float(value)), np.array([float(g) for g in grad]),
                    np.array([[float(h) for h in row] for row in hess]))

    def __repr__(self):
        return self.name


def _chain(w, x, y, z):
    """The chapter's composed f(u(a, b), v(a, b)) of the backpropagation section."""
    a, b = (w + x + y + z) ** 2, (w + x - y - z) ** 2
    u, v = (a + b) ** 2, (a - b) ** 2
    return (u + v) ** 2


FUNCTIONS = [
    Function("log-sum-exp", 2, -4.0, 4.0,
             lambda x, y: sp.log(sp.exp(x) + sp.exp(y)),
             lambda xp: lambda v: xp.log(xp.exp(v[0]) + xp.exp(v[1]))),
    Function("x*exp(-x^2-y^2)", 2, -2.0, 2.0,
             lambda x, y: x * sp.exp(-x ** 2 - y ** 2),
             lambda xp: lambda v: v[0] * xp.exp(-v[0] ** 2 - v[1] ** 2)),
    Function("chain-rule f(w,x,y,z)", 4, -0.75, 0.75, _chain,
             lambda xp: lambda v: _chain(v[0], v[1], v[2], v[3])),
    Function("3x^4-4x^3-12x^2 (summed over 3 points)", 3, -2.0, 3.0,
             lambda *xs: sum(3 * x ** 4 - 4 * x ** 3 - 12 * x ** 2 for x in xs),
             lambda xp: lambda v: xp.sum(3 * v ** 4 - 4 * v ** 3 - 12 * v ** 2)),
    Function("x^2 y + x y^2", 2, -3.0, 3.0,
             lambda x, y: x ** 2 * y + x * y ** 2,
             lambda xp: lambda v: v[0] ** 2 * v[1] + v[0] * v[1] ** 2),
]


def points(fn):
    """Vectors of float32-representable numbers in the function's box."""
    return st.lists(st.floats(fn.low, fn.high, width=32), min_size=fn.n, max_size=fn.n)


# ---- tolerance and comparison --------------------------------------------------------------
def check(be, got, expected, dtype, op, where):
    arr = be.to_numpy(got)
    assert isinstance(arr, np.ndarray) and arr.dtype == np.dtype(dtype), \
        f"{where}: {op} came back {type(arr).__name__} {getattr(arr, 'dtype', '')}"
    tol = tolerance(dtype) if op == "value" else tolerance_for(be, op, dtype)
    result = compare(arr, np.asarray(expected, dtype=np.float64), tol)
    assert result.ok, f"{where}: {op} ({dtype}, {tol}, {be.used_methods()}): {result.describe()}"


_CALLABLES: dict = {}


def derivatives(be, fn):
    """be.value_and_grad / hessian / hvp of fn, built once (JAX compiles per function)."""
    key = (id(be), fn.name)
    if key not in _CALLABLES:
        f = fn.xp_f(be.xp)
        _CALLABLES[key] = (be.value_and_grad(f), be.hessian(f), be.hvp(f))
    return _CALLABLES[key]


# ---- the properties --------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("fn", FUNCTIONS, ids=repr)
def test_value_gradient_hessian_at_random_points(be, fn, dtype):
    value_and_grad, hessian, hvp = derivatives(be, fn)

    @PROPERTY
    @given(point=points(fn), direction=points(fn))
    def prop(point, direction):
        x64 = np.array(point, dtype=np.float64)   # float32-exact: the same for both dtypes
        v64 = np.array(direction, dtype=np.float64)
        value, grad, hess = fn.exact(x64)
        x, v = be.asarray(x64, dtype), be.asarray(v64, dtype)
        where = f"{fn.name} at {point}"
        be.reset_used_methods()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a fallback is in used_methods
            got_value, got_grad = value_and_grad(x)
            got_hess = hessian(x)
            got_hvp = hvp(x, v)
        check(be, got_value, value, dtype, "value", where)
        check(be, got_grad, grad, dtype, "value_and_grad", where)
        check(be, got_hess, hess, dtype, "hessian", where)
        check(be, got_hvp, hess @ v64, dtype, "hvp", f"{where}, v={direction}")

    prop()


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_quadratic_forms_at_random_points(be, dtype):
    """f(x) = x'Ax + b'x with random A (not symmetric), b, x: grad (A+A')x + b, Hessian A+A'."""
    xp = be.xp
    entries = st.floats(-2.0, 2.0, width=32)

    @PROPERTY
    @given(a=st.lists(entries, min_size=9, max_size=9), b=st.lists(entries, min_size=3,
                                                                   max_size=3),
           point=st.lists(entries, min_size=3, max_size=3))
    def prop(a, b, point):
        a64, b64 = np.array(a).reshape(3, 3), np.array(b)
        x64 = np.array(point)
        big_a, small_b = be.asarray(a64, dtype), be.asarray(b64, dtype)

        def f(x):
            return xp.dot(x, xp.matmul(big_a, x)) + xp.dot(small_b, x)

        x = be.asarray(x64, dtype)
        where = f"quadratic form A={a}, b={b} at {point}"
        be.reset_used_methods()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            got_grad = be.grad(f)(x)
            got_hess = be.hessian(f)(x)
        check(be, got_grad, (a64 + a64.T) @ x64 + b64, dtype, "grad", where)
        check(be, got_hess, a64 + a64.T, dtype, "hessian", where)

    prop()
