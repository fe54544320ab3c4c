"""What a framed wRPC stream is made of, as the decoder reports it (wrpc.md §2).

The decoder streams: it reports a frame's head (``FrameStart``) as soon as it is read and the
payload (``FrameData``) as bytes arrive, so a large frame is never held whole. ``Frame`` is the
assembled form used when a whole stream is decoded at once.
"""

from __future__ import annotations

from dataclasses import dataclass

Path = tuple[int, ...]
"""A frame path; ``()`` is the root channel (wrpc.md §2)."""

ROOT: Path = ()


@dataclass(frozen=True, slots=True)
class Header:
    """The client-to-server invocation header: version byte, ``name(instance)``,
    ``name(function)``."""

    instance: str
    function: str
    version: int = 0


@dataclass(frozen=True, slots=True)
class FrameStart:
    """A frame head was read: ``length`` payload bytes on ``path`` follow."""

    path: Path
    length: int


@dataclass(frozen=True, slots=True)
class FrameData:
    """Payload bytes of the current frame as they arrived; ``frame_end`` marks the last chunk.
    A zero-length frame yields one ``FrameData(path, b"", frame_end=True)``."""

    path: Path
    data: bytes
    frame_end: bool


@dataclass(frozen=True, slots=True)
class Frame:
    """One whole frame. Frame boundaries carry no meaning (wrpc.md §2): compare streams with
    :func:`wasmnet_reference.framing.decoder.per_path_data`, never frame by frame."""

    path: Path
    data: bytes


Event = Header | FrameStart | FrameData
