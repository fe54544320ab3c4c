"""The JSON form of a decoded frame stream, as vector ``expect`` objects and ``decode-frames``
responses write it, reduced to what a check may compare.

docs/vector-format.md: frame boundaries carry no meaning (wrpc.md §2), so a stream is compared
as the header plus, per path, the concatenated data of that path's frames. Paths whose data is
empty are dropped: whether zero-length frames appear at all is the ``zero-length-frame``
ambiguity, not something either reading may be failed for.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from wasmnet_reference.framing import Frame, Path, per_path_data
from wasmnet_reference.testee.protocol import parse_hex

U32_MAX = 0xFFFF_FFFF
"""wrpc.md §2: every path element is a uleb32."""


@dataclass(frozen=True)
class FramesView:
    header: tuple[int, str, str] | None
    """(version, instance, function), or None for a frames-only stream."""
    paths: dict[Path, bytes]
    """Concatenated data per path; empty paths left out."""

    def describe(self) -> str:
        header = "no header" if self.header is None else "header (version {}, {!r}, {!r})".format(
            *self.header
        )
        paths = ", ".join(
            f"[{', '.join(map(str, p))}]: {d.hex()}" for p, d in sorted(self.paths.items())
        )
        return f"{header}; data per path {{{paths}}}"


def frames_view(header: Any, frames: Any) -> FramesView:
    """Validate and reduce JSON ``header`` and ``frames``; ValueError says what is malformed."""
    return FramesView(_header(header), _paths(frames))


def _header(data: Any) -> tuple[int, str, str] | None:
    if data is None:
        return None
    if not isinstance(data, dict):
        raise ValueError(f"'header' must be an object or null, not {data!r}")
    version, instance, function = (data.get(k) for k in ("version", "instance", "function"))
    if not isinstance(version, int) or isinstance(version, bool):
        raise ValueError(f"header 'version' must be an integer, not {version!r}")
    if not isinstance(instance, str) or not isinstance(function, str):
        raise ValueError(f"header 'instance' and 'function' must be strings in {data!r}")
    return version, instance, function


def _paths(data: Any) -> dict[Path, bytes]:
    if not isinstance(data, list):
        raise ValueError(f"'frames' must be a list, not {data!r}")
    frames = []
    for frame in data:
        if not isinstance(frame, dict):
            raise ValueError(f"a frame must be an object, not {frame!r}")
        path = frame.get("path")
        if not isinstance(path, list) or not all(_is_u32(p) for p in path):
            raise ValueError(f"a frame 'path' must be a list of u32, not {path!r}")
        hex_data = frame.get("data")
        if not isinstance(hex_data, str):
            raise ValueError(f"a frame 'data' must be a hex string, not {hex_data!r}")
        frames.append(Frame(tuple(path), parse_hex(hex_data)))
    return per_path_data(frames)


def _is_u32(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool) and 0 <= x <= U32_MAX
