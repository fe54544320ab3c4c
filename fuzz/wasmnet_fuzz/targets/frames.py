"""Targets over the framing decoder (wrpc.md §2). Input: one mode byte (bit 0 set: a client
stream that starts with the invocation header; clear: frames only) and the stream.

- ``frame_decoder``: ``decode_stream`` on the whole stream, the fuzzing hot path: only a
  ``FramingError`` may come out, and the frames may not hold more data than the stream;
- ``frame_stream``: the streaming ``StreamDecoder`` fed in pieces must agree with
  ``decode_stream`` (same header and frames, or the same rule at the same offset), and a
  decoded stream written back canonically must decode to the same frames.
"""

from __future__ import annotations

from wasmnet_fuzz.common import FUZZ_LIMITS, InvariantViolation
from wasmnet_fuzz.splits import pieces
from wasmnet_reference.errors import FramingError
from wasmnet_reference.framing import (
    StreamDecoder,
    decode_stream,
    encode_frame,
    encode_header,
    frames_from_events,
)
from wasmnet_reference.framing.events import Event

HEADER_BIT = 0x01


def split_mode(data: bytes) -> tuple[bool, bytes]:
    """(header expected, stream) of a frame-target input."""
    return bool(data[0] & HEADER_BIT) if data else False, data[1:]


def frame_decoder(data: bytes) -> None:
    if not data:
        return
    try:
        _, frames = decode_stream(data[1:], expect_header=bool(data[0] & HEADER_BIT),
                                  limits=FUZZ_LIMITS)
    except FramingError:
        return
    total = 0
    for frame in frames:
        total += len(frame.data)
    if total >= len(data):
        raise InvariantViolation("frame-data-exceeds-stream",
                                 f"{total} data bytes from a {len(data) - 1}-byte stream")


def frame_stream(data: bytes) -> None:
    if not data:
        return
    header_expected, stream = split_mode(data)
    try:
        whole = decode_stream(stream, expect_header=header_expected, limits=FUZZ_LIMITS)
        whole_error = None
    except FramingError as e:
        whole, whole_error = None, (e.rule.id, e.offset)
    decoder = StreamDecoder(expect_header=header_expected, limits=FUZZ_LIMITS)
    events: list[Event] = []
    streamed_error = None
    try:
        for piece in pieces(stream):
            events += decoder.feed(piece)
        events += decoder.end()
    except FramingError as e:
        streamed_error = (e.rule.id, e.offset)
    if whole_error is not None or streamed_error is not None:
        if whole_error != streamed_error:
            raise InvariantViolation(
                "streaming-disagrees",
                f"decode_stream: {whole_error}, StreamDecoder in pieces: {streamed_error}",
                rule=(whole_error or streamed_error or ("", 0))[0],
            )
        return
    assert whole is not None
    streamed = frames_from_events(events)
    if streamed != whole:
        raise InvariantViolation("streaming-disagrees",
                                 f"decode_stream: {whole}, StreamDecoder in pieces: {streamed}")
    header, frames = whole
    canonical = b"".join(encode_frame(f.path, f.data) for f in frames)
    if header is not None:
        canonical = encode_header(header.instance, header.function) + canonical
    if len(canonical) > len(stream):
        raise InvariantViolation("canonical-longer", f"{len(canonical)} > {len(stream)} bytes")
    again = decode_stream(canonical, expect_header=header_expected, limits=FUZZ_LIMITS)
    if again != whole:
        raise InvariantViolation("framing-roundtrip", f"{whole} re-encoded decodes as {again}")
