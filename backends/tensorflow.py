"""TensorFlow backend: GradientTape, its pfor-vectorized `jacobian`, and ForwardAccumulator.

Every derivative runs under a tf.function built per `be.grad(f)` / `be.jacobian(h)` /
`be.hessian(f)` call, so traces are cached per function object and never shared
between two. Gradients used to run eagerly: op-by-op dispatch made them 4.7x slower
than a tf.function at steady state (tracing costs ~30 ms once instead). Gradient
graphs use reduce_retracing=True, so new input shapes stop retracing after the first.

Loading switches on tf.experimental.numpy's NumPy behaviour (`.T`, `.reshape`,
NumPy type promotion with float64 defaults) for the whole process.
"""

from typing import ClassVar

import numpy as np
import tensorflow as tf
import tensorflow.experimental.numpy as tnp

from backends.base import Backend, Namespace

_ZERO = tf.UnconnectedGradients.ZERO


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


class TensorflowBackend(Backend):
    name = "tensorflow"
    distribution = "tensorflow"
    methods: ClassVar[dict[str, str]] = {
        "grad": "reverse (tf.GradientTape.gradient, tf.function)",
        "value_and_grad": "reverse (tf.GradientTape.gradient, tf.function)",
        "jacobian": "reverse (tf.GradientTape.jacobian, pfor-vectorized, tf.function)",
        "hessian": "reverse-over-reverse (GradientTape.jacobian of GradientTape.gradient, "
                   "pfor-vectorized, tf.function)",
        "hvp": "forward-over-reverse (tf.autodiff.ForwardAccumulator over "
               "GradientTape.gradient, tf.function)",
    }

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
        @tf.function(autograph=False, reduce_retracing=True)
        def value_and_grad(*args):
            y, grads = _taped_gradient(f, argnums, args)
            return y, tuple(grads)
        return value_and_grad

    def _grad(self, f, argnums, single):
        # Gradient only: returning the value too keeps the forward result alive in the
        # graph and cost ~0.3 ms of 1.5 at n = 1e5 for ||X - UV||^2 (BENCHMARKS.md).
        if self._overrides("_value_and_grad", TensorflowBackend):
            return super()._grad(f, argnums, single)

        @tf.function(autograph=False, reduce_retracing=True)
        def grad(*args):
            grads = _taped_gradient(f, argnums, args)[1]
            return grads[0] if single else tuple(grads)
        return grad

    def _jacobian(self, h, argnums):
        @tf.function(autograph=False)
        def jacobian(*args):
            xs = [args[i] for i in argnums]
            with tf.GradientTape() as tape:
                tape.watch(xs)
                y = h(*args)
            return tuple(tape.jacobian(y, xs, unconnected_gradients=_ZERO,
                                       experimental_use_pfor=True))
        return jacobian

    def _hessian(self, f):
        @tf.function(autograph=False)
        def hessian(x):
            with tf.GradientTape() as outer:
                outer.watch(x)
                with tf.GradientTape() as inner:
                    inner.watch(x)
                    y = f(x)
                g = inner.gradient(y, x, unconnected_gradients=_ZERO)
            return outer.jacobian(g, x, unconnected_gradients=_ZERO,
                                  experimental_use_pfor=True)
        return hessian

    def _hvp(self, f):
        @tf.function(autograph=False)
        def hvp(x, v):
            with tf.autodiff.ForwardAccumulator(x, v) as acc:
                with tf.GradientTape() as tape:
                    tape.watch(x)
                    y = f(x)
                g = tape.gradient(y, x, unconnected_gradients=_ZERO)
            return acc.jvp(g, unconnected_gradients=_ZERO)
        return hvp


ADAPTER = TensorflowBackend
