"""The testee protocol framing and the reference testee (docs/testee-protocol.md).

Expected bytes are written from the protocol text (4-byte big-endian length, UTF-8 JSON) and
expected answers from wrpc.md §4 and its upstream examples, not from the code under test.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from typing import Any

import pytest

from wasmnet_reference.testee.protocol import (
    BAD_REQUEST,
    MAX_MESSAGE_BYTES,
    ProtocolError,
    decode_body,
    encode_message,
    parse_hex,
    read_message,
    write_message,
)
from wasmnet_reference.testee.server import handle_request, serve

HELLO_HANDLER = "wrpc-examples:hello/handler"


# --- framing -------------------------------------------------------------------------------


def test_encode_message_is_big_endian_length_then_utf8_json() -> None:
    assert encode_message({"a": 1}) == b"\x00\x00\x00\x07" + b'{"a":1}'
    # non-ASCII stays UTF-8 (not \u escapes): "é" is c3 a9, so the body is 10 bytes
    assert encode_message({"s": "é"}) == b"\x00\x00\x00\x0a" + b'{"s":"\xc3\xa9"}'


def test_read_message_reads_consecutive_messages_then_none_at_clean_eof() -> None:
    stream = io.BytesIO(b"\x00\x00\x00\x07" + b'{"a":1}' + b"\x00\x00\x00\x02{}")
    assert read_message(stream) == {"a": 1}
    assert read_message(stream) == {}
    assert read_message(stream) is None


def test_write_message_flushes_what_read_message_reads() -> None:
    stream = io.BytesIO()
    write_message(stream, {"id": 3, "status": "ok"})
    stream.seek(0)
    assert read_message(stream) == {"id": 3, "status": "ok"}


def test_length_above_64_mib_is_rejected_at_the_prefix() -> None:
    # 0x04000001 = 64 MiB + 1; nothing after the prefix: the reader must not wait for the body
    with pytest.raises(ProtocolError, match="larger than the 67108864-byte limit"):
        read_message(io.BytesIO(b"\x04\x00\x00\x01"))


def test_exactly_64_mib_is_an_allowed_length() -> None:
    assert MAX_MESSAGE_BYTES == 0x0400_0000
    # allowed length, but the stream ends at once: reported as cut short, not as too long
    with pytest.raises(ProtocolError, match="0 of 67108864 body bytes"):
        read_message(io.BytesIO(b"\x04\x00\x00\x00"))


def test_garbage_text_is_caught_by_its_length_prefix() -> None:
    # "this" = 74 68 69 73 read as a length is 1952999795 bytes
    with pytest.raises(ProtocolError, match="1952999795"):
        read_message(io.BytesIO(b"this is not a message\n"))


@pytest.mark.parametrize("data", [b"\x00", b"\x00\x00\x00"])
def test_truncated_length_prefix(data: bytes) -> None:
    with pytest.raises(ProtocolError, match="inside a length prefix"):
        read_message(io.BytesIO(data))


def test_truncated_body() -> None:
    with pytest.raises(ProtocolError, match="3 of 7 body bytes"):
        read_message(io.BytesIO(b"\x00\x00\x00\x07" + b'{"a'))


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "not JSON"),
        (b'{"a":', "not JSON"),
        (b"[1]", "not list"),
        (b"7", "not int"),
        (b'{"s":"\xc0\xaf"}', "not UTF-8"),
    ],
)
def test_body_must_be_a_utf8_json_object(body: bytes, reason: str) -> None:
    with pytest.raises(ProtocolError, match=reason):
        decode_body(body)


def test_deeply_nested_body_is_a_protocol_error_not_a_crash() -> None:
    with pytest.raises(ProtocolError):
        decode_body(b'{"a":' + b"[" * 100_000 + b"]" * 100_000 + b"}")


def test_parse_hex_takes_only_pairs_of_hex_digits() -> None:
    assert parse_hex("00ffAb") == b"\x00\xff\xab"
    assert parse_hex("") == b""
    for bad in ("0", "0g", "00 11", "0x00"):
        with pytest.raises(ValueError):
            parse_hex(bad)


# --- request handling ----------------------------------------------------------------------


def _ask(**request: Any) -> dict[str, Any]:
    return handle_request({"id": 7, **request})


def test_hello_lists_the_four_ops() -> None:
    r = _ask(op="hello")
    assert r["status"] == "ok" and r["id"] == 7
    assert r["name"] == "wasmnet-reference" and isinstance(r["version"], str)
    assert set(r["ops"]) == {"hello", "decode-value", "encode-value", "decode-frames"}


@pytest.mark.parametrize(
    ("ty", "hex_bytes", "wave"),
    [
        ("u32", "e58e26", "624485"),  # wrpc.md §4 upstream example
        ("s32", "c0bb78", "-123456"),  # wrpc.md §4 upstream example
        ("u32", "8100", "1"),  # non-minimal within ceil(32/7) bytes is valid
        ({"result": {"ok": "bool", "err": "string"}}, "0001", "ok(true)"),
    ],
)
def test_decode_value_answers_wave(ty: Any, hex_bytes: str, wave: str) -> None:
    assert _ask(op="decode-value", type=ty, bytes=hex_bytes) == {
        "id": 7, "status": "ok", "value": wave,
    }


@pytest.mark.parametrize(
    ("ty", "hex_bytes", "error_class", "rule"),
    [
        ("u32", "e58e2600", "trailing-bytes", "value.trailing-bytes"),
        ("u32", "e58e", "truncated", "leb128.truncated"),
        ("u32", "ffffffff1f", "leb128-unused-bits", "leb128.unsigned-unused-bits"),
        ("bool", "02", "invalid-bool", "value.bool"),
        ("string", "02c0af", "invalid-utf8", "value.string-utf8"),  # overlong "/"
        ("f32", "0100807f", "non-canonical-nan", "value.float-canonical-nan"),
    ],
)
def test_decode_value_rejection_carries_class_and_rule(
    ty: str, hex_bytes: str, error_class: str, rule: str
) -> None:
    r = _ask(op="decode-value", type=ty, bytes=hex_bytes)
    assert (r["status"], r["class"], r["rule"]) == ("error", error_class, rule)
    assert r["message"]


def test_decode_value_applies_limits() -> None:
    # list<u8> of 3 elements: 03 01 02 03; max_list_length 2 rejects it before reading on
    r = _ask(op="decode-value", type={"list": "u8"}, bytes="03010203",
             limits={"max_list_length": 2})
    assert (r["status"], r["class"]) == ("error", "limit-exceeded")


def test_encode_value_writes_canonical_bytes() -> None:
    flags = {"flags": {"name": "f", "flags": ["a", "b", "c"]}}
    # a is bit 0, c is bit 2 of the single byte (wrpc.md §4 flags)
    assert _ask(op="encode-value", type=flags, value="{a, c}")["bytes"] == "05"
    assert _ask(op="encode-value", type="string", value='"ƒ𐍈Ő"')["bytes"] == (
        "08c692f0908d88c590"  # wrpc.md §4 upstream example
    )


def test_encode_value_of_a_value_outside_the_type_is_invalid_value() -> None:
    r = _ask(op="encode-value", type="u8", value="256")
    assert (r["status"], r["class"]) == ("error", "invalid-value")


def test_decode_frames_with_header() -> None:
    # wrpc.md §2, the captured hello call: 00, name(instance), name(function), root frame 00 00
    data = "00" + "1b" + HELLO_HANDLER.encode().hex() + "05" + b"hello".hex() + "0000"
    r = _ask(op="decode-frames", header=True, bytes=data)
    assert r == {
        "id": 7,
        "status": "ok",
        "header": {"version": 0, "instance": HELLO_HANDLER, "function": "hello"},
        "frames": [{"path": [], "data": ""}],
    }


def test_decode_frames_without_header() -> None:
    r = _ask(op="decode-frames", header=False, bytes="030001020474657374")
    assert r["header"] is None
    assert r["frames"] == [{"path": [0, 1, 2], "data": "74657374"}]
    cut = _ask(op="decode-frames", header=False, bytes="0304616263")
    assert (cut["status"], cut["class"]) == ("error", "truncated")


@pytest.mark.parametrize(
    "request_fields",
    [
        {"op": 5},
        {"op": "decode-value", "bytes": "00"},  # no type
        {"op": "decode-value", "type": "u33", "bytes": "00"},
        {"op": "decode-value", "type": "u8", "bytes": "0"},
        {"op": "decode-value", "type": "u8"},
        {"op": "decode-value", "type": "u8", "bytes": "00", "limits": [1]},
        {"op": "decode-value", "type": "u8", "bytes": "00", "limits": {"max_depth": -1}},
        {"op": "encode-value", "type": "u8", "value": 1},
        {"op": "decode-frames", "header": "yes", "bytes": ""},
        {"op": "decode-value", "type": ["u8"], "bytes": "00"},
    ],
)
def test_malformed_requests_are_bad_request_errors(request_fields: dict[str, Any]) -> None:
    r = _ask(**request_fields)
    assert (r["id"], r["status"], r["class"]) == (7, "error", BAD_REQUEST)


def test_request_without_integer_id_is_answered_with_null_id() -> None:
    for request in ({"op": "hello"}, {"op": "hello", "id": "1"}, {"op": "hello", "id": True}):
        r = handle_request(request)
        assert (r["id"], r["status"], r["class"]) == (None, "error", BAD_REQUEST)


def test_unknown_op_and_unknown_limit_are_unsupported() -> None:
    assert _ask(op="encode-frames")["status"] == "unsupported"
    r = _ask(op="decode-value", type="u8", bytes="00", limits={"max_widgets": 1})
    assert r["status"] == "unsupported"


def test_deeply_nested_type_is_a_bad_request() -> None:
    ty: Any = "u8"
    for _ in range(5000):
        ty = {"option": ty}
    r = _ask(op="decode-value", type=ty, bytes="00")
    assert (r["status"], r["class"]) == ("error", BAD_REQUEST)


# --- the serve loop ------------------------------------------------------------------------


def _serve(data: bytes) -> tuple[int, list[dict[str, Any]]]:
    out = io.BytesIO()
    status = serve(handle_request, io.BytesIO(data), out)
    out.seek(0)
    answers = []
    while (m := read_message(out)) is not None:
        answers.append(m)
    return status, answers


def test_serve_answers_in_order_and_survives_a_bad_body() -> None:
    data = (
        encode_message({"op": "hello", "id": 1})
        + b"\x00\x00\x00\x03" + b"{{{"
        + encode_message({"op": "decode-value", "id": 2, "type": "bool", "bytes": "01"})
    )
    status, answers = _serve(data)
    assert status == 0
    assert [a["id"] for a in answers] == [1, None, 2]
    assert answers[1]["class"] == BAD_REQUEST
    assert answers[2]["value"] == "true"


def test_serve_stops_with_status_2_on_a_bad_length() -> None:
    status, answers = _serve(encode_message({"op": "hello", "id": 1}) + b"\xff\xff\xff\xff")
    assert status == 2
    assert answers[0]["status"] == "ok"
    assert answers[1]["class"] == BAD_REQUEST and "limit" in answers[1]["message"]


def test_serve_stops_with_status_2_on_a_truncated_message() -> None:
    status, answers = _serve(b"\x00\x00\x00\x09" + b'{"op":')
    assert status == 2
    assert answers[0]["class"] == BAD_REQUEST


def test_testee_process_keeps_stdout_for_messages() -> None:
    """The module entry point: messages only on stdout, exit 0 when stdin closes."""
    program = (
        "import sys\n"
        "from wasmnet_reference.testee.__main__ import run\n"
        "from wasmnet_reference.testee.server import handle_request\n"
        "def handle(r):\n"
        "    print('stray print')\n"
        "    return handle_request(r)\n"
        "sys.exit(run(handle))\n"
    )
    data = encode_message({"op": "hello", "id": 1}) + encode_message(
        {"op": "decode-value", "id": 2, "type": "s64", "bytes": "7f"}
    )
    for command in (
        [sys.executable, "-m", "wasmnet_reference.testee"],
        [sys.executable, "-c", program],
    ):
        done = subprocess.run(command, input=data, capture_output=True, timeout=60, check=False)
        assert done.returncode == 0, done.stderr
        out = io.BytesIO(done.stdout)
        assert read_message(out)["name"] == "wasmnet-reference"  # type: ignore[index]
        assert read_message(out) == {"id": 2, "status": "ok", "value": "-1"}  # s64 7f is -1
        assert read_message(out) is None
    assert b"stray print" in done.stderr


def test_response_json_is_plain_json() -> None:
    """Responses must survive a round trip through any JSON parser (no NaN tokens etc.)."""
    r = _ask(op="decode-value", type="f64", bytes="000000000000f87f")
    assert json.loads(json.dumps(r, allow_nan=False)) == {"id": 7, "status": "ok", "value": "nan"}
