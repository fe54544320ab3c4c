"""The receiving direction of one invocation, sans-IO: framed bytes in, events out (wrpc.md §2,
§3).

The framing decoder splits the byte stream into per-path data. The root path feeds one
incremental value decoder per parameter (result); once the root tuple is complete, its pending
futures and streams become *open paths*, each with its own incremental decoder, so a path's
bytes may be split across frames anywhere. Checks, each raising a rule:

- a frame on a path that is not an open path: ``WrpcRule.UNKNOWN_PATH``. Before the root value
  is complete a path's status is not known yet: data on a path that *could* hold a pending
  value of the signature is buffered (bounded by ``max_buffered_bytes`` and
  ``max_async_values`` paths) and checked once the root is known; any other path is rejected
  at once;
- root bytes after the root tuple: ``ROOT_TRAILING_BYTES``;
- stream bytes after the end marker: ``STREAM_DATA_AFTER_END``; future bytes after its value:
  ``FUTURE_DATA_AFTER_VALUE``. Zero-length frames carry no data and are accepted there
  (reading of the [ambiguous] zero-length frames, wrpc.md §2);
- these three are raised as soon as a frame *announces* such bytes (its length exceeds what
  the value still needed), not when they arrive: a frame announcing 2^32-1 bytes around a
  one-byte value fails at once instead of leaving the call answered or waiting;
- end-of-stream inside a frame, the root tuple or a chunk: the framing or codec truncation
  rule; with a future or stream still open: ``ASYNC_INCOMPLETE``.

A future without a type (``future``) has a value of zero bytes: the reference reads the first
frame on its path (usually zero-length) as its resolution, and sends one such frame.
"""

from __future__ import annotations

from collections.abc import Callable

from wasmnet_reference.codec.decode import ValueDecoder
from wasmnet_reference.errors import WireError
from wasmnet_reference.framing.decoder import StreamDecoder
from wasmnet_reference.framing.events import ROOT, FrameData, FrameStart, Header, Path
from wasmnet_reference.limits import Limits
from wasmnet_reference.values import PENDING, Ready, Value
from wasmnet_reference.wit.types import FutureType, StreamType, WitType
from wasmnet_reference.wrpc.errors import WrpcError, WrpcRule
from wasmnet_reference.wrpc.events import (
    Event,
    Failed,
    FutureReady,
    InputClosed,
    InputComplete,
    StreamChunk,
    StreamEnded,
    ValuesReceived,
)
from wasmnet_reference.wrpc.limits import WrpcLimits
from wasmnet_reference.wrpc.paths import (
    AsyncSlot,
    AsyncType,
    PayloadPathReading,
    map_async,
    possible_async_path,
)

HeaderHandler = Callable[[Header], tuple[Event, tuple[WitType, ...]]]
"""Server side: turns the header into its event and the parameter types, or raises WrpcError."""


class TupleDecoder:
    """The root tuple: one incremental ``ValueDecoder`` per type, in order (a wrapping
    ``TupleType`` would add one level of depth, so a parameter of exactly ``max_depth`` fits)."""

    def __init__(self, types: tuple[WitType, ...], limits: Limits) -> None:
        self._types = types
        self._limits = limits
        self._values: list[Value] = []
        self._current: ValueDecoder | None = None
        self._advance()

    @property
    def done(self) -> bool:
        return self._current is None

    @property
    def values(self) -> tuple[Value, ...]:
        return tuple(self._values)

    def _advance(self) -> None:
        """Start the next value's decoder, settling values that take no bytes."""
        while len(self._values) < len(self._types):
            decoder = ValueDecoder(self._types[len(self._values)], self._limits)
            if not decoder.done:
                self._current = decoder
                return
            self._values.append(decoder.value)
        self._current = None

    def feed(self, data: bytes | memoryview) -> int:
        """Bytes of ``data`` consumed (all of them unless the tuple completed)."""
        pos = 0
        with memoryview(data) as view:
            while self._current is not None and pos < len(view):
                pos += self._current.feed(view[pos:])
                if self._current.done:
                    self._values.append(self._current.value)
                    self._advance()
        return pos

    def end(self) -> None:
        """Input ended: raise the codec truncation rule if the tuple is incomplete."""
        if self._current is not None:
            self._current.end()


class _FutureIn:
    """A pending future's path: the value ``T`` once."""

    def __init__(self, path: Path, ty: FutureType, limits: Limits) -> None:
        self.path = path
        self.decoder = None if ty.inner is None else ValueDecoder(ty.inner, limits)
        self.done = False
        self.counted = False
        self.fed = 0

    def start(self, out: list[Event]) -> None:
        """A frame head on the path: resolves a future whose value takes no bytes."""
        if not self.done and (self.decoder is None or self.decoder.done):
            self.done = True
            out.append(FutureReady(self.path, None if self.decoder is None else
                                   self.decoder.value))

    def after_end(self, count: int) -> WrpcError:
        return WrpcError(
            WrpcRule.FUTURE_DATA_AFTER_VALUE, f"{count} bytes after the value", self.path
        )

    def data(self, data: memoryview, out: list[Event], announced: int) -> None:
        """``announced``: bytes the current frame still announces after ``data``."""
        if self.done or self.decoder is None:
            raise self.after_end(len(data))
        used = self.decoder.feed(data)
        self.fed += used
        if self.decoder.done:
            if used < len(data) or announced:
                raise self.after_end(len(data) - used + announced)
            self.done = True
            out.append(FutureReady(self.path, self.decoder.value))

    def end(self) -> None:
        if self.done:
            return
        if self.decoder is not None and self.fed:
            self.decoder.end()
        raise WrpcError(WrpcRule.ASYNC_INCOMPLETE, "the future's value never arrived", self.path)


class _StreamIn:
    """A pending stream's path: ``list<T>`` chunks, then an empty list (wrpc.md §3)."""

    def __init__(self, path: Path, ty: StreamType, limits: Limits) -> None:
        self.path = path
        self.type = ty
        self.limits = limits
        self.decoder = ValueDecoder(ty, limits)  # a chunk: empty = PENDING = the end marker
        self.chunk_bytes = 0
        self.done = False
        self.counted = False

    def start(self, out: list[Event]) -> None:
        """Frame heads carry nothing for a stream."""

    def after_end(self, count: int) -> WrpcError:
        return WrpcError(
            WrpcRule.STREAM_DATA_AFTER_END, f"{count} bytes after the end marker", self.path
        )

    def data(self, data: memoryview, out: list[Event], announced: int) -> None:
        """``announced``: bytes the current frame still announces after ``data``."""
        pos = 0
        while pos < len(data):
            if self.done:
                raise self.after_end(len(data) - pos + announced)
            used = self.decoder.feed(data[pos:])
            pos += used
            self.chunk_bytes += used
            if self.decoder.done:
                chunk = self.decoder.value
                if chunk is PENDING:
                    if pos < len(data) or announced:
                        raise self.after_end(len(data) - pos + announced)
                    self.done = True
                    out.append(StreamEnded(self.path))
                else:
                    assert isinstance(chunk, Ready) and isinstance(chunk.value, list)
                    out.append(StreamChunk(self.path, chunk.value, self.chunk_bytes))
                    self.decoder = ValueDecoder(self.type, self.limits)
                self.chunk_bytes = 0

    def end(self) -> None:
        if self.done:
            return
        if self.chunk_bytes:
            self.decoder.end()
        raise WrpcError(WrpcRule.ASYNC_INCOMPLETE, "the stream's end marker never arrived",
                        self.path)


_PathIn = _FutureIn | _StreamIn


class Inbound:
    """One receiving direction. ``types`` are known up front (client: the results) or come from
    ``on_header`` (server: the looked-up parameters).

    ``receive``/``receive_eof`` never raise for anything a peer sends: a broken rule becomes a
    final ``Failed`` event, after which both return no events.
    """

    def __init__(
        self,
        limits: WrpcLimits,
        reading: PayloadPathReading,
        *,
        types: tuple[WitType, ...] | None = None,
        on_header: HeaderHandler | None = None,
    ) -> None:
        if (types is None) == (on_header is None):
            raise ValueError("give either types (no header expected) or on_header")
        self._limits = limits
        self._reading = reading
        self._framing = StreamDecoder(expect_header=on_header is not None, limits=limits.codec)
        self._on_header = on_header
        self._types: tuple[WitType, ...] | None = None
        self._root: TupleDecoder | None = None
        self._root_done = False
        self._paths: dict[Path, _PathIn] = {}
        self._open = 0
        self._early: dict[Path, bytearray] = {}
        self._early_bytes = 0
        self._announced = 0  # bytes the current frame announces after the data at hand
        self._complete = False
        self._events: list[Event] = []
        self.error: WireError | WrpcError | None = None
        self.closed = False
        if types is not None:
            self._catch(lambda: self._set_types(types))

    # ------------------------------------------------------------------ public

    @property
    def complete(self) -> bool:
        """The root value and every pending future and stream are complete."""
        return self._complete

    @property
    def open_paths(self) -> frozenset[Path]:
        """Paths of pending futures and streams still expecting data."""
        return frozenset(p for p, s in self._paths.items() if not s.done)

    def receive(self, data: bytes | bytearray | memoryview) -> list[Event]:
        if self.error is None and not self.closed:
            self._catch(lambda: self._receive(data))
        return self._take()

    def receive_eof(self) -> list[Event]:
        if self.error is None and not self.closed:
            self._catch(self._receive_eof)
        return self._take()

    # ------------------------------------------------------------------ internals

    def _take(self) -> list[Event]:
        events, self._events = self._events, []
        return events

    def _catch(self, step: Callable[[], None]) -> None:
        try:
            step()
        except (WireError, WrpcError) as e:
            self.error = e
            self._events.append(Failed(e))

    def _set_types(self, types: tuple[WitType, ...]) -> None:
        self._types = types
        self._root = TupleDecoder(types, self._limits.codec)
        if self._root.done:
            self._root_complete()

    def _receive(self, data: bytes | bytearray | memoryview) -> None:
        for event in self._framing.feed(data):
            if type(event) is FrameData:
                self._announced -= len(event.data)
                if event.data:
                    self._on_data(event.path, event.data, self._announced)
            elif type(event) is FrameStart:
                self._announced = event.length
                self._on_start(event.path, event.length)
            else:
                assert isinstance(event, Header) and self._on_header is not None
                header_event, types = self._on_header(event)
                self._events.append(header_event)
                self._set_types(types)

    def _receive_eof(self) -> None:
        self._framing.end()
        if self._root is not None and not self._root_done:
            self._root.end()
        for state in self._paths.values():
            state.end()
        self.closed = True
        self._events.append(InputClosed())

    def _on_start(self, path: Path, length: int) -> None:
        """A frame head: a frame that announces data where nothing more may come is rejected
        at once (its data can only be trailing bytes or be cut short)."""
        if path == ROOT:
            if self._root_done and length:
                raise WrpcError(WrpcRule.ROOT_TRAILING_BYTES,
                                f"a root frame of {length} bytes after the root value", ROOT)
            return
        state = self._paths.get(path)
        if state is not None:
            if not state.done:
                state.start(self._events)  # may resolve a future whose value takes no bytes
                self._settle(state)
            if state.done and length:
                raise state.after_end(length)
        elif not self._root_done and self._types is not None and possible_async_path(
            self._types, path, self._reading
        ):
            if path not in self._early and len(self._early) >= self._limits.max_async_values:
                raise WrpcError(
                    WrpcRule.LIMIT_ASYNC_VALUES,
                    f"async data on more than max_async_values {self._limits.max_async_values}"
                    " paths before the root value",
                    path,
                )
            self._early.setdefault(path, bytearray())
            self._check_early(path, length)
        else:
            raise WrpcError(WrpcRule.UNKNOWN_PATH, "no pending future or stream there", path)

    def _on_data(self, path: Path, data: bytes, announced: int) -> None:
        if path == ROOT:
            self._on_root(data, announced)
            return
        state = self._paths.get(path)
        if state is not None:
            with memoryview(data) as view:
                state.data(view, self._events, announced)
            self._settle(state)
            return
        self._early_bytes += len(data)
        self._early[path] += data  # _on_start registered the path and checked the limit

    def _check_early(self, path: Path, length: int) -> None:
        """A frame before the root value is complete: its data will be buffered, so the
        announced length is checked against the bound at once."""
        if self._early_bytes + length > self._limits.max_buffered_bytes:
            raise WrpcError(
                WrpcRule.LIMIT_EARLY_DATA,
                f"{self._early_bytes + length} bytes of async data before the root value "
                f"exceed max_buffered_bytes {self._limits.max_buffered_bytes}",
                path,
            )

    def _on_root(self, data: bytes, announced: int) -> None:
        root = self._root
        if root is None or self._root_done:
            raise WrpcError(
                WrpcRule.ROOT_TRAILING_BYTES, f"{len(data)} bytes after the root value", ROOT
            )
        used = root.feed(data)
        if root.done:
            if used < len(data) or announced:
                raise WrpcError(
                    WrpcRule.ROOT_TRAILING_BYTES,
                    f"{len(data) - used + announced} bytes after the root value"
                    + (" (announced by the frame)" if announced else ""),
                    ROOT,
                )
            self._root_complete()

    def _root_complete(self) -> None:
        assert self._root is not None and self._types is not None
        self._root_done = True
        values = map_async(self._root.values, self._types, self._reading, self._open_path)
        self._events.append(ValuesReceived(values))
        early, self._early = self._early, {}
        for path, data in early.items():
            if path not in self._paths:
                raise WrpcError(WrpcRule.UNKNOWN_PATH, "no pending future or stream there", path)
            self._on_start(path, 0)
            if data:
                self._on_data(path, bytes(data), 0)
        self._check_complete()

    def _open_path(self, path: Path, ty: AsyncType, value: Value) -> object:
        """Visitor over the decoded root: a PENDING value opens its path."""
        if value is not PENDING:
            return value
        if len(self._paths) >= self._limits.max_async_values:
            raise WrpcError(
                WrpcRule.LIMIT_ASYNC_VALUES,
                f"more than max_async_values {self._limits.max_async_values} pending values",
                path,
            )
        limits = self._limits.codec
        self._open += 1
        self._paths[path] = (
            _FutureIn(path, ty, limits) if isinstance(ty, FutureType)
            else _StreamIn(path, ty, limits)
        )
        return AsyncSlot(path, ty)

    def _settle(self, state: _PathIn) -> None:
        """Count ``state`` as finished once it is done (each state finishes once)."""
        if state.done and not state.counted:
            state.counted = True
            self._open -= 1
            self._check_complete()

    def _check_complete(self) -> None:
        if not self._complete and self._root_done and self._open == 0:
            self._complete = True
            self._events.append(InputComplete())
