"""What every backend adapter shares; an adapter writes only where its framework differs.

`Backend` validates inputs once for all frameworks (dtype names, integer inputs,
argnums, scalar outputs), records which derivative method each call really used
(`reset_used_methods()` / `used_methods()`, the source of every tolerance) and
provides a default `hvp` (the Hessian contracted with v). Standard library only:
the framework is imported by the adapter module.

`be.xp` is the framework's NumPy-like namespace, wrapped thinly (`Namespace`) so
that one function definition runs on every backend. Besides the usual elementwise
functions (exp, log, tanh, sin, cos, sqrt, abs, maximum, where) and arithmetic
operators, every `xp` guarantees, with NumPy's meaning:

    asarray(data, dtype=None)           dtype: "float32"/"float64" or the framework's dtype
    zeros(shape, dtype="float64"), ones(...), full(shape, value, dtype="float64")
    zeros_like(x), ones_like(x), eye(n, m=None, dtype="float64")
    linspace(start, stop, num=50, dtype="float64")
    arange(start, stop=None, step=1, dtype="float64")
    meshgrid(*xs, indexing="xy" | "ij")
    sum(x, axis=None), mean(x, axis=None), max(x, axis=None), min(x, axis=None)
    dot(a, b) (1-D . 1-D, 2-D . 1-D, 2-D . 2-D), matmul(a, b) and a @ b
    transpose(x, axes=None), x.T (2-D), reshape(x, shape), stack(xs, axis=0),
    concatenate(xs, axis=0)
    linalg.norm(x) (2-norm of a vector), pi, float32, float64

Default dtype is float64 everywhere (NumPy's), so constants built without a dtype
promote float32 work to float64: pass `dtype=x.dtype` inside float32 functions.
"""

import importlib.metadata
import os
from typing import ClassVar

from backends import BackendError
from harness.facts import DERIVATIVE_OPS as OPS  # noqa: F401 - re-exported for adapters
from harness.facts import DTYPES, EXACT, NUMERICAL


class InputError(BackendError, ValueError):
    """Bad input to a derivative call: never differentiated into a wrong number."""


class Namespace:
    """A module seen through a thin layer: attributes set here override the module's."""

    def __init__(self, module, name: str, **overrides):
        self.__dict__["_module"] = module
        self.__dict__["__name__"] = name
        self.__dict__.update(overrides)

    def __getattr__(self, attr):  # only reached when the override layer lacks attr
        value = getattr(self.__dict__["_module"], attr)
        if callable(value) and not isinstance(value, type(self.__dict__["_module"])):
            # kept here: a case's every xp.sum / xp.reshape in an eager framework (MXNet,
            # torch) paid this Python call; the module's functions do not change
            self.__dict__[attr] = value
        return value

    def __dir__(self):
        return sorted(set(dir(self.__dict__["_module"])) | set(self.__dict__))

    def __repr__(self) -> str:
        return f"<xp namespace {self.__name__}>"


def check_dtype(dtype) -> str:
    """The dtype name a request means; only float32 and float64 are differentiable here."""
    name = getattr(dtype, "name", None) or str(dtype)
    name = name.rsplit(".", 1)[-1].replace("'>", "").replace("<class '", "")
    if name not in DTYPES:
        raise InputError(f"dtype {dtype!r} is not supported; use one of {', '.join(DTYPES)}")
    return name


def default_dtype(dtype, *values):
    """NumPy's dtype when none is given (arange): int64 if all values are ints, else float64.

    Frameworks differ here (torch and mx.np default to float32), so xp smooths it.
    """
    if dtype is not None:
        return dtype
    ints = all(isinstance(v, int) and not isinstance(v, bool) for v in values if v is not None)
    return "int64" if ints else "float64"


def numpy_arange(arange):
    """NumPy's arange(start, stop=None, step=1, dtype=None) over a framework's
    arange(start, stop, step, dtype=...), with NumPy's default dtype."""
    def wrapped(start, stop=None, step=1, dtype=None):
        if stop is None:
            start, stop = 0, start
        return arange(start, stop, step, dtype=default_dtype(dtype, start, stop, step))
    return wrapped


def _argnums(argnums) -> tuple[tuple[int, ...], bool]:
    """(tuple of argument indices, whether a single index was given)."""
    if isinstance(argnums, bool):
        raise InputError(f"argnums must be an int or a tuple of ints, not {argnums!r}")
    if isinstance(argnums, int):
        nums, single = (argnums,), True
    elif isinstance(argnums, (tuple, list)) and argnums and all(
            isinstance(n, int) and not isinstance(n, bool) for n in argnums):
        nums, single = tuple(argnums), False
    else:
        raise InputError(f"argnums must be an int or a non-empty tuple of ints, not {argnums!r}")
    if any(n < 0 for n in nums):
        raise InputError(f"argnums must be non-negative, got {argnums!r}")
    if len(set(nums)) != len(nums):
        raise InputError(f"argnums has a repeated index: {argnums!r}")
    return nums, single


EAGER_CALLS_VARIABLE = "HARNESS_EAGER_CALLS"   # overrides an adapter's `eager_calls`


def _size(shape: tuple) -> int:
    n = 1
    for d in shape:
        n *= d if isinstance(d, int) else 1 << 30   # unknown extent: treat as large
    return n


class Staged:
    """A derivative run eagerly for its first calls and compiled after (adapters' policy).

    Tracing and compiling cost tens of milliseconds to seconds per function, more than a
    few eager calls of a small function: the first `eager_calls` calls per input signature
    (shapes and dtypes) run `eager`; the next one builds `compile()` once, and every later
    call runs it. `method` names what the call just made ran; the public calls record it.
    `Staged.fixed` wraps an adapter's single implementation (no policy).
    """

    __slots__ = (
        "_calls",
        "_compile",
        "_compiled_method",
        "_counts",
        "_eager",
        "_key",
        "method",
        "run",
    )

    def __init__(self, eager, compile, eager_calls, methods, signature):
        self._eager, self._compile, self._calls = eager, compile, eager_calls
        self._counts: dict = {}
        self._key = signature
        self.method, self._compiled_method = methods
        self.run = self._eager_phase if eager_calls > 0 else self._switch

    def __call__(self, *args):   # for subclasses that wrap an adapter's hook (super()._grad)
        return self.run(*args)

    @classmethod
    def fixed(cls, run, method):
        staged = cls.__new__(cls)
        staged.run, staged.method = run, method
        return staged

    def _eager_phase(self, *args):
        key = self._key(args)
        if key is None:   # inputs too large for the eager form (`_staged`'s max_size)
            return self._switch(*args)
        calls = self._counts.get(key, 0) + 1
        if calls > self._calls:
            return self._switch(*args)
        self._counts[key] = calls
        return self._eager(*args)

    def _switch(self, *args):
        compiled = self._compile()
        self.run, self.method = compiled, self._compiled_method
        self._eager = self._counts = None
        return compiled(*args)


class Backend:
    """Base of every adapter: validation, method records and the public derivative calls.

    An adapter sets `name`, `distribution`, `methods` and implements the hooks
    `_load()`, `_make_xp()`, `_asarray`, `_dtype_of`, `_shape_of`, `to_numpy`,
    `_value_and_grad`, `_jacobian`, `_hessian` (and optionally `_hvp`).
    """

    name = "base"
    distribution: str | None = None   # the distribution whose version is `version`
    methods: ClassVar[dict[str, str]] = {}   # declared: op -> how it is computed
    # the method strings (declared or used) that are finite differences, not autodiff:
    # their outputs are held to the NUMERICAL tolerance. Declared, never guessed.
    numerical_methods: ClassVar[frozenset[str]] = frozenset()
    # Adapters with a compile step (jit, tf.function) run the first `eager_calls` calls
    # per input signature eagerly (`Staged`); `stages[op]` = (eager, compiled) method.
    eager_calls = 0
    stages: ClassVar[dict[str, tuple[str, str]]] = {}

    def __init__(self):
        self._load()
        self._used: dict[str, list[str]] = {}
        self.xp = self._make_xp()
        self.version = self._version()
        setting = os.environ.get(EAGER_CALLS_VARIABLE, "").strip()
        if setting:
            if not setting.isdigit():
                raise InputError(f"{EAGER_CALLS_VARIABLE}={setting!r}: expected a count "
                                 f"of calls (0 compiles on the first call)")
            self.eager_calls = int(setting)
        if self.stages:
            self.methods = {op: self._policy(op) for op in type(self).methods}

    def _policy(self, op: str) -> str:
        """The declared method of `op`: its stages and when one gives way to the other."""
        if op not in self.stages:
            return type(self).methods[op]
        eager, compiled = self.stages[op]
        if not self.eager_calls:
            return compiled
        return (f"{eager} for the first {self.eager_calls} call(s) per input shape and "
                f"dtype; then {compiled}")

    def method_variants(self, op: str) -> list[str]:
        """Every method string a call of `op` may record (used_methods)."""
        if op in self.stages:
            return list(self.stages[op])
        return [self.methods[op]]

    def _staged(self, op: str, eager, compile, max_size: int | None = None):
        """`compile` under the policy: `eager` first (see `Staged`), only while every
        input has at most `max_size` elements (eager forms whose cost grows faster)."""
        def signature(args):
            key = tuple((self._shape_of(a), self._dtype_of(a) or type(a).__name__)
                        for a in args)
            if max_size is not None and any(_size(shape) > max_size for shape, _ in key):
                return None
            return key
        return Staged(eager, compile, self.eager_calls, self.stages[op], signature)

    # ---- hooks -------------------------------------------------------------------------
    def _load(self) -> None:
        """Import the framework (ImportError -> BackendUnavailable) and configure it."""

    def _make_xp(self):
        raise NotImplementedError

    def _asarray(self, data, dtype: str):
        raise NotImplementedError

    def _dtype_of(self, x) -> str | None:
        """dtype name of a native array, None if `x` is not one of this backend's arrays."""
        raise NotImplementedError

    def _shape_of(self, value) -> tuple:
        return tuple(getattr(value, "shape", ()))

    def to_numpy(self, value):
        """numpy.ndarray of the same dtype (and shape) as a backend value."""
        raise NotImplementedError

    def _value_and_grad(self, f, argnums: tuple[int, ...]):
        """callable(*args) -> (value, tuple of gradients, one per argnum)."""
        raise NotImplementedError

    def _jacobian(self, h, argnums: tuple[int, ...]):
        """callable(*args) -> tuple of Jacobians, each of shape out.shape + arg.shape."""
        raise NotImplementedError

    def _hessian(self, f):
        """callable(x) -> Hessian of shape x.shape + x.shape."""
        raise NotImplementedError

    def _grad(self, f, argnums: tuple[int, ...], single: bool):
        """callable(*args) -> the gradient (a tuple of them unless `single`). Default: the
        gradients of `_value_and_grad`; adapters whose framework has a cheaper gradient-only
        transform override it (returning the value as well costs time: fusion, pytrees),
        and defer to this default where a subclass overrides `_value_and_grad`
        (`_overrides`), so that hook still defines every first derivative."""
        impl = self._stage(self._value_and_grad(f, argnums), "value_and_grad")

        def grad(*args):
            grads = impl.run(*args)[1]
            return grads[0] if single else tuple(grads)
        return grad

    def _overrides(self, hook: str, adapter: type) -> bool:
        """Whether a subclass of `adapter` replaces its `hook` (e.g. a fault-injecting
        backend built on an adapter), so the adapter's shortcuts must not bypass it."""
        return getattr(type(self), hook) is not getattr(adapter, hook)

    def _hvp(self, f):
        """callable(x, v) -> H(x) v. Default: the Hessian contracted with v (say so in
        methods["hvp"])."""
        hess = self._stage(self._hessian(f), "hessian").run
        xp = self.xp

        def hvp(x, v):
            n = 1
            for d in self._shape_of(x):
                n *= d
            h = xp.reshape(hess(x), (n, n))
            return xp.reshape(xp.matmul(h, xp.reshape(v, (n,))), self._shape_of(x))
        return hvp

    # ---- shared machinery --------------------------------------------------------------
    def _version(self) -> str:
        if not self.distribution:
            return "unknown"
        try:
            return importlib.metadata.version(self.distribution)
        except importlib.metadata.PackageNotFoundError:
            return "unknown"

    def asarray(self, data, dtype="float64"):
        """A native array of `data` in float32 or float64 (the only dtypes differentiated)."""
        return self._asarray(data, check_dtype(dtype))

    def reset_used_methods(self) -> None:
        self._used = {}

    def used_methods(self) -> dict[str, list[str]]:
        """op -> the method strings actually used since the last reset, first use first."""
        return {op: list(ms) for op, ms in self._used.items()}

    def method_class(self, method: str | None) -> str:
        """The tolerance class of one of this adapter's method strings: EXACT or NUMERICAL."""
        return NUMERICAL if method in self.numerical_methods else EXACT

    def agrees_numerically(self, actual, expected, dtype: str):
        """The harness's comparison (harness.common.tolerances) of two results at the
        NUMERICAL tolerance of `dtype`: `.ok`, `.describe()`. For adapters that choose
        between their own methods (MXNet's second order)."""
        from harness.common.tolerances import compare, tolerance
        return compare(actual, expected, tolerance(dtype, NUMERICAL))

    def _use(self, op: str, method: str) -> None:
        used = self._used.get(op)
        if used is None:
            self._used[op] = [method]
        elif method not in used:
            used.append(method)

    def _check_args(self, op: str, args: tuple, nums: tuple[int, ...]) -> None:
        """Every call, so kept cheap (adapters make `_dtype_of` a lookup, not a `.name`)."""
        if max(nums) >= len(args):
            raise InputError(f"{op}: argnums={nums if len(nums) > 1 else nums[0]} but the "
                             f"function was called with {len(args)} argument(s)")
        for i in nums:
            dtype = self._dtype_of(args[i])
            if dtype in DTYPES:
                continue
            if dtype is None:
                raise InputError(
                    f"{op}: argument {i} is a {type(args[i]).__module__}."
                    f"{type(args[i]).__qualname__}, not a {self.name} array; "
                    f"make it with be.asarray(data, dtype='float64')")
            raise InputError(
                f"{op}: argument {i} has dtype {dtype}; derivatives need float32 or "
                f"float64 inputs (integer inputs are rejected, not silently cast): "
                f"use be.asarray(data, dtype='float64')")

    def _scalar(self, f, op: str):
        """f, checked to return a scalar (shape ()) before anything is differentiated."""
        def scalar_f(*args):
            out = f(*args)
            shape = self._shape_of(out)
            if shape != ():
                raise InputError(f"{op} needs a scalar-valued function, but "
                                 f"{getattr(f, '__name__', 'f')} returned shape {shape}; "
                                 f"use be.jacobian for vector outputs")
            return out
        scalar_f.__name__ = getattr(f, "__name__", "f")
        scalar_f.__wrapped__ = f   # adapters key per-function caches on the user's f
        return scalar_f

    # ---- public derivative calls -------------------------------------------------------
    def _stage(self, impl, op: str) -> Staged:
        """An adapter's implementation as a `Staged` (hessian/hvp methods: `_last_method`)."""
        if isinstance(impl, Staged):
            return impl
        return Staged.fixed(impl, None if op in ("hessian", "hvp") else self.methods[op])

    def value_and_grad(self, f, argnums=0):
        """callable(*args) -> (f(*args), gradient); a tuple of gradients for tuple argnums."""
        nums, single = _argnums(argnums)
        stage = self._stage(self._value_and_grad(self._scalar(f, "value_and_grad"), nums),
                            "value_and_grad")

        def value_and_grad_f(*args):
            self._check_args("value_and_grad", args, nums)
            value, grads = stage.run(*args)
            self._use("value_and_grad", stage.method)
            return value, (grads[0] if single else tuple(grads))
        return value_and_grad_f

    def grad(self, f, argnums=0):
        """callable(*args) -> gradient of scalar f w.r.t. args[argnums] (tuple for tuples)."""
        nums, single = _argnums(argnums)
        stage = self._stage(self._grad(self._scalar(f, "grad"), nums, single), "grad")
        check, use, dtype_of, top = self._check_args, self._use, self._dtype_of, max(nums)
        if len(nums) == 1:   # the common case, without the generator (~0.3 µs a call)
            return self._grad_one(stage, nums)

        def grad_f(*args):   # the per-call check inlined: ~10 µs calls feel every 0.1 µs
            if len(args) <= top or any(dtype_of(args[i]) not in DTYPES for i in nums):
                check("grad", args, nums)   # raises the error that says what is wrong
            out = stage.run(*args)
            use("grad", stage.method)
            return out
        return grad_f

    def _grad_one(self, stage, nums):
        """`grad`'s call for one differentiated argument: the check and the method record
        cost ~1 µs of Python against a ~7 µs jitted call (JAX, n = 100; BENCHMARKS.md)."""
        check, dtype_of, (i,) = self._check_args, self._dtype_of, nums
        seen = [None, None]   # (the method record, the method) last written

        def grad_f(*args):
            if len(args) <= i or dtype_of(args[i]) not in DTYPES:
                check("grad", args, nums)   # raises the error that says what is wrong
            out = stage.run(*args)
            if stage.method is not seen[1] or self._used is not seen[0]:
                self._use("grad", stage.method)
                seen[0], seen[1] = self._used, stage.method
            return out
        return grad_f

    def jacobian(self, h, argnums=0):
        """callable(*args) -> Jacobian of shape out.shape + arg.shape (tuple for tuples)."""
        nums, single = _argnums(argnums)
        stage = self._stage(self._jacobian(h, nums), "jacobian")

        def jacobian_h(*args):
            self._check_args("jacobian", args, nums)
            jacs = stage.run(*args)
            self._use("jacobian", stage.method)
            return jacs[0] if single else tuple(jacs)
        return jacobian_h

    def hessian(self, f):
        """callable(x) -> Hessian of scalar f at x, shape x.shape + x.shape."""
        stage = self._stage(self._hessian(self._scalar(f, "hessian")), "hessian")

        def hessian_f(*args):
            if len(args) != 1:
                raise InputError(f"hessian(f) is called with one argument x, got {len(args)}")
            self._check_args("hessian", args, (0,))
            out = stage.run(args[0])
            self._use("hessian", stage.method or self._last_method("hessian"))
            return out
        return hessian_f

    def hvp(self, f):
        """callable(x, v) -> Hessian of scalar f at x times v, shape x.shape."""
        stage = self._stage(self._hvp(self._scalar(f, "hvp")), "hvp")

        def hvp_f(*args):
            if len(args) != 2:
                raise InputError(f"hvp(f) is called as hvp(f)(x, v), got {len(args)} arguments")
            self._check_args("hvp", args, (0, 1))
            x, v = args
            if self._shape_of(x) != self._shape_of(v):
                raise InputError(f"hvp: v has shape {self._shape_of(v)}, x has shape "
                                 f"{self._shape_of(x)}; they must match")
            out = stage.run(x, v)
            self._use("hvp", stage.method or self._last_method("hvp"))
            return out
        return hvp_f

    def _last_method(self, op: str) -> str:
        """Method of the call just made; adapters whose method varies per call override it."""
        return self.methods[op]

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name} {self.version}>"
