"""`from d2l import jax as d2l`: plotting helpers and the book's array aliases (its
config.ini `[library-jax]`), arrays converted with numpy.asarray."""

import jax
import numpy as _np
from jax import numpy as jnp

from d2l._common import (
    download,
    download_extract,
    make_plot,
    method,
    missing,
    plt,
    set_axes,
    set_figsize,
    use_svg_display,
)


def numpy_of(x):
    return _np.asarray(x) if isinstance(x, jax.Array) else x


plot = make_plot(numpy_of)

ones, zeros, tensor, arange, meshgrid = jnp.ones, jnp.zeros, jnp.array, jnp.arange, jnp.meshgrid
sin, sinh, cos, cosh, tanh = jnp.sin, jnp.sinh, jnp.cos, jnp.cosh, jnp.tanh
linspace, exp, log = jnp.linspace, jnp.exp, jnp.log
matmul, concat, stack, abs, eye = jnp.matmul, jnp.concatenate, jnp.stack, jnp.abs, jnp.eye
int32, int64, float32, float64 = jnp.int32, jnp.int64, jnp.float32, jnp.float64
ones_like, zeros_like = jnp.ones_like, jnp.zeros_like
numpy = numpy_of
reshape, reduce_sum, reduce_mean, argmax = method("reshape"), method("sum"), method("mean"), \
    method("argmax")
astype, expand_dims = method("astype"), jnp.expand_dims


def size(x):
    return x.size


def transpose(x):
    return x.T


__getattr__ = missing("jax")
_ = (download, download_extract, plt, set_axes, set_figsize, use_svg_display)
