"""A timed record of the bytes exchanged with a network peer, kept so that a failed case can be
reported with exactly what went over the wire (both directions, hex, with timing).

Shared by the wRPC server and client roles. The trace itself does no I/O: the role's socket
code calls :meth:`WireTrace.sent` / :meth:`WireTrace.received` around every write and read.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

Direction = Literal["c2s", "s2c", "note"]
SuiteIs = Literal["client", "server"]

_HEX_ROW = 16
"""Bytes per row of the human hex dump."""


@dataclass(frozen=True)
class TraceEntry:
    t: float
    """Seconds since the trace was created."""
    direction: str
    """``c2s``, ``s2c`` or ``note``."""
    data: bytes
    note: str = ""


class WireTrace:
    """Append-only list of :class:`TraceEntry`; ``sent`` means sent by the suite."""

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        *,
        suite_is: SuiteIs = "client",
    ) -> None:
        if suite_is not in ("client", "server"):
            raise ValueError(f"suite_is must be 'client' or 'server', not {suite_is!r}")
        self._clock = clock
        self._t0 = clock()
        self._entries: list[TraceEntry] = []
        self._sent_dir: Direction = "c2s" if suite_is == "client" else "s2c"
        self._recv_dir: Direction = "s2c" if suite_is == "client" else "c2s"

    def _now(self) -> float:
        return self._clock() - self._t0

    def sent(self, data: bytes) -> None:
        """Record bytes the suite wrote to the peer."""
        self._entries.append(TraceEntry(self._now(), self._sent_dir, bytes(data)))

    def received(self, data: bytes) -> None:
        """Record bytes the suite read from the peer (an empty read is recorded as EOF)."""
        if data:
            self._entries.append(TraceEntry(self._now(), self._recv_dir, bytes(data)))
        else:
            self._entries.append(TraceEntry(self._now(), "note", b"", "EOF from peer"))

    def note(self, text: str) -> None:
        """Record an event that is not bytes: half-close, reset, timeout, connect."""
        self._entries.append(TraceEntry(self._now(), "note", b"", text))

    def entries(self) -> list[TraceEntry]:
        return list(self._entries)

    def bytes_in(self, direction: str) -> bytes:
        """All data sent in ``direction`` (``c2s`` or ``s2c``), concatenated."""
        return b"".join(e.data for e in self._entries if e.direction == direction)

    def to_json(self) -> list[dict[str, Any]]:
        return [
            {"t": round(e.t, 3), "dir": e.direction, "hex": e.data.hex(), "note": e.note}
            for e in self._entries
        ]

    def render(self, max_bytes: int = 4096) -> str:
        """A hex dump, one block per entry, headed ``+<secs> <dir>``; at most ``max_bytes`` of
        data in total are shown, after which a truncation marker says how much was left out."""
        lines: list[str] = []
        budget = max_bytes
        omitted = 0
        for e in self._entries:
            head = f"+{e.t:.3f}s {e.direction}"
            if e.direction == "note":
                lines.append(f"{head} {e.note}")
                continue
            lines.append(f"{head} {len(e.data)} bytes" + (f" ({e.note})" if e.note else ""))
            shown = e.data[: max(budget, 0)]
            budget -= len(shown)
            omitted += len(e.data) - len(shown)
            for off in range(0, len(shown), _HEX_ROW):
                row = shown[off : off + _HEX_ROW]
                lines.append(f"  {off:06x}  {row.hex(' ')}")
            if len(shown) < len(e.data):
                lines.append(f"  ... {len(e.data) - len(shown)} more bytes in this entry")
        if omitted:
            lines.append(f"[trace truncated: {omitted} bytes not shown, limit {max_bytes}]")
        return "\n".join(lines)
