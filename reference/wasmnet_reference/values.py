"""The value model: Python objects for WIT values, and exact equality between them.

Mapping (chosen so nested options and payload-less cases stay distinguishable):

=================  =========================================================
WIT type           Python value
=================  =========================================================
bool               ``bool``
s8 … u64           ``int``
f32, f64           ``float`` (an f32 value is always exactly representable as f32)
char               ``str`` of length 1
string             ``str``
list<T>            ``list``
tuple<…>           ``tuple``
record             ``dict[str, Value]`` in field order
variant            ``VariantValue(case, payload)``; payload ``None`` for a case without type
enum               ``EnumValue(case)``
option<T>          ``None`` for none, ``Some(value)`` for some
result<T, E>       ``Ok(value)`` / ``Err(value)``; value ``None`` when the side has no type
flags              ``frozenset[str]`` of set labels
own/borrow         ``Handle(bytes)`` (the opaque ``list<u8>`` blob, spec section 3)
future<T>          ``PENDING`` or ``Ready(value)``
stream<T>          ``PENDING`` or ``Ready(list)`` (a complete, ready stream)
=================  =========================================================
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass


@dataclass(frozen=True)
class Some:
    value: Value


@dataclass(frozen=True)
class Ok:
    value: Value


@dataclass(frozen=True)
class Err:
    value: Value


@dataclass(frozen=True)
class VariantValue:
    case: str
    payload: Value


@dataclass(frozen=True)
class EnumValue:
    case: str


@dataclass(frozen=True)
class Handle:
    data: bytes


class _Pending:
    """A future or stream whose data follows on its own path (spec section 3)."""

    _instance: _Pending | None = None

    def __new__(cls) -> _Pending:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "PENDING"


PENDING = _Pending()


@dataclass(frozen=True)
class Ready:
    value: Value


Value = (
    bool
    | int
    | float
    | str
    | list["Value"]
    | tuple["Value", ...]
    | dict[str, "Value"]
    | VariantValue
    | EnumValue
    | Some
    | Ok
    | Err
    | frozenset[str]
    | Handle
    | _Pending
    | Ready
    | None
)


def _float_key(x: float) -> bytes:
    """Bit pattern used for equality: all NaNs are one value, +0.0 and -0.0 differ."""
    return b"nan" if math.isnan(x) else struct.pack("<d", x)


def values_equal(a: Value, b: Value) -> bool:
    """Structural equality where NaN equals NaN and the sign of zero matters.

    ``bool`` and ``int`` never compare equal to each other (``True == 1`` in Python).
    """
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, float) or isinstance(b, float):
        return isinstance(a, float) and isinstance(b, float) and _float_key(a) == _float_key(b)
    if isinstance(a, (list, tuple)):
        return (
            type(a) is type(b)
            and len(a) == len(b)
            and all(values_equal(x, y) for x, y in zip(a, b, strict=False))
        )
    if isinstance(a, dict):
        return (
            isinstance(b, dict)
            and list(a) == list(b)
            and all(values_equal(a[k], b[k]) for k in a)
        )
    if isinstance(a, (Some, Ok, Err, Ready)):
        return type(a) is type(b) and values_equal(a.value, b.value)
    if isinstance(a, VariantValue):
        return (
            isinstance(b, VariantValue)
            and a.case == b.case
            and values_equal(a.payload, b.payload)
        )
    return type(a) is type(b) and a == b
