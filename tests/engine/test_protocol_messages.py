"""harness-worker/1 without numpy: exact encoding of synthetic arrays, shapes, messages.

test_protocol_roundtrip.py encodes in the numpy environment; these run in process
(part of the mutation suite) and pin every rule of the decoder down.
"""

import base64
import collections
import json
import math
import struct

import pytest

from harness.common.protocol import (
    MESSAGE_TYPES,
    PROTOCOL,
    Array,
    ProtocolError,
    decode_array,
    decode_message,
    encode_floats,
    encode_message,
    message_or_none,
    type_name,
)


def test_float64_is_encoded_bit_for_bit_little_endian():
    values = [1 / 3, -0.0, math.inf, 5e-324]
    enc = encode_floats(values, shape=[2, 2])
    assert enc == {"dtype": "float64", "shape": [2, 2],
                   "data": base64.b64encode(struct.pack("<4d", *values)).decode("ascii")}
    flat, shape, dtype = decode_array(enc)
    assert (shape, dtype) == ((2, 2), "float64")
    assert [struct.pack("<d", v) for v in flat] == [struct.pack("<d", v) for v in values]
    nan = decode_array(encode_floats([math.nan]))[0][0]
    assert math.isnan(nan)


def test_float64_that_is_not_a_float32_keeps_its_last_bits():
    third = 1 / 3
    as32 = struct.unpack("<f", struct.pack("<f", third))[0]
    assert as32 != third
    (got,), _, _ = decode_array(encode_floats([third]))
    assert got == third
    (got32,), _, dtype = decode_array(encode_floats([third], dtype="float32"))
    assert (got32, dtype) == (as32, "float32")


@pytest.mark.parametrize("dtype, values", [
    ("float32", [1.5, -2.0]), ("float16", [0.5]), ("int64", [2**40, -3]), ("int32", [7]),
    ("int16", [-300]), ("int8", [-5]), ("uint64", [2**63]), ("uint32", [2**31]),
    ("uint16", [65535]), ("uint8", [255]), ("bool", [True, False]),
])
def test_every_declared_dtype_round_trips(dtype, values):
    flat, shape, got = decode_array(encode_floats(values, dtype=dtype))
    assert (flat, shape, got) == (values, (len(values),), dtype)


def test_shape_defaults_to_the_values_and_a_scalar_has_none():
    assert encode_floats([1.0, 2.0])["shape"] == [2]
    assert decode_array(encode_floats([4.0], shape=[]))[:2] == ([4.0], ())
    assert decode_array(encode_floats([], shape=[0, 3]))[:2] == ([], (0, 3))
    with pytest.raises(ProtocolError, match="cannot encode dtype 'complex64'"):
        encode_floats([1.0], dtype="complex64")


@pytest.mark.parametrize("bad, words", [
    ("text", "not an encoded array: text"),
    ({"dtype": "float64", "data": ""}, "not an encoded array"),
    ({"dtype": "float128", "shape": [1], "data": ""}, "unknown dtype 'float128' in an encoded"),
    ({"dtype": "float64", "shape": (1,), "data": ""}, r"bad shape \(1,\) in an encoded"),
    ({"dtype": "float64", "shape": [1.0], "data": ""}, r"bad shape \[1.0\]"),
    ({"dtype": "float64", "shape": [2], "data": "@@@"}, "bad base64 data in an encoded array"),
    ({"dtype": "float64", "shape": [2, 2], "data": base64.b64encode(b"\0" * 8).decode()},
     r"encoded array of shape \[2, 2\] float64 has 8 bytes, expected 32"),
])
def test_malformed_arrays_are_refused_saying_why(bad, words):
    with pytest.raises(ProtocolError, match=words):
        decode_array(bad)


def test_array_nests_its_flat_data_in_c_order():
    arr = Array.decode(encode_floats(list(range(24)), shape=[2, 3, 4]))
    assert (arr.shape, arr.dtype) == ((2, 3, 4), "float64")
    nested = arr.tolist()
    assert nested[1][2][3] == 23 and nested[0][1][0] == 4 and nested[1][0][0] == 12
    assert [len(nested), len(nested[0]), len(nested[0][0])] == [2, 3, 4]
    assert Array.decode(encode_floats([2.5], shape=[])).tolist() == 2.5
    assert Array([1.0, 2.0], (2,), "float32").tolist() == [1.0, 2.0]
    assert Array.decode(encode_floats([], shape=[2, 0])).tolist() == [[], []]


def test_messages_are_compact_strict_json_lines():
    msg = {"type": "result", "case": "c", "seconds": 0.5}
    line = encode_message(msg)
    assert line == '{"type":"result","case":"c","seconds":0.5}' and "\n" not in line
    assert decode_message(line) == msg and decode_message(line.encode()) == msg
    with pytest.raises(ValueError):
        encode_message({"type": "result", "x": math.nan})
    with pytest.raises(ProtocolError, match="unknown message type 'gossip'"):
        encode_message({"type": "gossip"})
    with pytest.raises(ProtocolError, match="unknown message type None"):
        encode_message({})


def test_every_message_type_decodes_and_hello_must_speak_this_protocol():
    for kind in MESSAGE_TYPES:
        extra = {"protocol": PROTOCOL} if kind == "hello" else {}
        assert decode_message(json.dumps({"type": kind, **extra}))["type"] == kind
    with pytest.raises(ProtocolError, match="worker speaks None, expected 'harness-worker/1'"):
        decode_message('{"type": "hello"}')
    assert decode_message(b'{"type": "bye", "note": "\xff"}')["note"] == "\ufffd"


@pytest.mark.parametrize("junk, words", [
    ("not json", "not JSON"), ("[1]", "not a harness-worker/1 message"),
    ('{"kind": "result"}', "not a harness-worker/1 message"),
    ('"result"', "not a harness-worker/1 message"),
])
def test_junk_lines_are_refused(junk, words):
    with pytest.raises(ProtocolError, match=f"^{words}$"):
        decode_message(junk)
    assert message_or_none(junk) is None   # the readers that skip junk get None instead


def test_message_or_none_gives_the_decoded_message():
    line = encode_message({"type": "result", "case": "c", "dtype": "float64"})
    assert message_or_none(line) == decode_message(line) == {
        "type": "result", "case": "c", "dtype": "float64"}


def test_a_hello_in_another_protocol_is_refused_naming_both():
    with pytest.raises(ProtocolError,
                       match="^worker speaks 'harness-worker/0', expected 'harness-worker/1'$"):
        decode_message('{"type": "hello", "protocol": "harness-worker/0"}')


class Outer:
    class Inner:
        pass


def test_type_name_is_the_bare_name_of_a_builtin_else_module_and_qualified_name():
    assert [type_name(v) for v in (1.5, [], None)] == ["float", "list", "NoneType"]
    assert type_name(Outer.Inner()) == f"{__name__}.Outer.Inner"
    assert type_name(collections.OrderedDict()) == "collections.OrderedDict"


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_in_a_message_are_junk_and_named(token):
    """Python's json reads these tokens by default; the protocol is strict JSON."""
    with pytest.raises(ProtocolError, match=rf"^not JSON \({token} is not a JSON value\)$"):
        decode_message(f'{{"type": "bye", "seconds": {token}}}')


@pytest.mark.parametrize("junk", ["[" * 100_000, '{"type": "bye", "n": ' + "9" * 5000 + "}"],
                         ids=["nested-too-deeply", "over-long-integer"])
def test_lines_json_cannot_hold_are_junk_not_a_crash(junk):
    with pytest.raises(ProtocolError, match="^not JSON$"):
        decode_message(junk)


def test_a_value_that_is_not_an_encoded_array_is_quoted_up_to_80_characters():
    with pytest.raises(ProtocolError) as caught:
        decode_array("z" * 200)
    assert str(caught.value) == "not an encoded array: " + "z" * 80
