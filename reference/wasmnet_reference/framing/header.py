"""The client-to-server invocation header (wrpc.md §2)::

    00                 protocol version byte (only 0 is defined)
    name(instance)     uleb32(byte length) ++ UTF-8
    name(function)     uleb32(byte length) ++ UTF-8

Reading checks each rule as early as the bytes allow: the version on the first byte, a name's
length limit as soon as its length is read (before any name byte is buffered), strict UTF-8 once
the name is complete.
"""

from __future__ import annotations

from wasmnet_reference.codec.leb128 import Buffer
from wasmnet_reference.errors import EncodeError, FramingError
from wasmnet_reference.framing.events import Header
from wasmnet_reference.framing.uleb32 import U32_MAX_BYTES, Incomplete, read_u32, write_u32
from wasmnet_reference.limits import Limits
from wasmnet_reference.rules import Rule

PROTOCOL_VERSION = 0
"""wrpc.md §2: the only defined version byte (``Rule.HEADER_VERSION``)."""

VERSION_BYTES = 1


def header_size_bound(limits: Limits) -> int:
    """The most bytes a header can take before it is complete or rejected."""
    return VERSION_BYTES + 2 * (U32_MAX_BYTES + limits.max_name_length)


def read_header(buf: Buffer, pos: int, base: int, limits: Limits) -> tuple[Header, int]:
    """``(header, next_pos)`` for the header starting at ``buf[pos]``; ``base`` is the stream
    offset of ``buf[0]``. Raises Incomplete if ``buf`` ends first, FramingError."""
    if pos >= len(buf):
        raise Incomplete
    if buf[pos] != PROTOCOL_VERSION:
        raise FramingError(
            Rule.HEADER_VERSION, f"version byte {buf[pos]:#04x}, only 0 is defined", base + pos
        )
    instance, pos = _read_name(buf, pos + VERSION_BYTES, base, limits)
    function, pos = _read_name(buf, pos, base, limits)
    return Header(instance, function, PROTOCOL_VERSION), pos


def _read_name(buf: Buffer, pos: int, base: int, limits: Limits) -> tuple[str, int]:
    """``core:name`` at ``pos``: the length is bounded before the name is waited for."""
    length, start = read_u32(buf, pos, base)
    if length > limits.max_name_length:
        raise FramingError(
            Rule.LIMIT_NAME_LENGTH,
            f"name of {length} bytes exceeds max_name_length {limits.max_name_length}",
            base + pos,
        )
    end = start + length
    if end > len(buf):
        raise Incomplete
    try:
        return bytes(buf[start:end]).decode("utf-8", "strict"), end
    except UnicodeDecodeError as exc:
        raise FramingError(
            Rule.HEADER_NAME_UTF8, f"name is not UTF-8: {exc.reason}", base + start + exc.start
        ) from None


def encode_header(
    instance: str | bytes,
    function: str | bytes,
    *,
    version: int = PROTOCOL_VERSION,
    length_width: int | None = None,
) -> bytes:
    """The header bytes. ``bytes`` names are written as given (to probe a peer with bad
    UTF-8); ``version`` may be any byte (to probe version handling); ``length_width`` writes
    both name lengths as uleb32 of exactly that many bytes (overlong but valid, 1..5)."""
    if not 0 <= version <= 0xFF:
        raise EncodeError(Rule.VALUE_OUT_OF_TYPE, f"version {version} is not a byte")
    return bytes([version]) + _encode_name(instance, length_width) + _encode_name(
        function, length_width
    )


def _encode_name(name: str | bytes, length_width: int | None) -> bytes:
    """``core:name``: uleb32(byte length) ++ bytes."""
    raw = name if isinstance(name, bytes) else _utf8(name)
    return write_u32(len(raw), length_width) + raw


def _utf8(text: str) -> bytes:
    try:
        return text.encode("utf-8", "strict")
    except UnicodeEncodeError as exc:
        raise EncodeError(Rule.VALUE_OUT_OF_TYPE, f"name is not encodable: {exc.reason}") from None
