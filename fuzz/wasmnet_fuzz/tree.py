"""A typed value as a tree: its children in encoding order, rebuilt after a change.

The structure-aware mutator picks one node of a value (pre-order index), changes it, and
re-encodes. :func:`encode_tree` writes a value as the prefix of each constructor (count, case
index or tag) followed by its children; subtrees that hold no change are written by the
reference encoder itself (``encode_value``), so a tree without a fault encodes to exactly the
reference's bytes (``tests/test_fuzz_mutator.py`` checks this).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from wasmnet_reference.codec.encode import TAG_0, TAG_1, encode_value
from wasmnet_reference.codec.leb128 import encode_uleb
from wasmnet_reference.values import (
    PENDING,
    Err,
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

Child = tuple[WitType, Value]


def children(ty: WitType, value: Value) -> list[Child]:
    """The typed children of ``value`` in the order their bytes appear."""
    if isinstance(ty, ListType) and isinstance(value, list):
        return [(ty.element, v) for v in value]
    if isinstance(ty, TupleType) and isinstance(value, tuple):
        return list(zip(ty.elements, value, strict=True))
    if isinstance(ty, RecordType) and isinstance(value, dict):
        return [(f.type, value[f.name]) for f in ty.fields]
    if isinstance(ty, VariantType) and isinstance(value, VariantValue):
        case = next(c for c in ty.cases if c.name == value.case)
        return [] if case.type is None else [(case.type, value.payload)]
    if isinstance(ty, OptionType) and isinstance(value, Some):
        return [(ty.inner, value.value)]
    if isinstance(ty, ResultType) and isinstance(value, (Ok, Err)):
        side = ty.ok if isinstance(value, Ok) else ty.err
        return [] if side is None else [(side, value.value)]
    if isinstance(ty, FutureType) and isinstance(value, Ready) and ty.inner is not None:
        return [(ty.inner, value.value)]
    if (
        isinstance(ty, StreamType)
        and isinstance(value, Ready)
        and isinstance(value.value, list)
        and ty.inner is not None
    ):
        return [(ty.inner, v) for v in value.value]
    return []


def rebuild(ty: WitType, value: Value, parts: Sequence[Value]) -> Value:
    """``value`` with its children replaced by ``parts`` (same count as :func:`children`)."""
    if isinstance(ty, ListType):
        return list(parts)
    if isinstance(ty, TupleType):
        return tuple(parts)
    if isinstance(ty, RecordType):
        return {f.name: p for f, p in zip(ty.fields, parts, strict=True)}
    if not parts:
        return value
    if isinstance(value, VariantValue):
        return VariantValue(value.case, parts[0])
    if isinstance(value, Some):
        return Some(parts[0])
    if isinstance(value, Ok):
        return Ok(parts[0])
    if isinstance(value, Err):
        return Err(parts[0])
    if isinstance(ty, StreamType):
        return Ready(list(parts))
    if isinstance(value, Ready):
        return Ready(parts[0])
    return value


def prefix(ty: WitType, value: Value) -> bytes | None:
    """The bytes a constructor writes before its children (count, case index or tag); None for
    a leaf, which is written whole by the reference encoder."""
    if isinstance(ty, ListType) and isinstance(value, list):
        return encode_uleb(len(value))
    if isinstance(ty, (TupleType, RecordType)):
        return b""
    if isinstance(ty, VariantType) and isinstance(value, VariantValue):
        return encode_uleb([c.name for c in ty.cases].index(value.case))
    if isinstance(ty, OptionType):
        return TAG_1 if isinstance(value, Some) else TAG_0
    if isinstance(ty, ResultType):
        return TAG_1 if isinstance(value, Err) else TAG_0
    if isinstance(ty, FutureType):
        return TAG_0 if value is PENDING else TAG_1
    if isinstance(ty, StreamType):
        if isinstance(value, Ready) and isinstance(value.value, list) and value.value:
            return encode_uleb(len(value.value))
        return TAG_0
    return None


def is_leaf(ty: WitType) -> bool:
    return isinstance(ty, (Prim, EnumType, FlagsType, HandleType))


def size(ty: WitType, value: Value) -> int:
    """Nodes in the tree of ``value`` (itself included)."""
    return 1 + sum(size(t, v) for t, v in children(ty, value))


def scalar_nodes(ty: WitType, value: Value) -> list[int]:
    """Pre-order numbers of the scalar nodes (primitives, enums, flags, handles): where the
    comparisons that guard deep code usually look."""
    out: list[int] = []

    def walk(t: WitType, v: Value, index: int) -> int:
        if is_leaf(t):
            out.append(index)
        nxt = index + 1
        for ct, cv in children(t, v):
            nxt = walk(ct, cv, nxt)
        return nxt

    walk(ty, value, 0)
    return out


Fault = Callable[[WitType, Value, bytes | None, bytes], bytes]
"""Rewrites one node: given its type, value, prefix (None for a leaf) and the encoded bytes
of its children (for a leaf: its whole encoding), returns the bytes written instead."""


def encode_tree(ty: WitType, value: Value, target: int = -1, fault: Fault | None = None) -> bytes:
    """The encoding of ``value``, with node number ``target`` (pre-order) rewritten by
    ``fault``; without a fault, exactly ``encode_value(value, ty)``."""
    out = bytearray()
    _encode(out, ty, value, 0, target, fault)
    return bytes(out)


def _encode(
    out: bytearray, ty: WitType, value: Value, index: int, target: int, fault: Fault | None
) -> int:
    """Append the node numbered ``index``; returns the number after its subtree."""
    if fault is None or target < index:
        out += encode_value(value, ty)
        return index + size(ty, value)
    parts = children(ty, value)
    end = index + 1 + sum(size(t, v) for t, v in parts)
    if target >= end:
        out += encode_value(value, ty)
        return end
    head = prefix(ty, value)
    if target == index:
        body = encode_value(value, ty) if head is None else b"".join(
            encode_value(v, t) for t, v in parts
        )
        out += fault(ty, value, head, body)
        return end
    assert head is not None
    out += head
    nxt = index + 1
    for t, v in parts:
        nxt = _encode(out, t, v, nxt, target, fault)
    return nxt


def node_at(ty: WitType, value: Value, target: int) -> Child:
    """The typed node numbered ``target`` (pre-order)."""
    found = _find(ty, value, 0, target)
    if found is None:
        raise IndexError(target)
    return found


def _find(ty: WitType, value: Value, index: int, target: int) -> Child | None:
    if index == target:
        return ty, value
    nxt = index + 1
    for t, v in children(ty, value):
        n = size(t, v)
        if nxt <= target < nxt + n:
            return _find(t, v, nxt, target)
        nxt += n
    return None


def replace_at(
    ty: WitType, value: Value, target: int, change: Callable[[WitType, Value], Child]
) -> Child:
    """``(ty, value)`` with node ``target`` replaced by ``change(node_type, node_value)``;
    a changed type is kept only at the root (inner types are fixed by their parent)."""
    if target == 0:
        return change(ty, value)
    nxt = 1
    parts = children(ty, value)
    new: list[Value] = []
    for t, v in parts:
        n = size(t, v)
        if nxt <= target < nxt + n:
            new_t, new_v = replace_at(t, v, target - nxt, change)
            new.append(new_v if new_t == t else v)
        else:
            new.append(v)
        nxt += n
    return ty, rebuild(ty, value, new)
