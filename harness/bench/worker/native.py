"""Each framework's best native differentiation idiom, written directly (no adapter).

`harness bench` times these beside the adapters in the same worker process, so
"adapter / native" isolates what the adapter adds. Every framework is imported
inside `load()` only: this module is imported in one backend environment at a
time. All callables take `(x, *data)` (hvp: `(x, v, *data)`) and differentiate
with respect to x, the data (matrices) travelling as arguments so that jit
compilers see them as inputs, not as baked-in constants.
"""

import os

from harness.facts import EXACT, GPU_BACKENDS, NUMERICAL

# The facts of each framework's native idioms: op -> the idiom, in words (bench.json's
# `native_methods`; an op missing here has no native idiom to time).
METHODS = {
    "torch": {
        "grad": "torch.func.grad (reverse)",
        "hessian": "torch.func.hessian (jacfwd over jacrev)",
        "hvp": "torch.func.jvp over torch.func.grad (forward-over-reverse)",
    },
    "jax": {
        "grad": "jax.jit(jax.grad) (reverse)",
        "hessian": "jax.jit(jax.hessian) (jacfwd over jacrev)",
        "hvp": "jax.jit of jax.jvp over jax.grad (forward-over-reverse)",
    },
    "tensorflow": {
        "grad": "tf.function + GradientTape.gradient (reverse)",
        "hessian": "tf.function + nested GradientTape, outer .jacobian (pfor)",
        "hvp": "tf.function + ForwardAccumulator over GradientTape (forward-over-reverse)",
    },
    "mxnet": {
        "grad": "mxnet.autograd.record + backward (reverse)",
        "hessian": "central-difference of reverse-mode gradient, 2n autograd "
                   "gradients (MXNet 1.9 has no second-order gradient for matmul)",
        "hvp": "central-difference of reverse-mode gradient along v",
    },
    "numpy": {},   # the reference has no autodiff: no native derivative to compare with
}
# the idioms that are finite differences: numerical tolerance (as backends.base declares)
NUMERICAL_METHODS = frozenset({METHODS["mxnet"]["hessian"], METHODS["mxnet"]["hvp"]})


class DeviceUnavailable(RuntimeError):
    """The requested device (e.g. cuda) is absent or unsupported by this framework."""


class Native:
    """Framework-specific idioms; subclasses load their framework in `_load` and fill in
    the callables. Only the GPU_BACKENDS run on another device than the cpu."""

    name = "base"

    def __init__(self, device: str = "cpu", threads: int | None = None):
        if device != "cpu" and self.name not in GPU_BACKENDS:
            raise DeviceUnavailable(f"the bench runs {self.name} on cpu only (--device "
                                    f"{device} is for {' and '.join(GPU_BACKENDS)})")
        self.device = device
        self.threads_requested = threads
        self.methods = METHODS.get(self.name, {})
        self.framework = self._load(device, threads)

    def _load(self, device: str, threads: int | None):
        """Import and set up the framework (self.xp: its array namespace); return it."""
        raise NotImplementedError

    @property
    def version(self) -> str:
        return self.framework.__version__

    def method_class(self, method: str | None) -> str:
        """The tolerance class of one of these methods (declared, as in backends.base)."""
        return NUMERICAL if method in NUMERICAL_METHODS else EXACT

    def asarray(self, array, dtype: str):
        raise NotImplementedError

    def sync(self, value) -> None:
        """Block until `value` is computed (asynchronous dispatch must not flatter timings)."""

    def to_numpy(self, value):
        raise NotImplementedError

    def primal(self, f):
        return f

    def threads(self) -> dict:
        return {}

    def notes(self) -> dict:
        """op -> why the native idiom is what it is, where that needs saying."""
        return {}


class TorchNative(Native):
    name = "torch"

    def _load(self, device, threads):
        import torch
        self.torch = torch
        if threads:
            torch.set_num_threads(threads)
            try:
                torch.set_num_interop_threads(threads)
            except RuntimeError:  # already set once in this process
                pass
        if device == "cuda" and not torch.cuda.is_available():
            raise DeviceUnavailable(f"torch {torch.__version__} sees no CUDA device "
                                    f"(torch.version.cuda={torch.version.cuda})")
        self.dev = torch.device(device)
        if device == "cuda":
            torch.set_default_device("cuda")  # the adapter's asarray lands there too
        self.xp = torch
        return torch

    def asarray(self, array, dtype):
        return self.torch.as_tensor(array.astype(dtype), device=self.dev)

    def sync(self, value):
        if self.device == "cuda":
            self.torch.cuda.synchronize()

    def to_numpy(self, value):
        return value.detach().cpu().numpy()

    def grad(self, f):
        return self.torch.func.grad(f)

    def hessian(self, f):
        return self.torch.func.hessian(f)

    def hvp(self, f):
        tf = self.torch.func
        g = tf.grad(f)

        def hvp(x, v, *data):
            return tf.jvp(lambda y: g(y, *data), (x,), (v,))[1]
        return hvp

    def threads(self):
        t = self.torch
        return {"intra_op": t.get_num_threads(), "inter_op": t.get_num_interop_threads()}


class JaxNative(Native):
    name = "jax"

    def _load(self, device, threads):
        import jax
        jax.config.update("jax_enable_x64", True)
        self.jax = jax
        platform = "gpu" if device == "cuda" else "cpu"
        try:
            self.dev = jax.devices(platform)[0]
        except RuntimeError as exc:
            raise DeviceUnavailable(f"jax {jax.__version__} has no {platform} device: "
                                    f"{exc}") from exc
        if device == "cuda":
            jax.config.update("jax_default_device", self.dev)
        import jax.numpy as jnp
        self.xp = jnp
        return jax

    def asarray(self, array, dtype):
        return self.jax.device_put(array.astype(dtype), self.dev)

    def sync(self, value):
        self.jax.block_until_ready(value)

    def to_numpy(self, value):
        import numpy
        return numpy.asarray(value)

    def primal(self, f):
        return self.jax.jit(f)

    def grad(self, f):
        return self.jax.jit(self.jax.grad(f))

    def hessian(self, f):
        return self.jax.jit(self.jax.hessian(f))

    def hvp(self, f):
        jax = self.jax

        def hvp(x, v, *data):
            return jax.jvp(lambda y: jax.grad(f)(y, *data), (x,), (v,))[1]
        return jax.jit(hvp)

    def threads(self):
        return {"xla_flags": os.environ.get("XLA_FLAGS", ""),
                "devices": [str(d) for d in self.jax.devices()]}


class TensorflowNative(Native):
    name = "tensorflow"

    def _load(self, device, threads):
        import tensorflow as tf
        if threads:
            tf.config.threading.set_intra_op_parallelism_threads(threads)
            tf.config.threading.set_inter_op_parallelism_threads(threads)
        self.tf = tf
        import tensorflow.experimental.numpy as tnp
        self.xp = tnp
        return tf

    def asarray(self, array, dtype):
        return self.tf.constant(array.astype(dtype))

    def to_numpy(self, value):
        return value.numpy()

    def primal(self, f):
        return self.tf.function(f)

    def _taped_grad(self, f, x, data):
        """f's reverse-mode gradient at x; an enclosing tape or accumulator records it too."""
        with self.tf.GradientTape() as tape:
            tape.watch(x)
            y = f(x, *data)
        return tape.gradient(y, x)

    def grad(self, f):
        @self.tf.function
        def grad(x, *data):
            return self._taped_grad(f, x, data)
        return grad

    def hessian(self, f):
        tf = self.tf

        @tf.function
        def hessian(x, *data):
            with tf.GradientTape() as outer:
                outer.watch(x)
                g = self._taped_grad(f, x, data)
            return outer.jacobian(g, x)
        return hessian

    def hvp(self, f):
        tf = self.tf

        @tf.function
        def hvp(x, v, *data):
            with tf.autodiff.ForwardAccumulator(x, v) as acc:
                g = self._taped_grad(f, x, data)
            return acc.jvp(g)
        return hvp

    def threads(self):
        th = self.tf.config.threading
        return {"intra_op": th.get_intra_op_parallelism_threads() or "default (0)",
                "inter_op": th.get_inter_op_parallelism_threads() or "default (0)"}


class MxnetNative(Native):
    name = "mxnet"

    def _load(self, device, threads):
        import mxnet as mx
        from mxnet import autograd, np, npx
        npx.set_np()
        self.mx, self.autograd, self.xp = mx, autograd, np
        return mx

    def asarray(self, array, dtype):
        return self.xp.array(array.astype(dtype), dtype=dtype)

    def sync(self, value):
        self.mx.nd.waitall()

    def to_numpy(self, value):
        return value.asnumpy()

    def grad(self, f):
        autograd = self.autograd

        def grad(x, *data):
            x = x.copy()
            x.attach_grad()
            with autograd.record():
                y = f(x, *data)
            y.backward()
            return x.grad
        return grad

    def _step(self, x):
        import numpy
        eps = numpy.finfo(x.dtype).eps ** (1 / 3)
        return eps * max(1.0, float(self.xp.max(self.xp.abs(x))))

    def hessian(self, f):
        grad, xp = self.grad(f), self.xp

        def hessian(x, *data):
            n, h = x.shape[0], self._step(x)
            eye = xp.eye(n, dtype=x.dtype)
            cols = [(grad(x + h * eye[i], *data) - grad(x - h * eye[i], *data)) / (2 * h)
                    for i in range(n)]
            hess = xp.stack(cols, axis=1)
            return (hess + hess.T) / 2
        return hessian

    def hvp(self, f):
        grad, xp = self.grad(f), self.xp

        def hvp(x, v, *data):
            # step along the unit direction, scaled by |x| in the same (2-)norm: scaling
            # by max|v| instead loses accuracy to truncation as ‖v‖ grows with n, and
            # mixing max|x| with a 2-norm direction loses it to round-off
            import numpy
            norm = float(xp.sqrt(xp.sum(v * v)))
            if norm == 0.0:
                return xp.zeros_like(x)
            d = v / norm
            h = numpy.finfo(x.dtype).eps ** (1 / 3) * max(1.0, float(xp.sqrt(xp.sum(x * x))))
            return (grad(x + h * d, *data) - grad(x - h * d, *data)) * (norm / (2 * h))
        return hvp

    def threads(self):
        return {k: os.environ.get(k, "default")
                for k in ("OMP_NUM_THREADS", "MXNET_CPU_WORKER_NTHREADS")}

    def notes(self):
        return {"hessian": "MXNet 1.9 autograd cannot differentiate _backward_np_matmul "
                           "(no FGradient), so no exact Hessian exists natively"}


class NumpyNative(Native):
    """The reference backend has no autodiff: no native derivative idiom to compare with."""

    name = "numpy"

    def _load(self, device, threads):
        import numpy
        self.xp = numpy
        return numpy

    def asarray(self, array, dtype):
        return array.astype(dtype)

    def to_numpy(self, value):
        return value

    def threads(self):
        return {"OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS", "default")}


NATIVES = {"torch": TorchNative, "jax": JaxNative, "tensorflow": TensorflowNative,
           "mxnet": MxnetNative, "numpy": NumpyNative}


class AdapterOnly(Native):
    """A backend without native idioms here (a plug-in): its primal is a plain call on the
    adapter's own namespace, and there is no native derivative to compare with."""

    def __init__(self, be, device="cpu", threads=None):
        self.name, self.be = be.name, be
        super().__init__(device, threads)
        self.method_class = be.method_class

    def _load(self, device, threads):
        self.xp = self.be.xp
        return self.be

    @property
    def version(self) -> str:
        return f"no native idioms (adapter {getattr(self.be, 'version', None)})"

    def asarray(self, array, dtype):
        return self.be.asarray(array, dtype=dtype)

    def to_numpy(self, value):
        return self.be.to_numpy(value)

    def notes(self):
        return {"all": "no native idiom is known for this backend: the adapter is timed and "
                       "checked against the closed forms only"}


def load(name: str, device: str = "cpu", threads: int | None = None, be=None) -> Native:
    """The native idioms of framework `name`; for another backend (a plug-in), its adapter
    `be` timed alone (AdapterOnly)."""
    if name not in NATIVES:
        if be is None:
            raise KeyError(f"no native idioms for {name!r}; known: {', '.join(NATIVES)}")
        return AdapterOnly(be, device, threads)
    return NATIVES[name](device, threads)
