"""flags with N labels: exactly ceil(N/8) bytes; label i is bit (i mod 8) of byte floor(i/8)
(wrpc.md §4). Not LEB128: every byte carries 8 label bits and there is no continuation bit.

A set bit at position >= N is the flags-bits-beyond-n ambiguity (result "acceptable"; the
reference rejects it). Types with more than 32 labels carry flags-over-32: wasm-tools rejects
them as WIT while the wire rule is defined for any N.
"""

from __future__ import annotations

from collections.abc import Sequence

from vectors.build.common import CITE_SPEC4, SOURCES_VALUES, Grammar, Group, VectorFile, h
from wasmnet_reference.rules import Ambiguity, Rule
from wasmnet_reference.wit.types import FlagsType

CITE = f"{CITE_SPEC4}: flags (N labels) is exactly ceil(N/8) bytes; label i is bit (i mod 8) " \
       "of byte floor(i/8)"
BEYOND = Ambiguity.FLAGS_BITS_BEYOND_N
OVER_32 = Ambiguity.FLAGS_OVER_32
R = Grammar.FLAGS
FIXED = Rule.FIXED_WIDTH_TRUNCATED


def labelled(n: int) -> FlagsType:
    """``flags flagsN { l0, ..., l(N-1) }``."""
    return FlagsType(f"flags{n}", tuple(f"l{i}" for i in range(n)))


def wave(*labels: int) -> str:
    """WAVE flags value naming labels l<i> for each i given."""
    return "{" + ", ".join(f"l{i}" for i in labels) + "}"


def group(n: int) -> tuple[Group, Sequence[Ambiguity]]:
    """The group for ``flagsN`` and the extra flags its vectors carry (flags-over-32)."""
    t = labelled(n)
    extra = (OVER_32,) if n > 32 else ()
    g = Group(f"flags-{n}", f"flags with {n} labels: {t.byte_width} byte(s)", CITE, t)
    return g, extra


def flags_1() -> Group:
    g, _ = group(1)
    g.valid("value.flags.1.empty", "00", "{}", rule=R)
    g.valid("value.flags.1.l0", "01", wave(0), rule=R)
    g.acceptable("value.flags.1.bit-1-beyond-n", "02", rule=Rule.FLAGS_UNKNOWN_BIT,
                 flags=[BEYOND], value="{}")
    g.acceptable("value.flags.1.all-bits-beyond-n", "ff", rule=Rule.FLAGS_UNKNOWN_BIT,
                 flags=[BEYOND], value=wave(0), comment="bits 1-7 set beyond the 1 label")
    g.acceptable("value.flags.1.bit-7-beyond-n", "80", rule=Rule.FLAGS_UNKNOWN_BIT,
                 flags=[BEYOND], value="{}")
    g.invalid("value.flags.1.truncated-empty", "", rule=FIXED)
    g.invalid("value.flags.1.trailing-byte", "01 00", rule=Rule.TRAILING_BYTES)
    return g


def flags_perms() -> Group:
    t = FlagsType("perms", ("read", "write", "exec"))
    g = Group("flags-3-named", "flags perms { read, write, exec }: 1 byte", CITE, t)
    g.valid("value.flags.perms.none", "00", "{}", rule=R)
    g.valid("value.flags.perms.read-exec", "05", "{read, exec}", rule=R)  # bits 0 and 2
    g.valid("value.flags.perms.all", "07", "{read, write, exec}", rule=R)
    g.acceptable("value.flags.perms.bit-3-beyond-n", "08", rule=Rule.FLAGS_UNKNOWN_BIT,
                 flags=[BEYOND], value="{}")
    g.invalid("value.flags.perms.truncated-empty", "", rule=FIXED)
    return g


def flags_8() -> Group:
    g, _ = group(8)
    g.valid("value.flags.8.empty", "00", "{}", rule=R)
    g.valid("value.flags.8.all", "ff", wave(*range(8)), rule=R)
    g.valid("value.flags.8.l0", "01", wave(0), rule=R)
    g.valid("value.flags.8.l7", "80", wave(7), rule=R)
    g.valid("value.flags.8.alternating", "a5", wave(0, 2, 5, 7), rule=R)  # 1010 0101
    g.invalid("value.flags.8.truncated-empty", "", rule=FIXED)
    g.invalid("value.flags.8.trailing-byte", "00 00", rule=Rule.TRAILING_BYTES)
    return g


def flags_9() -> Group:
    g, _ = group(9)
    g.valid("value.flags.9.empty", "00 00", "{}", rule=R)
    g.valid("value.flags.9.all", "ff 01", wave(*range(9)), rule=R)
    g.valid("value.flags.9.l0", "01 00", wave(0), rule=R)
    g.valid("value.flags.9.l8", "00 01", wave(8), rule=R, comment="label 8: byte 1, bit 0")
    g.valid("value.flags.9.l7-l8-not-leb128", "80 01", wave(7, 8), rule=R,
            comment="as LEB128 80 01 would be 128; as flags it is bit 7 of byte 0 and bit 0 "
                    "of byte 1")
    g.acceptable("value.flags.9.bit-9-beyond-n", "00 02", rule=Rule.FLAGS_UNKNOWN_BIT,
                 flags=[BEYOND], value="{}")
    g.acceptable("value.flags.9.bit-15-beyond-n", "00 80", rule=Rule.FLAGS_UNKNOWN_BIT,
                 flags=[BEYOND], value="{}")
    g.acceptable("value.flags.9.all-bits-set", "ff ff", rule=Rule.FLAGS_UNKNOWN_BIT,
                 flags=[BEYOND], value=wave(*range(9)))
    g.invalid("value.flags.9.truncated-one-byte-too-few", "ff", rule=FIXED)
    g.invalid("value.flags.9.truncated-empty", "", rule=FIXED)
    g.invalid("value.flags.9.trailing-byte", "00 00 00", rule=Rule.TRAILING_BYTES)
    return g


def flags_16() -> Group:
    g, _ = group(16)
    g.valid("value.flags.16.all", "ff ff", wave(*range(16)), rule=R)
    g.valid("value.flags.16.l15", "00 80", wave(15), rule=R)
    g.invalid("value.flags.16.truncated-one-byte-too-few", "ff", rule=FIXED)
    return g


def flags_32() -> Group:
    g, _ = group(32)
    g.valid("value.flags.32.empty", "00 00 00 00", "{}", rule=R)
    g.valid("value.flags.32.all", "ff ff ff ff", wave(*range(32)), rule=R)
    g.valid("value.flags.32.l0", "01 00 00 00", wave(0), rule=R)
    g.valid("value.flags.32.l31", "00 00 00 80", wave(31), rule=R)
    g.invalid("value.flags.32.truncated-one-byte-too-few", "ff ff ff", rule=FIXED)
    g.invalid("value.flags.32.trailing-byte", "00 00 00 00 00", rule=Rule.TRAILING_BYTES)
    return g


def flags_33() -> Group:
    g, extra = group(33)
    g.valid("value.flags.33.empty", "00 00 00 00 00", "{}", rule=R, flags=extra)
    g.valid("value.flags.33.l32", "00 00 00 00 01", wave(32), rule=R, flags=extra,
            comment="label 32: byte 4, bit 0")
    g.acceptable("value.flags.33.bit-33-beyond-n", "00 00 00 00 02", rule=Rule.FLAGS_UNKNOWN_BIT,
                 flags=[BEYOND, *extra], value="{}")
    g.invalid("value.flags.33.truncated-one-byte-too-few", "ff ff ff ff", rule=FIXED,
              flags=extra)
    return g


def flags_64() -> Group:
    g, extra = group(64)
    g.valid("value.flags.64.empty", "00" * 8, "{}", rule=R, flags=extra)
    g.valid("value.flags.64.all", "ff" * 8, wave(*range(64)), rule=R, flags=extra,
            comment="8 bytes of ff: labels l0..l63")
    g.valid("value.flags.64.l0-l63", "01 00 00 00 00 00 00 80", wave(0, 63), rule=R,
            flags=extra, comment="label 63: byte 7, bit 7")
    g.invalid("value.flags.64.truncated-one-byte-too-few", "ff" * 7, rule=FIXED, flags=extra)
    g.invalid("value.flags.64.trailing-byte", "00" * 9, rule=Rule.TRAILING_BYTES, flags=extra)
    return g


def flags_65() -> Group:
    g, extra = group(65)
    g.valid("value.flags.65.empty", "00" * 9, "{}", rule=R, flags=extra)
    g.valid("value.flags.65.l64", h("00" * 8, "01"), wave(64), rule=R, flags=extra,
            comment="label 64: byte 8, bit 0")
    g.valid("value.flags.65.all", h("ff" * 8, "01"), wave(*range(65)), rule=R, flags=extra)
    g.acceptable("value.flags.65.bit-65-beyond-n", h("00" * 8, "02"),
                 rule=Rule.FLAGS_UNKNOWN_BIT, flags=[BEYOND, *extra], value="{}")
    g.acceptable("value.flags.65.all-bits-set", "ff" * 9, rule=Rule.FLAGS_UNKNOWN_BIT,
                 flags=[BEYOND, *extra], value=wave(*range(65)))
    g.invalid("value.flags.65.truncated-one-byte-too-few", "ff" * 8, rule=FIXED, flags=extra)
    g.invalid("value.flags.65.trailing-byte", "00" * 10, rule=Rule.TRAILING_BYTES, flags=extra)
    return g


def build() -> VectorFile:
    return VectorFile(
        "flags",
        "flags with 1, 3, 8, 9, 16, 32, 33, 64 and 65 labels",
        SOURCES_VALUES,
        [flags_1(), flags_perms(), flags_8(), flags_9(), flags_16(), flags_32(), flags_33(),
         flags_64(), flags_65()],
    )
