"""Equal random inputs: every framework's random draws come from one shared seeded stream.

Chapters draw data with `np.random.*`, `torch.randn`, `tf.random.normal`,
`jax.random.*`, ... Each framework draws different numbers, so every value computed
from them would "drift". In `equal` mode the kernel reseeds one NumPy Generator at
the start of each cell (the orchestrator gives aligned cells the same seed) and the
random APIs below draw from it: same distribution, parameters and shape give the same
numbers in every tab, in that framework's own dtype and array type (float64 draws,
then cast). A `jax.random` key plays no part. APIs not covered still run natively
and are recorded as *uncovered*, so the orchestrator does not compare what depends
on them. In `native` mode nothing is replaced; every draw is recorded as native.

Patches are applied when a framework is first imported (a post-import hook), so a
cell's `from mxnet.numpy.random import multinomial` already gets the patched one.
"""

import functools
import importlib.abc
import sys
import typing
from collections import Counter

import numpy

_ORIGINAL_DEFAULT_RNG = numpy.random.default_rng


class Stream:
    """The shared generator, reseeded per cell, and the record of the cell's draws."""

    def __init__(self, mode: str):
        self.mode = mode                   # "equal" | "native"
        self.gen = _ORIGINAL_DEFAULT_RNG(0)
        self.equalised, self.uncovered, self.ignored = Counter(), Counter(), Counter()
        self.patch_errors = []

    def reset(self, seed: int) -> None:
        self.gen = _ORIGINAL_DEFAULT_RNG(seed)
        self.equalised, self.uncovered, self.ignored = Counter(), Counter(), Counter()

    def report(self) -> dict:
        out = {"mode": self.mode, "equalised": dict(self.equalised),
               "uncovered": dict(self.uncovered), "seed_calls_ignored": dict(self.ignored)}
        if self.patch_errors:
            out["patch_errors"] = list(self.patch_errors)
        return out

    def draw(self, api: str, method: str, *args, **kwargs):
        """gen.<method>(*args, **kwargs), recorded as an equalised draw of `api`."""
        self.equalised[api] += 1
        return getattr(self.gen, method)(*args, **kwargs)


STREAM = Stream("equal")


def _shape(size) -> tuple:
    if size is None:
        return ()
    if isinstance(size, (int, numpy.integer)):
        return (int(size),)
    return tuple(int(n) for n in size)


def _plain(x):
    """A numpy value for a framework tensor, list or number (parameters of a draw)."""
    for attr in ("asnumpy", "numpy"):
        if hasattr(x, attr) and callable(getattr(x, attr)):
            if hasattr(x, "detach"):
                x = x.detach().cpu()
            return numpy.asarray(getattr(x, attr)())
    return numpy.asarray(x)


# --- the wrappers: replace (equal mode) or record (native mode / uncovered) ----------

def _replace(module_or_class, name, api, make):
    """Set `name` to make(original); in native mode only record calls of the original."""
    original = getattr(module_or_class, name, None)
    if original is None or getattr(original, "_harness_random", False):
        return
    fn = make(original) if STREAM.mode == "equal" else _recorder(original, api, native=True)

    def new(*args, **kwargs):
        if _during_import():           # a library drawing while it loads: not the chapter's
            return original(*args, **kwargs)
        return fn(*args, **kwargs)
    try:
        functools.update_wrapper(new, original)
    except (AttributeError, TypeError):
        pass
    new._harness_random = True
    setattr(module_or_class, name, new)


def _recorder(original, api, native=False):
    counter = "uncovered"

    def record(*args, **kwargs):
        if not _during_import():
            getattr(STREAM, counter)[api + (" (native)" if native else "")] += 1
        return original(*args, **kwargs)
    return record


def _during_import() -> bool:
    """True while some module is being imported (its draws are not the chapter's)."""
    frame = sys._getframe(2)
    while frame is not None:
        if frame.f_code.co_filename.startswith("<frozen importlib"):
            return True
        frame = frame.f_back
    return False


def _record_only(owner, names, prefix):
    for name in names:
        original = getattr(owner, name, None)
        if callable(original) and not getattr(original, "_harness_random", False):
            new = _recorder(original, f"{prefix}.{name}", native=STREAM.mode != "equal")
            new._harness_random = True
            setattr(owner, name, new)


def _ignore_seed(api):
    def make(original):
        def seed(*args, **kwargs):
            STREAM.ignored[api] += 1
            return original(*args, **kwargs) if api.startswith("torch") else None
        return seed
    return make


# --- NumPy ------------------------------------------------------------------------------

class LegacyDraws:
    """numpy.random's legacy functions (and RandomState's methods) on the shared stream."""

    def __init__(self, api="numpy.random"):
        self.api = api

    def _d(self, name, method, *args, **kwargs):
        return STREAM.draw(f"{self.api}.{name}", method, *args, **kwargs)

    def rand(self, *shape):
        return self._d("rand", "random", shape or None)

    def randn(self, *shape):
        return self._d("randn", "standard_normal", shape or None)

    def random_sample(self, size=None):
        return self._d("random_sample", "random", size)

    random = ranf = sample = random_sample

    def standard_normal(self, size=None):
        return self._d("standard_normal", "standard_normal", size)

    def normal(self, loc=0.0, scale=1.0, size=None):
        return self._d("normal", "normal", loc, scale, size)

    def uniform(self, low=0.0, high=1.0, size=None):
        return self._d("uniform", "uniform", low, high, size)

    def randint(self, low, high=None, size=None, dtype=int):
        low, high = (0, low) if high is None else (low, high)
        return self._d("randint", "integers", low, high, size, dtype=dtype)

    def choice(self, a, size=None, replace=True, p=None):
        return self._d("choice", "choice", a, size, replace, p)

    def permutation(self, x):
        return self._d("permutation", "permutation", x)

    def shuffle(self, x):
        return self._d("shuffle", "shuffle", x)

    def multinomial(self, n, pvals, size=None):
        return self._d("multinomial", "multinomial", n, pvals, size)

    def binomial(self, n, p, size=None):
        return self._d("binomial", "binomial", n, p, size)

    def poisson(self, lam=1.0, size=None):
        return self._d("poisson", "poisson", lam, size)

    def exponential(self, scale=1.0, size=None):
        return self._d("exponential", "exponential", scale, size)

    def seed(self, *args, **kwargs):
        STREAM.ignored[f"{self.api}.seed"] += 1


class SharedRandomState(LegacyDraws):
    """What `numpy.random.RandomState(seed)` makes: legacy draws from the shared stream."""

    def __init__(self, *args, **kwargs):
        super().__init__("numpy.random.RandomState")


_LEGACY_NAMES = ("rand", "randn", "random_sample", "random", "ranf", "sample",
                 "standard_normal", "normal", "uniform", "randint", "choice", "permutation",
                 "shuffle", "multinomial", "binomial", "poisson", "exponential", "seed")
_NUMPY_NO_DRAW = {"default_rng", "RandomState", "Generator", "SeedSequence", "BitGenerator",
                  "get_state", "set_state", "get_bit_generator", "set_bit_generator",
                  "MT19937", "PCG64", "PCG64DXSM", "Philox", "SFC64", "test", "bit_generator",
                  "mtrand"}


class SharedGenerator:
    """What `numpy.random.default_rng(...)` returns: a Generator drawing the shared stream."""

    def __getattr__(self, name):
        method = getattr(STREAM.gen, name)
        if not callable(method):
            return method

        def call(*args, **kwargs):
            return STREAM.draw(f"numpy.random.Generator.{name}", name, *args, **kwargs)
        return call


def patch_numpy(np_random) -> None:
    legacy = LegacyDraws()
    for name in _LEGACY_NAMES:
        _replace(np_random, name, f"numpy.random.{name}",
                 lambda original, n=name: getattr(legacy, n))
    _replace(np_random, "default_rng", "numpy.random.default_rng",
             lambda original: lambda *a, **k: SharedGenerator())
    if STREAM.mode == "equal" and np_random.RandomState is not SharedRandomState:
        np_random.RandomState = SharedRandomState
    _record_only(np_random, [n for n in dir(np_random) if not n.startswith("_")
                             and n not in _NUMPY_NO_DRAW and n not in _LEGACY_NAMES
                             and callable(getattr(np_random, n))], "numpy.random")


# --- Python's random --------------------------------------------------------------------

def patch_python_random(random) -> None:
    def d(name, method, *args, **kwargs):
        return STREAM.draw(f"random.{name}", method, *args, **kwargs)

    def shuffle(x):
        order = d("shuffle", "permutation", len(x))
        x[:] = [x[i] for i in order]

    table = {
        "random": lambda: float(d("random", "random")),
        "uniform": lambda a, b: float(d("uniform", "uniform", a, b)),
        "gauss": lambda mu=0.0, sigma=1.0: float(d("gauss", "normal", mu, sigma)),
        "normalvariate": lambda mu=0.0, sigma=1.0: float(d("normalvariate", "normal", mu, sigma)),
        "randint": lambda a, b: int(d("randint", "integers", a, b + 1)),
        "randrange": lambda start, stop=None, step=1: (
            int(d("randrange", "integers", 0, start)) if stop is None
            else start + step * int(d("randrange", "integers", 0, (stop - start + step - 1)
                                      // step))),
        "choice": lambda seq: seq[int(d("choice", "integers", 0, len(seq)))],
        "sample": lambda population, k: [list(population)[i] for i in
                                         d("sample", "choice", len(population), k, False)],
        "shuffle": shuffle,
    }
    for name, fn in table.items():
        _replace(random, name, f"random.{name}", lambda original, f=fn: f)
    _replace(random, "seed", "random.seed", _ignore_seed("random.seed"))
    _record_only(random, ["choices", "betavariate", "expovariate", "gammavariate",
                          "lognormvariate", "triangular", "vonmisesvariate", "paretovariate",
                          "weibullvariate"], "random")


def _install(hooks) -> None:
    for name, patch in hooks.items():
        module = sys.modules.get(name)
        if module is not None:
            _safe_patch(name, patch, module)
        else:
            _PostImport.pending[name] = patch
    if not any(isinstance(f, _PostImport) for f in sys.meta_path):
        sys.meta_path.insert(0, _PostImport())


def on_import(name: str, patch) -> None:
    """Run patch(module) now if `name` is imported, else right after its first import."""
    _install({name: patch})


def _safe_patch(name, patch, module) -> None:
    try:
        patch(module)
    except Exception as exc:  # noqa: BLE001 - a failed patch leaves that API native, recorded
        STREAM.patch_errors.append(f"{name}: {type(exc).__name__}: {exc}")


class _PostImport(importlib.abc.MetaPathFinder):
    """Runs a module's patch right after the module's own code, on first import."""

    pending: typing.ClassVar[dict] = {}

    def find_spec(self, name, path, target=None):
        if name not in self.pending:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None:
                break
        else:
            return None
        loader = spec.loader
        if loader is None or not hasattr(loader, "exec_module"):
            return spec
        original = loader.exec_module
        patch = self.pending.pop(name)

        def exec_module(module):
            original(module)
            _safe_patch(name, patch, module)
        loader.exec_module = exec_module
        return spec


def install(mode: str) -> Stream:
    """Patch now (numpy, random) and on import (the frameworks); returns the stream."""
    from harness.doc.worker import random_frameworks as fw

    STREAM.mode = mode
    hooks = {"numpy.random": patch_numpy, "random": patch_python_random,
             "torch": fw.patch_torch, "torch.distributions.multinomial": fw.patch_torch_multinomial,
             "tensorflow": fw.patch_tensorflow, "mxnet": fw.patch_mxnet, "jax": fw.patch_jax,
             "tensorflow_probability.python.distributions.multinomial": fw.patch_tfp_multinomial,
             "tensorflow_probability.python.distributions.normal": fw.patch_tfp_normal}
    _install(hooks)
    return STREAM
