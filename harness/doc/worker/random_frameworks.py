"""The frameworks' random APIs on the shared stream (see randomness.py for why).

Each patch draws float64 (or int64) numbers from the stream with the NumPy Generator
method that has the same distribution and parameters, then builds the framework's
own array in the dtype the native call would have returned.
"""

import numpy

from harness.doc.worker.randomness import (
    STREAM,
    _ignore_seed,
    _plain,
    _record_only,
    _replace,
    _shape,
)


def _draw(api, method, *args, **kwargs):
    return STREAM.draw(api, method, *args, **kwargs)


# --- PyTorch ----------------------------------------------------------------------------

def _torch_size(args, kwargs):
    if "size" in kwargs:
        return _shape(kwargs.pop("size"))
    if len(args) == 1 and not isinstance(args[0], int):
        return _shape(args[0])
    return _shape(args)


def _torch_out(torch, arr, kwargs, default_dtype):
    dtype = kwargs.get("dtype") or default_dtype
    t = torch.as_tensor(numpy.asarray(arr), dtype=dtype, device=kwargs.get("device"))
    if kwargs.get("requires_grad"):
        t.requires_grad_(True)
    if kwargs.get("out") is not None:
        kwargs["out"].resize_(t.shape).copy_(t)
        return kwargs["out"]
    return t


def patch_torch(torch) -> None:
    fdt = torch.get_default_dtype

    def randn(*args, **kw):
        return _torch_out(torch, _draw("torch.randn", "standard_normal", _torch_size(args, kw)),
                          kw, fdt())

    def rand(*args, **kw):
        return _torch_out(torch, _draw("torch.rand", "random", _torch_size(args, kw)), kw, fdt())

    def randint(*args, **kw):
        args = list(args)
        size = kw.pop("size", None) or (args.pop() if args and not isinstance(args[-1], int)
                                        else ())
        low, high = (0, args[0]) if len(args) == 1 else (args[0], args[1]) if args else (
            kw.pop("low", 0), kw.pop("high"))
        return _torch_out(torch, _draw("torch.randint", "integers", low, high, _shape(size)),
                          kw, torch.int64)

    def randperm(n, **kw):
        return _torch_out(torch, _draw("torch.randperm", "permutation", int(n)), kw, torch.int64)

    def normal(mean=0.0, std=1.0, size=None, **kw):
        size = kw.pop("size", size)
        if size is not None:
            arr = _draw("torch.normal", "normal", float(mean), float(std), _shape(size))
            return _torch_out(torch, arr, kw, fdt())
        m, s = torch.as_tensor(mean), torch.as_tensor(std)
        shape = torch.broadcast_shapes(m.shape, s.shape)
        dtype = m.dtype if m.is_floating_point() else s.dtype
        with torch.no_grad():
            z = torch.as_tensor(_draw("torch.normal", "standard_normal", tuple(shape)),
                                dtype=dtype, device=m.device)
            return _torch_out(torch, (m + s * z).cpu().numpy(), kw, dtype)

    table = {"randn": randn, "rand": rand, "randint": randint, "randperm": randperm,
             "normal": normal, **_torch_more(torch)}
    for name, fn in table.items():
        _replace(torch, name, f"torch.{name}", lambda original, f=fn: f)

    _patch_tensor_methods(torch)
    _replace(torch, "manual_seed", "torch.manual_seed", _ignore_seed("torch.manual_seed"))


def _torch_more(torch) -> dict:
    """The `_like` forms, `multinomial` and `bernoulli`."""

    def like(name, method, extra=()):
        def draw(input, *args, **kw):
            dtype = kw.pop("dtype", None) or input.dtype
            params = list(args) if extra else []
            if extra and len(params) == 1:
                params = [0] + params
            arr = _draw(f"torch.{name}", method, *params, tuple(input.shape))
            return _torch_out(torch, arr, dict(kw, device=kw.get("device") or input.device),
                              dtype)
        return draw

    def multinomial(input, num_samples, replacement=False, **kw):
        probs = _plain(input).astype("float64")
        rows = probs.reshape(-1, probs.shape[-1])
        out = numpy.stack([_draw("torch.multinomial", "choice", len(p), num_samples,
                                 replacement, p / p.sum()) for p in rows])
        return _torch_out(torch, out.reshape(probs.shape[:-1] + (num_samples,)), kw, torch.int64)

    def bernoulli(input, p=None, **kw):
        prob = _plain(input if p is None else p)
        arr = _draw("torch.bernoulli", "random", prob.shape if p is None else
                    tuple(input.shape)) < prob
        return _torch_out(torch, arr, kw, input.dtype)

    return {"randn_like": like("randn_like", "standard_normal"),
            "rand_like": like("rand_like", "random"),
            "randint_like": like("randint_like", "integers", extra=True),
            "multinomial": multinomial, "bernoulli": bernoulli}


def _patch_tensor_methods(torch) -> None:
    """In-place `Tensor.normal_` / `uniform_` (what torch.nn.init uses)."""

    def normal_(self, mean=0.0, std=1.0, **kw):
        arr = _draw("torch.Tensor.normal_", "normal", mean, std, tuple(self.shape))
        with torch.no_grad():
            return self.copy_(torch.as_tensor(arr, dtype=self.dtype))

    def uniform_(self, *args, **kw):
        low, high = (list(args) + [kw.get("from", 0.0), kw.get("to", 1.0)][len(args):])[:2]
        arr = _draw("torch.Tensor.uniform_", "uniform", low, high, tuple(self.shape))
        with torch.no_grad():
            return self.copy_(torch.as_tensor(arr, dtype=self.dtype))

    _replace(torch.Tensor, "normal_", "torch.Tensor.normal_", lambda original: normal_)
    _replace(torch.Tensor, "uniform_", "torch.Tensor.uniform_", lambda original: uniform_)
    _record_only(torch, ["poisson", "binomial", "normal_like"], "torch")
    _record_only(torch.Tensor, ["bernoulli_", "exponential_", "geometric_", "log_normal_",
                                "cauchy_", "random_"], "torch.Tensor")


def patch_torch_multinomial(module) -> None:
    import torch

    def sample(self, sample_shape=()):
        probs = _plain(self.probs).astype("float64")
        shape = tuple(sample_shape) + tuple(self.batch_shape)
        p = probs.reshape(-1, probs.shape[-1])[0] if probs.ndim > 1 else probs
        counts = _draw("torch.distributions.Multinomial.sample", "multinomial",
                       int(self.total_count), p / p.sum(), shape)
        return torch.as_tensor(counts, dtype=self.probs.dtype)

    _replace(module.Multinomial, "sample", "torch.distributions.Multinomial.sample",
             lambda original: sample)


# --- TensorFlow -------------------------------------------------------------------------

def patch_tensorflow(tf) -> None:
    r = tf.random

    def out(arr, dtype):
        return tf.constant(numpy.asarray(arr), dtype=dtype)

    def normal(shape, mean=0.0, stddev=1.0, dtype=tf.float32, seed=None, name=None):
        return out(_draw("tf.random.normal", "normal", _plain(mean), _plain(stddev),
                         _shape(_plain(shape).tolist())), dtype)

    def uniform(shape, minval=0, maxval=None, dtype=tf.float32, seed=None, name=None):
        dtype = tf.as_dtype(dtype)
        size = _shape(_plain(shape).tolist())
        if dtype.is_integer:
            return out(_draw("tf.random.uniform", "integers", _plain(minval), _plain(maxval),
                             size), dtype)
        high = 1.0 if maxval is None else _plain(maxval)
        return out(_draw("tf.random.uniform", "uniform", _plain(minval), high, size), dtype)

    def shuffle(value, seed=None, name=None):
        value = tf.convert_to_tensor(value)
        order = _draw("tf.random.shuffle", "permutation", int(value.shape[0]))
        return tf.gather(value, order)

    def categorical(logits, num_samples, dtype=None, seed=None, name=None):
        lg = _plain(logits).astype("float64")
        p = numpy.exp(lg - lg.max(axis=-1, keepdims=True))
        p /= p.sum(axis=-1, keepdims=True)
        rows = [_draw("tf.random.categorical", "choice", p.shape[-1], int(num_samples), True, q)
                for q in p]
        return out(numpy.stack(rows), dtype or tf.int64)

    for name, fn in {"normal": normal, "uniform": uniform, "shuffle": shuffle,
                     "categorical": categorical}.items():
        _replace(r, name, f"tf.random.{name}", lambda original, f=fn: f)
    _replace(r, "set_seed", "tf.random.set_seed", _ignore_seed("tf.random.set_seed"))
    _record_only(r, ["truncated_normal", "gamma", "poisson", "stateless_normal",
                     "stateless_uniform", "stateless_categorical", "log_uniform_candidate_sampler",
                     "stateless_truncated_normal", "stateless_binomial"], "tf.random")


def patch_tfp_multinomial(module) -> None:
    import tensorflow as tf

    def sample(self, sample_shape=(), seed=None, name=None, **kwargs):
        probs = _plain(self.probs_parameter()).astype("float64")
        size = _shape(numpy.atleast_1d(_plain(sample_shape)).tolist()) + tuple(probs.shape[:-1])
        p = probs.reshape(-1, probs.shape[-1])[0]
        counts = _draw("tfp.distributions.Multinomial.sample", "multinomial",
                       int(_plain(self.total_count)), p / p.sum(), size)
        return tf.constant(counts, dtype=self.dtype)

    _replace(module.Multinomial, "sample", "tfp.distributions.Multinomial.sample",
             lambda original: sample)


def patch_tfp_normal(module) -> None:
    import tensorflow as tf

    def sample(self, sample_shape=(), seed=None, name=None, **kwargs):
        loc, scale = _plain(self.loc), _plain(self.scale)
        size = _shape(numpy.atleast_1d(_plain(sample_shape)).tolist()) + numpy.broadcast(
            loc, scale).shape
        return tf.constant(_draw("tfp.distributions.Normal.sample", "normal", loc, scale, size),
                           dtype=self.dtype)

    _replace(module.Normal, "sample", "tfp.distributions.Normal.sample", lambda original: sample)


# --- MXNet ------------------------------------------------------------------------------

def patch_mxnet(mx) -> None:
    mnp = mx.np.random

    def arr(a, dtype=None, ctx=None, maker=mx.np.array):
        kw = {"ctx": ctx} if ctx is not None else {}
        return maker(numpy.asarray(a), dtype=dtype or "float32", **kw)

    def np_normal(loc=0.0, scale=1.0, size=None, dtype=None, ctx=None, out=None, **_):
        return arr(_draw("mx.np.random.normal", "normal", _plain(loc), _plain(scale),
                         _shape(size) or None), dtype, ctx)

    def np_uniform(low=0.0, high=1.0, size=None, dtype=None, ctx=None, out=None, **_):
        return arr(_draw("mx.np.random.uniform", "uniform", _plain(low), _plain(high),
                         _shape(size) or None), dtype, ctx)

    def np_randint(low, high=None, size=None, dtype=None, ctx=None, out=None, **_):
        low, high = (0, low) if high is None else (low, high)
        return arr(_draw("mx.np.random.randint", "integers", low, high, _shape(size) or None),
                   dtype or "int64", ctx)

    def np_multinomial(n, pvals, size=None, **_):
        return arr(_draw("mx.np.random.multinomial", "multinomial", int(n),
                         _plain(pvals).astype("float64"), _shape(size) or None), "int64")

    def np_choice(a, size=None, replace=True, p=None, ctx=None, out=None, **_):
        a = int(a) if numpy.ndim(_plain(a)) == 0 else _plain(a)
        p = None if p is None else _plain(p).astype("float64")
        got = numpy.asarray(_draw("mx.np.random.choice", "choice", a, size, replace, p))
        return arr(got, "int64" if got.dtype.kind in "iu" else None, ctx)

    def np_shuffle(x):
        order = _draw("mx.np.random.shuffle", "permutation", int(x.shape[0]))
        x[:] = x[mx.np.array(order, dtype="int64")]

    table = {
        "normal": np_normal, "uniform": np_uniform, "randint": np_randint,
        "multinomial": np_multinomial, "choice": np_choice, "shuffle": np_shuffle,
        "rand": lambda *size, **kw: arr(_draw("mx.np.random.rand", "random", size or None)),
        "randn": lambda *size, **kw: arr(_draw("mx.np.random.randn", "standard_normal",
                                               size or None)),
    }
    for name, fn in table.items():
        _replace(mnp, name, f"mx.np.random.{name}", lambda original, f=fn: f)
    _record_only(mnp, [n for n in dir(mnp) if not n.startswith("_") and n not in table
                       and callable(getattr(mnp, n))], "mx.np.random")

    _patch_mxnet_nd(mx, arr)
    _replace(mx.random, "seed", "mx.random.seed", _ignore_seed("mx.random.seed"))


def _patch_mxnet_nd(mx, arr) -> None:
    """The legacy `mx.nd.random` API."""
    nd = mx.nd.random

    def nd_out(a, dtype, ctx):
        return arr(a, dtype, ctx, maker=mx.nd.array)

    def nd_normal(loc=0, scale=1, shape=None, dtype=None, ctx=None, out=None, **_):
        return nd_out(_draw("mx.nd.random.normal", "normal", _plain(loc), _plain(scale),
                            _shape(shape) or (1,)), dtype, ctx)

    def nd_uniform(low=0, high=1, shape=None, dtype=None, ctx=None, out=None, **_):
        return nd_out(_draw("mx.nd.random.uniform", "uniform", _plain(low), _plain(high),
                            _shape(shape) or (1,)), dtype, ctx)

    def nd_randn(*shape, loc=0, scale=1, dtype=None, ctx=None, **_):
        return nd_out(_draw("mx.nd.random.randn", "normal", loc, scale, shape or (1,)), dtype, ctx)

    def nd_randint(low, high, shape=None, dtype=None, ctx=None, out=None, **_):
        return nd_out(_draw("mx.nd.random.randint", "integers", low, high, _shape(shape) or (1,)),
                      dtype or "int32", ctx)

    nd_table = {"normal": nd_normal, "uniform": nd_uniform, "randn": nd_randn,
                "randint": nd_randint}
    for name, fn in nd_table.items():
        _replace(nd, name, f"mx.nd.random.{name}", lambda original, f=fn: f)
    _record_only(nd, [n for n in dir(nd) if not n.startswith("_") and n not in nd_table
                      and n not in ("NDArray", "current_context", "numeric_types")
                      and callable(getattr(nd, n))], "mx.nd.random")


# --- JAX --------------------------------------------------------------------------------

_JAX_NO_DRAW = {"PRNGKey", "key", "split", "fold_in", "key_data", "wrap_key_data", "clone",
                "key_impl", "default_prng_impl", "threefry_2x32", "threefry2x32_p", "bits",
                "KeyArray", "PRNGKeyArray", "random_wrap", "random_unwrap", "key_array"}


def patch_jax(jax) -> None:
    import jax.numpy as jnp

    r = jax.random

    def out(a, dtype):
        return jnp.asarray(numpy.asarray(a), dtype=dtype)

    def fdt(dtype):
        return dtype if dtype is not None else jnp.zeros(()).dtype

    def normal(key, shape=(), dtype=None, **_):
        return out(_draw("jax.random.normal", "standard_normal", _shape(shape)), fdt(dtype))

    def uniform(key, shape=(), dtype=None, minval=0.0, maxval=1.0, **_):
        return out(_draw("jax.random.uniform", "uniform", _plain(minval), _plain(maxval),
                         _shape(shape)), fdt(dtype))

    def randint(key, shape, minval, maxval, dtype=None, **_):
        return out(_draw("jax.random.randint", "integers", _plain(minval), _plain(maxval),
                         _shape(shape)), dtype or jnp.zeros((), dtype=int).dtype)

    def permutation(key, x, axis=0, independent=False):
        if numpy.ndim(x) == 0:
            return out(_draw("jax.random.permutation", "permutation", int(x)), None)
        x = jnp.asarray(x)
        order = _draw("jax.random.permutation", "permutation", int(x.shape[axis]))
        return jnp.take(x, jnp.asarray(order), axis=axis)

    def choice(key, a, shape=(), replace=True, p=None, axis=0):
        a_ = int(a) if numpy.ndim(a) == 0 else _plain(a)
        p = None if p is None else _plain(p).astype("float64")
        got = numpy.asarray(_draw("jax.random.choice", "choice", a_, _shape(shape), replace, p))
        return out(got, None)

    def bernoulli(key, p=0.5, shape=None, **_):
        prob = _plain(p)
        size = _shape(shape) if shape is not None else prob.shape
        return out(_draw("jax.random.bernoulli", "random", size) < prob, bool)

    table = {"normal": normal, "uniform": uniform, "randint": randint,
             "permutation": permutation, "choice": choice, "bernoulli": bernoulli}
    for name, fn in table.items():
        _replace(r, name, f"jax.random.{name}", lambda original, f=fn: f)
    _record_only(r, [n for n in dir(r) if not n.startswith("_") and n not in table
                     and n not in _JAX_NO_DRAW and callable(getattr(r, n))
                     and not isinstance(getattr(r, n), type)], "jax.random")
