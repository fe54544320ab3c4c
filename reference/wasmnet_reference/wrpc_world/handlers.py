"""The reference handlers of the conformance world (docs/conformance-world.md).

``handlers()`` maps (instance, wire function name) to an async handler following the contract
of ``wasmnet_reference.wrpc``: parameters arrive decoded (futures and streams as incoming
objects), the handler returns the result value, and raising makes the call fail (the server
closes the connection before a complete result, wrpc.md §1).

Each call of ``handlers()`` gets its own counter table, so two servers never share state.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from wasmnet_reference.values import Err, Handle, Ok
from wasmnet_reference.wit.types import (
    Field,
    FutureType,
    Prim,
    RecordType,
    StreamType,
    WitType,
)
from wasmnet_reference.wrpc_world import world
from wasmnet_reference.wrpc_world.counters import DEFAULT_CAPACITY, U64_MODULUS, CounterTable
from wasmnet_reference.wrpc_world.relay import Deferred, relay, relay_stream

Handler = Callable[..., Awaitable[Any]]
HandlerKey = tuple[str, str]


class CallFailure(RuntimeError):
    """A call the world defines as failing (fail(), count over its bound, hang() giving up)."""


# Synchronous echo functions: the result is the parameter, unchanged (type-independent).
ECHO_FUNCTIONS: tuple[str, ...] = (
    "echo-bool", "echo-s8", "echo-u8", "echo-s16", "echo-u16", "echo-s32", "echo-u32",
    "echo-s64", "echo-u64", "echo-f32", "echo-f64", "echo-char", "echo-string",
    "echo-list-u8", "echo-list-u32", "echo-list-string", "echo-list-list-u8", "echo-list-bool",
    "echo-list-char", "echo-list-f32", "echo-list-f64", "echo-list-option-u8", "echo-list-point",
    "echo-list-option-point", "echo-list-shape", "echo-list-depth64",
    "echo-tuple", "echo-tuple3", "echo-tuple-nested", "echo-tuple-result-list",
    "echo-point", "echo-person", "echo-scene", "echo-kitchen-sink", "echo-shape", "echo-wide",
    "echo-toggle", "echo-color", "echo-enum-many",
    "echo-option-u8", "echo-option-bool", "echo-option-string", "echo-option-option-u8",
    "echo-option3-u32", "echo-option-depth64", "echo-option-result",
    "echo-result-bool-string", "echo-result-ok-u8", "echo-result-err-u8", "echo-result-empty",
    "echo-flags1", "echo-perms", "echo-flags8", "echo-flags9", "echo-flags16", "echo-flags32",
)
# Handles are opaque bytes (wrpc.md §3): echoing one returns the same bytes, nothing is looked up.
RESOURCE_ECHO_FUNCTIONS: tuple[str, ...] = (
    "echo-own-r", "echo-borrow-r", "echo-list-borrow-r", "echo-holder",
)

POINT = RecordType("point", (Field("x", Prim.S32), Field("y", Prim.S32)))
JOB = RecordType("job", (Field("id", Prim.U32), Field("done", FutureType(Prim.BOOL))))
PAIR = RecordType(
    "pair",
    (Field("left", StreamType(Prim.U32)), Field("right", StreamType(Prim.STRING))),
)
# Async echo functions and their parameter type (= result type); the relay needs the type.
ASYNC_ECHO_TYPES: dict[str, WitType] = {
    "echo-future-u32": FutureType(Prim.U32),
    "echo-future-u8": FutureType(Prim.U8),
    "echo-future-bool": FutureType(Prim.BOOL),
    "echo-future-string": FutureType(Prim.STRING),
    "echo-future-unit": FutureType(None),
    "echo-job": JOB,
    "echo-stream-u8": StreamType(Prim.U8),
    "echo-stream-bool": StreamType(Prim.BOOL),
    "echo-stream-u32": StreamType(Prim.U32),
    "echo-stream-string": StreamType(Prim.STRING),
    "echo-stream-unit": StreamType(None),
    "echo-stream-point": StreamType(POINT),
    "two-streams": PAIR,
}


async def _identity(v: Any) -> Any:
    return v


def _async_echo(t: WitType) -> Handler:
    async def handler(v: Any) -> Any:
        return relay(t, v)

    return handler


async def _range_chunks(n: int) -> AsyncIterator[list[Any]]:
    """0, 1, ..., n-1 in chunks of at most CHUNK_ELEMENTS."""
    for start in range(0, n, world.CHUNK_ELEMENTS):
        yield list(range(start, min(n, start + world.CHUNK_ELEMENTS)))


async def _ping() -> str:
    return world.PING_REPLY


async def _constant() -> str:
    return world.CONSTANT


async def _sink(v: Any) -> None:
    return None


async def _fail() -> int:
    raise CallFailure("fail() always fails")


def _hang(limit_s: float) -> Handler:
    async def hang() -> int:
        # Cancellable: the server cancels it when the connection closes.
        await asyncio.sleep(limit_s)
        raise CallFailure(f"hang() gave up after {limit_s} s")

    return hang


async def _echo_many(a: Any, b: Any, c: Any, d: Any) -> Any:
    return (a, b, c, d)


async def _future_of(v: Any) -> Deferred:
    async def later() -> Any:
        await asyncio.sleep(0)
        return v

    return Deferred(later)


async def _count(n: int) -> AsyncIterator[list[Any]]:
    if n > world.COUNT_MAX:
        raise CallFailure(f"count({n}): n exceeds {world.COUNT_MAX}")
    return _range_chunks(n)


async def _stream_result(n: int) -> Ok | Err:
    if n > world.STREAM_RESULT_MAX:
        return Err(world.STREAM_RESULT_TOO_MANY)
    return Ok(_range_chunks(n))  # type: ignore[arg-type]  # a stream position takes an iterator


async def _sum(v: Any) -> int:
    total = 0
    async for chunk in relay_stream(Prim.U32, v):
        total = (total + sum(chunk)) % U64_MODULUS
    return total


def _counter_handlers(table: CounterTable) -> dict[str, Handler]:
    async def construct(start: int) -> Handle:
        return Handle(table.create(start))

    async def get(self: Handle) -> int:
        return table.get(self.data)

    async def increment(self: Handle) -> int:
        return table.increment(self.data)

    return {"counter": construct, "counter.get": get, "counter.increment": increment}


def handlers(
    *,
    counter_capacity: int = DEFAULT_CAPACITY,
    hang_limit_s: float = world.HANG_LIMIT_S,
) -> dict[HandlerKey, Handler]:
    """Every function of the conformance world, keyed by (instance, wire function name)."""
    out: dict[HandlerKey, Handler] = {(world.WORLD_INSTANCE, "ping"): _ping}
    for name in ECHO_FUNCTIONS:
        out[(world.ECHO, name)] = _identity
    out.update({
        (world.ECHO, "echo-many"): _echo_many,
        (world.ECHO, "constant"): _constant,
        (world.ECHO, "sink"): _sink,
        (world.ECHO, "fail"): _fail,
        (world.ECHO, "hang"): _hang(hang_limit_s),
    })
    for name, t in ASYNC_ECHO_TYPES.items():
        out[(world.ASYNC_ECHO, name)] = _async_echo(t)
    out.update({
        (world.ASYNC_ECHO, "future-of"): _future_of,
        (world.ASYNC_ECHO, "stream-result"): _stream_result,
        (world.ASYNC_ECHO, "count"): _count,
        (world.ASYNC_ECHO, "sum"): _sum,
    })
    for name in RESOURCE_ECHO_FUNCTIONS:
        out[(world.RESOURCES, name)] = _identity
    for name, handler in _counter_handlers(CounterTable(counter_capacity)).items():
        out[(world.RESOURCES, name)] = handler
    return out
