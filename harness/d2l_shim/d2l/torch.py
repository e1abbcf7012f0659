"""`from d2l import torch as d2l`: plotting helpers and the book's tensor aliases (its
config.ini `[library-pytorch]`), tensors converted with .detach().numpy()."""

import torch

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
    return x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else x


plot = make_plot(numpy_of)

# simple aliases: the framework's own function under the book's name
ones, zeros, tensor, arange, meshgrid = torch.ones, torch.zeros, torch.tensor, torch.arange, \
    torch.meshgrid
sin, sinh, cos, cosh, tanh = torch.sin, torch.sinh, torch.cos, torch.cosh, torch.tanh
linspace, exp, log, normal, rand, randn = torch.linspace, torch.exp, torch.log, torch.normal, \
    torch.rand, torch.randn
matmul, concat, stack, abs, eye = torch.matmul, torch.cat, torch.stack, torch.abs, torch.eye
int32, int64, float32, float64 = torch.int32, torch.int64, torch.float32, torch.float64
ones_like, zeros_like, sigmoid = torch.ones_like, torch.zeros_like, torch.sigmoid
# method aliases: d2l.NAME(x, ...) is x.METHOD(...)
numpy = numpy_of
size, reshape, to = method("numel"), method("reshape"), method("to")
reduce_sum, reduce_mean, argmax = method("sum"), method("mean"), method("argmax")
astype, transpose, expand_dims = method("type"), method("t"), method("unsqueeze")
__getattr__ = missing("torch")
_ = (download, download_extract, plt, set_axes, set_figsize, use_svg_display)
