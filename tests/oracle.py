"""A second, deliberately simple encoder: value model + type model -> bytes. Test use only.

It shares no code with the reference codec (wasmnet_reference.codec) or the vector recipes,
and is written in a different style on purpose: LEB128 goes through bit strings
(``format(n, "b")``, padded to whole 7-bit groups), every type is one branch of one recursive
function, and nothing is validated -- the oracle trusts its input and only has to agree with the
hand-written vector bytes (wrpc.md §2 and §4).
"""

from __future__ import annotations

import math
import struct
from collections.abc import Sequence
from typing import Any

from wasmnet_reference.values import (
    PENDING,
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

F32_CANONICAL_NAN = bytes([0x00, 0x00, 0xC0, 0x7F])
F64_CANONICAL_NAN = bytes([0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xF8, 0x7F])


def _groups_to_leb(bits: str) -> bytes:
    """A bit string whose length is a multiple of 7, most significant first, as LEB128:
    least significant group first, high bit set on every byte but the last."""
    groups = [bits[i : i + 7] for i in range(0, len(bits), 7)][::-1]
    return bytes(int(("0" if i == len(groups) - 1 else "1") + g, 2) for i, g in enumerate(groups))


def uleb(n: int) -> bytes:
    """Minimal unsigned LEB128."""
    bits = format(n, "b")
    width = -(-len(bits) // 7) * 7
    return _groups_to_leb(bits.zfill(width))


def sleb(n: int) -> bytes:
    """Minimal signed LEB128: the fewest 7-bit groups whose two's complement holds ``n``."""
    groups = 1
    while not -(1 << (7 * groups - 1)) <= n < (1 << (7 * groups - 1)):
        groups += 1
    width = 7 * groups
    return _groups_to_leb(format(n & ((1 << width) - 1), "b").zfill(width))


def encode(t: WitType, v: Value) -> bytes:
    """The canonical bytes of value ``v`` of type ``t``."""
    if isinstance(t, Prim):
        return _prim(t, v)
    if isinstance(t, ListType):
        items: list[Value] = v  # type: ignore[assignment]
        return uleb(len(items)) + b"".join(encode(t.element, x) for x in items)
    if isinstance(t, TupleType):
        elems: tuple[Value, ...] = v  # type: ignore[assignment]
        return b"".join(encode(et, x) for et, x in zip(t.elements, elems, strict=True))
    if isinstance(t, RecordType):
        rec: dict[str, Value] = v  # type: ignore[assignment]
        return b"".join(encode(f.type, rec[f.name]) for f in t.fields)
    if isinstance(t, VariantType):
        assert isinstance(v, VariantValue)
        index = [c.name for c in t.cases].index(v.case)
        case_type = t.cases[index].type
        return uleb(index) + (b"" if case_type is None else encode(case_type, v.payload))
    if isinstance(t, EnumType):
        return uleb(t.cases.index(v.case))  # type: ignore[union-attr]
    if isinstance(t, OptionType):
        if v is None:
            return b"\x00"
        assert isinstance(v, Some)
        return b"\x01" + encode(t.inner, v.value)
    if isinstance(t, ResultType):
        side, payload_type = (b"\x00", t.ok) if isinstance(v, Ok) else (b"\x01", t.err)
        assert isinstance(v, (Ok, Err))
        return side + (b"" if payload_type is None else encode(payload_type, v.value))
    if isinstance(t, FlagsType):
        labels: frozenset[str] = v  # type: ignore[assignment]
        mask = sum(1 << t.labels.index(label) for label in labels)
        return mask.to_bytes((len(t.labels) + 7) // 8, "little")
    if isinstance(t, HandleType):
        assert isinstance(v, Handle)
        return uleb(len(v.data)) + v.data
    if isinstance(t, FutureType):
        if v is PENDING:
            return b"\x00"
        assert isinstance(v, Ready)
        return b"\x01" + (b"" if t.inner is None else encode(t.inner, v.value))
    if isinstance(t, StreamType):
        if v is PENDING:
            return b"\x00"
        assert isinstance(v, Ready) and t.inner is not None
        return encode(ListType(t.inner), v.value)
    raise TypeError(f"oracle: unknown type {t!r}")


def _prim(t: Prim, v: Any) -> bytes:
    if t is Prim.BOOL:
        return b"\x01" if v else b"\x00"
    if t is Prim.U8:
        return bytes([v])
    if t is Prim.S8:
        return bytes([v & 0xFF])
    if t in (Prim.U16, Prim.U32, Prim.U64):
        return uleb(v)
    if t in (Prim.S16, Prim.S32, Prim.S64):
        return sleb(v)
    if t is Prim.F32:
        return F32_CANONICAL_NAN if math.isnan(v) else struct.pack("<f", v)
    if t is Prim.F64:
        return F64_CANONICAL_NAN if math.isnan(v) else struct.pack("<d", v)
    utf8 = str(v).encode("utf-8")
    return utf8 if t is Prim.CHAR else uleb(len(utf8)) + utf8


def encode_stream(header: dict[str, Any] | None, frames: Sequence[dict[str, Any]]) -> bytes:
    """A client stream (``header`` given: version, names, frames) or bare frames, from a
    frames vector's ``expect`` object."""
    out = b""
    if header is not None:
        out += bytes([header["version"]])
        for text in (header["instance"], header["function"]):
            raw = text.encode("utf-8")
            out += uleb(len(raw)) + raw
    for f in frames:
        data = bytes.fromhex(f["data"])
        out += uleb(len(f["path"])) + b"".join(uleb(i) for i in f["path"])
        out += uleb(len(data)) + data
    return out
