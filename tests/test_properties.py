"""Property tests: codec, WAVE and framing checked against each other and against the spec's
invariants, on types, values and streams from ``wasmnet_reference.strategies``.

Invariants (wrpc.md):
- §4: encoding then decoding gives the value back; the encoder's output is canonical (minimal
  LEB128, canonical NaN), so it is a fixed point of decode-then-encode and never longer than any
  accepted encoding of the same value.
- §2: frame boundaries and transport writes carry no meaning, so decoding in any split gives the
  same header, per-path bytes and (for the reference) frames; and the same error, at the same
  offset, for bad input.
- robustness: bad bytes raise only the project's error class (never IndexError, ValueError,
  RecursionError ...), and a decoder never consumes more than it was given.

Profiles (tests/conftest.py): ``ci`` is deterministic; ``HYPOTHESIS_PROFILE=thorough`` runs long.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import AnyStr, TypeVar

from hypothesis import Phase, assume, event, find, given, settings
from hypothesis import strategies as st

from wasmnet_reference.codec import ValueDecoder, decode_value, encode_value
from wasmnet_reference.errors import CodecError, FramingError, WireError
from wasmnet_reference.framing import (
    Frame,
    Header,
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
from wasmnet_reference.limits import Limits
from wasmnet_reference.strategies import (
    Invocation,
    frames,
    invocations,
    paths,
    typed_values,
    values_of,
    wit_types,
)
from wasmnet_reference.values import Ready, Value, values_equal
from wasmnet_reference.wave import WaveError, format_wave, parse_wave
from wasmnet_reference.wit import printer
from wasmnet_reference.wit.loader import load_wit_types
from wasmnet_reference.wit.types import (
    EnumType,
    FlagsType,
    HandleType,
    RecordType,
    ResultType,
    StreamType,
    VariantType,
    WitType,
    children,
    depth,
)

# Tight bounds, so that random bytes hit the limit rules and a random count cannot make the
# decoder build millions of payload-less elements; every generated value fits them.
LIMITS = Limits(
    max_name_length=128,
    max_path_length=6,
    max_frame_data=64,
    max_list_length=64,
    max_string_length=256,
)

T = TypeVar("T")

# Tests that start wasm-tools once per example run a tenth of the profile's examples.
SUBPROCESS_EXAMPLES = max(5, settings().max_examples // 10)


# ---------------------------------------------------------------------------------------------
# Helpers


@st.composite
def _mutated(draw: st.DrawFn, data: AnyStr, unit: st.SearchStrategy[AnyStr]) -> AnyStr:
    """``data`` truncated, or with one unit (byte or character) replaced, inserted or deleted:
    input close to a valid one reaches deeper into a decoder than uniformly random input."""
    i = draw(st.integers(0, len(data)))
    piece = draw(unit)
    return draw(
        st.sampled_from(
            (
                data[:i],
                data[:i] + piece + data[i + 1 :],
                data[:i] + piece + data[i:],
                data[:i] + data[i + 1 :],
            )
        )
    )


def _mutated_bytes(data: bytes) -> st.SearchStrategy[bytes]:
    return _mutated(data, st.binary(min_size=1, max_size=1))


def _value_inputs(ty: WitType) -> st.SearchStrategy[bytes]:
    """Bytes to decode as ``ty``: a valid encoding with trailing bytes, a mutated one, or
    random bytes."""
    encodings = values_of(ty).map(lambda v: encode_value(v, ty))
    return st.one_of(
        st.tuples(encodings, st.binary(max_size=4)).map(b"".join),
        encodings.flatmap(_mutated_bytes),
        st.binary(max_size=64),
    )


TYPED_INPUTS = wit_types().flatmap(lambda t: st.tuples(st.just(t), _value_inputs(t)))
"""``(type, bytes)`` to decode: mostly near-valid, so every rule gets reached."""


def _decode_value_outcome(data: bytes, ty: WitType) -> Value | CodecError:
    try:
        return decode_value(data, ty, LIMITS)
    except CodecError as e:
        return e


def _positions(data: bytes) -> st.SearchStrategy[list[int]]:
    """Sorted cut positions in ``data`` (repeats give empty pieces)."""
    return st.lists(st.integers(0, len(data)), max_size=8).map(sorted)


ValueOutcome = tuple[Value, int] | CodecError


def _decode_pieces(ty: WitType, pieces: Sequence[bytes]) -> ValueOutcome:
    """Feed ``pieces`` to one ValueDecoder, then end of input: ``(value, bytes consumed)`` or
    the CodecError. Checks the feed contract on the way: never more consumed than given, and
    all of a piece consumed while the value is incomplete."""
    decoder = ValueDecoder(ty, LIMITS)
    used = 0
    try:
        for piece in pieces:
            n = decoder.feed(piece)
            assert 0 <= n <= len(piece)
            assert decoder.done or n == len(piece)
            used += n
        decoder.end()
    except CodecError as e:
        return e
    return decoder.value, used


def _assert_same_value_outcome(expected: ValueOutcome, got: ValueOutcome) -> None:
    if isinstance(expected, CodecError):
        assert isinstance(got, CodecError), f"{got!r} where {expected!r} was raised at once"
        assert (got.rule, got.offset) == (expected.rule, expected.offset)
    else:
        assert not isinstance(got, CodecError), f"{got!r} where the whole input decoded"
        assert values_equal(got[0], expected[0])
        assert got[1] == expected[1]


StreamOutcome = tuple[Header | None, list[Frame]] | FramingError


def _stream_pieces(pieces: Sequence[bytes], expect_header: bool) -> StreamOutcome:
    """Feed ``pieces`` to one StreamDecoder, then end-of-stream: the header and frames its
    events describe, or the FramingError."""
    decoder = StreamDecoder(expect_header=expect_header, limits=LIMITS)
    events = []
    try:
        for piece in pieces:
            events += decoder.feed(piece)
        events += decoder.end()
    except FramingError as e:
        return e
    return frames_from_events(events)


def _stream_at_once(data: bytes, expect_header: bool) -> StreamOutcome:
    try:
        return decode_stream(data, expect_header=expect_header, limits=LIMITS)
    except FramingError as e:
        return e


def _assert_same_stream_outcome(expected: StreamOutcome, got: StreamOutcome) -> None:
    if isinstance(expected, FramingError):
        assert isinstance(got, FramingError), f"{got!r} where {expected!r} was raised at once"
        assert (got.rule, got.offset) == (expected.rule, expected.offset)
    else:
        assert not isinstance(got, FramingError), f"{got!r} where the whole stream decoded"
        (header, frames_got), (expected_header, expected_frames) = got, expected
        assert header == expected_header
        # The spec's property: the same bytes per path (wrpc.md §2) ...
        assert per_path_data(frames_got) == per_path_data(expected_frames)
        # ... and the reference's stronger one: the same frames, whatever the transport cuts.
        assert frames_got == expected_frames


def _verdict(outcome: object) -> str:
    """A label for ``--hypothesis-show-statistics``: how often inputs were accepted, and which
    rules rejected them."""
    return f"rejected: {outcome.rule.id}" if isinstance(outcome, WireError) else "accepted"


def _invocation_bytes(inv: Invocation) -> bytes:
    head = encode_header(inv.header.instance, inv.header.function)
    return head + b"".join(encode_frame(f.path, f.data) for f in inv.frames)


def _stream_inputs() -> st.SearchStrategy[tuple[bool, bytes]]:
    """``(expect_header, bytes)``: valid client or server streams, mutated ones, random bytes."""
    client = invocations().map(_invocation_bytes)
    server = frames().map(lambda fs: b"".join(encode_frame(f.path, f.data) for f in fs))
    valid = st.one_of(st.tuples(st.just(True), client), st.tuples(st.just(False), server))
    mutated = valid.flatmap(lambda hv: st.tuples(st.just(hv[0]), _mutated_bytes(hv[1])))
    random = st.tuples(st.booleans(), st.binary(max_size=64))
    return st.one_of(valid, mutated, random)


# ---------------------------------------------------------------------------------------------
# Values (wrpc.md §4)


@given(typed_values())
def test_decode_of_encode_is_the_value(tv: tuple[WitType, Value]) -> None:
    ty, value = tv
    assert values_equal(decode_value(encode_value(value, ty), ty, LIMITS), value)


@given(typed_values())
def test_encoding_is_deterministic_and_a_fixed_point(tv: tuple[WitType, Value]) -> None:
    ty, value = tv
    data = encode_value(value, ty)
    assert encode_value(value, ty) == data
    assert encode_value(decode_value(data, ty, LIMITS), ty) == data


@given(TYPED_INPUTS)
def test_accepted_bytes_reencode_canonically(tb: tuple[WitType, bytes]) -> None:
    """Whatever the decoder accepts (non-minimal LEB128 included) re-encodes to canonical bytes
    that are no longer than the input, decode to the same value and are a fixed point."""
    ty, data = tb
    outcome = _decode_pieces(ty, [data])
    assume(not isinstance(outcome, CodecError))
    assert not isinstance(outcome, CodecError)  # for the type checker
    value, used = outcome
    canonical = encode_value(value, ty)
    assert len(canonical) <= used
    again = decode_value(canonical, ty, LIMITS)
    assert values_equal(again, value)
    assert encode_value(again, ty) == canonical


@given(TYPED_INPUTS)
def test_bad_value_bytes_raise_only_codec_error(tb: tuple[WitType, bytes]) -> None:
    """Any exception other than CodecError fails the test by propagating; the offset of a
    rejection lies within the input (end of input for a truncation)."""
    ty, data = tb
    for outcome in (_decode_pieces(ty, [data]), _decode_value_outcome(data, ty)):
        if isinstance(outcome, CodecError):
            assert outcome.offset is not None
            assert 0 <= outcome.offset <= len(data)


@given(TYPED_INPUTS, st.data())
def test_value_decoding_is_independent_of_split_points(
    tb: tuple[WitType, bytes], data: st.DataObject
) -> None:
    """Two pieces at every index, then a random chunking: same value and bytes consumed, or
    the same rule at the same offset, as decoding all at once."""
    ty, raw = tb
    at_once = _decode_pieces(ty, [raw])
    event(_verdict(at_once))
    for i in range(len(raw) + 1):
        _assert_same_value_outcome(at_once, _decode_pieces(ty, [raw[:i], raw[i:]]))
    pieces = cut(raw, data.draw(_positions(raw), label="cut positions"))
    _assert_same_value_outcome(at_once, _decode_pieces(ty, pieces))


# ---------------------------------------------------------------------------------------------
# WAVE


@given(typed_values())
def test_wave_round_trip(tv: tuple[WitType, Value]) -> None:
    ty, value = tv
    text = format_wave(value, ty)
    parsed = parse_wave(text, ty)
    assert values_equal(parsed, value), text
    assert format_wave(parsed, ty) == text


def _wave_inputs(ty: WitType) -> st.SearchStrategy[str]:
    """Canonical WAVE text of a value with one character changed, or random text."""
    texts = values_of(ty).map(lambda v: format_wave(v, ty))
    return st.one_of(texts.flatmap(lambda t: _mutated(t, st.characters())), st.text(max_size=24))


@given(wit_types().flatmap(lambda t: st.tuples(st.just(t), _wave_inputs(t))))
def test_bad_wave_text_raises_only_wave_error(tt: tuple[WitType, str]) -> None:
    """Any exception other than WaveError fails the test by propagating; text that parses
    stands for a value that formats and parses back equal."""
    ty, text = tt
    try:
        value = parse_wave(text, ty)
    except WaveError:
        return
    assert values_equal(parse_wave(format_wave(value, ty), ty), value)


# ---------------------------------------------------------------------------------------------
# Framing (wrpc.md §2)


@given(invocations())
def test_client_stream_round_trip(inv: Invocation) -> None:
    assert decode_stream(_invocation_bytes(inv), expect_header=True) == (inv.header, inv.frames)


@given(frames())
def test_server_stream_round_trip(fs: list[Frame]) -> None:
    data = b"".join(encode_frame(f.path, f.data) for f in fs)
    assert decode_stream(data, expect_header=False) == (None, fs)


@given(_stream_inputs(), st.data())
def test_stream_decoding_is_independent_of_split_points(
    hb: tuple[bool, bytes], data: st.DataObject
) -> None:
    """StreamDecoder fed in two pieces at every index, and in a random cut, agrees with
    decode_stream on the whole input, for valid and invalid streams alike."""
    expect_header, raw = hb
    at_once = _stream_at_once(raw, expect_header)
    event(_verdict(at_once))
    _assert_same_stream_outcome(at_once, _stream_pieces([raw], expect_header))
    for i in range(len(raw) + 1):
        _assert_same_stream_outcome(at_once, _stream_pieces([raw[:i], raw[i:]], expect_header))
    positions = data.draw(_positions(raw), label="cut positions")
    pieces = cut(raw, positions)
    assert len(pieces) == len(positions) + 1
    assert b"".join(pieces) == raw
    _assert_same_stream_outcome(at_once, _stream_pieces(pieces, expect_header))


@given(_stream_inputs())
def test_bad_streams_raise_only_framing_error(hb: tuple[bool, bytes]) -> None:
    """Any exception other than FramingError fails the test by propagating; every byte fed is
    consumed (payload passed through or a head held), and offsets lie within the input."""
    expect_header, raw = hb
    for outcome in (_stream_at_once(raw, expect_header), _stream_pieces([raw], expect_header)):
        if isinstance(outcome, FramingError):
            assert outcome.offset is not None
            assert 0 <= outcome.offset <= len(raw)
    decoder = StreamDecoder(expect_header=expect_header, limits=LIMITS)
    try:
        decoder.feed(raw)
    except FramingError:
        return
    assert decoder.offset == len(raw)


def _sizes(total: int) -> st.SearchStrategy[list[int]]:
    """Frame sizes summing to ``total``, zero-length frames included."""
    cuts = st.lists(st.integers(0, total), max_size=6).map(sorted)
    return cuts.map(lambda c: [b - a for a, b in zip([0, *c], [*c, total], strict=True)])


@given(paths(), st.binary(max_size=32), st.data())
def test_split_frames_carry_the_same_path_data(
    path: tuple[int, ...], payload: bytes, data: st.DataObject
) -> None:
    sizes = data.draw(_sizes(len(payload)), label="sizes")
    _, decoded = decode_stream(split_frames(path, payload, sizes), expect_header=False)
    assert per_path_data(decoded) == ({path: payload} if payload else {})
    assert [f.path for f in decoded] == [path] * len(sizes)
    assert [len(f.data) for f in decoded] == sizes


@given(
    st.lists(paths(), min_size=2, max_size=2, unique=True),
    st.binary(max_size=16),
    st.binary(max_size=16),
    st.data(),
)
def test_interleaved_paths_keep_their_own_data(
    pq: list[tuple[int, ...]], dp: bytes, dq: bytes, data: st.DataObject
) -> None:
    p, q = pq
    mixed = interleave(
        frame_chunks(p, dp, data.draw(_sizes(len(dp)), label="sizes p")),
        frame_chunks(q, dq, data.draw(_sizes(len(dq)), label="sizes q")),
    )
    _, decoded = decode_stream(mixed, expect_header=False)
    expected = {path: d for path, d in ((p, dp), (q, dq)) if d}
    assert per_path_data(decoded) == expected


# ---------------------------------------------------------------------------------------------
# The strategies' own contract


_WIT_IDENT = re.compile(r"[a-z][a-z0-9]*(-[a-z][a-z0-9]*)*")


def _names(t: WitType) -> list[str]:
    """Every identifier a type carries: type, field, case, label and resource names."""
    own: list[str] = []
    if isinstance(t, RecordType):
        own = [t.name, *(f.name for f in t.fields)]
    elif isinstance(t, VariantType):
        own = [t.name, *(c.name for c in t.cases)]
    elif isinstance(t, EnumType):
        own = [t.name, *t.cases]
    elif isinstance(t, FlagsType):
        own = [t.name, *t.labels]
    elif isinstance(t, HandleType):
        own = [t.resource]
    return own + [n for c in children(t) for n in _names(c)]


@given(wit_types())
def test_generated_names_are_wit_identifiers(ty: WitType) -> None:
    for name in _names(ty):
        assert _WIT_IDENT.fullmatch(name), name
        assert printer.ident(name) == name, f"{name} is a WIT keyword"


@settings(max_examples=SUBPROCESS_EXAMPLES)
@given(wit_types(max_flags=32))
def test_generated_types_print_as_wit_that_wasm_tools_loads_back(ty: WitType) -> None:
    """``ROOT`` is upper case, which the generated (lower-case) names never are."""
    body = "\n".join(f"  {d}" for d in printer.definitions(ty))
    text = (
        f"package wasmnet:props;\ninterface i {{\n{body}\n"
        f"  type ROOT = {printer.type_expr(ty)};\n}}\n"
    )
    assert load_wit_types(text)["ROOT"] == ty, text


def _reaches(strategy: st.SearchStrategy[T], condition: Callable[[T], bool]) -> None:
    """``strategy`` produces an example meeting ``condition`` within a fixed, seeded budget
    (``find`` raises NoSuchExample otherwise)."""
    budget = settings(
        max_examples=2000, derandomize=True, database=None, phases=[Phase.generate]
    )
    find(strategy, condition, settings=budget)


def test_strategies_reach_the_edges_they_promise() -> None:
    _reaches(wit_types(max_depth=1), lambda t: isinstance(t, FlagsType) and len(t.labels) > 64)
    _reaches(wit_types(), lambda t: depth(t) == 4)
    _reaches(wit_types(), lambda t: t == ResultType(None, None))
    _reaches(
        typed_values(max_depth=2),
        lambda tv: isinstance(tv[0], StreamType) and isinstance(tv[1], Ready),
    )
