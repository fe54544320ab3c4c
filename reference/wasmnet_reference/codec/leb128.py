"""LEB128 as the WebAssembly core binary format defines it (``core:uN`` / ``core:sN``).

Rules (wrpc.md §4):
- an N-bit integer takes at most ceil(N/7) bytes (``Rule.LEB128_MAX_BYTES``);
- non-minimal encodings within that limit are valid (``81 00`` is 1 as u32);
- in the last permitted byte, bits beyond the width must be zero (unsigned,
  ``Rule.LEB128_UNSIGNED_UNUSED_BITS``) or equal the sign (signed,
  ``Rule.LEB128_SIGNED_UNUSED_BITS``).

Decoders are resumable: they return ``None`` when the buffer ends before the last byte, so a
caller can wait for more input without re-validating what it has.
"""

from __future__ import annotations

from wasmnet_reference.errors import CodecError, EncodeError
from wasmnet_reference.rules import Rule

Buffer = bytes | bytearray | memoryview


def max_bytes(bits: int) -> int:
    """ceil(bits / 7): the most bytes an integer of this width may take."""
    return (bits + 6) // 7


def encode_uleb(n: int, *, width: int | None = None) -> bytes:
    """Unsigned LEB128, minimal unless ``width`` asks for exactly that many bytes."""
    if n < 0:
        raise EncodeError(Rule.VALUE_OUT_OF_TYPE, f"negative value {n} for unsigned LEB128")
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n == 0:
            out.append(byte)
            break
        out.append(byte | 0x80)
    return _pad(out, width, 0x00)


def encode_sleb(n: int, *, width: int | None = None) -> bytes:
    """Signed LEB128, minimal unless ``width`` asks for exactly that many bytes."""
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if (n == 0 and not byte & 0x40) or (n == -1 and byte & 0x40):
            out.append(byte)
            break
        out.append(byte | 0x80)
    return _pad(out, width, 0x7F if n < 0 else 0x00)


def _pad(out: bytearray, width: int | None, fill: int) -> bytes:
    if width is None or width <= len(out):
        if width is not None and width < len(out):
            raise EncodeError(Rule.VALUE_OUT_OF_TYPE, f"value needs more than {width} bytes")
        return bytes(out)
    out[-1] |= 0x80
    out.extend([fill | 0x80] * (width - len(out) - 1))
    out.append(fill)
    return bytes(out)


def decode_uleb(buf: Buffer, pos: int, bits: int) -> tuple[int, int] | None:
    """Read ``core:u<bits>`` at ``pos``: ``(value, next_pos)``, or ``None`` if ``buf`` ends
    first. Raises CodecError for a too-long encoding or set unused bits."""
    limit = max_bytes(bits)
    result = 0
    shift = 0
    end = len(buf)
    for i in range(limit):
        if pos + i >= end:
            return None
        byte = buf[pos + i]
        if i == limit - 1:
            if byte & 0x80:
                raise CodecError(
                    Rule.LEB128_MAX_BYTES, f"u{bits} longer than {limit} bytes", pos + i
                )
            unused = bits - 7 * i
            if byte >> unused:
                raise CodecError(
                    Rule.LEB128_UNSIGNED_UNUSED_BITS,
                    f"u{bits}: byte {byte:#04x} sets bits beyond the width",
                    pos + i,
                )
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos + i + 1
        shift += 7
    raise AssertionError("unreachable")  # the last permitted byte always returns or raises


def decode_sleb(buf: Buffer, pos: int, bits: int) -> tuple[int, int] | None:
    """Read ``core:s<bits>`` at ``pos``; same contract as :func:`decode_uleb`."""
    limit = max_bytes(bits)
    result = 0
    shift = 0
    end = len(buf)
    for i in range(limit):
        if pos + i >= end:
            return None
        byte = buf[pos + i]
        if i == limit - 1:
            if byte & 0x80:
                raise CodecError(
                    Rule.LEB128_MAX_BYTES, f"s{bits} longer than {limit} bytes", pos + i
                )
            # Bits from (bits-1 - 7*i) upward, within the 7 payload bits, must all equal the sign.
            used = bits - 7 * i  # payload bits of this byte that belong to the value, incl. sign
            upper = (byte & 0x7F) >> (used - 1)  # the sign bit and every unused bit above it
            if upper not in (0, (1 << (8 - used)) - 1):
                raise CodecError(
                    Rule.LEB128_SIGNED_UNUSED_BITS,
                    f"s{bits}: byte {byte:#04x} has unused bits that differ from the sign",
                    pos + i,
                )
        result |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            if byte & 0x40:
                result -= 1 << shift
            return result, pos + i + 1
    raise AssertionError("unreachable")
