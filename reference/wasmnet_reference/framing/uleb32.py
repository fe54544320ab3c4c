"""Reading and writing the ``uleb32`` lengths and path elements of the framing (wrpc.md §2)
with the core binary format's strictness (wrpc.md §4, :mod:`wasmnet_reference.codec.leb128`).

A LEB128 fault in framing is a framing fault: the codec's ``CodecError`` is re-raised as
``FramingError`` with the same rule and the absolute stream offset. A buffer that ends inside
an item raises ``Incomplete``: the streaming decoder then waits for more bytes, a whole-stream
decode reports truncation.
"""

from __future__ import annotations

from wasmnet_reference.codec.leb128 import Buffer, decode_uleb, encode_uleb, max_bytes
from wasmnet_reference.errors import CodecError, EncodeError, FramingError
from wasmnet_reference.rules import Rule

U32_BITS = 32
U32_MAX = (1 << U32_BITS) - 1
U32_MAX_BYTES = max_bytes(U32_BITS)
"""The most bytes a uleb32 may take (5); bounds how much of a head is ever buffered."""

ONE_BYTE_MAX = 0x7F
"""A byte up to this has no continuation bit: a whole one-byte LEB128 (the common case)."""


class Incomplete(Exception):
    """The buffer ends inside a header or frame head: more bytes are needed."""


def read_u32(buf: Buffer, pos: int, base: int) -> tuple[int, int]:
    """``(value, next_pos)`` of the uleb32 at ``pos``; ``base`` is the stream offset of
    ``buf[0]``, for error offsets. Raises Incomplete or FramingError."""
    try:
        got = decode_uleb(buf, pos, U32_BITS)
    except CodecError as exc:
        where = pos if exc.offset is None else exc.offset
        raise FramingError(exc.rule, exc.detail, base + where) from None
    if got is None:
        raise Incomplete
    return got


def write_u32(value: int, width: int | None) -> bytes:
    """uleb32, minimal or of exactly ``width`` bytes (1..5: overlong but valid, to probe
    peers)."""
    if width is not None and not 1 <= width <= U32_MAX_BYTES:
        raise ValueError(f"length_width must be 1..{U32_MAX_BYTES}, got {width}")
    if not 0 <= value <= U32_MAX:
        raise EncodeError(Rule.VALUE_OUT_OF_TYPE, f"{value} is not a u32")
    return encode_uleb(value, width=width)
