"""PyTorch backend: torch.func transforms (grad, jacrev, hessian = jacfwd(jacrev), jvp).

torch.func composes like JAX and needs no graph bookkeeping. No torch.compile: on
CPU its compile time exceeds what these small derivatives cost.

Finding (torch 2.13): torch.func.jvp promotes a float32 tangent to float64 when f
multiplies an indexed element by a Python float (0.3 * x[0] * x[1]), though the
primal stays float32. `hvp` casts such a result back to the input's dtype, as every
backend promises; tests/backends/test_conformance.py keeps the quirk itself in view.
"""

from typing import ClassVar

import numpy as np
import torch
import torch._dynamo  # see _FLOAT_NAMES below: imported at load, not by the first case
import torch.func as tf_

from backends.base import Backend, Namespace, numpy_arange

_FLOAT_NAMES = {torch.float32: "float32", torch.float64: "float64"}   # cheap per-call check
# torch.func's first transform imports torch._dynamo lazily (~800 modules, SymPy among
# them: seconds): imported here, that cost is the worker's start-up (run.json
# startup_seconds), not the compute time of whichever case happens to run first.


def _dt(dtype):
    """A torch dtype from a name, a numpy dtype or a torch dtype (None stays None)."""
    if dtype is None or isinstance(dtype, torch.dtype):
        return dtype
    return getattr(torch, np.dtype(dtype).name)


def _asarray(data, dtype=None):
    if isinstance(data, torch.Tensor):
        return data if dtype is None else data.to(_dt(dtype))
    if isinstance(data, (list, tuple)) and any(isinstance(d, torch.Tensor) for d in data):
        return torch.stack([_asarray(d, dtype) for d in data])
    arr = np.asarray(data, dtype=None if dtype is None else np.dtype(str(_dt(dtype))[6:]))
    return torch.as_tensor(arr)


def _reduce(fn):
    def reduce(x, axis=None, keepdims=False):
        return fn(x) if axis is None else fn(x, dim=axis, keepdim=keepdims)
    return reduce


def _dot(a, b):
    return torch.dot(a, b) if a.ndim == 1 and b.ndim == 1 else torch.matmul(a, b)


def _transpose(x, axes=None):
    return x.permute(*(axes if axes is not None else reversed(range(x.ndim))))


def _maximum(a, b):
    a, b = (v if isinstance(v, torch.Tensor) else torch.as_tensor(
        v, dtype=(b if isinstance(b, torch.Tensor) else a).dtype) for v in (a, b))
    return torch.maximum(a, b)


def _make_xp():
    return Namespace(
        torch, "torch",
        asarray=_asarray, array=_asarray,
        zeros=lambda shape, dtype="float64": torch.zeros(shape, dtype=_dt(dtype)),
        ones=lambda shape, dtype="float64": torch.ones(shape, dtype=_dt(dtype)),
        eye=lambda n, m=None, dtype="float64": torch.eye(n, n if m is None else m,
                                                         dtype=_dt(dtype)),
        full=lambda shape, fill_value, dtype="float64": torch.full(
            (shape,) if isinstance(shape, int) else tuple(shape), fill_value, dtype=_dt(dtype)),
        linspace=lambda start, stop, num=50, dtype="float64": torch.linspace(
            start, stop, num, dtype=_dt(dtype)),
        arange=numpy_arange(lambda a, b, c, dtype: torch.arange(a, b, c, dtype=_dt(dtype))),
        meshgrid=lambda *xs, indexing="xy": torch.meshgrid(*xs, indexing=indexing),
        sum=_reduce(torch.sum), mean=_reduce(torch.mean),
        max=_reduce(torch.amax), min=_reduce(torch.amin),
        dot=_dot, transpose=_transpose, maximum=_maximum,
        stack=lambda xs, axis=0: torch.stack(list(xs), dim=axis),
        concatenate=lambda xs, axis=0: torch.cat(list(xs), dim=axis),
        linalg=Namespace(torch.linalg, "torch.linalg",
                         norm=lambda x, ord=None, axis=None: torch.linalg.norm(x, ord, axis)),
    )


class TorchBackend(Backend):
    name = "torch"
    distribution = "torch"
    methods: ClassVar[dict[str, str]] = {
        "grad": "reverse (torch.func.grad)",
        "value_and_grad": "reverse (torch.func.grad_and_value)",
        "jacobian": "reverse (torch.func.jacrev, vmap over rows)",
        "hessian": "forward-over-reverse (torch.func.hessian = jacfwd(jacrev))",
        "hvp": "forward-over-reverse (torch.func.jvp of torch.func.grad)",
    }

    def _make_xp(self):
        return _make_xp()

    def _asarray(self, data, dtype):
        return _asarray(data, dtype)

    def _dtype_of(self, x):
        if not isinstance(x, torch.Tensor):
            return None
        return _FLOAT_NAMES.get(x.dtype) or str(x.dtype).removeprefix("torch.")

    def to_numpy(self, value):
        if isinstance(value, torch.Tensor):
            return value.detach().cpu().numpy()
        return np.asarray(value)

    def _value_and_grad(self, f, argnums):
        impl = tf_.grad_and_value(f, argnums=argnums)

        def value_and_grad(*args):
            grads, value = impl(*args)
            return value, grads
        return value_and_grad

    def _grad(self, f, argnums, single):
        # torch.func.grad with an int argnums: grad_and_value with a tuple added ~10-13 µs
        # per call (the value and the tuple are unwrapped through functorch too).
        if self._overrides("_value_and_grad", TorchBackend):
            return super()._grad(f, argnums, single)
        return tf_.grad(f, argnums=argnums[0] if single else argnums)

    def _jacobian(self, h, argnums):
        return tf_.jacrev(h, argnums=argnums)

    def _hessian(self, f):
        return tf_.hessian(f)

    def _hvp(self, f):
        g = tf_.grad(f)

        def hvp(x, v):
            out = tf_.jvp(g, (x,), (v,))[1]
            return out if out.dtype == x.dtype else out.to(x.dtype)   # see the finding above
        return hvp


ADAPTER = TorchBackend
