"""Server-side counters of ``resource counter`` and the handle bytes that name them.

Sans-IO: a plain table, no asyncio. A handle is an opaque ``list<u8>`` blob chosen by the server
(wrpc.md §3, Resources). The reference's format, documented in docs/conformance-world.md:

    b"wnc1" ++ nonce (8 bytes, random per table) ++ counter id (u64, big-endian)  = 20 bytes

The nonce makes handles from another server (or another run) unknown. wRPC has no resource-drop
message, so the table is bounded by evicting the least recently used counter; a handle of an
evicted counter is unknown from then on.
"""

from __future__ import annotations

import os
import struct
from collections import OrderedDict

HANDLE_MAGIC = b"wnc1"
HANDLE_LENGTH = 20
U64_MODULUS = 1 << 64
DEFAULT_CAPACITY = 10_000


class UnknownHandleError(LookupError):
    """The handle bytes were not issued by this table (or name an evicted counter)."""


class CounterTable:
    """Counters by id, at most ``capacity`` of them (least recently used evicted first)."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY, nonce: bytes | None = None) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.capacity = capacity
        self.nonce = os.urandom(8) if nonce is None else nonce
        if len(self.nonce) != 8:
            raise ValueError("nonce must be 8 bytes")
        self._next_id = 0
        self._values: OrderedDict[int, int] = OrderedDict()

    def __len__(self) -> int:
        return len(self._values)

    def create(self, start: int) -> bytes:
        """A new counter holding ``start``; returns its handle bytes."""
        if not 0 <= start < U64_MODULUS:
            raise ValueError(f"start {start} is not a u64")
        counter_id = self._next_id
        self._next_id += 1
        self._values[counter_id] = start
        while len(self._values) > self.capacity:
            self._values.popitem(last=False)
        return HANDLE_MAGIC + self.nonce + struct.pack(">Q", counter_id)

    def get(self, handle: bytes) -> int:
        return self._values[self._lookup(handle)]

    def increment(self, handle: bytes) -> int:
        """Adds 1 modulo 2^64 and returns the new value."""
        counter_id = self._lookup(handle)
        value = (self._values[counter_id] + 1) % U64_MODULUS
        self._values[counter_id] = value
        return value

    def _lookup(self, handle: bytes) -> int:
        if (
            len(handle) != HANDLE_LENGTH
            or handle[:4] != HANDLE_MAGIC
            or handle[4:12] != self.nonce
        ):
            raise UnknownHandleError(f"handle {handle.hex()} was not issued by this server")
        counter_id = int.from_bytes(handle[12:], "big")
        if counter_id not in self._values:
            raise UnknownHandleError(f"counter {counter_id} does not exist (or was evicted)")
        self._values.move_to_end(counter_id)
        return counter_id
