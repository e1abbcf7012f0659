"""`from d2l import tensorflow as d2l`: plotting helpers, tensors converted with .numpy()."""

import numpy
import tensorflow as tf

from d2l._common import make_plot, missing, plt, set_axes, set_figsize, use_svg_display


def numpy_of(x):
    return x.numpy() if isinstance(x, (tf.Tensor, tf.Variable)) else x


plot = make_plot(numpy_of)
__all__ = ["numpy", "plot", "plt", "set_axes", "set_figsize", "tf", "use_svg_display"]
__getattr__ = missing("tensorflow")
