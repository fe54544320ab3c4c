"""Received futures and streams as the application sees them: ``IncomingFuture`` (awaitable)
and ``IncomingStream`` (pull-based: ``async for chunk in stream``).

Chunks wait in the stream's queue until the consumer takes them. A per-connection
``ReceiveBudget`` counts the wire bytes queued; above ``max_buffered_bytes`` the connection
stops reading until consumers catch up, so a slow consumer slows the sender instead of growing
memory (wrpc.md §1: TCP flow control carries the backpressure to the peer).

A stream or future that was *ready* on the root is handed over the same way (already complete;
``ready_on_root`` tells), so an application never needs to tell the two wire forms apart.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Generator
from typing import Any

from wasmnet_reference.framing.events import Path
from wasmnet_reference.values import Ready, Value
from wasmnet_reference.wit.types import FutureType, StreamType, WitType
from wasmnet_reference.wrpc.connection import TransportStats
from wasmnet_reference.wrpc.events import Event, FutureReady, StreamChunk, StreamEnded
from wasmnet_reference.wrpc.paths import AsyncSlot, AsyncType, PayloadPathReading, map_async


class ReceiveBudget:
    """Wire bytes of received chunks not yet taken by consumers, for one connection."""

    def __init__(self, limit: int, stats: TransportStats) -> None:
        self.limit = limit
        self.buffered = 0
        self._stats = stats
        self._below = asyncio.Event()
        self._below.set()

    @property
    def over(self) -> bool:
        return self.buffered > self.limit

    def add(self, size: int) -> None:
        self.buffered += size
        if self.buffered > self._stats.receive_buffer_high_water:
            self._stats.receive_buffer_high_water = self.buffered
        if self.over:
            self._below.clear()

    def release(self, size: int) -> None:
        self.buffered -= size
        if not self.over:
            self._below.set()

    async def wait_below(self) -> None:
        await self._below.wait()


class IncomingStream:
    """A received ``stream<T>``: iterate to get chunks (lists of decoded elements) as they
    arrive; iteration ends at the end marker. If the invocation fails, iteration raises
    ``InvocationFailed`` after the chunks already received. One consumer at a time."""

    def __init__(
        self, path: Path, ty: StreamType, budget: ReceiveBudget, *, ready_on_root: bool = False
    ) -> None:
        self.path = path
        self.type = ty
        self.ready_on_root = ready_on_root
        self._budget = budget
        self._chunks: deque[tuple[list[Value], int]] = deque()
        self._ended = False
        self._error: BaseException | None = None
        self._wakeup = asyncio.Event()
        self._discard = False

    @property
    def ended(self) -> bool:
        """The end marker arrived (chunks may still be queued)."""
        return self._ended

    def __aiter__(self) -> AsyncIterator[list[Value]]:
        return self

    async def __anext__(self) -> list[Value]:
        while True:
            if self._chunks:
                items, size = self._chunks.popleft()
                self._budget.release(size)
                return items
            if self._error is not None:
                raise self._error
            if self._ended:
                raise StopAsyncIteration
            self._wakeup.clear()
            await self._wakeup.wait()

    async def read_all(self) -> list[Value]:
        """Every element until the end marker."""
        out: list[Value] = []
        async for chunk in self:
            out.extend(chunk)
        return out

    def _push(self, items: list[Value], size: int) -> None:
        if self._discard:
            return
        self._chunks.append((items, size))
        self._budget.add(size)
        self._wakeup.set()

    def _end(self) -> None:
        self._ended = True
        self._wakeup.set()

    def _fail(self, error: BaseException) -> None:
        if not self._ended:
            self._error = error
            self._wakeup.set()

    def _abandon(self) -> None:
        """Nobody will read any more: drop queued and future chunks (and their budget)."""
        self._discard = True
        while self._chunks:
            self._budget.release(self._chunks.popleft()[1])

    def __repr__(self) -> str:
        return f"IncomingStream(path={list(self.path)})"


class IncomingFuture:
    """A received ``future<T>``: ``await`` it for the value (``None`` for ``future`` without a
    type). Raises ``InvocationFailed`` if the invocation fails first."""

    def __init__(self, path: Path, ty: FutureType, *, ready_on_root: bool = False) -> None:
        self.path = path
        self.type = ty
        self.ready_on_root = ready_on_root
        self._event = asyncio.Event()
        self._value: Value = None
        self._error: BaseException | None = None

    def done(self) -> bool:
        return self._event.is_set()

    async def _wait(self) -> Value:
        await self._event.wait()
        if self._error is not None:
            raise self._error
        return self._value

    def __await__(self) -> Generator[Any, None, Value]:
        return self._wait().__await__()

    def _resolve(self, value: Value) -> None:
        if not self._event.is_set():
            self._value = value
            self._event.set()

    def _fail(self, error: BaseException) -> None:
        if not self._event.is_set():
            self._error = error
            self._event.set()

    def __repr__(self) -> str:
        return f"IncomingFuture(path={list(self.path)})"


Incoming = IncomingStream | IncomingFuture


class Channels:
    """The incoming futures and streams of one invocation, by path."""

    def __init__(self, budget: ReceiveBudget, reading: PayloadPathReading) -> None:
        self.budget = budget
        self.reading = reading
        self.by_path: dict[Path, Incoming] = {}

    def live(self, values: tuple[Any, ...], types: tuple[WitType, ...]) -> tuple[Any, ...]:
        """The root values with ``AsyncSlot``s and ready futures/streams replaced by
        ``IncomingFuture``/``IncomingStream`` objects."""
        return map_async(values, types, self.reading, self._make)

    def _make(self, path: Path, ty: AsyncType, value: Any) -> Incoming:
        ready = not isinstance(value, AsyncSlot)
        incoming: Incoming
        if isinstance(ty, StreamType):
            incoming = IncomingStream(path, ty, self.budget, ready_on_root=ready)
            if ready:
                assert isinstance(value, Ready) and isinstance(value.value, list)
                if value.value:
                    incoming._push(value.value, 0)
                incoming._end()
        else:
            incoming = IncomingFuture(path, ty, ready_on_root=ready)
            if ready:
                assert isinstance(value, Ready)
                incoming._resolve(value.value)
        self.by_path[path] = incoming
        return incoming

    def dispatch(self, event: Event) -> None:
        """Route a path event to its future or stream."""
        if isinstance(event, StreamChunk):
            target = self.by_path[event.path]
            assert isinstance(target, IncomingStream)
            target._push(event.items, event.size)
        elif isinstance(event, StreamEnded):
            target = self.by_path[event.path]
            assert isinstance(target, IncomingStream)
            target._end()
        elif isinstance(event, FutureReady):
            future = self.by_path[event.path]
            assert isinstance(future, IncomingFuture)
            future._resolve(event.value)

    def fail_all(self, error: BaseException) -> None:
        for incoming in self.by_path.values():
            incoming._fail(error)

    def abandon_all(self) -> None:
        for incoming in self.by_path.values():
            if isinstance(incoming, IncomingStream):
                incoming._abandon()

    async def collect(
        self, live: tuple[Any, ...], types: tuple[WitType, ...]
    ) -> tuple[Any, ...]:
        """``live`` with every incoming future/stream awaited, concurrently (so one slow path
        cannot stall the others behind the receive budget), as ``Ready(...)``."""
        paths = list(self.by_path)
        results = await asyncio.gather(*(_complete(self.by_path[p]) for p in paths))
        done = dict(zip(paths, results, strict=True))
        return map_async(live, types, self.reading, lambda path, _ty, _v: Ready(done[path]))


async def _complete(incoming: Incoming) -> Value:
    if isinstance(incoming, IncomingStream):
        return await incoming.read_all()
    return await incoming
