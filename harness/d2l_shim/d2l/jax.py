"""`from d2l import jax as d2l`: plotting helpers, arrays converted with numpy.asarray."""

import jax
import numpy
from jax import numpy as jnp

from d2l._common import make_plot, missing, plt, set_axes, set_figsize, use_svg_display


def numpy_of(x):
    return numpy.asarray(x) if isinstance(x, jax.Array) else x


plot = make_plot(numpy_of)
__all__ = ["jax", "jnp", "numpy", "plot", "plt", "set_axes", "set_figsize", "use_svg_display"]
__getattr__ = missing("jax")
