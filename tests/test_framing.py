"""wRPC framing decoder (wrpc.md §2): header and frame grammar, every rejection rule, limits,
truncation, and that every split of a stream decodes to the same content.

Expected bytes and values are written by hand from the grammar:
``00 name(instance) name(function) frame*`` and
``frame := uleb32(path_len) uleb32(path[i])* uleb32(data_len) data``.
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wasmnet_reference.errors import FramingError
from wasmnet_reference.framing import (
    Event,
    Frame,
    FrameData,
    FrameStart,
    Header,
    StreamDecoder,
    decode_stream,
    frames_from_events,
    per_path_data,
)
from wasmnet_reference.limits import DEFAULT_LIMITS, Limits
from wasmnet_reference.rules import Rule

HELLO_INSTANCE = b"wrpc-examples:hello/handler"
# wrpc.md §2, captured call: 00 1b "wrpc-examples:hello/handler" 05 "hello" 00 00, then FIN.
HELLO_CALL = b"\x00\x1b" + HELLO_INSTANCE + b"\x05hello" + b"\x00\x00"
HELLO_HEADER_LEN = 1 + 1 + 27 + 1 + 5
# ... and the reply: a root frame of 0x10 bytes holding the string value 0f "hello from Rust".
HELLO_REPLY = b"\x00\x10\x0fhello from Rust"

# Upstream frame example: path [0, 1, 2], data "test".
PATH_012_TEST = bytes.fromhex("03 000102 04 74657374")

# Several frames on three paths, with multi-byte LEB128 lengths and path elements:
# path [] data "ab"; path [1] data "c"; path [200] (c8 01) data of 130 bytes (82 01);
# path [] data "d"; path [1] empty frame.
MIXED = (
    bytes.fromhex("00 02 6162")
    + bytes.fromhex("01 01 01 63")
    + bytes.fromhex("01 c801 8201")
    + bytes(range(130))
    + bytes.fromhex("00 01 64")
    + bytes.fromhex("01 01 00")
)
MIXED_FRAMES = [
    Frame((), b"ab"),
    Frame((1,), b"c"),
    Frame((200,), bytes(range(130))),
    Frame((), b"d"),
    Frame((1,), b""),
]


def feed_all(chunks: list[bytes], *, expect_header: bool) -> list[Event]:
    decoder = StreamDecoder(expect_header=expect_header)
    events: list[Event] = []
    for chunk in chunks:
        events += decoder.feed(chunk)
    events += decoder.end()
    return events


def rejection(
    data: bytes, *, expect_header: bool, limits: Limits = DEFAULT_LIMITS
) -> tuple[Rule, int | None]:
    with pytest.raises(FramingError) as info:
        decode_stream(data, expect_header=expect_header, limits=limits)
    return info.value.rule, info.value.offset


# --- upstream and captured examples ------------------------------------------------------


def test_upstream_path_frame() -> None:
    assert decode_stream(PATH_012_TEST, expect_header=False) == (
        None,
        [Frame((0, 1, 2), b"test")],
    )
    decoder = StreamDecoder(expect_header=False)
    assert decoder.feed(PATH_012_TEST) == [
        FrameStart((0, 1, 2), 4),
        FrameData((0, 1, 2), b"test", frame_end=True),
    ]
    assert decoder.end() == []
    assert decoder.offset == 9


def test_upstream_empty_frame() -> None:
    assert decode_stream(b"\x00\x00", expect_header=False) == (None, [Frame((), b"")])
    decoder = StreamDecoder(expect_header=False)
    assert decoder.feed(b"\x00\x00") == [FrameStart((), 0), FrameData((), b"", frame_end=True)]


def test_captured_hello_call() -> None:
    assert len(HELLO_INSTANCE) == 0x1B
    assert decode_stream(HELLO_CALL, expect_header=True) == (
        Header("wrpc-examples:hello/handler", "hello", 0),
        [Frame((), b"")],
    )


def test_captured_hello_reply() -> None:
    header, frames = decode_stream(HELLO_REPLY, expect_header=False)
    assert header is None
    assert frames == [Frame((), b"\x0fhello from Rust")]
    assert per_path_data(frames) == {(): b"\x0fhello from Rust"}


def test_header_only_and_no_frames() -> None:
    assert decode_stream(b"\x00\x00\x00", expect_header=True) == (Header("", ""), [])
    assert decode_stream(b"", expect_header=False) == (None, [])


def test_mixed_stream() -> None:
    assert decode_stream(MIXED, expect_header=False) == (None, MIXED_FRAMES)
    assert per_path_data(MIXED_FRAMES) == {
        (): b"abd",
        (1,): b"c",
        (200,): bytes(range(130)),
    }


# --- every split gives the same content -----------------------------------------------------

SPLIT_CASES = [
    (HELLO_CALL, True, Header("wrpc-examples:hello/handler", "hello"), [Frame((), b"")]),
    (HELLO_REPLY, False, None, [Frame((), b"\x0fhello from Rust")]),
    (PATH_012_TEST, False, None, [Frame((0, 1, 2), b"test")]),
    (MIXED, False, None, MIXED_FRAMES),
]


@pytest.mark.parametrize(("stream", "expect_header", "header", "frames"), SPLIT_CASES)
def test_every_split_point(
    stream: bytes, expect_header: bool, header: Header | None, frames: list[Frame]
) -> None:
    for i in range(len(stream) + 1):
        events = feed_all([stream[:i], stream[i:]], expect_header=expect_header)
        assert frames_from_events(events) == (header, frames), i


@pytest.mark.parametrize(("stream", "expect_header", "header", "frames"), SPLIT_CASES[:3])
def test_every_pair_of_split_points(
    stream: bytes, expect_header: bool, header: Header | None, frames: list[Frame]
) -> None:
    for i in range(len(stream) + 1):
        for j in range(i, len(stream) + 1):
            chunks = [stream[:i], stream[i:j], stream[j:]]
            events = feed_all(chunks, expect_header=expect_header)
            assert frames_from_events(events) == (header, frames), (i, j)


@pytest.mark.parametrize(("stream", "expect_header", "header", "frames"), SPLIT_CASES)
def test_byte_at_a_time(
    stream: bytes, expect_header: bool, header: Header | None, frames: list[Frame]
) -> None:
    events = feed_all([stream[i : i + 1] for i in range(len(stream))], expect_header=expect_header)
    assert frames_from_events(events) == (header, frames)
    # Heads are reported once each, as in a whole-stream feed; payload arrives byte by byte.
    starts = [e for e in events if isinstance(e, FrameStart)]
    assert starts == [FrameStart(f.path, len(f.data)) for f in frames]
    for event in events:
        if isinstance(event, FrameData):
            assert len(event.data) == 1 or (event.data == b"" and event.frame_end)


def test_largest_heads_at_every_split_point() -> None:
    # The longest frame head under default limits: every field a 5-byte uleb32
    # (path_len 32 as a0 80 80 80 00, elements 1 as 81 80 80 80 00, data_len 1), then 1 byte.
    frame = bytes.fromhex("a080808000" + "8180808000" * 32 + "8180808000") + b"z"
    assert len(frame) == 5 * 34 + 1
    # The longest header under max_name_length=3: names of 3 bytes with 5-byte lengths.
    header = bytes.fromhex("00 8380808000") + b"abc" + bytes.fromhex("8380808000") + b"def"
    limits = Limits(max_name_length=3)
    stream = header + frame + frame
    for i in range(len(stream) + 1):
        decoder = StreamDecoder(expect_header=True, limits=limits)
        events = [*decoder.feed(stream[:i]), *decoder.feed(stream[i:]), *decoder.end()]
        assert frames_from_events(events) == (
            Header("abc", "def"),
            [Frame((1,) * 32, b"z"), Frame((1,) * 32, b"z")],
        ), i


def test_payload_is_streamed_not_buffered() -> None:
    decoder = StreamDecoder(expect_header=False)
    # path [5], data_len 100000 = 0x186a0 -> a0 8d 06
    assert decoder.feed(bytes.fromhex("01 05 a08d06")) == [FrameStart((5,), 100_000)]
    for k in range(99):
        chunk = bytes([k]) * 1000
        assert decoder.feed(chunk) == [FrameData((5,), chunk, frame_end=False)]
    last = bytes([99]) * 1000
    assert decoder.feed(last + b"\x00\x00") == [
        FrameData((5,), last, frame_end=True),
        FrameStart((), 0),
        FrameData((), b"", frame_end=True),
    ]
    assert decoder.end() == []
    assert decoder.offset == 5 + 100_000 + 2


def test_bytearray_and_memoryview_input() -> None:
    buffer = bytearray(PATH_012_TEST)
    decoder = StreamDecoder(expect_header=False)
    events = decoder.feed(buffer[:4]) + decoder.feed(memoryview(buffer)[4:])
    assert frames_from_events(events) == (None, [Frame((0, 1, 2), b"test")])
    assert all(type(e.data) is bytes for e in events if isinstance(e, FrameData))


def test_caller_buffer_is_released_after_a_failure() -> None:
    buffer = bytearray(b"\x21")
    decoder = StreamDecoder(expect_header=False)
    with pytest.raises(FramingError):
        decoder.feed(buffer)
    del buffer[:]  # would raise BufferError if the decoder still held a view on it
    assert buffer == b""


def test_frames_from_events_joins_chunks_and_drops_an_unfinished_frame() -> None:
    events: list[Event] = [
        Header("i", "f"),
        FrameStart((1,), 3),
        FrameData((1,), b"a", frame_end=False),
        FrameData((1,), b"bc", frame_end=True),
        FrameStart((), 2),
        FrameData((), b"x", frame_end=False),
    ]
    assert frames_from_events(events) == (Header("i", "f"), [Frame((1,), b"abc")])


def test_per_path_data_concatenates_in_order_and_drops_empty() -> None:
    frames = [Frame((1,), b"ab"), Frame((), b""), Frame((1,), b""), Frame((1,), b"c")]
    assert per_path_data(frames) == {(1,): b"abc"}


# --- overlong but valid LEB128 --------------------------------------------------------------


def test_overlong_lengths_are_accepted() -> None:
    # path_len 0 as 80 00, data_len 4 as 84 80 80 80 00
    stream = bytes.fromhex("8000 8480808000 74657374")
    assert decode_stream(stream, expect_header=False) == (None, [Frame((), b"test")])
    # path_len 1 as 81 00, element 1 as 81 80 80 80 00, data_len 0 as 80 80 00
    stream = bytes.fromhex("8100 8180808000 808000")
    assert decode_stream(stream, expect_header=False) == (None, [Frame((1,), b"")])


def test_largest_path_element() -> None:
    stream = bytes.fromhex("01 ffffffff0f 00")
    assert decode_stream(stream, expect_header=False) == (None, [Frame((0xFFFF_FFFF,), b"")])


def test_overlong_name_lengths_are_accepted() -> None:
    # instance length 27 as 9b 80 00, function length 5 as 85 00
    stream = b"\x00\x9b\x80\x00" + HELLO_INSTANCE + b"\x85\x00hello"
    assert decode_stream(stream, expect_header=True) == (
        Header("wrpc-examples:hello/handler", "hello"),
        [],
    )


# --- rejections ----------------------------------------------------------------------------


@pytest.mark.parametrize("version", [0x01, 0x80, 0xFF])
def test_version_rejected_on_first_byte(version: int) -> None:
    decoder = StreamDecoder(expect_header=True)
    with pytest.raises(FramingError) as info:
        decoder.feed(bytes([version]))
    assert (info.value.rule, info.value.offset) == (Rule.HEADER_VERSION, 0)
    assert rejection(bytes([version, 0, 0]), expect_header=True) == (Rule.HEADER_VERSION, 0)


@pytest.mark.parametrize(
    ("name", "bad_at"),
    [
        (b"\xc0\x80", 0),  # overlong NUL
        (b"\xe0\x80\x80", 0),  # overlong 3-byte form
        (b"\xed\xa0\x80", 0),  # surrogate U+D800
        (b"\xf4\x90\x80\x80", 0),  # above U+10FFFF
        (b"\xff", 0),  # never valid
        (b"ab\x80", 2),  # lone continuation byte after valid text
    ],
)
def test_name_utf8(name: bytes, bad_at: int) -> None:
    instance_bad = b"\x00" + bytes([len(name)]) + name + b"\x00"
    assert rejection(instance_bad, expect_header=True) == (Rule.HEADER_NAME_UTF8, 2 + bad_at)
    function_bad = b"\x00\x01i" + bytes([len(name)]) + name
    assert rejection(function_bad, expect_header=True) == (Rule.HEADER_NAME_UTF8, 4 + bad_at)


def test_name_length_limit_checked_before_name_bytes() -> None:
    limits = Limits(max_name_length=4)
    assert decode_stream(b"\x00\x04abcd\x00", expect_header=True, limits=limits)[0] == Header(
        "abcd", ""
    )
    for stream, offset in [
        (b"\x00\x05", 1),  # instance: only the length has arrived
        (b"\x00\x85\x80\x00", 1),  # overlong 5, rejected once its LEB128 is complete
        (b"\x00\x00\x05", 2),  # function
    ]:
        decoder = StreamDecoder(expect_header=True, limits=limits)
        with pytest.raises(FramingError) as info:
            decoder.feed(stream)
        assert (info.value.rule, info.value.offset) == (Rule.LIMIT_NAME_LENGTH, offset)


def test_name_length_default_limit() -> None:
    # 65537 = 4*16384 + 0*128 + 1 -> 81 80 04; the default limit is 65536.
    assert rejection(b"\x00\x81\x80\x04", expect_header=True) == (Rule.LIMIT_NAME_LENGTH, 1)


def test_path_length_limit_default_32() -> None:
    ok = bytes([32]) + bytes(32) + b"\x00"
    assert decode_stream(ok, expect_header=False) == (None, [Frame((0,) * 32, b"")])
    decoder = StreamDecoder(expect_header=False)
    with pytest.raises(FramingError) as info:
        decoder.feed(b"\x00\x00\x21")  # a root frame, then path_len 33 alone
    assert (info.value.rule, info.value.offset) == (Rule.LIMIT_PATH_LENGTH, 2)
    assert rejection(b"\xa1\x00", expect_header=False) == (Rule.LIMIT_PATH_LENGTH, 0)
    assert rejection(b"\x80\x01", expect_header=False) == (Rule.LIMIT_PATH_LENGTH, 0)


def test_path_length_limit_configured() -> None:
    assert rejection(b"\x01\x00\x00", expect_header=False, limits=Limits(max_path_length=0)) == (
        Rule.LIMIT_PATH_LENGTH,
        0,
    )
    big = Limits(max_path_length=200)
    # path_len 130 (82 01), every element 7
    stream = b"\x82\x01" + bytes([7]) * 130 + b"\x00"
    assert decode_stream(stream, expect_header=False, limits=big) == (
        None,
        [Frame((7,) * 130, b"")],
    )


def test_path_limit_offset_after_header() -> None:
    assert rejection(HELLO_CALL[:HELLO_HEADER_LEN] + b"\x21", expect_header=True) == (
        Rule.LIMIT_PATH_LENGTH,
        HELLO_HEADER_LEN,
    )


def test_frame_data_limit_near_2_32() -> None:
    head = bytes.fromhex("00 ffffffff0f")  # root, data_len 4294967295
    decoder = StreamDecoder(expect_header=False)
    assert decoder.feed(head) == [FrameStart((), 0xFFFF_FFFF)]
    with pytest.raises(FramingError) as info:
        decoder.end()
    assert info.value.rule is Rule.FRAME_TRUNCATED
    small = Limits(max_frame_data=1024)
    decoder = StreamDecoder(expect_header=False, limits=small)
    with pytest.raises(FramingError) as info:
        decoder.feed(head)
    assert (info.value.rule, info.value.offset) == (Rule.LIMIT_FRAME_DATA, 1)


def test_frame_data_limit_boundaries() -> None:
    small = Limits(max_frame_data=1024)
    ok = bytes.fromhex("00 8008") + bytes(1024)  # 1024 = 8*128 -> 80 08
    assert decode_stream(ok, expect_header=False, limits=small) == (None, [Frame((), bytes(1024))])
    assert rejection(bytes.fromhex("00 8108"), expect_header=False, limits=small) == (
        Rule.LIMIT_FRAME_DATA,
        1,
    )
    tiny = Limits(max_frame_data=3)
    assert decode_stream(b"\x00\x03abc", expect_header=False, limits=tiny)[1] == [
        Frame((), b"abc")
    ]
    assert rejection(b"\x00\x04", expect_header=False, limits=tiny) == (Rule.LIMIT_FRAME_DATA, 1)
    assert rejection(b"\x01\x02\x04", expect_header=False, limits=tiny) == (
        Rule.LIMIT_FRAME_DATA,
        2,
    )


@pytest.mark.parametrize(
    ("stream", "expect_header", "rule", "offset"),
    [
        # a sixth LEB128 byte is needed: the fifth still has the continuation bit
        ("8080808080 00", False, Rule.LEB128_MAX_BYTES, 4),
        ("01 8080808080", False, Rule.LEB128_MAX_BYTES, 5),
        ("00 8080808080", False, Rule.LEB128_MAX_BYTES, 5),
        ("00 8080808080", True, Rule.LEB128_MAX_BYTES, 5),
        ("00 00 8080808080", True, Rule.LEB128_MAX_BYTES, 6),
        # the fifth byte of a uleb32 may use only its low 4 bits
        ("00 ffffffff1f", False, Rule.LEB128_UNSIGNED_UNUSED_BITS, 5),
        ("00 8080808010", False, Rule.LEB128_UNSIGNED_UNUSED_BITS, 5),
        ("01 ffffffff10 00", False, Rule.LEB128_UNSIGNED_UNUSED_BITS, 5),
        ("8080808010", False, Rule.LEB128_UNSIGNED_UNUSED_BITS, 4),
        ("00 8080808070", True, Rule.LEB128_UNSIGNED_UNUSED_BITS, 5),
        # after a whole frame, offsets stay absolute
        ("00 01 61 00 ffffffff1f", False, Rule.LEB128_UNSIGNED_UNUSED_BITS, 8),
    ],
)
def test_leb128_faults(stream: str, expect_header: bool, rule: Rule, offset: int) -> None:
    data = bytes.fromhex(stream)
    assert rejection(data, expect_header=expect_header) == (rule, offset)
    for i in range(len(data) + 1):  # the same fault and offset for every split
        decoder = StreamDecoder(expect_header=expect_header)
        with pytest.raises(FramingError) as info:
            decoder.feed(data[:i])
            decoder.feed(data[i:])
        assert (info.value.rule, info.value.offset) == (rule, offset), i


def test_failure_is_sticky() -> None:
    decoder = StreamDecoder(expect_header=False)
    with pytest.raises(FramingError) as first:
        decoder.feed(b"\x21")
    with pytest.raises(FramingError) as again:
        decoder.feed(b"\x00\x00")
    assert again.value is first.value
    with pytest.raises(FramingError) as at_end:
        decoder.end()
    assert at_end.value is first.value


# --- truncation ----------------------------------------------------------------------------


def test_empty_header_stream_is_truncated() -> None:
    assert rejection(b"", expect_header=True) == (Rule.HEADER_TRUNCATED, 0)


def test_truncated_at_every_position_of_the_hello_call() -> None:
    # A stream ending right after the header is whole (no frames); every other cut is not.
    assert decode_stream(HELLO_CALL[:HELLO_HEADER_LEN], expect_header=True)[1] == []
    for n in [*range(HELLO_HEADER_LEN), HELLO_HEADER_LEN + 1]:
        rule = Rule.HEADER_TRUNCATED if n < HELLO_HEADER_LEN else Rule.FRAME_TRUNCATED
        assert rejection(HELLO_CALL[:n], expect_header=True) == (rule, n), n
        decoder = StreamDecoder(expect_header=True)
        decoder.feed(HELLO_CALL[:n])
        with pytest.raises(FramingError) as info:
            decoder.end()
        assert (info.value.rule, info.value.offset) == (rule, n), n


@pytest.mark.parametrize(
    ("stream", "frame_ends"),
    [
        (PATH_012_TEST, {0, 9}),
        (HELLO_REPLY, {0, 18}),
        # 4-byte frame, 4-byte frame, 5-byte head + 130 bytes, 3-byte frame, 3-byte frame
        (MIXED, {0, 4, 8, 143, 146, 149}),
    ],
)
def test_truncated_at_every_position_inside_frames(stream: bytes, frame_ends: set[int]) -> None:
    assert len(stream) in frame_ends
    for n in range(len(stream) + 1):
        if n in frame_ends:
            decode_stream(stream[:n], expect_header=False)
        else:
            assert rejection(stream[:n], expect_header=False) == (Rule.FRAME_TRUNCATED, n), n


# --- properties ----------------------------------------------------------------------------


def outcome(chunks: list[bytes], expect_header: bool) -> object:
    """What a stream decodes to, or the (rule, offset) it is rejected with."""
    try:
        return frames_from_events(feed_all(chunks, expect_header=expect_header))
    except FramingError as exc:
        return (exc.rule, exc.offset)


@given(st.binary(max_size=64), st.booleans(), st.lists(st.integers(0, 64), max_size=6))
def test_any_input_decodes_the_same_for_any_split(
    data: bytes, expect_header: bool, cuts: list[int]
) -> None:
    try:
        whole: object = decode_stream(data, expect_header=expect_header)
    except FramingError as exc:
        whole = (exc.rule, exc.offset)
    bounds = [0, *sorted(min(c, len(data)) for c in cuts), len(data)]
    chunks = [data[a:b] for a, b in itertools.pairwise(bounds)]
    assert outcome(chunks, expect_header) == whole


def test_many_small_frames_sanity() -> None:
    # 256 zero bytes are 128 empty root frames (the fuzzer's densest input).
    header, frames = decode_stream(bytes(256), expect_header=False)
    assert header is None
    assert frames == [Frame((), b"")] * 128
