"""list, tuple, record, variant, enum, option and result (wrpc.md §4):

  list<T>        uleb32(element count) ++ elements
  tuple, record  the elements / fields concatenated, no prefix
  variant        uleb32(case index) ++ payload if the case has one
  enum           uleb32(case index)
  option<T>      00 none, 01 ++ T some (one byte: 80 00 is not a way to write 00)
  result<T, E>   00 ++ T ok, 01 ++ E error; a missing payload type encodes nothing
"""

from __future__ import annotations

from vectors.build.common import CITE_SPEC4, SOURCES_VALUES, Grammar, Group, VectorFile, h
from wasmnet_reference.rules import Rule
from wasmnet_reference.wit.types import (
    Case,
    EnumType,
    Field,
    ListType,
    OptionType,
    Prim,
    RecordType,
    ResultType,
    TupleType,
    VariantType,
)

POINT = RecordType("point", (Field("x", Prim.S32), Field("y", Prim.S32)))
PERSON = RecordType("person", (
    Field("name", Prim.STRING), Field("age", Prim.U8), Field("tags", ListType(Prim.STRING)),
    Field("nick", OptionType(Prim.STRING)),
))
SHAPE = VariantType("shape", (
    Case("circle", Prim.F32), Case("rect", TupleType((Prim.U32, Prim.U32))), Case("empty", None),
    Case("label", Prim.STRING),
))
COLOR = EnumType("color", ("red", "green", "blue"))
# 130 cases: indices 128 and 129 need a 2-byte uleb32 discriminant.
MANY = EnumType("many", tuple(f"c{i}" for i in range(130)))
WIDE = VariantType("wide", (*(Case(f"c{i}", None) for i in range(129)), Case("c129", Prim.U8)))
SCENE = RecordType("scene", (
    Field("origin", POINT), Field("outline", SHAPE), Field("tint", COLOR),
    Field("extra", OptionType(ListType(Prim.U8))),
))

TRUNC = Rule.LEB128_TRUNCATED
FIXED = Rule.FIXED_WIDTH_TRUNCATED
TRAIL = Rule.TRAILING_BYTES


def list_group() -> Group:
    g = Group("list", "list<T>: uleb32 count ++ elements",
              f"{CITE_SPEC4}: list<T> is uleb32(element count) ++ elements",
              ListType(Prim.U8))
    r = Grammar.LIST
    lu32 = ListType(Prim.U32)
    lstr = ListType(Prim.STRING)
    lbool = ListType(Prim.BOOL)
    g.valid("value.list.u8.empty", "00", "[]", rule=r)
    g.valid("value.list.u8.three", "03 01 02 03", "[1, 2, 3]", rule=r)
    g.valid("value.list.u8.count-overlong-2-bytes", "83 00 01 02 03", "[1, 2, 3]", rule=r,
            canonical=False)
    g.valid("value.list.u8.128-elements", h("80 01", "2a" * 128),
            "[" + ", ".join(["42"] * 128) + "]", rule=r,
            comment="uleb32(128) = 80 01, then 128 x 2a")
    g.valid("value.list.u32.two", "02 e5 8e 26 00", "[624485, 0]", rule=r, t=lu32)
    g.valid("value.list.u32.element-overlong", "01 80 00", "[0]", rule=r, t=lu32,
            canonical=False)
    g.valid("value.list.string.two", "02 01 61 00", '["a", ""]', rule=r, t=lstr)
    g.valid("value.list.list-u8", "02 00 01 07", "[[], [7]]", rule=r,
            t=ListType(ListType(Prim.U8)))
    g.valid("value.list.bool", "02 01 00", "[true, false]", rule=r, t=lbool)
    g.valid("value.list.option-u8", "03 00 01 07 00", "[none, some(7), none]", rule=r,
            t=ListType(OptionType(Prim.U8)))
    g.valid("value.list.point", "02 01 7f 00 00", "[{x: 1, y: -1}, {x: 0, y: 0}]", rule=r,
            t=ListType(POINT))
    g.valid("value.list.char", "02 61 c3 a9", "['a', 'é']", rule=r, t=ListType(Prim.CHAR))
    g.valid("value.list.f64", "01 00 00 00 00 00 00 f8 7f", "[nan]", rule=r,
            t=ListType(Prim.F64))
    g.invalid("value.list.u8.truncated-empty", "", rule=TRUNC)
    g.invalid("value.list.u8.truncated-in-count", "80", rule=TRUNC)
    g.invalid("value.list.u8.truncated-no-elements", "01", rule=Rule.LIST_TRUNCATED)
    g.invalid("value.list.u8.truncated-2-of-3", "03 01 02", rule=Rule.LIST_TRUNCATED)
    g.invalid("value.list.u8.count.leb128-overlong-6-bytes", "80 80 80 80 80 00",
              rule=Rule.LEB128_MAX_BYTES)
    g.invalid("value.list.u8.count.unused-bits", "80 80 80 80 10",
              rule=Rule.LEB128_UNSIGNED_UNUSED_BITS, comment="count 2^32 does not fit u32")
    g.invalid("value.list.u8.trailing-byte", "01 01 01", rule=TRAIL)
    g.invalid("value.list.u32.truncated-in-element", "01 80", rule=TRUNC, t=lu32)
    g.invalid("value.list.u32.element-leb128-overlong-6-bytes", "02 00 80 80 80 80 80 00",
              rule=Rule.LEB128_MAX_BYTES, t=lu32)
    g.invalid("value.list.string.truncated-in-element", "01 05 61", rule=Rule.STRING_TRUNCATED,
              t=lstr)
    g.invalid("value.list.string.element-bad-utf8", "02 00 01 ff", rule=Rule.STRING_UTF8,
              t=lstr)
    g.invalid("value.list.bool.element-invalid", "02 01 02", rule=Rule.BOOL_BYTE, t=lbool)
    g.invalid("value.list.char.element-bad-utf8", "02 61 ff", rule=Rule.CHAR_UTF8,
              t=ListType(Prim.CHAR))
    g.invalid("value.list.f32.element-non-canonical-nan", "01 01 00 c0 7f",
              rule=Rule.FLOAT_CANONICAL_NAN, t=ListType(Prim.F32))
    return g


def tuple_group() -> Group:
    g = Group("tuple", "tuple: elements concatenated, no prefix",
              f"{CITE_SPEC4}: tuple elements are concatenated, no prefix",
              TupleType((Prim.U8, Prim.U32)))
    r = Grammar.TUPLE
    bss = TupleType((Prim.BOOL, Prim.STRING, Prim.S8))
    g.valid("value.tuple.upstream-u8-u32", "42 42", "(66, 66)", rule=r,
            cite=f"{CITE_SPEC4}, upstream unit test: tuple<u8, u32> (0x42, 0x42) -> 42 42")
    g.valid("value.tuple.u8-u32-max", "ff ff ff ff ff 0f", "(255, 4294967295)", rule=r)
    g.valid("value.tuple.bool-string-s8", "01 02 68 69 ff", '(true, "hi", -1)', rule=r, t=bss)
    g.valid("value.tuple.nested", "01 02 03", "((1, 2), 3)", rule=r,
            t=TupleType((TupleType((Prim.U8, Prim.U8)), Prim.U8)))
    g.valid("value.tuple.u8-u32-element-overlong", "42 c2 00", "(66, 66)", rule=r,
            canonical=False)
    g.invalid("value.tuple.truncated-empty", "", rule=FIXED)
    g.invalid("value.tuple.truncated-after-u8", "42", rule=TRUNC)
    g.invalid("value.tuple.truncated-in-u32", "42 80", rule=TRUNC)
    g.invalid("value.tuple.bool-string-s8.truncated-in-string", "01 02 68", t=bss,
              rule=Rule.STRING_TRUNCATED)
    g.invalid("value.tuple.bool-string-s8.truncated-before-s8", "01 02 68 69", t=bss,
              rule=FIXED)
    g.invalid("value.tuple.bool-string-s8.invalid-bool", "02 00 00", t=bss, rule=Rule.BOOL_BYTE)
    g.invalid("value.tuple.u32-leb128-overlong-6-bytes", "42 80 80 80 80 80 00",
              rule=Rule.LEB128_MAX_BYTES)
    g.invalid("value.tuple.trailing-byte", "42 42 00", rule=TRAIL)
    return g


def record_group() -> Group:
    g = Group("record", "record: fields concatenated in declaration order",
              f"{CITE_SPEC4}: record fields are concatenated, no prefix", POINT)
    r = Grammar.RECORD
    g.valid("value.record.point.zero", "00 00", "{x: 0, y: 0}", rule=r)
    g.valid("value.record.point.one-minus-one", "01 7f", "{x: 1, y: -1}", rule=r)
    g.valid("value.record.point.extremes", "c0 bb 78 80 80 80 80 78",
            "{x: -123456, y: -2147483648}", rule=r)
    g.valid("value.record.person", "03 61 6e 6e 1e 01 01 78 00",
            '{name: "ann", age: 30, tags: ["x"], nick: none}', rule=r, t=PERSON,
            comment="03 'ann' | 1e (30) | 01 (1 tag) 01 'x' | 00 (none)")
    g.valid("value.record.person.empty-fields", "00 00 00 01 01 62",
            '{name: "", age: 0, tags: [], nick: some("b")}', rule=r, t=PERSON)
    g.valid("value.record.scene", "01 02 01 03 04 02 01 01 09",
            "{origin: {x: 1, y: 2}, outline: rect((3, 4)), tint: blue, extra: some([9])}",
            rule=r, t=SCENE,
            comment="point 01 02 | variant case 1 (rect) 03 04 | enum 2 (blue) | some 01 [9]")
    g.invalid("value.record.point.truncated-empty", "", rule=TRUNC)
    g.invalid("value.record.point.truncated-before-y", "01", rule=TRUNC)
    g.invalid("value.record.point.trailing-byte", "01 7f 00", rule=TRAIL)
    g.invalid("value.record.point.y-one-past-max", "00 80 80 80 80 08",
              rule=Rule.LEB128_SIGNED_UNUSED_BITS)
    # Truncation at every structural point of the person vector above.
    person_cuts = [
        ("", TRUNC, "name length missing"),
        ("03", Rule.STRING_TRUNCATED, "name: 0 of 3 bytes"),
        ("03 61", Rule.STRING_TRUNCATED, "name: 1 of 3 bytes"),
        ("03 61 6e", Rule.STRING_TRUNCATED, "name: 2 of 3 bytes"),
        ("03 61 6e 6e", FIXED, "age (u8) missing"),
        ("03 61 6e 6e 1e", TRUNC, "tags count missing"),
        ("03 61 6e 6e 1e 01", Rule.LIST_TRUNCATED, "tags: 0 of 1 elements"),
        ("03 61 6e 6e 1e 01 01", Rule.STRING_TRUNCATED, "tags[0]: 0 of 1 bytes"),
        ("03 61 6e 6e 1e 01 01 78", FIXED, "nick: option discriminant byte missing"),
    ]
    for hx, rule, why in person_cuts:
        n = len(hx.replace(" ", "")) // 2
        g.invalid(f"value.record.person.truncated-at-{n}", hx, rule=rule, t=PERSON, comment=why)
    scene_cuts = [
        ("", TRUNC, "origin.x missing"),
        ("01", TRUNC, "origin.y missing"),
        ("01 02", TRUNC, "outline: variant discriminant missing"),
        ("01 02 01", TRUNC, "outline: rect payload tuple.0 missing"),
        ("01 02 01 03", TRUNC, "outline: rect payload tuple.1 missing"),
        ("01 02 01 03 04", TRUNC, "tint: enum discriminant missing"),
        ("01 02 01 03 04 02", FIXED, "extra: option discriminant byte missing"),
        ("01 02 01 03 04 02 01", TRUNC, "extra: list count missing"),
        ("01 02 01 03 04 02 01 01", Rule.LIST_TRUNCATED, "extra: 0 of 1 elements"),
    ]
    for hx, rule, why in scene_cuts:
        n = len(hx.replace(" ", "")) // 2
        g.invalid(f"value.record.scene.truncated-at-{n}", hx, rule=rule, t=SCENE, comment=why)
    g.invalid("value.record.scene.bad-variant-case", "01 02 04 02 00",
              rule=Rule.VARIANT_DISCRIMINANT, t=SCENE,
              comment="outline case index 4: shape has 4 cases (0-3)")
    g.invalid("value.record.scene.bad-enum-case", "01 02 02 03 00",
              rule=Rule.ENUM_DISCRIMINANT, t=SCENE,
              comment="tint case index 3: color has 3 cases (0-2)")
    return g


def variant_group() -> Group:
    g = Group("variant", "variant: uleb32 case index ++ payload",
              f"{CITE_SPEC4}: variant is uleb32(case index) ++ payload if the case has one",
              SHAPE)
    r = Grammar.VARIANT
    bad = Rule.VARIANT_DISCRIMINANT
    g.valid("value.variant.circle", "00 00 00 c0 3f", "circle(1.5)", rule=r)
    g.valid("value.variant.circle-nan", "00 00 00 c0 7f", "circle(nan)", rule=r)
    g.valid("value.variant.rect", "01 02 03", "rect((2, 3))", rule=r)
    g.valid("value.variant.empty", "02", "empty", rule=r)
    g.valid("value.variant.label", "03 01 78", 'label("x")', rule=r)
    g.valid("value.variant.discriminant-overlong-2-bytes", "82 00", "empty", rule=r,
            canonical=False, comment="uleb32(2) as 82 00: non-minimal but within 5 bytes")
    g.valid("value.variant.discriminant-overlong-5-bytes", "80 80 80 80 00 00 00 c0 3f",
            "circle(1.5)", rule=r, canonical=False)
    g.valid("value.variant.wide.c0", "00", "c0", rule=r, t=WIDE)
    g.valid("value.variant.wide.c127", "7f", "c127", rule=r, t=WIDE)
    g.valid("value.variant.wide.c128-2-byte-index", "80 01", "c128", rule=r, t=WIDE)
    g.valid("value.variant.wide.c129-payload", "81 01 07", "c129(7)", rule=r, t=WIDE)
    g.invalid("value.variant.discriminant-one-past-last", "04", rule=bad)
    g.invalid("value.variant.discriminant-7f", "7f", rule=bad)
    g.invalid("value.variant.discriminant-u32-max", "ff ff ff ff 0f", rule=bad)
    g.invalid("value.variant.wide.discriminant-130", "82 01", rule=bad, t=WIDE)
    g.invalid("value.variant.discriminant.leb128-overlong-6-bytes", "80 80 80 80 80 00",
              rule=Rule.LEB128_MAX_BYTES)
    g.invalid("value.variant.discriminant.unused-bits", "80 80 80 80 10",
              rule=Rule.LEB128_UNSIGNED_UNUSED_BITS)
    g.invalid("value.variant.truncated-empty", "", rule=TRUNC)
    g.invalid("value.variant.truncated-in-discriminant", "80", rule=TRUNC)
    g.invalid("value.variant.circle.truncated-no-payload", "00", rule=FIXED)
    g.invalid("value.variant.circle.truncated-in-payload", "00 00 00 c0", rule=FIXED)
    g.invalid("value.variant.rect.truncated-in-tuple", "01 02", rule=TRUNC)
    g.invalid("value.variant.label.truncated-no-length", "03", rule=TRUNC)
    g.invalid("value.variant.label.truncated-in-string", "03 02 78", rule=Rule.STRING_TRUNCATED)
    g.invalid("value.variant.wide.c129.truncated-no-payload", "81 01", rule=FIXED, t=WIDE)
    g.invalid("value.variant.circle.non-canonical-nan", "00 01 00 c0 7f",
              rule=Rule.FLOAT_CANONICAL_NAN)
    g.invalid("value.variant.label.bad-utf8", "03 01 ff", rule=Rule.STRING_UTF8)
    g.invalid("value.variant.rect.unused-bits", "01 80 80 80 80 10 00",
              rule=Rule.LEB128_UNSIGNED_UNUSED_BITS)
    g.invalid("value.variant.empty.trailing-byte", "02 00", rule=TRAIL,
              comment="case empty has no payload")
    return g


def enum_group() -> Group:
    g = Group("enum", "enum: uleb32 case index",
              f"{CITE_SPEC4}: enum is uleb32(case index)", COLOR)
    r = Grammar.ENUM
    bad = Rule.ENUM_DISCRIMINANT
    g.valid("value.enum.red", "00", "red", rule=r)
    g.valid("value.enum.green", "01", "green", rule=r)
    g.valid("value.enum.blue", "02", "blue", rule=r)
    g.valid("value.enum.blue-overlong-2-bytes", "82 00", "blue", rule=r, canonical=False)
    g.valid("value.enum.red-overlong-5-bytes", "80 80 80 80 00", "red", rule=r, canonical=False)
    g.valid("value.enum.many.c1", "01", "c1", rule=r, t=MANY)
    g.valid("value.enum.many.c127", "7f", "c127", rule=r, t=MANY)
    g.valid("value.enum.many.c128-2-byte-index", "80 01", "c128", rule=r, t=MANY)
    g.valid("value.enum.many.c129-last", "81 01", "c129", rule=r, t=MANY)
    g.invalid("value.enum.one-past-last", "03", rule=bad)
    g.invalid("value.enum.discriminant-255", "ff 01", rule=bad)
    g.invalid("value.enum.discriminant-u32-max", "ff ff ff ff 0f", rule=bad)
    g.invalid("value.enum.many.one-past-last-130", "82 01", rule=bad, t=MANY)
    g.invalid("value.enum.discriminant.leb128-overlong-6-bytes", "80 80 80 80 80 00",
              rule=Rule.LEB128_MAX_BYTES)
    g.invalid("value.enum.truncated-empty", "", rule=TRUNC)
    g.invalid("value.enum.truncated-in-discriminant", "80", rule=TRUNC)
    g.invalid("value.enum.trailing-byte", "00 00", rule=TRAIL)
    return g


def option_group() -> Group:
    g = Group("option", "option<T>: 00 none, 01 ++ T some",
              f"{CITE_SPEC4}: option<T> is 00 none or 01 ++ T some", OptionType(Prim.U8))
    r = Grammar.OPTION
    bad = Rule.OPTION_DISCRIMINANT
    oo = OptionType(OptionType(Prim.U8))
    ostr = OptionType(Prim.STRING)
    g.valid("value.option.u8.none", "00", "none", rule=r)
    g.valid("value.option.u8.some-0", "01 00", "some(0)", rule=r)
    g.valid("value.option.u8.some-255", "01 ff", "some(255)", rule=r)
    g.valid("value.option.option.none", "00", "none", rule=r, t=oo)
    g.valid("value.option.option.some-none", "01 00", "some(none)", rule=r, t=oo)
    g.valid("value.option.option.some-some", "01 01 05", "some(some(5))", rule=r, t=oo)
    g.valid("value.option.string.some", "01 02 68 69", 'some("hi")', rule=r, t=ostr)
    g.valid("value.option.string.some-empty", "01 00", 'some("")', rule=r, t=ostr)
    g.invalid("value.option.u8.discriminant-02", "02", rule=bad)
    g.invalid("value.option.u8.discriminant-ff", "ff", rule=bad)
    g.invalid("value.option.u8.discriminant-80-00-not-leb128", "80 00", rule=bad,
              comment="the option discriminant is one byte, 00 or 01: 80 00 is not 'none'")
    g.invalid("value.option.u8.discriminant-81-00-not-leb128", "81 00 07", rule=bad)
    g.invalid("value.option.option.inner-discriminant-02", "01 02", rule=bad, t=oo)
    g.invalid("value.option.u8.truncated-empty", "", rule=FIXED)
    g.invalid("value.option.u8.truncated-no-payload", "01", rule=FIXED)
    g.invalid("value.option.option.truncated-inner", "01 01", rule=FIXED, t=oo)
    g.invalid("value.option.string.bad-utf8", "01 01 ff", rule=Rule.STRING_UTF8, t=ostr)
    g.invalid("value.option.bool.invalid-bool", "01 02", rule=Rule.BOOL_BYTE,
              t=OptionType(Prim.BOOL))
    g.invalid("value.option.u8.none-trailing-byte", "00 00", rule=TRAIL)
    g.invalid("value.option.u8.some-trailing-byte", "01 07 00", rule=TRAIL)
    return g


def result_group() -> Group:
    both = ResultType(Prim.BOOL, Prim.STRING)
    g = Group("result", "result in all four shapes: 00 ++ ok, 01 ++ err",
              f"{CITE_SPEC4}: result<T, E> is 00 ++ T ok or 01 ++ E error; a missing payload "
              "type encodes nothing", both)
    r = Grammar.RESULT
    bad = Rule.RESULT_DISCRIMINANT
    ok_only = ResultType(Prim.U8, None)
    err_only = ResultType(None, Prim.U8)
    neither = ResultType(None, None)
    g.valid("value.result.upstream-ok-true", "00 01", "ok(true)", rule=r,
            cite=f"{CITE_SPEC4}, upstream unit test: result<bool, string> ok(true) -> 00 01")
    g.valid("value.result.ok-false", "00 00", "ok(false)", rule=r)
    g.valid("value.result.err-string", "01 01 65", 'err("e")', rule=r)
    g.valid("value.result.err-empty-string", "01 00", 'err("")', rule=r)
    g.valid("value.result.ok-only.ok", "00 05", "ok(5)", rule=r, t=ok_only)
    g.valid("value.result.ok-only.err", "01", "err", rule=r, t=ok_only)
    g.valid("value.result.err-only.ok", "00", "ok", rule=r, t=err_only)
    g.valid("value.result.err-only.err", "01 05", "err(5)", rule=r, t=err_only)
    g.valid("value.result.neither.ok", "00", "ok", rule=r, t=neither)
    g.valid("value.result.neither.err", "01", "err", rule=r, t=neither)
    g.invalid("value.result.discriminant-02", "02", rule=bad)
    g.invalid("value.result.discriminant-ff", "ff 01", rule=bad)
    g.invalid("value.result.discriminant-80-00-not-leb128", "80 00", rule=bad, t=neither)
    g.invalid("value.result.ok-only.discriminant-02", "02 05", rule=bad, t=ok_only)
    g.invalid("value.result.err-only.discriminant-02", "02", rule=bad, t=err_only)
    g.invalid("value.result.neither.discriminant-02", "02", rule=bad, t=neither)
    g.invalid("value.result.ok-invalid-bool", "00 02", rule=Rule.BOOL_BYTE)
    g.invalid("value.result.err-bad-utf8", "01 01 c0", rule=Rule.STRING_UTF8)
    g.invalid("value.result.truncated-empty", "", rule=FIXED)
    g.invalid("value.result.truncated-ok-no-payload", "00", rule=FIXED)
    g.invalid("value.result.truncated-err-no-length", "01", rule=TRUNC)
    g.invalid("value.result.truncated-err-in-string", "01 02 65", rule=Rule.STRING_TRUNCATED)
    g.invalid("value.result.ok-only.truncated-ok", "00", rule=FIXED, t=ok_only)
    g.invalid("value.result.err-only.truncated-err", "01", rule=FIXED, t=err_only)
    g.invalid("value.result.neither.truncated-empty", "", rule=FIXED, t=neither)
    g.invalid("value.result.trailing-byte", "00 01 00", rule=TRAIL)
    g.invalid("value.result.ok-only.err-has-no-payload", "01 00", rule=TRAIL, t=ok_only)
    g.invalid("value.result.err-only.ok-has-no-payload", "00 05", rule=TRAIL, t=err_only)
    g.invalid("value.result.neither.ok-has-no-payload", "00 00", rule=TRAIL, t=neither)
    g.invalid("value.result.neither.err-has-no-payload", "01 01", rule=TRAIL, t=neither)
    return g


def nested_group() -> Group:
    g = Group("nested", "compositions of the constructors above",
              f"{CITE_SPEC4}: each constructor's bytes nest without separators",
              ListType(OptionType(POINT)))
    g.valid("value.nested.list-option-point", "03 00 01 01 7f 00",
            "[none, some({x: 1, y: -1}), none]", rule=Grammar.LIST)
    g.valid("value.nested.tuple-result-list", "01 01 61 02 01 00",
            '(err("a"), [true, false])', rule=Grammar.TUPLE,
            t=TupleType((ResultType(Prim.U8, Prim.STRING), ListType(Prim.BOOL))))
    g.valid("value.nested.option-result-option", "01 00 01 2a", "some(ok(some(42)))",
            rule=Grammar.OPTION,
            t=OptionType(ResultType(OptionType(Prim.U8), None)))
    g.valid("value.nested.list-variant", "03 02 03 00 00 00 00 00 80",
            '[empty, label(""), circle(-0.0)]', rule=Grammar.LIST, t=ListType(SHAPE))
    g.invalid("value.nested.list-option-point.bad-discriminant", "01 02",
              rule=Rule.OPTION_DISCRIMINANT)
    g.invalid("value.nested.list-option-point.truncated-in-point", "01 01 7f", rule=TRUNC,
              comment="the point's y field is missing")
    g.invalid("value.nested.list-variant.truncated-count-2-of-3", "03 02 02",
              rule=Rule.LIST_TRUNCATED, t=ListType(SHAPE))
    g.invalid("value.nested.list-option-point.truncated-second-element", "02 00",
              rule=Rule.LIST_TRUNCATED, comment="2 elements announced, only none present")
    return g


def build() -> VectorFile:
    return VectorFile(
        "compound",
        "list, tuple, record, variant, enum, option and result (all four shapes)",
        SOURCES_VALUES,
        [list_group(), tuple_group(), record_group(), variant_group(), enum_group(),
         option_group(), result_group(), nested_group()],
    )
