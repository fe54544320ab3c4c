"""Message framing of the codec testee protocol (docs/testee-protocol.md, "Transport").

Every message, both ways, is a 4-byte big-endian unsigned length ``N`` followed by ``N`` bytes
of a UTF-8 JSON object. Lengths above :data:`MAX_MESSAGE_BYTES` are a protocol error, so a peer
that writes something other than a message (a stray ``print``) is caught at its first bytes
instead of making the reader wait for gigabytes.

Both the testee and the conformance runner use this module; it does no process handling.
"""

from __future__ import annotations

import json
import struct
from typing import IO, Any

LENGTH_PREFIX_BYTES = 4
"""testee-protocol.md: the length is a 4-byte big-endian unsigned integer."""

MAX_MESSAGE_BYTES = 64 * 1024 * 1024
"""testee-protocol.md: messages larger than 64 MiB are a protocol error."""

Message = dict[str, Any]

BAD_REQUEST = "bad-request"
"""Error class of an answer to a malformed request: a protocol error, not a judgement on the
input (the suite fails a case answered this way)."""
UNKNOWN_CLASS = "unknown"
"""Error class of a rejection the testee cannot classify."""


class ProtocolError(ValueError):
    """Bytes that are not a well-formed protocol message (bad length, cut short, not JSON,
    not an object)."""


def encode_message(message: Message) -> bytes:
    """The length-prefixed UTF-8 JSON form of ``message``; raises ProtocolError if it is too
    large to send."""
    body = json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    if len(body) > MAX_MESSAGE_BYTES:
        raise ProtocolError(
            f"message of {len(body)} bytes exceeds the {MAX_MESSAGE_BYTES}-byte limit"
        )
    return struct.pack(">I", len(body)) + body


def decode_length(prefix: bytes) -> int:
    """The body length announced by a 4-byte prefix; raises ProtocolError above the limit."""
    if len(prefix) != LENGTH_PREFIX_BYTES:
        raise ProtocolError(f"a length prefix is {LENGTH_PREFIX_BYTES} bytes, got {len(prefix)}")
    (length,) = struct.unpack(">I", prefix)
    if length > MAX_MESSAGE_BYTES:
        raise ProtocolError(
            f"bad message length {length} (prefix bytes {prefix.hex(' ')}): larger than the "
            f"{MAX_MESSAGE_BYTES}-byte limit; the peer wrote something that is not a message"
        )
    return int(length)


def decode_body(body: bytes) -> Message:
    """Parse a message body: UTF-8 JSON whose top level is an object."""
    try:
        message = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError as e:
        raise ProtocolError(f"message body is not UTF-8: {e}; starts {_preview(body)}") from None
    except json.JSONDecodeError as e:
        raise ProtocolError(f"message body is not JSON: {e}; starts {_preview(body)}") from None
    except RecursionError:
        raise ProtocolError("message body nests too deeply to parse") from None
    if not isinstance(message, dict):
        raise ProtocolError(f"a message is a JSON object, not {type(message).__name__}")
    return message


def read_body(stream: IO[bytes]) -> bytes | None:
    """Read one message's raw body; ``None`` on a clean end of stream before its first byte.

    Raises ProtocolError when the stream ends inside a message or announces a length above the
    limit; after that the stream is out of step and cannot be read further. Every read is
    bounded by the announced length, itself bounded by MAX_MESSAGE_BYTES.
    """
    prefix = _read_exactly(stream, LENGTH_PREFIX_BYTES)
    if not prefix:
        return None
    if len(prefix) < LENGTH_PREFIX_BYTES:
        raise ProtocolError(
            f"stream ended inside a length prefix after {len(prefix)} of "
            f"{LENGTH_PREFIX_BYTES} bytes ({prefix.hex(' ')})"
        )
    length = decode_length(prefix)
    body = _read_exactly(stream, length)
    if len(body) < length:
        raise ProtocolError(
            f"stream ended inside a message: {len(body)} of {length} body bytes; "
            f"starts {_preview(body)}"
        )
    return body


def read_message(stream: IO[bytes]) -> Message | None:
    """Read and parse one message (:func:`read_body` then :func:`decode_body`)."""
    body = read_body(stream)
    return None if body is None else decode_body(body)


def write_message(stream: IO[bytes], message: Message) -> None:
    """Write one message and flush, so the peer sees it at once."""
    stream.write(encode_message(message))
    stream.flush()


def parse_hex(text: str) -> bytes:
    """The bytes of a protocol hex field (``bytes``, ``data``): an even number of hex digits
    and nothing else. Raises ValueError."""
    if len(text) % 2 or not all(c in _HEX_DIGITS for c in text):
        raise ValueError(f"not a hex string (even number of hex digits): {text[:40]!r}")
    return bytes.fromhex(text)


_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")


def _read_exactly(stream: IO[bytes], n: int) -> bytes:
    """Up to ``n`` bytes; fewer only if the stream ends first."""
    chunks: list[bytes] = []
    remaining = n
    while remaining:
        chunk = stream.read(remaining)
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


_PREVIEW_BYTES = 32


def _preview(data: bytes) -> str:
    """The first bytes of ``data`` as text, for error messages about garbage."""
    head = data[:_PREVIEW_BYTES]
    more = "…" if len(data) > _PREVIEW_BYTES else ""
    return f"{head!r}{more}"
