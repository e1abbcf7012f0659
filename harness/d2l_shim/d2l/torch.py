"""`from d2l import torch as d2l`: plotting helpers, tensors converted with .detach().numpy()."""

import numpy
import torch

from d2l._common import make_plot, missing, plt, set_axes, set_figsize, use_svg_display


def numpy_of(x):
    return x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else x


plot = make_plot(numpy_of)
__all__ = ["numpy", "plot", "plt", "set_axes", "set_figsize", "torch", "use_svg_display"]
__getattr__ = missing("torch")
