"""A compact byte encoding of WIT types, so that a fuzz input can choose the type it is read as.

Input of the typed targets: ``typecode ++ value bytes``. The typecode is prefix-free and total:
every byte string decodes to some type (a byte picks a kind modulo the number of kinds, missing
bytes read as ``00``), so a mutated input always means *some* type. Sizes are bounded: at most
:data:`MAX_NODES` type nodes and nesting :data:`MAX_DEPTH` (beyond it a constructor byte reads as
a primitive), so decoding a typecode is cheap and never deep.

Names are not encoded: they are given in order of appearance (records ``r0``, ``r1`` … with fields
``a``, ``b`` …; variants ``v0`` with cases ``c0`` …; enums ``e0`` with ``k0`` …; flags ``g0``
with ``l0`` …; the resource ``res``), so a type read back is equal to the one written up to names.

Layout, one byte per node (``kind = byte % KINDS``) followed by what the kind needs:

====  ==================  ====================================================================
kind  type                then
====  ==================  ====================================================================
0-12  the primitives      (``PRIMS`` order: bool s8 u8 s16 u16 s32 u32 s64 u64 f32 f64 char
                          string)
13    list<T>             T
14    option<T>           T
15    result              one byte: bit 0 ok present, bit 1 err present; then ok, err types
16    tuple               one byte n: 1 + n % 8 elements; then the elements
17    record              one byte n: 1 + n % 8 fields; then the field types
18    variant             one byte n: 1 + n cases (1..256); per case a byte, odd: a payload
                          type follows
19    enum                one byte n: 1 + n cases
20    flags               one byte n: 1 + n labels
21    own<res>
22    borrow<res>
23    future              one byte, odd: future<T> and T follows; even: future
24    stream              one byte, odd: stream<T> and T follows; even: stream
====  ==================  ====================================================================
"""

from __future__ import annotations

from dataclasses import dataclass, field

from wasmnet_reference.wit.types import (
    Case,
    EnumType,
    Field,
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

PRIMS: tuple[Prim, ...] = (
    Prim.BOOL, Prim.S8, Prim.U8, Prim.S16, Prim.U16, Prim.S32, Prim.U32, Prim.S64, Prim.U64,
    Prim.F32, Prim.F64, Prim.CHAR, Prim.STRING,
)
LIST, OPTION, RESULT, TUPLE, RECORD, VARIANT, ENUM, FLAGS, OWN, BORROW, FUTURE, STREAM = range(
    len(PRIMS), len(PRIMS) + 12
)
KINDS = STREAM + 1
MAX_NODES = 160
"""Type nodes per typecode; a constructor past it reads as a primitive."""
MAX_DEPTH = 72
"""Nesting bound: a little above the default ``Limits.max_depth`` (64), so that the depth limit
itself is reached by fuzz inputs."""
MAX_FIELDS = 8
RESOURCE = "res"
FIELD_NAMES = "abcdefgh"


class TypecodeError(ValueError):
    """A type has no typecode (more record fields or tuple elements than :data:`MAX_FIELDS`,
    more than 256 cases or labels, or too deep or large)."""


@dataclass
class _Reader:
    data: bytes
    pos: int = 0
    nodes: int = 0
    counters: dict[str, int] = field(default_factory=dict)

    def byte(self) -> int:
        if self.pos < len(self.data):
            b = self.data[self.pos]
            self.pos += 1
            return b
        self.pos += 1  # reading past the end counts, so the split point stays well defined
        return 0

    def name(self, stem: str) -> str:
        n = self.counters.get(stem, 0)
        self.counters[stem] = n + 1
        return f"{stem}{n}"


def decode_type(data: bytes) -> tuple[WitType, int]:
    """The type at the start of ``data`` and the number of bytes it takes (which may exceed
    ``len(data)`` when the input ended inside the typecode: missing bytes read as ``00``)."""
    reader = _Reader(data)
    ty = _read(reader, 1)
    return ty, reader.pos


def split_input(data: bytes) -> tuple[WitType, bytes]:
    """A typed fuzz input: its type and the value bytes after the typecode."""
    ty, used = decode_type(data)
    return ty, data[used:]


def _read(r: _Reader, depth: int) -> WitType:
    kind = r.byte() % KINDS
    r.nodes += 1
    if kind < len(PRIMS):
        return PRIMS[kind]
    if depth >= MAX_DEPTH or r.nodes >= MAX_NODES:
        return PRIMS[kind % len(PRIMS)]
    inner = depth + 1
    if kind == LIST:
        return ListType(_read(r, inner))
    if kind == OPTION:
        return OptionType(_read(r, inner))
    if kind == RESULT:
        shape = r.byte()
        ok = _read(r, inner) if shape & 1 else None
        err = _read(r, inner) if shape & 2 else None
        return ResultType(ok, err)
    if kind == TUPLE:
        count = 1 + r.byte() % MAX_FIELDS
        return TupleType(tuple(_read(r, inner) for _ in range(count)))
    if kind == RECORD:
        count = 1 + r.byte() % MAX_FIELDS
        name = r.name("r")
        fields = tuple(Field(FIELD_NAMES[i], _read(r, inner)) for i in range(count))
        return RecordType(name, fields)
    if kind == VARIANT:
        count = 1 + r.byte()
        name = r.name("v")
        cases = []
        for i in range(count):
            payload = _read(r, inner) if r.byte() & 1 else None
            cases.append(Case(f"c{i}", payload))
        return VariantType(name, tuple(cases))
    if kind == ENUM:
        count = 1 + r.byte()
        return EnumType(r.name("e"), tuple(f"k{i}" for i in range(count)))
    if kind == FLAGS:
        count = 1 + r.byte()
        return FlagsType(r.name("g"), tuple(f"l{i}" for i in range(count)))
    if kind in (OWN, BORROW):
        return HandleType(RESOURCE, owned=kind == OWN)
    if kind == FUTURE:
        return FutureType(_read(r, inner) if r.byte() & 1 else None)
    return StreamType(_read(r, inner) if r.byte() & 1 else None)


def encode_type(ty: WitType) -> bytes:
    """The typecode of ``ty`` (names are dropped). Raises TypecodeError if it has none."""
    out = bytearray()
    _write(out, ty, 1, [0])
    return bytes(out)


def _count(n: int, limit: int, what: str) -> int:
    if not 1 <= n <= limit:
        raise TypecodeError(f"{n} {what} (1..{limit} have a typecode)")
    return n - 1


def _write(out: bytearray, ty: WitType, depth: int, nodes: list[int]) -> None:
    nodes[0] += 1
    if isinstance(ty, Prim):
        out.append(PRIMS.index(ty))
        return
    if depth >= MAX_DEPTH or nodes[0] >= MAX_NODES:
        raise TypecodeError("type too deep or too large for a typecode")
    inner = depth + 1
    if isinstance(ty, ListType):
        out.append(LIST)
        _write(out, ty.element, inner, nodes)
    elif isinstance(ty, OptionType):
        out.append(OPTION)
        _write(out, ty.inner, inner, nodes)
    elif isinstance(ty, ResultType):
        out += bytes((RESULT, (ty.ok is not None) | (ty.err is not None) << 1))
        for side in (ty.ok, ty.err):
            if side is not None:
                _write(out, side, inner, nodes)
    elif isinstance(ty, (TupleType, RecordType)):
        parts = ty.elements if isinstance(ty, TupleType) else tuple(f.type for f in ty.fields)
        kind = TUPLE if isinstance(ty, TupleType) else RECORD
        out += bytes((kind, _count(len(parts), MAX_FIELDS, "elements")))
        for part in parts:
            _write(out, part, inner, nodes)
    elif isinstance(ty, VariantType):
        out += bytes((VARIANT, _count(len(ty.cases), 256, "cases")))
        for case in ty.cases:
            out.append(int(case.type is not None))
            if case.type is not None:
                _write(out, case.type, inner, nodes)
    elif isinstance(ty, EnumType):
        out += bytes((ENUM, _count(len(ty.cases), 256, "cases")))
    elif isinstance(ty, FlagsType):
        out += bytes((FLAGS, _count(len(ty.labels), 256, "labels")))
    elif isinstance(ty, HandleType):
        out.append(OWN if ty.owned else BORROW)
    else:
        out += bytes((FUTURE if isinstance(ty, FutureType) else STREAM, int(ty.inner is not None)))
        if ty.inner is not None:
            _write(out, ty.inner, inner, nodes)
