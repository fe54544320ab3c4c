"""Sending futures and streams that the application hands over (results of a handler,
parameters of a call).

At a stream position the application may give:

- any async iterable of chunks (lists of elements), e.g. an async generator or an
  ``IncomingStream`` being relayed: sent as a pending stream, chunk by chunk (empty chunks are
  skipped), then the end marker;
- a plain ``list`` of elements: a pending stream of that one chunk, then the end marker;
- ``Ready(list)``: a ready stream, complete on the root (``Ready([])`` has no ready wire form,
  wrpc.md §3: it is sent as a pending stream that ends at once).

At a future position: any awaitable (an ``IncomingFuture`` too), sent as a pending future and
its value once it resolves; ``Ready(v)`` or a plain value: ready on the root.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterable, Awaitable, Sequence
from typing import Any

from wasmnet_reference.errors import EncodeError
from wasmnet_reference.framing.events import Path
from wasmnet_reference.rules import Rule
from wasmnet_reference.values import PENDING, Ready, Value
from wasmnet_reference.wit.types import FutureType, StreamType, WitType
from wasmnet_reference.wrpc.connection import Connection
from wasmnet_reference.wrpc.invocation import _Endpoint
from wasmnet_reference.wrpc.paths import AsyncType, PayloadPathReading, map_async

OutgoingStream = AsyncIterable[list[Value]]
OutgoingFuture = Awaitable[Value]

Sources = dict[Path, tuple[AsyncType, Any]]
"""Per pending path: its type and what produces its data."""


def prepare_outgoing(
    values: Sequence[Any], types: Sequence[WitType], reading: PayloadPathReading
) -> tuple[tuple[Any, ...], Sources]:
    """``values`` with ``PENDING`` wherever data will follow on a path (and ``Ready`` where a
    value is complete on the root), plus the source of each pending path's data."""
    sources: Sources = {}

    def visit(path: Path, ty: AsyncType, value: Any) -> Any:
        if value is PENDING:
            raise EncodeError(
                Rule.VALUE_OUT_OF_TYPE,
                f"PENDING at {list(path)} has no data: give an async iterable, awaitable or "
                "Ready value",
            )
        if isinstance(ty, StreamType):
            if isinstance(value, Ready):
                if not isinstance(value.value, list):
                    raise EncodeError(Rule.VALUE_OUT_OF_TYPE, "Ready(list) expected for a stream")
                if value.value:
                    return value
                sources[path] = (ty, [])
                return PENDING
            if isinstance(value, list) or hasattr(value, "__aiter__"):
                sources[path] = (ty, value)
                return PENDING
            raise EncodeError(
                Rule.VALUE_OUT_OF_TYPE,
                f"stream at {list(path)}: an async iterable of chunks, a list or Ready(list) "
                f"expected, got {type(value).__name__}",
            )
        if isinstance(value, Ready):
            return value
        if inspect.isawaitable(value):
            sources[path] = (ty, value)
            return PENDING
        return Ready(value)

    wire = map_async(values, types, reading, visit)
    return wire, sources


async def send_sources(conn: Connection, endpoint: _Endpoint, sources: Sources) -> None:
    """Send every pending path's data concurrently; the first failure cancels the rest and
    propagates."""
    if not sources:
        return
    tasks = [
        asyncio.ensure_future(_send_one(conn, endpoint, path, ty, source))
        for path, (ty, source) in sources.items()
    ]
    try:
        await asyncio.gather(*tasks)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def _send_one(
    conn: Connection, endpoint: _Endpoint, path: Path, ty: AsyncType, source: Any
) -> None:
    if isinstance(ty, FutureType):
        value = await source
        await conn.write(endpoint.send_future(path, value))
        return
    if isinstance(source, list):
        if source:
            await conn.write(endpoint.send_chunk(path, source))
    else:
        async for chunk in source:
            if not isinstance(chunk, (list, tuple)):
                raise EncodeError(
                    Rule.VALUE_OUT_OF_TYPE,
                    f"stream at {list(path)}: chunks are lists of elements, got "
                    f"{type(chunk).__name__}",
                )
            if chunk:
                await conn.write(endpoint.send_chunk(path, list(chunk)))
    await conn.write(endpoint.send_end(path))


def discard_sources(sources: Sources) -> None:
    """Close coroutine sources that will never be sent (avoids never-awaited warnings)."""
    for _ty, source in sources.values():
        if inspect.iscoroutine(source):
            source.close()
