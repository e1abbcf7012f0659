"""`from d2l import mxnet as d2l`: plotting helpers and the book's array aliases (its
config.ini `[library-mxnet]`), arrays converted with .asnumpy()."""

from mxnet import np, npx  # noqa: F401 - npx: loaded with np, as the book's cells expect

from d2l._common import flavour, method, numpy_size, numpy_transpose


def numpy_of(x):
    return x.asnumpy() if hasattr(x, "asnumpy") else x


globals().update(flavour("mxnet", np, numpy_of))
# the aliases whose mxnet.np name differs, or that call a method of the array
tensor, arange, log, matmul, concat = np.array, np.arange, np.log, np.dot, np.concatenate
normal, rand = np.random.normal, np.random.uniform
reshape, to = method("reshape"), method("as_in_context")
reduce_sum, reduce_mean, argmax = method("sum"), method("mean"), method("argmax")
astype, expand_dims, size, transpose = method("astype"), np.expand_dims, numpy_size, \
    numpy_transpose
