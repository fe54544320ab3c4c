"""The fuzzer's view of inputs (fuzz/wasmnet_fuzz): typecodes, value trees, wire faults and the
structure-aware mutator.

Expected results come from the typecode layout table (typecode.py docstring) and from the spec
rules of wrpc.md §2/§4 (which rule a given fault breaks), not from the code under test.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from wasmnet_fuzz.autodict import harvest
from wasmnet_fuzz.faults import fault
from wasmnet_fuzz.mutator import Mutator
from wasmnet_fuzz.seeds import server_seeds
from wasmnet_fuzz.structure import FrameSpec, TypedFormat
from wasmnet_fuzz.targets import SERVER, TYPED
from wasmnet_fuzz.tree import encode_tree, node_at, prefix, replace_at, size
from wasmnet_fuzz.typecode import MAX_DEPTH, MAX_NODES, TypecodeError, decode_type, encode_type
from wasmnet_reference.codec.decode import decode_value
from wasmnet_reference.codec.encode import encode_value
from wasmnet_reference.errors import CodecError
from wasmnet_reference.framing import decode_stream
from wasmnet_reference.strategies import typed_values
from wasmnet_reference.values import EnumValue, Ok, Some
from wasmnet_reference.wit.json_form import from_json
from wasmnet_reference.wit.types import (
    EnumType,
    Field,
    FlagsType,
    ListType,
    OptionType,
    Prim,
    RecordType,
    ResultType,
    VariantType,
    WitType,
    children,
    depth,
)

VECTORS = Path(__file__).resolve().parents[1] / "vectors"


def _vector_types() -> list[WitType]:
    out = []
    for path in sorted(VECTORS.glob("*.json")):
        for group in json.loads(path.read_text(encoding="utf-8"))["groups"]:
            out += [from_json(v["type"]["json"]) for v in group["vectors"] if v["kind"] == "value"]
    return out


def _shape(ty: WitType) -> Any:
    """``ty`` with every name erased (typecodes do not carry names)."""
    if isinstance(ty, Prim):
        return ty.value
    if isinstance(ty, EnumType):
        return ("enum", len(ty.cases))
    if isinstance(ty, FlagsType):
        return ("flags", len(ty.labels))
    if isinstance(ty, VariantType):
        return ("variant", tuple(None if c.type is None else _shape(c.type) for c in ty.cases))
    if isinstance(ty, ResultType):
        return ("result", *(None if t is None else _shape(t) for t in (ty.ok, ty.err)))
    return (type(ty).__name__, tuple(_shape(c) for c in children(ty)))


# ------------------------------------------------------------------------------- typecode


def test_typecode_layout_example() -> None:
    # 13 list, 14 option, 17 record with 1 + 1 fields, 6 u32, 12 string (layout table)
    ty, used = decode_type(bytes([13, 14, 17, 1, 6, 12]) + b"rest")
    assert used == 6
    assert ty == ListType(OptionType(RecordType("r0", (Field("a", Prim.U32),
                                                        Field("b", Prim.STRING)))))


def test_typecode_roundtrips_every_vector_type() -> None:
    coded = skipped = 0
    for ty in _vector_types():
        try:
            code = encode_type(ty)
        except TypecodeError:
            skipped += 1
            continue
        back, used = decode_type(code + b"\xff")
        assert used == len(code)
        assert _shape(back) == _shape(ty)
        coded += 1
    assert coded > 500  # nearly all vector types have a typecode
    assert skipped < 20


def test_typecode_is_total_and_bounded() -> None:
    rng = random.Random(7)
    for _ in range(2000):
        data = rng.randbytes(rng.randint(0, 64))
        ty, used = decode_type(data)
        assert used >= 1
        assert depth(ty) <= MAX_DEPTH
        assert len(list(_nodes(ty))) <= MAX_NODES + 1
        assert _shape(decode_type(encode_type(ty))[0]) == _shape(ty)


def _nodes(ty: WitType) -> Any:
    yield ty
    for child in children(ty):
        yield from _nodes(child)


# --------------------------------------------------------------------------------- trees


@given(typed_values(max_depth=3))
def test_tree_encoding_without_fault_is_the_reference_encoding(tv: tuple[WitType, Any]) -> None:
    ty, value = tv
    assert encode_tree(ty, value) == encode_value(value, ty)
    for k in range(min(size(ty, value), 6)):
        node_ty, node_value = node_at(ty, value, k)
        same = replace_at(ty, value, k, lambda t, v: (t, v))[1]
        assert encode_value(same, ty) == encode_value(value, ty)
        assert encode_tree(ty, value, k, lambda t, v, h, b: (h or b"") + b if h else b) == \
            encode_value(value, ty)
        assert node_ty is not None or node_value is None


# -------------------------------------------------------------------------------- faults

ENTRY = RecordType("entry", (Field("a", Prim.U32), Field("b", Prim.STRING)))
COLORS = EnumType("color", ("red", "green", "blue"))
PERMS = FlagsType("perms", ("read", "write", "exec"))

# (type, value, rules a fault at the root may break: wrpc.md §4). "valid" where a fault may
# still be a valid encoding: an overlong LEB128 within ceil(N/7) bytes (same value), or a count
# or case index moved by one onto another valid one.
FAULT_CASES: list[tuple[WitType, Any, set[str]]] = [
    (Prim.BOOL, True, {"value.bool"}),
    (Prim.F32, 1.5, {"value.float-canonical-nan"}),
    (Prim.F64, 1.5, {"value.float-canonical-nan"}),
    (Prim.CHAR, "é", {"value.char-utf8", "value.char-truncated"}),
    (Prim.U32, 300, {"valid", "leb128.max-bytes", "leb128.unsigned-unused-bits",
                     "leb128.truncated"}),
    (Prim.S64, -5, {"valid", "leb128.max-bytes", "leb128.signed-unused-bits",
                    "leb128.truncated"}),
    (Prim.STRING, "abc", {"value.string-utf8", "value.string-truncated",
                          "value.trailing-bytes", "limit.string-length", "valid",
                          "leb128.max-bytes", "leb128.unsigned-unused-bits",
                          "leb128.truncated"}),
    (OptionType(Prim.U8), Some(3), {"value.option-discriminant"}),
    (ResultType(Prim.U8, None), Ok(1), {"value.result-discriminant"}),
    (COLORS, EnumValue("green"),
     {"valid", "value.enum-discriminant", "leb128.max-bytes", "leb128.unsigned-unused-bits",
      "leb128.truncated"}),
    (PERMS, frozenset({"read"}), {"value.flags-unknown-bit"}),
    (ListType(Prim.U16), [1, 2], {"valid", "value.list-truncated", "value.trailing-bytes",
                                  "limit.list-length", "leb128.max-bytes",
                                  "leb128.unsigned-unused-bits", "leb128.truncated"}),
]


def test_each_fault_breaks_the_rule_of_its_node() -> None:
    for ty, value, allowed in FAULT_CASES:
        seen = set()
        for seed in range(60):
            rng = random.Random(seed)
            head = prefix(ty, value)
            body = encode_value(value, ty) if head is None else encode_value(value, ty)[len(head):]
            data = fault(ty, value, head, body, rng, generic_share=0.0)
            try:
                decode_value(data, ty)
            except CodecError as e:
                seen.add(e.rule.id)
                continue
            seen.add("valid")
        assert seen <= allowed, (ty, seen - allowed)
        assert seen - {"valid"}, (ty, "no fault broke a rule")


# ------------------------------------------------------------------------------- mutator


def test_mutator_is_deterministic_and_bounded() -> None:
    data = TypedFormat.make(ListType(OptionType(ENTRY)),
                            encode_value([Some({"a": 1, "b": "x"})], ListType(OptionType(ENTRY))))
    mutator = Mutator(TYPED)
    outputs = [mutator(data, 64, seed) for seed in range(300)]
    assert outputs == [Mutator(TYPED)(data, 64, seed) for seed in range(300)]
    assert all(len(o) <= 64 for o in outputs)
    assert len(set(outputs)) > 150


def test_typed_mutations_mostly_keep_the_value_well_formed() -> None:
    ty = ListType(OptionType(ENTRY))
    data = TypedFormat.make(ty, encode_value([Some({"a": 1, "b": "xy"}), None], ty))
    mutator = Mutator(TYPED)
    valid = same_type = 0
    for seed in range(400):
        doc = TYPED.parse(mutator(data, 256, seed))
        same_type += _shape(doc.ty) == _shape(ty)
        valid += _shape(doc.ty) == _shape(ty) and doc.value is not None
    assert mutator.stats["structured"] > 300
    # value-level changes keep the encoding valid; wire faults and type changes do not
    assert valid > 160 and same_type > 300


def test_stream_mutations_mostly_keep_the_framing_valid() -> None:
    mutator = Mutator(SERVER)
    calls = list(server_seeds())[:12]
    framed = total = 0
    for seed in range(300):
        out = mutator(calls[seed % len(calls)], 2048, seed)
        total += 1
        try:
            decode_stream(out, expect_header=True)
            framed += 1
        except Exception:  # counting: any rejection
            pass
    assert framed > total // 2


def test_set_root_keeps_the_root_cut_points() -> None:
    doc = SERVER.parse(b"")
    doc.frames = [FrameSpec((), b"ab"), FrameSpec((0,), b"zz"), FrameSpec((), b"cd")]
    doc.set_root(b"123456")
    assert [(f.path, f.data) for f in doc.frames] == [((), b"12"), ((0,), b"zz"),
                                                      ((), b"3456")]
    doc.set_root(b"9")
    assert [(f.path, f.data) for f in doc.frames] == [((), b"9"), ((0,), b"zz"), ((), b"")]


@given(st.binary(max_size=64), st.integers(0, 2**32 - 1))
def test_mutator_never_fails_on_any_input(data: bytes, seed: int) -> None:
    for fmt in (TYPED, SERVER):
        assert len(Mutator(fmt)(data, 128, seed)) <= 128


def test_constants_of_the_code_under_test_reach_the_values() -> None:
    constants = harvest(["wasmnet_fuzz.planted"])
    assert "boom" in constants.strings and 7 in constants.ints
    assert "wasmnet:fuzz/planted@0.1.0" in constants.strings
    assert b"boom" in constants.tokens
    ty = ListType(OptionType(ENTRY))
    data = TypedFormat.make(ty, encode_value([Some({"a": 1, "b": "x"})], ty))
    mutator = Mutator(TYPED, constants=constants)
    fields = _entries(mutator, data)
    assert any(f.get("b") == "boom" for f in fields) and any(f.get("a") == 7 for f in fields)
    assert not any(f.get("b") == "boom" for f in _entries(Mutator(TYPED), data))


def _entries(mutator: Mutator, data: bytes) -> list[dict[str, Any]]:
    """The records inside the values of 2000 mutations of ``data``."""
    out = []
    for seed in range(2000):
        value = TYPED.parse(mutator(data, 256, seed)).value
        if isinstance(value, list):
            out += [i.value for i in value if isinstance(i, Some) and isinstance(i.value, dict)]
    return out
