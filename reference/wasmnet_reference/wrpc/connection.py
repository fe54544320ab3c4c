"""One invocation's byte stream over asyncio, with every read and write bounded.

- reads: at most ``read_size`` bytes each, no longer than ``idle_timeout`` apart;
- writes: sliced into ``write_size`` pieces, each followed by ``drain()`` under a write-buffer
  high-water mark of ``max_buffered_bytes`` (so a peer that does not read makes the writer wait,
  never buffer without bound), a drain that makes no progress for ``idle_timeout`` fails;
- writes are serialised (one lock), so concurrent async senders add at most one slice at a
  time to the buffer.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from wasmnet_reference.wrpc.errors import WrpcError, WrpcRule
from wasmnet_reference.wrpc.limits import WrpcLimits

CLOSE_TIMEOUT_S = 2.0
"""How long a graceful close waits for the transport to flush."""


@dataclass
class TransportStats:
    """Counters of one endpoint (summed over its connections); for tests and benchmarks."""

    bytes_received: int = 0
    bytes_sent: int = 0
    send_buffer_high_water: int = 0
    """Largest transport write buffer seen (bytes written but not yet taken by the kernel)."""
    receive_buffer_high_water: int = 0
    """Largest amount of received stream-chunk bytes queued for a consumer."""
    send_backpressure_waits: int = 0
    """Writes that found the buffer above the high-water mark and waited for the peer."""
    receive_pauses: int = 0
    """Times reading stopped because consumers were behind."""
    idle_timeouts: int = 0


class Connection:
    """A reader/writer pair with the bounds above."""

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        limits: WrpcLimits,
        stats: TransportStats,
    ) -> None:
        self.reader = reader
        self.writer = writer
        self.limits = limits
        self.stats = stats
        self._lock = asyncio.Lock()
        self._high = limits.max_buffered_bytes
        writer.transport.set_write_buffer_limits(high=self._high)

    async def read(self) -> bytes:
        """The next bytes, ``b""`` at end-of-stream. Raises ``WrpcError(IDLE_TIMEOUT)``."""
        try:
            data = await asyncio.wait_for(
                self.reader.read(self.limits.read_size), self.limits.idle_timeout
            )
        except asyncio.TimeoutError:
            self.stats.idle_timeouts += 1
            raise WrpcError(
                WrpcRule.IDLE_TIMEOUT, f"no bytes received for {self.limits.idle_timeout} s"
            ) from None
        self.stats.bytes_received += len(data)
        return data

    async def write(self, data: bytes) -> None:
        """Write ``data`` with backpressure. Raises OSError if the peer is gone."""
        if not data:
            return
        size = self.limits.write_size
        async with self._lock:
            for start in range(0, len(data), size):
                piece = data[start : start + size]
                self.writer.write(piece)
                self.stats.bytes_sent += len(piece)
                buffered = self.writer.transport.get_write_buffer_size()
                if buffered > self.stats.send_buffer_high_water:
                    self.stats.send_buffer_high_water = buffered
                if buffered > self._high:  # the transport paused writing: wait, bounded
                    self.stats.send_backpressure_waits += 1
                    await self._drain()
                else:
                    await self.writer.drain()  # returns at once; raises if the peer is gone

    async def _drain(self) -> None:
        try:
            await asyncio.wait_for(self.writer.drain(), self.limits.idle_timeout)
        except asyncio.TimeoutError:
            self.stats.idle_timeouts += 1
            raise WrpcError(
                WrpcRule.IDLE_TIMEOUT,
                f"the peer read nothing for {self.limits.idle_timeout} s",
            ) from None

    async def write_eof(self) -> None:
        """Half-close the write side once everything is written (wrpc.md §1)."""
        async with self._lock:
            if self.writer.can_write_eof() and not self.writer.is_closing():
                self.writer.write_eof()

    def abort(self) -> None:
        """Drop the connection now (buffered output is discarded)."""
        self.writer.transport.abort()

    def start_close(self) -> None:
        """Begin a graceful close (buffered output is still flushed)."""
        if not self.writer.is_closing():
            self.writer.close()

    async def close(self) -> None:
        """Close gracefully, bounded in time; abort if the flush does not finish."""
        self.start_close()
        try:
            await asyncio.wait_for(self.writer.wait_closed(), CLOSE_TIMEOUT_S)
        except (asyncio.TimeoutError, OSError):
            self.abort()
        except asyncio.CancelledError:
            self.abort()
            raise
