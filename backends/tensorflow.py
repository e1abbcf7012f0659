"""TensorFlow backend: GradientTape, its pfor-vectorized `jacobian`, and ForwardAccumulator.

Every derivative's steady state runs under a tf.function built per `be.grad(f)` /
`be.jacobian(h)` / `be.hessian(f)` call, so traces are cached per function object and
never shared between two: op-by-op dispatch made gradients 4.7x slower than a
tf.function. Tracing costs ~30 ms per gradient and ~150 ms per pfor Hessian, more
than a few eager calls of a small function, so the first `eager_calls` calls per
input shape and dtype run eagerly (Jacobians and Hessians of inputs up to
EAGER_MAX_SIZE elements, row by row on a persistent tape; HVPs reverse-over-reverse,
as an eager ForwardAccumulator traces a function per op) and the next one traces.
Gradient graphs use reduce_retracing=True, so new input shapes stop retracing.

Loading switches on tf.experimental.numpy's NumPy behaviour (`.T`, `.reshape`,
NumPy type promotion with float64 defaults) for the whole process.
"""

from typing import ClassVar

import numpy as np
import tensorflow as tf
import tensorflow.experimental.numpy as tnp

from backends.base import Backend, Namespace

_ZERO = tf.UnconnectedGradients.ZERO
EAGER_MAX_SIZE = 64   # eager Jacobians/Hessians take one gradient per row
_ROWS = {"jacobian": "row by row, ", "hessian": "row by row, "}
_PFOR = {"jacobian": "pfor-vectorized, ", "hessian": "pfor-vectorized, "}
_DOUBLE_TAPE_HVP = "reverse-over-reverse (GradientTape.gradient of the gradient . v, eager)"


def _norm(x, ord=None, axis=None):
    return tf.norm(x, ord="euclidean" if ord is None else ord, axis=axis)


def _make_xp():
    return Namespace(
        tnp, "tf.experimental.numpy",
        linalg=Namespace(tf.linalg, "tf.linalg", norm=_norm),
        # tnp.linspace ignores dtype="float32" (returns float64): cast after.
        linspace=lambda start, stop, num=50, dtype="float64": tnp.asarray(
            tnp.linspace(start, stop, num), dtype=dtype),
        stack=lambda xs, axis=0: tnp.stack(list(xs), axis=axis),
        concatenate=lambda xs, axis=0: tnp.concatenate(list(xs), axis=axis),
    )


def _taped_gradient(f, argnums, args):
    """(f(*args), gradients w.r.t. args[argnums]) under one tape, inside a tf.function."""
    xs = [args[i] for i in argnums]
    with tf.GradientTape() as tape:
        tape.watch(xs)
        y = f(*args)
    return y, tape.gradient(y, xs, unconnected_gradients=_ZERO)


def _taped_jacobian(h, argnums, args, pfor):
    """Jacobians of h(*args) w.r.t. args[argnums]: pfor in a graph, row by row eagerly."""
    xs = [args[i] for i in argnums]
    with tf.GradientTape(persistent=not pfor) as tape:
        tape.watch(xs)
        y = h(*args)
    return tuple(tape.jacobian(y, xs, unconnected_gradients=_ZERO,
                               experimental_use_pfor=pfor))


def _taped_hessian(f, x, pfor):
    """Jacobian of the gradient: pfor-vectorized in a graph, row by row eagerly."""
    with tf.GradientTape(persistent=not pfor) as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = f(x)
        g = inner.gradient(y, x, unconnected_gradients=_ZERO)
    return outer.jacobian(g, x, unconnected_gradients=_ZERO, experimental_use_pfor=pfor)


def _graph(fn, **options):
    return lambda: tf.function(fn, autograph=False, **options)


class TensorflowBackend(Backend):
    name = "tensorflow"
    distribution = "tensorflow"
    methods: ClassVar[dict[str, str]] = {
        "grad": "reverse (tf.GradientTape.gradient)",
        "value_and_grad": "reverse (tf.GradientTape.gradient)",
        "jacobian": "reverse (tf.GradientTape.jacobian)",
        "hessian": "reverse-over-reverse (GradientTape.jacobian of GradientTape.gradient)",
        "hvp": "forward-over-reverse (tf.autodiff.ForwardAccumulator over "
               "GradientTape.gradient)",
    }
    stages: ClassVar[dict[str, tuple[str, str]]] = {
        op: (f"{m[:-1]}, {_ROWS.get(op, '')}eager)", f"{m[:-1]}, {_PFOR.get(op, '')}tf.function)")
        for op, m in methods.items()}
    stages["hvp"] = (_DOUBLE_TAPE_HVP, stages["hvp"][1])
    eager_calls = 5   # a case evaluates at 5 seeded points: 5 eager calls, no trace

    def _load(self):
        tnp.experimental_enable_numpy_behavior(prefer_float32=False,
                                               dtype_conversion_mode="legacy")

    def _make_xp(self):
        return _make_xp()

    def _asarray(self, data, dtype):
        return tf.convert_to_tensor(np.asarray(data, dtype=dtype))

    def _dtype_of(self, x):
        return x.dtype.name if isinstance(x, (tf.Tensor, tf.Variable)) else None

    def _shape_of(self, value):
        shape = getattr(value, "shape", ())
        return tuple(shape) if getattr(shape, "rank", 0) is not None else (None,)

    def to_numpy(self, value):
        return np.asarray(value.numpy() if hasattr(value, "numpy") else value)

    def _value_and_grad(self, f, argnums):
        def value_and_grad(*args):
            y, grads = _taped_gradient(f, argnums, args)
            return y, tuple(grads)
        return self._staged("value_and_grad", value_and_grad,
                            _graph(value_and_grad, reduce_retracing=True))

    def _grad(self, f, argnums, single):
        # Gradient only: returning the value too keeps the forward result alive in the
        # graph and cost ~0.3 ms of 1.5 at n = 1e5 for ||X - UV||^2 (BENCHMARKS.md).
        if self._overrides("_value_and_grad", TensorflowBackend):
            return super()._grad(f, argnums, single)

        def grad(*args):
            grads = _taped_gradient(f, argnums, args)[1]
            return grads[0] if single else tuple(grads)
        return self._staged("grad", grad, _graph(grad, reduce_retracing=True))

    def _jacobian(self, h, argnums):
        return self._staged(
            "jacobian", lambda *args: _taped_jacobian(h, argnums, args, pfor=False),
            _graph(lambda *args: _taped_jacobian(h, argnums, args, pfor=True)),
            max_size=EAGER_MAX_SIZE)

    def _hessian(self, f):
        return self._staged("hessian", lambda x: _taped_hessian(f, x, pfor=False),
                            _graph(lambda x: _taped_hessian(f, x, pfor=True)),
                            max_size=EAGER_MAX_SIZE)

    def _hvp(self, f):
        def hvp(x, v):
            with tf.autodiff.ForwardAccumulator(x, v) as acc:
                with tf.GradientTape() as tape:
                    tape.watch(x)
                    y = f(x)
                g = tape.gradient(y, x, unconnected_gradients=_ZERO)
            return acc.jvp(g, unconnected_gradients=_ZERO)

        def eager_hvp(x, v):   # ForwardAccumulator traces a function per op when eager
            with tf.GradientTape() as outer:
                outer.watch(x)
                with tf.GradientTape() as inner:
                    inner.watch(x)
                    y = f(x)
                g = inner.gradient(y, x, unconnected_gradients=_ZERO)
                gv = tf.reduce_sum(g * v)
            return outer.gradient(gv, x, unconnected_gradients=_ZERO)
        return self._staged("hvp", eager_hvp, _graph(hvp))


ADAPTER = TensorflowBackend
