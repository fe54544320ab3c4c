"""What the suite, as the server, does on a connection: a script of steps, sans-IO.

An :class:`Answer` says when the server starts answering (:class:`Trigger`) and what it does
then: write bytes, pause, close (FIN, reset, or both directions), or hold the connection open
and silent. The harness executes the script; this module only builds it, together with the
encoders that turn result values into frames of a chosen shape (wrpc.md §2: frame boundaries
carry no meaning, so every shape of the same per-path bytes is the same answer).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from wasmnet_conformance.wrpc_client.assemble import AsyncSlot, async_slots, replace_slots
from wasmnet_reference.codec import encode_value, encode_values
from wasmnet_reference.framing import ROOT, Path, cut, encode_frame
from wasmnet_reference.values import PENDING, Ready, Value
from wasmnet_reference.wit.types import ListType, StreamType, WitType

STREAM_END = b"\x00"
"""An empty ``list<T>`` for any ``T`` (its uleb32 count 0): the end marker of a stream
(wrpc.md §3)."""

WRITE_GAP_S = 0.02
"""Pause between writes meant to reach the client as separate reads (TCP_NODELAY is set)."""


class Trigger(enum.Enum):
    ON_ACCEPT = "accept"
    """At once, before reading anything."""
    ON_HEADER = "header"
    """Once the invocation header has arrived."""
    ON_PARAMS = "params"
    """Once every parameter has arrived, without waiting for the client's end-of-stream."""
    ON_EOF = "eof"
    """Once the parameters and the client's end-of-stream have arrived (or the wait for the
    end-of-stream ran out, which fails the request check)."""


class CloseMode(enum.Enum):
    FIN = "fin"
    """Shut down the write side (TCP FIN); the client sees end-of-stream."""
    RESET = "reset"
    """Abortive close (SO_LINGER 0: TCP RST); TCP only."""
    CLOSE = "close"
    """Close both directions at once, unread client bytes dropped."""


@dataclass(frozen=True)
class Write:
    data: bytes


@dataclass(frozen=True)
class Pause:
    seconds: float


@dataclass(frozen=True)
class Close:
    mode: CloseMode = CloseMode.FIN


@dataclass(frozen=True)
class Hold:
    """Write nothing more and keep the connection open until the client closes or exits."""


Step = Write | Pause | Close | Hold


@dataclass(frozen=True)
class Answer:
    trigger: Trigger
    steps: tuple[Step, ...]
    """Executed in order; a script that does not end in Close or Hold ends with Close(FIN)."""

    @property
    def sent(self) -> bytes:
        """Every byte the script writes."""
        return b"".join(s.data for s in self.steps if isinstance(s, Write))

    def closing(self) -> tuple[Step, ...]:
        """The steps with the implicit final Close(FIN) made explicit."""
        if self.steps and isinstance(self.steps[-1], (Close, Hold)):
            return self.steps
        return (*self.steps, Close(CloseMode.FIN))


def coalesced(*frames: bytes, close: Step = Close()) -> tuple[Step, ...]:
    """All frames in one write, then ``close``."""
    return (Write(b"".join(frames)), close)


def separate(pieces: Sequence[bytes], gap: float = WRITE_GAP_S, close: Step = Close()) \
        -> tuple[Step, ...]:
    """Each piece its own write, ``gap`` seconds apart, then ``close``."""
    steps: list[Step] = []
    for i, piece in enumerate(pieces):
        if i:
            steps.append(Pause(gap))
        steps.append(Write(piece))
    steps.append(close)
    return tuple(steps)


def cut_at(stream: bytes, positions: Sequence[int], gap: float = WRITE_GAP_S) -> tuple[Step, ...]:
    """``stream`` written in pieces cut at ``positions`` (which may fall inside a frame head or
    a LEB128), ``gap`` seconds apart, then FIN."""
    return separate(cut(stream, positions), gap)


def root_frame(data: bytes, *, length_width: int | None = None) -> bytes:
    return encode_frame(ROOT, data, length_width=length_width)


@dataclass(frozen=True)
class AsyncParts:
    """Results with their futures and streams sent pending: the root bytes, and per pending
    path the payload pieces in order (stream chunks then the end marker; a future's value)."""

    root: bytes
    paths: dict[Path, list[bytes]]

    def frames(self) -> list[bytes]:
        """Root frame, then each path's pieces as frames, path after path."""
        out = [root_frame(self.root)]
        for path, pieces in self.paths.items():
            out.extend(encode_frame(path, p) for p in pieces)
        return out

    def interleaved(self) -> list[bytes]:
        """Root frame, then the paths' pieces taken round-robin."""
        out = [root_frame(self.root)]
        queues = [[encode_frame(path, p) for p in pieces] for path, pieces in self.paths.items()]
        while any(queues):
            for q in queues:
                if q:
                    out.append(q.pop(0))
        return out


Chunking = Callable[[AsyncSlot], list[list[Value]]]


def whole(slot: AsyncSlot) -> list[list[Value]]:
    """One chunk holding every element (no chunk when there are none)."""
    assert isinstance(slot.value, Ready) and isinstance(slot.value.value, list)
    return [slot.value.value] if slot.value.value else []


def singles(slot: AsyncSlot) -> list[list[Value]]:
    """One chunk per element."""
    assert isinstance(slot.value, Ready) and isinstance(slot.value.value, list)
    return [[v] for v in slot.value.value]


def async_parts(
    values: Sequence[Value],
    types: Sequence[WitType],
    *,
    chunking: Chunking = whole,
    end_marker: bool = True,
) -> AsyncParts:
    """``values`` (every future/stream ``Ready``) with every future and stream sent pending.
    ``end_marker=False`` leaves the streams unfinished (a malformed answer)."""
    slots = async_slots(values, types)
    root = encode_values(replace_slots(values, types, lambda s: PENDING), types)
    paths: dict[Path, list[bytes]] = {}
    for slot in slots:
        assert isinstance(slot.value, Ready) and slot.type.inner is not None
        if isinstance(slot.type, StreamType):
            element = ListType(slot.type.inner)
            pieces = [encode_value(chunk, element) for chunk in chunking(slot)]
            if end_marker:
                pieces.append(STREAM_END)
        else:
            pieces = [encode_value(slot.value.value, slot.type.inner)]
        paths[slot.path] = pieces
    return AsyncParts(root, paths)
