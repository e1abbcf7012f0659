"""`from d2l import jax as d2l`: plotting helpers and the book's array aliases (its
config.ini `[library-jax]`), arrays converted with numpy.asarray."""

import jax
import numpy as _np
from jax import numpy as jnp

from d2l._common import flavour, method, numpy_size, numpy_transpose


def numpy_of(x):
    return _np.asarray(x) if isinstance(x, jax.Array) else x


globals().update(flavour("jax", jnp, numpy_of))
# the aliases whose jax.numpy name differs, or that call a method of the array
tensor, arange, log, matmul, concat = jnp.array, jnp.arange, jnp.log, jnp.matmul, jnp.concatenate
reshape, reduce_sum, reduce_mean, argmax = method("reshape"), method("sum"), method("mean"), \
    method("argmax")
astype, expand_dims, size, transpose = method("astype"), jnp.expand_dims, numpy_size, \
    numpy_transpose
