"""f32 and f64: IEEE 754 little-endian, 4 / 8 bytes; a NaN is valid only as the canonical
pattern 7fc00000 (f32) / 7ff8000000000000 (f64) (wrpc.md §4, Binary.md).

Bytes are the IEEE bit pattern written big-endian in the comment and reversed (little-endian)
in the literal. Values are WAVE numbers that denote the float exactly (the shortest decimal
that round-trips to the same double; f32 values are exactly representable as doubles).
"""

from __future__ import annotations

from vectors.build.common import CITE_SPEC4, SOURCES_VALUES, Grammar, Group, VectorFile
from wasmnet_reference.rules import Rule
from wasmnet_reference.wit.types import Prim

IEEE = f"{CITE_SPEC4}: f32/f64 are IEEE 754 little-endian, 4 / 8 bytes"
NAN = f"{CITE_SPEC4}: a NaN is valid only as 00 00 c0 7f (f32) / 00 00 00 00 00 00 f8 7f (f64)"
F = Grammar.FLOAT
CNAN = Rule.FLOAT_CANONICAL_NAN
FIXED = Rule.FIXED_WIDTH_TRUNCATED


def f32_group() -> Group:
    g = Group("f32", "f32: 4 bytes little-endian", IEEE, Prim.F32)
    g.valid("value.f32.zero", "00 00 00 00", "0.0", rule=F)  # 0x00000000
    g.valid("value.f32.negative-zero", "00 00 00 80", "-0.0", rule=F)  # 0x80000000
    g.valid("value.f32.one", "00 00 80 3f", "1.0", rule=F)  # 0x3f800000
    g.valid("value.f32.minus-one", "00 00 80 bf", "-1.0", rule=F)  # 0xbf800000
    g.valid("value.f32.one-and-half", "00 00 c0 3f", "1.5", rule=F)  # 0x3fc00000
    g.valid("value.f32.nearest-to-0.1", "cd cc cc 3d", "0.10000000149011612", rule=F)
    # 0x3dcccccd
    g.valid("value.f32.2-pow-24", "00 00 80 4b", "16777216.0", rule=F)  # 0x4b800000
    g.valid("value.f32.max", "ff ff 7f 7f", "3.4028234663852886e+38", rule=F)  # 0x7f7fffff
    g.valid("value.f32.lowest", "ff ff 7f ff", "-3.4028234663852886e+38", rule=F)  # 0xff7fffff
    g.valid("value.f32.min-normal", "00 00 80 00", "1.1754943508222875e-38", rule=F)
    # 0x00800000 = 2^-126
    g.valid("value.f32.min-denormal", "01 00 00 00", "1.401298464324817e-45", rule=F)
    # 0x00000001 = 2^-149
    g.valid("value.f32.max-denormal", "ff ff 7f 00", "1.1754942106924411e-38", rule=F)
    # 0x007fffff = (2^23 - 1) * 2^-149
    g.valid("value.f32.negative-min-denormal", "01 00 00 80", "-1.401298464324817e-45",
            rule=F)  # 0x80000001
    g.valid("value.f32.inf", "00 00 80 7f", "inf", rule=F)  # 0x7f800000
    g.valid("value.f32.negative-inf", "00 00 80 ff", "-inf", rule=F)  # 0xff800000
    g.valid("value.f32.nan-canonical-upstream", "00 00 c0 7f", "nan", rule=CNAN,
            cite=f"{NAN}; upstream unit test: f32 NaN (any) is written as 00 00 c0 7f")
    # Non-canonical NaNs: exponent all ones, mantissa non-zero, not exactly 0x7fc00000.
    cite = NAN
    g.invalid("value.f32.nan-negative-canonical", "00 00 c0 ff", rule=CNAN, cite=cite)
    # 0xffc00000
    g.invalid("value.f32.nan-quiet-payload-1", "01 00 c0 7f", rule=CNAN, cite=cite)
    # 0x7fc00001
    g.invalid("value.f32.nan-quiet-payload-high", "00 00 e0 7f", rule=CNAN, cite=cite)
    # 0x7fe00000
    g.invalid("value.f32.nan-signalling-1", "01 00 80 7f", rule=CNAN, cite=cite)  # 0x7f800001
    g.invalid("value.f32.nan-signalling-high", "00 00 a0 7f", rule=CNAN, cite=cite)
    # 0x7fa00000
    g.invalid("value.f32.nan-negative-signalling", "01 00 80 ff", rule=CNAN, cite=cite)
    # 0xff800001
    g.invalid("value.f32.nan-all-ones", "ff ff ff ff", rule=CNAN, cite=cite)  # 0xffffffff
    g.invalid("value.f32.nan-positive-all-ones", "ff ff ff 7f", rule=CNAN, cite=cite)
    # 0x7fffffff
    g.invalid("value.f32.truncated-empty", "", rule=FIXED)
    g.invalid("value.f32.truncated-after-1", "00", rule=FIXED)
    g.invalid("value.f32.truncated-after-2", "00 00", rule=FIXED)
    g.invalid("value.f32.truncated-after-3", "00 00 c0", rule=FIXED)
    g.invalid("value.f32.trailing-byte", "00 00 80 3f 00", rule=Rule.TRAILING_BYTES)
    return g


def f64_group() -> Group:
    g = Group("f64", "f64: 8 bytes little-endian", IEEE, Prim.F64)
    g.valid("value.f64.zero", "00 00 00 00 00 00 00 00", "0.0", rule=F)
    g.valid("value.f64.negative-zero", "00 00 00 00 00 00 00 80", "-0.0", rule=F)
    # 0x8000000000000000
    g.valid("value.f64.one", "00 00 00 00 00 00 f0 3f", "1.0", rule=F)  # 0x3ff0000000000000
    g.valid("value.f64.minus-one", "00 00 00 00 00 00 f0 bf", "-1.0", rule=F)
    # 0xbff0000000000000
    g.valid("value.f64.one-and-half", "00 00 00 00 00 00 f8 3f", "1.5", rule=F)
    # 0x3ff8000000000000
    g.valid("value.f64.0.1", "9a 99 99 99 99 99 b9 3f", "0.1", rule=F)  # 0x3fb999999999999a
    g.valid("value.f64.2-pow-53", "00 00 00 00 00 00 40 43", "9007199254740992.0", rule=F)
    # 0x4340000000000000
    g.valid("value.f64.max", "ff ff ff ff ff ff ef 7f", "1.7976931348623157e+308", rule=F)
    # 0x7fefffffffffffff
    g.valid("value.f64.lowest", "ff ff ff ff ff ff ef ff", "-1.7976931348623157e+308", rule=F)
    # 0xffefffffffffffff
    g.valid("value.f64.min-normal", "00 00 00 00 00 00 10 00", "2.2250738585072014e-308",
            rule=F)  # 0x0010000000000000 = 2^-1022
    g.valid("value.f64.min-denormal", "01 00 00 00 00 00 00 00", "5e-324", rule=F)
    # 0x0000000000000001 = 2^-1074
    g.valid("value.f64.max-denormal", "ff ff ff ff ff ff 0f 00", "2.225073858507201e-308",
            rule=F)  # 0x000fffffffffffff
    g.valid("value.f64.negative-min-denormal", "01 00 00 00 00 00 00 80", "-5e-324", rule=F)
    g.valid("value.f64.f32-nan-bits-are-a-denormal", "00 00 c0 7f 00 00 00 00",
            "1.058925634e-314", rule=F,
            comment="0x000000007fc00000: the f32 canonical NaN in the low bytes is an f64 "
                    "denormal, not a NaN")
    g.valid("value.f64.inf", "00 00 00 00 00 00 f0 7f", "inf", rule=F)  # 0x7ff0000000000000
    g.valid("value.f64.negative-inf", "00 00 00 00 00 00 f0 ff", "-inf", rule=F)
    g.valid("value.f64.nan-canonical", "00 00 00 00 00 00 f8 7f", "nan", rule=CNAN, cite=NAN)
    # 0x7ff8000000000000
    cite = NAN
    g.invalid("value.f64.nan-negative-canonical", "00 00 00 00 00 00 f8 ff", rule=CNAN,
              cite=cite)  # 0xfff8000000000000
    g.invalid("value.f64.nan-quiet-payload-1", "01 00 00 00 00 00 f8 7f", rule=CNAN, cite=cite)
    # 0x7ff8000000000001
    g.invalid("value.f64.nan-quiet-payload-high", "00 00 00 00 00 00 fc 7f", rule=CNAN,
              cite=cite)  # 0x7ffc000000000000
    g.invalid("value.f64.nan-signalling-1", "01 00 00 00 00 00 f0 7f", rule=CNAN, cite=cite)
    # 0x7ff0000000000001
    g.invalid("value.f64.nan-signalling-high", "00 00 00 00 00 00 f4 7f", rule=CNAN,
              cite=cite)  # 0x7ff4000000000000
    g.invalid("value.f64.nan-negative-signalling", "01 00 00 00 00 00 f0 ff", rule=CNAN,
              cite=cite)  # 0xfff0000000000001
    g.invalid("value.f64.nan-all-ones", "ff ff ff ff ff ff ff ff", rule=CNAN, cite=cite)
    g.invalid("value.f64.nan-positive-all-ones", "ff ff ff ff ff ff ff 7f", rule=CNAN,
              cite=cite)  # 0x7fffffffffffffff
    g.invalid("value.f64.truncated-empty", "", rule=FIXED)
    g.invalid("value.f64.truncated-after-1", "00", rule=FIXED)
    g.invalid("value.f64.truncated-after-2", "00 00", rule=FIXED)
    g.invalid("value.f64.truncated-after-3", "00 00 00", rule=FIXED)
    g.invalid("value.f64.truncated-after-4", "00 00 00 00", rule=FIXED)
    g.invalid("value.f64.truncated-after-5", "00 00 00 00 00", rule=FIXED)
    g.invalid("value.f64.truncated-after-6", "00 00 00 00 00 00", rule=FIXED)
    g.invalid("value.f64.truncated-after-7", "00 00 00 00 00 00 f8", rule=FIXED)
    g.invalid("value.f64.trailing-byte", "00 00 00 00 00 00 f0 3f 00", rule=Rule.TRAILING_BYTES)
    return g


def build() -> VectorFile:
    return VectorFile(
        "floats",
        "f32 and f64: IEEE 754 little-endian; zeros, denormals, infinities and every NaN class",
        SOURCES_VALUES,
        [f32_group(), f64_group()],
    )
