"""The sending direction of one invocation, sans-IO: values in, framed bytes out (wrpc.md §2,
§3).

``open_root`` encodes the root tuple. At each future/stream position the value is ``PENDING``
(its data follows on its own path, which becomes an *open path*) or ``Ready(...)`` (complete on
the root: a future's value, or a non-empty ready stream). ``send_future``, ``send_chunk`` and
``send_end`` then write each open path's data; ``done`` tells when everything is sent, which is
when the endpoint half-closes (wrpc.md §1).

Misuse by the local caller (sending on a path that is not open, an empty chunk, a second root)
raises ``ValueError``/``RuntimeError``: those are programming errors, not peer faults.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from wasmnet_reference.codec.encode import encode_value, encode_values
from wasmnet_reference.errors import EncodeError
from wasmnet_reference.framing.events import ROOT, Path
from wasmnet_reference.framing.frame import encode_frame
from wasmnet_reference.rules import Rule
from wasmnet_reference.values import PENDING, Ready, Value
from wasmnet_reference.wit.types import FutureType, StreamType, WitType
from wasmnet_reference.wrpc.limits import WrpcLimits
from wasmnet_reference.wrpc.paths import AsyncType, PayloadPathReading, map_async

END_MARKER = b"\x00"
"""wrpc.md §3: a pending stream finishes with an empty ``list<T>``: count 0."""


class Outbound:
    """One sending direction."""

    def __init__(self, limits: WrpcLimits, reading: PayloadPathReading) -> None:
        self._limits = limits
        self._reading = reading
        self._open: dict[Path, AsyncType] = {}
        self._root_sent = False

    @property
    def root_sent(self) -> bool:
        return self._root_sent

    @property
    def open_paths(self) -> dict[Path, AsyncType]:
        """Pending futures and streams whose data is still to be sent, by path."""
        return dict(self._open)

    @property
    def done(self) -> bool:
        """The root and all async data are sent: time to half-close."""
        return self._root_sent and not self._open

    def open_root(
        self, values: Sequence[Any], types: Sequence[WitType], *, empty_frame: bool
    ) -> bytes:
        """The root frame(s) of ``values``; ``empty_frame`` writes ``00 00`` for an empty root
        (the upstream client always sends a root frame, wrpc.md §2)."""
        if self._root_sent:
            raise RuntimeError("the root value was already sent")
        opened: dict[Path, AsyncType] = {}

        def visit(path: Path, ty: AsyncType, value: Any) -> Any:
            if value is PENDING:
                opened[path] = ty
            elif isinstance(ty, StreamType) and value == Ready([]):
                raise EncodeError(
                    Rule.VALUE_OUT_OF_TYPE,
                    f"Ready([]) at {list(path)}: an empty stream has no ready form (00 means "
                    "pending, wrpc.md §3); send PENDING, then the end marker",
                )
            elif not isinstance(value, Ready):
                raise EncodeError(
                    Rule.VALUE_OUT_OF_TYPE,
                    f"PENDING or Ready expected at the async position {list(path)}, "
                    f"got {type(value).__name__}",
                )
            return value

        map_async(values, types, self._reading, visit)
        if len(opened) > self._limits.max_async_values:
            raise ValueError(
                f"{len(opened)} pending values exceed max_async_values "
                f"{self._limits.max_async_values}"
            )
        data = encode_values(list(values), list(types))
        self._root_sent = True
        self._open = opened
        if not data and not empty_frame:
            return b""
        return self._frames(ROOT, data)

    def send_future(self, path: Path, value: Value) -> bytes:
        """A pending future's value ``T``; a future without a type sends one empty frame."""
        ty = self._take(path, FutureType)
        assert isinstance(ty, FutureType)
        data = b"" if ty.inner is None else encode_value(value, ty.inner)
        del self._open[path]
        return self._frames(path, data)

    def send_chunk(self, path: Path, items: list[Value]) -> bytes:
        """A non-empty chunk of a pending stream (an empty one would be the end marker)."""
        ty = self._take(path, StreamType)
        if not items:
            raise ValueError("an empty chunk is the stream's end marker: use send_end")
        return self._frames(path, encode_value(Ready(list(items)), ty))

    def send_end(self, path: Path) -> bytes:
        """A pending stream's end marker: the empty ``list<T>``."""
        self._take(path, StreamType)
        del self._open[path]
        return self._frames(path, END_MARKER)

    def _take(self, path: Path, kind: type[FutureType] | type[StreamType]) -> AsyncType:
        ty = self._open.get(tuple(path))
        if ty is None:
            raise ValueError(f"path {list(path)} is not an open pending value")
        if not isinstance(ty, kind):
            raise ValueError(f"path {list(path)} holds a {type(ty).__name__}")
        return ty

    def _frames(self, path: Path, data: bytes) -> bytes:
        """``data`` on ``path`` as frames of at most ``send_frame_data`` bytes (one empty frame
        for empty data)."""
        size = self._limits.send_frame_data
        if len(data) <= size:
            return encode_frame(path, data)
        return b"".join(
            encode_frame(path, data[i : i + size]) for i in range(0, len(data), size)
        )
