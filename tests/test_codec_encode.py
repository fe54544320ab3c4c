"""The value encoder, and the canonical round trip through the decoder.

Every expected byte string is written by hand from the rules of wrpc.md §4 (or copied from the
upstream examples the spec note lists), never produced by the code under test.
"""

from __future__ import annotations

import struct

import pytest

from wasmnet_reference.codec import decode_value, encode_value, encode_values
from wasmnet_reference.errors import EncodeError
from wasmnet_reference.rules import Rule
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

POINT = RecordType("point", (Field("x", Prim.S32), Field("y", Prim.S32)))
SHAPE = VariantType("shape", (Case("circle", Prim.F64), Case("square", POINT), Case("empty", None)))
COLOR = EnumType("color", ("red", "green", "blue"))
PERMS = FlagsType("perms", ("read", "write", "exec"))
NINE = FlagsType("nine", tuple(f"l{i}" for i in range(9)))
SIXTEEN = FlagsType("sixteen", tuple(f"l{i}" for i in range(16)))
NO_LABELS = FlagsType("none", ())

# (id, type, value, canonical bytes). Hex comments give the rule that produced the bytes.
CANONICAL: list[tuple[str, WitType, Value, str]] = [
    ("bool-false", Prim.BOOL, False, "00"),
    ("bool-true", Prim.BOOL, True, "01"),
    ("u8-0", Prim.U8, 0, "00"),
    ("u8-max", Prim.U8, 255, "ff"),  # raw byte
    ("s8-minus-1", Prim.S8, -1, "ff"),  # two's complement
    ("s8-min", Prim.S8, -128, "80"),
    ("s8-max", Prim.S8, 127, "7f"),
    ("u16-max", Prim.U16, 65535, "ffff03"),  # 7+7+2 bits
    ("s16-min", Prim.S16, -32768, "80807e"),  # the spec note's example
    ("u32-0", Prim.U32, 0, "00"),
    ("u32-127", Prim.U32, 127, "7f"),
    ("u32-128", Prim.U32, 128, "8001"),
    ("u32-upstream", Prim.U32, 624485, "e58e26"),  # upstream example
    ("u32-max", Prim.U32, 4294967295, "ffffffff0f"),
    ("s32-63", Prim.S32, 63, "3f"),
    ("s32-64", Prim.S32, 64, "c000"),  # 0x40 alone would read as negative
    ("s32-minus-64", Prim.S32, -64, "40"),
    ("s32-minus-65", Prim.S32, -65, "bf7f"),
    ("s32-upstream", Prim.S32, -123456, "c0bb78"),  # upstream example
    ("s32-min", Prim.S32, -2147483648, "8080808078"),
    ("s64-minus-1", Prim.S64, -1, "7f"),  # upstream example
    ("s64-min", Prim.S64, -(1 << 63), "808080808080808080" + "7f"),
    ("u64-max", Prim.U64, (1 << 64) - 1, "ffffffffffffffffff" + "01"),
    ("f32-one", Prim.F32, 1.0, "0000803f"),  # 0x3f800000 little-endian
    ("f32-minus-zero", Prim.F32, -0.0, "00000080"),
    ("f32-inf", Prim.F32, float("inf"), "0000807f"),
    ("f32-nan", Prim.F32, float("nan"), "0000c07f"),  # canonical NaN
    ("f64-one", Prim.F64, 1.0, "000000000000f03f"),
    ("f64-minus-inf", Prim.F64, float("-inf"), "000000000000f0ff"),
    ("f64-nan", Prim.F64, float("nan"), "000000000000f87f"),
    ("char-ascii", Prim.CHAR, "a", "61"),
    ("char-2-bytes", Prim.CHAR, "\u0192", "c692"),
    ("char-3-bytes", Prim.CHAR, "\u20ac", "e282ac"),
    ("char-d7ff", Prim.CHAR, "\ud7ff", "ed9fbf"),  # last scalar before the surrogates
    ("char-e000", Prim.CHAR, "\ue000", "ee8080"),  # first scalar after them
    ("char-4-bytes", Prim.CHAR, "\U00010348", "f0908d88"),
    ("char-max", Prim.CHAR, "\U0010ffff", "f48fbfbf"),
    ("string-empty", Prim.STRING, "", "00"),
    ("string-upstream", Prim.STRING, "\u0192\U00010348\u0150", "08c692f0908d88c590"),
    ("string-hello", Prim.STRING, "hello from Rust", "0f" + b"hello from Rust".hex()),
    ("list-empty", ListType(Prim.U32), [], "00"),
    ("list-u32", ListType(Prim.U32), [1, 128], "02018001"),
    ("list-u8", ListType(Prim.U8), [1, 2, 3], "03010203"),
    ("list-string", ListType(Prim.STRING), ["a", ""], "02016100"),
    ("list-list", ListType(ListType(Prim.U8)), [[], [5]], "02000105"),
    ("tuple-upstream", TupleType((Prim.U8, Prim.U32)), (0x42, 0x42), "4242"),
    ("record", POINT, {"x": 1, "y": -1}, "017f"),
    ("variant-no-payload", SHAPE, VariantValue("empty", None), "02"),
    ("variant-record", SHAPE, VariantValue("square", {"x": 0, "y": 0}), "010000"),
    ("variant-f64", SHAPE, VariantValue("circle", 1.0), "00000000000000f03f"),
    ("enum", COLOR, EnumValue("blue"), "02"),
    ("option-none", OptionType(Prim.U8), None, "00"),
    ("option-some", OptionType(Prim.U8), Some(7), "0107"),
    ("option-some-none", OptionType(OptionType(Prim.U8)), Some(None), "0100"),
    ("result-upstream", ResultType(Prim.BOOL, Prim.STRING), Ok(True), "0001"),
    ("result-err", ResultType(Prim.BOOL, Prim.STRING), Err("e"), "010165"),
    ("result-bare-ok", ResultType(None, None), Ok(None), "00"),
    ("result-bare-err", ResultType(None, None), Err(None), "01"),
    ("result-err-only", ResultType(None, Prim.U8), Err(5), "0105"),
    ("result-ok-only", ResultType(Prim.U8, None), Err(None), "01"),
    ("flags-empty", PERMS, frozenset(), "00"),
    ("flags-bits-0-2", PERMS, frozenset({"read", "exec"}), "05"),
    ("flags-9-labels", NINE, frozenset({"l0", "l8"}), "0101"),  # label 8 = bit 0 of byte 1
    ("flags-16-labels", SIXTEEN, frozenset({"l15"}), "0080"),
    ("flags-no-labels", NO_LABELS, frozenset(), ""),  # ceil(0/8) = 0 bytes
    ("own", HandleType("r", owned=True), Handle(b"\x01\x02"), "020102"),
    ("borrow-empty", HandleType("r", owned=False), Handle(b""), "00"),
    ("future-pending", FutureType(Prim.U8), PENDING, "00"),
    ("future-ready", FutureType(Prim.U8), Ready(9), "0109"),
    ("future-bare-ready", FutureType(None), Ready(None), "01"),
    ("stream-pending", StreamType(Prim.U8), PENDING, "00"),
    ("stream-ready", StreamType(Prim.U8), Ready([1, 2]), "020102"),
    ("stream-ready-strings", StreamType(Prim.STRING), Ready(["a"]), "010161"),
    ("stream-bare-ready", StreamType(None), Ready([None, None, None]), "03"),
]


@pytest.mark.parametrize(
    ("ty", "value", "hex_bytes"), [c[1:] for c in CANONICAL], ids=[c[0] for c in CANONICAL]
)
def test_canonical_encoding(ty: WitType, value: Value, hex_bytes: str) -> None:
    assert encode_value(value, ty).hex() == hex_bytes


@pytest.mark.parametrize(
    ("ty", "value", "hex_bytes"), [c[1:] for c in CANONICAL], ids=[c[0] for c in CANONICAL]
)
def test_canonical_bytes_decode_to_the_value(ty: WitType, value: Value, hex_bytes: str) -> None:
    assert values_equal(decode_value(bytes.fromhex(hex_bytes), ty), value)


def _f32(bits: int) -> float:
    """The f32 with these bits, as a Python float (a NaN's payload does not survive; the
    encoder must not depend on it)."""
    x: float = struct.unpack("<f", struct.pack("<I", bits))[0]
    return x


def _f64(bits: int) -> float:
    x: float = struct.unpack("<d", struct.pack("<Q", bits))[0]
    return x


@pytest.mark.parametrize(
    "nan",
    [float("nan"), -float("nan"), _f32(0xFFC00000), _f32(0x7FA00000), _f32(0x7FC00001)],
    ids=["nan", "minus-nan", "f32-minus-nan", "f32-signalling", "f32-payload"],
)
def test_every_f32_nan_is_written_canonical(nan: float) -> None:
    assert encode_value(nan, Prim.F32).hex() == "0000c07f"


@pytest.mark.parametrize(
    "nan",
    [-float("nan"), _f64(0xFFF8000000000000), _f64(0x7FF4000000000000), _f64(0x7FF8000000000001)],
    ids=["minus-nan", "f64-minus-nan", "f64-signalling", "f64-payload"],
)
def test_every_f64_nan_is_written_canonical(nan: float) -> None:
    assert encode_value(nan, Prim.F64).hex() == "000000000000f87f"


def test_ready_empty_stream_is_written_as_pending() -> None:
    """Ambiguity READY_STREAM: Ready([]) and PENDING share the wire form 00."""
    assert encode_value(Ready([]), StreamType(Prim.U8)) == b"\x00"
    assert decode_value(b"\x00", StreamType(Prim.U8)) is PENDING


def test_record_fields_follow_the_type_not_the_dict() -> None:
    assert encode_value({"y": 2, "x": 1}, POINT).hex() == "0102"


def test_encode_values_concatenates_in_order() -> None:
    assert encode_values([1, "a", None], [Prim.U8, Prim.STRING, OptionType(Prim.U8)]).hex() == (
        "01" + "0161" + "00"
    )
    assert encode_values([], []) == b""


OUT_OF_TYPE: list[tuple[str, WitType, Value]] = [
    ("bool-from-int", Prim.BOOL, 1),
    ("u32-from-bool", Prim.U32, True),
    ("u32-from-float", Prim.U32, 1.0),
    ("u8-too-big", Prim.U8, 256),
    ("u32-negative", Prim.U32, -1),
    ("s8-too-small", Prim.S8, -129),
    ("s16-too-big", Prim.S16, 32768),
    ("u64-too-big", Prim.U64, 1 << 64),
    ("s64-too-small", Prim.S64, -(1 << 63) - 1),
    ("f32-from-int", Prim.F32, 1),
    ("f32-not-representable", Prim.F32, 0.1),
    ("f32-overflow", Prim.F32, 1e39),
    ("f64-from-str", Prim.F64, "1.0"),
    ("char-two", Prim.CHAR, "ab"),
    ("char-empty", Prim.CHAR, ""),
    ("char-surrogate", Prim.CHAR, "\ud800"),
    ("string-surrogate", Prim.STRING, "a\udc00"),
    ("string-from-bytes", Prim.STRING, b"a"),  # type: ignore[list-item]
    ("list-from-tuple", ListType(Prim.U8), (1, 2)),
    ("list-bad-element", ListType(Prim.U8), [1, 300]),
    ("tuple-from-list", TupleType((Prim.U8, Prim.U8)), [1, 2]),
    ("tuple-wrong-arity", TupleType((Prim.U8, Prim.U8)), (1,)),
    ("record-missing-field", POINT, {"x": 1}),
    ("record-unknown-field", POINT, {"x": 1, "y": 2, "z": 3}),
    ("variant-unknown-case", SHAPE, VariantValue("triangle", None)),
    ("variant-payload-on-bare-case", SHAPE, VariantValue("empty", 1)),
    ("variant-missing-payload", SHAPE, VariantValue("circle", None)),
    ("variant-from-enum", SHAPE, EnumValue("empty")),
    ("enum-unknown-case", COLOR, EnumValue("pink")),
    ("enum-from-str", COLOR, "red"),
    ("option-bare-value", OptionType(Prim.U8), 7),
    ("result-bare-value", ResultType(Prim.U8, None), 7),
    ("result-payload-without-type", ResultType(Prim.U8, None), Err(1)),
    ("flags-unknown-label", PERMS, frozenset({"admin"})),
    ("flags-from-set", PERMS, {"read"}),  # type: ignore[list-item]
    ("handle-from-bytes", HandleType("r", owned=True), b"\x01"),  # type: ignore[list-item]
    ("handle-from-str", HandleType("r", owned=True), Handle("x")),  # type: ignore[arg-type]
    ("future-bare-value", FutureType(Prim.U8), 9),
    ("future-payload-without-type", FutureType(None), Ready(1)),
    ("stream-ready-tuple", StreamType(Prim.U8), Ready((1,))),
    ("stream-bare-list", StreamType(Prim.U8), [1]),
    ("stream-payload-without-type", StreamType(None), Ready([1])),
]


@pytest.mark.parametrize(
    ("ty", "value"), [c[1:] for c in OUT_OF_TYPE], ids=[c[0] for c in OUT_OF_TYPE]
)
def test_value_out_of_type_is_rejected(ty: WitType, value: Value) -> None:
    with pytest.raises(EncodeError) as info:
        encode_value(value, ty)
    assert info.value.rule is Rule.VALUE_OUT_OF_TYPE


def test_encode_values_needs_one_value_per_type() -> None:
    with pytest.raises(EncodeError) as info:
        encode_values([1], [Prim.U8, Prim.U8])
    assert info.value.rule is Rule.VALUE_OUT_OF_TYPE
