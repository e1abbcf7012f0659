"""The worker protocol "harness-worker/1": JSON lines from a worker to the orchestrator.

A worker (`python -m harness.run.worker`, inside one backend's environment) writes one
JSON object per line on its protocol channel (the process's original stdout; the
worker points fd 1 at stderr so that anything a case prints cannot corrupt it),
flushing after every line; it names the channel's file descriptor in
$HARNESS_PROTOCOL_FD. No pickle: the orchestrator never executes worker data.
Every message has "type"; the messages, in the order a worker sends them:

hello   once, first: {"type": "hello", "protocol": "harness-worker/1", "backend",
        "version" (framework version or null), "python", "platform", "methods"
        (the adapter's declared {op: method}), "threads" ({name: int|str|null}),
        "pid", "numpy" (numpy version), "error" (null, or an error object when the
        backend could not be loaded: every result then carries that error)}
case    once per case before its first start: {"type": "case", "case": id,
        "meta": case.as_dict() (or {"id": id} when the case failed to load)}
start   {"type": "start", "case", "dtype"} just before the computation begins; the
        orchestrator's per-case timeout runs from here
result  {"type": "result", "case", "dtype", "status": "ok"|"error"|"unsupported",
        "outputs": {name: value}, "methods": {name: method string or null},
        "tolerance_classes": {name: "exact"|"numerical"},
        "error": null or error object, "seconds": float}
bye     once, last: {"type": "bye", "seconds": total float}

error object: {"type": exception class name, "message": str, "traceback": str}.
methods: for an output listed in case.ops, the methods the adapter reports it used
for that op (`used_methods()`, joined with "; "), else its declared method; null for
a plain value. The reference pseudo-backend reports "reference". tolerance_classes:
per output, the class that sets its tolerance (harness.common.tolerances): "numerical"
when the adapter declares a method it used for the output's op numerical
(`Backend.numerical_methods`), else "exact" (plain values and the reference included).

A value in "outputs" is an encoded array: {"dtype": "float64", "shape": [2, 3],
"data": base64 of the little-endian bytes in C order}, so float64 values (NaN, Inf
and -0.0 included) round-trip bit for bit. A value that is not a numpy array gets
"python_type" (e.g. "float", "torch.Tensor") and, when it could be converted, the
array fields too; the cross-check reports it as an error. "repr" carries a value
that could not be encoded at all.

Anything on the channel that is not such a JSON object (NaN and Infinity tokens
included) is junk: the orchestrator reports it with the backend and the line, and
carries on. A message of a known type whose fields have the wrong type is checked
against its schema (harness.common.schema) and reported as a protocol problem.
"""

import base64
import json
import struct

PROTOCOL = "harness-worker/1"
MESSAGE_TYPES = ("hello", "case", "start", "result", "bye")

# numpy dtype name -> struct format character (little-endian, standard sizes).
_FORMATS = {
    "float64": "d", "float32": "f", "float16": "e",
    "int64": "q", "int32": "i", "int16": "h", "int8": "b",
    "uint64": "Q", "uint32": "I", "uint16": "H", "uint8": "B", "bool": "?",
}


def type_name(value) -> str:
    """A value's type as a message names it: "float", "torch.Tensor"."""
    t = type(value)
    return t.__name__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__qualname__}"


class ProtocolError(ValueError):
    """A line or an encoded value that does not follow harness-worker/1."""


def encode_array(array) -> dict:
    """Encode a numpy array (or anything numpy.asarray takes) exactly; worker side only."""
    import numpy as np  # lazily: the orchestrator never imports numpy

    arr = np.asarray(array)
    name = arr.dtype.name
    if name not in _FORMATS:
        raise ProtocolError(f"cannot encode an array of dtype {name}")
    data = np.ascontiguousarray(arr, dtype=arr.dtype.newbyteorder("<")).tobytes(order="C")
    return {"dtype": name, "shape": [int(n) for n in arr.shape],
            "data": base64.b64encode(data).decode("ascii")}


def encode_floats(values, shape=None, dtype: str = "float64") -> dict:
    """Encode a flat list of Python numbers without numpy (synthetic results, tests)."""
    if dtype not in _FORMATS:
        raise ProtocolError(f"cannot encode dtype {dtype!r}")
    values = list(values)
    shape = [len(values)] if shape is None else [int(n) for n in shape]
    data = struct.pack(f"<{len(values)}{_FORMATS[dtype]}", *values)
    return {"dtype": dtype, "shape": shape, "data": base64.b64encode(data).decode("ascii")}


def decode_array(obj) -> tuple[list, tuple, str]:
    """(flat list of Python numbers, shape tuple, dtype name) from an encoded array."""
    if not isinstance(obj, dict) or not {"dtype", "shape", "data"} <= obj.keys():
        raise ProtocolError(f"not an encoded array: {str(obj)[:80]}")
    dtype, shape = obj["dtype"], obj["shape"]
    if dtype not in _FORMATS:
        raise ProtocolError(f"unknown dtype {dtype!r} in an encoded array")
    if not isinstance(shape, list) or not all(isinstance(n, int) and n >= 0 for n in shape):
        raise ProtocolError(f"bad shape {shape!r} in an encoded array")
    try:
        raw = base64.b64decode(obj["data"], validate=True)
    except (ValueError, TypeError) as exc:
        raise ProtocolError(f"bad base64 data in an encoded array: {exc}") from None
    count = 1
    for n in shape:
        count *= n
    fmt = f"<{count}{_FORMATS[dtype]}"
    if struct.calcsize(fmt) != len(raw):
        raise ProtocolError(f"encoded array of shape {shape} {dtype} has {len(raw)} bytes, "
                            f"expected {struct.calcsize(fmt)}")
    return list(struct.unpack(fmt, raw)), tuple(shape), dtype


class Array:
    """A decoded array: what harness.common.tolerances.compare accepts (shape + tolist)."""

    def __init__(self, flat: list, shape: tuple, dtype: str):
        self.flat, self.shape, self.dtype = flat, shape, dtype

    @classmethod
    def decode(cls, obj) -> "Array":
        return cls(*decode_array(obj))

    def tolist(self):
        if not self.shape:
            return self.flat[0]

        def nest(offset, dims):
            if len(dims) == 1:
                return self.flat[offset:offset + dims[0]]
            step = 1
            for n in dims[1:]:
                step *= n
            return [nest(offset + i * step, dims[1:]) for i in range(dims[0])]
        return nest(0, list(self.shape))


def encode_message(msg: dict) -> str:
    """One protocol line (no newline). NaN cannot appear: arrays travel as bytes."""
    if msg.get("type") not in MESSAGE_TYPES:
        raise ProtocolError(f"unknown message type {msg.get('type')!r}")
    return json.dumps(msg, allow_nan=False, separators=(",", ":"))


def _no_constant(name: str):
    raise ProtocolError(f"not JSON ({name} is not a JSON value)")


def decode_message(line: str | bytes) -> dict:
    """Parse one line; ProtocolError for junk (not JSON, not an object, unknown type)."""
    if isinstance(line, bytes):
        line = line.decode("utf-8", errors="replace")
    try:
        msg = json.loads(line, parse_constant=_no_constant)
    except ProtocolError:
        raise
    except (ValueError, RecursionError):  # also: nested too deeply, an over-long integer
        raise ProtocolError("not JSON") from None
    if not isinstance(msg, dict) or msg.get("type") not in MESSAGE_TYPES:
        raise ProtocolError("not a harness-worker/1 message")
    if msg["type"] == "hello" and msg.get("protocol") != PROTOCOL:
        raise ProtocolError(f"worker speaks {msg.get('protocol')!r}, expected {PROTOCOL!r}")
    return msg


def message_or_none(line: str | bytes) -> dict | None:
    """`decode_message`, or None for junk: for readers that skip what a framework printed."""
    try:
        return decode_message(line)
    except ProtocolError:
        return None
