"""The reference wRPC server over TCP and Unix sockets (wrpc.md §1-§3), an asyncio shell around
``ServerInvocation``.

One connection is one invocation. The server reads the header and parameters; once the
parameter tuple is complete it calls the handler with the decoded values, futures and streams
handed over as ``IncomingFuture``/``IncomingStream`` (``channels.py``) while their data keeps
arriving. It sends the result, then the data of every pending future and stream in the result
(``outgoing.py``), and half-closes. It keeps reading until the client's end-of-stream.

A failed call (unknown function, malformed input, handler exception, idle timeout) closes the
connection at once, without complete results: wRPC has no in-band errors (wrpc.md §1).

Handler API (the contract for world implementations)::

    async def handler(*params) -> result   # None for a function without result

Parameters are decoded values (``values.py``); at future/stream positions (also nested in
records, lists, ...) they are ``IncomingFuture``/``IncomingStream`` objects. The result holds,
at future/stream positions, anything ``outgoing.py`` accepts (an async iterable of chunks, a
list, an awaitable, ``Ready(...)``). Raising fails the call.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import stat
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from wasmnet_reference.errors import EncodeError, WitError
from wasmnet_reference.rules import Rule
from wasmnet_reference.wit.loader import WitFunction, WitPackage
from wasmnet_reference.wrpc.address import Address, check_unix_available
from wasmnet_reference.wrpc.channels import (
    Channels,
    IncomingFuture,
    IncomingStream,
    ReceiveBudget,
)
from wasmnet_reference.wrpc.connection import Connection, TransportStats
from wasmnet_reference.wrpc.errors import (
    AnyRule,
    InvocationFailed,
    UnsupportedSignature,
    WrpcError,
    WrpcRule,
    rule_of,
)
from wasmnet_reference.wrpc.events import Failed, ValuesReceived
from wasmnet_reference.wrpc.invocation import ServerInvocation
from wasmnet_reference.wrpc.limits import DEFAULT_WRPC_LIMITS, WrpcLimits
from wasmnet_reference.wrpc.outgoing import (
    OutgoingFuture,
    OutgoingStream,
    discard_sources,
    prepare_outgoing,
    send_sources,
)
from wasmnet_reference.wrpc.paths import PayloadPathReading
from wasmnet_reference.wrpc.signature import Signature

__all__ = [
    "FailureRecord",
    "Handler",
    "IncomingFuture",
    "IncomingStream",
    "OutgoingFuture",
    "OutgoingStream",
    "ServedFunction",
    "Server",
    "ServerStats",
    "functions_from_wit",
]

Handler = Callable[..., Awaitable[Any]]

MAX_BACKLOG = 1024
RECENT_FAILURES = 64


@dataclass(frozen=True)
class ServedFunction:
    """A function the server answers: ``instance`` is the qualified interface name (``""`` for
    a world's own export), ``name`` the wire name (wrpc.md §2, Naming)."""

    instance: str
    name: str
    signature: Signature
    handler: Handler


@dataclass(frozen=True)
class FailureRecord:
    """Why an invocation failed: the broken rule (if received bytes broke one) and a message."""

    rule: AnyRule | None
    message: str


@dataclass
class ServerStats(TransportStats):
    """Server counters; ``active`` is the number of invocations being served now."""

    accepted: int = 0
    active: int = 0
    completed: int = 0
    failed: int = 0
    rejected: int = 0
    """Connections closed at once because ``max_concurrent`` invocations were active."""
    failures: deque[FailureRecord] = field(default_factory=lambda: deque(maxlen=RECENT_FAILURES))
    """The most recent failures (bounded)."""


class Server:
    """Serves ``functions`` on any number of TCP and Unix listeners.

    ``answer_after_eof`` (default): when the whole input (parameters and their async data) has
    arrived by the time the handler returns, the result is sent only after the client's
    end-of-stream, so input that turns out invalid (trailing root bytes, a frame on an unknown
    path) fails the call instead of following complete results. A conforming client half-closes
    right after its parameters (wrpc.md §1), so this costs it nothing. Calls whose input is
    still streaming when the handler returns are answered at once (relaying needs that).
    """

    def __init__(
        self,
        functions: Iterable[ServedFunction],
        *,
        limits: WrpcLimits = DEFAULT_WRPC_LIMITS,
        payload_paths: PayloadPathReading = PayloadPathReading.UPSTREAM,
        answer_after_eof: bool = True,
    ) -> None:
        self._functions: dict[tuple[str, str], ServedFunction] = {}
        for fn in functions:
            key = (fn.instance, fn.name)
            if key in self._functions:
                raise ValueError(f"function {fn.name!r} of {fn.instance!r} is given twice")
            self._functions[key] = fn
        self.limits = limits
        self.payload_paths = payload_paths
        self.answer_after_eof = answer_after_eof
        self.stats = ServerStats()
        self._listeners: list[asyncio.AbstractServer] = []
        self._addresses: list[str] = []
        self._unix_paths: list[str] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._closing = False

    # ------------------------------------------------------------------ lifecycle

    @property
    def addresses(self) -> list[str]:
        """Every listening address, as ``tcp://HOST:PORT`` / ``unix:PATH``."""
        return list(self._addresses)

    @property
    def functions(self) -> dict[tuple[str, str], ServedFunction]:
        return dict(self._functions)

    async def start_tcp(self, host: str = "127.0.0.1", port: int = 0) -> tuple[str, int]:
        """Listen on TCP; returns the bound (host, port) of the first socket."""
        listener = await asyncio.start_server(
            self._on_connect, host, port, limit=self.limits.read_size, backlog=self._backlog()
        )
        self._listeners.append(listener)
        bound: list[tuple[str, int]] = []
        for sock in listener.sockets:
            name = sock.getsockname()
            bound.append((str(name[0]), int(name[1])))
            self._addresses.append(str(Address("tcp", host=str(name[0]), port=int(name[1]))))
        return bound[0]

    async def start_unix(self, path: str) -> str:
        """Listen on a Unix socket at ``path`` (which must not exist). Raises
        ``UnixSocketsUnavailable`` where AF_UNIX is not available."""
        check_unix_available()
        listener = await asyncio.start_unix_server(
            self._on_connect, path, limit=self.limits.read_size, backlog=self._backlog()
        )
        self._listeners.append(listener)
        self._unix_paths.append(path)
        self._addresses.append(str(Address("unix", path=path)))
        return path

    async def close(self) -> None:
        """Stop listening, end active invocations, remove the Unix socket files created."""
        self._closing = True
        for listener in self._listeners:
            listener.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for listener in self._listeners:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(listener.wait_closed(), 5.0)
        for path in self._unix_paths:
            with contextlib.suppress(OSError):
                if stat.S_ISSOCK(os.stat(path).st_mode):
                    os.unlink(path)
        self._listeners.clear()

    async def __aenter__(self) -> Server:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def _backlog(self) -> int:
        return min(max(self.limits.max_concurrent, 100), MAX_BACKLOG)

    def _lookup(self, instance: str, function: str) -> Signature | None:
        fn = self._functions.get((instance, function))
        return None if fn is None else fn.signature

    # ------------------------------------------------------------------ one connection

    async def _on_connect(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        task = asyncio.current_task()
        assert task is not None
        if self._closing or self.stats.active >= self.limits.max_concurrent:
            self.stats.rejected += 1
            writer.transport.abort()
            return
        self._tasks.add(task)
        self.stats.accepted += 1
        self.stats.active += 1
        conn = Connection(reader, writer, self.limits, self.stats)
        ok = False
        try:
            await self._serve(conn)
            ok = True
        except asyncio.CancelledError:
            # Server.close(). Not re-raised: this is the connection's top-level task, and
            # asyncio's stream callback would log a cancelled one as an error.
            self._record(InvocationFailed("the server closed"))
        except Exception as e:  # any failure ends this invocation only
            self._record(e)
        finally:
            self.stats.active -= 1
            self._tasks.discard(task)
            if ok:
                self.stats.completed += 1
                await conn.close()
            else:
                self.stats.failed += 1
                conn.abort()

    def _record(self, error: BaseException) -> None:
        self.stats.failures.append(FailureRecord(rule_of(error), f"{type(error).__name__}: "
                                                                f"{error}"))

    async def _serve(self, conn: Connection) -> None:
        limits = self.limits
        invocation = ServerInvocation(self._lookup, limits, self.payload_paths)
        budget = ReceiveBudget(limits.max_buffered_bytes, self.stats)
        channels = Channels(budget, self.payload_paths)
        params: asyncio.Future[tuple[Any, ...]] = asyncio.get_running_loop().create_future()
        input_closed = asyncio.Event()

        async def pump() -> None:
            while True:
                data = await conn.read()
                events = invocation.receive(data) if data else invocation.receive_eof()
                for event in events:
                    if isinstance(event, Failed):
                        raise event.error
                    if isinstance(event, ValuesReceived):
                        assert invocation.signature is not None
                        params.set_result(channels.live(event.values,
                                                        invocation.signature.params))
                    else:
                        channels.dispatch(event)
                if not data:
                    input_closed.set()
                    return
                if budget.over:
                    self.stats.receive_pauses += 1
                    try:
                        await asyncio.wait_for(budget.wait_below(), limits.idle_timeout)
                    except asyncio.TimeoutError:
                        self.stats.idle_timeouts += 1
                        raise WrpcError(
                            WrpcRule.IDLE_TIMEOUT,
                            f"the handler took no input for {limits.idle_timeout} s",
                        ) from None

        async def respond() -> None:
            args = await params
            assert invocation.header is not None and invocation.signature is not None
            served = self._functions[(invocation.header.instance, invocation.header.function)]
            result = await served.handler(*args)
            result_types = invocation.signature.results
            if not result_types and result is not None:
                raise EncodeError(
                    Rule.VALUE_OUT_OF_TYPE,
                    f"{served.name!r} has no result but its handler returned "
                    f"{type(result).__name__}",
                )
            results = (result,) if result_types else ()
            wire, sources = prepare_outgoing(results, result_types, self.payload_paths)
            if self.answer_after_eof and invocation.receiving_complete:
                try:
                    await input_closed.wait()  # bounded: the reader's idle timeout
                except BaseException:
                    discard_sources(sources)
                    raise
            try:
                root = invocation.send_results(wire)
            except BaseException:
                discard_sources(sources)
                raise
            await conn.write(root)
            await send_sources(conn, invocation, sources)
            await conn.write_eof()
            channels.abandon_all()  # the handler is done: drop input nobody will read

        tasks = {asyncio.ensure_future(pump()), asyncio.ensure_future(respond())}
        pending = set(tasks)
        try:
            while pending:
                done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_EXCEPTION)
                for task in done:
                    error = task.exception()
                    if error is not None:
                        channels.fail_all(InvocationFailed(f"the invocation failed: {error}",
                                                           rule_of(error)))
                        raise error
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)


def functions_from_wit(
    package: WitPackage,
    handlers: Mapping[tuple[str, str], Handler],
    *,
    skipped: list[tuple[tuple[str, str], str]] | None = None,
) -> list[ServedFunction]:
    """One ``ServedFunction`` per handler. Keys are ``(instance, wire function name)``:
    ``instance`` is an interface's qualified name (``ns:pkg/iface@ver``) or ``""`` for a
    function a world exports directly.

    A key naming no function of ``package`` raises ``WitError``. A function whose signature
    the reference does not support raises ``UnsupportedSignature``, unless ``skipped`` is given:
    then it is left out and ``(key, reason)`` appended there.
    """
    index: dict[tuple[str, str], WitFunction] = {}
    for iface in package.interfaces.values():
        for name, fn in iface.functions.items():
            index[(iface.qualified_name, name)] = fn
    for world_functions in package.world_functions.values():
        for name, world_fn in world_functions.items():
            index[("", name)] = world_fn
    served: list[ServedFunction] = []
    for key, handler in handlers.items():
        found = index.get(key)
        if found is None:
            instance, name = key
            raise WitError(
                f"handler for function {name!r} of instance {instance!r}: package "
                f"{package.name} has no such function"
            )
        try:
            signature = Signature.from_function(found)
        except UnsupportedSignature as e:
            if skipped is None:
                raise
            skipped.append((key, str(e)))
            continue
        served.append(ServedFunction(key[0], key[1], signature, handler))
    return served
