"""`from d2l import mxnet as d2l`: plotting helpers, arrays converted with .asnumpy()."""

import numpy
from mxnet import np, npx

from d2l._common import make_plot, missing, plt, set_axes, set_figsize, use_svg_display


def numpy_of(x):
    return x.asnumpy() if hasattr(x, "asnumpy") else x


plot = make_plot(numpy_of)
__all__ = ["np", "npx", "numpy", "plot", "plt", "set_axes", "set_figsize", "use_svg_display"]
__getattr__ = missing("mxnet")
