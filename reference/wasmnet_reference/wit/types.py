"""The WIT type model: every WIT type that has a wire form in wRPC.

Spec: ../shared/specs/wrpc.md section 4 (value encoding table). Types without a wire form
(fixed-size lists, ``map``, ``error-context``) are deliberately absent: the loader rejects them.

Named types (record, variant, enum, flags, resource) carry their WIT name so that WIT text can
be printed back; anonymous types (list, tuple, option, result, handles, future, stream) do not.
All classes are frozen and hashable so types can be used as cache keys.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Prim(enum.Enum):
    """Primitive types; the value is the WIT keyword."""

    BOOL = "bool"
    S8 = "s8"
    U8 = "u8"
    S16 = "s16"
    U16 = "u16"
    S32 = "s32"
    U32 = "u32"
    S64 = "s64"
    U64 = "u64"
    F32 = "f32"
    F64 = "f64"
    CHAR = "char"
    STRING = "string"

    @property
    def is_integer(self) -> bool:
        return self in _INT_RANGES

    @property
    def bits(self) -> int:
        """Bit width of an integer or float type (0 for the others)."""
        return _BITS.get(self, 0)

    @property
    def signed(self) -> bool:
        return self in (Prim.S8, Prim.S16, Prim.S32, Prim.S64)

    @property
    def int_range(self) -> tuple[int, int]:
        """Inclusive (min, max) of an integer type."""
        return _INT_RANGES[self]


_BITS: dict[Prim, int] = {
    Prim.S8: 8, Prim.U8: 8, Prim.S16: 16, Prim.U16: 16, Prim.S32: 32, Prim.U32: 32,
    Prim.S64: 64, Prim.U64: 64, Prim.F32: 32, Prim.F64: 64,
}
_INT_RANGES: dict[Prim, tuple[int, int]] = {
    p: ((-(1 << (b - 1)), (1 << (b - 1)) - 1) if p.value.startswith("s") else (0, (1 << b) - 1))
    for p, b in _BITS.items()
    if p not in (Prim.F32, Prim.F64)
}


@dataclass(frozen=True)
class ListType:
    element: WitType


@dataclass(frozen=True)
class TupleType:
    elements: tuple[WitType, ...]


@dataclass(frozen=True)
class Field:
    name: str
    type: WitType


@dataclass(frozen=True)
class RecordType:
    name: str
    fields: tuple[Field, ...]


@dataclass(frozen=True)
class Case:
    name: str
    type: WitType | None


@dataclass(frozen=True)
class VariantType:
    name: str
    cases: tuple[Case, ...]


@dataclass(frozen=True)
class EnumType:
    name: str
    cases: tuple[str, ...]


@dataclass(frozen=True)
class OptionType:
    inner: WitType


@dataclass(frozen=True)
class ResultType:
    """``result<ok, err>``; either side may be absent (all four shapes)."""

    ok: WitType | None
    err: WitType | None


@dataclass(frozen=True)
class FlagsType:
    name: str
    labels: tuple[str, ...]

    @property
    def byte_width(self) -> int:
        """Spec section 4: exactly ceil(N/8) bytes."""
        return (len(self.labels) + 7) // 8


@dataclass(frozen=True)
class HandleType:
    """``own<R>`` / ``borrow<R>``: travels as ``list<u8>`` (spec section 3, Resources)."""

    resource: str
    owned: bool


@dataclass(frozen=True)
class FutureType:
    inner: WitType | None


@dataclass(frozen=True)
class StreamType:
    inner: WitType | None


WitType = (
    Prim
    | ListType
    | TupleType
    | RecordType
    | VariantType
    | EnumType
    | OptionType
    | ResultType
    | FlagsType
    | HandleType
    | FutureType
    | StreamType
)


def children(t: WitType) -> tuple[WitType, ...]:
    """Direct component types of ``t`` (payload-less cases contribute nothing)."""
    if isinstance(t, ListType):
        return (t.element,)
    if isinstance(t, TupleType):
        return t.elements
    if isinstance(t, RecordType):
        return tuple(f.type for f in t.fields)
    if isinstance(t, VariantType):
        return tuple(c.type for c in t.cases if c.type is not None)
    if isinstance(t, OptionType):
        return (t.inner,)
    if isinstance(t, ResultType):
        return tuple(x for x in (t.ok, t.err) if x is not None)
    if isinstance(t, (FutureType, StreamType)):
        return () if t.inner is None else (t.inner,)
    return ()


def depth(t: WitType) -> int:
    """Nesting depth of a type: 1 for a leaf."""
    return 1 + max((depth(c) for c in children(t)), default=0)


def is_async(t: WitType) -> bool:
    """True if ``t`` is or contains a future or stream (spec section 3: sent as pending)."""
    return isinstance(t, (FutureType, StreamType)) or any(is_async(c) for c in children(t))


def named_types(t: WitType) -> list[WitType]:
    """Named types reachable from ``t`` (dependencies first, each once) plus resource names."""
    out: list[WitType] = []

    def visit(x: WitType) -> None:
        for c in children(x):
            visit(c)
        if isinstance(x, (RecordType, VariantType, EnumType, FlagsType)) and x not in out:
            out.append(x)

    visit(t)
    return out


def resources(t: WitType) -> list[str]:
    """Resource names used by handles inside ``t``, each once, in first-use order."""
    out: list[str] = []

    def visit(x: WitType) -> None:
        if isinstance(x, HandleType) and x.resource not in out:
            out.append(x.resource)
        for c in children(x):
            visit(c)

    visit(t)
    return out
