"""Adapter conformance, written once and run in every backend's environment.

`python -m harness pytest NAME -- tests/backends` loads backend NAME as `be`.
Every expected value is a closed form evaluated in float64 NumPy at the very
(float32-rounded) inputs the backend saw; tolerances come only from
harness.common.tolerances, chosen by dtype and by the method the backend reports it used.
"""

import importlib.util
import warnings

import pytest

np = pytest.importorskip("numpy")

import backends
from backends.base import InputError
from harness.common.tolerances import (
    NUMERICAL,
    compare,
    looser,
    tolerance,
)
from harness.facts import BACKENDS, FRAMEWORK_MODULES
from harness.facts import DERIVATIVE_OPS as OPS


# ---- the comparison every test uses -------------------------------------------------------
def tolerance_for(be, op, dtype):
    """The loosest tolerance over the methods `be` reports it used for `op` since reset."""
    methods = be.used_methods().get(op)
    assert methods, f"{be.name} did not record a method for {op}: {be.used_methods()}"
    tol = tolerance(dtype, be.method_class(methods[0]))
    for m in methods[1:]:
        tol = looser(tol, tolerance(dtype, be.method_class(m)))
    return tol


def assert_close(be, actual, expected, dtype, op=None):
    """actual (a backend value) equals the float64 closed form within the tolerance of
    (dtype, method of `op`); `op=None` means a plain value (EXACT). Checks the dtype too."""
    got = be.to_numpy(actual)
    assert isinstance(got, np.ndarray), f"to_numpy gave {type(got)}"
    assert got.dtype == np.dtype(dtype), f"{op or 'value'} came back {got.dtype}, not {dtype}"
    tol = tolerance(dtype) if op is None else tolerance_for(be, op, dtype)
    result = compare(got, np.asarray(expected, dtype=np.float64), tol)
    assert result.ok, f"{op or 'value'} ({dtype}, {tol}): {result.describe()}"


# ---- closed forms ---------------------------------------------------------------------------
A = np.array([[1.0, 2.0, -0.5], [0.25, 3.0, 1.0], [2.0, -1.5, 4.0]])    # non-symmetric
B = np.array([[1.5, -2.0, 0.5], [0.0, 0.75, -1.25]])                    # 2 x 3
C = np.array([0.5, -1.25, 2.0])
W = np.array([[0.5, -0.3, 0.8, 0.1], [-0.6, 0.2, 0.4, -0.9], [0.7, 0.5, -0.2, 0.3]])
BIAS = np.array([0.1, -0.2, 0.05])
V = np.array([1.2, -0.7, 0.4])


def _softmax(x):
    e = np.exp(x - x.max())
    return e / e.sum()


class Problem:
    """A scalar function written with xp, its input and its closed-form derivatives."""

    def __init__(self, name, x, build, value, grad, hess):
        self.name, self.x = name, np.asarray(x, dtype=np.float64)
        self.build, self.value, self.grad, self.hess = build, value, grad, hess

    def __repr__(self):
        return self.name


def _gauss_hess(v):
    x, y = v
    e = np.exp(-x * x - y * y)
    return e * np.array([[4 * x**3 - 6 * x, -2 * y * (1 - 2 * x * x)],
                         [-2 * y * (1 - 2 * x * x), 4 * x * y * y - 2 * x]])


def _net_parts(x):
    a = np.tanh(W @ x + BIAS)
    return a, 1 - a * a


PROBLEMS = [
    Problem("linear", [0.3, -0.7, 1.1],
            lambda be, xp, k: (lambda x: xp.sum(k(C) * x)),
            lambda x: C @ x, lambda x: C, lambda x: np.zeros((3, 3))),
    Problem("quadratic", [0.3, -0.7, 1.1],
            lambda be, xp, k: (lambda x: xp.dot(x, xp.matmul(k(A), x)) + xp.dot(k(C), x)),
            lambda x: x @ A @ x + C @ x, lambda x: (A + A.T) @ x + C, lambda x: A + A.T),
    Problem("log-sum-exp", [0.1, -0.4, 0.7, 0.2],
            lambda be, xp, k: (lambda x: xp.log(xp.sum(xp.exp(x)))),
            lambda x: np.log(np.exp(x).sum()), _softmax,
            lambda x: np.diag(_softmax(x)) - np.outer(_softmax(x), _softmax(x))),
    Problem("x*exp(-x^2-y^2)", [0.3, -0.6],
            lambda be, xp, k: (lambda v: v[0] * xp.exp(-v[0] ** 2 - v[1] ** 2)),
            lambda v: v[0] * np.exp(-v[0] ** 2 - v[1] ** 2),
            lambda v: np.exp(-v[0] ** 2 - v[1] ** 2) * np.array(
                [1 - 2 * v[0] ** 2, -2 * v[0] * v[1]]),
            _gauss_hess),
    Problem("tanh network", [0.4, -0.2, 0.9, -0.5],
            lambda be, xp, k: (lambda x: xp.dot(k(V), xp.tanh(xp.matmul(k(W), x) + k(BIAS)))),
            lambda x: V @ np.tanh(W @ x + BIAS),
            lambda x: W.T @ (V * _net_parts(x)[1]),
            lambda x: W.T @ np.diag(-2 * V * _net_parts(x)[0] * _net_parts(x)[1]) @ W),
]


def _setup(be, problem, dtype):
    """(f on the backend, x on the backend, x as float64 after rounding to dtype)."""
    def k(const):
        return be.asarray(const, dtype)
    x64 = problem.x.astype(dtype).astype(np.float64)
    return problem.build(be, be.xp, k), be.asarray(problem.x, dtype), x64


# ---- derivatives against closed forms --------------------------------------------------------
@pytest.mark.parametrize("problem", PROBLEMS, ids=repr)
def test_grad_and_value(be, problem, dtype):
    f, x, x64 = _setup(be, problem, dtype)
    be.reset_used_methods()
    assert_close(be, be.grad(f)(x), problem.grad(x64), dtype, "grad")
    value, g = be.value_and_grad(f)(x)
    assert_close(be, value, problem.value(x64), dtype)
    assert_close(be, g, problem.grad(x64), dtype, "value_and_grad")


@pytest.mark.parametrize("problem", PROBLEMS, ids=repr)
def test_hessian_and_hvp(be, problem, dtype):
    f, x, x64 = _setup(be, problem, dtype)
    rng = np.random.default_rng(7)
    v64 = rng.standard_normal(problem.x.shape).astype(dtype).astype(np.float64)
    be.reset_used_methods()
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)   # a native/fallback disagreement must not happen here
        hess = be.hessian(f)(x)
        hv = be.hvp(f)(x, be.asarray(v64, dtype))
    assert_close(be, hess, problem.hess(x64), dtype, "hessian")
    assert_close(be, hv, problem.hess(x64) @ v64, dtype, "hvp")


def test_hvp_of_least_squares_in_float32(be):
    """‖X − UV‖² as a function of V (X 32×40, U 32×10, n = 400), float32, at a point with
    spread-out entries (±1: ‖x‖₂ = 20, max|x| = 1): H w = 2 UᵀU W in closed form. MXNet's
    central-difference HVP must step by ‖x‖₂ along the unit direction w/‖w‖₂; stepping by
    max|x| made its round-off grow like √n (2–5× the float32 NUMERICAL tolerance here)."""
    if be.name == "numpy":
        pytest.skip("the reference's numdifftools HVP takes ~90 s at n = 400")
    xp, rank, cols = be.xp, 10, 40
    rng = np.random.default_rng(0)
    U64, X64 = (rng.standard_normal(s).astype(np.float32).astype(np.float64)
                for s in ((32, rank), (32, cols)))
    x64 = np.sign(rng.standard_normal(rank * cols))
    w64 = rng.standard_normal(rank * cols).astype(np.float32).astype(np.float64)
    U, X = be.asarray(U64, "float32"), be.asarray(X64, "float32")

    def least_squares(v):
        R = X - xp.matmul(U, xp.reshape(v, (rank, cols)))
        return xp.sum(R * R)
    be.reset_used_methods()
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        hv = be.hvp(least_squares)(be.asarray(x64, "float32"), be.asarray(w64, "float32"))
    if be.name == "mxnet":     # MXNet 1.9.1 cannot differentiate matmul twice
        assert be.used_methods()["hvp"] == [FALLBACK]
    assert_close(be, hv, (2 * U64.T @ U64 @ w64.reshape(rank, cols)).ravel(), "float32", "hvp")


JACOBIANS = [
    ("linear map 2x3", [0.3, -0.7, 1.1], lambda xp, k: (lambda x: xp.matmul(k(B), x)),
     lambda x: B),
    ("tanh layer", [0.4, -0.2, 0.9, -0.5],
     lambda xp, k: (lambda x: xp.tanh(xp.matmul(k(W), x) + k(BIAS))),
     lambda x: np.diag(_net_parts(x)[1]) @ W),
    ("softmax", [0.1, -0.4, 0.7, 0.2], lambda xp, k: (lambda x: xp.exp(x) / xp.sum(xp.exp(x))),
     lambda x: np.diag(_softmax(x)) - np.outer(_softmax(x), _softmax(x))),
]


@pytest.mark.parametrize("name, x, build, jac", JACOBIANS, ids=[j[0] for j in JACOBIANS])
def test_jacobian(be, dtype, name, x, build, jac):
    h = build(be.xp, lambda c: be.asarray(c, dtype))
    x64 = np.asarray(x).astype(dtype).astype(np.float64)
    be.reset_used_methods()
    assert_close(be, be.jacobian(h)(be.asarray(x, dtype)), jac(x64), dtype, "jacobian")


def test_grad_of_several_arguments(be, dtype):
    """argnums=(0, 1, 2, 3) of v . tanh(W x + b): one gradient per argument, in order."""
    xp = be.xp

    def net(w, b, v, x):
        return xp.dot(v, xp.tanh(xp.matmul(w, x) + b))
    x = np.array([0.4, -0.2, 0.9, -0.5])
    args = [be.asarray(a, dtype) for a in (W, BIAS, V, x)]
    w64, b64, v64, x64 = (np.asarray(a, dtype=dtype).astype(np.float64) for a in (W, BIAS, V, x))
    a = np.tanh(w64 @ x64 + b64)
    delta = v64 * (1 - a * a)
    be.reset_used_methods()
    grads = be.grad(net, argnums=(0, 1, 2, 3))(*args)
    assert isinstance(grads, tuple) and len(grads) == 4
    for got, want in zip(grads, (np.outer(delta, x64), delta, a, w64.T @ delta)):
        assert_close(be, got, want, dtype, "grad")
    g_x = be.grad(net, argnums=3)(*args)
    assert_close(be, g_x, w64.T @ delta, dtype, "grad")


def test_scalar_input(be, dtype):
    """0-d inputs: derivatives are 0-d too."""
    xp = be.xp
    x = be.asarray(0.4, dtype)
    x64 = float(np.float32(0.4)) if dtype == "float32" else 0.4
    be.reset_used_methods()
    g = be.grad(lambda t: xp.sin(t) * xp.exp(t))(x)
    assert be.to_numpy(g).shape == ()
    assert_close(be, g, np.exp(x64) * (np.sin(x64) + np.cos(x64)), dtype, "grad")
    h = be.hessian(lambda t: xp.exp(xp.sin(t)))(x)
    assert be.to_numpy(h).shape == ()
    assert_close(be, h, np.exp(np.sin(x64)) * (np.cos(x64) ** 2 - np.sin(x64)), dtype, "hessian")


def test_caches_do_not_leak_between_functions(be):
    """Two functions (same shapes, even the same code with different constants) through
    one adapter each give their own derivatives, also when called alternately."""
    xp = be.xp
    x64 = np.array([0.3, -0.7, 1.1])
    x = be.asarray(x64)

    def scaled(c):
        return lambda t: c * xp.sum(t * t * t)
    f1, f2 = scaled(1.0), scaled(3.0)
    f3 = lambda t: xp.sum(xp.sin(t))
    calls = {"grad": be.grad, "hessian": be.hessian}
    for _ in range(2):
        for c, f in ((1.0, f1), (3.0, f2)):
            be.reset_used_methods()
            assert_close(be, calls["grad"](f)(x), 3 * c * x64 ** 2, "float64", "grad")
            assert_close(be, calls["hessian"](f)(x), np.diag(6 * c * x64), "float64", "hessian")
        be.reset_used_methods()
        assert_close(be, be.grad(f3)(x), np.cos(x64), "float64", "grad")
    g1, g2 = be.grad(f1), be.grad(f2)     # built once, called alternately
    be.reset_used_methods()
    for _ in range(2):
        assert_close(be, g1(x), 3 * x64 ** 2, "float64", "grad")
        assert_close(be, g2(x), 9 * x64 ** 2, "float64", "grad")
    j1, j2 = be.jacobian(lambda t: 2.0 * t), be.jacobian(lambda t: t * t)
    be.reset_used_methods()
    assert_close(be, j1(x), 2 * np.eye(3), "float64", "jacobian")
    assert_close(be, j2(x), np.diag(2 * x64), "float64", "jacobian")


def test_comparison_rejects_a_wrong_derivative(be, dtype):
    """The check above is not vacuous: a derivative off by 1% (beyond every tolerance,
    numerical ones included) is rejected, and so is a transposed Jacobian."""
    problem = PROBLEMS[1]
    f, x, x64 = _setup(be, problem, dtype)
    be.reset_used_methods()
    g = be.grad(f)(x)
    assert_close(be, g, problem.grad(x64), dtype, "grad")
    with pytest.raises(AssertionError, match="grad"):
        assert_close(be, g, problem.grad(x64) * 1.01, dtype, "grad")
    hess = be.hessian(f)(x)
    with pytest.raises(AssertionError, match="hessian"):
        assert_close(be, hess, A, dtype, "hessian")    # A instead of A + A^T
    jac = be.jacobian(lambda t: be.xp.matmul(be.asarray(A, dtype), t))(x)
    with pytest.raises(AssertionError, match="jacobian"):
        assert_close(be, jac, A.T, dtype, "jacobian")


# ---- dtypes, methods, the xp namespace -------------------------------------------------------
def test_dtypes_are_kept(be, dtype):
    xp = be.xp
    f = PROBLEMS[2].build(be, xp, None)
    x = be.asarray([0.1, -0.4, 0.7], dtype)
    outs = {"asarray": x, "grad": be.grad(f)(x), "hessian": be.hessian(f)(x),
            "hvp": be.hvp(f)(x, x), "jacobian": be.jacobian(lambda t: xp.exp(t))(x),
            "value": be.value_and_grad(f)(x)[0]}
    for name, out in outs.items():
        got = be.to_numpy(out)
        assert isinstance(got, np.ndarray), name
        assert got.dtype == np.dtype(dtype), f"{name}: {got.dtype}"


def test_float32_survives_python_scalars_times_indexed_elements(be):
    """0.3 * x[0] * x[1]: Python floats times 0-d slices must not promote float32 results."""
    xp = be.xp
    x = be.asarray([0.5, -1.0], "float32")

    def f(t):
        return 0.3 * t[0] * t[1] + xp.sum(t * t)
    be.reset_used_methods()
    hess = np.array([[2.0, 0.3], [0.3, 2.0]])
    assert_close(be, be.grad(f)(x), [2 * 0.5 - 0.3, 2 * -1.0 + 0.15], "float32", "grad")
    assert_close(be, be.hessian(f)(x), hess, "float32", "hessian")
    assert_close(be, be.hvp(f)(x, be.asarray([1.0, 0.0], "float32")), hess[:, 0], "float32",
                 "hvp")


def test_torch_jvp_float64_promotion_is_still_there(be):
    """The torch quirk the adapter's hvp casts away (see backends/torch.py). When this
    fails, torch fixed it and the cast can go."""
    if be.name != "torch":
        pytest.skip("torch finding")
    import torch
    x = torch.tensor([0.5, -1.0], dtype=torch.float32)
    v = torch.tensor([1.0, 0.0], dtype=torch.float32)
    g = torch.func.grad(lambda t: 0.3 * t[0] * t[1])
    assert torch.func.jvp(g, (x,), (v,))[1].dtype == torch.float64


def test_methods_are_declared_and_recorded(be):
    assert set(OPS) <= set(be.methods), be.methods
    assert be.name == be.name.lower() and be.version not in ("", None)
    be.reset_used_methods()
    assert be.used_methods() == {}
    x = be.asarray([0.1, 0.2])
    be.grad(lambda t: be.xp.sum(t * t))(x)
    used = be.used_methods()
    assert list(used) == ["grad"] and len(used["grad"]) == 1
    assert used["grad"][0] in be.method_variants("grad"), (used, be.methods)
    kinds = {be.method_class(m) for m in used["grad"]}
    assert kinds == ({NUMERICAL} if be.name == "numpy" else {"exact"})


def test_xp_namespace_matches_numpy(be):
    """What base.py promises about xp, checked against NumPy itself."""
    xp = be.xp
    n = be.to_numpy

    def same(got, want):
        got = n(got)
        assert got.shape == np.shape(want) and np.allclose(got, want), (got, want)
        return got

    assert same(xp.linspace(0.0, 1.0, 5), np.linspace(0, 1, 5)).dtype == np.float64
    assert same(xp.arange(0.0, 1.0, 0.25), np.arange(0, 1, 0.25)).dtype == np.float64
    assert n(xp.arange(3)).dtype.kind == "i" and n(xp.arange(1, 7, 2)).tolist() == [1, 3, 5]
    assert same(xp.ones(3), np.ones(3)).dtype == np.float64
    assert same(xp.zeros((2, 2)), np.zeros((2, 2))).dtype == np.float64
    assert same(xp.full(3, 2.5), np.full(3, 2.5)).dtype == np.float64
    assert n(xp.ones(2, dtype="float32")).dtype == np.float32
    assert same(xp.eye(3), np.eye(3)).dtype == np.float64
    assert same(xp.array([1.0, 2.0]), [1.0, 2.0]).dtype == np.float64
    makers = {"zeros": lambda d: xp.zeros(2, dtype=d), "ones": lambda d: xp.ones(2, dtype=d),
              "full": lambda d: xp.full(2, 1.5, dtype=d), "eye": lambda d: xp.eye(2, dtype=d),
              "arange": lambda d: xp.arange(0.0, 1.0, 0.5, dtype=d),
              "linspace": lambda d: xp.linspace(0.0, 1.0, 3, dtype=d),
              "asarray": lambda d: xp.asarray([1.0, 2.0], dtype=d)}
    for name, make in makers.items():
        for d in ("float32", "float64"):
            assert n(make(d)).dtype == np.dtype(d), f"xp.{name}(..., dtype={d!r})"
    a, b = np.linspace(0, 1, 3), np.array([5.0, 6.0])
    for indexing in ("xy", "ij"):
        for got, want in zip(xp.meshgrid(xp.asarray(a), xp.asarray(b), indexing=indexing),
                             np.meshgrid(a, b, indexing=indexing)):
            same(got, want)
    m = np.array([[1.0, -2.0, 3.0], [4.0, 5.0, -6.0]])
    M, u = xp.asarray(m), xp.asarray(np.array([1.0, 0.5, -1.0]))
    same(xp.sum(M), m.sum())
    same(xp.sum(M, axis=0), m.sum(axis=0))
    same(xp.mean(M, axis=1), m.mean(axis=1))
    same(xp.max(M), m.max())
    same(xp.min(M, axis=0), m.min(axis=0))
    same(xp.dot(u, u), 2.25)
    same(xp.dot(M, u), m @ [1.0, 0.5, -1.0])
    same(xp.matmul(M, xp.transpose(M)), m @ m.T)
    same(M @ M.T, m @ m.T)
    same(xp.reshape(M, (3, 2)), m.reshape(3, 2))
    same(xp.stack([u, u], axis=1), np.stack([[1.0, 0.5, -1.0]] * 2, axis=1))
    same(xp.concatenate([u, u]), np.array([1.0, 0.5, -1.0] * 2))
    same(xp.linalg.norm(u), np.sqrt(2.25))
    same(xp.maximum(M, 0.0), np.maximum(m, 0.0))
    same(xp.where(M > 0, M, 0.0), np.where(m > 0, m, 0.0))
    same(xp.exp(xp.log(xp.abs(M))), np.abs(m))
    same(xp.tanh(M) + xp.sin(M) + xp.cos(M) + xp.sqrt(xp.abs(M)),
         np.tanh(m) + np.sin(m) + np.cos(m) + np.sqrt(np.abs(m)))
    same(xp.pi * u, np.pi * np.array([1.0, 0.5, -1.0]))
    x32 = be.asarray([1.0, 2.0], "float32")
    assert n(xp.asarray([3.0], dtype=x32.dtype)).dtype == np.float32
    assert n(2.0 * xp.exp(x32) + xp.pi).dtype == np.float32


# ---- bad input: a clear error, never a number ------------------------------------------------
def test_grad_of_non_scalar_function_is_rejected(be):
    x = be.asarray([1.0, 2.0])
    with pytest.raises(InputError, match="scalar"):
        be.grad(lambda t: t * t)(x)
    with pytest.raises(InputError, match="scalar"):
        be.hessian(lambda t: t * t)(x)
    with pytest.raises(InputError, match="scalar"):
        be.value_and_grad(lambda t: t * t)(x)


def test_integer_inputs_are_rejected(be):
    f = lambda t: be.xp.sum(t * t)
    with pytest.raises(InputError, match="integer"):
        be.grad(f)(be.xp.arange(3))
    with pytest.raises(InputError, match="int"):
        be.asarray([1, 2], dtype="int32")
    with pytest.raises(InputError, match="not a"):
        be.grad(f)([1.0, 2.0])


def test_mismatched_argnums_are_rejected(be):
    f = lambda a, b: be.xp.sum(a * b)
    x = be.asarray([1.0, 2.0])
    with pytest.raises(InputError, match="2 argument"):
        be.grad(f, argnums=(0, 2))(x, x)
    with pytest.raises(InputError, match="repeated"):
        be.grad(f, argnums=(0, 0))
    for bad in ("0", 1.0, (), True, -1):
        with pytest.raises(InputError, match="argnums"):
            be.grad(f, argnums=bad)
    with pytest.raises(InputError, match="one argument"):
        be.hessian(lambda t: be.xp.sum(t))(x, x)
    with pytest.raises(InputError, match="shape"):
        be.hvp(lambda t: be.xp.sum(t * t))(x, be.asarray([1.0, 2.0, 3.0]))


def test_unknown_backend_lists_the_known_ones():
    with pytest.raises(backends.UnknownBackend) as err:
        backends.load("theano")
    for name in BACKENDS:
        assert name in str(err.value)


def test_missing_framework_says_which_environment_to_create(backend_name):
    missing = [n for n, mods in FRAMEWORK_MODULES.items()
               if n != backend_name and any(importlib.util.find_spec(m) is None for m in mods)]
    if not missing:
        pytest.skip("every framework imports here; nothing is missing")
    with pytest.raises(backends.BackendUnavailable) as err:
        backends.load(missing[0])
    assert f"python -m harness envs --create {missing[0]}" in str(err.value)


# ---- the frameworks' own derivative checkers -------------------------------------------------
CHECKED = [p for p in PROBLEMS if p.name != "linear"]


@pytest.mark.parametrize("problem", CHECKED, ids=repr)
def test_framework_checker(be, problem):
    """Each framework's own checker agrees with the gradient and Hessian the adapter gives."""
    f, x, x64 = _setup(be, problem, "float64")
    if be.name == "torch":
        import torch
        xr = x.clone().requires_grad_(True)
        assert torch.autograd.gradcheck(f, (xr,))
        assert torch.autograd.gradgradcheck(f, (xr,))
        assert torch.autograd.gradcheck(be.grad(f), (xr,))   # the adapter's grad, differentiated
    elif be.name == "jax":
        import jax
        from jax.test_util import check_grads
        check_grads(jax.jit(f), (x,), order=2, modes=("rev",))
        check_grads(be.grad(f), (x,), order=1, modes=("fwd",))   # the adapter's grad
    elif be.name == "tensorflow":
        import tensorflow as tf
        theoretical, numerical = tf.test.compute_gradient(be.grad(f), [x])
        be.reset_used_methods()
        hess = be.to_numpy(be.hessian(f)(x))
        assert np.allclose(theoretical[0], hess, rtol=1e-9, atol=1e-11)
        assert np.allclose(numerical[0], hess, rtol=1e-5, atol=1e-6)
        theoretical, numerical = tf.test.compute_gradient(f, [x])
        assert np.allclose(theoretical[0].ravel(), problem.grad(x64), rtol=1e-9, atol=1e-11)
        assert np.allclose(numerical[0].ravel(), theoretical[0].ravel(), rtol=1e-5, atol=1e-6)
    else:
        pytest.skip(f"{be.name} ships no derivative checker for imperative functions")


# ---- MXNet second order: native where it works, a labelled fallback elsewhere ---------------
FALLBACK = "central-difference of reverse-mode gradient (fallback)"


def _mxnet(be):
    if be.name != "mxnet":
        pytest.skip("MXNet's second-order fallback only")


def test_mxnet_native_second_order_where_supported(be, dtype):
    """exp(sin(x)) on a 0-d array: MXNet 1.9.1 differentiates it twice; reported as exact."""
    _mxnet(be)
    from backends.mxnet import NATIVE_SECOND
    xp, x = be.xp, be.asarray(0.4, dtype)
    be.reset_used_methods()
    h = be.hessian(lambda t: xp.exp(xp.sin(t)))(x)
    assert be.used_methods()["hessian"] == [NATIVE_SECOND]
    assert be.method_class(NATIVE_SECOND) == "exact"
    t = float(be.to_numpy(x))
    assert_close(be, h, np.exp(np.sin(t)) * (np.cos(t) ** 2 - np.sin(t)), dtype, "hessian")


def test_mxnet_falls_back_and_says_so(be, dtype):
    """A quadratic form needs dot/sum second derivatives, which MXNet 1.9.1 lacks."""
    _mxnet(be)
    f, x, _x64 = _setup(be, PROBLEMS[1], dtype)
    be.reset_used_methods()
    hess = be.hessian(f)(x)
    assert be.used_methods()["hessian"] == [FALLBACK]
    assert be.method_class(FALLBACK) == NUMERICAL
    assert_close(be, hess, A + A.T, dtype, "hessian")


def test_mxnet_wrong_native_second_derivative_is_never_reported(be, dtype):
    """MXNet 1.9.1's arcsinh'' has the wrong sign without raising: the adapter notices,
    warns, and reports the central differences of the exact gradient instead."""
    _mxnet(be)
    xp, x = be.xp, be.asarray(0.4, dtype)
    t = float(be.to_numpy(x))
    be.reset_used_methods()
    with pytest.warns(RuntimeWarning, match="disagrees"):
        h = be.hessian(lambda s: xp.arcsinh(s))(x)
    (method,) = be.used_methods()["hessian"]
    assert "fallback" in method and be.method_class(method) == NUMERICAL
    assert_close(be, h, -t / (1 + t * t) ** 1.5, dtype, "hessian")


def test_mxnet_decides_once_per_function_shape_and_dtype(be, dtype):
    """After a first call falls back (native raised), later calls of the same function at
    the same shape and dtype skip the native attempt; another function decides afresh."""
    _mxnet(be)
    f, x, _x64 = _setup(be, PROBLEMS[1], dtype)
    tries = []
    native_second = be._native_second
    be._native_second = lambda *a: tries.append(1) or native_second(*a)
    try:
        be.reset_used_methods()
        hessian, hvp = be.hessian(f), be.hvp(f)
        v = be.asarray([1.0, -0.5, 0.25], dtype)
        for _ in range(3):
            assert_close(be, hessian(x), A + A.T, dtype, "hessian")
            assert_close(be, hvp(x, v), (A + A.T) @ [1.0, -0.5, 0.25], dtype, "hvp")
        assert len(tries) == 2, "the native pass was retried after it raised"
        assert be.used_methods() == {"hessian": [FALLBACK], "hvp": [FALLBACK]}
        be.hessian(lambda t: be.xp.sum(t * t * t))(x)
        assert len(tries) == 3, "a decision leaked to another function"
    finally:
        del be._native_second


def test_mxnet_cached_native_decision_still_never_reports_a_wrong_number(be, dtype):
    """arcsinh'' agrees with the differences at 0 (both 0: MXNet's sign error is invisible
    there), so native is chosen; at 0.4 the wrong sign must still be caught, not reported."""
    _mxnet(be)
    xp = be.xp
    f = lambda s: xp.arcsinh(s)
    hessian, hvp = be.hessian(f), be.hvp(f)
    be.reset_used_methods()
    assert float(be.to_numpy(hessian(be.asarray(0.0, dtype)))) == 0.0
    assert float(be.to_numpy(hvp(be.asarray(0.0, dtype), be.asarray(1.0, dtype)))) == 0.0
    x = be.asarray(0.4, dtype)
    t = float(be.to_numpy(x))
    for op, call in (("hessian", lambda: hessian(x)),
                     ("hvp", lambda: hvp(x, be.asarray(1.0, dtype)))):
        be.reset_used_methods()
        with pytest.warns(RuntimeWarning, match="disagrees"):
            got = call()
        (method,) = be.used_methods()[op]
        assert "fallback" in method and be.method_class(method) == NUMERICAL
        assert_close(be, got, -t / (1 + t * t) ** 1.5, dtype, op)


def test_mxnet_raises_an_asynchronous_error_at_the_call_that_caused_it(be):
    """MXNet runs ops asynchronously; grad and value_and_grad wait for the engine before
    returning, so an error in the backward pass (a custom op that raises) comes out of
    that call, not out of a later, unrelated one."""
    _mxnet(be)
    import mxnet as mx

    class Bad(mx.operator.CustomOp):
        def forward(self, is_train, req, in_data, out_data, aux):
            self.assign(out_data[0], req[0], in_data[0])

        def backward(self, req, out_grad, in_data, out_data, in_grad, aux):
            raise ValueError("backward fails")

    @mx.operator.register("harness_bad_backward")
    class BadProp(mx.operator.CustomOpProp):
        def __init__(self):
            super().__init__(need_top_grad=True)

        def list_arguments(self):
            return ["data"]

        def list_outputs(self):
            return ["output"]

        def infer_shape(self, in_shape):
            return in_shape, [in_shape[0]], []

        def create_operator(self, ctx, shapes, dtypes):
            return Bad()

    def f(x):
        out = mx.nd.Custom(x.as_nd_ndarray(), op_type="harness_bad_backward")
        return out.as_np_ndarray().sum()

    from mxnet.base import MXNetError
    x = be.asarray([1.0, 2.0])
    for make in (be.grad, be.value_and_grad):
        with pytest.raises(MXNetError, match="CustomOpBackward"):
            make(f)(x)
    assert be.to_numpy(be.grad(lambda t: be.xp.sum(t * t))(x)).tolist() == [2.0, 4.0]
