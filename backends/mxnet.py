"""MXNet 1.9.1 backend: mx.np arrays under npx.set_np(), autograd.record / autograd.grad.

First derivatives are MXNet's exact reverse mode. Second derivatives are the hard
part: measured on 1.9.1, autograd.grad(create_graph=True) differentiates a second
time only chains of unary elementwise ops (exp, log, sin, cos, tan, tanh, sqrt,
cbrt, sigmoid, relu, abs, square, reciprocal, log1p, expm1, sinh, cosh, arctan,
arcsin, arccos, arctanh, clip, adding a constant). Everything else a real function
needs raises "Operator _backward_X is non-differentiable": broadcast add, sub, mul
and div, power_scalar, mul_scalar, sum, dot, slicing, reshape, stack, where,
maximum, erf, Activation. Worse, one op is silently wrong: the second derivative
of np.arcsinh comes back with the wrong sign.

So `hessian` and `hvp` always compute central differences of MXNet's exact
reverse-mode gradient (step eps**(1/3) * max(1, |x|) for the dtype, |x| in the
norm the direction is a unit vector of, so truncation and round-off errors balance) and try the native second-order pass too:

* native raised                     -> the central differences are reported, method
                                       "central-difference of reverse-mode gradient (fallback)";
* native disagrees with them        -> the central differences are reported, method
  (beyond the NUMERICAL tolerance)     "... (fallback: native second order disagreed)",
                                       and a warning names the disagreement;
* native agrees                     -> the native value is reported as autodiff.

The verdict is cached per (function, shape, dtype), weakly keyed on the function:
later calls skip a native pass that raised or disagreed (it cost n backward passes
and an n² pure-Python comparison on every call), and where native agreed they
report it after a spot check along one fixed direction (two gradients). A wrong
native number is thus never reported, and `used_methods()` says whenever the
numerical fallback was used, and its method strings are declared `numerical_methods`,
so such outputs are held to the NUMERICAL tolerance.
"""

import warnings
import weakref
from typing import ClassVar

import numpy as onp
from mxnet import autograd, npx
from mxnet import nd as mx_nd
from mxnet import np as mnp
from mxnet.base import MXNetError

from backends.base import Backend, Namespace, numpy_arange

FALLBACK = "central-difference of reverse-mode gradient (fallback)"
FALLBACK_DISAGREED = ("central-difference of reverse-mode gradient "
                      "(fallback: native second order disagreed)")
NATIVE_SECOND = ("reverse-over-reverse (autograd.grad create_graph=True), "
                 "cross-checked against the gradient's differences")


def _asarray(data, dtype=None):
    if isinstance(data, mnp.ndarray):
        return data if dtype is None else data.astype(dtype)
    if isinstance(data, (list, tuple)) and any(isinstance(d, mnp.ndarray) for d in data):
        return mnp.stack([_asarray(d, dtype) for d in data])
    arr = onp.asarray(data, dtype=dtype)
    return mnp.array(arr, dtype=arr.dtype)


def _make_xp():
    return Namespace(
        mnp, "mxnet.numpy",
        asarray=_asarray, array=_asarray,
        zeros=lambda shape, dtype="float64": mnp.zeros(shape, dtype=dtype),
        ones=lambda shape, dtype="float64": mnp.ones(shape, dtype=dtype),
        eye=lambda n, m=None, dtype="float64": mnp.eye(n, m, dtype=dtype),
        full=lambda shape, fill_value, dtype="float64": mnp.full(shape, fill_value, dtype=dtype),
        linspace=lambda start, stop, num=50, dtype="float64": mnp.linspace(
            start, stop, num, dtype=dtype),
        arange=numpy_arange(mnp.arange),
        stack=lambda xs, axis=0: mnp.stack(list(xs), axis=axis),
        concatenate=lambda xs, axis=0: mnp.concatenate(list(xs), axis=axis),
    )


_DTYPE_NAMES: dict = {}   # an array's .dtype (a numpy type) -> its name


def _settle():
    """Wait for MXNet's asynchronous engine, so an error is raised by the call that caused
    it, not later. `waitall` raises those errors too (a failing custom op's backward was
    tried) and costs ~30 µs less a call than `wait_to_read` on each gradient (BENCHMARKS.md,
    adapter overhead)."""
    mx_nd.waitall()


def _np(a):
    """autograd.grad hands back legacy NDArrays; the numpy-semantics ops need mx.np arrays."""
    return a if isinstance(a, mnp.ndarray) else a.as_np_ndarray()


def _size(shape) -> int:
    n = 1
    for d in shape:
        n *= d
    return n


def _probe(shape, dtype):
    """A fixed direction with every component non-zero, unit 2-norm: spot checks along it
    see every column of a Hessian."""
    d = onp.random.default_rng(0).uniform(0.5, 1.5, _size(shape))
    return (d / onp.linalg.norm(d)).astype(dtype).reshape(shape)


def _unit(shape, k: int, dtype):
    e = onp.zeros(_size(shape), dtype=dtype)
    e[k] = 1
    return mnp.array(e.reshape(shape), dtype=dtype)


class MxnetBackend(Backend):
    name = "mxnet"
    distribution = "mxnet"
    methods: ClassVar[dict[str, str]] = {
        "grad": "reverse (autograd.record + backward)",
        "value_and_grad": "reverse (autograd.record + autograd.grad)",
        "jacobian": "reverse (autograd.grad, one pass per output element)",
        "hessian": f"{NATIVE_SECOND} where MXNet 1.9.1 supports it, else {FALLBACK}",
        "hvp": f"{NATIVE_SECOND} where MXNet 1.9.1 supports it, else {FALLBACK}",
    }
    # the fallbacks, and the declared second order (it may be the fallback)
    numerical_methods: ClassVar[frozenset[str]] = frozenset(
        {FALLBACK, FALLBACK_DISAGREED, methods["hessian"], methods["hvp"]})

    def _load(self):
        npx.set_np()
        self._last: dict[str, str] = {}
        self.fallback_log: list[tuple[str, str]] = []   # (op, why) for every fallback decision
        # user function -> {(op, shape, dtype): method}; weak keys, so a function's cached
        # decisions go with it and never carry over to another function
        self._decisions = weakref.WeakKeyDictionary()

    def _make_xp(self):
        return _make_xp()

    def _asarray(self, data, dtype):
        return _asarray(data, dtype)

    def _dtype_of(self, x):
        # every grad call asks: onp.dtype(x.dtype).name costs ~3 µs, the lookup ~0.8 µs
        if not isinstance(x, mnp.ndarray):
            return None
        dtype = x.dtype
        name = _DTYPE_NAMES.get(dtype)
        if name is None:
            name = _DTYPE_NAMES[dtype] = onp.dtype(dtype).name
        return name

    def to_numpy(self, value):
        return value.asnumpy() if hasattr(value, "asnumpy") else onp.asarray(value)

    def _last_method(self, op):
        return self._last.get(op, self.methods[op])

    @staticmethod
    def _watched(args, argnums):
        """Copies of the differentiated args with gradient buffers (the caller's stay clean)."""
        args = list(args)
        xs = []
        for i in argnums:
            args[i] = args[i].copy()
            args[i].attach_grad()
            xs.append(args[i])
        return args, xs

    def _value_and_grad(self, f, argnums):
        def value_and_grad(*args):
            args, xs = self._watched(args, argnums)
            with autograd.record():
                y = f(*args)
            grads = tuple(_np(g) for g in autograd.grad(y, xs, retain_graph=False))
            _settle()
            return y, grads
        return value_and_grad

    def _grad(self, f, argnums, single):
        # backward() and x.grad, MXNet's own idiom: autograd.grad plus the conversion of
        # its legacy NDArrays cost 10-20% per call at n = 100-1e4 (BENCHMARKS.md)
        if self._overrides("_value_and_grad", MxnetBackend):
            return super()._grad(f, argnums, single)

        def grad(*args):
            args, xs = self._watched(args, argnums)
            with autograd.record():
                y = f(*args)
            y.backward()
            grads = [_np(x.grad) for x in xs]
            _settle()
            return grads[0] if single else tuple(grads)
        return grad

    def _jacobian(self, h, argnums):
        def jacobian(*args):
            args, xs = self._watched(args, argnums)
            with autograd.record():
                y = h(*args)
            out_shape = tuple(y.shape)
            rows = [[] for _ in xs]
            for k in range(_size(out_shape)):
                grads = autograd.grad(y, xs, head_grads=_unit(out_shape, k, y.dtype),
                                      retain_graph=True)
                for r, g in zip(rows, grads):
                    r.append(_np(g))
            jacs = []
            for x, r in zip(xs, rows):
                jac = (mnp.stack(r) if r else mnp.zeros((0,) + tuple(x.shape), dtype=x.dtype))
                jacs.append(jac.reshape(out_shape + tuple(x.shape)))
                jacs[-1].wait_to_read()
            return tuple(jacs)
        return jacobian

    # ---- second order --------------------------------------------------------------------
    @staticmethod
    def _gradient(f):
        """x (an mx.np array this adapter owns) -> MXNet's reverse-mode gradient, on the
        MXNet side: no host round trip and no argument copy per evaluation (2n of them
        per Hessian)."""
        def gradient(x):
            x.attach_grad()
            with autograd.record():
                y = f(x)
            y.backward()
            return x.grad
        return gradient

    @staticmethod
    def _step(x, norm=None):
        """Central-difference step for the dtype: eps**(1/3) scaled by the input's size,
        measured in the norm the direction is normalised in (max-norm for the Hessian's
        unit vectors e_k, 2-norm for the HVP's v/|v|_2). Mixing max|x| with a 2-norm
        direction made the step too small by up to sqrt(n) and the HVP's round-off grow
        like sqrt(n): 4e-6 at n = 1e6 in float64, beyond float32's tolerance at n ~ 100."""
        eps = onp.finfo(x.dtype).eps
        if x.size == 0:
            size = 0.0
        elif norm == 2:
            x64 = x.astype(onp.float64, copy=False)
            size = float(mnp.sqrt(mnp.sum(x64 * x64)))
        else:
            size = float(mnp.max(mnp.abs(x)))
        return (eps ** (1 / 3)) * max(1.0, size)

    def _fd_directional(self, gradient, x, direction, norm=None):
        """(g(x + h d) - g(x - h d)) / (2 h) in x's dtype, h as represented in that dtype;
        `norm`: the norm `direction` has unit length in (see `_step`)."""
        h = float(onp.dtype(x.dtype).type(self._step(x, norm)))
        return (gradient(x + h * direction) - gradient(x - h * direction)) / (2 * h)

    def _native_second(self, f, x, heads):
        """autograd.grad of the recorded gradient, once per head (each an array like x)."""
        x_ = x.copy()
        x_.attach_grad()
        with autograd.record():
            y = f(x_)
            (g,) = autograd.grad(y, [x_], create_graph=True, retain_graph=True)
        out = [autograd.grad(g, [x_], head_grads=head, retain_graph=True)[0].asnumpy()
               for head in heads]
        return out

    # ---- the native-versus-fallback decision, made once per (function, shape, dtype) ------
    def _decided(self, f, op, shape, dtype):
        """The method an earlier call settled on for (f, op, shape, dtype), or None."""
        try:
            return self._decisions.get(getattr(f, "__wrapped__", f), {}).get((op, shape, dtype))
        except TypeError:   # f cannot be weakly referenced: decide on every call
            return None

    def _decide(self, f, op, shape, dtype, method):
        try:
            self._decisions.setdefault(getattr(f, "__wrapped__", f), {})[(op, shape, dtype)] = method
        except TypeError:
            pass

    def _choose(self, f, op, shape, native, fallback, dtype):
        """Report native only where it ran and agrees with the differences of the gradient;
        the verdict is cached for (f, shape, dtype), so later calls skip a native pass that
        raises or was wrong (the costly part: n backward passes, an n² pure-Python compare)."""
        if isinstance(native, Exception):
            why = str(native).strip().splitlines()[-1][:200]
            method = FALLBACK
        else:
            check = self.agrees_numerically(native, fallback, dtype)
            if check.ok:
                self._last[op] = NATIVE_SECOND
                self._decide(f, op, shape, dtype, NATIVE_SECOND)
                return native
            why = (f"MXNet's native {op} disagrees with differences of its gradient: "
                   f"{check.describe()}")
            warnings.warn(why, RuntimeWarning, stacklevel=4)
            method = FALLBACK_DISAGREED
        self._last[op] = method
        self._decide(f, op, shape, dtype, method)
        self.fallback_log.append((op, why))
        return fallback

    def _hessian(self, f):
        gradient = self._gradient(f)

        def fd_hessian(x, shape, n, dtype):
            """Symmetrised central differences, one column per unit vector (mx.np array)."""
            if n == 0:
                return mnp.zeros(shape + shape, dtype=dtype)
            eye = mnp.eye(n, dtype=dtype)
            cols = [self._fd_directional(gradient, x, eye[k].reshape(shape)).reshape(n)
                    for k in range(n)]
            fd = mnp.stack(cols, axis=1)
            return ((fd + fd.T) / 2).astype(dtype).reshape(shape + shape)

        def native_hessian(x, shape, n, dtype):
            rows = self._native_second(f, x, [_unit(shape, k, dtype) for k in range(n)])
            native = onp.stack([r.reshape(n) for r in rows]) if rows else onp.zeros((0, 0))
            return native.astype(dtype).reshape(shape + shape)

        def hessian(x):
            shape, n, dtype = tuple(x.shape), x.size, onp.dtype(x.dtype)
            decided = self._decided(f, "hessian", shape, dtype.name)
            if decided in (FALLBACK, FALLBACK_DISAGREED):
                self._last["hessian"] = decided
                fd = fd_hessian(x, shape, n, dtype)
                fd.wait_to_read()   # MXNet is asynchronous: raise errors here, not later
                return fd
            try:
                native = native_hessian(x, shape, n, dtype)
            except MXNetError as exc:
                native = exc
            if decided == NATIVE_SECOND and not isinstance(native, Exception) and n:
                # settled on native: spot-check it along one direction (2 gradients, not
                # 2n), so a native value wrong at this x is still never reported
                d = _probe(shape, dtype)
                fd_d = self._fd_directional(gradient, x, mnp.array(d, dtype=dtype), norm=2)
                hd = (native.reshape(n, n).astype(onp.float64) @ d.reshape(n)).reshape(shape)
                if self.agrees_numerically(hd, fd_d.asnumpy(), dtype.name).ok:
                    self._last["hessian"] = NATIVE_SECOND
                    return mnp.array(native, dtype=dtype)
            fd = fd_hessian(x, shape, n, dtype)
            fd_host = fd.asnumpy()
            chosen = self._choose(f, "hessian", shape, native, fd_host, dtype.name)
            return fd if chosen is fd_host else mnp.array(chosen, dtype=dtype)
        return hessian

    def _hvp(self, f):
        gradient = self._gradient(f)

        def hvp(x, v):
            shape, dtype = tuple(x.shape), onp.dtype(x.dtype)
            v64 = v.astype(onp.float64, copy=False)   # copy=False: no 8 MB copies at n = 1e6
            norm = float(mnp.sqrt(mnp.sum(v64 * v64))) if v.size else 0.0
            if norm == 0.0:
                fd = mnp.zeros(shape, dtype=dtype)
            else:
                direction = (v / float(dtype.type(norm))).astype(dtype, copy=False)
                fd = (self._fd_directional(gradient, x, direction, norm=2)
                      * float(dtype.type(norm))).astype(dtype, copy=False)
            decided = self._decided(f, "hvp", shape, dtype.name)
            if decided in (FALLBACK, FALLBACK_DISAGREED):   # native raised or was wrong
                self._last["hvp"] = decided
                fd.wait_to_read()
                return fd
            try:   # undecided or native so far: the differences above cross-check it
                (native,) = self._native_second(f, x, [v])
                native = native.astype(dtype)
            except MXNetError as exc:
                native = exc
            fd_host = fd.asnumpy()
            chosen = self._choose(f, "hvp", shape, native, fd_host, dtype.name)
            return fd if chosen is fd_host else mnp.array(chosen, dtype=dtype)
        return hvp


ADAPTER = MxnetBackend
