"""Writing the same logical content in different shapes (wrpc.md §2: frame boundaries carry no
meaning, so a peer must decode every shape to the same per-path bytes).

- :func:`frame_chunks` / :func:`split_frames`: one path's data as several frames of chosen
  sizes, empty frames included;
- :func:`interleave`: frames of several paths mixed in one stream (coalesced into one write);
- :func:`cut`: a byte stream split into transport writes at chosen positions, which may fall
  inside a header, a frame head or a LEB128.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise, zip_longest

from wasmnet_reference.framing.frame import encode_frame


def frame_chunks(
    path: Sequence[int], data: bytes, sizes: Sequence[int], *, length_width: int | None = None
) -> list[bytes]:
    """``data`` on ``path`` as one encoded frame per entry of ``sizes`` (``0``: an empty
    frame). ``sum(sizes)`` must equal ``len(data)``."""
    if any(size < 0 for size in sizes) or sum(sizes) != len(data):
        raise ValueError(f"sizes {list(sizes)} do not split {len(data)} bytes")
    frames = []
    start = 0
    for size in sizes:
        frames.append(encode_frame(path, data[start : start + size], length_width=length_width))
        start += size
    return frames


def split_frames(path: Sequence[int], data: bytes, sizes: Sequence[int]) -> bytes:
    """The frames of :func:`frame_chunks`, coalesced into one byte string."""
    return b"".join(frame_chunks(path, data, sizes))


def interleave(*streams: Sequence[bytes]) -> bytes:
    """Encoded frames taken round-robin from each sequence (the order within each is kept),
    coalesced into one byte string."""
    return b"".join(
        frame for frames in zip_longest(*streams, fillvalue=b"") for frame in frames
    )


def cut(stream: bytes, positions: Sequence[int]) -> list[bytes]:
    """``stream`` split at ``positions`` (non-decreasing, within ``0..len(stream)``): one piece
    more than positions; equal positions give an empty piece."""
    bounds = [0, *positions, len(stream)]
    if any(a > b for a, b in pairwise(bounds)):
        raise ValueError(f"positions {list(positions)} do not cut {len(stream)} bytes in order")
    return [stream[a:b] for a, b in pairwise(bounds)]
