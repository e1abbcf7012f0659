"""protocol.encode_array in process, where numpy exists: every dtype's bytes, order, shape.

Runs in every framework environment (`python -m harness pytest NAME -- tests/backends`)
and in the mutation suite (its environment has numpy), so mutmut sees encode_array;
test_protocol_roundtrip.py checks the same path from the engine through a subprocess.
The expected bytes are packed here with `struct` from the values the test chose, never
read off an encoding.
"""

import base64
import math
import struct

import pytest

np = pytest.importorskip("numpy")

from harness.common.protocol import ProtocolError, decode_array, encode_array

# dtype name -> (struct format character, values exact in that dtype)
CASES = {
    "float64": ("d", [1 / 3, -0.0, math.inf, 5e-324]),
    "float32": ("f", [1.5, -2.0, 0.25, math.inf]),
    "float16": ("e", [0.5, -1.0]),
    "int64": ("q", [2**40, -3]), "int32": ("i", [7, -2**31]), "int16": ("h", [-300]),
    "int8": ("b", [-5, 127]), "uint64": ("Q", [2**63]), "uint32": ("I", [2**31]),
    "uint16": ("H", [65535]), "uint8": ("B", [255, 0]), "bool": ("?", [True, False]),
}


def packed(fmt: str, values) -> str:
    return base64.b64encode(struct.pack(f"<{len(values)}{fmt}", *values)).decode("ascii")


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_dtype_is_encoded_as_its_little_endian_bytes(name):
    fmt, values = CASES[name]
    enc = encode_array(np.array(values, dtype=name))
    assert enc == {"dtype": name, "shape": [len(values)], "data": packed(fmt, values)}
    assert decode_array(enc) == (values, (len(values),), name)


def test_big_endian_and_fortran_order_arrays_give_little_endian_c_order_bytes():
    values = [1 / 3, 2.0, -7.5]
    assert encode_array(np.array(values, dtype=">f8"))["data"] == packed("d", values)
    grid = [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    enc = encode_array(np.asfortranarray(np.array(grid)))
    assert enc == {"dtype": "float64", "shape": [2, 3],
                   "data": packed("d", [x for row in grid for x in row])}


def test_shapes_are_plain_ints_and_a_scalar_or_a_list_is_taken_too():
    enc = encode_array(np.zeros((2, 0, 3)))
    assert enc == {"dtype": "float64", "shape": [2, 0, 3], "data": ""}
    assert all(type(n) is int for n in enc["shape"])
    assert encode_array(np.float64(-0.0)) == {"dtype": "float64", "shape": [],
                                              "data": packed("d", [-0.0])}
    assert encode_array([1.0, 2.0]) == {"dtype": "float64", "shape": [2],
                                        "data": packed("d", [1.0, 2.0])}


@pytest.mark.parametrize("value, name", [(np.array([1j]), "complex128"),
                                         (np.array(["x"]), "str32"),
                                         (np.array([1.0], dtype=np.longdouble), None)])
def test_a_dtype_the_protocol_cannot_carry_is_refused_by_name(value, name):
    name = name or value.dtype.name   # longdouble's name depends on the platform
    if name == "float64":
        pytest.skip("longdouble is float64 on this platform")
    with pytest.raises(ProtocolError, match=f"^cannot encode an array of dtype {name}$"):
        encode_array(value)
