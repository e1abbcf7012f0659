"""Framework-free reference backend: float64 NumPy, derivatives by numdifftools.

numdifftools takes central differences on a geometric sequence of steps and
Richardson-extrapolates them, so every derivative method here is declared NUMERICAL
(`numerical_methods`), the tolerance class the worker reports. A float32 request
evaluates derivatives in float64 (the extrapolation needs the precision) and
returns float32; the plain value is computed in the requested dtype.
"""

from typing import ClassVar

import numpy as np

from backends.base import Backend, Namespace

_RICHARDSON = "numdifftools central difference, Richardson extrapolation (float64)"


class NumpyBackend(Backend):
    name = "numpy"
    distribution = "numpy"
    methods: ClassVar[dict[str, str]] = {
        "grad": _RICHARDSON,
        "value_and_grad": _RICHARDSON,
        "jacobian": _RICHARDSON,
        "hessian": "numdifftools Hessian: central differences, Richardson extrapolation "
                   "(float64)",
        "hvp": "numdifftools Hessian: central differences, Richardson extrapolation "
               "(float64), contracted with v",
    }

    numerical_methods: ClassVar[frozenset[str]] = frozenset(methods.values())

    def _load(self):
        import numdifftools
        self._nd = numdifftools

    def _make_xp(self):
        return Namespace(np, "numpy")

    def _asarray(self, data, dtype):
        return np.array(data, dtype=dtype)

    def _dtype_of(self, x):
        return x.dtype.name if isinstance(x, (np.ndarray, np.generic)) else None

    def to_numpy(self, value):
        return np.asarray(value)

    @staticmethod
    def _as64(args):
        return [a.astype(np.float64) if isinstance(a, (np.ndarray, np.generic))
                and a.dtype.kind == "f" else a for a in args]

    @staticmethod
    def _flat_fn(fn, args64, i):
        """fn of the flattened argument i (float64), the others fixed."""
        shape = np.shape(args64[i])

        def flat_fn(flat):
            full = list(args64)
            full[i] = np.asarray(flat, dtype=np.float64).reshape(shape)
            return fn(*full)
        return flat_fn, shape

    def _value_and_grad(self, f, argnums):
        nd = self._nd

        def impl(*args):
            value = f(*args)
            args64 = self._as64(args)
            grads = []
            for i in argnums:
                flat_fn, shape = self._flat_fn(lambda *a: float(f(*a)), args64, i)
                g = nd.Gradient(flat_fn)(np.ravel(args64[i]))
                grads.append(np.asarray(g, dtype=np.float64).reshape(shape)
                             .astype(args[i].dtype))
            return value, tuple(grads)
        return impl

    def _jacobian(self, h, argnums):
        nd = self._nd

        def impl(*args):
            out_dtype = np.asarray(h(*args)).dtype
            args64 = self._as64(args)
            out_shape = np.shape(h(*args64))
            jacs = []
            for i in argnums:
                flat_fn, shape = self._flat_fn(
                    lambda *a: np.ravel(np.asarray(h(*a), dtype=np.float64)), args64, i)
                j = nd.Jacobian(flat_fn)(np.ravel(args64[i]))
                jacs.append(np.asarray(j, dtype=np.float64).reshape(out_shape + shape)
                            .astype(out_dtype if out_dtype.kind == "f" else args[i].dtype))
            return tuple(jacs)
        return impl

    def _hessian(self, f):
        nd = self._nd

        def impl(x):
            (x64,) = self._as64([x])
            flat_fn, shape = self._flat_fn(lambda a: float(f(a)), [x64], 0)
            hess = nd.Hessian(flat_fn)(np.ravel(x64))
            return np.asarray(hess, dtype=np.float64).reshape(shape + shape).astype(x.dtype)
        return impl

    def _hvp(self, f):
        hess = self._hessian(f)

        def impl(x, v):
            n = int(np.prod(np.shape(x)))
            h = hess(x.astype(np.float64)).reshape(n, n)
            return (h @ np.ravel(v).astype(np.float64)).reshape(np.shape(x)).astype(x.dtype)
        return impl


ADAPTER = NumpyBackend
