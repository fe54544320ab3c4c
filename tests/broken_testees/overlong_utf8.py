"""Broken testee: accepts overlong UTF-8 in top-level ``string`` and ``char`` values.

It forgets one rule (wrpc.md §4: "UTF-8 is strict everywhere ... no overlong forms"): where the
reference rejects a string or char as invalid UTF-8, it decodes the bytes again ignoring the
shortest-form rule. Surrogates and code points above U+10FFFF are still rejected, so only
vectors with overlong sequences should fail.
"""

from __future__ import annotations

import sys

from wasmnet_reference.codec.leb128 import decode_uleb
from wasmnet_reference.testee.__main__ import run
from wasmnet_reference.testee.protocol import Message
from wasmnet_reference.testee.server import handle_request
from wasmnet_reference.wave import format_wave
from wasmnet_reference.wit.json_form import from_json

# (lead-byte prefix, its bit length, continuation bytes): 110xxxxx, 1110xxxx, 11110xxx
_SEQUENCES = ((0b110, 3, 1), (0b1110, 4, 2), (0b11110, 5, 3))


def _sequence(lead: int) -> tuple[int, int]:
    """(continuation byte count, payload bits of the lead byte) for a multi-byte lead."""
    for prefix, bits, count in _SEQUENCES:
        if lead >> (8 - bits) == prefix:
            return count, lead & (0xFF >> bits)
    raise ValueError(f"bad lead byte {lead:#04x}")


def utf8_ignoring_shortest_form(data: bytes) -> str:
    out = []
    i = 0
    while i < len(data):
        lead = data[i]
        if lead < 0x80:
            out.append(chr(lead))
            i += 1
            continue
        count, cp = _sequence(lead)
        tail = data[i + 1 : i + 1 + count]
        if len(tail) < count or any(b >> 6 != 0b10 for b in tail):
            raise ValueError("bad continuation")
        for b in tail:
            cp = cp << 6 | (b & 0x3F)
        if 0xD800 <= cp <= 0xDFFF or cp > 0x10FFFF:
            raise ValueError("not a scalar value")
        out.append(chr(cp))
        i += 1 + count
    return "".join(out)


def handle(request: Message) -> Message:
    response = handle_request(request)
    if (
        request.get("op") != "decode-value"
        or request.get("type") not in ("string", "char")
        or response.get("class") != "invalid-utf8"
    ):
        return response
    data = bytes.fromhex(request["bytes"])
    try:
        if request["type"] == "char":
            text = utf8_ignoring_shortest_form(data)
            if len(text) != 1:
                return response
            return _ok(request, text)
        got = decode_uleb(data, 0, 32)
        if got is None or got[1] + got[0] != len(data):
            return response
        text = utf8_ignoring_shortest_form(data[got[1] :])
    except ValueError:
        return response
    return _ok(request, text)


def _ok(request: Message, text: str) -> Message:
    value = format_wave(text, from_json(request["type"]))
    return {"id": request["id"], "status": "ok", "value": value}


if __name__ == "__main__":
    sys.exit(run(handle))
