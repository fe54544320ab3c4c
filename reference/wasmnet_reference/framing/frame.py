"""The frame grammar (wrpc.md §2)::

    frame := uleb32(path_len) uleb32(path[0]) ... uleb32(path[n-1]) uleb32(data_len) data

The head (everything before ``data``) is read whole; the payload is streamed by the decoder.
``path_len`` and ``data_len`` are bounded as soon as they are read (``Limits``).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

from wasmnet_reference.codec.leb128 import Buffer
from wasmnet_reference.errors import FramingError
from wasmnet_reference.framing.events import ROOT, Path
from wasmnet_reference.framing.uleb32 import (
    ONE_BYTE_MAX,
    U32_MAX_BYTES,
    Incomplete,
    read_u32,
    write_u32,
)
from wasmnet_reference.limits import Limits
from wasmnet_reference.rules import Rule


class FrameHeadReader:
    """Reads frame heads under one set of limits.

    This is the decoders' hot path (a fuzzer drives it under coverage instrumentation), so the
    common case costs few comparisons: a ``path_len`` or ``data_len`` that is a one-byte LEB128
    within its limit takes one comparison, a path of one-byte elements a check over the slice.
    """

    __slots__ = ("_fast_data", "_fast_path", "_max_data", "_max_path", "size_bound")

    def __init__(self, limits: Limits) -> None:
        self._max_path = limits.max_path_length
        self._max_data = limits.max_frame_data
        self._fast_path = min(self._max_path, ONE_BYTE_MAX)
        self._fast_data = min(self._max_data, ONE_BYTE_MAX)
        self.size_bound = U32_MAX_BYTES * (self._max_path + 2)
        """The most bytes a head can take before it is complete or rejected."""

    def read(self, buf: Buffer, pos: int, base: int) -> tuple[Path, int, int]:
        """``(path, data_len, data_pos)`` for the frame head at ``buf[pos]``; ``base`` is the
        stream offset of ``buf[0]``. Raises Incomplete if ``buf`` ends first, FramingError."""
        try:
            path_len = buf[pos]
            if path_len > self._fast_path:
                path_len, p = _bounded(buf, pos, base, self._max_path, Rule.LIMIT_PATH_LENGTH)
            else:
                p = pos + 1
            path: Path = ROOT
            if path_len:
                one_byte = buf[p : p + path_len]
                if len(one_byte) == path_len and max(one_byte) <= ONE_BYTE_MAX:
                    path = tuple(one_byte)
                    p += path_len
                else:
                    path, p = _read_path(buf, p, path_len, base)
            data_len = buf[p]
            if data_len > self._fast_data:
                return (path, *_bounded(buf, p, base, self._max_data, Rule.LIMIT_FRAME_DATA))
            return path, data_len, p + 1
        except IndexError:
            raise Incomplete from None


@functools.lru_cache(maxsize=16)
def frame_head_reader(limits: Limits) -> FrameHeadReader:
    """The reader for ``limits``, shared (readers hold nothing but the limits): a whole-stream
    decode then costs no setup."""
    return FrameHeadReader(limits)


def _bounded(buf: Buffer, pos: int, base: int, limit: int, rule: Rule) -> tuple[int, int]:
    """A uleb32 length that must not exceed ``limit``, checked as soon as it is read."""
    value = buf[pos]
    if value > ONE_BYTE_MAX:
        value, end = read_u32(buf, pos, base)
    else:
        end = pos + 1
    if value > limit:
        raise FramingError(rule, f"{value} exceeds the limit {limit}", base + pos)
    return value, end


def _read_path(buf: Buffer, pos: int, count: int, base: int) -> tuple[Path, int]:
    """``count`` uleb32 path elements of any width."""
    elements = []
    for _ in range(count):
        element, pos = read_u32(buf, pos, base)
        elements.append(element)
    return tuple(elements), pos


def encode_frame(path: Sequence[int], data: bytes, *, length_width: int | None = None) -> bytes:
    """One frame. ``length_width`` writes ``path_len``, every path element and ``data_len`` as
    uleb32 of exactly that many bytes (overlong but valid, 1..5)."""
    head = [write_u32(len(path), length_width)]
    head.extend(write_u32(element, length_width) for element in path)
    head.append(write_u32(len(data), length_width))
    head.append(bytes(data))
    return b"".join(head)
