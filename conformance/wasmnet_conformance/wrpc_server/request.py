"""The client-to-server bytes of a call, built from the codec and framing encoders (sans-IO).

A case describes its request as an invocation header plus a list of frames (path, data); the
helpers here write that content in different shapes (wrpc.md §2: frame boundaries carry no
meaning): root data split into frames of chosen sizes, empty root frames, overlong LEB128
lengths, and the whole stream cut into transport writes at chosen positions.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from wasmnet_reference.codec import encode_value, encode_values
from wasmnet_reference.framing import ROOT, Path, encode_frame, encode_header, frame_chunks
from wasmnet_reference.values import PENDING, Ready, Value
from wasmnet_reference.wit.loader import WitFunction
from wasmnet_reference.wit.types import StreamType, WitType

END_OF_STREAM = b"\x00"
"""wrpc.md §3: a pending stream MUST finish with an empty ``list<T>`` (count 0)."""


@dataclass(frozen=True)
class Target:
    """Where a function lives on the wire: its instance and wire name (wrpc.md §2, Naming)."""

    instance: str
    function: WitFunction

    @property
    def name(self) -> str:
        return self.function.name

    @property
    def param_types(self) -> tuple[WitType, ...]:
        return tuple(t for _, t in self.function.params)


FrameSpec = tuple[Path, bytes]


def params_bytes(target: Target, params: Sequence[Value]) -> bytes:
    """The root data: parameters concatenated in declaration order (wrpc.md §3)."""
    return encode_values(list(params), list(target.param_types))


def header(target: Target, *, length_width: int | None = None) -> bytes:
    return encode_header(target.instance, target.name, length_width=length_width)


def frames(specs: Sequence[FrameSpec], *, length_width: int | None = None) -> bytes:
    return b"".join(encode_frame(p, d, length_width=length_width) for p, d in specs)


def call(
    target: Target,
    root: bytes,
    async_frames: Sequence[FrameSpec] = (),
    *,
    length_width: int | None = None,
) -> bytes:
    """Header, one root frame with ``root``, then ``async_frames`` in order."""
    return header(target, length_width=length_width) + frames(
        [(ROOT, root), *async_frames], length_width=length_width
    )


def root_in_frames(target: Target, root: bytes, sizes: Sequence[int]) -> bytes:
    """Header, then ``root`` as one frame per entry of ``sizes`` (0 = an empty root frame)."""
    return header(target) + b"".join(frame_chunks(ROOT, root, sizes))


def stream_frames(
    path: Path, ty: StreamType, chunks: Sequence[Sequence[Value]], *, end: bool = True
) -> list[FrameSpec]:
    """A pending stream's data: one frame per chunk (each a ``list<T>``, wrpc.md §3), then the
    end marker unless ``end`` is False."""
    out: list[FrameSpec] = [
        (path, encode_value(Ready(list(chunk)), ty)) for chunk in chunks if chunk
    ]
    if end:
        out.append((path, END_OF_STREAM))
    return out


def future_frame(path: Path, inner: WitType | None, value: Value) -> FrameSpec:
    """A pending future's value on its path (wrpc.md §3); a future without a type resolves with
    an empty frame (the reference's reading)."""
    return (path, b"" if inner is None else encode_value(value, inner))


def pending() -> Value:
    return PENDING


def pieces(stream: bytes, positions: Sequence[int]) -> tuple[bytes, ...]:
    """``stream`` cut into writes at ``positions``; empty pieces are dropped (a zero-byte write
    sends nothing)."""
    bounds = [0, *positions, len(stream)]
    return tuple(stream[a:b] for a, b in itertools.pairwise(bounds) if b > a)
