"""One invocation's byte stream to the server under test, with every byte traced.

A thin asyncio shell: it writes what a case dictates, reads in the background from the moment
the connection opens (so the trace shows when each byte arrived, even while the suite is still
sending), hands received bytes to a sans-IO consumer, and bounds every wait by a deadline.
Nothing here judges anything.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import socket
from collections.abc import Callable

from wasmnet_conformance.wiretrace import WireTrace
from wasmnet_conformance.wrpc_server.address import Address, TcpAddress

READ_CHUNK = 65536
MAX_RESPONSE_BYTES = 64 * 1024 * 1024
"""Bound on what the suite reads from one connection: a server that floods is cut off."""


class End(str, enum.Enum):
    """How the server's side of the stream ended (or did not)."""

    EOF = "eof"
    """The server half-closed (FIN) or closed cleanly."""
    RESET = "reset"
    """The connection was reset or broke (RST, EPIPE)."""
    FLOOD = "flood"
    """The server sent more than MAX_RESPONSE_BYTES; the suite stopped reading."""


class ConnectFailed(Exception):
    """The server did not accept a connection (refused, no such socket, timed out)."""


class Connection:
    """A client connection; ``on_data`` receives every chunk the server sends."""

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        trace: WireTrace,
        on_data: Callable[[bytes], None],
    ) -> None:
        self._reader = reader
        self._writer = writer
        self.trace = trace
        self._on_data = on_data
        self._changed = asyncio.Event()
        self.end: End | None = None
        self.received = 0
        self.send_failed = False
        self._task = asyncio.ensure_future(self._read_loop())

    @classmethod
    async def open(
        cls,
        address: Address,
        trace: WireTrace,
        on_data: Callable[[bytes], None],
        timeout: float,
    ) -> Connection:
        """Connect within ``timeout`` seconds; ConnectFailed otherwise (traced as a note)."""
        try:
            if isinstance(address, TcpAddress):
                reader, writer = await asyncio.wait_for(
                    asyncio.open_connection(address.host, address.port), timeout
                )
                sock = writer.get_extra_info("socket")
                if sock is not None:
                    # Each write is its own segment, so split cases reach the server split.
                    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            else:
                reader, writer = await asyncio.wait_for(
                    asyncio.open_unix_connection(address.path), timeout
                )
        except (OSError, asyncio.TimeoutError) as e:
            what = "timed out" if isinstance(e, asyncio.TimeoutError) else str(e)
            trace.note(f"connect to {address} failed: {what}")
            raise ConnectFailed(f"cannot connect to {address}: {what}") from None
        trace.note(f"connected to {address}")
        return cls(reader, writer, trace, on_data)

    async def _read_loop(self) -> None:
        try:
            while True:
                data = await self._reader.read(READ_CHUNK)
                if not data:
                    self.trace.received(b"")
                    self.end = End.EOF
                    return
                self.trace.received(data)
                self.received += len(data)
                self._on_data(data)
                self._changed.set()
                if self.received > MAX_RESPONSE_BYTES:
                    self.trace.note(f"stopped reading after {self.received} bytes")
                    self.end = End.FLOOD
                    return
        except (OSError, EOFError) as e:
            self.trace.note(f"connection broke while reading: {e!r}")
            self.end = End.RESET
        finally:
            self._changed.set()

    async def send(self, data: bytes) -> bool:
        """Write ``data``; False (and a trace note) if the server has gone away."""
        if self.send_failed:
            return False
        try:
            self._writer.write(data)
            await self._writer.drain()
        except (OSError, RuntimeError) as e:
            # RuntimeError: asyncio refuses writes on a transport already closing.
            self.trace.note(f"send of {len(data)} bytes failed: {e!r}")
            self.send_failed = True
            return False
        self.trace.sent(data)
        return True

    async def half_close(self) -> None:
        """Shut down the suite's write side (TCP FIN / SHUT_WR), as a finished client must."""
        if self.send_failed:
            return
        try:
            if self._writer.can_write_eof():
                self._writer.write_eof()
                await self._writer.drain()
                self.trace.note("suite half-closed its write side (FIN)")
            else:
                self.trace.note("transport cannot half-close")
        except (OSError, RuntimeError) as e:
            self.trace.note(f"half-close failed: {e!r}")
            self.send_failed = True

    async def wait(self, deadline: float, done: Callable[[], bool] = lambda: False) -> bool:
        """Until ``done()`` holds or the server's side ended: True; False at ``deadline``
        (event-loop time)."""
        loop = asyncio.get_running_loop()
        while True:
            self._changed.clear()
            if done() or self.end is not None:
                return True
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)

    async def close(self) -> None:
        """Close both directions and stop reading; never raises."""
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)
        self._writer.close()
        with contextlib.suppress(OSError, asyncio.TimeoutError, RuntimeError):
            await asyncio.wait_for(self._writer.wait_closed(), 1.0)
