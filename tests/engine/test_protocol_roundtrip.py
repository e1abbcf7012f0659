"""harness-worker/1 arrays: encoded in a backend env (numpy), decoded here bit for bit."""

import json
import math
import struct
import subprocess

import pytest

from harness.common.protocol import (
    Array,
    ProtocolError,
    decode_array,
    decode_message,
    encode_message,
)

# Encoded inside the numpy environment: numpy exists only there.
ENCODE = r"""
import json, numpy as np
from harness.common.protocol import encode_array
specials = [0.0, -0.0, 1.0, -1.5, float("nan"), float("inf"), float("-inf"),
            5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, 0.1, 1/3]
out = {
  "f64": encode_array(np.array(specials, dtype=np.float64).reshape(3, 4)),
  "f32": encode_array(np.array(specials, dtype=np.float32)),
  "scalar": encode_array(np.float64(-0.0)),
  "fortran": encode_array(np.asfortranarray(np.arange(6.0).reshape(2, 3))),
  "bigendian": encode_array(np.arange(3.0).astype(">f8")),
  "empty": encode_array(np.zeros((2, 0))),
}
print(json.dumps(out))
"""

SPECIALS = [0.0, -0.0, 1.0, -1.5, math.nan, math.inf, -math.inf,
            5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, 0.1, 1 / 3]


def bits(x, fmt="d"):
    return struct.pack("<" + fmt, x)


@pytest.fixture(scope="module")
def encoded(numpy_python):
    from harness.envs import worker_env
    out = subprocess.run([numpy_python, "-c", ENCODE], capture_output=True, text=True,
                         env=worker_env(), check=True)
    return json.loads(out.stdout)


def test_float64_round_trips_bit_for_bit(encoded):
    flat, shape, dtype = decode_array(encoded["f64"])
    assert (shape, dtype) == ((3, 4), "float64")
    assert [bits(x) for x in flat] == [bits(x) for x in SPECIALS]  # NaN, -0.0 included


def test_float32_keeps_its_dtype_and_values(encoded):
    flat, shape, dtype = decode_array(encoded["f32"])
    assert (shape, dtype) == ((12,), "float32")
    expected = [struct.unpack("<f", struct.pack("<f", x))[0] if abs(x) < 3.5e38 or
                not math.isfinite(x) else math.inf for x in SPECIALS]
    assert [bits(x, "f") for x in flat] == [bits(x, "f") for x in expected]


def test_layout_and_byte_order_are_normalised(encoded):
    assert decode_array(encoded["scalar"]) == ([-0.0], (), "float64")
    assert math.copysign(1, decode_array(encoded["scalar"])[0][0]) == -1
    assert Array.decode(encoded["fortran"]).tolist() == [[0, 1, 2], [3, 4, 5]]
    assert decode_array(encoded["bigendian"]) == ([0.0, 1.0, 2.0], (3,), "float64")
    assert Array.decode(encoded["empty"]).shape == (2, 0)


@pytest.mark.parametrize("bad, why", [
    ({"dtype": "float64", "shape": [2], "data": "AAAA"}, "bytes"),
    ({"dtype": "complex128", "shape": [1], "data": ""}, "dtype"),
    ({"dtype": "float64", "shape": [-1], "data": ""}, "shape"),
    ({"dtype": "float64", "shape": [1], "data": "not base64!"}, "base64"),
    ({"shape": [1]}, "not an encoded array"),
])
def test_malformed_arrays_are_refused(bad, why):
    with pytest.raises(ProtocolError, match=why):
        decode_array(bad)


def test_messages_round_trip_and_junk_is_refused():
    msg = {"type": "start", "case": "c", "dtype": "float32"}
    assert decode_message(encode_message(msg)) == msg
    for junk in ("hello world", "[1, 2]", '{"type": "gossip"}', "{truncated"):
        with pytest.raises(ProtocolError):
            decode_message(junk)
    with pytest.raises(ProtocolError, match="harness-worker/1"):
        decode_message('{"type": "hello", "protocol": "harness-worker/0"}')
