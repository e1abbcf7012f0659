"""What every framework flavour of the shim shares: the plotting helpers (headless
matplotlib), the offline stand-ins for downloads, and `flavour()`, which gives a flavour
module all of it plus the aliases whose name is the framework's own."""

import matplotlib

matplotlib.use("Agg")
from matplotlib import pyplot as plt

# what `from d2l import FLAVOUR as d2l` offers in every flavour (flavour() adds them)
SHARED = ("download", "download_extract", "plt", "set_axes", "set_figsize", "use_svg_display")
# the book's aliases (its config.ini [library-*]) that every framework spells the same way
SAME_NAMES = ("ones", "zeros", "meshgrid", "sin", "sinh", "cos", "cosh", "tanh", "linspace",
              "exp", "stack", "abs", "eye", "int32", "int64", "float32", "float64",
              "ones_like", "zeros_like")


def use_svg_display():
    """Notebooks switch to SVG output; headless runs save PNGs, so nothing to do."""


def set_figsize(figsize=(3.5, 2.5)):
    """Default size of the figures drawn from now on."""
    plt.rcParams["figure.figsize"] = figsize


def set_axes(axes, xlabel, ylabel, xlim, ylim, xscale, yscale, legend):
    """Labels, limits, scales, legend and grid of one matplotlib axes."""
    axes.set_xlabel(xlabel)
    axes.set_ylabel(ylabel)
    axes.set_xscale(xscale)
    axes.set_yscale(yscale)
    axes.set_xlim(xlim)
    axes.set_ylim(ylim)
    if legend:
        axes.legend(legend)
    axes.grid()


def _plain(value, to_numpy):
    """Framework tensors become numpy arrays; lists of tensors are converted item-wise."""
    if isinstance(value, (list, tuple)):
        return [_plain(v, to_numpy) for v in value]
    return to_numpy(value)


def _one_axis(x) -> bool:
    """True for a single series: a 1-d array or a flat list of numbers."""
    if hasattr(x, "ndim"):
        return x.ndim == 1
    return isinstance(x, list) and (not x or not hasattr(x[0], "__len__"))


def make_plot(to_numpy):
    """`plot(X, Y=None, xlabel, ylabel, legend, xlim, ylim, xscale, yscale, fmts, figsize,
    axes)`: one or several series, as in the book; `X` alone plots Y against its index."""

    def plot(X, Y=None, xlabel=None, ylabel=None, legend=None, xlim=None, ylim=None,
             xscale="linear", yscale="linear", fmts=("-", "m--", "g-.", "r:"),
             figsize=(3.5, 2.5), axes=None):
        X, Y = _plain(X, to_numpy), (None if Y is None else _plain(Y, to_numpy))
        legend = [] if legend is None else legend
        set_figsize(figsize)
        axes = axes if axes is not None else plt.gca()
        if _one_axis(X):
            X = [X]
        if Y is None:
            X, Y = [[]] * len(X), X
        elif _one_axis(Y):
            Y = [Y]
        if len(X) != len(Y):
            X = X * len(Y)
        axes.cla()
        for x, y, fmt in zip(X, Y, fmts * (len(Y) // len(fmts) + 1)):
            if len(x):
                axes.plot(x, y, fmt)
            else:
                axes.plot(y, fmt)
        set_axes(axes, xlabel, ylabel, xlim, ylim, xscale, yscale, legend)

    return plot


def missing(flavour):
    """Module __getattr__ that names what the shim lacks."""

    def __getattr__(name):
        raise AttributeError(
            f"d2l.{name} is not provided by harness's d2l shim ({flavour}); "
            f"add it to harness/d2l_shim/d2l/ if chapters need it")

    return __getattr__


def method(name):
    """`d2l.NAME(x, ...)` that calls `x.NAME(...)`, as the book's config.ini aliases do."""

    def call(x, *args, **kwargs):
        return getattr(x, name)(*args, **kwargs)

    call.__name__ = name
    return call


class OfflineDownloadError(ConnectionError):
    """The chapter needs a file from the internet; harness doc runs offline."""


def download(url, folder=None, sha1_hash=None):
    """The book's `d2l.download`: doc mode has no network, so it says so plainly."""
    raise OfflineDownloadError(f"d2l.download({url!r}) needs a download, and harness doc runs "
                               f"offline: this cell cannot be compared")


def download_extract(name, folder=None):
    raise OfflineDownloadError(f"d2l.download_extract({name!r}) needs a download, and "
                               f"harness doc runs offline: this cell cannot be compared")


def flavour(name, xp, numpy_of) -> dict:
    """The names every flavour module `name` exports, for its globals(): the shared helpers,
    `plot` and `numpy` converting arrays with `numpy_of`, the SAME_NAMES from the framework
    namespace `xp`, and a module __getattr__ that names what the shim lacks."""
    names = {n: globals()[n] for n in SHARED}
    names.update({n: getattr(xp, n) for n in SAME_NAMES})
    names.update(plot=make_plot(numpy_of), numpy=numpy_of, __getattr__=missing(name))
    return names


def numpy_size(x):
    """`d2l.size` where arrays are NumPy-like (jax, mxnet): the number of elements."""
    return x.size


def numpy_transpose(x):
    """`d2l.transpose` where arrays are NumPy-like (jax, mxnet)."""
    return x.T
