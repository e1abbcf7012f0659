"""What a cell computed, as comparable numeric values: nothing skipped silently.

A variable, the last expression or a figure's data become {path: numpy array}:
framework tensors and numbers directly (complex included), lists, tuples and dicts
element by element (`name[0]`, `name['key']`). Data that cannot be compared (object
arrays, containers too long, values too large) are named with the reason.
"""

import numpy as np

MAX_ELEMENTS = 1_000_000   # larger values are named but not shipped
MAX_ITEMS = 64             # elements of a list/tuple/dict compared one by one
MAX_DEPTH = 3
_NUMERIC_KINDS = "biufc"
_NUMBERS = (bool, int, float, complex, np.number, np.bool_)


def to_numpy(value):
    """A numpy array for a numeric value of any framework, or None."""
    if isinstance(value, _NUMBERS) or (type(value).__module__ == "numpy"
                                       and not isinstance(value, np.ndarray)):
        arr = np.asarray(value)
    elif isinstance(value, np.ndarray):
        arr = value
    elif hasattr(value, "asnumpy"):                                 # mxnet
        arr = value.asnumpy()
    elif hasattr(value, "detach") and hasattr(value, "numpy"):      # torch
        arr = value.detach().cpu().resolve_conj().numpy()
    elif hasattr(value, "as_list") and hasattr(value, "rank"):      # tf.TensorShape
        arr = np.asarray(value.as_list())
    elif hasattr(value, "numpy") and callable(value.numpy):         # tensorflow
        arr = value.numpy()
    elif isinstance(value, (list, tuple)) and value and len(value) <= MAX_ELEMENTS \
            and all(isinstance(v, _NUMBERS) for v in value):
        arr = np.asarray(value)                                     # numbers, torch.Size
    elif hasattr(value, "__array__") and not isinstance(value, (str, bytes, dict, list, tuple)):
        arr = np.asarray(value)                                     # jax, array-likes
    else:
        return None
    arr = np.asarray(arr)
    if arr.dtype.name == "bfloat16":
        arr = arr.astype("float32")
    return arr if arr.dtype.kind in _NUMERIC_KINDS or arr.dtype == object else None


def declared_size(value):
    """Number of elements from the value's shape, without converting it (None: unknown)."""
    shape = getattr(value, "shape", None)
    try:
        size = 1
        for n in tuple(shape):
            size *= int(n)
        return size
    except (TypeError, ValueError):
        return None


def flatten(value, path: str, depth: int = 0) -> dict:
    """{path: numpy array | {"not_compared": reason}} for the numeric data in `value`."""
    size = declared_size(value)
    if size is not None and size > MAX_ELEMENTS:
        return {path: {"not_compared": f"too large to compare ({size} elements)"}}
    try:
        arr = to_numpy(value)
    except Exception as exc:  # noqa: BLE001 - a value we cannot convert is named, not lost
        if isinstance(value, (list, tuple, dict)):
            arr = None
        else:
            return {path: {"not_compared": f"could not convert: {type(exc).__name__}"}}
    if arr is not None and arr.dtype != object:
        if arr.size > MAX_ELEMENTS:
            return {path: {"not_compared": f"too large to compare ({arr.size} elements)"}}
        return {path: arr}
    if arr is not None and not isinstance(value, (list, tuple)):
        if arr.ndim == 0 or arr.size > MAX_ITEMS:
            return {path: {"not_compared": "an array of Python objects"}}
        value = list(arr.ravel()) if arr.ndim == 1 else list(arr)
    if isinstance(value, (list, tuple, dict)):
        return _items(value, path, depth)
    return {}


def _items(value, path, depth) -> dict:
    if not value:
        return {}
    if depth >= MAX_DEPTH:
        return {path: {"not_compared": f"nested deeper than {MAX_DEPTH} levels"}}
    if len(value) > MAX_ITEMS:
        return {path: {"not_compared": f"a {type(value).__name__} of {len(value)} items "
                                      f"(at most {MAX_ITEMS} are compared one by one)"}}
    if isinstance(value, dict):
        pairs = [(k, v) for k, v in value.items() if isinstance(k, (str, int))]
        keyed = [(f"{path}[{k!r}]", v) for k, v in pairs]
    else:
        keyed = [(f"{path}[{i}]", v) for i, v in enumerate(value)]
    out = {}
    for sub, v in keyed:
        out.update(flatten(v, sub, depth + 1))
    return out


def encode(arr) -> dict:
    """harness.common.protocol's encoding; complex as its float pairs, dtype kept."""
    from harness.common.protocol import encode_array

    if arr.dtype.kind == "c":
        pairs = np.ascontiguousarray(arr).view(arr.real.dtype).reshape(arr.shape + (2,))
        obj = encode_array(pairs)
        obj.update(dtype=arr.dtype.name, shape=[int(n) for n in arr.shape])
        return obj
    if arr.dtype.kind == "b":
        arr = arr.astype("bool")
    return encode_array(arr)


def figure_data(plt) -> dict:
    """{"figure 1, axes 1, line 2 (y)": array, ...}: what each open figure draws."""
    out = {}
    for f_no, num in enumerate(plt.get_fignums(), 1):
        fig = plt.figure(num)
        for a_no, ax in enumerate(fig.axes, 1):
            where = f"figure {f_no}, axes {a_no}"
            for l_no, line in enumerate(ax.get_lines(), 1):
                out[f"{where}, line {l_no} (x)"] = _as_float(line.get_xdata())
                out[f"{where}, line {l_no} (y)"] = _as_float(line.get_ydata())
            for c_no, coll in enumerate(ax.collections, 1):
                offsets = getattr(coll, "get_offsets", lambda: None)()
                if offsets is not None and len(offsets) > 1:
                    out[f"{where}, points {c_no}"] = _as_float(offsets)
            for s_no, z in enumerate(getattr(ax, "_harness_surfaces", []), 1):
                out[f"{where}, surface {s_no} (z)"] = None if z is None else _as_float(z)
    return {k: v for k, v in out.items() if v is not None}


def _as_float(data):
    """The data as a float array in its own precision (float32 stays float32)."""
    try:
        arr = to_numpy(np.ma.filled(data, np.nan) if np.ma.isMaskedArray(data) else data)
        if arr is None or arr.dtype == object:
            arr = np.asarray(data, dtype="float64")
        if arr.dtype.kind not in "f":
            arr = arr.astype("float64")
    except (TypeError, ValueError):
        return None
    return arr if arr.size <= MAX_ELEMENTS else None


def patch_3d(axes3d_module) -> None:
    """Remember the Z of plot_surface / plot_wireframe: figures are compared as data."""
    cls = axes3d_module.Axes3D
    for name in ("plot_surface", "plot_wireframe"):
        original = getattr(cls, name)

        def keep(self, X, Y, Z, *args, _original=original, **kwargs):
            try:
                z = to_numpy(Z)
            except Exception:  # noqa: BLE001 - never break the chapter's plot
                z = None
            self.__dict__.setdefault("_harness_surfaces", []).append(z)
            return _original(self, X, Y, Z, *args, **kwargs)
        setattr(cls, name, keep)
