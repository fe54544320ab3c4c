"""Echo a value that contains futures or streams by relaying its async data as it arrives.

An echo handler must not wait for an incoming stream to end before answering: each chunk is
passed on as soon as it is read, elements unchanged (empty chunks are dropped: on the wire an
empty chunk ends a stream, wrpc.md §3). Type-directed, because a ready future or stream
(``Ready``) means different things at future and stream positions.

Incoming data follows the handler contract of ``wasmnet_reference.wrpc``: a stream is any
async-iterable of chunks (``list``) or a ``Ready(list)``; a future is any awaitable or a
``Ready(value)``. The relay returns, at stream positions, an async iterator of chunks and, at
future positions, an awaitable; both start reading only when the server consumes them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Generator
from typing import Any

from wasmnet_reference.values import Err, Ok, Ready, Some, VariantValue
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
    is_async,
)


class Deferred:
    """An awaitable that runs ``factory()`` only when awaited (no 'never awaited' warning when
    the server drops it unread, e.g. after the connection closed)."""

    def __init__(self, factory: Callable[[], Awaitable[Any]]) -> None:
        self._factory = factory

    def __await__(self) -> Generator[Any, None, Any]:
        return self._factory().__await__()


def relay(t: WitType, v: Any) -> Any:
    """The echo of ``v`` (of type ``t``) in the handler-result form."""
    if not is_async(t):
        return v
    if isinstance(t, FutureType):
        return relay_future(t.inner, v)
    if isinstance(t, StreamType):
        return relay_stream(t.inner, v)
    if isinstance(t, RecordType):
        return {f.name: relay(f.type, v[f.name]) for f in t.fields}
    if isinstance(t, TupleType):
        return tuple(relay(et, x) for et, x in zip(t.elements, v, strict=True))
    if isinstance(t, ListType):
        return [relay(t.element, x) for x in v]
    if isinstance(t, OptionType):
        return None if v is None else Some(relay(t.inner, v.value))
    if isinstance(t, ResultType):
        side = t.ok if isinstance(v, Ok) else t.err
        payload = None if side is None else relay(side, v.value)
        return Ok(payload) if isinstance(v, Ok) else Err(payload)
    if isinstance(t, VariantType):
        case = next(c for c in t.cases if c.name == v.case)
        payload = None if case.type is None else relay(case.type, v.payload)
        return VariantValue(v.case, payload)
    raise TypeError(f"cannot relay a value of type {t!r}")


def relay_future(inner: WitType | None, v: Any) -> Deferred:
    """An awaitable resolving to the (relayed) value of incoming future ``v``."""

    async def resolve() -> Any:
        value = v.value if isinstance(v, Ready) else await v
        return value if inner is None else relay(inner, value)

    return Deferred(resolve)


async def relay_stream(inner: WitType | None, v: Any) -> AsyncIterator[list[Any]]:
    """Chunks of incoming stream ``v``, each passed on as soon as it is read."""
    if isinstance(v, (Ready, list)):
        chunk: Any = v.value if isinstance(v, Ready) else v
        if chunk:
            yield _relay_chunk(inner, chunk)
        return
    async for chunk in v:
        if chunk:
            yield _relay_chunk(inner, chunk)


def _relay_chunk(inner: WitType | None, chunk: list[Any]) -> list[Any]:
    if inner is None or not is_async(inner):
        return list(chunk)
    return [relay(inner, x) for x in chunk]
