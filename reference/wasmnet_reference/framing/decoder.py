"""A sans-IO decoder for one direction of a wRPC invocation stream (wrpc.md §2).

Feed it bytes as they arrive, in any split; it returns events (``Header``, ``FrameStart``,
``FrameData``) and raises ``FramingError`` on the first broken rule, with the absolute stream
offset. Frame payloads are passed through as they arrive, never buffered; only an incomplete
head (header or frame head) is kept, and its size is bounded by the limits. The content seen
per path is the same for every split of the same input.
"""

from __future__ import annotations

from collections.abc import Iterable

from wasmnet_reference.codec.leb128 import Buffer
from wasmnet_reference.errors import FramingError
from wasmnet_reference.framing.events import ROOT, Event, Frame, FrameData, FrameStart, Header, Path
from wasmnet_reference.framing.frame import frame_head_reader
from wasmnet_reference.framing.header import header_size_bound, read_header
from wasmnet_reference.framing.uleb32 import Incomplete
from wasmnet_reference.limits import DEFAULT_LIMITS, Limits
from wasmnet_reference.rules import Rule


class StreamDecoder:
    """Decoder state between feeds: in the header, in a frame head, or in a frame's payload.

    After a ``FramingError`` the stream is broken: every later ``feed`` or ``end`` raises the
    same error again.
    """

    __slots__ = (
        "_failure",
        "_frame_head",
        "_header_bound",
        "_in_header",
        "_limits",
        "_offset",
        "_path",
        "_pending",
        "_remaining",
    )

    def __init__(self, *, expect_header: bool, limits: Limits = DEFAULT_LIMITS) -> None:
        self._limits = limits
        self._frame_head = frame_head_reader(limits)
        self._header_bound = header_size_bound(limits)
        self._in_header = expect_header
        self._pending = bytearray()  # an incomplete head, at most the head's size bound
        self._path: Path = ROOT  # path of the frame whose payload is being passed through
        self._remaining = 0  # payload bytes of that frame still to come
        self._offset = 0
        self._failure: FramingError | None = None

    @property
    def offset(self) -> int:
        """Total bytes consumed so far (every byte fed is consumed, or buffered as part of an
        incomplete head)."""
        return self._offset

    def feed(self, data: Buffer) -> list[Event]:
        """Events completed or advanced by ``data``. Raises FramingError."""
        if self._failure is not None:
            raise self._failure
        if type(data) is bytes:
            return self._feed(data)
        # A view, released on return, so the caller may resize its buffer even while this
        # decoder keeps a failure (and its traceback) around.
        with memoryview(data).cast("B") as octets:
            return self._feed(octets)

    def end(self) -> list[Event]:
        """End of stream: raises FramingError if it falls inside the header or a frame."""
        if self._failure is None:
            if self._in_header:
                self._failure = header_truncated(self._offset)
            elif self._pending or self._remaining:
                self._failure = frame_truncated(self._offset)
            else:
                return []
        raise self._failure

    def _feed(self, buf: Buffer) -> list[Event]:
        events: list[Event] = []
        try:
            pos = self._resume(buf, events) if self._pending else 0
            self._run(buf, pos, events)
        except FramingError as exc:
            self._failure = exc
            raise
        self._offset += len(buf)
        return events

    def _resume(self, buf: Buffer, events: list[Event]) -> int:
        """Complete the pending head from the start of ``buf``: the position in ``buf`` after
        the head, or ``len(buf)`` if the head is still incomplete."""
        pending = self._pending
        held = len(pending)
        bound = self._header_bound if self._in_header else self._frame_head.size_bound
        # The head completes or breaks a rule within ``bound`` bytes, so bytes past it are
        # never needed here.
        pending += buf[: bound - held]
        try:
            head_end = self._head(pending, 0, self._offset - held, events)
        except Incomplete:
            return len(buf)
        pending.clear()
        return head_end - held

    def _run(self, buf: Buffer, pos: int, events: list[Event]) -> None:
        """Decode ``buf[pos:]``: pass payload through, read heads, keep an incomplete one."""
        end = len(buf)
        base = self._offset
        while pos < end:
            remaining = self._remaining
            if remaining:
                stop = pos + remaining
                if stop > end:
                    events.append(FrameData(self._path, bytes(buf[pos:]), False))
                    self._remaining = stop - end
                    return
                events.append(FrameData(self._path, bytes(buf[pos:stop]), True))
                self._remaining = 0
                pos = stop
                continue
            try:
                pos = self._head(buf, pos, base, events)
            except Incomplete:
                self._pending += buf[pos:]
                return

    def _head(self, buf: Buffer, pos: int, base: int, events: list[Event]) -> int:
        """Read the header or frame head at ``buf[pos]``, report it, and return where it ends.
        Raises Incomplete if ``buf`` ends first."""
        if self._in_header:
            header, pos = read_header(buf, pos, base, self._limits)
            events.append(header)
            self._in_header = False
            return pos
        path, length, pos = self._frame_head.read(buf, pos, base)
        events.append(FrameStart(path, length))
        if length:
            self._path = path
            self._remaining = length
        else:
            events.append(FrameData(path, b"", True))
        return pos


def frames_from_events(events: Iterable[Event]) -> tuple[Header | None, list[Frame]]:
    """The header and the frames completed by ``events`` (payload chunks joined); a frame
    still in progress at the end of ``events`` is left out."""
    header: Header | None = None
    frames: list[Frame] = []
    chunks: list[bytes] = []
    for event in events:
        if type(event) is FrameData:
            if not event.frame_end:
                chunks.append(event.data)
            elif chunks:
                chunks.append(event.data)
                frames.append(Frame(event.path, b"".join(chunks)))
                chunks.clear()
            else:
                frames.append(Frame(event.path, event.data))
        elif type(event) is Header:
            header = event
    return header, frames


def decode_stream(
    data: bytes, *, expect_header: bool, limits: Limits = DEFAULT_LIMITS
) -> tuple[Header | None, list[Frame]]:
    """A whole stream, ``data`` followed by end-of-stream. Raises FramingError (an empty
    header-expecting stream is ``HEADER_TRUNCATED``).

    Same grammar and checks as :class:`StreamDecoder` (the same head readers), without its
    per-chunk events: this is the fuzzing entry point and must stay cheap per frame.
    """
    end = len(data)
    header: Header | None = None
    pos = 0
    if expect_header:
        try:
            header, pos = read_header(data, 0, 0, limits)
        except Incomplete:
            raise header_truncated(end) from None
    read_head = frame_head_reader(limits).read
    frames: list[Frame] = []
    try:
        while pos < end:
            path, length, pos = read_head(data, pos, 0)
            stop = pos + length
            frames.append(Frame(path, data[pos:stop]))
            pos = stop
    except Incomplete:
        raise frame_truncated(end) from None
    if pos > end:  # the last frame announced more data than the stream holds
        raise frame_truncated(end)
    return header, frames


def header_truncated(offset: int) -> FramingError:
    """End-of-stream inside the invocation header."""
    return FramingError(Rule.HEADER_TRUNCATED, "stream ended inside the header", offset)


def frame_truncated(offset: int) -> FramingError:
    """End-of-stream inside a frame head or payload."""
    return FramingError(Rule.FRAME_TRUNCATED, "stream ended inside a frame", offset)


def per_path_data(frames: Iterable[Frame]) -> dict[Path, bytes]:
    """Each path's byte stream: the concatenated data of its frames, in order. Frame
    boundaries carry no meaning (wrpc.md §2); paths that carried no bytes are left out."""
    streams: dict[Path, bytearray] = {}
    for frame in frames:
        if frame.data:
            streams.setdefault(frame.path, bytearray()).extend(frame.data)
    return {path: bytes(data) for path, data in streams.items()}
