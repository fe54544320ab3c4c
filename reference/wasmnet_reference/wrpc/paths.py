"""Where the data of a pending future or stream travels (wrpc.md §3, "Parameters, results and
paths").

Parameter or result ``i`` is ``[i]``; a record field or tuple element ``j`` appends ``j``; a list
element ``k`` appends ``k``. Variant, option and result payloads are **[ambiguous]**:

- ``PayloadPathReading.UPSTREAM`` (the reference's default, the upstream Rust reading): a payload
  appends nothing, its async data travels on the parent's path;
- ``PayloadPathReading.INDEXED`` (SPEC.md's "variant members are indexed"): a payload appends its
  case index (option ``some`` = 1, result ``ok`` = 0 / ``err`` = 1).

Stream elements would append their index too, but the reference supports no async value inside
a stream element or a future value (``signature.py``), so such paths never occur.

:func:`map_async` walks a value along its type and lets a visitor replace what sits at each
future/stream position, with the position's path; it is how both directions find pending values.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from wasmnet_reference.errors import EncodeError
from wasmnet_reference.framing.events import Path
from wasmnet_reference.rules import Rule
from wasmnet_reference.values import Err, Ok, Some, VariantValue
from wasmnet_reference.wit.types import (
    FutureType,
    ListType,
    OptionType,
    RecordType,
    ResultType,
    StreamType,
    TupleType,
    VariantType,
    WitType,
    children,
)

AsyncType = FutureType | StreamType

# Case indexes of option and result payloads (wrpc.md §4: option 01 = some; result 00 ok, 01 err).
OPTION_SOME_INDEX = 1
RESULT_OK_INDEX = 0
RESULT_ERR_INDEX = 1


class PayloadPathReading(enum.Enum):
    """The two readings of variant/option/result payload paths (``Ambiguity``
    ``variant-payload-path``)."""

    UPSTREAM = "upstream"
    INDEXED = "indexed"


@dataclass(frozen=True)
class AsyncSlot:
    """A pending future or stream received on the root channel: its data follows on ``path``."""

    path: Path
    type: AsyncType


@functools.lru_cache(maxsize=4096)
def has_async(ty: WitType) -> bool:
    """True if ``ty`` is or contains a future or stream (cached: types are hashable)."""
    return isinstance(ty, (FutureType, StreamType)) or any(has_async(c) for c in children(ty))


def _payloads(ty: OptionType | ResultType | VariantType) -> list[tuple[int, WitType]]:
    """(case index, payload type) of every case that has a payload."""
    if isinstance(ty, OptionType):
        return [(OPTION_SOME_INDEX, ty.inner)]
    if isinstance(ty, ResultType):
        sides = ((RESULT_OK_INDEX, ty.ok), (RESULT_ERR_INDEX, ty.err))
        return [(i, t) for i, t in sides if t is not None]
    return [(i, c.type) for i, c in enumerate(ty.cases) if c.type is not None]


def possible_async_path(types: Sequence[WitType], path: Path, reading: PayloadPathReading) -> bool:
    """Whether some value of ``types`` (a parameter or result tuple) can have a pending future or
    stream at ``path``. Used before the root value is known, to reject impossible paths early."""
    if not path or path[0] >= len(types):
        return False
    return _possible(types[path[0]], path[1:], reading)


def _possible(ty: WitType, rest: Path, reading: PayloadPathReading) -> bool:
    if not has_async(ty):
        return False
    if isinstance(ty, (FutureType, StreamType)):
        return not rest
    if isinstance(ty, ListType):
        return bool(rest) and _possible(ty.element, rest[1:], reading)
    if isinstance(ty, (TupleType, RecordType)):
        parts = children(ty)
        return bool(rest) and rest[0] < len(parts) and _possible(parts[rest[0]], rest[1:], reading)
    if isinstance(ty, (OptionType, ResultType, VariantType)):
        if reading is PayloadPathReading.UPSTREAM:
            return any(_possible(t, rest, reading) for _, t in _payloads(ty))
        return bool(rest) and any(
            i == rest[0] and _possible(t, rest[1:], reading) for i, t in _payloads(ty)
        )
    return False


Visitor = Callable[[Path, AsyncType, Any], Any]
"""Called at each future/stream position with its path, type and the value there; returns the
value to put in its place."""


def map_async(
    values: Sequence[Any], types: Sequence[WitType], reading: PayloadPathReading, visit: Visitor
) -> tuple[Any, ...]:
    """``values`` (a parameter or result tuple) with every future/stream position replaced by
    ``visit(path, type, value)``. Subtrees without async types are returned as they are."""
    if len(values) != len(types):
        raise EncodeError(Rule.VALUE_OUT_OF_TYPE, f"{len(values)} values for {len(types)} types")
    return tuple(
        _map(value, ty, (index,), reading, visit)
        for index, (value, ty) in enumerate(zip(values, types, strict=True))
    )


def _map(value: Any, ty: WitType, path: Path, reading: PayloadPathReading, visit: Visitor) -> Any:
    if not has_async(ty):
        return value
    if isinstance(ty, (FutureType, StreamType)):
        return visit(path, ty, value)
    if isinstance(ty, ListType):
        if not isinstance(value, list):
            raise _mismatch(value, "list")
        return [_map(v, ty.element, (*path, k), reading, visit) for k, v in enumerate(value)]
    if isinstance(ty, TupleType):
        if not isinstance(value, tuple) or len(value) != len(ty.elements):
            raise _mismatch(value, f"tuple of {len(ty.elements)}")
        return tuple(
            _map(v, t, (*path, j), reading, visit)
            for j, (v, t) in enumerate(zip(value, ty.elements, strict=True))
        )
    if isinstance(ty, RecordType):
        names = [f.name for f in ty.fields]
        if not isinstance(value, dict) or set(value) != set(names):
            raise _mismatch(value, f"record {ty.name} with fields {names}")
        return {
            f.name: _map(value[f.name], f.type, (*path, j), reading, visit)
            for j, f in enumerate(ty.fields)
        }
    if isinstance(ty, OptionType):
        if value is None:
            return None
        if not isinstance(value, Some):
            raise _mismatch(value, "None or Some")
        return Some(_map(value.value, ty.inner, _case(path, OPTION_SOME_INDEX, reading), reading,
                         visit))
    if isinstance(ty, ResultType):
        if isinstance(value, Ok):
            if ty.ok is None:
                return value
            return Ok(_map(value.value, ty.ok, _case(path, RESULT_OK_INDEX, reading), reading,
                           visit))
        if isinstance(value, Err):
            if ty.err is None:
                return value
            return Err(_map(value.value, ty.err, _case(path, RESULT_ERR_INDEX, reading), reading,
                            visit))
        raise _mismatch(value, "Ok or Err")
    if isinstance(ty, VariantType):
        if isinstance(value, VariantValue):
            for index, case in enumerate(ty.cases):
                if case.name == value.case:
                    if case.type is None:
                        return value
                    payload = _map(value.payload, case.type, _case(path, index, reading),
                                   reading, visit)
                    return VariantValue(value.case, payload)
        raise _mismatch(value, f"variant {ty.name} case {[c.name for c in ty.cases]}")
    return value  # handles, primitives, enums, flags: has_async is False above


def _case(path: Path, index: int, reading: PayloadPathReading) -> Path:
    return (*path, index) if reading is PayloadPathReading.INDEXED else path


def _mismatch(value: Any, expected: str) -> EncodeError:
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return EncodeError(
        Rule.VALUE_OUT_OF_TYPE, f"{expected} expected, got {type(value).__name__} {text}"
    )
