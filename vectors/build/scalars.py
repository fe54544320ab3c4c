"""bool and the integer types: one raw byte for bool/u8/s8, LEB128 for the wider ones.

Rules (wrpc.md §4, core binary format):
- bool: 00 false, 01 true, any other byte invalid.
- u8/s8: one raw byte (two's complement for s8) -- not LEB128.
- uN/sN (N = 16, 32, 64): at most ceil(N/7) bytes (3, 5, 10); non-minimal encodings within
  that limit are valid; in the last permitted byte, the bits beyond the width must be zero
  (unsigned) or equal the sign (signed).

Last-byte arithmetic used below (bits carried by the last permitted byte, k = 7 * (max - 1)):
- u16: byte 3 carries bits 14-15 -> payload <= 0x03.   s16: bit 1 is the sign -> 0x00-0x01 or
  0x7e-0x7f.
- u32: byte 5 carries bits 28-31 -> payload <= 0x0f.   s32: bit 3 is the sign -> 0x00-0x07 or
  0x78-0x7f.
- u64: byte 10 carries bit 63  -> payload <= 0x01.     s64: bit 0 is the sign -> 0x00 or 0x7f.
"""

from __future__ import annotations

from vectors.build.common import (
    CITE_SPEC4,
    SOURCES_VALUES,
    Grammar,
    Group,
    VectorFile,
    h,
)
from wasmnet_reference.rules import Rule
from wasmnet_reference.wit.types import Prim

LEB = f"{CITE_SPEC4}: an N-bit integer takes at most ceil(N/7) bytes; bits of the last " \
      "permitted byte beyond the width are zero (unsigned) / equal the sign (signed)"
MAX = Rule.LEB128_MAX_BYTES
U_BITS = Rule.LEB128_UNSIGNED_UNUSED_BITS
S_BITS = Rule.LEB128_SIGNED_UNUSED_BITS
TRUNC = Rule.LEB128_TRUNCATED
TRAIL = Rule.TRAILING_BYTES


def bool_group() -> Group:
    g = Group("bool", "bool: exactly 00 or 01", f"{CITE_SPEC4}: bool 00 false, 01 true; any "
              "other byte is invalid", Prim.BOOL)
    r = Rule.BOOL_BYTE
    g.valid("value.bool.false", "00", "false", rule=r)
    g.valid("value.bool.true", "01", "true", rule=r)
    g.invalid("value.bool.invalid-02", "02", rule=r)
    g.invalid("value.bool.invalid-7f", "7f", rule=r)
    g.invalid("value.bool.invalid-80", "80", rule=r, comment="not LEB128: 80 is no bool byte")
    g.invalid("value.bool.invalid-ff", "ff", rule=r)
    g.invalid("value.bool.truncated-empty", "", rule=Rule.FIXED_WIDTH_TRUNCATED)
    g.invalid("value.bool.trailing-byte", "01 00", rule=TRAIL)
    return g


def u8_group() -> Group:
    g = Group("u8", "u8: one raw byte", f"{CITE_SPEC4}: u8 is one raw byte", Prim.U8)
    r = Grammar.BYTE
    g.valid("value.u8.zero", "00", "0", rule=r)
    g.valid("value.u8.one", "01", "1", rule=r)
    g.valid("value.u8.127", "7f", "127", rule=r)
    g.valid("value.u8.128-not-leb128", "80", "128", rule=r,
            comment="a LEB128 reader would wait for a continuation byte")
    g.valid("value.u8.max", "ff", "255", rule=r)
    g.invalid("value.u8.truncated-empty", "", rule=Rule.FIXED_WIDTH_TRUNCATED)
    g.invalid("value.u8.trailing-byte", "ff 00", rule=TRAIL)
    g.invalid("value.u8.leb128-form-leaves-trailing-byte", "80 01", rule=TRAIL,
              comment="80 01 is 128 in LEB128, but u8 is one raw byte: 80 = 128, then 01 is left")
    return g


def s8_group() -> Group:
    g = Group("s8", "s8: one raw two's-complement byte",
              f"{CITE_SPEC4}: s8 is one raw byte, two's complement", Prim.S8)
    r = Grammar.BYTE
    g.valid("value.s8.zero", "00", "0", rule=r)
    g.valid("value.s8.one", "01", "1", rule=r)
    g.valid("value.s8.64-not-sleb128", "40", "64", rule=r,
            comment="as signed LEB128, 40 would be -64")
    g.valid("value.s8.max", "7f", "127", rule=r)
    g.valid("value.s8.min", "80", "-128", rule=r)
    g.valid("value.s8.minus-1", "ff", "-1", rule=r)
    g.invalid("value.s8.truncated-empty", "", rule=Rule.FIXED_WIDTH_TRUNCATED)
    g.invalid("value.s8.trailing-byte", "7f 00", rule=TRAIL)
    return g


def u16_group() -> Group:
    g = Group("u16", "u16: unsigned LEB128, at most 3 bytes, byte 3 <= 0x03", LEB, Prim.U16)
    g.valid("value.u16.zero", "00", "0", rule=MAX)
    g.valid("value.u16.one", "01", "1", rule=MAX)
    g.valid("value.u16.127", "7f", "127", rule=MAX)
    g.valid("value.u16.128", "80 01", "128", rule=MAX)  # 128 = 0 + 1<<7
    g.valid("value.u16.16383", "ff 7f", "16383", rule=MAX)  # 2^14 - 1: two full groups
    g.valid("value.u16.16384", "80 80 01", "16384", rule=MAX)  # 2^14: first 3-byte value
    g.valid("value.u16.max", "ff ff 03", "65535", rule=U_BITS,
            comment="byte 3 = 0x03 carries bits 14-15: the largest allowed last byte")
    g.valid("value.u16.zero-overlong-2-bytes", "80 00", "0", rule=MAX, canonical=False)
    g.valid("value.u16.zero-overlong-3-bytes", "80 80 00", "0", rule=MAX, canonical=False)
    g.valid("value.u16.one-overlong-3-bytes", "81 80 00", "1", rule=MAX, canonical=False)
    g.valid("value.u16.127-overlong-2-bytes", "ff 00", "127", rule=MAX, canonical=False)
    g.invalid("value.u16.one-past-max", "80 80 04", rule=U_BITS,
              comment="65536 = 1<<16: byte 3 = 0x04 sets bit 16")
    g.invalid("value.u16.unused-bits-07", "ff ff 07", rule=U_BITS)
    g.invalid("value.u16.unused-bits-40", "80 80 40", rule=U_BITS)
    g.invalid("value.u16.unused-bits-7f", "ff ff 7f", rule=U_BITS)
    g.invalid("value.u16.leb128.overlong-4-bytes", "80 80 80 00", rule=MAX)
    g.invalid("value.u16.leb128.continuation-on-byte-3", "ff ff 83 00", rule=MAX)
    g.invalid("value.u16.truncated-empty", "", rule=TRUNC)
    g.invalid("value.u16.truncated-after-1", "80", rule=TRUNC)
    g.invalid("value.u16.truncated-after-2", "ff ff", rule=TRUNC)
    g.invalid("value.u16.trailing-byte", "01 00", rule=TRAIL)
    return g


def s16_group() -> Group:
    g = Group("s16", "s16: signed LEB128, at most 3 bytes, byte 3 in 00-01 or 7e-7f", LEB,
              Prim.S16)
    g.valid("value.s16.zero", "00", "0", rule=MAX)
    g.valid("value.s16.one", "01", "1", rule=MAX)
    g.valid("value.s16.minus-1", "7f", "-1", rule=MAX)
    g.valid("value.s16.63", "3f", "63", rule=MAX)  # largest 1-byte positive: bit 6 clear
    g.valid("value.s16.64", "c0 00", "64", rule=MAX)  # 0x40 alone would read as -64
    g.valid("value.s16.minus-64", "40", "-64", rule=MAX)  # smallest 1-byte value
    g.valid("value.s16.minus-65", "bf 7f", "-65", rule=MAX)
    g.valid("value.s16.8191", "ff 3f", "8191", rule=MAX)
    g.valid("value.s16.8192", "80 c0 00", "8192", rule=MAX)
    g.valid("value.s16.minus-8192", "80 40", "-8192", rule=MAX)
    g.valid("value.s16.minus-8193", "ff bf 7f", "-8193", rule=MAX)
    g.valid("value.s16.max", "ff ff 01", "32767", rule=S_BITS,
            comment="byte 3 = 0x01: sign bit (bit 1) clear, bits 2-6 clear")
    g.valid("value.s16.min", "80 80 7e", "-32768", rule=S_BITS,
            comment="byte 3 = 0x7e: sign bit (bit 1) set, bits 2-6 set (wrpc.md §4 example)")
    g.valid("value.s16.minus-1-overlong-2-bytes", "ff 7f", "-1", rule=MAX, canonical=False)
    g.valid("value.s16.minus-1-overlong-3-bytes", "ff ff 7f", "-1", rule=S_BITS,
            canonical=False)
    g.valid("value.s16.zero-overlong-3-bytes", "80 80 00", "0", rule=S_BITS, canonical=False)
    g.invalid("value.s16.unused-bits-ff-ff-03", "ff ff 03", rule=S_BITS,
              comment="65535 as u16, but as s16 byte 3 = 0x03 has sign 1 and bits 2-6 zero "
                      "(wrpc.md §4 example)")
    g.invalid("value.s16.one-past-max", "80 80 02", rule=S_BITS,
              comment="32768: byte 3 = 0x02, sign bit set but bits 2-6 clear")
    g.invalid("value.s16.one-past-min", "ff ff 7d", rule=S_BITS,
              comment="-32769: byte 3 = 0x7d, sign bit clear but bits 2-6 set")
    g.invalid("value.s16.unused-bits-40", "80 80 40", rule=S_BITS)
    g.invalid("value.s16.unused-bits-3f", "80 80 3f", rule=S_BITS)
    g.invalid("value.s16.leb128.overlong-4-bytes", "80 80 80 00", rule=MAX)
    g.invalid("value.s16.leb128.continuation-on-byte-3", "ff ff ff 7f", rule=MAX)
    g.invalid("value.s16.truncated-empty", "", rule=TRUNC)
    g.invalid("value.s16.truncated-after-1", "80", rule=TRUNC)
    g.invalid("value.s16.truncated-after-2", "ff ff", rule=TRUNC)
    g.invalid("value.s16.trailing-byte", "7f 00", rule=TRAIL)
    return g


def u32_group() -> Group:
    g = Group("u32", "u32: unsigned LEB128, at most 5 bytes, byte 5 <= 0x0f", LEB, Prim.U32)
    g.valid("value.u32.zero", "00", "0", rule=MAX)
    g.valid("value.u32.one", "01", "1", rule=MAX)
    g.valid("value.u32.127", "7f", "127", rule=MAX)
    g.valid("value.u32.128", "80 01", "128", rule=MAX)
    g.valid("value.u32.300", "ac 02", "300", rule=MAX)  # 300 = 0x2c + 2<<7
    g.valid("value.u32.16384", "80 80 01", "16384", rule=MAX)  # 2^14
    g.valid("value.u32.2-pow-21", "80 80 80 01", "2097152", rule=MAX)
    g.valid("value.u32.2-pow-28", "80 80 80 80 01", "268435456", rule=MAX)
    g.valid("value.u32.upstream-624485", "e5 8e 26", "624485", rule=MAX,
            cite="wrpc.md §4, upstream unit test: u32 624485 -> e5 8e 26")
    g.valid("value.u32.max", "ff ff ff ff 0f", "4294967295", rule=U_BITS,
            comment="byte 5 = 0x0f carries bits 28-31: the largest allowed last byte")
    g.valid("value.u32.zero-overlong-5-bytes", "80 80 80 80 00", "0", rule=MAX,
            canonical=False)
    g.valid("value.u32.one-overlong-2-bytes", "81 00", "1", rule=MAX, canonical=False,
            comment="wrpc.md §4 example: 81 00 is 1 as a u32")
    g.valid("value.u32.one-overlong-5-bytes", "81 80 80 80 00", "1", rule=MAX, canonical=False)
    g.valid("value.u32.127-overlong-5-bytes", "ff 80 80 80 00", "127", rule=MAX,
            canonical=False)
    g.invalid("value.u32.one-past-max", "80 80 80 80 10", rule=U_BITS,
              comment="2^32: byte 5 = 0x10 sets bit 32")
    g.invalid("value.u32.unused-bits-1f", "ff ff ff ff 1f", rule=U_BITS)
    g.invalid("value.u32.unused-bits-40", "80 80 80 80 40", rule=U_BITS)
    g.invalid("value.u32.unused-bits-7f", "ff ff ff ff 7f", rule=U_BITS)
    g.invalid("value.u32.leb128.overlong-6-bytes", "80 80 80 80 80 00", rule=MAX)
    g.invalid("value.u32.leb128.one-overlong-6-bytes", "81 80 80 80 80 00", rule=MAX)
    g.invalid("value.u32.leb128.continuation-on-byte-5", "ff ff ff ff ff 01", rule=MAX)
    g.invalid("value.u32.leb128.overlong-10-bytes", h("ff" * 9, "01"), rule=MAX)
    g.invalid("value.u32.truncated-empty", "", rule=TRUNC)
    g.invalid("value.u32.truncated-after-1", "80", rule=TRUNC)
    g.invalid("value.u32.truncated-upstream-624485-after-2", "e5 8e", rule=TRUNC)
    g.invalid("value.u32.truncated-after-4", "ff ff ff ff", rule=TRUNC)
    g.invalid("value.u32.trailing-byte", "00 00", rule=TRAIL)
    g.invalid("value.u32.trailing-after-upstream-624485", "e5 8e 26 00", rule=TRAIL)
    return g


def s32_group() -> Group:
    g = Group("s32", "s32: signed LEB128, at most 5 bytes, byte 5 in 00-07 or 78-7f", LEB,
              Prim.S32)
    g.valid("value.s32.zero", "00", "0", rule=MAX)
    g.valid("value.s32.one", "01", "1", rule=MAX)
    g.valid("value.s32.minus-1", "7f", "-1", rule=MAX)
    g.valid("value.s32.63", "3f", "63", rule=MAX)
    g.valid("value.s32.64", "c0 00", "64", rule=MAX)
    g.valid("value.s32.minus-64", "40", "-64", rule=MAX)
    g.valid("value.s32.minus-65", "bf 7f", "-65", rule=MAX)
    g.valid("value.s32.upstream-minus-123456", "c0 bb 78", "-123456", rule=MAX,
            cite="wrpc.md §4, upstream unit test: s32 -123456 -> c0 bb 78")
    g.valid("value.s32.max", "ff ff ff ff 07", "2147483647", rule=S_BITS,
            comment="byte 5 = 0x07: sign bit (bit 3) clear, bits 4-6 clear")
    g.valid("value.s32.min", "80 80 80 80 78", "-2147483648", rule=S_BITS,
            comment="byte 5 = 0x78: sign bit (bit 3) set, bits 4-6 set")
    g.valid("value.s32.minus-1-overlong-5-bytes", "ff ff ff ff 7f", "-1", rule=S_BITS,
            canonical=False)
    g.valid("value.s32.zero-overlong-5-bytes", "80 80 80 80 00", "0", rule=S_BITS,
            canonical=False)
    g.valid("value.s32.one-overlong-5-bytes", "81 80 80 80 00", "1", rule=MAX, canonical=False)
    g.valid("value.s32.minus-64-overlong-2-bytes", "c0 7f", "-64", rule=MAX, canonical=False)
    g.invalid("value.s32.one-past-max", "80 80 80 80 08", rule=S_BITS,
              comment="2^31: byte 5 = 0x08, sign bit set but bits 4-6 clear")
    g.invalid("value.s32.one-past-min", "ff ff ff ff 77", rule=S_BITS,
              comment="-2^31 - 1: byte 5 = 0x77, sign bit clear but bits 4-6 set")
    g.invalid("value.s32.unused-bits-u32-max", "ff ff ff ff 0f", rule=S_BITS,
              comment="u32 max is not an s32: byte 5 = 0x0f, sign set, bits 4-6 clear")
    g.invalid("value.s32.unused-bits-70", "80 80 80 80 70", rule=S_BITS)
    g.invalid("value.s32.unused-bits-40", "80 80 80 80 40", rule=S_BITS)
    g.invalid("value.s32.leb128.overlong-6-bytes", "80 80 80 80 80 00", rule=MAX)
    g.invalid("value.s32.leb128.minus-1-overlong-6-bytes", "ff ff ff ff ff 7f", rule=MAX)
    g.invalid("value.s32.truncated-empty", "", rule=TRUNC)
    g.invalid("value.s32.truncated-upstream-minus-123456-after-1", "c0", rule=TRUNC)
    g.invalid("value.s32.truncated-upstream-minus-123456-after-2", "c0 bb", rule=TRUNC)
    g.invalid("value.s32.truncated-after-4", "ff ff ff ff", rule=TRUNC)
    g.invalid("value.s32.trailing-byte", "7f 00", rule=TRAIL)
    return g


def u64_group() -> Group:
    g = Group("u64", "u64: unsigned LEB128, at most 10 bytes, byte 10 <= 0x01", LEB, Prim.U64)
    g.valid("value.u64.zero", "00", "0", rule=MAX)
    g.valid("value.u64.one", "01", "1", rule=MAX)
    g.valid("value.u64.127", "7f", "127", rule=MAX)
    g.valid("value.u64.128", "80 01", "128", rule=MAX)
    g.valid("value.u64.2-pow-32", "80 80 80 80 10", "4294967296", rule=MAX,
            comment="2^32 = 2^(4*7 + 4): four zero groups then 0x10")
    g.valid("value.u64.2-pow-35", "80 80 80 80 80 01", "34359738368", rule=MAX)
    g.valid("value.u64.2-pow-63", h("80" * 9, "01"), "9223372036854775808", rule=U_BITS,
            comment="nine zero groups (bits 0-62), then byte 10 = 0x01: bit 63")
    g.valid("value.u64.max", h("ff" * 9, "01"), "18446744073709551615", rule=U_BITS,
            comment="nine full groups (bits 0-62), byte 10 = 0x01 (bit 63)")
    g.valid("value.u64.zero-overlong-10-bytes", h("80" * 9, "00"), "0", rule=MAX,
            canonical=False)
    g.valid("value.u64.one-overlong-10-bytes", h("81", "80" * 8, "00"), "1", rule=MAX,
            canonical=False)
    g.invalid("value.u64.one-past-max", h("80" * 9, "02"), rule=U_BITS,
              comment="2^64: byte 10 = 0x02 sets bit 64")
    g.invalid("value.u64.unused-bits-03", h("ff" * 9, "03"), rule=U_BITS)
    g.invalid("value.u64.unused-bits-7f", h("ff" * 9, "7f"), rule=U_BITS)
    g.invalid("value.u64.leb128.overlong-11-bytes", h("80" * 10, "00"), rule=MAX)
    g.invalid("value.u64.leb128.continuation-on-byte-10", h("ff" * 9, "81 00"), rule=MAX)
    g.invalid("value.u64.truncated-empty", "", rule=TRUNC)
    g.invalid("value.u64.truncated-after-1", "80", rule=TRUNC)
    g.invalid("value.u64.truncated-after-9", "ff" * 9, rule=TRUNC)
    g.invalid("value.u64.trailing-byte", "01 00", rule=TRAIL)
    return g


def s64_group() -> Group:
    g = Group("s64", "s64: signed LEB128, at most 10 bytes, byte 10 is 00 or 7f", LEB, Prim.S64)
    g.valid("value.s64.zero", "00", "0", rule=MAX)
    g.valid("value.s64.one", "01", "1", rule=MAX)
    g.valid("value.s64.upstream-minus-1", "7f", "-1", rule=MAX,
            cite="wrpc.md §4, upstream unit test: s64 -1 -> 7f")
    g.valid("value.s64.64", "c0 00", "64", rule=MAX)
    g.valid("value.s64.minus-64", "40", "-64", rule=MAX)
    g.valid("value.s64.minus-65", "bf 7f", "-65", rule=MAX)
    g.valid("value.s64.2-pow-32", "80 80 80 80 10", "4294967296", rule=MAX)
    g.valid("value.s64.minus-2-pow-32", "80 80 80 80 70", "-4294967296", rule=MAX,
            comment="four zero groups, then -16 = 0x70 (bit 6 set: negative, last byte)")
    g.valid("value.s64.max", h("ff" * 9, "00"), "9223372036854775807", rule=S_BITS,
            comment="63 one bits in nine groups; 0x7f has bit 6 set, so byte 10 = 0x00 "
                    "keeps the sign positive")
    g.valid("value.s64.min", h("80" * 9, "7f"), "-9223372036854775808", rule=S_BITS,
            comment="nine zero groups, byte 10 = 0x7f: sign and unused bits all set")
    g.valid("value.s64.minus-1-overlong-10-bytes", h("ff" * 9, "7f"), "-1", rule=S_BITS,
            canonical=False)
    g.valid("value.s64.zero-overlong-10-bytes", h("80" * 9, "00"), "0", rule=S_BITS,
            canonical=False)
    g.invalid("value.s64.one-past-max", h("80" * 9, "01"), rule=S_BITS,
              comment="2^63: byte 10 = 0x01, sign bit set but bits 1-6 clear")
    g.invalid("value.s64.one-past-min", h("ff" * 9, "7e"), rule=S_BITS,
              comment="-2^63 - 1: byte 10 = 0x7e, sign bit clear but bits 1-6 set")
    g.invalid("value.s64.unused-bits-u64-max", h("ff" * 9, "01"), rule=S_BITS)
    g.invalid("value.s64.unused-bits-40", h("80" * 9, "40"), rule=S_BITS)
    g.invalid("value.s64.leb128.overlong-11-bytes", h("80" * 10, "00"), rule=MAX)
    g.invalid("value.s64.leb128.minus-1-overlong-11-bytes", h("ff" * 10, "7f"), rule=MAX)
    g.invalid("value.s64.truncated-empty", "", rule=TRUNC)
    g.invalid("value.s64.truncated-after-1", "ff", rule=TRUNC)
    g.invalid("value.s64.truncated-after-9", "80" * 9, rule=TRUNC)
    g.invalid("value.s64.trailing-byte", "7f 00", rule=TRAIL)
    return g


def build() -> VectorFile:
    return VectorFile(
        "scalars",
        "bool and integers: raw bytes for bool/u8/s8, LEB128 boundaries for u16..s64",
        SOURCES_VALUES,
        [bool_group(), u8_group(), s8_group(), u16_group(), s16_group(), u32_group(),
         s32_group(), u64_group(), s64_group()],
    )
