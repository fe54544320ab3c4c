"""char and string: strict UTF-8 (wrpc.md §4, core:name, Binary.md).

- char: the UTF-8 bytes of one Unicode scalar value, 1 to 4 bytes, no length prefix.
- string: uleb32(byte length) ++ UTF-8.

Strict UTF-8 (Unicode ch. 3, table 3-7, "well-formed byte sequences"):
  U+0000..U+007F     00..7f
  U+0080..U+07FF     c2..df 80..bf
  U+0800..U+0FFF     e0 a0..bf 80..bf
  U+1000..U+CFFF     e1..ec 80..bf 80..bf
  U+D000..U+D7FF     ed 80..9f 80..bf          (ed a0..bf would be a surrogate)
  U+E000..U+FFFF     ee..ef 80..bf 80..bf
  U+10000..U+3FFFF   f0 90..bf 80..bf 80..bf
  U+40000..U+FFFFF   f1..f3 80..bf 80..bf 80..bf
  U+100000..U+10FFFF f4 80..8f 80..bf 80..bf
Everything else is ill-formed: c0/c1 (overlong 2-byte), e0 80..9f (overlong 3-byte),
f0 80..8f (overlong 4-byte), ed a0..bf (surrogates), f4 90.. and f5..ff (above U+10FFFF or
never valid), a continuation byte 80..bf without a lead, and a lead byte without its
continuation bytes.
"""

from __future__ import annotations

from vectors.build.common import (
    CITE_SPEC4,
    SOURCES_VALUES,
    Group,
    VectorFile,
    h,
    short_len,
)
from wasmnet_reference.rules import ErrorClass, Rule
from wasmnet_reference.wit.types import Prim

UTF8 = f"{CITE_SPEC4}: UTF-8 is strict everywhere (string, names, char): no overlong forms, " \
       "no surrogates, nothing above U+10FFFF"

# (slug, ill-formed bytes, why): each is complete (no bytes missing) yet ill-formed, so it is
# invalid-utf8 both as a char and as a string body.
ILL_FORMED = [
    ("overlong-2-byte-nul", "c0 80", "U+0000 in 2 bytes; c0 is never a valid lead"),
    ("overlong-2-byte-7f", "c1 bf", "U+007F in 2 bytes; c1 is never a valid lead"),
    ("overlong-3-byte-nul", "e0 80 80", "U+0000 in 3 bytes"),
    ("overlong-3-byte-7ff", "e0 9f bf", "U+07FF in 3 bytes: e0 needs a0..bf next"),
    ("overlong-4-byte-nul", "f0 80 80 80", "U+0000 in 4 bytes"),
    ("overlong-4-byte-ffff", "f0 8f bf bf", "U+FFFF in 4 bytes: f0 needs 90..bf next"),
    ("surrogate-d800", "ed a0 80", "U+D800, first high surrogate"),
    ("surrogate-dbff", "ed af bf", "U+DBFF, last high surrogate"),
    ("surrogate-dc00", "ed b0 80", "U+DC00, first low surrogate"),
    ("surrogate-dfff", "ed bf bf", "U+DFFF, last low surrogate"),
    ("above-10ffff-f4-90", "f4 90 80 80", "U+110000: f4 needs 80..8f next"),
    ("above-10ffff-f7-bf", "f7 bf bf bf", "U+1FFFFF, old 4-byte form"),
    ("lead-f5", "f5 80 80 80", "f5 would start U+140000"),
    ("lead-f8-5-byte-form", "f8 88 80 80 80", "old 5-byte form"),
    ("lead-fc-6-byte-form", "fc 84 80 80 80 80", "old 6-byte form"),
    ("lead-fe", "fe", "fe is never valid in UTF-8"),
    ("lead-ff", "ff", "ff is never valid in UTF-8"),
    ("lone-continuation-80", "80", "continuation byte without a lead"),
    ("lone-continuation-bf", "bf", "continuation byte without a lead"),
    ("bad-continuation-2-byte", "c3 28", "c3 must be followed by 80..bf"),
    ("bad-continuation-3-byte-second", "e2 28 a1", "second byte not 80..bf"),
    ("bad-continuation-3-byte-third", "e2 82 28", "third byte not 80..bf"),
    ("bad-continuation-4-byte-second", "f0 28 8c bc", "second byte not 90..bf"),
    ("bad-continuation-4-byte-third", "f0 90 28 bc", "third byte not 80..bf"),
    ("bad-continuation-4-byte-fourth", "f0 90 8c 28", "fourth byte not 80..bf"),
]

# (slug, a lead byte and some of its continuation bytes, why): the sequence stops short.
CUT_SHORT = [
    ("truncated-2-byte-after-1", "c3", "c3 a9 (U+00E9) without its continuation byte"),
    ("truncated-3-byte-after-1", "e2", "e2 82 ac (U+20AC) cut after 1 byte"),
    ("truncated-3-byte-after-2", "e2 82", "e2 82 ac (U+20AC) cut after 2 bytes"),
    ("truncated-4-byte-after-1", "f0", "f0 9f 98 80 (U+1F600) cut after 1 byte"),
    ("truncated-4-byte-after-2", "f0 9f", "f0 9f 98 80 (U+1F600) cut after 2 bytes"),
    ("truncated-4-byte-after-3", "f0 9f 98", "f0 9f 98 80 (U+1F600) cut after 3 bytes"),
]

# (slug, UTF-8 bytes, WAVE char): well-formed scalars at every length boundary.
CHARS = [
    ("ascii-a", "61", "'a'"),
    ("nul", "00", r"'\u{0}'"),
    ("u007f-last-1-byte", "7f", r"'\u{7f}'"),
    ("u0080-first-2-byte", "c2 80", r"'\u{80}'"),
    ("e-acute", "c3 a9", "'é'"),
    ("u07ff-last-2-byte", "df bf", r"'\u{7ff}'"),
    ("u0800-first-3-byte", "e0 a0 80", r"'\u{800}'"),
    ("euro-sign", "e2 82 ac", "'€'"),
    ("ud7ff-below-surrogates", "ed 9f bf", r"'\u{d7ff}'"),
    ("ue000-above-surrogates", "ee 80 80", r"'\u{e000}'"),
    ("ufffd-replacement", "ef bf bd", r"'\u{fffd}'"),
    ("uffff-last-3-byte", "ef bf bf", r"'\u{ffff}'"),
    ("u10000-first-4-byte", "f0 90 80 80", r"'\u{10000}'"),
    ("gothic-hwair", "f0 90 8d 88", "'𐍈'"),
    ("u1f600-emoji", "f0 9f 98 80", r"'\u{1f600}'"),
    ("u10ffff-max", "f4 8f bf bf", r"'\u{10ffff}'"),
    ("single-quote", "27", r"'\''"),
    ("double-quote", "22", "'\"'"),
    ("backslash", "5c", r"'\\'"),
    ("newline", "0a", r"'\n'"),
]


def char_group() -> Group:
    g = Group("char", "char: one Unicode scalar value as 1-4 UTF-8 bytes, no prefix",
              f"{CITE_SPEC4}: char is the UTF-8 bytes of one Unicode scalar value (1 to 4 "
              "bytes, no length prefix); " + UTF8, Prim.CHAR)
    r = Rule.CHAR_UTF8
    for slug, hx, wave in CHARS:
        g.valid(f"value.char.{slug}", hx, wave, rule=r)
    for slug, hx, why in ILL_FORMED:
        g.invalid(f"value.char.utf8.{slug}", hx, rule=r, comment=why)
    for slug, hx, why in CUT_SHORT:
        # The input ends inside the sequence: a streaming reader says truncated, a reader that
        # takes the rest of the input as the char says invalid-utf8.
        g.invalid(f"value.char.utf8.{slug}", hx, rule=Rule.CHAR_TRUNCATED,
                  classes=[ErrorClass.TRUNCATED, ErrorClass.INVALID_UTF8], comment=why)
    g.invalid("value.char.truncated-empty", "", rule=Rule.CHAR_TRUNCATED)
    g.invalid("value.char.two-chars-trailing", "61 62", rule=Rule.TRAILING_BYTES,
              comment="'a' then a second scalar: a char is exactly one")
    g.invalid("value.char.trailing-after-2-byte", "c3 a9 61", rule=Rule.TRAILING_BYTES)
    return g


def string_group() -> Group:
    g = Group("string", "string: uleb32(byte length) ++ strict UTF-8",
              f"{CITE_SPEC4}: string is core:name: uleb32(byte length) ++ UTF-8; " + UTF8,
              Prim.STRING)
    r = Rule.STRING_UTF8
    g.valid("value.string.empty", "00", '""', rule=r)
    g.valid("value.string.a", "01 61", '"a"', rule=r)
    g.valid("value.string.hello", "05 68 65 6c 6c 6f", '"hello"', rule=r)
    g.valid("value.string.upstream-f-gothic-o", "08 c6 92 f0 90 8d 88 c5 90", '"ƒ𐍈Ő"', rule=r,
            cite=f"{CITE_SPEC4}, upstream unit test: string \"ƒ𐍈Ő\" -> 08 c6 92 f0 90 8d 88 "
                 "c5 90", comment="U+0192 (2 bytes), U+10348 (4 bytes), U+0150 (2 bytes)")
    g.valid("value.string.embedded-nul", "03 61 00 62", r'"a\u{0}b"', rule=r)
    g.valid("value.string.escapes", "05 22 5c 0a 09 0d", r'"\"\\\n\t\r"', rule=r)
    g.valid("value.string.single-quote", "01 27", '"\'"', rule=r)
    g.valid("value.string.byte-order-mark-kept", "03 ef bb bf", r'"\u{feff}"', rule=r,
            comment="U+FEFF is an ordinary scalar: a decoder must not strip it")
    g.valid("value.string.length-boundaries",
            # U+7F | U+80 | U+7FF | U+800 | U+FFFF | U+10000 | U+10FFFF: 1+2+2+3+3+4+4 = 19
            "13 7f c2 80 df bf e0 a0 80 ef bf bf f0 90 80 80 f4 8f bf bf",
            r'"\u{7f}\u{80}\u{7ff}\u{800}\u{ffff}\u{10000}\u{10ffff}"', rule=r)
    g.valid("value.string.around-surrogates", "06 ed 9f bf ee 80 80", r'"\u{d7ff}\u{e000}"',
            rule=r)
    g.valid("value.string.length-127", h("7f", "61" * 127), '"' + "a" * 127 + '"', rule=r,
            comment="uleb32(127) = 7f: the longest 1-byte length")
    g.valid("value.string.length-128", h("80 01", "61" * 128), '"' + "a" * 128 + '"', rule=r,
            comment="uleb32(128) = 80 01: the first 2-byte length")
    g.valid("value.string.length-16384", h("80 80 01", "78" * 16384), '"' + "x" * 16384 + '"',
            rule=r, comment="uleb32(16384) = 80 80 01, then 16384 x 'x' (78)")
    g.valid("value.string.length-overlong-2-bytes", "81 00 61", '"a"', rule=r, canonical=False,
            comment="uleb32(1) as 81 00: non-minimal but within 5 bytes")
    g.valid("value.string.empty-length-overlong-5-bytes", "80 80 80 80 00", '""', rule=r,
            canonical=False)
    for slug, hx, why in ILL_FORMED:
        g.invalid(f"value.string.utf8.{slug}", h(short_len(hx), hx), rule=r, comment=why)
    for slug, hx, why in CUT_SHORT:
        # The length prefix covers exactly the cut sequence: all announced bytes are present,
        # and they are ill-formed UTF-8.
        g.invalid(f"value.string.utf8.{slug}", h(short_len(hx), hx), rule=r, comment=why)
    g.invalid("value.string.utf8.cesu-8-surrogate-pair", "06 ed a0 bd ed b8 80", rule=r,
              comment="U+1F600 as two 3-byte surrogates (CESU-8), not one 4-byte sequence")
    g.invalid("value.string.utf8.bad-byte-after-ascii", "04 61 62 63 ff", rule=r)
    g.invalid("value.string.utf8.length-splits-a-char", "01 c3 a9", rule=r,
              classes=[ErrorClass.INVALID_UTF8, ErrorClass.TRAILING_BYTES],
              comment="length 1 covers only c3 of c3 a9; a9 is left after the value")
    g.invalid("value.string.truncated-empty", "", rule=Rule.LEB128_TRUNCATED)
    g.invalid("value.string.truncated-in-length", "80", rule=Rule.LEB128_TRUNCATED)
    g.invalid("value.string.truncated-no-body", "01", rule=Rule.STRING_TRUNCATED)
    g.invalid("value.string.truncated-body", "05 68 65", rule=Rule.STRING_TRUNCATED,
              comment="\"hello\" announced, 2 of 5 bytes present")
    g.invalid("value.string.length.leb128-overlong-6-bytes", "80 80 80 80 80 00 ",
              rule=Rule.LEB128_MAX_BYTES)
    g.invalid("value.string.length.unused-bits", "80 80 80 80 10",
              rule=Rule.LEB128_UNSIGNED_UNUSED_BITS, comment="length 2^32 does not fit u32")
    g.invalid("value.string.trailing-byte", "01 61 62", rule=Rule.TRAILING_BYTES)
    return g


def build() -> VectorFile:
    return VectorFile(
        "text",
        "char and string: UTF-8 length boundaries and every class of ill-formed UTF-8",
        [*SOURCES_VALUES, "Unicode Standard ch. 3, table 3-7 (well-formed UTF-8)"],
        [char_group(), string_group()],
    )
