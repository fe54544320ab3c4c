"""Encoder: a Python value (``values.py`` model) to its component-model bytes (wrpc.md §4).

The encoder is strict about its input: a value that does not belong to the type raises
``EncodeError(Rule.VALUE_OUT_OF_TYPE)`` instead of being coerced. Its output is canonical:
minimal LEB128 everywhere and the canonical NaN pattern for every NaN, so the bytes it writes are
the ``canonical: true`` form of the vector format.

Two spec readings are taken here:
- stream ``Ready([])`` has no wire form distinct from ``PENDING`` (wrpc.md §3, upstream: an empty
  list means pending); it is written as ``00``, which decodes back as ``PENDING``
  (``Ambiguity.READY_STREAM``).
- handles are written as the ``list<u8>`` of their opaque bytes (wrpc.md §3, Resources).

Recursion follows the type, whose depth the caller bounds (``Limits.max_depth`` on decode).
"""

from __future__ import annotations

import math
import struct
from collections.abc import Sequence

from wasmnet_reference.codec.leb128 import encode_sleb, encode_uleb
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
)
from wasmnet_reference.wit.types import (
    EnumType,
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

# wrpc.md §4: the only NaN encodings that are valid; every NaN is written as these.
CANONICAL_NAN_F32 = bytes.fromhex("0000c07f")
CANONICAL_NAN_F64 = bytes.fromhex("000000000000f87f")

# uleb32 (core:u32) carries every length, count and discriminant.
U32_MAX = 0xFFFF_FFFF

# option / result / future discriminant bytes (wrpc.md §3, §4).
TAG_0 = b"\x00"
TAG_1 = b"\x01"


def encode_value(value: Value, ty: WitType) -> bytes:
    """The bytes of one ``value`` of type ``ty``."""
    out = bytearray()
    _encode(out, value, ty)
    return bytes(out)


def encode_values(values: Sequence[Value], types: Sequence[WitType]) -> bytes:
    """Parameters or results: the values concatenated in declaration order (wrpc.md §3)."""
    if len(values) != len(types):
        raise _out_of_type(f"{len(values)} values for {len(types)} types")
    out = bytearray()
    for value, ty in zip(values, types, strict=True):
        _encode(out, value, ty)
    return bytes(out)


def _out_of_type(detail: str) -> EncodeError:
    return EncodeError(Rule.VALUE_OUT_OF_TYPE, detail)


def _mismatch(value: Value, expected: str) -> EncodeError:
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return _out_of_type(f"{expected} expected, got {type(value).__name__} {text}")


def _uleb32(n: int, what: str) -> bytes:
    """Lengths, counts and discriminants are uleb32: larger ones have no wire form."""
    if n > U32_MAX:
        raise _out_of_type(f"{what} {n} does not fit uleb32")
    return encode_uleb(n)


def _encode(out: bytearray, value: Value, ty: WitType) -> None:
    if isinstance(ty, Prim):
        out += _encode_prim(value, ty)
    elif isinstance(ty, ListType):
        if not isinstance(value, list):
            raise _mismatch(value, "list")
        _encode_elements(out, value, ty.element)
    elif isinstance(ty, TupleType):
        if not isinstance(value, tuple) or len(value) != len(ty.elements):
            raise _mismatch(value, f"tuple of {len(ty.elements)}")
        for item, item_ty in zip(value, ty.elements, strict=True):
            _encode(out, item, item_ty)
    elif isinstance(ty, RecordType):
        names = [f.name for f in ty.fields]
        if not isinstance(value, dict) or set(value) != set(names):
            raise _mismatch(value, f"record {ty.name} with fields {names}")
        for field in ty.fields:
            _encode(out, value[field.name], field.type)
    elif isinstance(ty, VariantType):
        _encode_variant(out, value, ty)
    elif isinstance(ty, EnumType):
        if not isinstance(value, EnumValue) or value.case not in ty.cases:
            raise _mismatch(value, f"enum {ty.name} case {list(ty.cases)}")
        out += _uleb32(ty.cases.index(value.case), "case index")
    elif isinstance(ty, OptionType):
        if value is None:
            out += TAG_0
        elif isinstance(value, Some):
            out += TAG_1
            _encode(out, value.value, ty.inner)
        else:
            raise _mismatch(value, "None or Some")
    elif isinstance(ty, ResultType):
        if isinstance(value, Ok):
            out += TAG_0
            _encode_payload(out, value.value, ty.ok)
        elif isinstance(value, Err):
            out += TAG_1
            _encode_payload(out, value.value, ty.err)
        else:
            raise _mismatch(value, "Ok or Err")
    elif isinstance(ty, FlagsType):
        out += _encode_flags(value, ty)
    elif isinstance(ty, HandleType):
        if not isinstance(value, Handle) or not isinstance(value.data, bytes):
            raise _mismatch(value, "Handle(bytes)")
        out += _uleb32(len(value.data), "handle length")
        out += value.data
    elif isinstance(ty, FutureType):
        if value is PENDING:
            out += TAG_0
        elif isinstance(value, Ready):
            out += TAG_1
            _encode_payload(out, value.value, ty.inner)
        else:
            raise _mismatch(value, "PENDING or Ready")
    else:
        _encode_stream(out, value, ty)


def _encode_payload(out: bytearray, value: Value, ty: WitType | None) -> None:
    """A payload whose type may be absent: an absent type takes no bytes and the value is None."""
    if ty is None:
        if value is not None:
            raise _mismatch(value, "None (no payload type)")
    else:
        _encode(out, value, ty)


def _encode_elements(out: bytearray, items: list[Value], element: WitType | None) -> None:
    """``list<T>``: uleb32 count ++ elements (also a ready stream's body)."""
    out += _uleb32(len(items), "element count")
    for item in items:
        _encode_payload(out, item, element)


def _encode_variant(out: bytearray, value: Value, ty: VariantType) -> None:
    if isinstance(value, VariantValue):
        for index, case in enumerate(ty.cases):
            if case.name == value.case:
                out += _uleb32(index, "case index")
                _encode_payload(out, value.payload, case.type)
                return
    raise _mismatch(value, f"variant {ty.name} case {[c.name for c in ty.cases]}")


def _encode_stream(out: bytearray, value: Value, ty: StreamType) -> None:
    """PENDING is the empty list; Ready(items) the list itself. Ready([]) is written as PENDING
    (``Ambiguity.READY_STREAM``: the two have one wire form)."""
    if value is PENDING:
        out += TAG_0
    elif isinstance(value, Ready) and isinstance(value.value, list):
        _encode_elements(out, value.value, ty.inner)
    else:
        raise _mismatch(value, "PENDING or Ready(list)")


def _encode_flags(value: Value, ty: FlagsType) -> bytes:
    """Exactly ceil(N/8) bytes; label i is bit (i mod 8) of byte i // 8 (wrpc.md §4)."""
    if not isinstance(value, frozenset) or not value <= set(ty.labels):
        raise _mismatch(value, f"frozenset of labels of flags {ty.name} {list(ty.labels)}")
    bits = 0
    for index, label in enumerate(ty.labels):
        if label in value:
            bits |= 1 << index
    return bits.to_bytes(ty.byte_width, "little")


def _encode_prim(value: Value, ty: Prim) -> bytes:
    if ty is Prim.BOOL:
        if not isinstance(value, bool):
            raise _mismatch(value, "bool")
        return TAG_1 if value else TAG_0
    if ty.is_integer:
        return _encode_int(value, ty)
    if ty is Prim.F32 or ty is Prim.F64:
        return _encode_float(value, ty)
    if not isinstance(value, str):
        raise _mismatch(value, ty.value)
    if ty is Prim.CHAR and len(value) != 1:
        raise _mismatch(value, "char (one Unicode scalar value)")
    try:
        utf8 = value.encode("utf-8")  # strict: a surrogate code point raises
    except UnicodeEncodeError as e:
        raise _out_of_type(f"{ty.value} holds a surrogate code point: {e.reason}") from None
    if ty is Prim.CHAR:
        return utf8
    return _uleb32(len(utf8), "string byte length") + utf8


def _encode_int(value: Value, ty: Prim) -> bytes:
    low, high = ty.int_range
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise _mismatch(value, f"{ty.value} in [{low}, {high}]")
    if ty.bits == 8:
        return bytes([value & 0xFF])  # u8 / s8: one raw byte, two's complement
    return encode_sleb(value) if ty.signed else encode_uleb(value)


def _encode_float(value: Value, ty: Prim) -> bytes:
    if not isinstance(value, float):
        raise _mismatch(value, ty.value)
    if math.isnan(value):
        return CANONICAL_NAN_F32 if ty is Prim.F32 else CANONICAL_NAN_F64
    if ty is Prim.F64:
        return struct.pack("<d", value)
    try:
        raw = struct.pack("<f", value)
    except OverflowError:
        raise _mismatch(value, "f32 (finite out of range)") from None
    if struct.unpack("<f", raw)[0] != value:
        raise _mismatch(value, "f32 (exactly representable)")
    return raw
