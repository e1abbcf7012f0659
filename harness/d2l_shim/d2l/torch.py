"""`from d2l import torch as d2l`: plotting helpers and the book's tensor aliases (its
config.ini `[library-pytorch]`), tensors converted with .detach().numpy()."""

import torch

from d2l._common import flavour, method


def numpy_of(x):
    return x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else x


globals().update(flavour("torch", torch, numpy_of))
# simple aliases whose torch name differs: the framework's own function under the book's name
tensor, arange, log, matmul, concat = torch.tensor, torch.arange, torch.log, torch.matmul, \
    torch.cat
normal, rand, randn, sigmoid = torch.normal, torch.rand, torch.randn, torch.sigmoid
# method aliases: d2l.NAME(x, ...) is x.METHOD(...)
size, reshape, to = method("numel"), method("reshape"), method("to")
reduce_sum, reduce_mean, argmax = method("sum"), method("mean"), method("argmax")
astype, transpose, expand_dims = method("type"), method("t"), method("unsqueeze")
