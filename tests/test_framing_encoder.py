"""wRPC framing encoders (wrpc.md §2): header and frame bytes, overlong-but-valid lengths, and
the same content written split, coalesced, interleaved and cut, which must decode to the same
per-path bytes.

Expected bytes are written by hand from the grammar.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from wasmnet_reference.errors import EncodeError, FramingError
from wasmnet_reference.framing import (
    Frame,
    Header,
    Path,
    StreamDecoder,
    cut,
    decode_stream,
    encode_frame,
    encode_header,
    frame_chunks,
    frames_from_events,
    interleave,
    per_path_data,
    split_frames,
)
from wasmnet_reference.rules import Rule


def test_encode_upstream_examples() -> None:
    assert encode_frame([0, 1, 2], b"test") == bytes.fromhex("03 000102 04 74657374")
    assert encode_frame([], b"") == b"\x00\x00"
    assert encode_frame((), b"\x0fhello from Rust") == b"\x00\x10\x0fhello from Rust"


def test_encode_captured_hello_call() -> None:
    call = encode_header("wrpc-examples:hello/handler", "hello") + encode_frame([], b"")
    assert call == b"\x00\x1bwrpc-examples:hello/handler\x05hello\x00\x00"


def test_multi_byte_lengths() -> None:
    # element 200 -> c8 01; 130 data bytes -> 82 01
    assert encode_frame([200], bytes(130)) == bytes.fromhex("01 c801 8201") + bytes(130)
    assert encode_frame([0xFFFF_FFFF], b"") == bytes.fromhex("01 ffffffff0f 00")


def test_length_width_writes_overlong_lengths() -> None:
    assert encode_frame([1], b"ab", length_width=3) == bytes.fromhex("818000 818000 828000 6162")
    assert encode_frame([], b"", length_width=5) == bytes.fromhex("8080808000 8080808000")
    assert encode_frame([], b"", length_width=1) == b"\x00\x00"
    assert encode_header("a", "b", length_width=2) == bytes.fromhex("00 8100 61 8100 62")


def test_overlong_encodings_decode_to_the_same_frames() -> None:
    for width in range(1, 6):
        stream = encode_header("i", "f", length_width=width) + encode_frame(
            [3, 4], b"xyz", length_width=width
        )
        assert decode_stream(stream, expect_header=True) == (
            Header("i", "f"),
            [Frame((3, 4), b"xyz")],
        )


def test_probe_forms() -> None:
    # A nonzero version and raw (invalid UTF-8) names, to probe a peer's rejections.
    assert encode_header("", "", version=1) == b"\x01\x00\x00"
    probe = encode_header(b"\xc0\x80", "f")
    assert probe == bytes.fromhex("00 02 c080 01 66")
    with pytest.raises(FramingError) as info:
        decode_stream(probe, expect_header=True)
    assert info.value.rule is Rule.HEADER_NAME_UTF8


@pytest.mark.parametrize(
    "call",
    [
        lambda: encode_frame([1 << 32], b""),
        lambda: encode_frame([-1], b""),
        lambda: encode_frame([128], b"", length_width=1),  # 128 needs two bytes
        lambda: encode_header("i", "f", version=256),
        lambda: encode_header("\ud800", "f"),  # a lone surrogate has no UTF-8 form
    ],
)
def test_encode_rejects_values_outside_the_grammar(call: Callable[[], bytes]) -> None:
    with pytest.raises(EncodeError) as info:
        call()
    assert info.value.rule is Rule.VALUE_OUT_OF_TYPE


@pytest.mark.parametrize("width", [0, 6, -1])
def test_length_width_out_of_range(width: int) -> None:
    with pytest.raises(ValueError, match="length_width"):
        encode_frame([], b"", length_width=width)


def test_split_frames() -> None:
    # "test" on path [2] as frames of 1, 0 and 3 bytes
    assert split_frames([2], b"test", [1, 0, 3]) == bytes.fromhex(
        "01 02 01 74" + "01 02 00" + "01 02 03 657374"
    )
    assert frame_chunks([2], b"test", [1, 0, 3]) == [
        bytes.fromhex("01 02 01 74"),
        bytes.fromhex("01 02 00"),
        bytes.fromhex("01 02 03 657374"),
    ]
    assert split_frames([], b"", []) == b""
    assert frame_chunks([], b"ab", [2], length_width=2) == [bytes.fromhex("8000 8200 6162")]


@pytest.mark.parametrize("sizes", [[1, 2], [5], [-1, 5], [3, 2, -1]])
def test_split_frames_rejects_sizes_that_do_not_cover_the_data(sizes: list[int]) -> None:
    with pytest.raises(ValueError, match="sizes"):
        split_frames([], b"test", sizes)


def test_interleave_round_robin() -> None:
    a = [b"A1", b"A2", b"A3"]
    b = [b"B1"]
    c = [b"C1", b"C2"]
    assert interleave(a, b, c) == b"A1B1C1A2C2A3"
    assert interleave() == b""


def test_cut() -> None:
    assert cut(b"abcdef", [2, 4]) == [b"ab", b"cd", b"ef"]
    assert cut(b"abcdef", [0, 2, 2, 6]) == [b"", b"ab", b"", b"cdef", b""]
    assert cut(b"abc", []) == [b"abc"]


@pytest.mark.parametrize("positions", [[3, 2], [7], [-1]])
def test_cut_rejects_positions_out_of_order_or_range(positions: list[int]) -> None:
    with pytest.raises(ValueError, match="positions"):
        cut(b"abcdef", positions)


def test_same_content_in_different_shapes() -> None:
    root = b"\x02\x00\x01"
    blob = bytes(range(40))
    shapes = [
        encode_frame([], root) + encode_frame([1], blob),
        split_frames([], root, [1, 1, 1]) + split_frames([1], blob, [0, 40, 0]),
        interleave(frame_chunks([], root, [2, 0, 1]), frame_chunks([1], blob, [10, 10, 20])),
        interleave(frame_chunks([1], blob, [39, 1]), frame_chunks([], root, [3])),
    ]
    expected = {(): root, (1,): blob}
    for stream in shapes:
        assert per_path_data(decode_stream(stream, expect_header=False)[1]) == expected
        for i in range(len(stream) + 1):
            decoder = StreamDecoder(expect_header=False)
            events = [*decoder.feed(stream[:i]), *decoder.feed(stream[i:]), *decoder.end()]
            assert per_path_data(frames_from_events(events)[1]) == expected, i


# --- properties ----------------------------------------------------------------------------

paths = st.lists(st.integers(0, 0xFFFF_FFFF), max_size=32).map(tuple)
widths = st.one_of(st.none(), st.integers(1, 5))
paths_short = st.lists(st.integers(0, 300), max_size=3).map(tuple)


@given(paths, st.binary(max_size=300), widths)
def test_frame_round_trip(path: Path, data: bytes, width: int | None) -> None:
    # a width must hold every length and element written with it
    assume(width is None or max([len(path), len(data), *path]) < 1 << (7 * width))
    stream = encode_frame(path, data, length_width=width)
    assert decode_stream(stream, expect_header=False) == (None, [Frame(path, data)])


@given(st.text(max_size=40), st.text(max_size=40), widths)
def test_header_round_trip(instance: str, function: str, width: int | None) -> None:
    try:
        stream = encode_header(instance, function, length_width=width)
    except EncodeError:
        return  # lone surrogates, or a length the width cannot hold
    assert decode_stream(stream, expect_header=True) == (Header(instance, function), [])


@st.composite
def shaped_streams(draw: st.DrawFn) -> tuple[dict[Path, bytes], list[bytes]]:
    """Per-path content, written as frames of random sizes (empty frames included),
    interleaved across paths and cut into random transport writes."""
    content = draw(st.dictionaries(paths_short, st.binary(max_size=60), max_size=4))
    per_path_frames = []
    for path, data in content.items():
        splits = sorted(draw(st.lists(st.integers(0, len(data)), max_size=5)))
        sizes = [b - a for a, b in itertools.pairwise([0, *splits, len(data)])]
        per_path_frames.append(frame_chunks(path, data, sizes))
    stream = interleave(*per_path_frames)
    positions = sorted(draw(st.lists(st.integers(0, len(stream)), max_size=8)))
    return {p: d for p, d in content.items() if d}, cut(stream, positions)


@given(shaped_streams())
def test_any_shape_decodes_to_the_same_content(
    case: tuple[dict[Path, bytes], list[bytes]],
) -> None:
    expected, writes = case
    decoder = StreamDecoder(expect_header=False)
    events = [event for write in writes for event in decoder.feed(write)]
    events += decoder.end()
    assert per_path_data(frames_from_events(events)[1]) == expected
    whole = decode_stream(b"".join(writes), expect_header=False)
    assert per_path_data(whole[1]) == expected
