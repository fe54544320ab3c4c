"""WAVE text <-> value model: hand-written texts for every type, round trips, errors, floats.

Expected texts and values are written from the wasm-wave README / grammar and IEEE 754 by hand;
f32 values are given as bit patterns.
"""

from __future__ import annotations

import math
import struct
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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
from wasmnet_reference.wave import WaveError, format_wave, parse_wave
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


def f32(bits: int) -> float:
    """The f32 value with IEEE 754 binary32 bit pattern ``bits``."""
    value: float = struct.unpack("<f", struct.pack("<I", bits))[0]
    return value


def f64_bits(x: float) -> int:
    bits: int = struct.unpack("<Q", struct.pack("<d", x))[0]
    return bits


POINT = RecordType("point", (Field("x", Prim.S32), Field("y", Prim.S32)))
SHAPE = VariantType("shape", (Case("circle", Prim.F64), Case("square", POINT), Case("empty", None)))
COLOR = EnumType("color", ("red", "green", "blue"))
PERMS = FlagsType("perms", ("read", "write", "exec"))
OPT_REC = RecordType("opt", (Field("must", Prim.U8), Field("maybe", OptionType(Prim.U8))))
ALL_OPT = RecordType("all-opt", (Field("a", OptionType(Prim.U8)),))
KW_REC = RecordType("kw", (Field("ok", Prim.U8), Field("none", OptionType(Prim.U8))))
KW_VARIANT = VariantType(
    "kw",
    (
        Case("some", Prim.U8),
        Case("none", None),
        Case("ok", None),
        Case("pending", None),
        Case("ready", Prim.STRING),
        Case("plain", None),
    ),
)
KW_ENUM = EnumType("kw", ("true", "false", "inf", "nan", "err", "ready"))
KW_FLAGS = FlagsType("kw", ("true", "none"))
BLOB = HandleType("blob", owned=True)
TRIPLE = TupleType((Prim.U8, Prim.STRING, Prim.CHAR))
PAIR = TupleType((Prim.U8, Prim.U8))
RESULT_BOTH = ResultType(Prim.U16, Prim.STRING)
RESULT_OK = ResultType(Prim.U16, None)
RESULT_ERR = ResultType(None, Prim.S64)
RESULT_NONE = ResultType(None, None)
F32_MAX = f32(0x7F7F_FFFF)
F32_MIN_SUBNORMAL = f32(0x0000_0001)

# (value, type, canonical text) -- the text is what format_wave must print and parse_wave read.
CANONICAL: list[tuple[Value, WitType, str]] = [
    (True, Prim.BOOL, "true"),
    (False, Prim.BOOL, "false"),
    (-128, Prim.S8, "-128"),
    (255, Prim.U8, "255"),
    (-32768, Prim.S16, "-32768"),
    (65535, Prim.U16, "65535"),
    (-2147483648, Prim.S32, "-2147483648"),
    (4294967295, Prim.U32, "4294967295"),
    (-9223372036854775808, Prim.S64, "-9223372036854775808"),
    (18446744073709551615, Prim.U64, "18446744073709551615"),
    (0, Prim.U64, "0"),
    (1.0, Prim.F64, "1"),
    (0.5, Prim.F64, "0.5"),
    (-2.25, Prim.F64, "-2.25"),
    (0.1, Prim.F64, "0.1"),
    (1e21, Prim.F64, "1000000000000000000000"),
    (1e-7, Prim.F64, "0.0000001"),
    (0.0, Prim.F64, "0"),
    (-0.0, Prim.F64, "-0"),
    (math.inf, Prim.F64, "inf"),
    (-math.inf, Prim.F64, "-inf"),
    (f32(0x3DCC_CCCD), Prim.F32, "0.1"),  # nearest f32 to 0.1
    (f32(0x4B80_0000), Prim.F32, "16777216"),  # 2^24
    (f32(0xC049_0E56), Prim.F32, "-3.1415"),
    (f32(0x8000_0000), Prim.F32, "-0"),
    (F32_MAX, Prim.F32, "340282350000000000000000000000000000000"),
    (F32_MIN_SUBNORMAL, Prim.F32, "0." + "0" * 44 + "1"),
    (math.inf, Prim.F32, "inf"),
    (-math.inf, Prim.F32, "-inf"),
    ("a", Prim.CHAR, "'a'"),
    ("'", Prim.CHAR, "'\\''"),
    ('"', Prim.CHAR, "'\\\"'"),
    ("\\", Prim.CHAR, "'\\\\'"),
    ("\n", Prim.CHAR, "'\\n'"),
    ("\t", Prim.CHAR, "'\\t'"),
    ("\r", Prim.CHAR, "'\\r'"),
    ("\x00", Prim.CHAR, "'\\u{0}'"),
    ("\x1b", Prim.CHAR, "'\\u{1b}'"),
    ("\x7f", Prim.CHAR, "'\\u{7f}'"),
    ("\x9f", Prim.CHAR, "'\\u{9f}'"),
    ("\xa0", Prim.CHAR, "'\xa0'"),  # not a control character: written as itself
    ("\u2603", Prim.CHAR, "'\u2603'"),
    ("\U0001f44b", Prim.CHAR, "'\U0001f44b'"),
    ("", Prim.STRING, '""'),
    ('say "hi"\n', Prim.STRING, '"say \\"hi\\"\\n"'),
    ("it's", Prim.STRING, '"it\\\'s"'),
    ("a\\b\tc\rd\x00e\x85", Prim.STRING, '"a\\\\b\\tc\\rd\\u{0}e\\u{85}"'),
    ("\u0192\U00010348\u0150", Prim.STRING, '"\u0192\U00010348\u0150"'),
    ([], ListType(Prim.U8), "[]"),
    ([1, 2, 3], ListType(Prim.U8), "[1, 2, 3]"),
    ([[], ["x"]], ListType(ListType(Prim.STRING)), '[[], ["x"]]'),
    ((1, "a", "b"), TRIPLE, "(1, \"a\", 'b')"),
    ({"x": 1, "y": -2}, POINT, "{x: 1, y: -2}"),
    ({"must": 1, "maybe": None}, OPT_REC, "{must: 1}"),
    ({"must": 1, "maybe": Some(2)}, OPT_REC, "{must: 1, maybe: some(2)}"),
    ({"a": None}, ALL_OPT, "{:}"),
    ({"ok": 1, "none": Some(2)}, KW_REC, "{ok: 1, none: some(2)}"),
    (VariantValue("circle", 1.5), SHAPE, "circle(1.5)"),
    (VariantValue("square", {"x": 0, "y": 0}), SHAPE, "square({x: 0, y: 0})"),
    (VariantValue("empty", None), SHAPE, "empty"),
    (VariantValue("some", 1), KW_VARIANT, "%some(1)"),
    (VariantValue("none", None), KW_VARIANT, "%none"),
    (VariantValue("ok", None), KW_VARIANT, "%ok"),
    (VariantValue("pending", None), KW_VARIANT, "%pending"),
    (VariantValue("ready", "x"), KW_VARIANT, '%ready("x")'),
    (VariantValue("plain", None), KW_VARIANT, "plain"),
    (EnumValue("red"), COLOR, "red"),
    (EnumValue("true"), KW_ENUM, "%true"),
    (EnumValue("inf"), KW_ENUM, "%inf"),
    (EnumValue("ready"), KW_ENUM, "%ready"),
    (None, OptionType(Prim.U8), "none"),
    (Some(5), OptionType(Prim.U8), "some(5)"),
    (Some(None), OptionType(OptionType(Prim.U8)), "some(none)"),
    (Some(Some(0)), OptionType(OptionType(Prim.U8)), "some(some(0))"),
    (Ok(1), RESULT_BOTH, "ok(1)"),
    (Err("e"), RESULT_BOTH, 'err("e")'),
    (Ok(7), RESULT_OK, "ok(7)"),
    (Err(None), RESULT_OK, "err"),
    (Ok(None), RESULT_ERR, "ok"),
    (Err(-1), RESULT_ERR, "err(-1)"),
    (Ok(None), RESULT_NONE, "ok"),
    (Err(None), RESULT_NONE, "err"),
    (frozenset(), PERMS, "{}"),
    (frozenset({"exec", "read"}), PERMS, "{read, exec}"),
    (frozenset({"read", "write", "exec"}), PERMS, "{read, write, exec}"),
    (frozenset({"none", "true"}), KW_FLAGS, "{true, none}"),
    (Handle(b""), BLOB, "[]"),
    (Handle(b"\x01\x02\xff"), BLOB, "[1, 2, 255]"),
    (Handle(b"\x00"), HandleType("blob", owned=False), "[0]"),
    (PENDING, FutureType(Prim.U32), "pending"),
    (Ready(7), FutureType(Prim.U32), "ready(7)"),
    (Ready(None), FutureType(None), "ready"),
    (PENDING, FutureType(None), "pending"),
    (PENDING, StreamType(Prim.STRING), "pending"),
    (Ready([]), StreamType(Prim.STRING), "ready([])"),
    (Ready(["a", "b"]), StreamType(Prim.STRING), 'ready(["a", "b"])'),
    (Ready([None, None]), StreamType(None), "ready([_, _])"),
    (PENDING, StreamType(None), "pending"),
    (Some(PENDING), OptionType(FutureType(Prim.U8)), "some(pending)"),
]


@pytest.mark.parametrize(("value", "ty", "text"), CANONICAL, ids=[c[2] for c in CANONICAL])
def test_format_prints_the_canonical_text(value: Value, ty: WitType, text: str) -> None:
    assert format_wave(value, ty) == text


@pytest.mark.parametrize(("value", "ty", "text"), CANONICAL, ids=[c[2] for c in CANONICAL])
def test_parse_reads_the_canonical_text(value: Value, ty: WitType, text: str) -> None:
    assert values_equal(parse_wave(text, ty), value)


# Texts that are valid WAVE but not canonical: (text, type, value).
ACCEPTED: list[tuple[str, WitType, Value]] = [
    # whitespace and comments between tokens
    (" // lead\n [ 1 ,\t2 , ]\r\n// tail", ListType(Prim.U8), [1, 2]),
    ("(1,\n\"a\",'b',)", TRIPLE, (1, "a", "b")),
    # flat some / ok
    ("5", OptionType(Prim.U8), Some(5)),
    ('"x"', OptionType(Prim.STRING), Some("x")),
    ("none", OptionType(Prim.STRING), None),
    ("5", RESULT_OK, Ok(5)),
    ("5", RESULT_BOTH, Ok(5)),
    ("pending", OptionType(FutureType(Prim.U8)), Some(PENDING)),
    # records: any order, trailing comma, explicit none, optional field left out, '%'
    ("{y: 2, x: 1,}", POINT, {"x": 1, "y": 2}),
    ("{%x: 1, y: 2}", POINT, {"x": 1, "y": 2}),
    ("{must: 1, maybe: none}", OPT_REC, {"must": 1, "maybe": None}),
    ("{maybe: 3, must: 1}", OPT_REC, {"must": 1, "maybe": Some(3)}),
    ("{must: 1, maybe: 3}", OPT_REC, {"must": 1, "maybe": Some(3)}),
    ("{ : }", ALL_OPT, {"a": None}),
    ("{a: none}", ALL_OPT, {"a": None}),
    ("{%ok: 1, %none: none}", KW_REC, {"ok": 1, "none": None}),
    # flags: any order, trailing comma, '%'
    ("{ }", PERMS, frozenset()),
    ("{exec, read,}", PERMS, frozenset({"read", "exec"})),
    ("{%write}", PERMS, frozenset({"write"})),
    ("{%true, %none}", KW_FLAGS, frozenset({"true", "none"})),
    # labels: '%' optional on non-keywords; pending/ready are plain case labels
    ("%red", COLOR, EnumValue("red")),
    ("%circle (2)", SHAPE, VariantValue("circle", 2.0)),
    ("pending", KW_VARIANT, VariantValue("pending", None)),
    ('ready ( "r" )', KW_VARIANT, VariantValue("ready", "r")),
    ("ready", KW_ENUM, EnumValue("ready")),
    # numbers
    ("-0", Prim.S8, 0),
    ("6.022e+23", Prim.F64, 6.022e23),
    ("1E3", Prim.F64, 1000.0),
    ("0.000e100", Prim.F64, 0.0),
    ("-0.0e-0", Prim.F64, -0.0),
    ("7", Prim.F32, 7.0),
    ("nan", Prim.F64, math.nan),
    ("nan", Prim.F32, math.nan),
    ("3.4028234664e38", Prim.F32, F32_MAX),
    ("1.4012984643e-45", Prim.F32, F32_MIN_SUBNORMAL),
    ("1.4012984643e-46", Prim.F32, 0.0),  # below half the smallest subnormal: rounds to 0
    ("-1e-50", Prim.F32, -0.0),
    ("1.7976931348623157e308", Prim.F64, 1.7976931348623157e308),
    ("2e-324", Prim.F64, 0.0),
    # chars and strings: every escape, raw quotes of the other kind
    ("'\"'", Prim.CHAR, '"'),
    ("'\\u{41}'", Prim.CHAR, "A"),
    ("'\\u{1F44B}'", Prim.CHAR, "\U0001f44b"),
    ("'\\u{10FFFF}'", Prim.CHAR, "\U0010ffff"),
    ("'\\u{000041}'", Prim.CHAR, "A"),
    ("\"it's\"", Prim.STRING, "it's"),
    ('"\\\' \\" \\\\ \\t \\n \\r \\u{0} \\u{e9}"', Prim.STRING, "' \" \\ \t \n \r \x00 \xe9"),
    ('"tab\there"', Prim.STRING, "tab\there"),  # a raw tab is allowed
    # multiline strings (README examples)
    ('"""\nA single line\n"""', Prim.STRING, "A single line"),
    (
        '"""\n    Indentation determined\n      by ending delimiter\n  """',
        Prim.STRING,
        "  Indentation determined\n    by ending delimiter",
    ),
    (
        '"""\n  Must escape carriage return at end of line: \\r\n'
        '  Must break up double quote triplets: ""\\""\n  """',
        Prim.STRING,
        'Must escape carriage return at end of line: \r\nMust break up double quote triplets: """"',
    ),
    ('"""\r\n  a\r\n  b\r\n  """', Prim.STRING, "a\nb"),
    ('"""\n"""', Prim.STRING, ""),
    ('"""\n\n"""', Prim.STRING, ""),
    ('"""\n\n\n"""', Prim.STRING, "\n"),
    ('"""\n  "quoted" \\u{41}\n  """', Prim.STRING, '"quoted" A'),
    ('["""\n  x\n  """, "y"]', ListType(Prim.STRING), ["x", "y"]),
    ('"""\n x\n """', OptionType(Prim.STRING), Some("x")),
    # extension forms
    ("[ 1 , 2 , ]", BLOB, Handle(b"\x01\x02")),
    ("ready ( [ _ , ] )", StreamType(None), Ready([None])),
]


@pytest.mark.parametrize(("text", "ty", "value"), ACCEPTED, ids=[a[0] for a in ACCEPTED])
def test_parse_accepts_non_canonical_forms(text: str, ty: WitType, value: Value) -> None:
    assert values_equal(parse_wave(text, ty), value)


# (text, type, offset of the error, fragment of the message)
REJECTED: list[tuple[str, WitType, int, str]] = [
    # integers
    ("256", Prim.U8, 0, "out of range"),
    ("-1", Prim.U8, 0, "unsigned"),
    ("-0", Prim.U32, 0, "unsigned"),
    ("128", Prim.S8, 0, "out of range"),
    ("-129", Prim.S8, 0, "out of range"),
    ("65536", Prim.U16, 0, "out of range"),
    ("-32769", Prim.S16, 0, "out of range"),
    ("4294967296", Prim.U32, 0, "out of range"),
    ("2147483648", Prim.S32, 0, "out of range"),
    ("18446744073709551616", Prim.U64, 0, "out of range"),
    ("9223372036854775808", Prim.S64, 0, "out of range"),
    ("1" * 5000, Prim.U64, 0, "out of range"),
    ("1.0", Prim.U32, 0, "integer"),
    ("1e3", Prim.U32, 0, "integer"),
    ("-inf", Prim.S32, 0, "integer"),
    ("nan", Prim.U32, 0, "expected a u32"),
    ("0123", Prim.U32, 1, "trailing text"),
    # floats
    ("3.5e38", Prim.F32, 0, "too large for f32"),
    ("-3.5e38", Prim.F32, 0, "too large for f32"),
    ("1e309", Prim.F64, 0, "too large for f64"),
    ("-nan", Prim.F32, 0, "unexpected character"),
    ("NaN", Prim.F64, 0, "expected a f64"),
    ("infinity", Prim.F64, 0, "expected a f64"),
    ("-infinity", Prim.F64, 4, "trailing text"),
    ("%inf", Prim.F64, 0, "expected a f64"),
    (".5", Prim.F64, 0, "unexpected character"),
    ("1.", Prim.F64, 1, "unexpected character"),
    ("+1", Prim.F64, 0, "unexpected character"),
    ("0x10", Prim.U32, 1, "trailing text"),
    # chars
    ("'ab'", Prim.CHAR, 0, "exactly one"),
    ("''", Prim.CHAR, 0, "empty char"),
    ("'''", Prim.CHAR, 0, "empty char"),
    ("'a", Prim.CHAR, 0, "exactly one"),
    ("'", Prim.CHAR, 0, "unterminated"),
    ("'\n'", Prim.CHAR, 1, "line break"),
    ("'\\q'", Prim.CHAR, 1, "invalid escape"),
    ("'\\u{d800}'", Prim.CHAR, 1, "not a Unicode scalar"),
    ("'\\u{110000}'", Prim.CHAR, 1, "not a Unicode scalar"),
    ("'\\u{1234567}'", Prim.CHAR, 1, "invalid escape"),
    ("'\\u{}'", Prim.CHAR, 1, "invalid escape"),
    ("'\\u41'", Prim.CHAR, 1, "invalid escape"),
    ("'\ud800'", Prim.CHAR, 1, "surrogate"),
    # strings
    ('"abc', Prim.STRING, 0, "unterminated"),
    ('"a\nb"', Prim.STRING, 2, "line break"),
    ('"\\x41"', Prim.STRING, 1, "invalid escape"),
    ('"ab\\', Prim.STRING, 3, "invalid escape"),
    ('"\\u{dfff}"', Prim.STRING, 1, "not a Unicode scalar"),
    ('"a\udc00"', Prim.STRING, 2, "surrogate"),
    ('"""abc\n"""', Prim.STRING, 0, "line break"),
    ('"""\n  a\n x"""', Prim.STRING, 10, "closing"),
    ('"""\n a\n  """', Prim.STRING, 4, "indent"),
    ('"""\n a', Prim.STRING, 0, "unterminated"),
    ('"""\n \\q\n """', Prim.STRING, 5, "invalid escape"),
    ('""""', Prim.STRING, 0, "unterminated"),
    # lists and tuples
    ("[1 2]", ListType(Prim.U8), 3, "expected ',' or ']'"),
    ("[1,,2]", ListType(Prim.U8), 3, "expected a u8"),
    ("[,]", ListType(Prim.U8), 1, "expected a u8"),
    ("[1", ListType(Prim.U8), 2, "end of text"),
    ("(1, 2)", ListType(Prim.U8), 0, "list"),
    ("()", TupleType((Prim.U8,)), 1, "expected a u8"),
    ("(1)", PAIR, 2, "has 2 elements, found 1"),
    ("(1, 2, 3)", PAIR, 7, "too many"),
    ("[1, 2]", PAIR, 0, "'('"),
    # records
    ("{}", POINT, 1, "{:}"),
    ("{:}", POINT, 0, "missing field 'x'"),
    ("{x: 1}", POINT, 0, "missing field 'y'"),
    ("{x: 1, x: 2, y: 3}", POINT, 7, "twice"),
    ("{x: 1, %x: 2, y: 3}", POINT, 7, "twice"),
    ("{x: 1, y: 2, z: 3}", POINT, 13, "no field 'z'"),
    ("{x 1}", POINT, 3, "':'"),
    ("{x: 1; y: 2}", POINT, 5, "unexpected character"),
    ("{x: 1 y: 2}", POINT, 6, "expected ',' or '}'"),
    ("{must: 1", OPT_REC, 8, "end of text"),
    ("{:,}", ALL_OPT, 2, "'}'"),
    # variants and enums
    ("circle", SHAPE, 6, "'('"),
    ("empty(1)", SHAPE, 5, "no payload"),
    ("triangle", SHAPE, 0, "no case 'triangle'"),
    ("5", SHAPE, 0, "a case of variant shape"),
    ("some(1)", KW_VARIANT, 0, "keyword"),
    ("none", KW_VARIANT, 0, "keyword"),
    ("purple", COLOR, 0, "no case 'purple'"),
    ("red(1)", COLOR, 3, "no payload"),
    ("true", KW_ENUM, 0, "keyword"),
    ("RED", COLOR, 0, "no case 'RED'"),
    # options and results
    ("some", OptionType(Prim.U8), 4, "'('"),
    ("some()", OptionType(Prim.U8), 5, "expected a u8"),
    ("none(1)", OptionType(Prim.U8), 4, "no payload"),
    ("5", OptionType(OptionType(Prim.U8)), 0, "some(...) or none"),
    ("5", OptionType(RESULT_NONE), 0, "some(...) or none"),
    ("%none", OptionType(Prim.U8), 0, "expected a u8"),
    ("ok", RESULT_BOTH, 2, "'('"),
    ("err", RESULT_BOTH, 3, "'('"),
    ("ok(1)", RESULT_NONE, 2, "no payload"),
    ("5", RESULT_ERR, 0, "ok or err"),
    ("none", ResultType(OptionType(Prim.U8), None), 0, "ok or err"),
    # flags
    ("{read, read}", PERMS, 7, "twice"),
    ("{rwx}", PERMS, 1, "no flag 'rwx'"),
    ("{read write}", PERMS, 6, "expected ',' or '}'"),
    ("{:}", PERMS, 1, "a flag of perms"),
    ("{read: true}", PERMS, 5, "expected ',' or '}'"),
    ("{,}", PERMS, 1, "a flag of perms"),
    # trailing text and wrong kinds of token
    ("1 2", Prim.U8, 2, "trailing text"),
    ("true false", Prim.BOOL, 5, "trailing text"),
    ("1 // c\n x", Prim.U8, 8, "trailing text"),
    ("", Prim.U8, 0, "end of text"),
    ("// only a comment", Prim.BOOL, 17, "end of text"),
    ('"1"', Prim.U32, 0, "expected a u32"),
    ("1", Prim.STRING, 0, "expected a string"),
    ("'a'", Prim.STRING, 0, "expected a string"),
    ('"a"', Prim.CHAR, 0, "expected a char"),
    ("True", Prim.BOOL, 0, "expected a bool"),
    ("%true", Prim.BOOL, 0, "expected a bool"),
    ("1", Prim.BOOL, 0, "expected a bool"),
    ("@", Prim.U8, 0, "unexpected character"),
    ("\xa0true", Prim.BOOL, 0, "unexpected character"),
    ("/ x", Prim.U8, 0, "unexpected character"),
    # extension forms
    ("[256]", BLOB, 1, "out of range"),
    ('"abc"', BLOB, 0, "list"),
    ("pending(1)", FutureType(Prim.U8), 7, "no payload"),
    ("ready", FutureType(Prim.U32), 5, "'('"),
    ("ready(1)", FutureType(None), 5, "no payload"),
    ("%pending", FutureType(Prim.U8), 0, "pending or ready"),
    ("7", FutureType(Prim.U8), 0, "pending or ready"),
    ("ready(1)", StreamType(Prim.U8), 6, "list"),
    ("ready([1])", StreamType(None), 7, "'_'"),
    ("ready([_])", StreamType(Prim.U8), 7, "expected a u8"),
    ("[1]", StreamType(Prim.U8), 0, "pending or ready"),
    ("_", Prim.U8, 0, "expected a u8"),
]


@pytest.mark.parametrize(
    ("text", "ty", "offset", "fragment"), REJECTED, ids=[r[0][:40] for r in REJECTED]
)
def test_parse_rejects(text: str, ty: WitType, offset: int, fragment: str) -> None:
    with pytest.raises(WaveError) as info:
        parse_wave(text, ty)
    assert info.value.offset == offset
    assert fragment in str(info.value)
    assert f"offset {offset}" in str(info.value)


def test_wave_error_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="at offset 0"):
        parse_wave("x", Prim.U8)


# -- floats ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "bits"),
    [
        ("0.1", 0x3DCC_CCCD),
        ("-0", 0x8000_0000),
        ("16777217", 0x4B80_0000),  # 2^24 + 1 is a tie between 2^24 and 2^24 + 2: even wins
        ("16777219", 0x4B80_0002),  # tie between 2^24 + 2 and 2^24 + 4: even is 2^24 + 4
        # 1 + 2^-24 is the midpoint of 1 (even) and 1 + 2^-23 (odd)
        ("1.000000059604644775390625", 0x3F80_0000),
        ("1.000000059604644775390625000001", 0x3F80_0001),
        ("1.000000059604644775390624999999", 0x3F80_0000),
        # 1 + 3 * 2^-24 is the midpoint of 1 + 2^-23 (odd) and 1 + 2^-22 (even). The decimal
        # below lies under it but its nearest f64 is the midpoint itself: rounding through f64
        # would tie to even (0x3F800002); correct rounding gives 0x3F800001.
        ("1.0000001788139343", 0x3F80_0001),
        ("1.000000178813934326171875", 0x3F80_0002),
        # just under 2^128 - 2^103 (midpoint of f32 max and 2^128): rounds to f32 max
        (str(2**128 - 2**103 - 1), 0x7F7F_FFFF),
        ("3.4028235e38", 0x7F7F_FFFF),
        ("7.006492321624085e-46", 0x0000_0000),  # below 2^-150 (half the least subnormal)
        ("7.0064923216240862e-46", 0x0000_0001),  # above 2^-150
    ],
)
def test_f32_rounds_the_exact_decimal_to_nearest(text: str, bits: int) -> None:
    value = parse_wave(text, Prim.F32)
    assert isinstance(value, float)
    assert struct.pack("<f", value) == struct.pack("<I", bits)


@pytest.mark.parametrize(
    "text",
    [str(2**128 - 2**103), "340282356779733661637539395458142568449", "1e39", "-1e39"],
)
def test_f32_finite_decimal_rounding_to_infinity_is_rejected(text: str) -> None:
    with pytest.raises(WaveError, match="too large for f32"):
        parse_wave(text, Prim.F32)


def test_nan_and_signed_zero_survive_round_trips() -> None:
    for ty in (Prim.F32, Prim.F64):
        nan = parse_wave(format_wave(math.nan, ty), ty)
        assert isinstance(nan, float) and math.isnan(nan)
        negative_zero = parse_wave(format_wave(-0.0, ty), ty)
        assert isinstance(negative_zero, float)
        assert math.copysign(1.0, negative_zero) == -1.0
        assert format_wave(0.0, ty) == "0"


def test_f32_prints_the_shortest_text_that_reads_back() -> None:
    assert format_wave(f32(0x3F80_0001), Prim.F32) == "1.0000001"  # 1 + 2^-23
    assert format_wave(f32(0x3F7F_FFFF), Prim.F32) == "0.99999994"  # 1 - 2^-24
    assert format_wave(f32(0x3EAA_AAAB), Prim.F32) == "0.33333334"
    # 2^-126 (least normal): shortest digits 1.1754944e-38
    assert format_wave(f32(0x0080_0000), Prim.F32) == "0." + "0" * 37 + "11754944"


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=0xFFFF_FFFF))
def test_every_f32_round_trips(bits: int) -> None:
    x = f32(bits)
    back = parse_wave(format_wave(x, Prim.F32), Prim.F32)
    assert values_equal(back, x) and isinstance(back, float)
    if not math.isnan(x):
        assert struct.pack("<f", back) == struct.pack("<I", bits)


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=(1 << 64) - 1))
def test_every_f64_round_trips(bits: int) -> None:
    x: float = struct.unpack("<d", struct.pack("<Q", bits))[0]
    back = parse_wave(format_wave(x, Prim.F64), Prim.F64)
    assert isinstance(back, float)
    assert (math.isnan(x) and math.isnan(back)) or f64_bits(back) == bits


# -- strings -----------------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(st.text(st.characters(codec="utf-8")))
def test_every_string_round_trips(s: str) -> None:
    text = format_wave(s, Prim.STRING)
    assert "\n" not in text  # canonical output is one line
    assert parse_wave(text, Prim.STRING) == s


# -- flags -------------------------------------------------------------------------------------

FLAGS_65 = FlagsType("many", tuple(f"f{i}" for i in range(65)))


def test_65_flags() -> None:
    assert format_wave(frozenset({"f64", "f0", "f8"}), FLAGS_65) == "{f0, f8, f64}"
    assert parse_wave("{f64, f0, f8}", FLAGS_65) == frozenset({"f0", "f8", "f64"})
    every = frozenset(FLAGS_65.labels)
    text = "{" + ", ".join(f"f{i}" for i in range(65)) + "}"
    assert format_wave(every, FLAGS_65) == text
    assert parse_wave(text, FLAGS_65) == every
    with pytest.raises(WaveError, match="no flag 'f65'"):
        parse_wave("{f0, f65}", FLAGS_65)


# -- round trips of nested values --------------------------------------------------------------

NESTED = RecordType(
    "nested",
    (
        Field("shapes", ListType(SHAPE)),
        Field("lookup", ListType(TupleType((Prim.STRING, OptionType(RESULT_BOTH))))),
        Field("perms", PERMS),
        Field("color", OptionType(COLOR)),
        Field("blob", BLOB),
        Field("later", FutureType(ListType(Prim.F32))),
        Field("chunks", StreamType(OptionType(Prim.CHAR))),
    ),
)

ROUND_TRIP: list[tuple[Value, WitType]] = [
    *((v, t) for v, t, _ in CANONICAL),
    (
        {
            "shapes": [
                VariantValue("circle", -0.0),
                VariantValue("square", {"x": -1, "y": 2}),
                VariantValue("empty", None),
            ],
            "lookup": [("k", None), ("ok", Some(Ok(3))), ("err", Some(Err("\x00'\"")))],
            "perms": frozenset({"write"}),
            "color": Some(EnumValue("blue")),
            "blob": Handle(bytes(range(256))),
            "later": Ready([math.nan, math.inf, f32(0x3DCC_CCCD)]),
            "chunks": Ready([Some("x"), None, Some("\n")]),
        },
        NESTED,
    ),
    (
        [Some(Some(None)), Some(None), None],
        ListType(OptionType(OptionType(OptionType(Prim.BOOL)))),
    ),
    ([Ok(Err(None)), Err(Ok(None))], ListType(ResultType(RESULT_NONE, RESULT_NONE))),
    (Some(Ok(None)), OptionType(RESULT_NONE)),
]


@pytest.mark.parametrize(("value", "ty"), ROUND_TRIP)
def test_round_trip(value: Value, ty: WitType) -> None:
    assert values_equal(parse_wave(format_wave(value, ty), ty), value)


# -- values that do not belong to the type ------------------------------------------------------

NOT_OF_TYPE: list[tuple[Any, WitType]] = [
    (256, Prim.U8),
    (-1, Prim.U64),
    (True, Prim.U8),
    (1, Prim.BOOL),
    (1, Prim.F64),
    (0.1, Prim.F32),  # the f64 0.1 is not an f32 value
    (1e39, Prim.F32),
    ("ab", Prim.CHAR),
    ("", Prim.CHAR),
    ("\ud800", Prim.CHAR),
    ("a\udfff", Prim.STRING),
    (b"a", Prim.STRING),
    ((1,), ListType(Prim.U8)),
    ([1], TupleType((Prim.U8,))),
    ((1,), PAIR),
    ((), TupleType(())),
    ({"x": 1}, POINT),
    ({"x": 1, "y": 2, "z": 3}, POINT),
    (VariantValue("triangle", None), SHAPE),
    (VariantValue("empty", 1), SHAPE),
    (EnumValue("purple"), COLOR),
    (VariantValue("red", None), COLOR),
    (5, OptionType(Prim.U8)),
    (Ok(1), RESULT_NONE),
    (Some(1), RESULT_OK),
    (frozenset({"rwx"}), PERMS),
    ({"read"}, PERMS),
    (b"\x01", BLOB),
    (Ready(1), StreamType(Prim.U8)),
    (Ready([1]), StreamType(None)),
    (Ready(1), FutureType(None)),
    (None, FutureType(Prim.U8)),
    ({"a_b": 1}, RecordType("bad", (Field("a_b", Prim.U8),))),
]


@pytest.mark.parametrize(("value", "ty"), NOT_OF_TYPE)
def test_format_rejects_values_outside_the_type(value: Any, ty: WitType) -> None:
    with pytest.raises(WaveError) as info:
        format_wave(value, ty)
    assert info.value.offset is None


# -- bounds ------------------------------------------------------------------------------------


def test_nesting_in_the_text_cannot_go_deeper_than_the_type() -> None:
    with pytest.raises(WaveError) as info:
        parse_wave("[" * 100_000, ListType(Prim.U8))
    assert info.value.offset == 1
    with pytest.raises(WaveError) as info:
        parse_wave("some(" * 100_000, OptionType(OptionType(Prim.U8)))
    assert info.value.offset == 10
