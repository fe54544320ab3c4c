"""The reference wRPC client (wrpc.md §1-§3): one new connection per invocation, an asyncio
shell around ``ClientInvocation``.

``invoke`` sends the header and parameters, the data of pending future/stream parameters, and
half-closes its write side once all of it is sent (SPEC.md: MUST). It reads results until the
server's end-of-stream: trailing or malformed bytes are caught, not ignored.

- ``collect=True`` (default): waits for all async result data and the end-of-stream; returns a
  plain value with every stream as ``Ready(list)`` and every future as ``Ready(value)``.
- ``collect=False``: returns as soon as the root result is complete, with
  ``IncomingStream``/``IncomingFuture`` objects at stream/future positions; a background task
  keeps reading (bounded by ``idle_timeout``) and closes the connection at the end.

The return value is the single result, or ``None`` for a function without result. Failures
raise ``InvocationFailed`` (server closed early, malformed or incomplete results with their
``rule``, connection refused or reset, idle timeout); ``timeout`` raises
``asyncio.TimeoutError``. A parameter that does not fit the signature raises ``EncodeError``
before anything is sent.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Sequence
from typing import Any

from wasmnet_reference.errors import EncodeError
from wasmnet_reference.rules import ErrorClass
from wasmnet_reference.wrpc.address import Address, open_stream, parse_address
from wasmnet_reference.wrpc.channels import Channels, ReceiveBudget
from wasmnet_reference.wrpc.connection import Connection, TransportStats
from wasmnet_reference.wrpc.errors import InvocationFailed, WrpcError, WrpcRule, rule_of
from wasmnet_reference.wrpc.events import Failed, ValuesReceived
from wasmnet_reference.wrpc.invocation import ClientInvocation
from wasmnet_reference.wrpc.limits import DEFAULT_WRPC_LIMITS, WrpcLimits
from wasmnet_reference.wrpc.outgoing import discard_sources, prepare_outgoing, send_sources
from wasmnet_reference.wrpc.paths import PayloadPathReading
from wasmnet_reference.wrpc.signature import Signature

_background: set[asyncio.Task[None]] = set()
"""Readers of ``collect=False`` invocations, kept referenced until they finish."""


async def invoke(
    address: str | Address,
    instance: str,
    function: str,
    signature: Signature,
    params: Sequence[Any],
    *,
    limits: WrpcLimits = DEFAULT_WRPC_LIMITS,
    timeout: float | None = None,
    collect: bool = True,
    payload_paths: PayloadPathReading = PayloadPathReading.UPSTREAM,
    stats: TransportStats | None = None,
) -> Any:
    """Call ``instance``/``function`` at ``address`` (``tcp://HOST:PORT``, ``unix:PATH``)."""
    return await asyncio.wait_for(
        _invoke(
            address if isinstance(address, Address) else parse_address(address),
            instance, function, signature, params, limits, collect, payload_paths,
            stats if stats is not None else TransportStats(),
        ),
        timeout,
    )


async def _invoke(
    address: Address,
    instance: str,
    function: str,
    signature: Signature,
    params: Sequence[Any],
    limits: WrpcLimits,
    collect: bool,
    reading: PayloadPathReading,
    stats: TransportStats,
) -> Any:
    wire, sources = prepare_outgoing(params, signature.params, reading)
    try:
        invocation = ClientInvocation(instance, function, signature, wire, limits, reading)
    except EncodeError:
        discard_sources(sources)
        raise
    try:
        reader, writer = await open_stream(address, limits.read_size)
    except OSError as e:
        discard_sources(sources)
        raise InvocationFailed(f"cannot connect to {address}: {e}") from e
    conn = Connection(reader, writer, limits, stats)
    budget = ReceiveBudget(limits.max_buffered_bytes, stats)
    channels = Channels(budget, reading)
    results: asyncio.Future[tuple[Any, ...]] = asyncio.get_running_loop().create_future()

    async def send() -> None:
        await conn.write(invocation.start())
        await send_sources(conn, invocation, sources)
        await conn.write_eof()

    async def pump() -> None:
        while True:
            data = await conn.read()
            events = invocation.receive(data) if data else invocation.receive_eof()
            for event in events:
                if isinstance(event, Failed):
                    raise event.error
                if isinstance(event, ValuesReceived):
                    results.set_result(channels.live(event.values, signature.results))
                else:
                    channels.dispatch(event)
            if not data:
                return
            if budget.over:
                stats.receive_pauses += 1
                try:
                    await asyncio.wait_for(budget.wait_below(), limits.idle_timeout)
                except asyncio.TimeoutError:
                    stats.idle_timeouts += 1
                    raise WrpcError(
                        WrpcRule.IDLE_TIMEOUT,
                        f"results were not consumed for {limits.idle_timeout} s",
                    ) from None

    sender = asyncio.ensure_future(send())
    reading_task = asyncio.ensure_future(pump())
    run = _Run(conn, channels, sender, reading_task)
    handed_off = False
    try:
        live = await run.until(results)
        if collect:
            collected = await run.until(run.track(channels.collect(live, signature.results)))
            await run.until(reading_task)
            return _single(collected)
        task = asyncio.ensure_future(run.finish())
        _background.add(task)
        task.add_done_callback(_background.discard)
        handed_off = True
        return _single(live)
    finally:
        if not handed_off:
            await run.close()


def _single(values: tuple[Any, ...]) -> Any:
    return values[0] if values else None


class _Run:
    """The sender and reader tasks of one invocation, and how their failures surface."""

    def __init__(
        self,
        conn: Connection,
        channels: Channels,
        sender: asyncio.Future[None],
        reader: asyncio.Future[None],
    ) -> None:
        self.conn = conn
        self.channels = channels
        self.sender = sender
        self.reader = reader
        self.failure: InvocationFailed | None = None
        self.extra: list[asyncio.Future[Any]] = []

    def track(self, work: Coroutine[Any, Any, Any]) -> asyncio.Future[Any]:
        """Run ``work`` as a task that ``close`` cancels."""
        task = asyncio.ensure_future(work)
        self.extra.append(task)
        return task

    async def until(self, goal: asyncio.Future[Any]) -> Any:
        """Wait for ``goal``; raise ``InvocationFailed`` as soon as reading fails or sending
        fails for a reason other than the server going away (reading reports that one)."""
        while not goal.done():
            waiting = {goal} | {t for t in (self.reader, self.sender) if not t.done()}
            await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
            self._check()
        if goal is not self.reader:
            self._check()
        return goal.result()

    def _check(self) -> None:
        if self.reader.done() and not self.reader.cancelled():
            error = self.reader.exception()
            if error is not None:
                self._fail(error)
        if self.sender.done() and not self.sender.cancelled():
            error = self.sender.exception()
            if error is not None and not isinstance(error, (ConnectionError, BrokenPipeError)):
                self._fail(error, sending=True)

    def _fail(self, error: BaseException, *, sending: bool = False) -> None:
        if self.failure is None:
            if isinstance(error, InvocationFailed):
                self.failure = error
            elif sending:
                self.failure = InvocationFailed(
                    f"sending the parameters failed: {type(error).__name__}: {error}",
                    rule_of(error),
                )
            else:
                self.failure = InvocationFailed(_reason(error), rule_of(error))
            self.failure.__cause__ = error
            self.channels.fail_all(self.failure)
        raise self.failure

    async def finish(self) -> None:
        """Background end of a ``collect=False`` invocation: read to the end, then close."""
        try:
            await self.until(self.reader)
        except InvocationFailed:
            pass
        finally:
            await self.close()

    async def close(self) -> None:
        """Stop both tasks; close gracefully after success, abort otherwise."""
        ok = self.reader.done() and not self.reader.cancelled() and (
            self.reader.exception() is None
        )
        # The transport is closed (or closing) before the first await, which may be cancelled.
        if ok:
            self.conn.start_close()
        else:
            self.channels.fail_all(self.failure or InvocationFailed("the invocation was closed"))
            self.conn.abort()
        tasks = [self.sender, self.reader, *self.extra]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if ok:
            await self.conn.close()


def _reason(error: BaseException) -> str:
    """A failure message for the reader's exception."""
    if isinstance(error, WrpcError) and error.rule is WrpcRule.IDLE_TIMEOUT:
        return f"idle timeout: {error.detail}"
    rule = rule_of(error)
    if rule is not None and rule.error_class == ErrorClass.TRUNCATED:
        return f"the server closed the connection before complete results: {error}"
    if rule is not None:
        return f"malformed results: {error}"
    if isinstance(error, OSError):
        return f"connection failed: {type(error).__name__}: {error}"
    return f"{type(error).__name__}: {error}"
