"""Robustness bounds (wrpc.md §2: a robust peer bounds every length it reads): nesting depth,
list and string lengths. Every vector here carries an explicit ``limits`` object.

Depth counts as ``wit/types.py depth()`` does: a primitive is depth 1 and each constructor
around it adds 1, so option<...<u8>> with 63 options is depth 64, the default ``max_depth``.
The bytes of the over-limit vectors realise the full depth (every option is some, every list
has an element), so a decoder that bounds the value's depth and one that bounds the type's
depth reject them alike.
"""

from __future__ import annotations

from vectors.build.common import CITE_SPEC4, Group, VectorFile, h
from wasmnet_reference.rules import ErrorClass, Rule
from wasmnet_reference.wit.types import ListType, OptionType, Prim, WitType

ROBUST = "../shared/specs/wrpc.md §2: a robust peer bounds every length it reads"
DEPTH = Rule.LIMIT_DEPTH
LIST_LEN = Rule.LIMIT_LIST_LENGTH
STR_LEN = Rule.LIMIT_STRING_LENGTH
HUGE = [ErrorClass.TRUNCATED, ErrorClass.LIMIT_EXCEEDED]


def options(n: int) -> WitType:
    """option<option<...<u8>>> with ``n`` options (type depth n + 1)."""
    t: WitType = Prim.U8
    for _ in range(n):
        t = OptionType(t)
    return t


def lists(n: int) -> WitType:
    """list<list<...<u8>>> with ``n`` lists (type depth n + 1)."""
    t: WitType = Prim.U8
    for _ in range(n):
        t = ListType(t)
    return t


def depth_group() -> Group:
    g = Group("depth", "nesting depth at and over max_depth",
              f"{ROBUST}; rules.py limit.depth: type nesting depth is bounded")
    # some(x) is 01 ++ x (wrpc.md §4): n options around u8 42 are n x 01, then 2a.
    g.valid("value.limits.option-depth-64", h("01" * 63, "2a"),
            "some(" * 63 + "42" + ")" * 63, rule=DEPTH, t=options(63),
            limits={"max_depth": 64}, comment="63 x 01 (some), then u8 2a")
    g.invalid("value.limits.option-depth-65-over-limit", h("01" * 64, "2a"), rule=DEPTH,
              t=options(64), limits={"max_depth": 64}, comment="64 x 01 (some), then u8 2a")
    g.valid("value.limits.option-depth-100", h("01" * 99, "2a"),
            "some(" * 99 + "42" + ")" * 99, rule=DEPTH, t=options(99),
            limits={"max_depth": 100}, comment="99 x 01 (some), then u8 2a")
    g.invalid("value.limits.option-depth-100-over-default", h("01" * 99, "2a"), rule=DEPTH,
              t=options(99), limits={"max_depth": 64})
    # A one-element list is uleb32(1) = 01 ++ element: n lists around u8 7 are n x 01, then 07.
    g.valid("value.limits.list-depth-64", h("01" * 63, "07"), "[" * 63 + "7" + "]" * 63,
            rule=DEPTH, t=lists(63), limits={"max_depth": 64},
            comment="63 x 01 (one-element lists), then u8 07")
    g.invalid("value.limits.list-depth-65-over-limit", h("01" * 64, "07"), rule=DEPTH,
              t=lists(64), limits={"max_depth": 64})
    return g


def list_length_group() -> Group:
    lu8 = ListType(Prim.U8)
    g = Group("list-length", "element counts at and over max_list_length",
              f"{ROBUST}; {CITE_SPEC4}: list<T> is uleb32(count) ++ elements", lu8)
    big = h("80 80 01", "00" * 16384)  # uleb32(16384) = 80 80 01, then 16384 x u8 0
    big_value = "[" + ", ".join(["0"] * 16384) + "]"
    g.valid("value.limits.list-16384-elements", big, big_value, rule=LIST_LEN,
            limits={"max_list_length": 16384})
    g.invalid("value.limits.list-16384-elements-over-limit", big, rule=LIST_LEN,
              limits={"max_list_length": 16383})
    g.valid("value.limits.list-empty-at-zero-limit", "00", "[]", rule=LIST_LEN,
            limits={"max_list_length": 0})
    g.invalid("value.limits.list-one-over-zero-limit", "01 00", rule=LIST_LEN,
              limits={"max_list_length": 0})
    g.invalid("value.limits.list-count-claims-4294967295", "ff ff ff ff 0f 01 02",
              rule=LIST_LEN, classes=HUGE, limits={"max_list_length": 65536},
              comment="uleb32(2^32 - 1) = ff ff ff ff 0f, then 2 bytes: bound the count "
                      "before allocating")
    g.invalid("value.limits.inner-list-count-claims-4294967295", "01 ff ff ff ff 0f",
              rule=LIST_LEN, classes=HUGE, limits={"max_list_length": 65536},
              t=ListType(lu8))
    return g


def string_length_group() -> Group:
    g = Group("string-length", "string byte lengths at and over max_string_length",
              f"{ROBUST}; {CITE_SPEC4}: string is uleb32(byte length) ++ UTF-8", Prim.STRING)
    sixteen = h("10", "61" * 16)  # uleb32(16) = 10, then 16 x 'a'
    g.valid("value.limits.string-16-bytes-at-limit", sixteen, '"' + "a" * 16 + '"',
            rule=STR_LEN, limits={"max_string_length": 16})
    g.invalid("value.limits.string-16-bytes-over-limit", sixteen, rule=STR_LEN,
              limits={"max_string_length": 15})
    three_e_acute = "06 c3 a9 c3 a9 c3 a9"  # "ééé": 3 chars, 6 bytes
    g.valid("value.limits.string-limit-counts-bytes", three_e_acute, '"ééé"', rule=STR_LEN,
            limits={"max_string_length": 6})
    g.invalid("value.limits.string-limit-counts-bytes-not-chars", three_e_acute, rule=STR_LEN,
              limits={"max_string_length": 5}, comment="3 chars but 6 bytes")
    g.invalid("value.limits.string-length-claims-4294967295", "ff ff ff ff 0f 61 62",
              rule=STR_LEN, classes=HUGE, limits={"max_string_length": 65536})
    return g


def build() -> VectorFile:
    return VectorFile(
        "limits",
        "depth, list-length and string-length bounds, each with an explicit limits object",
        [ROBUST, "reference/wasmnet_reference/limits.py (limit names and defaults)"],
        [depth_group(), list_length_group(), string_length_group()],
    )
