"""Our own small stand-in for the `d2l` package, for running chapters headless.

The real `d2l` pins old numpy and matplotlib, so it cannot live beside the
frameworks. Chapters use `from d2l import torch as d2l` (or mxnet, tensorflow, jax)
for plotting helpers; `harness doc` puts this folder's parent on PYTHONPATH. Written
from the behaviour chapters rely on, not from d2l's source. A missing helper fails
with a message saying so, rather than silently doing something else.
"""

import os

os.environ.setdefault("MPLBACKEND", "Agg")
