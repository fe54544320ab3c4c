"""Bounds of the wRPC client and server: every length, count, buffer and wait is bounded
(wrpc.md §2: a robust peer bounds every length it reads)."""

from __future__ import annotations

from dataclasses import dataclass

from wasmnet_reference.limits import DEFAULT_LIMITS, Limits


@dataclass(frozen=True)
class WrpcLimits:
    """Limits of one endpoint; the same class serves the client and the server.

    - ``codec``: framing and value bounds (``max_name_length``, ``max_path_length``,
      ``max_frame_data``, list/string lengths, type depth), checked as bytes are read.
    - ``max_concurrent`` (server): invocations served at once. A connection beyond it is
      accepted and immediately closed (the client sees a failed call; counted as ``rejected``).
    - ``idle_timeout``: seconds without progress (no bytes received while input is expected, a
      write that the peer does not drain, a consumer that does not take buffered input) before
      the invocation is closed; ``None`` waits forever.
    - ``max_buffered_bytes``: per direction. Sending: the transport's write-buffer high-water
      mark (a write waits for the peer to read; the buffer holds at most this plus one write of
      ``write_size``). Receiving: wire bytes of decoded stream chunks queued for a consumer that
      has not taken them; above it, reading stops until the consumer catches up. Also bounds
      async data buffered before the root value is complete.
    - ``max_async_values``: pending futures and streams per direction of one invocation.
    - ``send_frame_data``: outgoing frames carry at most this many data bytes.
    - ``read_size`` / ``write_size``: transport read and write granularity.
    """

    codec: Limits = DEFAULT_LIMITS
    max_concurrent: int = 256
    idle_timeout: float | None = 30.0
    max_buffered_bytes: int = 1 << 20
    max_async_values: int = 1024
    send_frame_data: int = 1 << 16
    read_size: int = 1 << 16
    write_size: int = 1 << 16

    def __post_init__(self) -> None:
        for name in (
            "max_concurrent", "max_buffered_bytes", "max_async_values", "send_frame_data",
            "read_size", "write_size",
        ):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1")
        if self.idle_timeout is not None and self.idle_timeout <= 0:
            raise ValueError("idle_timeout must be positive or None")


DEFAULT_WRPC_LIMITS = WrpcLimits()
