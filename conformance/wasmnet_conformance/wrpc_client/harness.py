"""The asyncio shell of the client role: one listener, one client process and one connection
per case, every wait bounded by the case deadline.

Everything that decides (what to send, whether the request is right, whether the client
reported correctly) lives in the sans-IO modules; this one moves bytes, starts and stops the
client and records the wire trace. Networking is loopback only: ``127.0.0.1`` or a Unix socket
in a fresh temporary directory.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import os
import shutil
import signal
import socket
import struct
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from wasmnet_conformance.errors import SuiteError
from wasmnet_conformance.wiretrace import WireTrace
from wasmnet_conformance.wrpc_client.answers import Close, CloseMode, Hold, Pause, Trigger, Write
from wasmnet_conformance.wrpc_client.cases import ClientCase
from wasmnet_conformance.wrpc_client.contract import client_argv, tcp_address, unix_address
from wasmnet_conformance.wrpc_client.judge import Observation
from wasmnet_conformance.wrpc_client.request import Problem, RequestReader, request_problems
from wasmnet_conformance.wrpc_client.rules import ClientRule

LOOPBACK = "127.0.0.1"
READ_SIZE = 65536
MAX_STDOUT = 1 << 20
"""Bytes of the client's stdout kept (the rest is read and dropped): the largest result a
case expects is 256 KiB of WAVE."""
MAX_STDERR = 64 * 1024
MAX_HALF_CLOSE_GRACE_S = 2.0
"""How long after the last parameter byte the suite waits at most for the client's
end-of-stream (wrpc.md §1: the client MUST shut down its write side) before answering anyway;
never more than half the client's timeout, so a client that never half-closes is still
connected (and waiting) when the wait ends, not closing because its own timeout ran out."""


def half_close_grace(client_timeout_s: float) -> float:
    return min(MAX_HALF_CLOSE_GRACE_S, client_timeout_s / 2)
REQUEST_IDLE_S = 3.0
"""How long the suite waits for more request bytes while the request is incomplete."""
AFTER_EXIT_S = 1.0
"""How long the connection handling may run on after the client exited."""
ACCEPT_AFTER_EXIT_S = 0.1
"""How long a client that exited without a connection being seen is given for one still in
the listen backlog to be accepted."""


LINGER_RESET = struct.pack("HH" if sys.platform == "win32" else "ii", 1, 0)
"""SO_LINGER on with a zero timeout: close() sends a reset (Windows' linger struct holds two
unsigned shorts, POSIX's two ints)."""


class Transport(str, enum.Enum):
    TCP = "tcp"
    UNIX = "unix"


def unix_available() -> bool:
    """AF_UNIX stream sockets through asyncio: POSIX systems (Windows' event loop has no
    Unix-socket server)."""
    return hasattr(socket, "AF_UNIX") and sys.platform != "win32"


class ClientStartError(SuiteError):
    """The client command cannot be started at all (no such file, not executable)."""


@dataclass
class CaseRun:
    observation: Observation
    trace: WireTrace
    duration_s: float
    argv: list[str]


@dataclass
class _Conn:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter


class _Listener:
    """Accepts connections on loopback; the first is the case's, later ones are counted and
    closed at once."""

    def __init__(self, trace: WireTrace) -> None:
        self.trace = trace
        self.count = 0
        self.first: asyncio.Future[_Conn] = asyncio.get_running_loop().create_future()
        self.address = ""
        self._server: asyncio.AbstractServer | None = None

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.count += 1
        if self.first.done():
            self.trace.note(f"connection #{self.count} accepted and closed (one per invocation)")
            writer.close()
            return
        self.trace.note("connection accepted")
        self.first.set_result(_Conn(reader, writer))

    @contextlib.asynccontextmanager
    async def listening(self, transport: Transport) -> AsyncIterator[_Listener]:
        tmp: str | None = None
        try:
            if transport is Transport.TCP:
                self._server = await asyncio.start_server(self._accept, LOOPBACK, 0)
                port = self._server.sockets[0].getsockname()[1]
                self.address = tcp_address(LOOPBACK, port)
            else:
                tmp = tempfile.mkdtemp(prefix="wn-")
                path = Path(tmp) / "s"
                self._server = await asyncio.start_unix_server(self._accept, str(path))
                self.address = unix_address(path)
            self.trace.note(f"listening on {self.address}")
            yield self
        finally:
            if self._server is not None:
                self._server.close()
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(self._server.wait_closed(), AFTER_EXIT_S)
            if self.first.done() and not self.first.cancelled():
                self.first.result().writer.close()
            elif not self.first.done():
                self.first.cancel()
            if tmp is not None:
                shutil.rmtree(tmp, ignore_errors=True)


class _Conversation:
    """One connection: read the request (feeding the checker and the trace) while the answer
    script runs."""

    def __init__(self, case: ClientCase, conn: _Conn, trace: WireTrace,
                 clock: Callable[[], float], grace_s: float) -> None:
        self.case = case
        self.grace_s = grace_s
        self.conn = conn
        self.trace = trace
        self.clock = clock
        self.request = RequestReader(case.call.function)
        self.changed = asyncio.Condition()
        self.last_read = clock()
        self.half_closed_in_time = False
        self.answered = False
        self.closed = False

    async def read_loop(self) -> None:
        try:
            while True:
                data = await self.conn.reader.read(READ_SIZE)
                self.trace.received(data)
                self.last_read = self.clock()
                if data:
                    self.request.feed(data)
                else:
                    self.request.eof()
                async with self.changed:
                    self.changed.notify_all()
                if not data:
                    return
        except (ConnectionError, OSError) as e:
            self.trace.note(f"read failed: {type(e).__name__}: {e}")
            self.request.eof()
            async with self.changed:
                self.changed.notify_all()

    async def _wait(self, done: Callable[[], bool], idle_s: float) -> bool:
        """Wait until ``done()``, or until no byte arrived for ``idle_s``."""
        while not done():
            if self.request.eof_seen:
                return done()
            left = idle_s - (self.clock() - self.last_read)
            if left <= 0:
                return False
            with contextlib.suppress(asyncio.TimeoutError):
                async with self.changed:
                    await asyncio.wait_for(self.changed.wait(), left)
        return True

    async def run(self) -> None:
        trigger = self.case.answer.trigger
        reading = None
        if trigger is not Trigger.ON_ACCEPT:
            reading = asyncio.create_task(self.read_loop())
        try:
            if trigger is Trigger.ON_HEADER:
                await self._wait(lambda: self.request.header is not None
                                 or self.request.error is not None, REQUEST_IDLE_S)
            elif trigger in (Trigger.ON_PARAMS, Trigger.ON_EOF):
                complete = await self._wait(lambda: self.request.complete
                                            or self.request.error is not None, REQUEST_IDLE_S)
                if complete and trigger is Trigger.ON_EOF:
                    self.last_read = self.clock()
                    self.half_closed_in_time = await self._wait(
                        lambda: self.request.eof_seen, self.grace_s
                    )
                    if not self.half_closed_in_time:
                        self.trace.note(f"no end-of-stream {self.grace_s:g}s after the "
                                        "parameters; answering anyway")
            self.trace.note(f"answering ({trigger.value})")
            self.answered = True
            await self._steps()
            if reading is not None:
                await reading  # until the client's end-of-stream (or its exit cancels us)
        finally:
            if reading is not None and not reading.done():
                reading.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await reading

    async def _steps(self) -> None:
        writer = self.conn.writer
        for step in self.case.answer.closing():
            if isinstance(step, Write):
                try:
                    writer.write(step.data)
                    await writer.drain()
                except (ConnectionError, OSError) as e:
                    self.trace.note(f"write failed: {type(e).__name__}: {e}")
                    return
                self.trace.sent(step.data)
            elif isinstance(step, Pause):
                await asyncio.sleep(step.seconds)
            elif isinstance(step, Close):
                self._close(step.mode)
                return
            elif isinstance(step, Hold):
                self.trace.note("holding the connection open, silent")
                return

    def _close(self, mode: CloseMode) -> None:
        writer = self.conn.writer
        if mode is CloseMode.FIN and writer.can_write_eof():
            with contextlib.suppress(ConnectionError, OSError):
                writer.write_eof()
            self.trace.note("FIN sent (write side shut down)")
            return
        if mode is CloseMode.RESET:
            sock = writer.get_extra_info("socket")
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, LINGER_RESET)
            writer.transport.abort()
            self.trace.note("connection reset (SO_LINGER 0)")
            return
        writer.close()
        self.trace.note("connection closed (both directions)")

    def problems(self) -> list[Problem]:
        if not self.case.check_request:
            return []
        call = self.case.call
        half_closed = (self.half_closed_in_time if self.case.answer.trigger is Trigger.ON_EOF
                       else self.request.eof_seen)
        out = request_problems(self.request, instance=call.instance, function=call.function,
                               expected=call.args, half_closed=half_closed)
        if not self.answered:
            out.append(Problem(ClientRule.REQUEST_PARAMS, "the suite never got to answer"))
        return out


async def _collect(stream: asyncio.StreamReader | None, keep: int) -> bytes:
    """Everything ``stream`` yields, keeping the first ``keep`` bytes."""
    if stream is None:
        return b""
    kept = bytearray()
    while True:
        chunk = await stream.read(READ_SIZE)
        if not chunk:
            return bytes(kept)
        kept += chunk[: max(0, keep - len(kept))]


def _kill(proc: asyncio.subprocess.Process) -> None:
    """Kill the still running (unreaped, so its pid cannot have been reused) client and, on
    POSIX, its process group: it was started in a new session, so the group holds only the
    client and what it started."""
    with contextlib.suppress(ProcessLookupError, PermissionError, OSError):
        if os.name == "posix":
            os.killpg(proc.pid, signal.SIGKILL)
        else:
            proc.kill()


async def run_case(
    case: ClientCase,
    *,
    command: Sequence[str],
    transport: Transport,
    env: dict[str, str],
    case_timeout: float,
    client_timeout: float,
    clock: Callable[[], float] = time.monotonic,
) -> CaseRun:
    """Run one case to the end; every wait is bounded by ``case_timeout``. ``client_timeout``
    is the WASMNET_CLIENT_TIMEOUT the client was given (``env``)."""
    trace = WireTrace(clock, suite_is="server")
    start = clock()
    listener = _Listener(trace)
    async with listener.listening(transport):
        argv = client_argv(command, listener.address, *_split_words(case.words()))
        try:
            proc = await asyncio.create_subprocess_exec(
                *argv,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                env=env,
                start_new_session=os.name == "posix",
            )
        except OSError as e:
            raise ClientStartError(f"cannot start the client {argv[0]!r}: {e}") from None
        trace.note(f"client started (pid {proc.pid})")
        out_task = asyncio.create_task(_collect(proc.stdout, MAX_STDOUT))
        err_task = asyncio.create_task(_collect(proc.stderr, MAX_STDERR))
        conversation: _Conversation | None = None

        async def serve() -> None:
            nonlocal conversation
            conn = await listener.first
            conversation = _Conversation(case, conn, trace, clock,
                                         half_close_grace(client_timeout))
            await conversation.run()

        serving = asyncio.create_task(serve())
        exit_code: int | None
        try:
            exit_code = await asyncio.wait_for(proc.wait(), case_timeout)
            trace.note(f"client exited with status {exit_code}")
        except asyncio.TimeoutError:
            _kill(proc)
            await proc.wait()
            exit_code = None
            trace.note(f"client killed after {case_timeout:g}s")
        if not listener.first.done():
            await asyncio.sleep(ACCEPT_AFTER_EXIT_S)
        if listener.first.done():
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(asyncio.shield(serving), AFTER_EXIT_S)
        if not serving.done():
            serving.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await serving
        elif (error := serving.exception()) is not None:
            raise error  # a bug on the suite's side: never turned into a verdict
        stdout, stderr = await _outputs(out_task, err_task)
        problems = conversation.problems() if conversation is not None else []
        observation = Observation(
            exit_code=exit_code,
            stdout=stdout,
            stderr=stderr,
            connections=listener.count,
            problems=problems,
            timeout_s=case_timeout,
        )
    return CaseRun(observation, trace, clock() - start, argv)


async def _outputs(out_task: asyncio.Task[bytes], err_task: asyncio.Task[bytes]) \
        -> tuple[bytes, bytes]:
    """The client's output; pipes still held open by a leftover grandchild are abandoned."""
    done, pending = await asyncio.wait({out_task, err_task}, timeout=AFTER_EXIT_S)
    for task in pending:
        task.cancel()
    return (out_task.result() if out_task in done else b"",
            err_task.result() if err_task in done else b"")


def _split_words(words: list[str]) -> tuple[str, str, list[str]]:
    instance, function, *args = words
    return instance, function, args
