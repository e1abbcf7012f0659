"""JAX backend: jax.grad / jax.jacrev / jax.hessian / jax.jvp, eager first, then jax.jit.

jax_enable_x64 is switched on at load so float64 means float64; float32 inputs
still give float32 (JAX keeps the input dtype, and Python scalars are weakly typed).
Every `be.grad(f)` call builds its own jitted transform of that `f`, so compiled
code is cached per function object and never shared between two functions.

Compile policy: jit from the first call (`eager_calls = 0`), with compiled code
kept across processes in JAX's persistent compilation cache when the orchestrator
names its folder (JAX_COMPILATION_CACHE_DIR, one per jax pin and requirements set,
see harness.envs.worker_env; a folder named for another jax version is not used).
Eager first calls (HARNESS_EAGER_CALLS=N) are slower here, not faster: JAX runs an
eager op by compiling it on its own (every jnp function is itself jitted), so a
function's first eager call costs as many small compiles as it has distinct ops.
"""

import os
from pathlib import Path
from typing import ClassVar

import jax
import jax.numpy as jnp
import numpy as np

from backends.base import Backend, Namespace, numpy_arange

jax.config.update("jax_enable_x64", True)
CACHE_VARIABLE = "JAX_COMPILATION_CACHE_DIR"


def _check_cache_folder() -> None:
    """Use the persistent compilation cache only if its folder is this jax version's."""
    folder = os.environ.get(CACHE_VARIABLE)
    if folder and not Path(folder).name.startswith(f"jax-{jax.__version__}-"):
        jax.config.update("jax_compilation_cache_dir", None)


_check_cache_folder()

_FLOAT_NAMES = {np.dtype("float32"): "float32", np.dtype("float64"): "float64"}
_ARRAY_TYPES: dict[type, bool] = {}   # type -> whether its instances are arrays here


def _make_xp():
    return Namespace(
        jnp, "jax.numpy",
        linspace=lambda start, stop, num=50, dtype="float64": jnp.linspace(
            start, stop, num, dtype=dtype),
        arange=numpy_arange(jnp.arange),
        stack=lambda xs, axis=0: jnp.stack(list(xs), axis=axis),
        concatenate=lambda xs, axis=0: jnp.concatenate(list(xs), axis=axis),
    )


class JaxBackend(Backend):
    name = "jax"
    distribution = "jax"
    methods: ClassVar[dict[str, str]] = {
        "grad": "reverse (jax.grad)",
        "value_and_grad": "reverse (jax.value_and_grad)",
        "jacobian": "reverse (jax.jacrev)",
        "hessian": "forward-over-reverse (jax.hessian = jacfwd(jacrev))",
        "hvp": "forward-over-reverse (jax.jvp of jax.grad)",
    }
    stages: ClassVar[dict[str, tuple[str, str]]] = {
        op: (f"{m[:-1]}, eager)", f"{m[:-1]}, jit)") for op, m in methods.items()}
    eager_calls = 0   # see the module docstring: eager is slower here

    def _make_xp(self):
        return _make_xp()

    def _asarray(self, data, dtype):
        return jnp.asarray(np.asarray(data, dtype=dtype))

    def _dtype_of(self, x):
        # NumPy arrays are accepted as jax.grad accepts them (jax.test_util passes them).
        # Per call, so lookups only: numpy's dtype.name costs ~3.4 µs, isinstance against
        # the abstract jax.Array ~0.2 µs; whether a type is an array is asked once.
        array = _ARRAY_TYPES.get(type(x))
        if array is None:
            array = _ARRAY_TYPES[type(x)] = isinstance(x, (jax.Array, np.ndarray))
        if not array:
            return None
        return _FLOAT_NAMES.get(x.dtype) or x.dtype.name

    def to_numpy(self, value):
        return np.asarray(value)

    def _value_and_grad(self, f, argnums):
        vg = jax.value_and_grad(f, argnums=argnums)
        return self._staged("value_and_grad", vg, lambda: jax.jit(vg))

    def _grad(self, f, argnums, single):
        # jax.grad, not value_and_grad: returning the value changes what XLA fuses
        # (281 vs 206 µs at n = 1e6), and an int argnums skips tuple pytree handling.
        if self._overrides("_value_and_grad", JaxBackend):
            return super()._grad(f, argnums, single)
        g = jax.grad(f, argnums=argnums[0] if single else argnums)
        return self._staged("grad", g, lambda: jax.jit(g))

    def _jacobian(self, h, argnums):
        jac = jax.jacrev(h, argnums=argnums)
        return self._staged("jacobian", jac, lambda: jax.jit(jac))

    def _hessian(self, f):
        hess = jax.hessian(f)
        return self._staged("hessian", hess, lambda: jax.jit(hess))

    def _hvp(self, f):
        g = jax.grad(f)

        def hvp(x, v):
            return jax.jvp(g, (x,), (v,))[1]
        return self._staged("hvp", hvp, lambda: jax.jit(hvp))


ADAPTER = JaxBackend
