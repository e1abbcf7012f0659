"""`from d2l import mxnet as d2l`: plotting helpers and the book's array aliases (its
config.ini `[library-mxnet]`), arrays converted with .asnumpy()."""

from mxnet import np, npx

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
    return x.asnumpy() if hasattr(x, "asnumpy") else x


plot = make_plot(numpy_of)

ones, zeros, tensor, arange, meshgrid = np.ones, np.zeros, np.array, np.arange, np.meshgrid
sin, sinh, cos, cosh, tanh = np.sin, np.sinh, np.cos, np.cosh, np.tanh
linspace, exp, log, normal, rand = np.linspace, np.exp, np.log, np.random.normal, \
    np.random.uniform
matmul, concat, stack, abs, eye = np.dot, np.concatenate, np.stack, np.abs, np.eye
int32, int64, float32, float64 = np.int32, np.int64, np.float32, np.float64
ones_like, zeros_like = np.ones_like, np.zeros_like
numpy = numpy_of
reshape, to = method("reshape"), method("as_in_context")
reduce_sum, reduce_mean, argmax = method("sum"), method("mean"), method("argmax")
astype, expand_dims = method("astype"), np.expand_dims


def size(x):
    return x.size


def transpose(x):
    return x.T


__getattr__ = missing("mxnet")
_ = (download, download_extract, npx, plt, set_axes, set_figsize, use_svg_display)
