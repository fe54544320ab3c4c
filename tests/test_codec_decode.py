"""The strict, incremental, bounded value decoder.

Each case gives bytes written by hand from a rule of wrpc.md §4 and the outcome that rule
dictates: a value, or the Rule and byte offset (from the start of the value) of the rejection.
Every case is also decoded through every way of splitting its bytes between ``feed`` calls, which
must not change the outcome.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wasmnet_reference.codec import (
    ValueDecoder,
    decode_prefix,
    decode_value,
    encode_value,
)
from wasmnet_reference.errors import CodecError
from wasmnet_reference.limits import Limits
from wasmnet_reference.rules import ErrorClass, Rule
from wasmnet_reference.values import (
    PENDING,
    EnumValue,
    Err,
    Handle,
    Ok,
    Ready,
    Some,
    Value,
    VariantValue,
    values_equal,
)
from wasmnet_reference.wit.types import (
    Case,
    EnumType,
    Field,
    FlagsType,
    FutureType,
    HandleType,
    ListType,
    OptionType,
    Prim,
    RecordType,
    ResultType,
    StreamType,
    TupleType,
    VariantType,
    WitType,
)


@dataclass(frozen=True)
class Rejected:
    rule: Rule
    offset: int


Outcome = Value | Rejected

POINT = RecordType("point", (Field("x", Prim.S32), Field("y", Prim.S32)))
FLAGGED = RecordType("flagged", (Field("n", Prim.U32), Field("ok", Prim.BOOL)))
SHAPE = VariantType("shape", (Case("circle", Prim.F64), Case("square", POINT), Case("empty", None)))
COLOR = EnumType("color", ("red", "green", "blue"))
PERMS = FlagsType("perms", ("read", "write", "exec"))
NINE = FlagsType("nine", tuple(f"l{i}" for i in range(9)))
EIGHT = FlagsType("eight", tuple(f"l{i}" for i in range(8)))
OWN = HandleType("r", owned=True)
SMALL = Limits(max_list_length=2, max_string_length=3)

# (id, type, hex, expected outcome, limits or None)
CASES: list[tuple[str, WitType, str, Outcome, Limits | None]] = [
    # LEB128: non-minimal forms within ceil(N/7) bytes are valid.
    ("u32-non-minimal", Prim.U32, "8100", 1, None),
    ("u32-non-minimal-5-bytes", Prim.U32, "8080808000", 0, None),
    ("u16-max-3-bytes", Prim.U16, "ffff03", 65535, None),
    ("s16-min", Prim.S16, "80807e", -32768, None),
    ("s32-non-minimal-minus-1", Prim.S32, "ffffffff7f", -1, None),
    ("u32-too-long", Prim.U32, "8080808080", Rejected(Rule.LEB128_MAX_BYTES, 4), None),
    ("u16-too-long", Prim.U16, "808080", Rejected(Rule.LEB128_MAX_BYTES, 2), None),
    ("u32-unused-bits", Prim.U32, "ffffffff1f",
     Rejected(Rule.LEB128_UNSIGNED_UNUSED_BITS, 4), None),
    ("u16-unused-bits", Prim.U16, "ffff04", Rejected(Rule.LEB128_UNSIGNED_UNUSED_BITS, 2), None),
    ("s16-ffff03", Prim.S16, "ffff03", Rejected(Rule.LEB128_SIGNED_UNUSED_BITS, 2), None),
    ("s32-unused-bits", Prim.S32, "8080808008", Rejected(Rule.LEB128_SIGNED_UNUSED_BITS, 4), None),
    ("u32-empty", Prim.U32, "", Rejected(Rule.LEB128_TRUNCATED, 0), None),
    ("u32-cut", Prim.U32, "8080", Rejected(Rule.LEB128_TRUNCATED, 2), None),
    ("s64-cut", Prim.S64, "ff", Rejected(Rule.LEB128_TRUNCATED, 1), None),
    # bool, u8, s8
    ("bool-02", Prim.BOOL, "02", Rejected(Rule.BOOL_BYTE, 0), None),
    ("bool-ff", Prim.BOOL, "ff", Rejected(Rule.BOOL_BYTE, 0), None),
    ("bool-empty", Prim.BOOL, "", Rejected(Rule.FIXED_WIDTH_TRUNCATED, 0), None),
    ("s8-80", Prim.S8, "80", -128, None),
    ("u8-empty", Prim.U8, "", Rejected(Rule.FIXED_WIDTH_TRUNCATED, 0), None),
    # floats
    ("f32-inf", Prim.F32, "0000807f", float("inf"), None),
    ("f32-canonical-nan", Prim.F32, "0000c07f", float("nan"), None),
    ("f32-minus-nan", Prim.F32, "0000c0ff", Rejected(Rule.FLOAT_CANONICAL_NAN, 0), None),
    ("f32-signalling-nan", Prim.F32, "0000a07f", Rejected(Rule.FLOAT_CANONICAL_NAN, 0), None),
    ("f32-payload-nan", Prim.F32, "0100c07f", Rejected(Rule.FLOAT_CANONICAL_NAN, 0), None),
    ("f64-minus-nan", Prim.F64, "000000000000f8ff", Rejected(Rule.FLOAT_CANONICAL_NAN, 0), None),
    ("f64-signalling-nan", Prim.F64, "000000000000f47f",
     Rejected(Rule.FLOAT_CANONICAL_NAN, 0), None),
    ("f64-payload-nan", Prim.F64, "010000000000f87f", Rejected(Rule.FLOAT_CANONICAL_NAN, 0), None),
    ("f32-cut", Prim.F32, "0000c0", Rejected(Rule.FIXED_WIDTH_TRUNCATED, 3), None),
    ("f64-cut", Prim.F64, "00000000000000", Rejected(Rule.FIXED_WIDTH_TRUNCATED, 7), None),
    # char: strict UTF-8 of one scalar, rejected at the first byte that cannot continue it
    ("char-continuation-lead", Prim.CHAR, "80", Rejected(Rule.CHAR_UTF8, 0), None),
    ("char-c0-overlong", Prim.CHAR, "c080", Rejected(Rule.CHAR_UTF8, 0), None),
    ("char-c1-overlong", Prim.CHAR, "c1bf", Rejected(Rule.CHAR_UTF8, 0), None),
    ("char-e0-overlong", Prim.CHAR, "e08080", Rejected(Rule.CHAR_UTF8, 0), None),
    ("char-f0-overlong", Prim.CHAR, "f0808080", Rejected(Rule.CHAR_UTF8, 0), None),
    ("char-surrogate", Prim.CHAR, "eda080", Rejected(Rule.CHAR_UTF8, 0), None),
    ("char-surrogate-seen-early", Prim.CHAR, "eda0", Rejected(Rule.CHAR_UTF8, 0), None),
    ("char-above-10ffff", Prim.CHAR, "f4908080", Rejected(Rule.CHAR_UTF8, 0), None),
    ("char-above-10ffff-early", Prim.CHAR, "f490", Rejected(Rule.CHAR_UTF8, 0), None),
    ("char-f5", Prim.CHAR, "f5808080", Rejected(Rule.CHAR_UTF8, 0), None),
    ("char-ff", Prim.CHAR, "ff", Rejected(Rule.CHAR_UTF8, 0), None),
    ("char-bad-second", Prim.CHAR, "c241", Rejected(Rule.CHAR_UTF8, 0), None),
    ("char-bad-third", Prim.CHAR, "e28241", Rejected(Rule.CHAR_UTF8, 0), None),
    ("char-bad-fourth", Prim.CHAR, "f09f9841", Rejected(Rule.CHAR_UTF8, 0), None),
    ("char-cut-3", Prim.CHAR, "e282", Rejected(Rule.CHAR_TRUNCATED, 2), None),
    ("char-cut-4", Prim.CHAR, "f09f98", Rejected(Rule.CHAR_TRUNCATED, 3), None),
    ("char-empty", Prim.CHAR, "", Rejected(Rule.CHAR_TRUNCATED, 0), None),
    # string: the offset of a UTF-8 error is the first byte of the ill-formed sequence
    ("string-overlong", Prim.STRING, "02c080", Rejected(Rule.STRING_UTF8, 1), None),
    ("string-surrogate", Prim.STRING, "0441eda080", Rejected(Rule.STRING_UTF8, 2), None),
    ("string-ends-mid-sequence", Prim.STRING, "0341e282", Rejected(Rule.STRING_UTF8, 2), None),
    ("string-ff", Prim.STRING, "02ff41", Rejected(Rule.STRING_UTF8, 1), None),
    ("string-cut-but-already-bad", Prim.STRING, "0541eda0",
     Rejected(Rule.STRING_UTF8, 2), None),
    ("string-cut", Prim.STRING, "054142", Rejected(Rule.STRING_TRUNCATED, 3), None),
    ("string-cut-mid-sequence", Prim.STRING, "0341e2", Rejected(Rule.STRING_TRUNCATED, 3), None),
    ("string-length-only", Prim.STRING, "05", Rejected(Rule.STRING_TRUNCATED, 1), None),
    ("string-length-cut", Prim.STRING, "85", Rejected(Rule.LEB128_TRUNCATED, 1), None),
    ("string-over-limit", Prim.STRING, "0441424344", Rejected(Rule.LIMIT_STRING_LENGTH, 0), SMALL),
    ("string-at-limit", Prim.STRING, "03414243", "ABC", SMALL),
    # list, handle, stream: counts bounded before any element is read
    ("list-hostile-count", ListType(Prim.U8), "ffffffff0f",
     Rejected(Rule.LIMIT_LIST_LENGTH, 0), None),
    ("list-hostile-count-cut", ListType(Prim.U32), "ffffffff",
     Rejected(Rule.LIMIT_LIST_LENGTH, 0), None),
    ("list-over-limit", ListType(Prim.U8), "03000000", Rejected(Rule.LIMIT_LIST_LENGTH, 0), SMALL),
    ("list-at-limit", ListType(Prim.U8), "020000", [0, 0], SMALL),
    ("list-u8-cut", ListType(Prim.U8), "0301", Rejected(Rule.LIST_TRUNCATED, 2), None),
    ("list-u32-cut-between", ListType(Prim.U32), "030102", Rejected(Rule.LIST_TRUNCATED, 3), None),
    ("list-u32-cut-inside", ListType(Prim.U32), "020180", Rejected(Rule.LEB128_TRUNCATED, 3), None),
    ("list-string-cut-between", ListType(Prim.STRING), "020141",
     Rejected(Rule.LIST_TRUNCATED, 3), None),
    ("list-list-cut-between", ListType(ListType(Prim.U8)), "020105",
     Rejected(Rule.LIST_TRUNCATED, 3), None),
    ("list-record-cut-inside", ListType(FLAGGED), "020101", Rejected(Rule.LIST_TRUNCATED, 3), None),
    ("list-count-cut", ListType(Prim.U8), "80", Rejected(Rule.LEB128_TRUNCATED, 1), None),
    ("list-empty-input", ListType(Prim.U8), "", Rejected(Rule.LEB128_TRUNCATED, 0), None),
    ("list-f32-nan-offset", ListType(Prim.F32), "020000803f0100c07f",
     Rejected(Rule.FLOAT_CANONICAL_NAN, 5), None),
    ("handle", OWN, "03010203", Handle(b"\x01\x02\x03"), None),
    ("handle-cut", OWN, "040102", Rejected(Rule.LIST_TRUNCATED, 3), None),
    ("handle-over-limit", OWN, "03010203", Rejected(Rule.LIMIT_LIST_LENGTH, 0), SMALL),
    ("stream-pending", StreamType(Prim.U32), "00", PENDING, None),
    ("stream-ready", StreamType(Prim.U32), "028001" + "05", Ready([128, 5]), None),
    ("stream-ready-bare", StreamType(None), "02", Ready([None, None]), None),
    ("stream-cut", StreamType(Prim.U8), "0207", Rejected(Rule.LIST_TRUNCATED, 2), None),
    ("stream-over-limit", StreamType(None), "03", Rejected(Rule.LIMIT_LIST_LENGTH, 0), SMALL),
    # record, tuple: offsets count from the start of the whole value
    ("record-bad-bool", FLAGGED, "0102", Rejected(Rule.BOOL_BYTE, 1), None),
    ("record-cut-between-fields", FLAGGED, "01", Rejected(Rule.FIXED_WIDTH_TRUNCATED, 1), None),
    ("tuple-cut", TupleType((Prim.U8, Prim.U32)), "42", Rejected(Rule.LEB128_TRUNCATED, 1), None),
    # variant, enum: a uleb32 case index below the number of cases
    ("variant-non-minimal-index", SHAPE, "8200", VariantValue("empty", None), None),
    ("variant-index-3", SHAPE, "03", Rejected(Rule.VARIANT_DISCRIMINANT, 0), None),
    ("variant-index-seen-early", SHAPE, "83", Rejected(Rule.VARIANT_DISCRIMINANT, 0), None),
    ("variant-payload-cut", SHAPE, "0100", Rejected(Rule.LEB128_TRUNCATED, 2), None),
    ("enum-index-3", COLOR, "03", Rejected(Rule.ENUM_DISCRIMINANT, 0), None),
    ("enum-non-minimal", COLOR, "8100", EnumValue("green"), None),
    ("enum-index-huge", COLOR, "ffffffff0f", Rejected(Rule.ENUM_DISCRIMINANT, 0), None),
    # option, result, future: 00 / 01 only
    ("option-02", OptionType(Prim.U8), "02", Rejected(Rule.OPTION_DISCRIMINANT, 0), None),
    ("option-nested-bad", OptionType(OptionType(Prim.U8)), "0102",
     Rejected(Rule.OPTION_DISCRIMINANT, 1), None),
    ("option-some-cut", OptionType(Prim.U8), "01", Rejected(Rule.FIXED_WIDTH_TRUNCATED, 1), None),
    ("result-02", ResultType(None, None), "02", Rejected(Rule.RESULT_DISCRIMINANT, 0), None),
    ("result-err-string", ResultType(Prim.BOOL, Prim.STRING), "010161", Err("a"), None),
    ("result-ok-bool-bad", ResultType(Prim.BOOL, None), "0002", Rejected(Rule.BOOL_BYTE, 1), None),
    ("future-02", FutureType(Prim.U8), "02", Rejected(Rule.FUTURE_DISCRIMINANT, 0), None),
    ("future-ready-cut", FutureType(Prim.STRING), "01", Rejected(Rule.LEB128_TRUNCATED, 1), None),
    ("future-bare-ready", FutureType(None), "01", Ready(None), None),
    # flags: ceil(N/8) bytes, bits beyond N rejected (reference reading)
    ("flags-bit-3-of-3", PERMS, "08", Rejected(Rule.FLAGS_UNKNOWN_BIT, 0), None),
    ("flags-bit-7-of-3", PERMS, "80", Rejected(Rule.FLAGS_UNKNOWN_BIT, 0), None),
    ("flags-bit-9-of-9", NINE, "0002", Rejected(Rule.FLAGS_UNKNOWN_BIT, 1), None),
    ("flags-8-all", EIGHT, "ff", frozenset(EIGHT.labels), None),
    ("flags-cut", NINE, "01", Rejected(Rule.FIXED_WIDTH_TRUNCATED, 1), None),
    # exactly one value
    ("trailing-u8", Prim.U8, "0102", Rejected(Rule.TRAILING_BYTES, 1), None),
    ("trailing-string", Prim.STRING, "0000", Rejected(Rule.TRAILING_BYTES, 1), None),
    ("trailing-after-leb", Prim.U32, "e58e2600", Rejected(Rule.TRAILING_BYTES, 3), None),
    ("trailing-zero-byte-type", FlagsType("none", ()), "00", Rejected(Rule.TRAILING_BYTES, 0),
     None),
]

CASE_PARAMS = [c[1:] for c in CASES]
CASE_IDS = [c[0] for c in CASES]


def _outcome(run: Callable[[], Value]) -> Outcome:
    """Call ``run`` (decode something); a CodecError becomes Rejected(rule, offset)."""
    try:
        value = run()
    except CodecError as e:
        assert e.offset is not None
        return Rejected(e.rule, e.offset)
    return value


def _split_decode(data: bytes, ty: WitType, cuts: tuple[int, ...], limits: Limits) -> Value:
    """decode_value through ValueDecoder, ``data`` cut at ``cuts``."""
    decoder = ValueDecoder(ty, limits)
    used = 0
    for start, stop in itertools.pairwise((0, *cuts, len(data))):
        used += decoder.feed(data[start:stop])
    decoder.end()
    if used != len(data):
        raise CodecError(Rule.TRAILING_BYTES, "", used)
    return decoder.value


def _same(got: Outcome, expected: Outcome) -> bool:
    if isinstance(expected, Rejected) or isinstance(got, Rejected):
        return got == expected
    return values_equal(got, expected)


@pytest.mark.parametrize(("ty", "hex_bytes", "expected", "limits"), CASE_PARAMS, ids=CASE_IDS)
def test_decode(ty: WitType, hex_bytes: str, expected: Outcome, limits: Limits | None) -> None:
    got = _outcome(lambda: decode_value(bytes.fromhex(hex_bytes), ty, limits or Limits()))
    assert _same(got, expected), got


def _cut_sets(n: int) -> list[tuple[int, ...]]:
    """Every way of cutting n bytes into 2 or 3 pieces (empty pieces included), and into
    single bytes."""
    points = range(n + 1)
    cuts: list[tuple[int, ...]] = [(i,) for i in points]
    cuts += [(i, j) for i in points for j in points if i <= j]
    cuts.append(tuple(range(1, n)))
    return cuts


@pytest.mark.parametrize(("ty", "hex_bytes", "expected", "limits"), CASE_PARAMS, ids=CASE_IDS)
def test_every_split_gives_the_same_outcome(
    ty: WitType, hex_bytes: str, expected: Outcome, limits: Limits | None
) -> None:
    data = bytes.fromhex(hex_bytes)
    for cuts in _cut_sets(len(data)):
        got = _outcome(functools.partial(_split_decode, data, ty, cuts, limits or Limits()))
        assert _same(got, expected), (cuts, got)


def test_early_rejection_needs_no_more_input() -> None:
    """A rule broken by the bytes seen is raised by feed, not deferred to later input."""
    cases: list[tuple[WitType, str, Rule]] = [
        (Prim.CHAR, "eda0", Rule.CHAR_UTF8),
        (Prim.STRING, "0941eda0", Rule.STRING_UTF8),
        (SHAPE, "83", Rule.VARIANT_DISCRIMINANT),
        (ListType(Prim.U8), "ffffffff", Rule.LIMIT_LIST_LENGTH),
        (Prim.STRING, "808080c0", Rule.LIMIT_STRING_LENGTH),  # >= 0x40 << 21 > 1 << 26
        (Prim.BOOL, "07", Rule.BOOL_BYTE),
    ]
    for ty, hex_bytes, rule in cases:
        decoder = ValueDecoder(ty)
        with pytest.raises(CodecError) as info:
            for byte in bytes.fromhex(hex_bytes):
                decoder.feed(bytes([byte]))
        assert info.value.rule is rule, (ty, hex_bytes)


def test_feed_consumes_only_the_value() -> None:
    decoder = ValueDecoder(Prim.U32)
    assert decoder.feed(b"\x80") == 1
    assert not decoder.done
    assert decoder.feed(bytearray(b"\x01\xff\xff")) == 1
    assert decoder.done
    assert decoder.value == 128
    assert decoder.feed(b"\x00") == 0
    decoder.end()  # complete: nothing to report


def test_value_before_done_raises() -> None:
    decoder = ValueDecoder(Prim.STRING)
    decoder.feed(b"\x02a")
    with pytest.raises(RuntimeError):
        _ = decoder.value


def test_an_error_sticks() -> None:
    decoder = ValueDecoder(Prim.BOOL)
    with pytest.raises(CodecError):
        decoder.feed(b"\x05")
    with pytest.raises(CodecError) as info:
        decoder.feed(b"\x00")
    assert info.value.rule is Rule.BOOL_BYTE
    with pytest.raises(CodecError):
        decoder.end()


def test_zero_byte_value_is_done_at_once() -> None:
    decoder = ValueDecoder(FlagsType("none", ()))
    assert decoder.done
    assert decoder.value == frozenset()


def test_memoryview_input_and_buffer_released() -> None:
    buf = bytearray(bytes.fromhex("08c692f0908d88c590"))
    assert decode_value(memoryview(buf), Prim.STRING) == "\u0192\U00010348\u0150"
    buf.append(0)  # resizing fails if the decoder kept an export of the buffer
    # Cut inside a string body, a list<u8> body and a LEB128 (kept as carry).
    for ty, hex_bytes in ((Prim.STRING, "0541"), (ListType(Prim.U8), "0501"), (Prim.U32, "80")):
        source = bytearray.fromhex(hex_bytes)
        decoder = ValueDecoder(ty)
        assert decoder.feed(memoryview(source)) == len(source)
        source.append(0)
    # A rejection (kept by the decoder to raise again) must not pin the buffer either.
    source = bytearray.fromhex("0102")
    decoder = ValueDecoder(ListType(Prim.BOOL))
    with pytest.raises(CodecError):
        decoder.feed(source)
    source.append(0)


def test_decode_prefix_reports_the_length() -> None:
    assert decode_prefix(bytes.fromhex("0161ff"), Prim.STRING) == ("a", 2)
    with pytest.raises(CodecError) as info:
        decode_prefix(b"\x02a", Prim.STRING)
    assert info.value.rule is Rule.STRING_TRUNCATED


def _nested_options(depth: int) -> WitType:
    ty: WitType = Prim.U8
    for _ in range(depth - 1):
        ty = OptionType(ty)
    return ty


def test_depth_limit() -> None:
    with pytest.raises(CodecError) as info:
        ValueDecoder(_nested_options(5), Limits(max_depth=4))
    assert info.value.rule is Rule.LIMIT_DEPTH
    ValueDecoder(_nested_options(4), Limits(max_depth=4))


def test_deepest_default_type_decodes_without_recursion() -> None:
    """64 levels (the default max_depth) of option<...<u8>>: Some(Some(...(7)))."""
    ty = _nested_options(64)
    data = b"\x01" * 63 + b"\x07"
    expected: Value = 7
    for _ in range(63):
        expected = Some(expected)
    assert values_equal(decode_value(data, ty), expected)
    decoder = ValueDecoder(ty)
    for byte in data:
        decoder.feed(bytes([byte]))
    assert values_equal(decoder.value, expected)


def test_huge_announced_counts_allocate_nothing() -> None:
    """Counts within the limit but with no elements behind them fail as truncated, fast."""
    # 1 << 24 (the default max_list_length) as uleb32: 7-bit groups 0, 0, 0, 8 -> 80 80 80 08
    for ty in (ListType(Prim.U8), ListType(Prim.U32), OWN, Prim.STRING):
        with pytest.raises(CodecError) as info:
            decode_value(bytes.fromhex("80808008"), ty)
        assert info.value.error_class is ErrorClass.TRUNCATED


# ----------------------------------------------------------------------- property: round trip

_NAMES = st.text("abcdefgh", min_size=1, max_size=4)
_LEAF_TYPES: st.SearchStrategy[WitType] = st.one_of(
    st.sampled_from(list(Prim)),
    st.just(COLOR),
    st.just(PERMS),
    st.just(NINE),
    st.just(OWN),
    st.just(FutureType(None)),
    st.just(StreamType(None)),
)


def _compound(inner: st.SearchStrategy[WitType]) -> st.SearchStrategy[WitType]:
    optional = st.none() | inner
    return st.one_of(
        inner.map(ListType),
        st.lists(inner, min_size=1, max_size=3).map(lambda ts: TupleType(tuple(ts))),
        st.lists(inner, min_size=1, max_size=3).map(
            lambda ts: RecordType("r", tuple(Field(f"f{i}", t) for i, t in enumerate(ts)))
        ),
        st.lists(optional, min_size=1, max_size=3).map(
            lambda ts: VariantType("v", tuple(Case(f"c{i}", t) for i, t in enumerate(ts)))
        ),
        inner.map(OptionType),
        st.builds(ResultType, optional, optional),
        inner.map(FutureType),
        inner.map(StreamType),
    )


TYPES = st.recursive(_LEAF_TYPES, _compound, max_leaves=6)


def _values(ty: WitType | None) -> st.SearchStrategy[Value]:
    if ty is None:
        return st.none()
    if isinstance(ty, Prim):
        if ty is Prim.BOOL:
            return st.booleans()
        if ty.is_integer:
            low, high = ty.int_range
            return st.integers(low, high)
        if ty is Prim.F32:
            return st.floats(width=32)
        if ty is Prim.F64:
            return st.floats()
        if ty is Prim.CHAR:
            return st.characters(codec="utf-8")  # scalar values: no surrogates
        return st.text(max_size=8)
    if isinstance(ty, ListType):
        return st.lists(_values(ty.element), max_size=3)
    if isinstance(ty, TupleType):
        return st.tuples(*(_values(t) for t in ty.elements))
    if isinstance(ty, RecordType):
        names = [f.name for f in ty.fields]  # in field order: values_equal compares key order
        return st.tuples(*(_values(f.type) for f in ty.fields)).map(
            lambda vs: dict(zip(names, vs, strict=True))
        )
    if isinstance(ty, VariantType):
        return st.one_of(
            *(st.builds(VariantValue, st.just(c.name), _values(c.type)) for c in ty.cases)
        )
    if isinstance(ty, EnumType):
        return st.sampled_from(ty.cases).map(EnumValue)
    if isinstance(ty, OptionType):
        return st.none() | _values(ty.inner).map(Some)
    if isinstance(ty, ResultType):
        return _values(ty.ok).map(Ok) | _values(ty.err).map(Err)
    if isinstance(ty, FlagsType):
        return st.frozensets(st.sampled_from(ty.labels))
    if isinstance(ty, HandleType):
        return st.binary(max_size=4).map(Handle)
    if isinstance(ty, FutureType):
        return st.just(PENDING) | _values(ty.inner).map(Ready)
    # stream: Ready([]) has no wire form of its own (READY_STREAM), so ready means non-empty.
    return st.just(PENDING) | st.lists(_values(ty.inner), min_size=1, max_size=3).map(Ready)


@st.composite
def _typed_values(draw: st.DrawFn) -> tuple[WitType, Value]:
    ty = draw(TYPES)
    return ty, draw(_values(ty))


@given(_typed_values(), st.data())
def test_round_trip_whatever_the_split(typed: tuple[WitType, Value], data: st.DataObject) -> None:
    ty, value = typed
    encoded = encode_value(value, ty)
    assert values_equal(decode_value(encoded, ty), value)
    cuts = tuple(sorted(data.draw(st.lists(st.integers(0, len(encoded)), max_size=4))))
    assert values_equal(_split_decode(encoded, ty, cuts, Limits()), value)
    with pytest.raises(CodecError) as info:
        decode_value(encoded + b"\x00", ty)
    assert (info.value.rule, info.value.offset) == (Rule.TRAILING_BYTES, len(encoded))
    if encoded:
        cut = data.draw(st.integers(0, len(encoded) - 1))
        with pytest.raises(CodecError) as info:
            decode_value(encoded[:cut], ty)
        assert info.value.error_class is ErrorClass.TRUNCATED
